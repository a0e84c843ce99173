//! The payments contract over HTTP, for a process that runs booking without payments: the
//! same questions, asked of the payments service's internal endpoints with the
//! `internal_api_key` secret. Its answers and errors come back as if asked in-process.

use std::time::Duration;

use async_trait::async_trait;
use kernel::ApiError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{OpenedPayment, PaymentRequest, PaymentState, PaymentsContract};
use crate::secrets::Secret;

/// The secret every internal call carries (and every internal endpoint checks).
pub const INTERNAL_API_KEY: &str = "internal_api_key";

/// Paths of the payments service's internal endpoints.
pub const GROUPS_PATH: &str = "/internal/v1/payment-groups";

pub struct HttpPayments {
    base: String,
    key: Secret,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpPayments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPayments").field("base", &self.base).finish_non_exhaustive()
    }
}

impl HttpPayments {
    pub fn new(base: &str, key: Secret) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("payments client: {e}"))?;
        Ok(Self { base: base.trim_end_matches('/').to_owned(), key, client })
    }

    fn unreachable(e: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %e, "payments service unreachable");
        ApiError::unavailable("The payments service cannot be reached; try again shortly", Some(5))
    }

    /// Reads our envelope: `data` on success, the error as the service gave it otherwise.
    async fn answer<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
        let status = response.status().as_u16();
        let body: Value = response.json().await.map_err(Self::unreachable)?;
        if (200..300).contains(&status) {
            return serde_json::from_value(body.get("data").cloned().unwrap_or(Value::Null)).map_err(Self::unreachable);
        }
        if status >= 500 || status == 401 {
            // 401: the services disagree on `internal_api_key`, an operator's error.
            return Err(Self::unreachable(format!("status {status}")));
        }
        let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        Err(ApiError::new(status, text("code"), text("message")))
    }
}

#[async_trait]
impl PaymentsContract for HttpPayments {
    async fn open_payment(&self, request: &PaymentRequest) -> Result<OpenedPayment, ApiError> {
        let response = self
            .client
            .post(format!("{}{GROUPS_PATH}", self.base))
            .bearer_auth(self.key.expose())
            .json(request)
            .send()
            .await
            .map_err(Self::unreachable)?;
        Self::answer(response).await
    }

    async fn payment_state(&self, reference: &str) -> Result<Option<PaymentState>, ApiError> {
        let response = self
            .client
            .get(format!("{}{GROUPS_PATH}/{reference}", self.base))
            .bearer_auth(self.key.expose())
            .send()
            .await
            .map_err(Self::unreachable)?;
        Self::answer(response).await
    }
}
