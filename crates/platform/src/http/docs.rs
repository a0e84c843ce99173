//! The OpenAPI document and the interactive docs. The Swagger UI assets are compiled into the
//! binary (utoipa-swagger-ui `vendored`), so `/docs` works with no internet access.

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Tag};
use utoipa::{PartialSchema, ToSchema};
use utoipa_swagger_ui::{Config, SwaggerUi};

pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// Marks as optional every JSON request body that an empty object satisfies (an object schema
/// with no required property). Such a body may be left out altogether: a request with neither a
/// body nor a `Content-Type` reads as `{}` (see `Json`), so the document must not claim the body
/// is required where the server does not.
pub fn optional_empty_bodies(doc: &mut OpenApi) {
    use utoipa::openapi::{RefOr, Required, schema::Schema};
    let schemas = doc.components.as_ref().map(|c| c.schemas.clone()).unwrap_or_default();
    let accepts_empty = |schema: &RefOr<Schema>| {
        let resolved = match schema {
            RefOr::T(schema) => Some(schema),
            RefOr::Ref(r) => r
                .ref_location
                .strip_prefix("#/components/schemas/")
                .and_then(|name| schemas.get(name))
                .and_then(|s| if let RefOr::T(schema) = s { Some(schema) } else { None }),
        };
        matches!(resolved, Some(Schema::Object(object))
            if object.required.is_empty() && object.schema_type == utoipa::openapi::schema::Type::Object.into())
    };
    for item in doc.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
            let Some(RefOr::T(body)) = operation.request_body.as_mut() else { continue };
            let only_json = body.content.len() == 1
                && body.content.get("application/json").is_some_and(|content| match content {
                    RefOr::T(content) => content.schema.as_ref().is_some_and(accepts_empty),
                    RefOr::Ref(_) => false,
                });
            if only_json {
                body.required = Some(Required::False);
            }
        }
    }
}

/// The document every context's routes are merged into.
pub fn base_document(version: &str) -> OpenApi {
    let mut system = Tag::new("System");
    system.description = Some("Health, metrics and service information".into());
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Sojourn API")
                .version(version)
                .description(Some(
                    "Travel and booking platform. Success: `{ success: true, data, message? }`. \
                     Errors: `{ success: false, error, code, message, details? }` with a stable `code`.",
                ))
                .build(),
        )
        .components(Some(
            ComponentsBuilder::new()
                .schema(kernel::ErrorBody::name(), kernel::ErrorBody::schema())
                .schema(kernel::FieldError::name(), kernel::FieldError::schema())
                .security_scheme(
                    "bearerAuth",
                    SecurityScheme::Http(
                        HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
                    ),
                )
                .security_scheme("cookieAuth", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("refreshToken"))))
                .build(),
        ))
        .tags(Some(vec![system]))
        .build()
}

/// Where the Swagger UI assets are mounted; `/docs` itself serves [`DOCS_PAGE`].
const ASSETS: &str = "/docs/ui";

/// The docs page: served at `/docs` directly (no redirect), loading only local assets.
const DOCS_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Sojourn API</title>
  <link rel="stylesheet" type="text/css" href="/docs/ui/swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="/docs/ui/index.css">
  <link rel="icon" type="image/png" href="/docs/ui/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/ui/swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="/docs/ui/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="/docs/ui/swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
"#;

/// `/api-docs/openapi.json`, `/docs` and the UI assets under `/docs/ui/`.
///
/// The document is serialised once, here, and served as those bytes: as a tree of utoipa
/// values the whole platform's document takes megabytes of heap (the largest resident item of
/// an idle server once it was kept for the docs route), while its JSON is a fraction of that
/// and is only ever read whole.
pub fn router(doc: OpenApi) -> Router {
    let json = match serde_json::to_vec(&doc) {
        Ok(json) => axum::body::Bytes::from(json),
        Err(error) => {
            // Not expected: every key in the document is a string.
            tracing::error!(%error, "the OpenAPI document could not be serialised");
            axum::body::Bytes::from_static(b"{}")
        }
    };
    drop(doc);
    let config = Config::new([OPENAPI_PATH]).validator_url("none").try_it_out_enabled(true);
    let document = move || {
        let json = json.clone();
        async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], json) }
    };
    Router::from(SwaggerUi::new(ASSETS).config(config))
        .route(OPENAPI_PATH, get(document))
        .route("/docs", get(|| async { Html(DOCS_PAGE) }))
}
