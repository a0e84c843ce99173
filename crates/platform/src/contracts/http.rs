//! The contracts over HTTP, for a process that runs a context without the one it asks: the
//! same questions (payments' for booking; "does this record exist?" for any reader; a feed's
//! pages for a read model's bootstrap), asked of the other service's internal endpoints with
//! the `internal_api_key` secret. Answers and errors come back as if asked in-process.

use std::time::Duration;

use async_trait::async_trait;
use kernel::ApiError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    FeedKind, FeedPage, FeedSource, Known, OpenedPayment, PaymentRequest, PaymentState, PaymentsContract, RecordKind,
    RecordSource, Supplier, SupplierOffer, Traveller,
};
use crate::secrets::Secret;

/// The secret every internal call carries (and every internal endpoint checks).
pub const INTERNAL_API_KEY: &str = "internal_api_key";

/// Paths of the payments service's internal endpoints.
pub const GROUPS_PATH: &str = "/internal/v1/payment-groups";

/// Where the travel service answers [`Supplier`] questions: `{SUPPLIER_PATH}/price`, `/book`,
/// `/cancel`, `/check`, `/search`.
pub const SUPPLIER_PATH: &str = "/internal/v1/supplier";

/// Where an owner context answers [`RecordSource`] questions: `{RECORDS_PATH}/{kind}/{id}`.
pub const RECORDS_PATH: &str = "/internal/v1/records";

/// Where an owner context serves its feeds: `{FEEDS_PATH}/{feed}?after=…&limit=…`.
pub const FEEDS_PATH: &str = "/internal/v1/feeds";

/// Lets through only our own services: the `internal_api_key` as bearer token, compared in
/// constant time.
pub fn internal_caller(headers: &axum::http::HeaderMap, key: &Secret) -> Result<(), ApiError> {
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if key.ct_eq(given.as_bytes()) { Ok(()) } else { Err(ApiError::unauthorized("Internal callers only")) }
}

/// A client of one service's internal endpoints: the key on every call, our envelope read back.
struct InternalClient {
    /// What it calls, for logs (`payments service`).
    what: &'static str,
    base: String,
    key: Secret,
    client: reqwest::Client,
}

impl InternalClient {
    fn new(what: &'static str, base: &str, key: Secret) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("{what} client: {e}"))?;
        Ok(Self { what, base: base.trim_end_matches('/').to_owned(), key, client })
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %e, service = self.what, "internal service unreachable");
        ApiError::unavailable(format!("The {} cannot be reached; try again shortly", self.what), Some(5))
    }

    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ApiError> {
        let (request, span) = crate::trace::http::traced_request(request, self.what);
        let response = request.bearer_auth(self.key.expose()).send().await;
        crate::trace::http::end_client_span(span, response.as_ref().ok().map(|r| r.status().as_u16()));
        self.answer(response.map_err(|e| self.unreachable(e))?).await
    }

    /// Reads our envelope: `data` on success, the error as the service gave it otherwise.
    async fn answer<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T, ApiError> {
        let status = response.status().as_u16();
        let body: Value = response.json().await.map_err(|e| self.unreachable(e))?;
        if (200..300).contains(&status) {
            return serde_json::from_value(body.get("data").cloned().unwrap_or(Value::Null))
                .map_err(|e| self.unreachable(e));
        }
        if status >= 500 || status == 401 {
            // 401: the services disagree on `internal_api_key`, an operator's error.
            return Err(self.unreachable(format!("status {status}")));
        }
        let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let details: Vec<kernel::FieldError> = body
            .get("details")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|d| {
                        let field = kernel::FieldError::new(
                            d.get("field").and_then(Value::as_str).unwrap_or_default(),
                            d.get("message").and_then(Value::as_str).unwrap_or_default(),
                        );
                        match d.get("value") {
                            Some(v) if !v.is_null() => field.with_value(v.clone()),
                            _ => field,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut error = ApiError::new(status, text("code"), text("message")).with_details(details);
        if let Some(data) = body.get("data").filter(|d| !d.is_null()) {
            error = error.with_data(data.clone());
        }
        Err(error)
    }
}

pub struct HttpPayments {
    client: InternalClient,
}

impl std::fmt::Debug for HttpPayments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPayments").field("base", &self.client.base).finish_non_exhaustive()
    }
}

impl HttpPayments {
    pub fn new(base: &str, key: Secret) -> Result<Self, String> {
        Ok(Self { client: InternalClient::new("payments service", base, key)? })
    }
}

#[async_trait]
impl PaymentsContract for HttpPayments {
    async fn open_payment(&self, request: &PaymentRequest) -> Result<OpenedPayment, ApiError> {
        let c = &self.client;
        c.send(c.client.post(format!("{}{GROUPS_PATH}", c.base)).json(request)).await
    }

