//! PostgreSQL over TLS, through the platform's own connect: `sslmode` in the URL is honoured.
//! Needs `SOJOURN_TEST_POSTGRES_TLS_URL`, a URL of a server that requires TLS and whose
//! certificate the URL's `sslrootcert` verifies for its host (`.ci/run` starts such a server for
//! its PostgreSQL run, where it is required when `CI=true`). On it: `verify-full` and `require`
//! connections are encrypted (`pg_stat_ssl`), `disable` is refused, and `verify-full` with a CA
//! that did not sign the server's certificate fails with an error that says TLS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use platform::db::{Db, DbError, DbOptions, query};

const TLS_URL_ENV: &str = "SOJOURN_TEST_POSTGRES_TLS_URL";

/// A self-signed CA that signed nothing of ours (a public certificate; its key was discarded).
const WRONG_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBtDCCAVmgAwIBAgIUO5BuH8MID2SbvcDHp5qQmDnCWJgwCgYIKoZIzj0EAwIw
LjEsMCoGA1UEAwwjU29qb3VybiB0ZXN0IENBIHRoYXQgc2lnbmVkIG5vdGhpbmcw
IBcNMjYxMjA3MTMyMjMwWhgPMjEyNjExMTMxMzIyMzBaMC4xLDAqBgNVBAMMI1Nv
am91cm4gdGVzdCBDQSB0aGF0IHNpZ25lZCBub3RoaW5nMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEpXppG2i7a4X0sK9jPwPvxeJ68HOKeXc2ZNMwtP6j+fH69TU9
R3srYTc+NWC7BdEdrlNa1wDwqKAklTPiXLr/4aNTMFEwHQYDVR0OBBYEFGktb9i4
Y5zV8fgtB25/sXKp0xKFMB8GA1UdIwQYMBaAFGktb9i4Y5zV8fgtB25/sXKp0xKF
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAKjaoHKqFjzaXus5
Jz0lRt/6mhqbT1nV1G/ONETMY1IyAiEAr7RnDXmHTaOvzCE+52cx5mtE/AkTmkKX
ZYLlDQCHPyo=
-----END CERTIFICATE-----
";

fn tls_url() -> Option<String> {
    let url = std::env::var(TLS_URL_ENV).ok().filter(|v| !v.trim().is_empty());
    // CI's PostgreSQL run sets both; its SQLite run neither.
    let postgres_run = std::env::var("SOJOURN_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty());
    if url.is_none() {
        assert!(!(postgres_run && std::env::var("CI").as_deref() == Ok("true")), "CI needs {TLS_URL_ENV}");
        eprintln!("skipped: {TLS_URL_ENV} is not set");
    }
    url
}

/// `url` with its query parameters `set` replaced (a `None` value removes the parameter).
fn with_params(url: &str, set: &[(&str, Option<&str>)]) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !set.iter().any(|(k, _)| p.split('=').next() == Some(*k)))
        .map(str::to_owned)
        .collect();
    pairs.extend(set.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={v}"))));
    if pairs.is_empty() { base.to_owned() } else { format!("{base}?{}", pairs.join("&")) }
}

async fn open(url: &str, dir: &tempfile::TempDir) -> Result<Db, DbError> {
    let unique = kernel::new_id().simple().to_string();
    let opts = DbOptions {
        schema_prefix: format!("t{}_", &unique[unique.len() - 12..]),
        ..DbOptions::small(Some(url.to_owned()), dir.path().to_path_buf())
    };
    platform::db::connect("tls", &opts).await
}

/// Whether this pool's connection is encrypted, as the server sees it; then drops the schema.
async fn encrypted(db: Db) -> bool {
    let (ssl,): (bool,) =
        query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_one(&db).await.unwrap();
    let (schema,): (String,) = query("SELECT current_schema()").fetch_one(&db).await.unwrap();
    platform::db::query_dynamic(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).execute(&db).await.unwrap();
    db.close().await;
    ssl
}

#[tokio::test]
async fn sslmode_in_the_url_is_honoured() {
    let Some(url) = tls_url() else { return };
    let dir = tempfile::tempdir().unwrap();

    let verified = with_params(&url, &[("sslmode", Some("verify-full"))]);
    assert!(encrypted(open(&verified, &dir).await.unwrap()).await, "verify-full did not use TLS");

    let required = with_params(&url, &[("sslmode", Some("require")), ("sslrootcert", None)]);
    assert!(encrypted(open(&required, &dir).await.unwrap()).await, "require did not use TLS");

    // The server takes TLS connections only: without TLS, it refuses.
    let plain = with_params(&url, &[("sslmode", Some("disable")), ("sslrootcert", None)]);
    assert!(open(&plain, &dir).await.is_err(), "a plain connection was accepted");
}

#[tokio::test]
async fn verify_full_with_a_ca_that_did_not_sign_the_server_fails_clearly() {
    let Some(url) = tls_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong-ca.pem");
    std::fs::write(&wrong, WRONG_CA).unwrap();
    let url = with_params(&url, &[("sslmode", Some("verify-full")), ("sslrootcert", Some(wrong.to_str().unwrap()))]);
    let err = open(&url, &dir).await.expect_err("a server certificate not signed by sslrootcert was accepted");
    let message = err.to_string();
    assert!(message.contains("TLS") && message.contains("sslrootcert"), "{message}");
    assert!(message.contains("certificate") || message.contains("UnknownIssuer"), "{message}");
}
