//! `sojourn admin ...`: operator tasks that run against the databases directly, for when no
//! administrator exists yet to do them over HTTP.

use std::io::BufRead;
use std::sync::Arc;

use platform::Context;
use platform::auth::Role;
use platform::config::{self, Overrides};

/// Creates (or promotes) an account; prints its id.
#[allow(clippy::print_stdout)]
pub async fn create_user(overrides: &Overrides, email: &str, role: &str) -> Result<(), String> {
    let role = Role::parse(role).ok_or_else(|| format!("unknown role `{role}` (user, host or admin)"))?;
    let password = match std::env::var("SOJOURN_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!("password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let config = config::load(overrides).map_err(|e| e.to_string())?;
    let identity: Arc<dyn Context> = Arc::new(identity::Identity);
    let dbs = platform::app::migrate_all(&config, std::slice::from_ref(&identity)).await.map_err(|e| e.to_string())?;
    let db = dbs.get("identity").ok_or("identity database missing")?;
    let hash = &config.auth.password_hash;
    let cost =
        identity::HashCost { memory_kib: hash.memory_kib, iterations: hash.iterations, parallelism: hash.parallelism };
    let result = identity::create_user(db, email, &password, role, cost).await.map_err(|e| e.to_string());
    for db in dbs.values() {
        db.close().await;
    }
    let id = result?;
    println!("{id}");
    eprintln!("account {email} has role {}", role.as_str());
    Ok(())
}
