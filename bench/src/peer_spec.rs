//! How to drive a booking system we did not write: a small JSON description of its HTTP API
//! (how to register and sign in a user, one authenticated read, how to create a booking, and
//! the setup that makes something bookable), so `bench peer` can send *the same* load to
//! Sojourn and to another implementation and print the two side by side.
//!
//! Strings in paths and bodies may hold `{name}` placeholders: `{password}`, `{run}` (unique per
//! run, so a peer keeping its data between runs sees new e-mails), `{i}` (the request's number),
//! `{email}` (the load user's address), `{resource}` (a bookable id, round-robin),
//! `{checkIn}` / `{checkOut}` (dates no other request of the run asks for on that resource),
//! and any value a setup step captured. bench/peer/sojourn.json describes Sojourn itself.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

/// One request template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    #[serde(default = "post")]
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub body: Option<Value>,
    /// Statuses that count as a correct answer (default: any 2xx).
    #[serde(default)]
    pub expect: Vec<u16>,
    /// A variable holding the bearer token to send (setup steps; the load sends its user's).
    #[serde(default, rename = "as")]
    pub bearer: Option<String>,
}

fn post() -> String {
    "POST".to_owned()
}

/// A setup step: a call, perhaps repeated, whose answers may fill variables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(flatten)]
    pub call: Call,
    /// How many times (with `{i}` = 0, 1, …).
    #[serde(default = "one")]
    pub repeat: usize,
    /// Variable ← JSON pointer into the answer; a variable named `resources` collects every
    /// value (the ids the booking load cycles through; the latest is also `{lastResource}`).
    #[serde(default)]
    pub capture: HashMap<String, String>,
    /// Repeat the call (every 50 ms, up to 60 s) until it answers an `expect`ed status: for a
    /// system that makes new things bookable asynchronously.
    #[serde(default)]
    pub until_ready: bool,
}

fn one() -> usize {
    1
}

/// The description of one implementation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    /// Its base URL (`--peer-url` overrides it).
    #[serde(default)]
    pub base: Option<String>,
    pub password: String,
    /// Registers the load's users (with `{email}`).
    pub register: Call,
    /// Signs a user in; `token` is the JSON pointer of the bearer token in the answer.
    pub login: Call,
    pub token: String,
    /// The authenticated read (sent with the user's token).
    pub read: Call,
    /// Creates one booking of `{resource}` from `{checkIn}` to `{checkOut}`.
    pub book: Call,
    /// Nights per booking (default 1).
    #[serde(default = "one")]
    pub nights: usize,
    /// Days from today to the first night booked (default 400: beyond any seeded booking).
    #[serde(default = "first_day")]
    pub first_day: u64,
    /// Runs before the load, in order.
    #[serde(default)]
    pub setup: Vec<Step>,
}

fn first_day() -> u64 {
    400
}

impl Spec {
    pub fn load(path: &str) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    }
}

/// Replaces every `{name}` of `vars` in `text`; unknown names stay as they are.
pub fn fill(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (close, &after[..close])) {
            Some((close, name)) if vars.contains_key(name) => {
                out.push_str(&vars[name]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// [`fill`] over every string of a JSON value.
pub fn fill_json(value: &Value, vars: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) => Value::String(fill(s, vars)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, vars)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), fill_json(v, vars))).collect()),
        other => other.clone(),
    }
}

/// Sends `call` to `base` with `vars` filled in; the status and the answer (JSON, or null).
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    call: &Call,
    vars: &HashMap<String, String>,
    bearer: Option<&str>,
) -> Option<(u16, Value)> {
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).ok()?;
    let mut request = client.request(method, format!("{base}{}", fill(&call.path, vars)));
    if let Some(body) = &call.body {
        request = request.json(&fill_json(body, vars));
    }
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await.ok()?;
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await.ok()?;
    Some((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

/// Whether `status` is what `call` expects.
pub fn expected(call: &Call, status: u16) -> bool {
    if call.expect.is_empty() { (200..300).contains(&status) } else { call.expect.contains(&status) }
}

/// What the setup produced: variables and the bookable resources.
pub struct Prepared {
    pub vars: HashMap<String, String>,
    pub resources: Vec<String>,
    /// The load's users' bearer tokens and e-mails.
    pub users: Vec<(String, String)>,
}

fn text_at(answer: &Value, pointer: &str) -> Option<String> {
    match answer.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Runs the setup steps, then registers and signs in `users` users.
pub async fn prepare(
    client: &reqwest::Client,
    base: &str,
    spec: &Spec,
    run: &str,
    users: usize,
) -> Result<Prepared, String> {
    let mut vars: HashMap<String, String> =
        [("password".to_owned(), spec.password.clone()), ("run".to_owned(), run.to_owned())].into();
    let mut resources = Vec::new();
    for (n, step) in spec.setup.iter().enumerate() {
        for i in 0..step.repeat {
            vars.insert("i".to_owned(), i.to_string());
            let bearer = step.call.bearer.as_ref().and_then(|v| vars.get(v)).cloned();
            let started = Instant::now();
            let (status, answer) = loop {
                let got = send(client, base, &step.call, &vars, bearer.as_deref()).await;
                let ok = got.as_ref().is_some_and(|(s, _)| expected(&step.call, *s));
                if ok || !step.until_ready || started.elapsed() > Duration::from_secs(60) {
                    break got.ok_or_else(|| format!("setup step {n}: no answer from {base}"))?;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            if !expected(&step.call, status) {
                return Err(format!(
                    "setup step {n} ({} {}): status {status}: {answer}",
                    step.call.method, step.call.path
                ));
            }
            for (name, pointer) in &step.capture {
                let value = text_at(&answer, pointer)
                    .ok_or_else(|| format!("setup step {n}: nothing at {pointer} in {answer}"))?;
                if name == "resources" {
                    vars.insert("lastResource".to_owned(), value.clone());
                    resources.push(value);
                } else {
                    vars.insert(name.clone(), value);
                }
            }
        }
    }
    if resources.is_empty() {
        return Err("the setup captured no `resources` to book".to_owned());
    }
    let mut signed_in = Vec::with_capacity(users);
    for u in 0..users {
        let mut v = vars.clone();
        let email = format!("peer{u}-{run}@bench.test");
        v.insert("email".to_owned(), email.clone());
        match send(client, base, &spec.register, &v, None).await {
            Some((status, _)) if expected(&spec.register, status) => {}
            other => return Err(format!("register {email}: {other:?}")),
        }
        let token = match send(client, base, &spec.login, &v, None).await {
            Some((status, answer)) if expected(&spec.login, status) => text_at(&answer, &spec.token),
            _ => None,
        }
        .ok_or_else(|| format!("login {email}: no token at {}", spec.token))?;
        signed_in.push((token, email));
    }
    Ok(Prepared { vars, resources, users: signed_in })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_braces_kept() {
        let vars: HashMap<String, String> =
            [("a".to_owned(), "1".to_owned()), ("bb".to_owned(), "x".to_owned())].into();
        assert_eq!(fill("/p/{a}/{bb}?q={c}&{", &vars), "/p/1/x?q={c}&{");
        let body = serde_json::json!({"k": ["{a}", 3, {"n": "{bb}-{a}"}]});
        assert_eq!(fill_json(&body, &vars), serde_json::json!({"k": ["1", 3, {"n": "x-1"}]}));
    }

    #[test]
    fn the_bundled_sojourn_description_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/peer/sojourn.json");
        let spec = Spec::load(path).unwrap();
        assert_eq!(spec.name, "sojourn");
        assert!(spec.setup.iter().any(|s| s.capture.contains_key("resources")));
    }
}
