//! Read your writes within one process. A request that commits events is answered only once
//! this process's consumers have handled them: a client told "201 Created" can at once ask any
//! other context about what it created (open a payment for a reservation, book a listing just
//! published) and be answered as if the contexts were one.
//!
//! [`Events::committed`](crate::context::Events::committed) records a relay [`Ticket`] in the
//! request's scope; [`layer`] opens that scope around each handler and, once the handler has
//! answered (its transactions closed, nothing held), waits for the relay to carry the tickets.
//! The wait batches naturally: one pass carries every event committed before it started, so
//! concurrent requests mostly find theirs already carried. With NATS the consumers may live in
//! other processes; there readers answer `425 not_yet_replicated` instead (see the docs).

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::relay::{Relay, Ticket};

tokio::task_local! {
    static PENDING: RefCell<Pending>;
}

#[derive(Default)]
struct Pending {
    relay: Option<Weak<Relay>>,
    timeout: Duration,
    tickets: Vec<Ticket>,
}

/// Notes that the current request committed events to outbox `source` of `relay`, to be
/// carried before it is answered; false outside a request (jobs, consumers), where nobody waits.
pub(crate) fn record(relay: &Arc<Relay>, source: usize, timeout: Duration) -> bool {
    let Some(ticket) = relay.ticket(source) else { return false };
    PENDING
        .try_with(|pending| {
            let mut pending = pending.borrow_mut();
            if !pending.tickets.contains(&ticket) {
                pending.tickets.push(ticket);
            }
            pending.relay.get_or_insert_with(|| Arc::downgrade(relay));
            pending.timeout = pending.timeout.max(timeout);
        })
        .is_ok()
}

/// Middleware: runs the handler in a fresh scope, then waits for its events to be carried.
pub async fn layer(request: Request, next: Next) -> Response {
    let (response, pending) = PENDING
        .scope(RefCell::new(Pending::default()), async {
            let response = next.run(request).await;
            (response, PENDING.with(|p| std::mem::take(&mut *p.borrow_mut())))
        })
        .await;
    if let Some(relay) = pending.relay.and_then(|r| r.upgrade()) {
        relay.settle(&pending.tickets, pending.timeout).await;
    }
    response
}
