//! The peer command line of ../CONTRACT.md, parsed by hand: eight flags do not need a dependency.

use std::{ffi::OsString, fmt, path::PathBuf};

pub const USAGE: &str = "usage: kube-events-bench-peer-kube-rs --kubeconfig FILE --scenario storm|distinct \
--namespace NS --name NAME [--publishes N] [--duration-ms MS] [--shutdown immediate|stdin] [--grace-ms MS] [--distinct-publishes N]";

/// Largest integer a JavaScript peer could take exactly; also keeps every `Instant + ms` far from overflow.
const MAX_INTEGER: u64 = (1 << 53) - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Storm,
    Distinct,
}

impl Scenario {
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Storm => "storm",
            Scenario::Distinct => "distinct",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    Immediate,
    Stdin,
}

#[derive(Debug)]
pub struct Args {
    pub kubeconfig: PathBuf,
    pub scenario: Scenario,
    pub namespace: String,
    pub name: String,
    pub publishes: u64,
    pub duration_ms: u64,
    pub shutdown: Shutdown,
    pub grace_ms: u64,
    /// Storm only: distinct publishes about `NAME-0` … spawned just before the storm (a fleet agent's startup).
    pub distinct_publishes: u64,
}

/// A bad command line: the caller prints it with [`USAGE`] and exits 2.
#[derive(Debug)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

#[derive(Default)]
struct Raw {
    kubeconfig: Option<String>,
    scenario: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    publishes: Option<String>,
    duration_ms: Option<String>,
    shutdown: Option<String>,
    grace_ms: Option<String>,
    distinct_publishes: Option<String>,
}

impl Raw {
    fn slot(&mut self, flag: &str) -> Option<&mut Option<String>> {
        Some(match flag {
            "--kubeconfig" => &mut self.kubeconfig,
            "--scenario" => &mut self.scenario,
            "--namespace" => &mut self.namespace,
            "--name" => &mut self.name,
            "--publishes" => &mut self.publishes,
            "--duration-ms" => &mut self.duration_ms,
            "--shutdown" => &mut self.shutdown,
            "--grace-ms" => &mut self.grace_ms,
            "--distinct-publishes" => &mut self.distinct_publishes,
            _ => return None,
        })
    }
}

/// Parses the arguments after the program name. Accepts `--flag value` and `--flag=value`.
pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Args, UsageError> {
    let mut raw = Raw::default();
    let mut argv = argv.into_iter();
    while let Some(arg) = argv.next() {
        let arg = arg
            .into_string()
            .map_err(|a| bad(format!("argument {a:?} is not UTF-8")))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let slot = raw
            .slot(&flag)
            .ok_or_else(|| bad(format!("unknown argument {flag:?}")))?;
        if slot.is_some() {
            return Err(bad(format!("{flag} given more than once")));
        }
        let value = match inline {
            Some(value) => value,
            None => argv
                .next()
                .ok_or_else(|| bad(format!("{flag} needs a value")))?
                .into_string()
                .map_err(|v| bad(format!("{flag}: value {v:?} is not UTF-8")))?,
        };
        *slot = Some(value);
    }

    let scenario = match required(raw.scenario, "--scenario")?.as_str() {
        "storm" => Scenario::Storm,
        "distinct" => Scenario::Distinct,
        other => {
            return Err(bad(format!(
                "--scenario must be storm or distinct, not {other:?}"
            )));
        }
    };
    let shutdown = match raw.shutdown.as_deref() {
        None | Some("immediate") => Shutdown::Immediate,
        Some("stdin") => Shutdown::Stdin,
        Some(other) => {
            return Err(bad(format!(
                "--shutdown must be immediate or stdin, not {other:?}"
            )));
        }
    };
    let default_publishes = match scenario {
        Scenario::Storm => 10_000,
        Scenario::Distinct => 1_000,
    };
    let publishes = integer(raw.publishes, "--publishes", default_publishes)?;
    // Zero publishes would leave the storm's spacing (duration / N) undefined.
    if publishes == 0 {
        return Err(bad("--publishes must be at least 1"));
    }
    let distinct_publishes = integer(raw.distinct_publishes, "--distinct-publishes", 0)?;
    if distinct_publishes > 0 && scenario != Scenario::Storm {
        return Err(bad("--distinct-publishes is for the storm scenario only"));
    }
    Ok(Args {
        kubeconfig: PathBuf::from(required(raw.kubeconfig, "--kubeconfig")?),
        scenario,
        namespace: required(raw.namespace, "--namespace")?,
        name: required(raw.name, "--name")?,
        publishes,
        duration_ms: integer(raw.duration_ms, "--duration-ms", 60_000)?,
        shutdown,
        grace_ms: integer(raw.grace_ms, "--grace-ms", 10_000)?,
        distinct_publishes,
    })
}

fn required(value: Option<String>, flag: &str) -> Result<String, UsageError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        Some(_) => Err(bad(format!("{flag} must not be empty"))),
        None => Err(bad(format!("{flag} is required"))),
    }
}

fn integer(value: Option<String>, flag: &str, default: u64) -> Result<u64, UsageError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.parse::<u64>() {
        // `parse` takes a leading '+'; a plain decimal is what the other peers accept.
        Ok(n) if n <= MAX_INTEGER && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(bad(format!(
            "{flag} must be an integer from 0 to {MAX_INTEGER}, not {text:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Args, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    const BASE: [&str; 8] = [
        "--kubeconfig",
        "kc",
        "--scenario",
        "distinct",
        "--namespace",
        "ns",
        "--name",
        "web",
    ];

    #[test]
    fn defaults_follow_the_scenario() {
        let args = parse_strs(&BASE).unwrap();
        assert_eq!(
            (args.publishes, args.duration_ms, args.grace_ms),
            (1_000, 60_000, 10_000)
        );
        assert_eq!(args.shutdown, Shutdown::Immediate);
        let storm = parse_strs(&[
            "--scenario=storm",
            "--kubeconfig=kc",
            "--namespace=ns",
            "--name=w",
        ])
        .unwrap();
        assert_eq!((storm.publishes, storm.distinct_publishes), (10_000, 0));
    }

    #[test]
    fn rejects_bad_input() {
        for extra in [
            &["--bogus", "1"][..],
            &["--publishes", "0"],
            &["--publishes", "-3"],
            &["--publishes", "+3"],
            &["--grace-ms", "1.5"],
            &["--shutdown", "later"],
            &["--name", "again"],
            &["--duration-ms"],
            // BASE is the distinct scenario: the extra distinct publishes are the storm's.
            &["--distinct-publishes", "5"],
        ] {
            let argv: Vec<&str> = BASE.iter().chain(extra).copied().collect();
            assert!(parse_strs(&argv).is_err(), "{extra:?} was accepted");
        }
        assert!(
            parse_strs(&BASE[2..]).is_err(),
            "missing --kubeconfig was accepted"
        );
    }
}
