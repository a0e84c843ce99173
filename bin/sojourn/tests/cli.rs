//! The binary as an operator runs it: start, answer, stop on SIGTERM with exit 0; the
//! `openapi`, `migrate` and `--version` commands; configuration errors that name the key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sojourn");

/// A command with no inherited Sojourn configuration from the developer's shell.
fn sojourn() -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("SOJOURN")
            || ["DATABASE_URL", "REDIS_URL", "NATS_URL", "PORT", "RUST_LOG"].contains(&key.as_str())
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[tokio::test]
async fn serve_is_ready_quickly_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let started = Instant::now();
    let mut child = sojourn()
        .args(["serve", "--port", &port.to_string(), "--data-dir"])
        .arg(dir.path())
        .env("SOJOURN__LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let ready_url = format!("http://127.0.0.1:{port}/health/ready");
    let ready_after = loop {
        if let Ok(r) = client.get(&ready_url).send().await
            && r.status() == 200
        {
            break started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never became ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Generous against CI noise; the bar on a quiet machine is 1 s (see docs/PERFORMANCE.md).
    assert!(ready_after < Duration::from_secs(3), "ready after {ready_after:?}");
    let body: serde_json::Value =
        client.get(format!("http://127.0.0.1:{port}/nope")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(dir.path().join("secrets.json").exists(), "dev secrets are generated in the data dir");

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(5));
    if status.is_none() {
        let _ = child.kill();
    }
    let status = status.expect("exited within 5 s of SIGTERM");
    assert_eq!(status.code(), Some(0));
    let mut logs = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut logs).unwrap();
    let first: serde_json::Value = serde_json::from_str(logs.lines().next().unwrap()).expect("JSON logs");
    assert!(first.get("level").is_some(), "{first}");
}

/// A 64×64 PNG, as a client would upload.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn media_urls_point_at_the_port_served_when_no_public_url_is_set() {
    let dir = tempfile::tempdir().unwrap();
    // Port 0: only the bound socket knows the port, which the log line reports.
    let mut child = sojourn()
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .env("SOJOURN__LOG__FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (found, listening) = std::sync::mpsc::channel::<serde_json::Value>();
    // Reads every log line, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if entry["message"] == "sojourn listening" {
                let _ = found.send(entry);
            }
        }
    });
    let fields = listening.recv_timeout(Duration::from_secs(10)).expect("a `sojourn listening` log line");
    let address = fields["address"].as_str().unwrap().to_owned();
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while !client.get(format!("{base}/health/ready")).send().await.is_ok_and(|r| r.status() == 200) {
        assert!(started.elapsed() < Duration::from_secs(10), "never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let account = serde_json::json!({"email": "ana@example.com", "password": "Password1!"});
    let registered: serde_json::Value =
        client.post(format!("{base}/api/v1/auth/register")).json(&account).send().await.unwrap().json().await.unwrap();
    let token = registered["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let boundary = "avatar-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(png());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let profile: serde_json::Value = client
        .post(format!("{base}/api/v1/users/profile/avatar"))
        .bearer_auth(&token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The upload answers the avatar URL as a bare JSON string (DreamScape's web client).
    let avatar = profile.as_str().unwrap_or_else(|| panic!("{profile}")).to_owned();
    let served = client.get(&avatar).send().await.map(|r| r.status().as_u16());
    let _ = child.kill();
    let _ = child.wait();
    // Listening on every interface (0.0.0.0) on the port picked: the URL is localhost on that
    // port, and it serves the image.
    assert!(avatar.starts_with(&format!("http://localhost:{port}/media/avatars/")), "{avatar}");
    assert_eq!(served.ok(), Some(200), "{avatar}");
    assert_eq!(fields["public_url"], format!("http://localhost:{port}"), "logged: {fields}");
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn version_flag_prints_the_version() {
    let out = run(sojourn().arg("--version"));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn openapi_command_prints_an_openapi_3_1_document() {
    let out = run(sojourn().arg("openapi"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"].get("/health/ready").is_some());
    // Operation ids name operations uniquely (clients generate function names from them).
    let mut ids = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                ids.entry(id.to_owned()).or_default().push(format!("{method} {path}"));
            }
        }
    }
    let dupes: Vec<_> = ids.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(dupes.is_empty(), "duplicate operationIds: {dupes:?}");
    // Every `{name}` of a path is declared as a path parameter of each of its operations (a
    // second `params(...)` in a `utoipa::path` replaces the first, and once hid a listing's id).
    let mut undeclared = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path.split('{').skip(1).filter_map(|rest| rest.split('}').next()).collect();
        for (method, op) in ops.as_object().unwrap().iter().filter(|(_, op)| op.get("responses").is_some()) {
            let declared = |name: &str| {
                op["parameters"].as_array().into_iter().flatten().any(|p| p["in"] == "path" && p["name"] == name)
            };
            undeclared.extend(names.iter().filter(|n| !declared(n)).map(|n| format!("{method} {path}: {n}")));
        }
    }
    assert!(undeclared.is_empty(), "path parameters not declared: {undeclared:?}");
}

#[test]
fn migrate_command_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = run(sojourn().arg("migrate").arg("--data-dir").arg(dir.path()));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn invalid_configuration_is_a_startup_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(sojourn().arg("serve").arg("--data-dir").arg(dir.path()).env("SOJOURN__SERVER__PORT", "eighty"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("server.port"), "{stderr}");

    let out = run(sojourn().arg("serve").arg("--data-dir").arg(dir.path()).env("SOJOURN__LOG__LEVEL", "[["));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("log.level"));

    let missing = dir.path().join("nope.toml");
    let out = run(sojourn().arg("--config").arg(&missing).arg("serve"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.toml"));
}

#[test]
fn production_mode_refuses_to_start_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(sojourn()
        .args(["serve", "--port", &free_port().to_string(), "--data-dir"])
        .arg(dir.path())
        .env("SOJOURN__MODE", "production"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SOJOURN__SECRETS__JWT_SIGNING_KEY"), "{stderr}");
    assert!(!dir.path().join("secrets.json").exists());
}

#[test]
fn unknown_contexts_in_only_are_refused() {
    let out = run(sojourn().args(["serve", "--only", "nonsense"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown context `nonsense`"));
}

#[test]
fn the_gateway_role_runs_alone_and_only_in_front_of_known_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let serve = |only: &str| {
        let mut cmd = sojourn();
        cmd.args(["serve", "--only", only, "--port", &port, "--data-dir"]).arg(dir.path());
        cmd
    };
    let out = run(&mut serve("gateway,catalog"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`--only gateway` runs the gateway alone"), "{stderr}");

    let out = run(&mut serve("gateway"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("gateway.upstreams"), "{stderr}");

    let out = run(serve("gateway").env("SOJOURN__GATEWAY__UPSTREAMS__NONSENSE__URLS", "http://127.0.0.1:1"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("gateway.upstreams.nonsense: no such context"), "{stderr}");
}

#[tokio::test]
async fn admin_create_user_bootstraps_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let create = |password: &str| {
        sojourn()
            .args(["admin", "create-user", "--email", "Root@Example.com", "--role", "admin", "--data-dir"])
            .arg(dir.path())
            .env("SOJOURN_ADMIN_PASSWORD", password)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let weak = create("weak");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    let out = create("Sup3r-secret!");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(uuid_like(&id), "{id}");

    // The same data directory, served: the account signs in with the admin role.
    let mut config = platform::Config { data_dir: dir.path().to_path_buf(), ..platform::Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    config.events.relay_enabled = false;
    let app = testkit::spawn_config(config, vec![std::sync::Arc::new(identity::Identity)]).await;
    let login = serde_json::json!({"email": "root@example.com", "password": "Sup3r-secret!"});
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/login", &login).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["role"], "ADMIN");
    assert_eq!(body["data"]["user"]["id"], id.as_str());
}

/// `create-user` on an existing account while a server runs on the same directory: the
/// server hears of the new role through the outbox, so the account's cached `/auth/profile`
/// answer does not outlive it.
#[tokio::test]
async fn create_user_on_a_running_servers_account_is_seen_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = platform::Config { data_dir: dir.path().to_path_buf(), ..platform::Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    let app = testkit::spawn_config(config, vec![std::sync::Arc::new(identity::Identity)]).await;
    let register = serde_json::json!({"email": "ann@example.com", "password": "Password1!"});
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/register", &register).await).await;
    assert_eq!(status, 201, "{body}");
    let token = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let role = || async {
        let r = app.client.get(app.url("/api/v1/auth/profile")).bearer_auth(&token).send().await.unwrap();
        testkit::json(r).await.1["data"]["user"]["role"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(role().await, "USER", "read, and so cached, before the change");

    let out = sojourn()
        .args(["admin", "create-user", "--email", "ann@example.com", "--role", "admin", "--data-dir"])
        .arg(dir.path())
        .env("SOJOURN_ADMIN_PASSWORD", "Sup3r-secret!")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while role().await != "ADMIN" {
        assert!(std::time::Instant::now() < deadline, "the running server still shows the old role");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test]
async fn insights_rebuild_recomputes_the_rollups_from_the_facts() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = platform::Config { data_dir: dir.path().to_path_buf(), ..platform::Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    config.events.relay_enabled = false;
    let app = testkit::spawn_config(config, vec![std::sync::Arc::new(insights::Insights)]).await;
    // A confirmed stay of two nights in Paris, booked on another day: three listing-day rows
    // and one platform day.
    let db = app.platform.db("insights").unwrap().clone();
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let stay = insights::facts::Reservation {
        id: uuid::Uuid::now_v7(),
        listing_id: uuid::Uuid::now_v7(),
        host_id: Some(uuid::Uuid::now_v7()),
        guest_id: None,
        kind: "stay".into(),
        status: "confirmed".into(),
        currency: "EUR".into(),
        timezone: "Europe/Paris".into(),
        destination: None,
        starts_at: at("2026-04-01T13:00:00Z"),
        ends_at: at("2026-04-03T09:00:00Z"),
        check_in: Some("2026-04-01".parse().unwrap()),
        check_out: Some("2026-04-03".parse().unwrap()),
        nights: 2,
        quantity: 1,
        base: 20_000,
        guest_total: 22_400,
        guest_service_fee: 2_400,
        host_fee: 600,
        taxes: 0,
        host_payout: 19_400,
        platform_revenue: 3_000,
        paid: 22_400,
        refunded: 0,
        booked_at: at("2026-03-01T10:00:00Z"),
        confirmed_at: Some(at("2026-03-01T10:00:00Z")),
        cancelled_at: None,
        updated_at: at("2026-03-01T10:00:00Z"),
    };
    let mut tx = db.begin().await.unwrap();
    insights::facts::upsert_reservation(&mut tx, &stay).await.unwrap();
    tx.commit().await.unwrap();
    app.shutdown().await.unwrap();

    let rebuild =
        |from: &str| run(sojourn().args(["insights", "rebuild", "--from", from, "--data-dir"]).arg(dir.path()));
    let out = rebuild("2026-01-01");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Three listing days (the booking day and the two nights) and the platform's booking day.
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4");
    let out = rebuild("2026-04-02");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "only the days from the 2nd of April");
    let bad = rebuild("April");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from"));
}

#[tokio::test]
async fn audit_verify_passes_on_an_intact_chain_and_names_an_edited_entry() {
    let dir = tempfile::tempdir().unwrap();
    let verify = || run(sojourn().args(["audit", "verify", "--data-dir"]).arg(dir.path()));
    let empty = verify();
    assert!(empty.status.success(), "{}", String::from_utf8_lossy(&empty.stderr));
    assert!(String::from_utf8_lossy(&empty.stdout).contains("audit chain verified: 0 entries"));

    // Three entries appended as the audit context's consumers append them.
    let config = platform::Config { data_dir: dir.path().to_path_buf(), ..platform::Config::default() };
    let audit: std::sync::Arc<dyn platform::Context> = std::sync::Arc::new(audit::Audit);
    let dbs = platform::app::migrate_all(&config, std::slice::from_ref(&audit)).await.unwrap();
    let db = &dbs["audit"];
    for amount in [100, 200, 300] {
        let data = serde_json::json!({"id": format!("po_{amount}"), "amount": amount, "currency": "EUR"});
        let event = kernel::EventEnvelope::new("payout.paid", uuid::Uuid::nil(), chrono::Utc::now(), data);
        let mut tx = db.begin().await.unwrap();
        assert!(audit::append(&mut tx, &event, chrono::Utc::now()).await.unwrap().is_some());
        tx.commit().await.unwrap();
    }
    let ok = verify();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let head = audit::verify(db).await.unwrap().head.hash;
    assert_eq!(stdout.trim(), format!("audit chain verified: 3 entries, head 3:{head}"));
    let known = |pos: &str| run(sojourn().args(["audit", "verify", "--known-head", pos, "--data-dir"]).arg(dir.path()));
    assert!(known(&format!("3:{head}")).status.success());
    let bad = known("3:nothex");
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--known-head"));

    // The newest entry removed and the head moved back: consistent in itself, but the head
    // recorded earlier is gone.
    let (seq2, hash2): (i64, String) =
        platform::db::query("SELECT seq, hash FROM audit_entries WHERE seq = 2").fetch_one(db).await.unwrap();
    let (entry3,): (String,) =
        platform::db::query("SELECT hash FROM audit_entries WHERE seq = 3").fetch_one(db).await.unwrap();
    assert_eq!(entry3, head);
    platform::db::query("DELETE FROM audit_entries WHERE seq = 3").execute(db).await.unwrap();
    platform::db::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq2)
        .bind(hash2)
        .execute(db)
        .await
        .unwrap();
    assert!(verify().status.success(), "a cut chain alone still verifies");
    let cut = known(&format!("3:{head}"));
    assert!(!cut.status.success());
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(stderr.contains("audit chain broken at seq 3: known head mismatch"), "{stderr}");

    platform::db::query("UPDATE audit_entries SET amount = 250 WHERE seq = 2").execute(db).await.unwrap();
    let broken = verify();
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("audit chain broken at seq 2: edited entry"), "{stderr}");
    db.close().await;
}
