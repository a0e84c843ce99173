//! Which upstream serves a path. The table is built from what each context documents (its
//! OpenAPI paths) plus the templates it serves undocumented, so the gateway routes exactly what
//! the all-in-one process would answer: `/api/v1/listings/{id}` goes to catalog while
//! `/api/v1/listings/{id}/calendar` goes to booking. Parameter names are normalised (contexts
//! name the same segment differently); two contexts claiming one template is a start-up error.

use std::collections::BTreeMap;

/// Paths the gateway never forwards: service-to-service endpoints.
pub const INTERNAL_PREFIX: &str = "/internal/";

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("`{template}` is served by both `{first}` and `{second}`")]
    Conflict { template: String, first: String, second: String },
    #[error("route `{template}`: {message}")]
    Invalid { template: String, message: String },
}

pub struct RouteTable {
    router: matchit::Router<usize>,
    /// Templates (normalised) → upstream index, to report conflicts by name.
    owners: BTreeMap<String, usize>,
    names: Vec<String>,
    media: Option<usize>,
}

/// `{id}` / `{listingId}` → `{p0}`, `{p1}`...; `{*rest}` stays a catch-all.
fn normalise(template: &str) -> String {
    let mut n = 0;
    template
        .split('/')
        .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if name.starts_with('*') => "{*rest}".to_owned(),
            Some(_) => {
                n += 1;
                format!("{{p{n}}}")
            }
            None => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl RouteTable {
    /// `upstreams`: (name, templates) in a stable order; `media`: the upstream of `/media/...`.
    pub fn build(upstreams: &[(String, Vec<String>)], media: Option<&str>) -> Result<Self, RouteError> {
        let mut table = RouteTable {
            router: matchit::Router::new(),
            owners: BTreeMap::new(),
            names: upstreams.iter().map(|(n, _)| n.clone()).collect(),
            media: None,
        };
        for (index, (_, templates)) in upstreams.iter().enumerate() {
            for template in templates {
                table.insert(template, index)?;
            }
        }
        table.media = media.and_then(|m| table.names.iter().position(|n| n == m));
        Ok(table)
    }

    fn insert(&mut self, template: &str, index: usize) -> Result<(), RouteError> {
        let normal = normalise(template);
        if let Some(&owner) = self.owners.get(&normal) {
            if owner == index {
                return Ok(());
            }
            return Err(RouteError::Conflict {
                template: template.to_owned(),
                first: self.names.get(owner).cloned().unwrap_or_default(),
                second: self.names.get(index).cloned().unwrap_or_default(),
            });
        }
        self.router
            .insert(normal.clone(), index)
            .map_err(|e| RouteError::Invalid { template: template.to_owned(), message: e.to_string() })?;
        self.owners.insert(normal, index);
        Ok(())
    }

    /// The upstream index for `path`, if any. A trailing slash is optional, as in every
    /// service (the path is forwarded as sent; the service trims it too): `/socket.io/` and
    /// `/socket.io` find the same owner whichever of the two it declared.
    pub fn resolve(&self, path: &str) -> Option<usize> {
        if path.starts_with(INTERNAL_PREFIX) {
            return None;
        }
        if path.starts_with("/media/") {
            return self.media;
        }
        let path = match path.strip_prefix("/api/") {
            Some(rest) if !rest.is_empty() && path.ends_with('/') => path.trim_end_matches('/'),
            _ => path,
        };
        if let Ok(found) = self.router.at(path) {
            return Some(*found.value);
        }
        // Only for paths no template matched as sent: the other spelling of the slash.
        let trimmed = path.trim_end_matches('/');
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.len() < path.len()
            && let Ok(found) = self.router.at(trimmed)
        {
            return Some(*found.value);
        }
        let slashed = format!("{trimmed}/");
        (slashed != path).then(|| self.router.at(&slashed).ok().map(|m| *m.value)).flatten()
    }

    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn table() -> RouteTable {
        let ups = vec![
            ("catalog".to_owned(), vec!["/api/v1/listings".to_owned(), "/api/v1/listings/{id}".to_owned()]),
            ("booking".to_owned(), vec!["/api/v1/listings/{listingId}/calendar".to_owned()]),
        ];
        RouteTable::build(&ups, Some("catalog")).unwrap()
    }

    #[test]
    fn the_most_specific_template_wins_whatever_the_parameter_names() {
        let t = table();
        assert_eq!(t.resolve("/api/v1/listings").map(|i| t.name(i)), Some("catalog"));
        assert_eq!(t.resolve("/api/v1/listings/abc").map(|i| t.name(i)), Some("catalog"));
        assert_eq!(t.resolve("/api/v1/listings/abc/calendar").map(|i| t.name(i)), Some("booking"));
        assert_eq!(t.resolve("/api/v1/listings/abc/nope"), None);
        assert_eq!(t.resolve("/api/v1/listings/").map(|i| t.name(i)), Some("catalog"));
        assert_eq!(t.resolve("/api/v1/listings/abc/calendar//").map(|i| t.name(i)), Some("booking"));
        assert_eq!(t.resolve("/media/a/b.webp").map(|i| t.name(i)), Some("catalog"));
        assert_eq!(t.resolve("/internal/v1/payment-groups"), None);
    }

    #[test]
    fn socket_paths_resolve_with_or_without_their_trailing_slash() {
        for declared in [&["/socket.io/", "/ws"][..], &["/socket.io", "/ws/"], &["/socket.io", "/socket.io/", "/ws"]] {
            let ups = vec![
                ("catalog".to_owned(), vec!["/api/v1/listings".to_owned()]),
                ("messaging".to_owned(), declared.iter().map(|t| (*t).to_owned()).collect()),
            ];
            let t = RouteTable::build(&ups, None).unwrap();
            for path in ["/socket.io/", "/socket.io", "/socket.io//", "/ws", "/ws/"] {
                assert_eq!(t.resolve(path).map(|i| t.name(i)), Some("messaging"), "{path} with {declared:?}");
            }
            for path in ["/socket.io/x", "/wss", "/", "//", "/api/v1/listings/x"] {
                assert_eq!(t.resolve(path), None, "{path} with {declared:?}");
            }
        }
    }

    #[test]
    fn two_contexts_claiming_one_template_is_an_error() {
        let ups = vec![("a".to_owned(), vec!["/x/{id}".to_owned()]), ("b".to_owned(), vec!["/x/{other}".to_owned()])];
        let err = RouteTable::build(&ups, None).err().unwrap().to_string();
        assert!(err.contains("`a`") && err.contains("`b`"), "{err}");
    }
}
