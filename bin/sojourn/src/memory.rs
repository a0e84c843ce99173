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
//! The executable's code is treated alike (see [`drop_code_pages`]): what start-up alone ran
//! need not stay mapped.
//!
//! This is the one place where the workspace allows `unsafe`: a call into the allocator's C
//! API, which takes no arguments that could be invalid, and `madvise` on a mapping read from
//! `/proc/self/maps`.
#![allow(unsafe_code)]

use std::time::Duration;

/// How often a running server gives back what is free (a collection costs well under a
/// millisecond when there is little to do).
pub const INTERVAL: Duration = Duration::from_secs(10);

/// mimalloc's `mi_option_purge_delay` (the option's index in `mimalloc.h`, v2; the Rust
/// bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets both allocators up to hold less memory they do not use; call first thing in `main`.
///
/// - **mimalloc** (Rust's allocations) returns a free page only after a delay (10 ms), and
///   only when the owning thread next allocates or frees: the pages a burst of load left on
///   a runtime worker or a database connection's thread that then idles stayed resident.
///   Purging at once put a 16-client purchase run at 44 MiB of allocator memory instead of
///   88, at no measurable cost in throughput (docs/PERFORMANCE.md, "Footprint").
/// - **glibc malloc** serves SQLite (every connection's page and statement caches, on its
///   own thread): by default it may open an arena per thread, up to eight per core, each
///   keeping its own free memory. Two arenas are plenty for connections that mostly wait.
pub fn configure() {
    // SAFETY: `mi_option_set` only stores an option value in the allocator's own state.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // SAFETY: `mallopt` only sets a malloc tunable; an unknown value is refused, not UB.
    let _ = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
}

/// Returns the calling thread's free pages and every page scheduled for return, now, and the
/// free memory at the top of glibc's arenas (SQLite's caches of closed connections).
pub fn give_back() {
    // SAFETY: `mi_collect` takes a flag, touches only the allocator's own state, and may be
    // called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
    // SAFETY: `malloc_trim` takes a size to keep and only releases memory malloc holds free.
    let _ = unsafe { libc::malloc_trim(0) };
}

/// Every [`INTERVAL`] until the process ends: [`give_back`], and [`drop_code_pages`] again —
/// a burst of load maps in code that then idles (about 40 MiB after a purchase run); code
/// still running faults back in at the cost of a minor fault per 64 KiB, a few milliseconds
/// per interval at most.
pub fn give_back_periodically() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            give_back();
            drop_code_pages();
        }
    });
}

/// Drops this process's mappings of the executable's code, once start-up is done.
///
/// Start-up runs construction code of every context once (routes, the API document) and the
/// kernel maps code in clusters around each page it faults in: most of an idle server's
/// resident memory was the binary's own text. Unmapping it (`MADV_DONTNEED` on the read-only,
/// executable mapping, whose pages are never written) leaves them in the page cache, shared and
/// reclaimable, and only code that runs again is mapped back in, at the cost of a minor fault.
/// Nothing else is touched: data, relocated read-only data and the heap stay as they are.
pub fn drop_code_pages() {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else { return };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return };
    let exe = exe.to_string_lossy();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
        // offset, device and inode, then the path.
        if perms != "r-xp" || fields.nth(3) != Some(&*exe) {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue;
        };
        // SAFETY: the range is a whole mapping of this process's executable code, read-only and
        // never written (no text relocations), so dropping its pages loses nothing: the kernel
        // maps the same file contents back on the next execution of any of them.
        let _ = unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}
