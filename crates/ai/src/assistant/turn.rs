//! One turn of a conversation: the user's message, then up to [`MAX_ROUNDS`] calls to the
//! model, running the tools it asks for in between, until it answers in words. Every step is
//! stored as it happens (the model's tool calls, each tool's result), so the next turn's
//! history is exactly what the model saw; each call's usage counts against the user's day.
//! Streamed, the same turn reports text deltas and tool progress through a channel.

use kernel::ApiError;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::budget::estimate;
use super::service::{Assistant, DEFAULT_TITLE, TurnGuard, message_view, title_of};
use super::store::{self, Conversation, NewMessage};
use super::tools::{self, DRAFT_TOOL, Kind};
use crate::llm::{ChatRequest, ChatResponse, Message, StreamEvent, ToolCall, Usage};

/// Calls to the model in one turn at most (the last one may not call tools).
pub const MAX_ROUNDS: usize = 6;
/// Tokens one answer may use.
const MAX_ANSWER_TOKENS: u32 = 1_500;

/// What a streamed turn reports before its end.
#[derive(Debug, Clone)]
pub enum Progress {
    Delta(String),
    Tool { name: String, status: &'static str },
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Assistant {
    /// Runs a turn admitted by [`Assistant::admit`]; returns the assistant's message.
    pub async fn turn(
        &self,
        user: Uuid,
        conversation: &Conversation,
        content: &str,
        progress: Option<&mpsc::Sender<Progress>>,
    ) -> Result<Value, ApiError> {
        let model = self.model()?.clone();
        let user_message = NewMessage {
            role: "user",
            content: Some(content.to_owned()),
            extra: None,
            prompt_tokens: 0,
            completion_tokens: 0,
        };
        self.append(conversation.id, vec![user_message]).await?;
        if conversation.title == DEFAULT_TITLE {
            let title: String = title_of(content).chars().take(60).collect();
            store::retitle(&self.db, conversation.id, &title).await?;
        }
        let mut messages = self.history(conversation.id).await?;
        let mut total = Usage::default();
        let mut itinerary: Option<Value> = None;
        for round in 0..MAX_ROUNDS {
            if round > 0 {
                self.check_quota(user).await?;
            }
            let last = round + 1 == MAX_ROUNDS;
            let mut request = ChatRequest::new(messages.clone());
            request.max_tokens = Some(MAX_ANSWER_TOKENS);
            // The tools stay declared (the history holds calls of them); the last call may
            // not use them, so the turn ends in words.
            request.tools = tools::declared();
            request.tool_choice = Some(json!(if last { "none" } else { "auto" }));
            let answer = match progress {
                Some(tx) => stream(&model, request, tx).await?,
                None => model.chat(request).await?,
            };
            let mut answer = answer;
            if answer.usage.total() == 0 {
                // A server that does not report usage still counts against the limits.
                answer.usage = estimate(&messages, &answer);
            }
            self.record_usage(user, answer.usage).await?;
            total.add(answer.usage);
            let calls = answer.tool_calls().to_vec();
            let text = answer.text();
            if calls.is_empty() || last {
                let extra = itinerary.as_ref().map(|i| json!({"itinerary": i}));
                let text = if text.trim().is_empty() && !calls.is_empty() {
                    "I could not finish planning within this turn; ask me to continue.".to_owned()
                } else {
                    text
                };
                let stored = self.append_final(conversation.id, text, extra, answer.usage).await?;
                let mut view = stored;
                view["conversationId"] = json!(conversation.id);
                view["turnUsage"] = json!({"promptTokens": total.prompt_tokens, "completionTokens": total.completion_tokens,
                                           "totalTokens": total.total(), "rounds": round + 1});
                return Ok(view);
            }
            let calls: Vec<ToolCall> = calls
                .into_iter()
                .enumerate()
                .map(|(i, mut c)| {
                    if c.id.is_empty() {
                        c.id = format!("call_{round}_{i}");
                    }
                    c
                })
                .collect();
            let assistant = Message::assistant((!text.is_empty()).then_some(text.clone()), calls.clone());
            let mut stored = vec![NewMessage {
                role: "assistant",
                content: (!text.is_empty()).then_some(text),
                extra: Some(json!({"toolCalls": calls})),
                prompt_tokens: to_i64(answer.usage.prompt_tokens),
                completion_tokens: to_i64(answer.usage.completion_tokens),
            }];
            messages.push(assistant);
            for call in &calls {
                notify(progress, Progress::Tool { name: call.function.name.clone(), status: "running" }).await;
                let (result, ok, draft) = self.run_tool(conversation, call).await;
                if draft.is_some() {
                    itinerary = draft;
                }
                let status = if ok { "done" } else { "failed" };
                notify(progress, Progress::Tool { name: call.function.name.clone(), status }).await;
                let result = result.to_string();
                messages.push(Message::tool(call.id.clone(), result.clone()));
                stored.push(NewMessage {
                    role: "tool",
                    content: Some(result),
                    extra: Some(json!({"toolCallId": call.id, "name": call.function.name})),
                    prompt_tokens: 0,
                    completion_tokens: 0,
                });
            }
            self.append(conversation.id, stored).await?;
        }
        Err(ApiError::internal())
    }

    /// A turn that runs to its end even when the request is given up (the server's request
    /// timeout, a client that leaves): stopped halfway it would leave the conversation without
    /// the answer its tools prepared. Its answer is then read in the conversation.
    pub async fn turn_to_the_end(
        &self,
        user: Uuid,
        conversation: Conversation,
        content: String,
        busy: TurnGuard,
    ) -> Result<Value, ApiError> {
        let this = self.clone();
        let task = tokio::spawn(async move {
            let answer = this.turn(user, &conversation, &content, None).await;
            drop(busy);
            answer
        });
        task.await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "an assistant turn failed");
            Err(ApiError::internal())
        })
    }

    async fn append(&self, conversation: Uuid, messages: Vec<NewMessage>) -> Result<Vec<Uuid>, ApiError> {
        store::append(&self.db, conversation, &messages, self.now()).await.map_err(|e| {
            if e.is_unique_violation("") {
                ApiError::conflict("Another message is being answered in this conversation; try again")
            } else {
                e.into()
            }
        })
    }

    async fn append_final(
        &self,
        conversation: Uuid,
        text: String,
        extra: Option<Value>,
        usage: Usage,
    ) -> Result<Value, ApiError> {
        let message = NewMessage {
            role: "assistant",
            content: Some(text),
            extra,
            prompt_tokens: to_i64(usage.prompt_tokens),
            completion_tokens: to_i64(usage.completion_tokens),
        };
        let ids = self.append(conversation, vec![message]).await?;
        let stored = store::messages(&self.db, conversation).await?;
        stored.iter().rev().find(|m| ids.contains(&m.id)).and_then(message_view).ok_or_else(ApiError::internal)
    }

    /// Runs one tool call: its result for the model, whether it succeeded, and the itinerary
    /// when it was an accepted draft.
    async fn run_tool(&self, conversation: &Conversation, call: &ToolCall) -> (Value, bool, Option<Value>) {
        let Some(args) = call.arguments().filter(Value::is_object) else {
            return (json!({"error": "the arguments are not a JSON object"}), false, None);
        };
        let name = call.function.name.as_str();
        if let Some(kind) = Kind::of_tool(name) {
            return match self.search(conversation.id, kind, &args).await {
                Ok(summary) => (summary, true, None),
                Err(e) => (e, false, None),
            };
        }
        if name == DRAFT_TOOL {
            return match self.draft(conversation.id, &args).await {
                Ok(itinerary) => {
                    let result = json!({"accepted": true, "items": itinerary["items"].as_array().map_or(0, Vec::len),
                                        "totals": itinerary["totals"]});
                    (result, true, Some(itinerary))
                }
                Err(errors) => (json!({"accepted": false, "errors": errors}), false, None),
            };
        }
        (json!({"error": format!("there is no tool named {name}")}), false, None)
    }

    async fn search(&self, conversation: Uuid, kind: Kind, args: &Value) -> Result<Value, Value> {
        let supplier = self.contracts.supplier().map_err(|e| tools::supplier_error(&e))?;
        let params = tools::search_params(kind, args);
        let answer = supplier.search(kind.search_kind(), &params).await.map_err(|e| tools::supplier_error(&e))?;
        let offers = tools::offers_of(&answer);
        store::save_offers(&self.db, conversation, kind.item_type(), &offers, self.now()).await.map_err(|e| {
            tracing::error!(error = %e, "cannot store the assistant's search offers");
            json!({"error": "the offers could not be kept; try again"})
        })?;
        Ok(tools::summary(kind, &offers))
    }

    /// Checks and prices a draft; the problems, for the model, when it cannot be accepted.
    async fn draft(&self, conversation: Uuid, args: &Value) -> Result<Value, Vec<String>> {
        let draft = tools::parse_draft(args)?;
        if draft.start < self.now().date_naive() {
            return Err(vec![format!("startDate {} is in the past", draft.start)]);
        }
        let supplier = self.contracts.supplier().map_err(|e| vec![e.message])?;
        let mut errors = Vec::new();
        let mut items = Vec::new();
        let mut totals: Vec<(String, i64)> = Vec::new();
        for (i, item) in draft.items.iter().enumerate() {
            let kind = item.kind.item_type();
            let offer = match store::offer(&self.db, conversation, kind, &item.offer_id).await {
                Ok(Some(offer)) => offer,
                Ok(None) => {
                    errors.push(format!(
                        "items[{i}]: offer {} is not a {kind} offer a search returned in this conversation",
                        item.offer_id
                    ));
                    continue;
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the assistant's offers");
                    errors.push(format!("items[{i}]: the offer could not be read; try again"));
                    continue;
                }
            };
            let (data, quantity) = item.cart_data(&offer, draft.start);
            let priced = match supplier.price(kind, &data, quantity).await {
                Ok(priced) => priced,
                Err(e) => {
                    errors.push(format!("items[{i}]: {}", e.message));
                    continue;
                }
            };
            let unit = if quantity > 0 { priced.price / quantity } else { priced.price };
            match totals.iter_mut().find(|(c, _)| *c == priced.currency) {
                Some((_, sum)) => *sum += priced.price,
                None => totals.push((priced.currency.clone(), priced.price)),
            }
            let mut out = json!({
                "type": kind.to_ascii_uppercase(), "offerId": item.offer_id, "title": item.title,
                "supplierTitle": priced.title, "quantity": quantity,
                "price": tools::price(priced.price, &priced.currency),
                "cartItem": {"itemType": kind, "itemData": data, "quantity": quantity,
                             "price": tools::major(unit, &priced.currency), "currency": priced.currency},
            });
            if let Some(day) = item.day {
                out["day"] = json!(day);
            }
            if let Some(notes) = &item.notes {
                out["notes"] = json!(notes);
            }
            if item.kind == Kind::Activity {
                out["date"] = json!(item.activity_date(draft.start));
            }
            items.push(out);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let totals: Vec<Value> = totals.iter().map(|(c, sum)| tools::price(*sum, c)).collect();
        Ok(json!({"title": draft.title, "destination": draft.destination, "startDate": draft.start,
                  "endDate": draft.end, "items": items, "totals": totals}))
    }
}