    async fn payment_state(&self, reference: &str) -> Result<Option<PaymentState>, ApiError> {
        let c = &self.client;
        c.send(c.client.get(format!("{}{GROUPS_PATH}/{reference}", c.base))).await
    }
}

/// The owner of some records in another process, asked at `RECORDS_PATH`.
pub struct HttpRecords {
    client: InternalClient,
}

impl std::fmt::Debug for HttpRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRecords").field("base", &self.client.base).finish_non_exhaustive()
    }
}

impl HttpRecords {
    pub fn new(what: &'static str, base: &str, key: Secret) -> Result<Self, String> {
        Ok(Self { client: InternalClient::new(what, base, key)? })
    }
}

#[async_trait]
impl RecordSource for HttpRecords {
    async fn find(&self, kind: RecordKind, id: uuid::Uuid) -> Result<Option<Known>, ApiError> {
        let c = &self.client;
        c.send(c.client.get(format!("{}{RECORDS_PATH}/{}/{id}", c.base, kind.as_str()))).await
    }
}

/// The owner of a feed in another process, read at `FEEDS_PATH`.
pub struct HttpFeeds {
    client: InternalClient,
}

impl std::fmt::Debug for HttpFeeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpFeeds").field("base", &self.client.base).finish_non_exhaustive()
    }
}

impl HttpFeeds {
    pub fn new(what: &'static str, base: &str, key: Secret) -> Result<Self, String> {
        let client = InternalClient::new(what, base, key)?;
        reqwest::Url::parse(&client.base).map_err(|e| format!("{what} URL: {e}"))?;
        Ok(Self { client })
    }
}

#[async_trait]
impl FeedSource for HttpFeeds {
    async fn page(&self, feed: FeedKind, after: Option<&str>, limit: usize) -> Result<FeedPage, ApiError> {
        let c = &self.client;
        let mut url =
            reqwest::Url::parse(&format!("{}{FEEDS_PATH}/{}", c.base, feed.as_str())).map_err(|e| c.unreachable(e))?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(after) = after {
                query.append_pair("after", after);
            }
            query.append_pair("limit", &limit.to_string());
        }
        c.send(c.client.get(url)).await
    }
}

/// The travel supplier in another process (the travel service), asked at [`SUPPLIER_PATH`].
pub struct HttpSupplier {
    client: InternalClient,
}

impl std::fmt::Debug for HttpSupplier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSupplier").field("base", &self.client.base).finish_non_exhaustive()
    }
}

impl HttpSupplier {
    pub fn new(base: &str, key: Secret) -> Result<Self, String> {
        Ok(Self { client: InternalClient::new("travel service", base, key)? })
    }
}

#[async_trait]
impl Supplier for HttpSupplier {
    async fn price(&self, kind: &str, item: &Value, quantity: i64) -> Result<SupplierOffer, ApiError> {
        let c = &self.client;
        let body = serde_json::json!({ "kind": kind, "item": item, "quantity": quantity });
        c.send(c.client.post(format!("{}{SUPPLIER_PATH}/price", c.base)).json(&body)).await
    }

    async fn book(
        &self,
        offer: &SupplierOffer,
        quantity: i64,
        traveller: &Traveller,
        key: &str,
    ) -> Result<String, ApiError> {
        let c = &self.client;
        let body = serde_json::json!({ "offer": offer, "quantity": quantity, "traveller": traveller, "key": key });
        c.send(c.client.post(format!("{}{SUPPLIER_PATH}/book", c.base)).json(&body)).await
    }

    async fn cancel(&self, confirmation: &str, key: &str) -> Result<i64, ApiError> {
        let c = &self.client;
        let body = serde_json::json!({ "confirmation": confirmation, "key": key });
        c.send(c.client.post(format!("{}{SUPPLIER_PATH}/cancel", c.base)).json(&body)).await
    }

    async fn check_travellers(&self, kind: &str, item: &Value, traveller: &Traveller) -> Result<(), ApiError> {
        let c = &self.client;
        let body = serde_json::json!({ "kind": kind, "item": item, "traveller": traveller });
        let _: Value = c.send(c.client.post(format!("{}{SUPPLIER_PATH}/check", c.base)).json(&body)).await?;
        Ok(())
    }

    async fn search(&self, kind: &str, params: &std::collections::HashMap<String, String>) -> Result<Value, ApiError> {
        let c = &self.client;
        let body = serde_json::json!({ "kind": kind, "params": params });
        c.send(c.client.post(format!("{}{SUPPLIER_PATH}/search", c.base)).json(&body)).await
    }
}
