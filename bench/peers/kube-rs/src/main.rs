//! The kube-rs peer of `npm run bench:peers`: publishes Events through `kube::runtime::events::Recorder`
//! the way kube-rs means it to be used, as ../CONTRACT.md describes, and prints one JSON line.

mod args;
mod report;

use args::{Args, Scenario, Shutdown};
use k8s_openapi::api::core::v1::ObjectReference;
use kube::{
    Client, Config,
    config::{KubeConfigOptions, Kubeconfig},
    runtime::events::{Event, EventType, Recorder, Reporter},
};
use report::{ErrorTally, Report};
use std::{process::ExitCode, sync::Arc, time::Duration};
use tokio::{task::JoinHandle, time::Instant};

/// The resolved `kube` crate; Cargo.toml pins it with `=`, so the two move together.
const KUBE_VERSION: &str = "5.0.0";

fn main() -> ExitCode {
    let args = match args::parse(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("kube-rs peer: {error}\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let outcome = match runtime.block_on(run(&args)) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("kube-rs peer: {error}");
            return ExitCode::from(1);
        }
    };
    // The contract's last shutdown step: drop the runtime, cancelling what the deadline cut short.
    // Bounded by what is left of --grace-ms so a stuck task cannot hold the exit.
    let grace = Duration::from_millis(args.grace_ms);
    let awaited = outcome.shutdown_started.elapsed();
    runtime.shutdown_timeout(grace.saturating_sub(awaited));
    let shutdown = outcome.shutdown_started.elapsed();
    eprintln!(
        "shutdown: tasks awaited in {:.1} ms, runtime dropped in {:.1} ms",
        awaited.as_secs_f64() * 1e3,
        (shutdown - awaited).as_secs_f64() * 1e3
    );
    let shutdown_ms = shutdown.as_secs_f64() * 1e3;

    let (cpu_seconds, peak_rss_bytes) = report::resource_usage();
    let report = Report {
        peer: "kube-rs",
        library: "kube",
        version: KUBE_VERSION,
        scenario: args.scenario.as_str(),
        publishes: args.publishes,
        started_at: outcome.started_at,
        published_at: outcome.published_at,
        max_lag_ms: outcome.max_lag_ms,
        errors_surfaced: outcome.errors.count(),
        shutdown_ms,
        shutdown_timed_out: outcome.shutdown_timed_out,
        cpu_seconds,
        peak_rss_bytes,
    };
    println!(
        "{}",
        serde_json::to_string(&report).expect("the report serializes")
    );
    ExitCode::SUCCESS
}

/// What `run` measured; the runtime drop and the resource figures are added by `main`.
struct Outcome {
    started_at: f64,
    published_at: f64,
    max_lag_ms: f64,
    errors: Arc<ErrorTally>,
    shutdown_started: Instant,
    shutdown_timed_out: bool,
}

