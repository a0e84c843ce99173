//! Static web apps served beside the API (`server.web_root`, `[[server.mounts]]`). DreamScape's
//! web client and its panorama app are plain builds that expect to live on the API's origin;
//! these keys say where their files are. The rules are checked at start-up so that a typo in a
//! path stops the process instead of turning every page into a 404.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ConfigError, ServerConfig};

/// First path segments the API and the platform own. No mount may sit under them, and the web
/// fallback never answers them: an unknown `/api/...` path stays a JSON 404.
pub const RESERVED_SEGMENTS: &[&str] =
    &["api", "api-docs", "docs", "media", "health", "metrics", "socket.io", "ws", "internal", ".well-known"];

/// The CSP of web answers unless `server.web_csp` says otherwise: it forbids framing, plugins
/// and `<base>` rewrites, and leaves scripts, styles and connections to the app (a built SPA
/// loads third parties — payment, maps — that only its operator knows).
pub const DEFAULT_WEB_CSP: &str = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// One directory served under a URL path (`[[server.mounts]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebMount {
    /// URL path the directory appears under, e.g. `/panorama` (no trailing `/`).
    pub path: String,
    /// The directory (a relative path is resolved from the working directory).
    pub dir: PathBuf,
    /// A single-page app: paths with no file get the directory's `index.html`. `false`: plain
    /// files, a missing one is a 404.
    #[serde(default)]
    pub spa: bool,
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::key(key, message)
}

/// The rules of `server.web_root`, `server.mounts` and `server.web_csp`, including that the
/// directories exist (a single-page app's with its `index.html`).
pub fn validate(server: &ServerConfig) -> Result<(), ConfigError> {
    if let Some(root) = &server.web_root {
        check_dir("server.web_root", root, true)?;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, mount) in server.mounts.iter().enumerate() {
        let key = format!("server.mounts[{i}]");
        check_mount_path(&format!("{key}.path"), &mount.path)?;
        if seen.contains(&mount.path.as_str()) {
            return Err(invalid(&format!("{key}.path"), format!("`{}` is mounted twice", mount.path)));
        }
        seen.push(&mount.path);
        check_dir(&format!("{key}.dir"), &mount.dir, mount.spa)?;
    }
    let csp = server.web_csp.trim();
    if csp.is_empty() || axum::http::HeaderValue::from_str(csp).is_err() {
        return Err(invalid("server.web_csp", "must be a non-empty Content-Security-Policy header value"));
    }
    Ok(())
}

/// `/name[/name...]`: plain segments (no empty, `.`-led, `%`, `\` or wildcard ones), not under a
/// reserved prefix, not `/` itself (that is `server.web_root`).
fn check_mount_path(key: &str, path: &str) -> Result<(), ConfigError> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(invalid(key, format!("`{path}` must start with `/`")));
    };
    if rest.is_empty() {
        return Err(invalid(key, "`/` is not a mount: set server.web_root for the main app"));
    }
    if rest.ends_with('/') {
        return Err(invalid(key, format!("`{path}` must not end with `/`")));
    }
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    };
    if !rest.split('/').all(plain) {
        return Err(invalid(
            key,
            format!("`{path}`: segments of letters, digits, `-`, `_`, `.` and `~`, none empty or starting with `.`"),
        ));
    }
    let first = rest.split('/').next().unwrap_or_default();
    if RESERVED_SEGMENTS.iter().any(|r| r.eq_ignore_ascii_case(first)) {
        return Err(invalid(key, format!("`{path}` is under `/{first}`, which the API serves")));
    }
    Ok(())
}

