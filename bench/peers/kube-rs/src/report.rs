//! What the peer tells the driver: `@` markers on stderr and the one JSON line on stdout.

use serde::Serialize;
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

/// How many publish errors are logged in full; the rest are only counted.
const LOGGED_ERRORS: u64 = 5;

/// The result line of ../CONTRACT.md, fields in the contract's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub peer: &'static str,
    pub library: &'static str,
    pub version: &'static str,
    pub scenario: &'static str,
    pub publishes: u64,
    pub started_at: f64,
    pub published_at: f64,
    pub max_lag_ms: f64,
    pub errors_surfaced: u64,
    pub shutdown_ms: f64,
    pub shutdown_timed_out: bool,
    pub cpu_seconds: f64,
    pub peak_rss_bytes: u64,
}

/// Wall clock as fractional Unix milliseconds, the unit of the markers and of `startedAt`/`publishedAt`.
pub fn unix_ms() -> f64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_nanos() as f64 / 1e6
}

/// Prints `@<name> <unix-ms>` and returns the time it printed.
pub fn marker(name: &str) -> f64 {
    let at = unix_ms();
    eprintln!("@{name} {at}");
    at
}

/// Counts `Err`s from `Recorder::publish`; shared by the spawned tasks of the distinct scenario.
#[derive(Default)]
pub struct ErrorTally(AtomicU64);

impl ErrorTally {
    pub fn record(&self, error: &kube::Error) {
        let seen = self.0.fetch_add(1, Ordering::Relaxed);
        if seen < LOGGED_ERRORS {
            eprintln!("publish failed: {error}");
        } else if seen == LOGGED_ERRORS {
            eprintln!("(further publish errors are only counted)");
        }
    }

    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// (user + system CPU seconds, peak RSS bytes) of the whole process so far.
pub fn resource_usage() -> (f64, u64) {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return (0.0, 0);
        }
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // Linux reports ru_maxrss in KiB.
    (
        seconds(usage.ru_utime) + seconds(usage.ru_stime),
        usage.ru_maxrss.max(0) as u64 * 1024,
    )
}