async fn run(args: &Args) -> Result<Outcome, Box<dyn std::error::Error>> {
    // kube is built with only rustls's `ring` provider, which rustls then picks as the process default
    // by itself, so no `install_default()` is needed here.
    let kubeconfig = Kubeconfig::read_from(&args.kubeconfig)?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    let client = Client::try_from(config)?;
    let reporter = Reporter {
        controller: "bench.kube-events.dev/peer".into(),
        instance: Some("peer-kube-rs".into()),
    };
    // One Recorder for the whole run: its clones share the cache that turns repeats into a series.
    let recorder = Recorder::new(client, reporter);
    let event = Arc::new(Event {
        type_: EventType::Warning,
        reason: "ReconcileFailed".into(),
        note: Some("reconcile failed: dependency not ready".into()),
        action: "Reconcile".into(),
        secondary: None,
    });
    let errors = Arc::new(ErrorTally::default());

    let (started_at, max_lag_ms, pending) = match args.scenario {
        Scenario::Storm => {
            let started_at = report::marker("started");
            // A fleet agent's startup: its distinct Events are spawned before the storm.
            let pending = spawn_distinct(args, args.distinct_publishes, &recorder, &event, &errors);
            let max_lag_ms = storm(args, &recorder, &event, &errors).await;
            (started_at, max_lag_ms, pending)
        }
        Scenario::Distinct => {
            let started_at = report::marker("started");
            let pending = spawn_distinct(args, args.publishes, &recorder, &event, &errors);
            (started_at, 0.0, pending)
        }
    };
    let published_at = report::marker("published");

    if args.shutdown == Shutdown::Stdin {
        wait_for_stdin_eof().await;
    }

    // Graceful shutdown: the storm has nothing in flight; the distinct tasks are awaited until the deadline.
    let shutdown_started = Instant::now();
    let all_done = async {
        for task in pending {
            if let Err(error) = task.await {
                eprintln!("publish task failed: {error}");
            }
        }
    };
    let shutdown_timed_out = tokio::select! {
        () = all_done => false,
        () = deadline(Duration::from_millis(args.grace_ms)) => true,
    };

    Ok(Outcome {
        started_at,
        published_at,
        max_lag_ms,
        errors,
        shutdown_started,
        shutdown_timed_out,
    })
}

fn pod(namespace: &str, name: String) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Pod".into()),
        namespace: Some(namespace.into()),
        name: Some(name),
        ..Default::default()
    }
}

/// Publishes N times about one object on an absolute schedule, so a slow publish does not push the
/// later ones back. Returns maxLagMs.
async fn storm(args: &Args, recorder: &Recorder, event: &Event, errors: &ErrorTally) -> f64 {
    let regarding = pod(&args.namespace, args.name.clone());
    let duration_ns = u128::from(args.duration_ms) * 1_000_000;
    let start = Instant::now();
    let mut max_lag = Duration::ZERO;
    for i in 0..args.publishes {
        // u128 and one division per step: no drift from accumulated rounding.
        let offset = duration_ns * u128::from(i) / u128::from(args.publishes);
        let due = start + Duration::from_nanos(offset as u64);
        tokio::time::sleep_until(due).await;
        // Measured after the sleep, so the timer's own overshoot counts as lag too.
        max_lag = max_lag.max(Instant::now().saturating_duration_since(due));
        if let Err(error) = recorder.publish(event, &regarding).await {
            errors.record(&error);
        }
    }
    max_lag.as_secs_f64() * 1e3
}

/// Spawns `count` publishes about `NAME-0` … without waiting for any. Returns the tasks.
fn spawn_distinct(
    args: &Args,
    count: u64,
    recorder: &Recorder,
    event: &Arc<Event>,
    errors: &Arc<ErrorTally>,
) -> Vec<JoinHandle<()>> {
    (0..count)
        .map(|i| {
            let (recorder, event, errors) = (recorder.clone(), event.clone(), errors.clone());
            let regarding = pod(&args.namespace, format!("{}-{i}", args.name));
            tokio::spawn(async move {
                // Counted in the task, so failures that land while we wait for stdin are not missed.
                if let Err(error) = recorder.publish(&event, &regarding).await {
                    errors.record(&error);
                }
            })
        })
        .collect()
}

/// Resolves once `after` has passed, timed by an OS thread. tokio's timers are fired by the worker
/// threads, which here are busy with up to 1000 TLS handshakes on 2 cores: a `tokio::time::timeout`
/// of 300 ms ended after 437 ms. The thread wakes the `block_on` thread directly instead.
async fn deadline(after: Duration) {
    let (fire, fired) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let _ = fire.send(());
    });
    let _ = fired.await;
}

async fn wait_for_stdin_eof() {
    let copied = tokio::io::copy(&mut tokio::io::stdin(), &mut tokio::io::sink()).await;
    if let Err(error) = copied {
        // An unreadable stdin can never reach EOF; shutting down is the only way forward.
        eprintln!("reading stdin failed, shutting down: {error}");
    }
}
