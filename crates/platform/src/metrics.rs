//! Prometheus metrics, kept in this process's own registry (not a global recorder) so that
//! several apps in one test process each count only their own requests.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
}

impl Series {
    fn observe(&mut self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|le| seconds <= *le).unwrap_or(BUCKETS.len());
        self.count += 1;
        self.sum_seconds += seconds;
        self.buckets[bucket] += 1;
    }

    /// The `_bucket`, `_sum` and `_count` lines of histogram `name` (`labels` may be empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, le) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i];
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count);
        let braced = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braced} {}", self.sum_seconds);
        let _ = writeln!(out, "{name}_count{braced} {}", self.count);
    }
}

/// One unlabelled latency histogram, with a count of the observations that gave up.
#[derive(Default)]
pub struct Histogram {
    inner: Mutex<(Series, u64)>,
}

impl Histogram {
    /// Records one wait; `completed` is false for one that hit its limit.
    pub fn observe(&self, elapsed: Duration, completed: bool) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.0.observe(elapsed);
        inner.1 += u64::from(!completed);
    }

    /// Appends histogram `name`, and the counter `gave_up` of the observations that hit their
    /// limit when there is one, in Prometheus text format.
    pub fn render(&self, out: &mut String, name: &str, help: &str, gave_up: Option<&str>) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        inner.0.render(out, name, "");
        if let Some(gave_up) = gave_up {
            let _ = writeln!(out, "# HELP {gave_up} Waits counted in {name} that hit their limit.");
            let _ = writeln!(out, "# TYPE {gave_up} counter\n{gave_up} {}", inner.1);
        }
    }
}

/// Request counts and latencies by method, route template and status.
#[derive(Default)]
pub struct HttpMetrics {
    /// By route, then method and status: the route is looked up borrowed, so counting a
    /// request allocates nothing once its series exists.
    series: Mutex<HashMap<String, ByMethodStatus>>,
}

type ByMethodStatus = HashMap<(&'static str, u16), Series>;

/// Keeps label cardinality bounded: arbitrary methods collapse into `OTHER`.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

impl HttpMetrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let by_route = match series.get_mut(route) {
            Some(by_route) => by_route,
            None => series.entry(route.to_owned()).or_default(),
        };
        by_route.entry((method_label(method), status)).or_default().observe(elapsed);
    }

    /// Appends the request metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys: Vec<(&str, &str, u16)> = series
            .iter()
            .flat_map(|(route, by)| by.keys().map(move |(method, status)| (*method, route.as_str(), *status)))
            .collect();
        keys.sort_unstable();
        let get = |(method, route, status): &(&str, &str, u16)| {
            series.get(*route).and_then(|by| by.iter().find(|((m, s), _)| m == method && s == status)).map(|(_, s)| s)
        };
        out.push_str("# HELP sojourn_http_requests_total HTTP requests by method, route template and status.\n");
        out.push_str("# TYPE sojourn_http_requests_total counter\n");
        for key @ (method, route, status) in &keys {
            let count = get(key).map_or(0, |s| s.count);
            let _ = writeln!(
                out,
                "sojourn_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP sojourn_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE sojourn_http_request_duration_seconds histogram\n");
        for key @ (method, route, status) in &keys {
            let Some(s) = get(key) else { continue };
            let labels = format!("method=\"{method}\",route=\"{}\",status=\"{status}\"", escape(route));
            s.render(out, "sojourn_http_request_duration_seconds", &labels);
        }
    }
}

/// Escapes a label value (backslash, quote, newline).
pub fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histograms_render() {
        let m = HttpMetrics::default();
        m.observe("GET", "/api/v1/things/{id}", 200, Duration::from_millis(3));
        m.observe("GET", "/api/v1/things/{id}", 200, Duration::from_millis(30));
        m.observe("BREW", "unmatched", 405, Duration::from_secs(20));
        let mut out = String::new();
        m.render(&mut out);
        assert!(
            out.contains("sojourn_http_requests_total{method=\"GET\",route=\"/api/v1/things/{id}\",status=\"200\"} 2")
        );
        assert!(out.contains("sojourn_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"405\"} 1"));
        assert!(out.contains("route=\"/api/v1/things/{id}\",status=\"200\",le=\"0.005\"} 1"));
        assert!(out.contains("route=\"/api/v1/things/{id}\",status=\"200\",le=\"0.05\"} 2"));
        assert!(out.contains("route=\"unmatched\",status=\"405\",le=\"10\"} 0"));
        assert!(out.contains("route=\"unmatched\",status=\"405\",le=\"+Inf\"} 1"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}

/// Something a context counts that `/metrics` should show (a context's delivery counters, a
/// supplier's cache): it writes its own families, `# HELP` and `# TYPE` lines included.
pub trait MetricsSource: Send + Sync {
    fn render(&self, out: &mut String);
}

/// The context-owned metric sources of this process, rendered after the platform's own.
#[derive(Default)]
pub struct ContextMetrics {
    sources: std::sync::RwLock<Vec<std::sync::Arc<dyn MetricsSource>>>,
}

impl std::fmt::Debug for ContextMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContextMetrics")
    }
}

impl ContextMetrics {
    pub fn register(&self, source: std::sync::Arc<dyn MetricsSource>) {
        if let Ok(mut sources) = self.sources.write() {
            sources.push(source);
        }
    }

    pub fn render(&self, out: &mut String) {
        if let Ok(sources) = self.sources.read() {
            for source in sources.iter() {
                source.render(out);
            }
        }
    }
}
