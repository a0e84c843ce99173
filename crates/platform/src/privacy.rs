//! Personal data across contexts, for GDPR exports and erasure. Each context that holds data
//! about users registers a [`PersonalData`] implementation at mount; identity, which handles
//! the requests, asks all of them — a contract, not cross-context SQL. Contexts also erase on
//! the `user.deleted` event, so an erasure that fails here is retried by the event's delivery.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
#[error("{context}: {message}")]
pub struct PrivacyError {
    pub context: String,
    pub message: String,
}

impl PrivacyError {
    pub fn new(context: &str, message: impl std::fmt::Display) -> Self {
        Self { context: context.to_owned(), message: message.to_string() }
    }
}

#[async_trait]
pub trait PersonalData: Send + Sync {
    /// Everything this context holds about `user`, as JSON for the export archive.
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError>;
    /// Erases this context's personal data about `user` (records the law requires are kept,
    /// without names or contact details). Must be idempotent.
    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError>;
}

/// The contexts of this process that hold personal data.
#[derive(Default)]
pub struct PersonalDataRegistry {
    parts: RwLock<Vec<(String, Arc<dyn PersonalData>)>>,
}

impl PersonalDataRegistry {
    pub fn register(&self, context: &str, part: Arc<dyn PersonalData>) {
        if let Ok(mut parts) = self.parts.write() {
            parts.push((context.to_owned(), part));
        }
    }

    fn snapshot(&self) -> Vec<(String, Arc<dyn PersonalData>)> {
        self.parts.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// Every registered context's export, by context name.
    pub async fn export_all(&self, user: Uuid) -> Result<Vec<(String, Value)>, PrivacyError> {
        let mut out = Vec::new();
        for (name, part) in self.snapshot() {
            out.push((name, part.export(user).await?));
        }
        Ok(out)
    }

    /// Erases in every registered context; tries them all, reports the first failure.
    pub async fn erase_all(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut first = None;
        for (_, part) in self.snapshot() {
            if let Err(e) = part.erase(user).await {
                tracing::error!(error = %e, "erasure failed");
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}
