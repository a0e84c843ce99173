//! Flight operations of the offline supplier.

use kernel::ApiError;
use serde_json::Value;

use super::Offline;
use crate::provider::Request;

pub(super) async fn call(_offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    Err(ApiError::not_found(format!("{:?} is not answered offline yet", request.op)))
}