fn check_dir(key: &str, dir: &Path, spa: bool) -> Result<(), ConfigError> {
    if !dir.is_dir() {
        return Err(invalid(key, format!("{} is not a directory", dir.display())));
    }
    if spa && !dir.join("index.html").is_file() {
        return Err(invalid(key, format!("{} has no index.html (a single-page app needs one)", dir.display())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::result_large_err)]
    use super::*;

    fn server(root: Option<&Path>, mounts: Vec<WebMount>) -> ServerConfig {
        ServerConfig { web_root: root.map(Path::to_path_buf), mounts, ..ServerConfig::default() }
    }

    fn mount(path: &str, dir: &Path, spa: bool) -> WebMount {
        WebMount { path: path.into(), dir: dir.to_path_buf(), spa }
    }

    fn error_of(server: &ServerConfig) -> String {
        validate(server).unwrap_err().to_string()
    }

    #[test]
    fn directories_must_exist_and_apps_need_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        assert!(error_of(&server(Some(&missing), vec![])).contains("server.web_root"));
        let err = error_of(&server(Some(dir.path()), vec![]));
        assert!(err.contains("server.web_root") && err.contains("index.html"), "{err}");
        std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        validate(&server(Some(dir.path()), vec![])).unwrap();

        let files = tempfile::tempdir().unwrap();
        validate(&server(None, vec![mount("/panoramas", files.path(), false)])).unwrap();
        let err = error_of(&server(None, vec![mount("/panorama", files.path(), true)]));
        assert!(err.contains("server.mounts[0].dir") && err.contains("index.html"), "{err}");
        let err = error_of(&server(None, vec![mount("/audio", &missing, false)]));
        assert!(err.contains("server.mounts[0].dir"), "{err}");
    }

    #[test]
    fn mount_paths_are_plain_and_stay_out_of_the_api() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["panorama", "/", "/panorama/", "//x", "/a/../b", "/.git", "/a b", "/x/*", "/a%2e"] {
            let err = error_of(&server(None, vec![mount(bad, dir.path(), false)]));
            assert!(err.contains("server.mounts[0].path"), "{bad}: {err}");
        }
        for reserved in ["/api", "/api/static", "/media/x", "/health", "/metrics", "/socket.io", "/ws", "/docs", "/API"]
        {
            let err = error_of(&server(None, vec![mount(reserved, dir.path(), false)]));
            assert!(err.contains("which the API serves"), "{reserved}: {err}");
        }
        let twice = vec![mount("/audio", dir.path(), false), mount("/audio", dir.path(), false)];
        assert!(error_of(&server(None, twice)).contains("server.mounts[1].path"));
        validate(&server(None, vec![mount("/apps/panorama-v2", dir.path(), false)])).unwrap();
        validate(&server(None, vec![mount("/api-v2", dir.path(), false)])).unwrap();
    }

    #[test]
    fn the_csp_must_be_a_header_value() {
        for bad in ["", "  ", "default-src 'self'\nx"] {
            let s = ServerConfig { web_csp: bad.into(), ..ServerConfig::default() };
            assert!(error_of(&s).contains("server.web_csp"), "{bad:?}");
        }
    }

    #[test]
    fn apps_are_configured_in_the_file_or_the_environment() {
        use super::super::{Overrides, load};
        figment::Jail::expect_with(|jail| {
            let dir = jail.directory().to_path_buf();
            for sub in ["dist", "panorama/build", "public/panoramas"] {
                std::fs::create_dir_all(dir.join(sub)).unwrap();
            }
            std::fs::write(dir.join("dist/index.html"), "<!doctype html>").unwrap();
            std::fs::write(dir.join("panorama/build/index.html"), "<!doctype html>").unwrap();
            jail.create_file(
                "sojourn.toml",
                r#"
                [server]
                web_root = "dist"
                [[server.mounts]]
                path = "/panorama"
                dir = "panorama/build"
                spa = true
                [[server.mounts]]
                path = "/panoramas"
                dir = "public/panoramas"
                "#,
            )?;
            let c = load(&Overrides::default()).unwrap();
            assert_eq!(c.server.web_root, Some(PathBuf::from("dist")));
            assert_eq!(
                c.server.mounts,
                vec![
                    mount("/panorama", Path::new("panorama/build"), true),
                    mount("/panoramas", Path::new("public/panoramas"), false),
                ]
            );
            assert_eq!(c.server.web_csp, DEFAULT_WEB_CSP);

            jail.set_env("SOJOURN__SERVER__WEB_ROOT", "panorama/build");
            assert_eq!(load(&Overrides::default()).unwrap().server.web_root, Some(PathBuf::from("panorama/build")));
            jail.set_env("SOJOURN__SERVER__WEB_ROOT", "public/panoramas");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("server.web_root") && err.contains("index.html"), "{err}");
            Ok(())
        });
    }
}
