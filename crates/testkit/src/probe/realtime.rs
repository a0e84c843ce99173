//! Client events of the probe, for the realtime channel's own tests.

use async_trait::async_trait;
use kernel::ApiError;
use platform::realtime::{Client, ClientEvent, Room};
use serde_json::{Value, json};

pub struct Echo;

#[async_trait]
impl ClientEvent for Echo {
    async fn handle(&self, client: &Client, data: Value) -> Result<Value, ApiError> {
        if data.get("fail").and_then(Value::as_bool) == Some(true) {
            return Err(ApiError::new(422, "probe_refused", "asked to fail"));
        }
        Ok(json!({ "echo": data, "userId": client.user_id }))
    }
}

pub struct Join;

#[async_trait]
impl ClientEvent for Join {
    async fn handle(&self, client: &Client, data: Value) -> Result<Value, ApiError> {
        let id = data
            .get("conversationId")
            .and_then(Value::as_str)
            .and_then(|s| uuid::Uuid::try_parse(s).ok())
            .ok_or_else(|| ApiError::bad_request("conversationId is required"))?;
        client.join(Room::Conversation(id))?;
        Ok(json!({ "joined": id }))
    }
}
