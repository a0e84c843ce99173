#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value as Json, json};

use super::*;

const LINK: &str = "http://127.0.0.1:1234/verify-email?token=AbC_123-xyz0123456789abcdefghijklmnopqrstu";

fn full() -> Json {
    json!({
        "brand": {"name": "Sojourn", "url": "https://app.example.com"},
        "title": "Your booking is confirmed",
        "message": "Your reservation for “Cosy loft” for 12–15 March 2027 is confirmed.",
        "recipient": {"firstName": "Jean"},
        "facts": [
            {"label": "Listing", "value": "Cosy loft"},
            {"label": "Dates", "value": "12–15 March 2027"},
            {"label": "Total", "value": "257.60 EUR"}
        ],
        "action": {"label": "View your booking", "url": "https://app.example.com/bookings/0190a8b2?a=1&b=2"},
        "link": LINK,
        "expiresIn": "24 hours",
        "code": "123456",
        "device": "Firefox on Linux", "ip": "203.0.113.9", "at": "Sun 6 Dec 2026, 21:14 (Europe/Paris)",
        "preferencesUrl": "https://app.example.com/settings/notifications",
        "unsubscribeUrl": "https://app.example.com/api/v1/notifications/unsubscribe?token=t0k3n"
    })
}

fn minimal() -> Json {
    json!({
        "brand": {"name": "Sojourn", "url": "https://app.example.com"},
        "title": "Something happened",
        "message": "Here is what happened.",
        "preferencesUrl": "https://app.example.com/settings/notifications"
    })
}

/// Every optional field present, but null.
fn nulls() -> Json {
    let mut ctx = minimal();
    for key in ["recipient", "facts", "action", "link", "expiresIn", "code", "device", "ip", "at", "unsubscribeUrl"] {
        ctx[key] = Json::Null;
    }
    ctx
}

const LANGS: [Lang; 2] = [Lang::En, Lang::Fr];

/// Text with its wrapped lines joined back (no-break spaces stay).
fn flat(text: &str) -> String {
    text.lines().map(|l| l.trim_matches(' ')).collect::<Vec<_>>().join(" ")
}

