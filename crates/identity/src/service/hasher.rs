//! Password hashing off the async workers: Argon2id takes tens of milliseconds of CPU, so it
//! runs on the blocking pool, at most `max_concurrent` at a time, leaving cores for requests.

use std::sync::Arc;

use kernel::ApiError;
use tokio::sync::Semaphore;

use crate::domain::password::{self, HashCost, Verified};

pub struct Hasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
    /// A hash of nothing anyone knows: verified against when the account does not exist, so
    /// unknown emails cost the same time as wrong passwords.
    decoy: String,
}

impl Hasher {
    pub fn new(cost: HashCost, max_concurrent: usize) -> Result<Self, password::HashError> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let permits = if max_concurrent == 0 { cores.saturating_sub(1).max(1) } else { max_concurrent };
        let decoy = password::decoy(cost)?;
        Ok(Self { cost, permits: Arc::new(Semaphore::new(permits)), decoy })
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce(HashCost) -> T + Send + 'static) -> Result<T, ApiError> {
        let _permit = self.permits.clone().acquire_owned().await.map_err(|_| ApiError::internal())?;
        let cost = self.cost;
        tokio::task::spawn_blocking(move || job(cost)).await.map_err(|_| ApiError::internal())
    }

    pub async fn hash(&self, plain: &str) -> Result<String, ApiError> {
        let plain = plain.to_owned();
        self.run(move |cost| password::hash(&plain, cost)).await?.map_err(|_| ApiError::internal())
    }

    pub async fn verify(&self, plain: &str, stored: Option<&str>) -> Result<Verified, ApiError> {
        let plain = plain.to_owned();
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.decoy).to_owned();
        let verdict = self.run(move |cost| password::verify(&plain, &stored, cost)).await?;
        Ok(if known { verdict } else { Verified::No })
    }
}
