//! The catalog's HTTP surface: providers, listings (shown with their rating and media summary)
//! and listing photos.

mod listings;
mod photos;
mod providers;
mod sessions;
mod trips;

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::Catalog;

pub type State = Arc<Catalog>;

/// Schemas named by the listing views' descriptions: every view merges [`ListingRating`]'s
/// fields into the listing and adds `media` ([`MediaSummary`]); photos are [`PhotoView`]s
/// (the listing itself is described by its blocks' schemas).
///
/// [`ListingRating`]: crate::domain::rating::ListingRating
/// [`MediaSummary`]: crate::domain::media::MediaSummary
/// [`PhotoView`]: crate::service::photos::PhotoView
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    crate::domain::rating::ListingRating,
    crate::domain::media::MediaSummary,
    crate::domain::media::TourSummary,
    crate::domain::media::Cover,
    crate::domain::media::MediaKind,
    crate::service::photos::PhotoView,
    crate::service::photos::VariantView,
    crate::store::photos::PhotoStatus
)))]
struct ListingViews;

pub fn routes() -> OpenApiRouter<State> {
    // Photo uploads may exceed the server-wide body limit; the image module caps them at 10 MB.
    let uploads = OpenApiRouter::new()
        .routes(routes!(photos::upload, photos::list))
        .layer(axum::extract::DefaultBodyLimit::max(platform::images::MAX_INPUT_BYTES + 64 * 1024));
    OpenApiRouter::with_openapi(<ListingViews as utoipa::OpenApi>::openapi())
        .merge(uploads)
        .routes(routes!(providers::create))
        .routes(routes!(providers::me, providers::update_me))
        .routes(routes!(providers::get))
        .routes(routes!(listings::create, listings::list_public))
        .routes(routes!(listings::create_batch))
        .routes(routes!(listings::mine))
        .routes(routes!(listings::get, listings::update, listings::delete))
        .routes(routes!(listings::publish))
        .routes(routes!(listings::unpublish))
        .routes(routes!(listings::get_menu, listings::put_menu))
        .routes(routes!(photos::reorder))
        .routes(routes!(photos::update, photos::delete))
        .routes(routes!(sessions::add, sessions::list))
        .routes(routes!(sessions::remove))
        .routes(routes!(trips::add, trips::list))
        .routes(routes!(trips::remove))
}