/// The text of an HTML document, without its tags (and their attributes).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// What a template must never print for a missing value.
fn assert_no_placeholder(name: &str, s: &str) {
    let lower = visible(s).to_lowercase();
    for bad in ["none", "undefined", "null", "{{", "{%"] {
        let word = lower.match_indices(bad).any(|(i, _)| {
            let before = lower[..i].chars().next_back();
            let after = lower[i + bad.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        });
        assert!(!word, "{name}: {bad:?} printed in\n{s}");
    }
}

#[test]
fn every_template_compiles_and_names_are_listed() {
    assert!(ENV.is_ok(), "{:?}", ENV.as_ref().err());
    assert_eq!(names().len(), 18);
    for name in ["booking_requested", "booking_confirmed", "verify_email", "password_reset", "new_sign_in", "system"] {
        assert!(names().contains(&name), "{name}");
    }
}

#[test]
fn every_name_renders_in_both_languages() {
    for name in names() {
        for lang in LANGS {
            for ctx in [full(), minimal(), nulls()] {
                let r = render(name, lang, &ctx).unwrap_or_else(|e| panic!("{name} {lang:?}: {e}"));
                assert_eq!(r.subject, ctx["title"].as_str().unwrap());
                assert!(r.html.starts_with("<!DOCTYPE html>"), "{name}");
                assert!(r.html.trim_end().ends_with("</html>"), "{name}");
                assert!(r.html.contains(&format!("<title>{}</title>", r.subject)), "{name}");
                for part in [&r.html, &r.text] {
                    assert!(part.contains(ctx["message"].as_str().unwrap().split('“').next().unwrap()), "{name}");
                    assert!(part.contains("Sojourn"), "{name}");
                    assert_no_placeholder(name, part);
                }
                assert!(r.text.contains(ctx["preferencesUrl"].as_str().unwrap()), "{name}");
                assert!(r.html.contains(r#"href="https://app.example.com/settings/notifications""#), "{name}");
                let unsubscribe = ctx["unsubscribeUrl"].as_str();
                assert_eq!(r.text.contains("unsubscribe?token=t0k3n"), unsubscribe.is_some(), "{name}");
                assert_eq!(r.html.contains("unsubscribe?token=t0k3n"), unsubscribe.is_some(), "{name}");
                assert!(
                    r.text.lines().all(|l| l.chars().count() <= 78 || !l.trim().contains(' ')),
                    "{name}:\n{}",
                    r.text
                );
                assert!(!r.text.contains("\n\n\n") && !r.text.starts_with('\n'), "{name}:\n{}", r.text);
            }
        }
    }
}

#[test]
fn the_full_context_shows_its_facts_greeting_and_button() {
    for name in names() {
        let en = render(name, Lang::En, &full()).unwrap();
        assert!(en.text.starts_with("Your booking is confirmed\n\nHello Jean,\n"), "{name}:\n{}", en.text);
        assert!(en.html.contains("Hello Jean,"), "{name}");
        assert!(en.text.contains("Total: 257.60 EUR"), "{name}:\n{}", en.text);
        assert!(en.html.contains(">Total</td>") && en.html.contains(">257.60 EUR</td>"), "{name}");
        let fr = render(name, Lang::Fr, &full()).unwrap();
        assert!(fr.text.contains("Bonjour Jean,"), "{name}");
        assert!(fr.text.contains("Total\u{a0}: 257.60 EUR"), "{name}:\n{}", fr.text);
        assert!(fr.text.contains("L’équipe Sojourn") && fr.html.contains("Gérer vos notifications"), "{name}");
        assert!(fr.html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"), "{name}");
        if !matches!(*name, "verify_email" | "password_reset") {
            // The action's link, escaped for its attribute (and `/` left alone).
            assert!(
                en.html.contains(r#"href="https://app.example.com/bookings/0190a8b2?a=1&amp;b=2""#),
                "{name}:\n{}",
                en.html
            );
            assert!(en.html.contains(">View your booking</a>"), "{name}");
            assert!(
                en.text.contains("View your booking:\nhttps://app.example.com/bookings/0190a8b2?a=1&b=2\n"),
                "{name}"
            );
        }
    }
    // Without a name, a plain greeting.
    let r = render("system", Lang::En, &minimal()).unwrap();
    assert!(r.text.contains("\nHello,\n") && r.html.contains(">Hello,</p>"), "{}", r.text);
    let r = render("system", Lang::Fr, &minimal()).unwrap();
    assert!(r.text.contains("\nBonjour,\n"), "{}", r.text);
}

#[test]
fn french_is_not_english() {
    for name in names() {
        let en = render(name, Lang::En, &full()).unwrap();
        let fr = render(name, Lang::Fr, &full()).unwrap();
        assert_ne!(en.html, fr.html, "{name}");
        assert_ne!(en.text, fr.text, "{name}");
        for english in ["Hello", "The Sojourn team", "Manage your notifications", "You receive", "Unsubscribe"] {
            assert!(!fr.text.contains(english) && !fr.html.contains(english), "{name}: {english:?} in French");
        }
        assert!(fr.text.contains("Vous recevez cet e-mail"), "{name}:\n{}", fr.text);
    }
}

#[test]
fn html_is_escaped_and_text_is_not() {
    let mut ctx = full();
    ctx["message"] = json!("Your reservation for “<script>alert(1)</script>” is confirmed.\nSee you soon & thanks.");
    ctx["facts"][0]["value"] = json!("<script>alert(2)</script>");
    ctx["recipient"]["firstName"] = json!("<b>Jean</b>");
    ctx["title"] = json!("Booked: <i>loft</i>");
    for name in names() {
        let r = render(name, Lang::En, &ctx).unwrap();
        assert!(!r.html.contains("<script>") && !r.html.contains("<b>Jean") && !r.html.contains("<i>loft"), "{name}");
        assert!(
            r.html.contains("“&lt;script&gt;alert(1)&lt;/script&gt;” is confirmed.<br>\nSee you soon &amp; thanks."),
            "{name}:\n{}",
            r.html
        );
        assert!(r.html.contains("&lt;script&gt;alert(2)"), "{name}");
        assert!(
            r.text.contains("“<script>alert(1)</script>” is confirmed.\nSee you soon & thanks."),
            "{name}:\n{}",
            r.text
        );
        assert!(r.text.contains("<b>Jean</b>"), "{name}");
        assert_eq!(r.subject, "Booked: <i>loft</i>");
    }
}

#[test]
fn links_must_be_http() {
    for (path, bad) in [
        ("action", json!({"label": "x", "url": "javascript:alert(1)"})),
        ("unsubscribeUrl", json!("data:text/html,x")),
        ("link", json!("https://a b")),
    ] {
        let mut ctx = full();
        ctx[path] = bad;
        let name = if path == "link" { "verify_email" } else { "system" };
        assert!(matches!(render(name, Lang::En, &ctx), Err(RenderError::Template { .. })), "{path}");
    }
    let mut ctx = full();
    ctx["preferencesUrl"] = json!("ftp://x");
    assert!(matches!(render("system", Lang::En, &ctx), Err(RenderError::Template { .. })));
}

#[test]
fn required_fields_and_shape() {
    assert!(matches!(render("system", Lang::En, &json!([1])), Err(RenderError::NotAnObject)));
    for path in ["title", "message", "brand.name", "brand.url", "preferencesUrl"] {
        let mut ctx = minimal();
        match path.split_once('.') {
            Some((a, b)) => ctx[a].as_object_mut().unwrap().remove(b),
            None => ctx.as_object_mut().unwrap().remove(path),
        };
        match render("system", Lang::En, &ctx) {
            Err(RenderError::Missing(p)) => assert_eq!(p, path),
            other => panic!("{path}: {other:?}"),
        }
    }
    let mut ctx = minimal();
    ctx["title"] = json!("  ");
    assert!(matches!(render("system", Lang::En, &ctx), Err(RenderError::Missing("title"))));
    // A title on several lines makes a one-line subject.
    ctx["title"] = json!("Line one\r\nline  two");
    assert_eq!(render("system", Lang::En, &ctx).unwrap().subject, "Line one line two");
}

#[test]
fn unknown_names_render_system() {
    for lang in LANGS {
        for name in ["promotions", "platform_update", "", "layout", "_button", "../en/layout"] {
            assert_eq!(render(name, lang, &full()).unwrap(), render("system", lang, &full()).unwrap(), "{name:?}");
        }
    }
}

#[test]
fn links_to_follow_appear_whole() {
    for (name, en_words, fr_words) in [
        (
            "verify_email",
            ["Confirm my email address", "This link expires in 24 hours."],
            ["Confirmer mon adresse e-mail", "Ce lien expire dans 24 hours."],
        ),
        (
            "password_reset",
            ["Choose a new password", "your password stays unchanged"],
            ["Choisir un nouveau mot de passe", "votre mot de passe reste inchangé"],
        ),
    ] {
        // `link` is the link to follow, with these types' own words even beside an action.
        let with_action = render(name, Lang::En, &full()).unwrap();
        assert!(with_action.text.contains(&format!("{}:\n{LINK}\n", en_words[0])), "{}", with_action.text);
        assert!(!with_action.text.contains("View your booking"), "{}", with_action.text);
        let mut ctx = full();
        ctx.as_object_mut().unwrap().remove("link");
        let action_only = render(name, Lang::En, &ctx).unwrap();
        assert!(
            action_only.text.contains("View your booking:\nhttps://app.example.com/bookings/"),
            "{}",
            action_only.text
        );
        assert!(action_only.html.contains(">View your booking</a>"));

        let mut ctx = full();
        ctx.as_object_mut().unwrap().remove("action");
        for (lang, words) in [(Lang::En, en_words), (Lang::Fr, fr_words)] {
            let r = render(name, lang, &ctx).unwrap();
            assert!(r.text.contains(&format!("\n{LINK}\n")), "{name}:\n{}", r.text);
            assert!(r.html.contains(&format!(r#"href="{LINK}""#)), "{name}");
            for w in words {
                assert!(flat(&r.text).contains(w) && r.html.contains(w), "{name} {lang:?}: {w:?}\n{}", r.text);
            }
        }
        // Without `expiresIn`, no half sentence.
        ctx.as_object_mut().unwrap().remove("expiresIn");
        let r = render(name, Lang::En, &ctx).unwrap();
        assert!(!r.text.contains("expires in"), "{name}");
        // Without any link, no button.
        ctx.as_object_mut().unwrap().remove("link");
        let r = render(name, Lang::En, &ctx).unwrap();
        assert!(!r.html.contains("bgcolor=\"#0f766e\""), "{name}");
    }
}

#[test]
fn type_specific_wording() {
    for (name, en, fr) in [
        ("booking_confirmed", "What’s next", "Et maintenant\u{a0}?"),
        ("booking_cancelled", "5 to 10 business days", "5 à 10 jours ouvrés"),
        ("payment_received", "Keep this email as your receipt.", "Conservez cet e-mail comme reçu."),
        (
            "new_sign_in",
            "If this was not you, change your password",
            "Si ce n’était pas vous, changez immédiatement votre mot de passe",
        ),
        ("account_security", "change your password right away", "changez immédiatement votre mot de passe"),
        ("trip_reminder", "Before you go", "Avant de partir"),
    ] {
        for (lang, words) in [(Lang::En, en), (Lang::Fr, fr)] {
            let r = render(name, lang, &full()).unwrap();
            assert!(flat(&r.text).contains(words) && r.html.contains(words), "{name} {lang:?}:\n{}", r.text);
            assert!(!flat(&render("system", lang, &full()).unwrap().text).contains(words), "{name}");
        }
    }
    let r = render("new_sign_in", Lang::En, &full()).unwrap();
    assert!(
        r.text
            .contains("Device: Firefox on Linux\nIP address: 203.0.113.9\nWhen: Sun 6 Dec 2026, 21:14 (Europe/Paris)"),
        "{}",
        r.text
    );
    assert!(r.html.contains(">203.0.113.9</td>"));
    let r = render("new_sign_in", Lang::Fr, &full()).unwrap();
    assert!(r.text.contains("Appareil\u{a0}: Firefox on Linux"), "{}", r.text);
    assert!(r.text.contains("Vous recevez cet e-mail de sécurité"), "{}", r.text);
}

#[test]
fn long_text_wraps_on_spaces_and_keeps_links_whole() {
    let mut ctx = minimal();
    let long_url = format!("https://app.example.com/{}", "a".repeat(120));
    ctx["message"] = json!(format!("{} {long_url} end.", "word ".repeat(40).trim_end()));
    let r = render("system", Lang::En, &ctx).unwrap();
    assert!(
        r.text.contains(&format!("\n{long_url}\n")) || r.text.contains(&format!("\n{long_url} end.")),
        "{}",
        r.text
    );
    for line in r.text.lines() {
        assert!(line.chars().count() <= 78 || !line.contains(' ') || line.starts_with(&long_url), "{line:?}");
    }
    // List items keep their indent.
    let r = render("booking_confirmed", Lang::En, &full()).unwrap();
    assert!(
        r.text.contains(
            "\n- Everything about this booking is in your account: dates, address, price and\n  arrival details."
        ),
        "{}",
        r.text
    );
}
