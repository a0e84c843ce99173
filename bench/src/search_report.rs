//! The search benchmark's report: a summary table first (the goals beside the numbers, PASS or
//! MISS, ready to paste into docs/PERFORMANCE.md), then the tables it comes from.

use crate::load::{HEADER, Summary};
use crate::search_bench::Options;
use crate::search_mix::Catalogue;
use crate::search_writes::Updates;
use crate::server::{CPU_HEADER, Spent};

/// How the data directory came to be.
pub struct Setup {
    pub reused: bool,
    pub seed_s: Option<f64>,
    /// `sojourn seed`'s progress and summary lines.
    pub seed_log: String,
}

/// One class of the mix.
pub struct ClassRow {
    pub name: &'static str,
    pub share: usize,
    pub latencies_us: Vec<u64>,
    pub hits: usize,
}

#[derive(Default)]
pub struct Indexing {
    /// Publish-to-searchable, µs, sorted.
    pub lags_us: Vec<u64>,
    /// The publishing request alone, µs, sorted.
    pub publish_us: Vec<u64>,
    pub lost: usize,
    pub burst: usize,
    pub accepted_s: f64,
    pub searchable_s: Option<f64>,
    pub delete_failed: usize,
}

pub struct Report {
    pub options: Options,
    pub setup: Setup,
    pub reindexed: Result<(f64, String), String>,
    pub published: u64,
    pub indexed: Option<u64>,
    pub catch_up_s: f64,
    pub ready_s: f64,
    pub cold_start_ms: f64,
    pub cat: Catalogue,
    pub sql_count: usize,
    pub hosts: usize,
    pub dates_filtered: bool,
    pub suggest_status: u16,
    pub idle_rss_mib: f64,
    pub peak_rss_mib: f64,
    pub limit: Summary,
    pub mix: (Summary, Spent),
    pub classes: Vec<ClassRow>,
    pub sql: (Summary, Spent),
    pub suggest: Option<(Summary, Spent)>,
    pub indexing: Indexing,
    pub during: (Summary, Spent),
    pub updates: Updates,
    /// The open-loop run under updates: (rate, summary, per class, its updates).
    pub at_rate: (f64, Summary, Vec<ClassRow>, Updates),
    /// Where the server's output went.
    pub server_log: String,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

impl Report {
    /// Prints the report; false when a check failed.
    pub fn print(&self) -> bool {
        let o = &self.options;
        let (mix, mix_cpu) = &self.mix;
        let (sql, sql_cpu) = &self.sql;
        let during = &self.during.0;
        let ix = &self.indexing;
        println!(
            "## bench search ({} listings in the index, {} connections closed loop, {} s per run, {} cores)\n",
            self.indexed.unwrap_or(0),
            o.connections,
            o.seconds,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        self.print_setup();

        let ratio = mix.per_sec / sql.per_sec.max(1e-9);
        let cpu_ratio = sql_cpu.us_per(sql.requests) / mix_cpu.us_per(mix.requests).max(1e-9);
        println!("### Summary (goals beside the numbers)\n");
        println!("| what | measured | goal | |\n|---|---|---|---|");
        println!(
            "| search mix, {} connections | {:.0} searches/s; p50 {:.2} / p99 {:.2} / p99.9 {:.2} ms; {:.0} µs server CPU per search | p99 < 50 ms (the seeds' target) | {} |",
            o.connections,
            mix.per_sec,
            ms(mix.p50_us),
            ms(mix.p99_us),
            ms(mix.p999_us),
            mix_cpu.us_per(mix.requests),
            verdict(ms(mix.p99_us) < 50.0)
        );
        println!(
            "| SQL list `GET /listings?city=…&kind=…` | {:.0} searches/s; p99 {:.2} ms; {:.0} µs server CPU per search | — | |",
            sql.per_sec,
            ms(sql.p99_us),
            sql_cpu.us_per(sql.requests)
        );
        println!(
            "| mix ÷ SQL | {ratio:.1}× the searches/s ({cpu_ratio:.1}× less server CPU per search) | ≥ 5× | {} |",
            verdict(ratio >= 5.0)
        );
        println!(
            "| limit: minimal axum JSON endpoint | {:.0} req/s (mix at {:.3} of it) | — | |",
            self.limit.per_sec,
            mix.per_sec / self.limit.per_sec.max(1e-9)
        );
        match &self.suggest {
            Some((s, _)) => println!(
                "| suggest `GET /search/suggest?q=<prefix>` | {:.0}/s; p50 {:.2} / p99 {:.2} ms | p99 < 5 ms | {} |",
                s.per_sec,
                ms(s.p50_us),
                ms(s.p99_us),
                verdict(ms(s.p99_us) < 5.0)
            ),
            None => println!("| suggest | not available (answered {}) | p99 < 5 ms | — |", self.suggest_status),
        }
        let (rate, at_rate, _, _) = &self.at_rate;
        println!(
            "| mix at a steady {rate:.0} searches/s (open loop) while {} listing updates/s stream in | p50 {:.2} / p99 {:.2} / p99.9 {:.2} ms | p99 < 10 ms | {} |",
            o.update_rate,
            ms(at_rate.p50_us),
            ms(at_rate.p99_us),
            ms(at_rate.p999_us),
            verdict(ms(at_rate.p99_us) < 10.0)
        );
        println!(
            "| mix at saturation ({} connections, closed loop) while {} listing updates/s stream in | {:.0} searches/s; p50 {:.2} / p99 {:.2} / p99.9 {:.2} ms | p99 < 10 ms | {} |",
            o.connections,
            o.update_rate,
            during.per_sec,
            ms(during.p50_us),
            ms(during.p99_us),
            ms(during.p999_us),
            verdict(ms(during.p99_us) < 10.0)
        );
        println!(
            "| publish → searchable, {} listings one at a time | p50 {:.0} / p99 {:.0} ms{} | — | |",
            ix.lags_us.len(),
            ms(pct(&ix.lags_us, 0.5)),
            ms(pct(&ix.lags_us, 0.99)),
            if ix.lost > 0 { format!(" ({} never found)", ix.lost) } else { String::new() }
        );
        match ix.searchable_s {
            Some(s) => println!(
                "| indexing on the event path: {} listings published in batches of 100 | all searchable in {s:.2} s: {:.0} listings/s (the API accepted them in {:.2} s) | — | |",
                ix.burst,
                ix.burst as f64 / s.max(1e-9),
                ix.accepted_s
            ),
            None => println!(
                "| indexing on the event path: {} listings | NOT all searchable within 300 s | — | |",
                ix.burst
            ),
        }
        match &self.reindexed {
            Ok((s, _)) => println!(
                "| `sojourn search reindex` of {} listings (server stopped) | {s:.1} s: {:.0} listings/s | — | |",
                self.published,
                self.published as f64 / s.max(1e-9)
            ),
            Err(why) => println!("| `sojourn search reindex` | {why} | — | — |"),
        }
        println!(
            "| server RSS with the index open | {:.0} MiB idle after warm-up, {:.0} MiB after the mix, peak {:.0} MiB | — | |",
            self.idle_rss_mib, mix_cpu.rss_mib, self.peak_rss_mib
        );
        if let Some(s) = self.setup.seed_s {
            println!(
                "| `sojourn seed --listings {}` | {s:.0} s ({:.0} listings/s overall) | ≤ 10 min at 100,000 | {} |",
                o.listings,
                o.listings as f64 / s.max(1e-9),
                verdict(s <= 600.0 || o.listings < 100_000)
            );
        }
        println!();
        self.print_tables();
        self.checks()
    }

    fn print_setup(&self) {
        let o = &self.options;
        let dir =
            o.data_dir.as_ref().map_or_else(|| "a temporary directory".to_owned(), |d| format!("`{}`", d.display()));
        if self.setup.reused {
            println!("Data: {dir}, reused (already seeded; `--listings {}` not applied).", o.listings);
        } else {
            println!(
                "Data: {dir}, seeded in this run by `sojourn seed --listings {}` (200 users, 500 reservations) in {:.1} s:\n\n```\n{}\n```",
                o.listings,
                self.setup.seed_s.unwrap_or(0.0),
                self.setup.seed_log
            );
        }
        println!(
            "\nServer: `sojourn serve` (release, SQLite, every context), cold start {:.0} ms; index caught up with \
             catalog ({} published, {} in the index) {:.1} s after readiness, {:.1} s after spawn. Catalogue: {} \
             cities, {} kinds. Writes as {} seeded hosts.",
            self.cold_start_ms,
            self.published,
            self.indexed.map_or_else(|| "none answered".to_owned(), |n| n.to_string()),
            self.catch_up_s,
            self.ready_s,
            self.cat.cities.len(),
            self.cat.kinds.len(),
            self.hosts
        );
        println!(
            "Dates: {}. Suggest: {}.\n",
            if self.dates_filtered {
                "`checkIn`/`checkOut` are validated and filtered on"
            } else {
                "not available — the server ignores `checkIn`/`checkOut` (a malformed date is not refused), so the \
                 date class ran as its other filters"
            },
            if self.suggest.is_some() {
                "measured".to_owned()
            } else {
                format!("not available (answered {})", self.suggest_status)
            }
        );
    }

    fn print_tables(&self) {
        println!("### Throughput and latency\n\n{HEADER}");
        println!("{}", self.limit.row("limit: minimal axum JSON endpoint (in the bench process)", None));
        println!("{}", self.mix.0.row("search mix `GET /search/listings` (facets on)", Some(&self.limit)));
        println!(
            "{}",
            self.sql.0.row(
                &format!("SQL list `GET /listings?city=…&kind=…` ({} searches)", self.sql_count),
                Some(&self.limit)
            )
        );
        if let Some((s, _)) = &self.suggest {
            println!("{}", s.row("suggest `GET /search/suggest?q=<prefix>`", Some(&self.limit)));
        }
        let during =
            format!("search mix while {} updates/s stream in (ratio to the mix alone)", self.options.update_rate);
        println!("{}", self.during.0.row(&during, Some(&self.mix.0)));
        let (rate, at_rate, at_rate_classes, _) = &self.at_rate;
        let steady = format!(
            "search mix at a steady {rate:.0}/s (open loop) while {} updates/s stream in (ratio to the mix alone)",
            self.options.update_rate
        );
        println!("{}", at_rate.row(&steady, Some(&self.mix.0)));

        println!("\n### The mix by class (same run)\n");
        Self::class_table(&self.classes);
        println!("\n### The mix by class at a steady {rate:.0} searches/s while updates stream in (same run)\n");
        Self::class_table(at_rate_classes);

        println!("\n### The server process alone (CPU from /proc/PID/stat, utime + stime)\n\n{CPU_HEADER}");
        println!("{}", self.mix.1.row("search mix", self.mix.0.requests));
        println!("{}", self.sql.1.row("SQL list", self.sql.0.requests));
        if let Some((s, spent)) = &self.suggest {
            println!("{}", spent.row("suggest", s.requests));
        }
        println!(
            "{}",
            self.during.1.row("search mix + updates (both counted)", self.during.0.requests + self.updates.sent)
        );

        let u = &self.updates;
        let ix = &self.indexing;
        println!(
            "\nUpdates (`PUT /listings/{{id}}` as the host, amenities only; open loop): {} sent, {} answered 2xx; p50 {:.2} / p99 {:.2} ms.",
            u.sent,
            u.ok,
            ms(pct(&u.latencies_us, 0.5)),
            ms(pct(&u.latencies_us, 0.99))
        );
        println!(
            "Publish → searchable: the publishing request itself p50 {:.1} / p99 {:.1} ms; searched every 2 ms until found. \
             Listings the bench published: deleted afterwards ({} deletions failed).",
            ms(pct(&ix.publish_us, 0.5)),
            ms(pct(&ix.publish_us, 0.99)),
            ix.delete_failed
        );
        if let Ok((_, line)) = &self.reindexed {
            println!("`sojourn search reindex` said: {line}");
        }
        println!();
    }

    fn class_table(classes: &[ClassRow]) {
        println!(
            "| class | share | searches | p50 ms | p99 ms | p99.9 ms | found something |\n|---|---:|---:|---:|---:|---:|---:|"
        );
        for c in classes {
            let l = &c.latencies_us;
            println!(
                "| {} | {} % | {} | {:.2} | {:.2} | {:.2} | {:.0} % |",
                c.name,
                c.share,
                l.len(),
                ms(pct(l, 0.5)),
                ms(pct(l, 0.99)),
                ms(pct(l, 0.999)),
                100.0 * c.hits as f64 / l.len().max(1) as f64
            );
        }
    }

    /// Problems that make the run fail (a fast but wrong run must not pass).
    fn checks(&self) -> bool {
        let mut problems = Vec::new();
        if self.indexed != Some(self.published) {
            problems.push(format!("the index holds {:?} listings, catalog publishes {}", self.indexed, self.published));
        }
        for (name, s) in [
            ("search mix", &self.mix.0),
            ("SQL list", &self.sql.0),
            ("mix during updates", &self.during.0),
            ("steady mix during updates", &self.at_rate.1),
        ] {
            if s.errors > 0 {
                problems.push(format!("{name}: {} of {} requests failed", s.errors, s.requests));
            }
        }
        if self.indexing.lost > 0 || self.indexing.searchable_s.is_none() {
            problems.push("published listings did not all become searchable".into());
        }
        if self.updates.ok < self.updates.sent {
            problems.push(format!(
                "{} of {} updates failed ({:?}; the server's log: {})",
                self.updates.sent - self.updates.ok,
                self.updates.sent,
                self.updates.failures,
                self.server_log
            ));
        }
        for p in &problems {
            println!("**Check failed:** {p}.");
            eprintln!("bench search: check failed: {p}");
        }
        problems.is_empty()
    }
}
