//! The bounded contexts this binary can run, and `--only` selection among them.

use std::sync::Arc;

use platform::Context;

/// Every context compiled into this binary, in start-up order. Each later issue that adds a
/// context crate registers it here.
pub fn all() -> Vec<Arc<dyn Context>> {
    vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(messaging::Messaging),
        Arc::new(search::Search),
        Arc::new(reviews::Reviews),
        Arc::new(travel::Travel),
        Arc::new(media::Media),
        Arc::new(insights::Insights),
        Arc::new(audit::Audit),
        Arc::new(ai::Ai),
    ]
}

/// The contexts named by `--only` (all when empty). Unknown names are an error listing the
/// known ones.
pub fn select(only: &[String]) -> Result<Vec<Arc<dyn Context>>, String> {
    let available = all();
    if only.is_empty() {
        return Ok(available);
    }
    let known: Vec<&str> = available.iter().map(|c| c.name()).collect();
    let mut chosen = Vec::new();
    for name in only.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match available.iter().find(|c| c.name() == name) {
            Some(ctx) if !chosen.iter().any(|c: &Arc<dyn Context>| c.name() == name) => chosen.push(ctx.clone()),
            Some(_) => {}
            None => {
                let list = if known.is_empty() { "none yet".to_owned() } else { known.join(", ") };
                return Err(format!("unknown context `{name}` in --only (available: {list})"));
            }
        }
    }
    Ok(chosen)
}

/// `contexts.<name>` settings must name a context this binary has (a typo would otherwise
/// silently leave that context on the shared database).
pub fn check_overrides<'a>(names: impl IntoIterator<Item = &'a String>) -> Result<(), String> {
    let available = all();
    for name in names {
        if !available.iter().any(|c| c.name() == name) {
            let known: Vec<&str> = available.iter().map(|c| c.name()).collect();
            return Err(format!("unknown context `{name}` in contexts.{name} (available: {})", known.join(", ")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_contexts_are_refused_by_name() {
        let err = select(&["nope".into()]).err().unwrap_or_default();
        assert!(err.contains("unknown context `nope`"), "{err}");
        assert_eq!(select(&[]).map(|v| v.len()).ok(), Some(all().len()));
    }

    #[test]
    fn overrides_must_name_known_contexts() {
        assert!(check_overrides(&["booking".to_owned()]).is_ok());
        let err = check_overrides(&["bookings".to_owned()]).err().unwrap_or_default();
        assert!(err.contains("contexts.bookings"), "{err}");
    }
}
