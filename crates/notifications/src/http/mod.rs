//! The notifications context's HTTP surface: the caller's inbox and preferences, in
//! DreamScape's shapes and Sojourn's, and the internal route other services notify through.
//! Every route needs a bearer token; user routes only ever touch the caller's own records.

mod channels;
mod deliveries;
mod inbox;
mod internal;
mod preferences;
mod push;
mod quiet_hours;
mod unsubscribe;
pub(crate) mod view;

use std::sync::Arc;

use kernel::Clock;
use platform::db::Db;
use platform::secrets::Secret;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone)]
pub struct State {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// The `internal_api_key`, when this process has one: it lets other services notify.
    pub internal_key: Option<Arc<Secret>>,
    /// Pushes created notifications to their reader's sockets.
    pub push: Arc<crate::push::Pusher>,
    /// Queues email, SMS and push deliveries.
    pub pipeline: Arc<crate::delivery::Pipeline>,
    /// The VAPID key, when web push is on.
    pub vapid: Option<Arc<crate::webpush::Vapid>>,
    /// Subscription endpoints may be private addresses (tests only).
    pub allow_private_endpoints: bool,
}

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(inbox::list, inbox::delete_read))
        .routes(routes!(inbox::unread_count))
        .routes(routes!(inbox::mark_all_read))
        .routes(routes!(inbox::read_all))
        .routes(routes!(inbox::mark_read))
        .routes(routes!(inbox::delete_one))
        .routes(routes!(internal::create))
        .routes(routes!(preferences::get_preferences, preferences::put_preferences))
        .routes(routes!(channels::get_channels, channels::put_channels))
        .routes(routes!(push::vapid_public_key))
        .routes(routes!(push::list, push::subscribe, push::unsubscribe_endpoint))
        .routes(routes!(push::unsubscribe_one))
        .routes(routes!(deliveries::mine))
        .routes(routes!(deliveries::admin))
        .routes(routes!(quiet_hours::get_quiet_hours, quiet_hours::put_quiet_hours))
        .routes(routes!(unsubscribe::page, unsubscribe::one_click))
}
