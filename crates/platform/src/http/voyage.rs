//! DreamScape's voyage service answers at `/api/v1`, `/api` and, through its gateway,
//! `/api/v1/voyage`. Contexts serving voyage routes (booking's cart and bookings, travel's
//! searches) mount them under all three and document them once, under `/api/v1`; the gateway
//! learns the aliases from [`alias_templates`].

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

/// The undocumented prefixes the voyage routes also answer under.
pub const ALIASES: [&str; 2] = ["/api", "/api/v1/voyage"];

/// `relative()`'s routes under `/api/v1` (documented) and under each alias.
pub fn mount<S: Clone + Send + Sync + 'static>(relative: impl Fn() -> OpenApiRouter<S>) -> OpenApiRouter<S> {
    let (plain, _) = relative().split_for_parts();
    let aliases: Router<S> = ALIASES.iter().fold(Router::new(), |r, prefix| r.nest(prefix, plain.clone()));
    OpenApiRouter::new().nest("/api/v1", relative()).merge(OpenApiRouter::from(aliases))
}

/// The alias templates (`/api/...`, `/api/v1/voyage/...`) of `relative`'s documented routes.
pub fn alias_templates<S: Clone + Send + Sync + 'static>(relative: OpenApiRouter<S>) -> Vec<String> {
    let (_, doc) = relative.split_for_parts();
    let paths: Vec<String> = doc.paths.paths.keys().cloned().collect();
    ALIASES.iter().flat_map(|prefix| paths.iter().map(move |p| format!("{prefix}{p}"))).collect()
}
