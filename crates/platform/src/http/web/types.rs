//! Content types by extension, and how long browsers may keep each answer. A fixed table rather
//! than a MIME database: a web build holds a known, small set of file kinds, and an unknown one
//! is better sent as opaque bytes (with `nosniff`) than guessed.

/// `Cache-Control` of answers that must be checked again on every use: `index.html` (it names
/// the current hashed bundles) and every answer of the single-page fallback.
pub const NO_CACHE: &str = "no-cache";
/// Hashed build output (`/assets/…` of a Vite build, `/static/…` of a CRA build): the name
/// changes whenever the content does.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (translations, icons, panoramas): kept briefly, then revalidated by `ETag`.
pub const SHORT: &str = "public, max-age=300";

/// Directories of a single-page app's root whose files are content-hashed builds.
const HASHED_DIRS: &[&str] = &["assets", "static"];

/// The content type of a file with extension `ext` (lowercase).
pub fn content_type(ext: Option<&str>) -> &'static str {
    match ext.unwrap_or_default() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Whether compressing an answer of this type on the fly saves anything. Images (but SVG),
/// audio, video and WOFF fonts are compressed already; gzipping a video would only burn CPU and
/// drop its `Content-Length`. The platform's compression layer asks this, and a file whose type
/// it may compress gets a weak `ETag` (the bytes sent may differ from the file's).
pub fn worth_compressing(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "image/svg+xml" {
        return true;
    }
    !["image/", "audio/", "video/", "font/woff"].iter().any(|p| essence.starts_with(p))
}

/// The `Cache-Control` of a file at `rel` (segments below its app's directory).
pub fn cache_control(rel: &[String], spa: bool, ext: Option<&str>) -> &'static str {
    if matches!(ext, Some("html" | "htm")) || rel.is_empty() {
        NO_CACHE
    } else if spa && rel.len() > 1 && rel.first().is_some_and(|dir| HASHED_DIRS.contains(&dir.as_str())) {
        IMMUTABLE
    } else {
        SHORT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(path: &str) -> Vec<String> {
        path.split('/').map(str::to_owned).collect()
    }

    #[test]
    fn hashed_build_output_is_immutable_pages_are_not() {
        assert_eq!(cache_control(&rel("assets/app-1234.js"), true, Some("js")), IMMUTABLE);
        assert_eq!(cache_control(&rel("static/js/main.js"), true, Some("js")), IMMUTABLE);
        assert_eq!(cache_control(&rel("index.html"), true, Some("html")), NO_CACHE);
        assert_eq!(cache_control(&rel("assets/page.html"), true, Some("html")), NO_CACHE);
        assert_eq!(cache_control(&[], true, None), NO_CACHE);
        assert_eq!(cache_control(&rel("locales/en/common.json"), true, Some("json")), SHORT);
        assert_eq!(cache_control(&rel("assets"), true, None), SHORT, "a file named like the directory");
        assert_eq!(cache_control(&rel("static/x.jpg"), false, Some("jpg")), SHORT, "plain mounts are not builds");
    }

    #[test]
    fn types_and_compressibility() {
        assert_eq!(content_type(Some("mjs")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Some("webmanifest")), "application/manifest+json");
        assert_eq!(content_type(None), "application/octet-stream");
        for yes in ["text/html; charset=utf-8", "application/json", "image/svg+xml", "application/pdf", "font/ttf"] {
            assert!(worth_compressing(yes), "{yes}");
        }
        for no in ["image/jpeg", "Image/PNG", "video/mp4", "audio/mpeg; codecs=mp3", "font/woff2", "font/woff"] {
            assert!(!worth_compressing(no), "{no}");
        }
    }
}
