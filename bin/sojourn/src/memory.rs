//! Giving free memory back to the operating system.
//!
//! mimalloc (the process allocator, see main.rs) keeps a page whose blocks were all freed for
//! a while before returning it, and does so from the allocation paths of the thread that owns
//! it. Start-up is one burst of short-lived allocations on the main thread — every context's
//! routes and the whole API document are built, merged and serialised, then mostly dropped —
//! after which that thread only waits. Its free pages would stay resident for the life of the
//! process: about a quarter of an idle server's anonymous memory when measured
//! (docs/PERFORMANCE.md, "Footprint"). Likewise, after a burst of load, the pages freed by then
//! idle workers stay. So the server asks the allocator to collect once start-up is done, and
//! then on an interval.
//!
//! This is the one place where the workspace allows `unsafe`: a call into the allocator's C
//! API, which takes no arguments that could be invalid.
#![allow(unsafe_code)]

use std::time::Duration;

/// How often a running server gives back what is free (a collection costs well under a
/// millisecond when there is little to do).
pub const INTERVAL: Duration = Duration::from_secs(10);

/// Returns the calling thread's free pages and every page scheduled for return, now.
pub fn give_back() {
    // SAFETY: `mi_collect` takes a flag, touches only the allocator's own state, and may be
    // called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Calls [`give_back`] every [`INTERVAL`] from the runtime's threads until the process ends.
pub fn give_back_periodically() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            give_back();
        }
    });
}
