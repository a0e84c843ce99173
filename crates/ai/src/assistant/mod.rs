//! (skeleton: filled by its issue-31 branch)

use platform::db::Migration;
use platform::{ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub(crate) const MIGRATIONS: &[Migration] = &[];

pub(crate) fn openapi() -> OpenApi {
    OpenApi::default()
}

pub(crate) async fn mount(env: &ContextEnv) -> Result<Mounted, StartError> {
    let _ = env;
    Ok(Mounted { router: OpenApiRouter::new(), subscriptions: Vec::new() })
}
