//! The markdown report of `bench notifications`: what [`crate::notify`] measured, as tables
//! with the command, the machine's numbers beside each other and a reading of them.

use crate::load::HEADER;
use crate::notify::{Drain, Live, MIX_CONNECTIONS, Options, QUEUE_CONNECTIONS, ms, outcomes_text, percentile_ms};
use crate::smtp_sink::SmtpSink;

/// What was measured, for the report.
pub(crate) struct Runs<'a> {
    pub(crate) seed_s: f64,
    pub(crate) register_s: f64,
    pub(crate) welcome_mails: u64,
    pub(crate) drains: &'a [Drain],
    pub(crate) lives: &'a [Live],
    /// (concurrency, (mails/s, connections)) of the SMTP path alone.
    pub(crate) smtp: &'a [(usize, (f64, u64))],
}

pub(crate) fn report(opts: &Options, runs: &Runs<'_>, sink: &SmtpSink) {
    let (drains, lives) = (runs.drains, runs.lives);
    let (seed_s, register_s, welcome_mails) = (runs.seed_s, runs.register_s, runs.welcome_mails);
    let n = opts.notices;
    println!(
        "## Notifications (issue 28): {n} booking confirmations at once, email to a local SMTP sink ({} cores)\n",
        std::thread::available_parallelism().map_or(1, |c| c.get())
    );
    println!(
        "`sojourn serve` (SQLite, the browse benchmark's catalogue seeded in {seed_s:.1} s) with `mail.smtp_url` = \
         the bench's SMTP sink on loopback. {} readers registered through `POST /api/v1/auth/register` in \
         {register_s:.1} s ({welcome_mails} mails reached the sink meanwhile: identity's verification mails); notices \
         created through `POST /api/v1/users/notifications/internal` (`BOOKING_CONFIRMED`, the internal key), \
         {QUEUE_CONNECTIONS} at a time, {} per reader.\n",
        opts.readers,
        n / opts.readers.max(1)
    );
    println!("### Worker throughput: the queue filled with no worker, then emptied by one\n");
    println!(
        "| worker_concurrency | queueing: notices/s | queueing p50 / p99 ms | server start ms | first → last mail s | \
         mails/s | spawn → last mail s | server CPU µs per mail | SMTP connections | worker's count (`/metrics`) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for d in drains {
        println!(
            "| {} | {:.0} | {:.2} / {:.2} | {:.0} | {:.2} | {:.0} | {:.2} | {:.0} | {} | {} |",
            d.concurrency,
            d.queued.per_sec,
            d.queued.p50_us as f64 / 1000.0,
            d.queued.p99_us as f64 / 1000.0,
            ms(d.cold_start),
            d.sending.as_secs_f64(),
            n as f64 / d.sending.as_secs_f64().max(1e-9),
            d.total.as_secs_f64(),
            d.cpu.cpu_s * 1e6 / n as f64,
            d.connections,
            outcomes_text(&d.outcomes)
        );
    }
    println!(
        "\nFor comparison, the SMTP path alone: `platform::mail::SmtpMailer` (lettre, as the server uses it) in the \
         bench process sending to the same sink, no database, no queue:\n"
    );
    println!("| mails at a time | mails | mails/s | ms per mail (in flight ÷ rate) | SMTP connections opened |");
    println!("|---:|---:|---:|---:|---:|");
    for (concurrency, (per_s, connections)) in runs.smtp {
        let mails = if *concurrency == 1 { 100 } else { n.min(5_000) };
        println!(
            "| {concurrency} | {mails} | {per_s:.0} | {:.1} | {connections} |",
            *concurrency as f64 * 1000.0 / per_s.max(1e-9)
        );
    }
    let others: u64 = drains.iter().map(|d| d.others).sum();
    if others > 0 {
        println!("\n({others} other mails reached the sink during the drains.)");
    }
    println!("\n### Live: a burst queued while the worker runs, and the browse mix meanwhile\n");
    println!(
        "| worker_concurrency | queueing: notices/s | queueing p99 ms | mailed while queueing | first notice → last mail s | \
         mails/s overall | queue→received p50 ms | p99 ms | max ms | worker's count |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for l in lives {
        println!(
            "| {} | {:.0} | {:.2} | {} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {} |",
            l.concurrency,
            l.queued.per_sec,
            l.queued.p99_us as f64 / 1000.0,
            l.delivered_while_queueing,
            l.total.as_secs_f64(),
            n as f64 / l.total.as_secs_f64().max(1e-9),
            percentile_ms(&l.latencies, 0.5),
            percentile_ms(&l.latencies, 0.99),
            percentile_ms(&l.latencies, 1.0),
            outcomes_text(&l.outcomes)
        );
    }
    println!(
        "\nThe browse mix 5:3:2 ({MIX_CONNECTIONS} connections) on each live run's server: alone for {} s just before \
         the burst, then from the end of the burst's queueing until its last mail arrived:\n",
        opts.seconds
    );
    println!("{HEADER}");
    for l in lives {
        println!("{}", l.alone.row(&format!("browse mix alone (worker_concurrency {} server)", l.concurrency), None));
        let name = format!(
            "browse mix while {} mails go out, worker_concurrency {} ({:.1} s; ratio to alone)",
            n - l.delivered_while_queueing,
            l.concurrency,
            l.during.requests as f64 / l.during.per_sec.max(1e-9)
        );
        println!("{}", l.during.row(&name, Some(&l.alone)));
    }
    println!();
    for l in lives {
        println!(
            "- worker_concurrency {}: mix under delivery / alone = {:.2} (req/s), p99 {:.2} ms vs {:.2} ms ({:.2}×). \
             Server CPU: alone {:.0} µs per request, {:.2} cores busy; from the burst to the last mail {:.2} s, {:.2} \
             cores busy.",
            l.concurrency,
            l.during.per_sec / l.alone.per_sec.max(1e-9),
            l.during.p99_us as f64 / 1000.0,
            l.alone.p99_us as f64 / 1000.0,
            l.during.p99_us as f64 / (l.alone.p99_us as f64).max(1.0),
            l.alone_cpu.us_per(l.alone.requests),
            l.alone_cpu.cpu_s / l.alone_cpu.wall_s.max(1e-9),
            l.cpu.cpu_s,
            l.cpu.cpu_s / l.cpu.wall_s.max(1e-9)
        );
    }
    println!(
        "\nThe sink received {} messages ({:.1} MiB) over {} SMTP connections in the whole run.\n",
        sink.received.messages(),
        sink.received.bytes() as f64 / 1048576.0,
        sink.received.connections()
    );
}
