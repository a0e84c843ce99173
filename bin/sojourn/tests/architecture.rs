//! Dependency direction: `bin → contexts → platform → kernel`. A context crate never depends
//! on another context crate, and the lower layers never depend upward. Read from
//! `cargo metadata`, so it checks what Cargo actually builds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Workspace crate name → workspace crates it depends on (normal and build dependencies).
fn workspace_graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path", manifest])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let names: BTreeSet<String> = packages.iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .filter(|d| names.contains(d))
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

const FOUNDATION: [&str; 3] = ["kernel", "platform", "testkit"];
/// Tools that sit above everything: they may depend on any crate, and only a tool depends on a
/// tool (the benchmarks seed data with the binary's own `seed`).
const TOOLS: [&str; 2] = ["sojourn", "bench"];

#[test]
fn dependencies_point_one_way() {
    let graph = workspace_graph();
    let allowed = |krate: &str| -> Option<BTreeSet<&str>> {
        match krate {
            "kernel" => Some(BTreeSet::new()),
            "platform" => Some(["kernel"].into()),
            "testkit" => Some(["kernel", "platform"].into()),
            "sojourn" | "bench" => None,
            // Any other workspace crate is a context.
            _ => Some(["kernel", "platform"].into()),
        }
    };
    let mut violations = Vec::new();
    for (krate, deps) in &graph {
        let Some(ok) = allowed(krate) else { continue };
        for dep in deps {
            if !ok.contains(dep.as_str()) {
                violations.push(format!("{krate} depends on {dep}"));
            }
        }
    }
    for (krate, deps) in &graph {
        if !TOOLS.contains(&krate.as_str()) && deps.iter().any(|d| TOOLS.contains(&d.as_str())) {
            violations.push(format!("{krate} depends on a tool crate"));
        }
    }
    assert!(violations.is_empty(), "dependency rule broken: {violations:?}");
    for needed in FOUNDATION.iter().chain(["sojourn"].iter()) {
        assert!(graph.contains_key(*needed), "missing crate {needed}");
    }
}

#[test]
fn every_context_crate_is_registered_in_the_binary() {
    let graph = workspace_graph();
    let contexts: BTreeSet<&str> =
        graph.keys().map(String::as_str).filter(|k| !FOUNDATION.contains(k) && !TOOLS.contains(k)).collect();
    let binary_deps: BTreeSet<&str> = graph["sojourn"].iter().map(String::as_str).collect();
    let unregistered: Vec<&&str> = contexts.iter().filter(|c| !binary_deps.contains(**c)).collect();
    assert!(unregistered.is_empty(), "context crates the binary does not include: {unregistered:?}");
    let registered: BTreeSet<String> = sojourn::contexts::all().iter().map(|c| c.name().to_owned()).collect();
    assert_eq!(registered.len(), sojourn::contexts::all().len(), "context names must be unique");
}
