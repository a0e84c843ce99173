//! Everything the all-in-one process answers is reachable through the gateway of a split
//! deployment: every documented template (and every undocumented alias) of every context
//! resolves to that context, and nothing resolves to the wrong one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gateway::{RouteTable, templates};

/// A concrete path for a template: each `{param}` becomes a plausible value.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|seg| if seg.starts_with('{') { "0192a6f0-0000-7000-8000-000000000001" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_route_of_every_context_goes_to_that_context() {
    let contexts = sojourn::contexts::all();
    let inputs: Vec<(String, Vec<String>)> =
        contexts.iter().map(|c| (c.name().to_owned(), templates(c.as_ref()))).collect();
    let table = RouteTable::build(&inputs, Some("catalog")).unwrap();
    let mut checked = 0;
    for (name, paths) in &inputs {
        for template in paths {
            let path = concrete(template);
            let owner = table.resolve(&path).map(|i| table.name(i).to_owned());
            assert_eq!(owner.as_deref(), Some(name.as_str()), "{template} ({path})");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} routes");
    // The aliases DreamScape's clients use, and the undocumented key set.
    for (path, owner) in [
        ("/api/cart/me", "booking"),
        ("/api/v1/voyage/cart/me", "booking"),
        ("/api/v1/cart/me", "booking"),
        ("/.well-known/jwks.json", "identity"),
        ("/media/avatars/x.webp", "catalog"),
    ] {
        assert_eq!(table.resolve(path).map(|i| table.name(i)), Some(owner), "{path}");
    }
    assert_eq!(table.resolve("/internal/v1/payment-groups"), None, "never proxied");
}