async fn notify(progress: Option<&mpsc::Sender<Progress>>, event: Progress) {
    if let Some(tx) = progress {
        // A client that went away does not stop the turn: it is stored all the same.
        let _ = tx.send(event).await;
    }
}

/// A streamed call: deltas to `tx`, the assembled answer returned.
async fn stream(
    model: &crate::llm::Model,
    request: ChatRequest,
    tx: &mpsc::Sender<Progress>,
) -> Result<ChatResponse, ApiError> {
    let mut stream = model.chat_stream(request).await?;
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::Delta(text) => notify(Some(tx), Progress::Delta(text)).await,
            StreamEvent::ToolCall { .. } => {}
            StreamEvent::Done(answer) => return Ok(answer),
        }
    }
    Err(ApiError::unavailable("The language model's answer ended early", Some(30)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreported_usage_is_estimated_from_the_text() {
        let sent = vec![Message::system("x".repeat(100)), Message::user("y".repeat(400))];
        let answer = ChatResponse {
            message: Message::assistant(Some("z".repeat(40)), vec![ToolCall::new("1", "f", "{}")]),
            finish_reason: None,
            usage: Usage::default(),
            model: None,
        };
        let usage = estimate(&sent, &answer);
        assert_eq!(usage.prompt_tokens, (100 + 400 + 500) / 4);
        assert_eq!(usage.completion_tokens, 11);
    }
}
