//! Email bodies: for each notification type and language (English, French), an HTML part and a
//! plain-text part, rendered with minijinja from templates embedded in the binary
//! (`templates/email/`, no file is read at run time).
//!
//! Each language has a layout per format (the brand header, the greeting, the notice, its facts
//! and main button, the footer with why the reader gets this and links to their preferences and
//! to unsubscribe) and one template per type that adds its own wording around the notice. HTML
//! is autoescaped and its links must be `http(s)` (the `href` filter refuses anything else, so
//! no `javascript:` link can slip in); text is not escaped, and is tidied afterwards (blank runs
//! collapsed, lines wrapped at 78 columns on spaces, links never cut).
//!
//! The caller passes what to say, already worded and formatted in the reader's language: see
//! `docs/notifications.md` ("Email") for the context's fields. Missing optional fields are left
//! out, never printed as `none`.

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use minijinja::value::Serde;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};

use crate::domain::locale::Lang;

/// A rendered email: its subject and both bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    #[error("the email context is not a JSON object")]
    NotAnObject,
    /// A required field (`title`, `message`, `brand.name`, `brand.url`, `preferencesUrl`) is
    /// missing, empty or not a string.
    #[error("the email context has no `{0}`")]
    Missing(&'static str),
    /// The template failed: a link that is not `http(s)`, or a template that does not compile.
    #[error("email template {template}: {message}")]
    Template { template: String, message: String },
}

/// Declares the embedded templates: per name, both formats in both languages.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        const NAMES: &[&str] = &[$($name),*];
        const SOURCES: &[(&str, &str)] = &[
            ("_button.html", include_str!("../../templates/email/_button.html")),
            ("en/layout.html", include_str!("../../templates/email/en/layout.html")),
            ("en/layout.txt", include_str!("../../templates/email/en/layout.txt")),
            ("fr/layout.html", include_str!("../../templates/email/fr/layout.html")),
            ("fr/layout.txt", include_str!("../../templates/email/fr/layout.txt")),
            $(
                (concat!("en/", $name, ".html"), include_str!(concat!("../../templates/email/en/", $name, ".html"))),
                (concat!("en/", $name, ".txt"), include_str!(concat!("../../templates/email/en/", $name, ".txt"))),
                (concat!("fr/", $name, ".html"), include_str!(concat!("../../templates/email/fr/", $name, ".html"))),
                (concat!("fr/", $name, ".txt"), include_str!(concat!("../../templates/email/fr/", $name, ".txt"))),
            )*
        ];
    };
}

templates![
    "booking_requested",
    "booking_confirmed",
    "booking_declined",
    "booking_cancelled",
    "booking_expired",
    "payment_received",
    "payment_failed",
    "refund_processed",
    "payout_sent",
    "message_received",
    "review",
    "trip_reminder",
    "account_security",
    "new_sign_in",
    "welcome",
    "verify_email",
    "password_reset",
    "system",
];

/// The template names [`render`] knows; any other renders `system`.
pub fn names() -> &'static [&'static str] {
    NAMES
}

/// Where plain-text lines are wrapped (at a space; a longer word, a link, stays whole).
const TEXT_WIDTH: usize = 78;

static ENV: LazyLock<Result<Environment<'static>, RenderError>> = LazyLock::new(environment);

fn environment() -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    // Optional fields may be missing at any depth (`recipient.firstName`); templates test them.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    let syntax = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build();
    env.set_syntax(syntax.map_err(|e| template_error("(syntax)", &e))?);
    env.add_filter("href", href);
    env.add_filter("nl2br", nl2br);
    for (name, source) in SOURCES {
        env.add_template(name, source).map_err(|e| template_error(name, &e))?;
    }
    Ok(env)
}

fn template_error(template: &str, e: &Error) -> RenderError {
    RenderError::Template { template: template.to_owned(), message: format!("{e:#}") }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link for an `href`: `http(s)` only, without spaces, escaped for an attribute. (The
/// autoescape would also write `/` as `&#x2f;`, which some clients' link rewriting mangles.)
fn href(value: &Value) -> Result<Value, Error> {
    let url = value.as_str().ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "a link must be a string"))?;
    let scheme_ok = url.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        || url.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::new(ErrorKind::InvalidOperation, format!("not an http(s) link: {url:?}")));
    }
    Ok(Value::from_safe_string(escape_html(url)))
}

/// Escaped text whose line breaks show.
fn nl2br(value: &Value) -> Value {
    let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
    let lines: Vec<String> = text.replace("\r\n", "\n").split('\n').map(escape_html).collect();
    Value::from_safe_string(lines.join("<br>\n"))
}

/// A non-empty string at `path` (dot-separated) of the context.
fn required(ctx: &serde_json::Value, path: &'static str) -> Result<(), RenderError> {
    let value = path.split('.').try_fold(ctx, |v, key| v.get(key));
    match value.and_then(serde_json::Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(()),
        _ => Err(RenderError::Missing(path)),
    }
}

/// Renders the email `name` (one of [`names`]; anything else renders `system`) in `lang`.
pub fn render(name: &str, lang: Lang, ctx: &serde_json::Value) -> Result<Rendered, RenderError> {
    if !ctx.is_object() {
        return Err(RenderError::NotAnObject);
    }
    for path in ["title", "message", "brand.name", "brand.url", "preferencesUrl"] {
        required(ctx, path)?;
    }
    let env = ENV.as_ref().map_err(RenderError::clone)?;
    let name = NAMES.iter().find(|n| **n == name).copied().unwrap_or("system");
    let code = match lang {
        Lang::En => "en",
        Lang::Fr => "fr",
    };
    let value = Value::from(Serde(ctx));
    let render = |format: &str| {
        let template = format!("{code}/{name}.{format}");
        env.get_template(&template).and_then(|t| t.render(value.clone())).map_err(|e| template_error(&template, &e))
    };
    let html = tidy_html(&render("html")?);
    let text = tidy_text(&render("txt")?);
    let title = ctx.get("title").and_then(serde_json::Value::as_str).unwrap_or_default();
    // One line (a header), keeping no-break spaces (French `?`, `:`).
    let subject = title.split(|c: char| c == ' ' || c.is_control()).filter(|w| !w.is_empty()).collect::<Vec<_>>();
    Ok(Rendered { subject: subject.join(" "), html, text })
}

/// HTML without the blank lines block tags leave.
fn tidy_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for line in html.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Text with at most one blank line in a row, no trailing spaces, lines wrapped.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / TEXT_WIDTH);
    let mut blank = true; // no blank line at the top
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        wrap(line, &mut out);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// Appends `line` wrapped at [`TEXT_WIDTH`] on spaces; list items (`- `) keep their indent.
fn wrap(line: &str, out: &mut String) {
    let indent = if line.starts_with("- ") { "  " } else { "" };
    let mut width = 0;
    for (i, word) in line.split(' ').enumerate() {
        let len = word.chars().count();
        if i > 0 {
            if width + 1 + len > TEXT_WIDTH && width > indent.len() {
                out.push('\n');
                out.push_str(indent);
                width = indent.len();
            } else {
                out.push(' ');
                width += 1;
            }
        }
        out.push_str(word);
        width += len;
    }
    out.push('\n');
}
