//! Benchmarks that always measure a peer in the same run, so every figure comes with a ratio.
//!
//! - `cargo bench --bench peers`: in-process figures. The engine's whole check against the embedded loopback IdP
//!   next to a bare reqwest POST to the same endpoint; building the engine's HTTP client next to a plain reqwest
//!   client; cty msgpack/JSON decoding of a realistic data source config and encoding of a full state next to
//!   serde_json doing the same amount of work on the same content.
//! - `peers compare ...`: the process-level comparisons `scripts/bench` runs (exec to handshake line, `terraform
//!   plan`, `authcheck check` vs curl, fifty data sources vs one, peak RSS and binary sizes). Run
//!   `scripts/bench`, not this, unless you know which binaries to pass.
//! - no arguments (what `cargo test --all-targets` does): every in-process measurement once, as a smoke test.
//!
//! Figures are printed, never asserted: timing assertions fail on busy machines and teach nothing.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authcheck::check::{self, Inputs};
use authcheck::demo::idp::{Client, Idp, IdpConfig};
use authcheck::plugin::cty::{self, CtyType, Number, Value};
use authcheck::plugin::schema;
use authcheck::surface::Input;

const CLIENT_ID: &str = "bench";
const SECRET: &str = "bench-secret-5f2a9c0d";
const SECRET_ENV: &str = "AUTHCHECK_BENCH_SECRET";
/// Terraform's go-plugin magic cookie (the same for every provider).
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// Set by `compare` on the provider wrappers it installs: the real provider binary to run and measure.
const RSS_REAL_ENV: &str = "AUTHCHECK_BENCH_RSS_REAL";
/// Where the wrapper appends what it measured: peak RSS (KiB) and CPU time (user + system, µs), one line per
/// provider process.
const RSS_OUT_ENV: &str = "AUTHCHECK_BENCH_RSS_OUT";

fn main() {
    if let Some(real) = std::env::var_os(RSS_REAL_ENV) {
        std::process::exit(rss_wrapper(real));
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("compare") => std::process::exit(compare(&args[1..])),
        _ => {
            // `cargo bench` passes --bench; `cargo test --all-targets` passes nothing.
            let full = args.iter().any(|a| a == "--bench");
            in_process(full);
        }
    }
}

// ------------------------------------------------------------------------------------------------ statistics --

#[derive(Clone, Copy)]
struct Stats {
    min: f64,
    median: f64,
    max: f64,
    n: usize,
}

impl Stats {
    fn of(samples: &[f64]) -> Option<Stats> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        };
        Some(Stats {
            min: s[0],
            median,
            max: s[n - 1],
            n,
        })
    }

    fn show(&self) -> String {
        format!(
            "{} / {} / {}",
            secs(self.min),
            secs(self.median),
            secs(self.max)
        )
    }
}

fn secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.2} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// Median ratio, and the ratio of the minima (the least noisy comparison on a busy machine).
fn ratio(subject: &Stats, peer: &Stats) -> String {
    let x = |r: f64| {
        if r >= 0.1 {
            format!("{r:.2}x")
        } else {
            format!("{r:.1e}x")
        }
    };
    format!(
        "{} (min {})",
        x(subject.median / peer.median),
        x(subject.min / peer.min)
    )
}

// ------------------------------------------------------------------------------------------------ in-process --

fn in_process(full: bool) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let runs = if full { 300 } else { 1 };
    let batch = if full { 200 } else { 1 };
    println!(
        "peers: in-process, {} (tokio multi-thread, 2 workers, like the provider)",
        if full {
            format!("{runs} samples per row, subject and peer interleaved; min / median / max")
        } else {
            "smoke run (one iteration each; `cargo bench --bench peers` for figures)".to_string()
        }
    );
    let idp = runtime
        .block_on(Idp::start(IdpConfig::new(vec![Client::new(
            CLIENT_ID, SECRET,
        )])))
        .expect("start the loopback IdP");
    let url = idp.token_url();

    // The engine's whole check vs a bare POST with a client built for the request (what a one-shot process does)
    // and with one client reused (the floor: HTTP on loopback and the IdP itself).
    let before = idp.requests();
    assert!(
        runtime.block_on(engine_check(&url, true)),
        "engine check failed"
    );
    let per_check = idp.requests() - before;
    let shared = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client");
    assert!(
        runtime.block_on(bare_post(&shared, &url)),
        "bare POST failed"
    );
    let (engine, fresh, reused) = runtime.block_on(async {
        let (mut e, mut f, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..runs {
            // Alternate the order so neither side always runs on a warmer machine.
            let order: [u8; 3] = if i % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
            for which in order {
                let started = Instant::now();
                let ok = match which {
                    0 => engine_check(&url, true).await,
                    1 => {
                        let client = reqwest::Client::builder()
                            .no_proxy()
                            .build()
                            .expect("client");
                        bare_post(&client, &url).await
                    }
                    _ => bare_post(&shared, &url).await,
                };
                let took = started.elapsed().as_secs_f64();
                assert!(ok, "a request failed during the measurement");
                [&mut e, &mut f, &mut r][which as usize].push(took);
            }
        }
        (e, f, r)
    });
    let engine = Stats::of(&engine).expect("samples");
    let fresh = Stats::of(&fresh).expect("samples");
    let reused = Stats::of(&reused).expect("samples");
    println!();
    println!("| measurement | min / median / max | ratio to peer (median) |");
    println!("|---|---|---|");
    println!(
        "| engine `check::run_fresh` against the loopback IdP ({per_check} token request per check) | {} | |",
        engine.show()
    );
    println!(
        "| peer: bare reqwest POST, client built per request | {} | engine/peer {} |",
        fresh.show(),
        ratio(&engine, &fresh)
    );
    println!(
        "| peer: bare reqwest POST, one client reused | {} | engine/peer {} |",
        reused.show(),
        ratio(&engine, &reused)
    );

    // An identical check already made in this process: `check::run` shares its report (no request).
    let before = idp.requests();
    let shared_check = runtime.block_on(async {
        assert!(engine_check(&url, false).await, "shared check failed");
        let mut samples = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            assert!(engine_check(&url, false).await);
            samples.push(started.elapsed().as_secs_f64());
        }
        samples
    });
    let shared_requests = idp.requests() - before;
    let shared_check = Stats::of(&shared_check).expect("samples");
    println!(
        "| engine `check::run`, an identical check already made in this process ({shared_requests} token request for {} checks) | {} | engine/fresh {} |",
        runs + 1,
        shared_check.show(),
        ratio(&shared_check, &engine)
    );

    // Building the HTTP client: the engine's (rustls, roots, no redirects, timeouts) vs reqwest's default.
    let (ours, plain) = pair(
        runs,
        batch.min(20),
        || {
            check::internals::http::client(None, Duration::from_secs(30), true)
                .expect("engine client");
        },
        || {
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("reqwest client");
        },
    );
    println!("| engine `http::client` construction | {} | |", ours.show());
    println!(
        "| peer: `reqwest::Client::builder().no_proxy().build()` | {} | engine/peer {} |",
        plain.show(),
        ratio(&ours, &plain)
    );
    drop(idp);

    // cty: what ReadDataSource decodes (the config) and encodes (the state).
    let attrs = schema::data_source_attrs();
    let ty = schema::object_type(&attrs);
    let config = realistic_config(&ty);
    let config_msgpack = cty::encode_msgpack(&config, &ty).expect("encode config");
    let config_json = serde_json::to_vec(&to_json(&config)).expect("config JSON");
    let state = filled(&ty, "state");
    let state_json = to_json(&state);
    assert!(cty::decode_msgpack(&config_msgpack, &ty).is_ok());
    assert!(cty::decode_json(&config_json, &ty).is_ok());
    let (cty_mp, serde_mp) = pair(
        runs,
        batch,
        || {
            std::hint::black_box(cty::decode_msgpack(
                std::hint::black_box(&config_msgpack),
                &ty,
            ))
            .expect("decode");
        },
        || {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(
                std::hint::black_box(&config_json),
            ))
            .expect("parse");
        },
    );
    let (cty_js, serde_js) = pair(
        runs,
        batch,
        || {
            std::hint::black_box(cty::decode_json(std::hint::black_box(&config_json), &ty))
                .expect("decode");
        },
        || {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(
                std::hint::black_box(&config_json),
            ))
            .expect("parse");
        },
    );
    let (cty_enc, serde_enc) = pair(
        runs,
        batch,
        || {
            std::hint::black_box(cty::encode_msgpack(std::hint::black_box(&state), &ty))
                .expect("encode");
        },
        || {
            std::hint::black_box(serde_json::to_vec(std::hint::black_box(&state_json)))
                .expect("serialise");
        },
    );
    println!(
        "| cty `decode_msgpack` of a data source config ({} attributes, {} bytes) | {} | |",
        attrs.len(),
        config_msgpack.len(),
        cty_mp.show()
    );
    println!(
        "| peer: `serde_json::from_slice::<Value>` of the same config as JSON ({} bytes) | {} | cty/peer {} |",
        config_json.len(),
        serde_mp.show(),
        ratio(&cty_mp, &serde_mp)
    );
    println!(
        "| cty `decode_json` of the same config | {} | cty/peer {} |",
        cty_js.show(),
        ratio(&cty_js, &serde_js)
    );
    println!(
        "| cty `encode_msgpack` of a full state (every attribute set) | {} | |",
        cty_enc.show()
    );
    println!(
        "| peer: `serde_json::to_vec` of the same state | {} | cty/peer {} |",
        serde_enc.show(),
        ratio(&cty_enc, &serde_enc)
    );
}

/// Measures two synchronous operations interleaved; each sample is the mean over `batch` calls.
fn pair(
    runs: usize,
    batch: usize,
    mut subject: impl FnMut(),
    mut peer: impl FnMut(),
) -> (Stats, Stats) {
    subject();
    peer();
    let (mut a, mut b) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for i in 0..runs {
        let one = |f: &mut dyn FnMut(), into: &mut Vec<f64>| {
            let started = Instant::now();
            for _ in 0..batch {
                f();
            }
            into.push(started.elapsed().as_secs_f64() / batch as f64);
        };
        if i % 2 == 0 {
            one(&mut subject, &mut a);
            one(&mut peer, &mut b);
        } else {
            one(&mut peer, &mut b);
            one(&mut subject, &mut a);
        }
    }
    (
        Stats::of(&a).expect("samples"),
        Stats::of(&b).expect("samples"),
    )
}

/// One engine check; `fresh` bypasses the per-process sharing of identical checks (`check::run_fresh`), so
/// every call makes its own token request.
async fn engine_check(url: &str, fresh: bool) -> bool {
    let inputs = Inputs::new()
        .with_text(Input::TokenUrl, url)
        .with_text(Input::ClientId, CLIENT_ID)
        .with_text(Input::ClientSecretEnv, SECRET_ENV);
    let env = |name: &str| (name == SECRET_ENV).then(|| SECRET.to_string());
    let Ok(request) = inputs.resolve(&env) else {
        return false;
    };
    let (_stop, cancel) = tokio::sync::watch::channel(false);
    if fresh {
        check::run_fresh(request, cancel).await.valid
    } else {
        check::run(request, cancel).await.valid
    }
}

async fn bare_post(client: &reqwest::Client, url: &str) -> bool {
    let sent = client
        .post(url)
        .basic_auth(CLIENT_ID, Some(SECRET))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body("grant_type=client_credentials")
        .send()
        .await;
    match sent {
        Ok(answer) => {
            let ok = answer.status().is_success();
            answer.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

/// The config Terraform sends for a typical data source block: a few inputs set, everything else null.
fn realistic_config(ty: &CtyType) -> Value {
    let CtyType::Object(attrs) = ty else {
        panic!("data source type is not an object");
    };
    let set: [(&str, Value); 6] = [
        (
            "token_url",
            Value::String("https://login.example.com/oauth2/v1/token".into()),
        ),
        ("client_id", Value::String("ci-deployer-0a1b2c3d".into())),
        (
            "client_secret_env",
            Value::String("PIPELINE_CLIENT_SECRET".into()),
        ),
        (
            "scopes",
            Value::List(vec![
                Value::String("deploy".into()),
                Value::String("read".into()),
            ]),
        ),
        (
            "required_scopes",
            Value::List(vec![Value::String("deploy".into())]),
        ),
        ("timeout_seconds", Value::Number(Number::Int(20))),
    ];
    let mut object: BTreeMap<String, Value> =
        attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
    for (name, value) in set {
        if let Some(t) = attrs.get(name) {
            let fits = matches!(
                (t, &value),
                (CtyType::String, Value::String(_))
                    | (CtyType::Number, Value::Number(_))
                    | (CtyType::List(_), Value::List(_))
            );
            if fits {
                object.insert(name.to_string(), value);
            }
        }
    }
    Value::Object(object)
}

/// A value of type `ty` with every attribute and element present, as a state after a successful read.
fn filled(ty: &CtyType, name: &str) -> Value {
    match ty {
        CtyType::String => {
            Value::String(format!("{name}: a value of typical length for a summary"))
        }
        CtyType::Number => Value::Number(Number::Int(3600)),
        CtyType::Bool => Value::Bool(true),
        CtyType::Dynamic => Value::Null,
        CtyType::List(t) => {
            Value::List((0..3).map(|i| filled(t, &format!("{name}[{i}]"))).collect())
        }
        CtyType::Set(t) => Value::Set((0..3).map(|i| filled(t, &format!("{name}[{i}]"))).collect()),
        CtyType::Map(t) => Value::Map(
            ["a", "b"]
                .iter()
                .map(|k| (k.to_string(), filled(t, k)))
                .collect(),
        ),
        CtyType::Object(attrs) => Value::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), filled(t, k)))
                .collect(),
        ),
        CtyType::Tuple(ts) => Value::Tuple(
            ts.iter()
                .enumerate()
                .map(|(i, t)| filled(t, &format!("{name}.{i}")))
                .collect(),
        ),
    }
}

/// The same content as plain JSON, for the serde_json peer.
fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null | Value::Unknown => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(Number::Int(i)) => J::from(*i),
        Value::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
        }
        Value::Number(Number::Decimal(d)) => J::String(d.clone()),
        Value::String(s) => J::String(s.clone()),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            J::Array(items.iter().map(to_json).collect())
        }
        Value::Map(entries) | Value::Object(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

// ------------------------------------------------------------------------------------------- the RSS wrapper --

/// Runs the real provider as a child with the same arguments, environment and standard streams (so Terraform
/// talks to it directly), waits for it and appends its peak resident set size (KiB) and CPU time (µs) to the file
/// named in `AUTHCHECK_BENCH_RSS_OUT`. Exits as the child did.
fn rss_wrapper(real: OsString) -> i32 {
    let out = std::env::var_os(RSS_OUT_ENV);
    let child = Command::new(&real)
        .args(std::env::args_os().skip(1))
        .env_remove(RSS_REAL_ENV)
        .env_remove(RSS_OUT_ENV)
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(err) => {
            eprintln!(
                "bench rss wrapper: cannot start {}: {err}",
                Path::new(&real).display()
            );
            return 1;
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for the child we just started.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own child; status and usage point at live locals.
        let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if got == pid {
            break;
        }
        if got < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return 1;
        }
    }
    if let Some(out) = out
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
    {
        let cpu_us = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
        let _ = writeln!(
            file,
            "{} {}",
            usage.ru_maxrss,
            cpu_us(usage.ru_utime) + cpu_us(usage.ru_stime)
        );
    }
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    }
}

/// Waits for our child `pid` and returns its wait status and resource usage (children it reaped included).
fn wait_with_usage(pid: u32) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is a child of this process; status and usage point at live locals.
        let got = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if got == pid as libc::pid_t {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

/// "CPU x vs y" for the row text: medians of CPU seconds.
fn cpu_note(subject: &[f64], peer: &[f64]) -> String {
    match (Stats::of(subject), Stats::of(peer)) {
        (Some(a), Some(b)) => format!(
            "CPU (Terraform and providers) median {} vs {}",
            secs(a.median),
            secs(b.median)
        ),
        _ => String::new(),
    }
}

// --------------------------------------------------------------------------------------------------- compare --

struct Opts {
    provider: PathBuf,
    cli: PathBuf,
    go_null: PathBuf,
    terraforms: Vec<PathBuf>,
    curl: String,
    runs: usize,
    plan_runs: usize,
    work: PathBuf,
    deadline: Instant,
    /// The rows to measure, by letter (`--only d`); all of them by default.
    only: String,
}

impl Opts {
    /// Whether row `id` (a letter) is to be measured.
    fn wants(&self, id: char) -> bool {
        self.only.contains(id)
    }
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut provider = None;
    let mut cli = None;
    let mut go_null = None;
    let mut terraforms = Vec::new();
    let mut curl = "curl".to_string();
    let mut runs = 40;
    let mut plan_runs = 10;
    let mut work = None;
    let mut budget = 900u64;
    let mut only = "abcde".to_string();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--provider" => provider = Some(PathBuf::from(value()?)),
            "--cli" => cli = Some(PathBuf::from(value()?)),
            "--go-null" => go_null = Some(PathBuf::from(value()?)),
            "--terraform" => terraforms.push(PathBuf::from(value()?)),
            "--curl" => curl = value()?,
            "--runs" => runs = value()?.parse().map_err(|_| "--runs: a number")?,
            "--plan-runs" => plan_runs = value()?.parse().map_err(|_| "--plan-runs: a number")?,
            "--work" => work = Some(PathBuf::from(value()?)),
            "--budget" => budget = value()?.parse().map_err(|_| "--budget: seconds")?,
            "--only" => {
                only = value()?;
                if only.is_empty() || !only.chars().all(|c| "abcde".contains(c)) {
                    return Err("--only: row letters from abcde, such as d or bd".into());
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let need = |p: Option<PathBuf>, what: &str| p.ok_or_else(|| format!("{what} is required"));
    Ok(Opts {
        provider: need(provider, "--provider")?,
        cli: need(cli, "--cli")?,
        go_null: need(go_null, "--go-null")?,
        terraforms,
        curl,
        runs: runs.max(1),
        plan_runs: plan_runs.max(1),
        work: need(work, "--work")?,
        deadline: Instant::now() + Duration::from_secs(budget),
        only,
    })
}

/// Kills the process group of whatever runs now if it overstays; one thread for the whole run.
#[derive(Clone)]
struct Watchdog(Arc<Mutex<Option<(i32, Instant)>>>);

impl Watchdog {
    fn start() -> Watchdog {
        let slot: Arc<Mutex<Option<(i32, Instant)>>> = Arc::new(Mutex::new(None));
        let watched = slot.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(50));
                let mut guard = watched.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((pgid, limit)) = *guard
                    && Instant::now() > limit
                {
                    // SAFETY: signalling a process group we created.
                    unsafe {
                        libc::kill(-pgid, libc::SIGKILL);
                    }
                    *guard = None;
                }
            }
        });
        Watchdog(slot)
    }

    fn watch(&self, pid: u32, limit: Duration) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((pid as i32, Instant::now() + limit));
    }

    fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// One timed run of a measurement: its wall time in seconds, or why it failed.
type Measure<'a> = dyn FnMut(&Bench) -> Result<f64, String> + 'a;

/// One row of the results table.
struct Row {
    id: &'static str,
    what: String,
    subject: Option<Stats>,
    peer_name: String,
    peer: Option<Stats>,
    target: String,
    verdict: String,
}

struct Bench {
    opts: Opts,
    dog: Watchdog,
    rows: Vec<Row>,
    notes: Vec<String>,
    tmp: PathBuf,
    last_cpu: std::cell::Cell<f64>,
}

impl Bench {
    fn out_of_time(&self) -> bool {
        Instant::now() > self.opts.deadline
    }

    /// Runs a command to completion with its output discarded; returns the wall time, or why it failed.
    fn timed(&self, mut cmd: Command, limit: Duration) -> Result<f64, String> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let started = Instant::now();
        let child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        self.dog.watch(child.id(), limit);
        let waited = wait_with_usage(child.id());
        let took = started.elapsed().as_secs_f64();
        self.dog.clear();
        let (status, usage) = waited.map_err(|e| format!("wait: {e}"))?;
        // Includes the CPU time of the children it waited for (Terraform's providers).
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        self.last_cpu.set(tv(usage.ru_utime) + tv(usage.ru_stime));
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            Ok(took)
        } else {
            Err(format!("exited with wait status {status}"))
        }
    }

    /// [`Bench::timed`], also recording the CPU time (user + system, children included) in `cpu`.
    fn timed_cpu(&self, cmd: Command, limit: Duration, cpu: &mut Vec<f64>) -> Result<f64, String> {
        let took = self.timed(cmd, limit)?;
        cpu.push(self.last_cpu.get());
        Ok(took)
    }

    /// Runs a command with its output captured (for checking a warm-up run).
    fn captured(&self, mut cmd: Command, limit: Duration) -> Result<(ExitStatus, String), String> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        self.dog.watch(child.id(), limit);
        let out = child.wait_with_output();
        self.dog.clear();
        let out = out.map_err(|e| format!("wait: {e}"))?;
        Ok((
            out.status,
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ))
    }

    /// Time from spawn to the first complete line on stdout; the plugin is killed afterwards.
    fn handshake(&self, bin: &Path, client_cert: Option<&str>) -> Result<(f64, String), String> {
        let mut cmd = Command::new(bin);
        cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("TMPDIR", &self.tmp)
            .env_remove("TF_LOG")
            .env_remove("PLUGIN_CLIENT_CERT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0);
        if let Some(pem) = client_cert {
            cmd.env("PLUGIN_CLIENT_CERT", pem);
        }
        let started = Instant::now();
        let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        self.dog.watch(child.id(), Duration::from_secs(10));
        let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        let took = started.elapsed().as_secs_f64();
        let _ = child.kill();
        let _ = child.wait();
        self.dog.clear();
        match read {
            Ok(n) if n > 0 && line.ends_with('\n') => Ok((took, line)),
            Ok(_) => Err("no handshake line".to_string()),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Interleaved runs of two measurements; stops early (with fewer samples) when the time budget runs out.
    fn interleave(
        &mut self,
        runs: usize,
        mut a: impl FnMut(&Bench) -> Result<f64, String>,
        mut b: impl FnMut(&Bench) -> Result<f64, String>,
    ) -> Result<(Stats, Stats), String> {
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for i in 0..runs {
            if self.out_of_time() && !xs.is_empty() {
                self.notes.push(format!(
                    "time budget reached: a row has {i} samples, not {runs}"
                ));
                break;
            }
            if i % 2 == 0 {
                xs.push(a(self)?);
                ys.push(b(self)?);
            } else {
                ys.push(b(self)?);
                xs.push(a(self)?);
            }
        }
        Ok((
            Stats::of(&xs).ok_or("no samples")?,
            Stats::of(&ys).ok_or("no samples")?,
        ))
    }

    /// Interleaved runs of several measurements, the order rotated every round so that none always runs first
    /// (right after another's plan, or on a cooler cache); stops early when the time budget runs out.
    fn interleave_n(
        &mut self,
        runs: usize,
        subjects: &mut [&mut Measure<'_>],
    ) -> Result<Vec<Stats>, String> {
        let n = subjects.len();
        let mut samples = vec![Vec::new(); n];
        for i in 0..runs {
            if self.out_of_time() && !samples.iter().any(Vec::is_empty) {
                self.notes.push(format!(
                    "time budget reached: a row has {i} samples, not {runs}"
                ));
                break;
            }
            for k in 0..n {
                let j = (i + k) % n;
                samples[j].push(subjects[j](self)?);
            }
        }
        samples
            .iter()
            .map(|s| Stats::of(s).ok_or_else(|| "no samples".to_string()))
            .collect()
    }

    // One argument per table column reads better at the call sites than a struct literal would.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        id: &'static str,
        what: impl Into<String>,
        subject: Option<Stats>,
        peer_name: impl Into<String>,
        peer: Option<Stats>,
        target: impl Into<String>,
        verdict: impl Into<String>,
    ) {
        self.rows.push(Row {
            id,
            what: what.into(),
            subject,
            peer_name: peer_name.into(),
            peer,
            target: target.into(),
            verdict: verdict.into(),
        });
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// A client certificate like the one Terraform hands its plugins (self-signed P-521 CA), for AutoMTLS runs.
fn terraform_like_client_cert() -> String {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("cert params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    params.self_signed(&key).expect("self-signed").pem()
}

fn terraform_version(tf: &Path) -> String {
    Command::new(tf)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .stdin(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim_start_matches("Terraform ").to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// A Terraform working directory with a CLI config whose dev_overrides point at `overrides`.
fn workspace(root: &Path, name: &str, overrides: &Path, main_tf: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("workspace dir");
    let o = overrides.display();
    std::fs::write(
        dir.join("dev.tfrc"),
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/authcheck/authcheck\" = \"{o}\"\n    \"registry.terraform.io/hashicorp/null\" = \"{o}\"\n  }}\n  direct {{}}\n}}\n"
        ),
    )
    .expect("dev.tfrc");
    std::fs::write(dir.join("main.tf"), main_tf).expect("main.tf");
    dir
}

fn link(target: &Path, link: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

fn authcheck_tf(url: &str, count: usize) -> String {
    let (count_line, valid) = if count == 1 {
        (
            String::new(),
            "data.authcheck_client_credentials.bench.valid".to_string(),
        )
    } else {
        (
            format!("  count             = {count}\n"),
            "alltrue(data.authcheck_client_credentials.bench[*].valid)".to_string(),
        )
    };
    format!(
        "terraform {{\n  required_providers {{\n    authcheck = {{ source = \"authcheck/authcheck\" }}\n  }}\n}}\n\n\
         data \"authcheck_client_credentials\" \"bench\" {{\n{count_line}  token_url         = \"{url}\"\n  \
         client_id         = \"{CLIENT_ID}\"\n  client_secret_env = \"{SECRET_ENV}\"\n}}\n\n\
         output \"valid\" {{\n  value = {valid}\n}}\n"
    )
}

fn null_tf(count: usize) -> String {
    let (count_line, valid) = if count == 1 {
        (
            String::new(),
            "data.null_data_source.bench.outputs[\"a\"] == \"b\"".to_string(),
        )
    } else {
        (
            format!("  count = {count}\n"),
            "alltrue([for d in data.null_data_source.bench : d.outputs[\"a\"] == \"b\"])"
                .to_string(),
        )
    };
    format!(
        "terraform {{\n  required_providers {{\n    null = {{ source = \"hashicorp/null\" }}\n  }}\n}}\n\n\
         data \"null_data_source\" \"bench\" {{\n{count_line}  inputs = {{\n    a = \"b\"\n  }}\n}}\n\n\
         output \"valid\" {{\n  value = {valid}\n}}\n"
    )
}

fn compare(args: &[String]) -> i32 {
    let opts = match parse_opts(args) {
        Ok(opts) => opts,
        Err(err) => {
            eprintln!("peers compare: {err}");
            return 2;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut config = IdpConfig::new(vec![Client::new(CLIENT_ID, SECRET)]);
    config.max_lifetime = opts
        .deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(60))
        + Duration::from_secs(120);
    let idp = runtime
        .block_on(Idp::start(config))
        .expect("start the loopback IdP");
    let url = idp.token_url();
    let tmp = opts.work.join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let mut bench = Bench {
        opts,
        dog: Watchdog::start(),
        rows: Vec::new(),
        notes: Vec::new(),
        tmp,
        last_cpu: std::cell::Cell::new(0.0),
    };
    let runs = bench.opts.runs;
    let plan_runs = bench.opts.plan_runs;
    let provider = bench.opts.provider.clone();
    let go_null = bench.opts.go_null.clone();

    // (a) exec to handshake line, plain and with AutoMTLS (PLUGIN_CLIENT_CERT set, as Terraform does).
    if bench.opts.wants('a') {
        let cert = terraform_like_client_cert();
        for (label, client_cert) in [
            ("no TLS", None),
            ("AutoMTLS, as Terraform runs it", Some(cert.as_str())),
        ] {
            let lines = (
                bench.handshake(&provider, client_cert),
                bench.handshake(&go_null, client_cert),
            );
            let (ours, theirs) = match lines {
                (Ok((_, ours)), Ok((_, theirs))) => (ours, theirs),
                (a, g) => {
                    bench.notes.push(format!(
                    "(a) {label}: a plugin gave no handshake line: authcheck {:?}, Go null {:?}",
                    a.err(),
                    g.err()
                ));
                    continue;
                }
            };
            let tls_of = |line: &str| {
                if line
                    .trim_end()
                    .split('|')
                    .nth(5)
                    .is_some_and(|c| c.len() > 50 && !c.starts_with('{'))
                {
                    "TLS"
                } else {
                    "plaintext"
                }
            };
            let measured = bench.interleave(
                runs,
                |b| b.handshake(&provider, client_cert).map(|x| x.0),
                |b| b.handshake(&go_null, client_cert).map(|x| x.0),
            );
            match measured {
                Ok((a, g)) => {
                    let fraction = a.median / g.median;
                    bench.row(
                        "a",
                        format!(
                            "exec → handshake line, {label} (authcheck answers {})",
                            tls_of(&ours)
                        ),
                        Some(a),
                        format!("Go null v2.1.2 ({})", tls_of(&theirs)),
                        Some(g),
                        "≤ 0.25x",
                        format!("{} {}", verdict(fraction <= 0.25), ratio(&a, &g)),
                    );
                }
                Err(e) => bench.notes.push(format!("(a) {label}: {e}")),
            }
        }
    }

    // Provider directories for dev_overrides: the real binaries, and the RSS wrappers.
    let work = bench.opts.work.clone();
    let ovr = work.join("overrides");
    let ovr_rss = work.join("overrides-rss");
    std::fs::create_dir_all(&ovr).expect("overrides dir");
    std::fs::create_dir_all(&ovr_rss).expect("overrides-rss dir");
    link(&provider, &ovr.join("terraform-provider-authcheck"));
    link(&go_null, &ovr.join("terraform-provider-null"));
    let me = std::env::current_exe().expect("current exe");
    link(&me, &ovr_rss.join("terraform-provider-authcheck"));
    link(&me, &ovr_rss.join("terraform-provider-null"));

    let tf_env = |cmd: &mut Command, ws: &Path, tmp: &Path| {
        cmd.current_dir(ws)
            .env("TF_CLI_CONFIG_FILE", ws.join("dev.tfrc"))
            .env("TF_DATA_DIR", ws.join(".terraform"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TMPDIR", tmp)
            .env(SECRET_ENV, SECRET)
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("AUTHCHECK_TOKEN_URL")
            .env_remove("AUTHCHECK_CLIENT_ID")
            .env_remove("AUTHCHECK_CLIENT_SECRET");
    };
    let plan_limit = Duration::from_secs(120);

    // Rows b, d and e (RSS) plan with each Terraform; none of them wanted, no Terraform runs.
    let plan_rows = ['b', 'd', 'e'].iter().any(|&id| bench.opts.wants(id));
    for tf in bench
        .opts
        .terraforms
        .clone()
        .into_iter()
        .filter(|_| plan_rows)
    {
        let version = terraform_version(&tf);
        let tag = version.replace(['.', ' '], "_");
        let one = workspace(&work, &format!("one-{tag}"), &ovr, &authcheck_tf(&url, 1));
        let fifty = workspace(
            &work,
            &format!("fifty-{tag}"),
            &ovr,
            &authcheck_tf(&url, 50),
        );
        let null = workspace(&work, &format!("null-{tag}"), &ovr, &null_tf(1));
        let null50 = workspace(&work, &format!("null50-{tag}"), &ovr, &null_tf(50));
        let tmp = bench.tmp.clone();
        let plan = |ws: &Path, extra: &[&str]| {
            let mut cmd = Command::new(&tf);
            cmd.args(["plan", "-input=false", "-no-color"]).args(extra);
            tf_env(&mut cmd, ws, &tmp);
            cmd
        };

        // Warm-up plans double as checks that each configuration works.
        let mut healthy = true;
        for (ws, name) in [
            (&one, "authcheck, one data source"),
            (&fifty, "authcheck, fifty data sources"),
            (&null, "null_data_source"),
            (&null50, "fifty null_data_source"),
        ] {
            match bench.captured(plan(ws, &[]), plan_limit) {
                Ok((status, text)) if status.success() && text.contains("valid = true") => {}
                Ok((status, text)) => {
                    healthy = false;
                    bench.notes.push(format!(
                        "terraform {version}: warm-up plan ({name}) {status}:\n{text}"
                    ));
                }
                Err(e) => {
                    healthy = false;
                    bench
                        .notes
                        .push(format!("terraform {version}: warm-up plan ({name}): {e}"));
                }
            }
        }
        if !healthy {
            continue;
        }

        // (b) one authcheck data source (a real exchange with the IdP) vs one null_data_source.
        if bench.opts.wants('b') {
            let before = idp.requests();
            let (mut cpu_a, mut cpu_b) = (Vec::new(), Vec::new());
            let measured = bench.interleave(
                plan_runs,
                |b| b.timed_cpu(plan(&one, &[]), plan_limit, &mut cpu_a),
                |b| b.timed_cpu(plan(&null, &[]), plan_limit, &mut cpu_b),
            );
            let made = idp.requests() - before;
            match measured {
            Ok((a, n)) => bench.row(
                "b",
                format!(
                    "`terraform plan`, one data source, terraform {version} ({} token requests in {} plans; {})",
                    made,
                    a.n,
                    cpu_note(&cpu_a, &cpu_b)
                ),
                Some(a),
                "same plan, one `null_data_source`, Go null v2.1.2",
                Some(n),
                "≤ 1.0x",
                format!("{} {}", verdict(a.median <= n.median), ratio(&a, &n)),
            ),
            Err(e) => bench.notes.push(format!("(b) terraform {version}: {e}")),
        }
        }

        // (d) fifty identical data sources vs one, and the same with the Go provider, all four plans in the same
        // rounds: on a shared machine only ratios taken in the same minutes compare. Null's own fifty-vs-one is
        // what Terraform costs per instance with a provider that does almost nothing.
        if bench.opts.wants('d') {
            let mut counts = Vec::new();
            let (mut cpu_f, mut cpu_o, mut cpu_nf, mut cpu_no) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let idp_ref = &idp;
            let measured = {
                let mut fifty_plan = |b: &Bench| {
                    let before = idp_ref.requests();
                    let t = b.timed_cpu(plan(&fifty, &[]), plan_limit, &mut cpu_f);
                    counts.push(idp_ref.requests() - before);
                    t
                };
                let mut one_plan = |b: &Bench| b.timed_cpu(plan(&one, &[]), plan_limit, &mut cpu_o);
                let mut null50_plan =
                    |b: &Bench| b.timed_cpu(plan(&null50, &[]), plan_limit, &mut cpu_nf);
                let mut null_plan =
                    |b: &Bench| b.timed_cpu(plan(&null, &[]), plan_limit, &mut cpu_no);
                bench.interleave_n(
                    plan_runs,
                    &mut [
                        &mut fifty_plan,
                        &mut one_plan,
                        &mut null50_plan,
                        &mut null_plan,
                    ],
                )
            };
            let parallel_50 = {
                let before = idp.requests();
                let _ = bench.timed(plan(&fifty, &["-parallelism=50"]), plan_limit);
                idp.requests() - before
            };
            match measured.as_deref() {
                Ok(&[f, o, nf, no]) => {
                    let (lo, hi) = (
                        counts.iter().min().copied().unwrap_or(0),
                        counts.iter().max().copied().unwrap_or(0),
                    );
                    let requests = if lo == hi {
                        format!("{lo}")
                    } else {
                        format!("{lo}–{hi}")
                    };
                    bench.row(
                        "d",
                        format!(
                            "`terraform plan`, fifty identical data sources, terraform {version}: {requests} token requests per plan (default parallelism 10; {parallel_50} with -parallelism=50); {}",
                            cpu_note(&cpu_f, &cpu_o)
                        ),
                        Some(f),
                        "same plan, one data source",
                        Some(o),
                        "1 request; ≤ 1.1x",
                        format!(
                            "{} requests, {} time {}",
                            verdict(hi == 1 && parallel_50 == 1),
                            verdict(f.median <= 1.1 * o.median),
                            ratio(&f, &o)
                        ),
                    );
                    bench.row(
                        "d",
                        format!(
                            "peer reference: `terraform plan`, fifty `null_data_source` (Go null v2.1.2), terraform {version}; {}",
                            cpu_note(&cpu_nf, &cpu_no)
                        ),
                        Some(nf),
                        "same plan, one `null_data_source`",
                        Some(no),
                        "(context for d)",
                        ratio(&nf, &no),
                    );
                    // The comparison the per-instance work is judged by. Null's one-instance plan is slower (its
                    // Go start-up), which lowers its ratio for the same added time: hence the added time per
                    // extra instance beside the ratios.
                    let (ours, theirs) = (f.median / o.median, nf.median / no.median);
                    let per = |fifty: &Stats, one: &Stats| (fifty.median - one.median) / 49.0 * 1e3;
                    let median = |xs: &[f64]| Stats::of(xs).map_or(0.0, |s| s.median);
                    let cpu_per =
                        |fifty: &[f64], one: &[f64]| (median(fifty) - median(one)) / 49.0 * 1e3;
                    bench.row(
                        "d",
                        format!(
                            "fifty-vs-one ratio beside Go null's, same rounds, terraform {version}: each extra instance adds {:.2} ms wall, {:.2} ms CPU (null: {:.2} ms wall, {:.2} ms CPU)",
                            per(&f, &o),
                            cpu_per(&cpu_f, &cpu_o),
                            per(&nf, &no),
                            cpu_per(&cpu_nf, &cpu_no)
                        ),
                        None,
                        "Go null's fifty-vs-one",
                        None,
                        "within 0.10 of null's",
                        format!(
                            "{} authcheck {ours:.2}x (min {:.2}x), null {theirs:.2}x (min {:.2}x): {:+.2}",
                            verdict(ours - theirs <= 0.10),
                            f.min / o.min,
                            nf.min / no.min,
                            ours - theirs
                        ),
                    );
                }
                Ok(_) => bench
                    .notes
                    .push(format!("(d) terraform {version}: not four rows")),
                Err(e) => bench.notes.push(format!("(d) terraform {version}: {e}")),
            }
        }

        // (e) peak RSS of the provider process during a plan, through the wrapper.
        if !bench.opts.wants('e') {
            continue;
        }
        let one_rss = workspace(
            &work,
            &format!("one-rss-{tag}"),
            &ovr_rss,
            &authcheck_tf(&url, 1),
        );
        let fifty_rss = workspace(
            &work,
            &format!("fifty-rss-{tag}"),
            &ovr_rss,
            &authcheck_tf(&url, 50),
        );
        let null_rss = workspace(&work, &format!("null-rss-{tag}"), &ovr_rss, &null_tf(1));
        let null50_rss = workspace(&work, &format!("null50-rss-{tag}"), &ovr_rss, &null_tf(50));
        // Peak RSS (KiB), provider processes, and their CPU time (µs) summed over the plan, median of 3 plans.
        let mut rss = |ws: &Path, real: &Path, name: &str| -> Option<(u64, usize, u64)> {
            let mut seen = Vec::new();
            for _ in 0..3 {
                let out = ws.join("rss.txt");
                let _ = std::fs::remove_file(&out);
                let mut cmd = plan(ws, &[]);
                cmd.env(RSS_REAL_ENV, real).env(RSS_OUT_ENV, &out);
                match bench.captured(cmd, plan_limit) {
                    Ok((status, _)) if status.success() => {}
                    Ok((status, text)) => {
                        bench.notes.push(format!(
                            "(e) terraform {version}, {name}: plan {status}: {text}"
                        ));
                        return None;
                    }
                    Err(e) => {
                        bench
                            .notes
                            .push(format!("(e) terraform {version}, {name}: {e}"));
                        return None;
                    }
                }
                let text = std::fs::read_to_string(&out).unwrap_or_default();
                let lines: Vec<(u64, u64)> = text
                    .lines()
                    .filter_map(|l| {
                        let mut it = l.split_whitespace().map(|v| v.parse::<u64>().ok());
                        Some((it.next()??, it.next()??))
                    })
                    .collect();
                let peak = lines.iter().map(|l| l.0).max()?;
                let cpu = lines.iter().map(|l| l.1).sum::<u64>();
                seen.push((peak, lines.len(), cpu));
            }
            seen.sort_by_key(|s| s.2);
            seen.get(seen.len() / 2).copied()
        };
        let ours = rss(&one_rss, &provider, "authcheck, one data source");
        let ours50 = rss(&fifty_rss, &provider, "authcheck, fifty data sources");
        let theirs = rss(&null_rss, &go_null, "null_data_source");
        let theirs50 = rss(&null50_rss, &go_null, "fifty null_data_source");
        let mib = |kib: u64| kib as f64 / 1024.0;
        let show = |r: Option<(u64, usize, u64)>| match r {
            Some((kib, n, cpu)) => format!(
                "{:.1} MiB peak, {n} provider process{}, {:.0} ms CPU",
                mib(kib),
                if n == 1 { "" } else { "es" },
                cpu as f64 / 1000.0
            ),
            None => "not measured".into(),
        };
        let aim = |r: Option<(u64, usize, u64)>| {
            r.map(|(kib, _, _)| verdict(mib(kib) < 15.0)).unwrap_or("?")
        };
        bench.row(
            "e",
            format!(
                "the provider during `terraform plan`, terraform {version}: one data source {}; fifty: {}",
                show(ours),
                show(ours50)
            ),
            None,
            format!(
                "Go null v2.1.2: one {}; fifty: {}",
                show(theirs),
                show(theirs50)
            ),
            None,
            "< 15 MiB RSS",
            format!("{} (one), {} (fifty)", aim(ours), aim(ours50)),
        );
    }

    // (c) `authcheck check` vs curl doing the bare token request.
    if bench.opts.wants('c') {
        let cli = bench.opts.cli.clone();
        let curl = bench.opts.curl.clone();
        let check_cmd = || {
            let mut cmd = Command::new(&cli);
            cmd.args(["check", "--token-url", &url, "--client-id", CLIENT_ID])
                .env("AUTHCHECK_CLIENT_SECRET", SECRET);
            cmd
        };
        let curl_cmd = || {
            let mut cmd = Command::new(&curl);
            cmd.args(["-sS", "-f", "-o", "/dev/null", "-u"])
                .arg(format!("{CLIENT_ID}:{SECRET}"))
                .args(["-d", "grant_type=client_credentials", &url]);
            cmd
        };
        let limit = Duration::from_secs(30);
        let warm = (
            bench.captured(check_cmd(), limit),
            bench.captured(curl_cmd(), limit),
        );
        match warm {
            (Ok((a, _)), Ok((c, _))) if a.success() && c.success() => {
                let mut made = 0;
                let made_ref = &mut made;
                let idp_ref = &idp;
                let measured = bench.interleave(
                    runs,
                    |b| {
                        let before = idp_ref.requests();
                        let t = b.timed(check_cmd(), limit);
                        *made_ref += idp_ref.requests() - before;
                        t
                    },
                    |b| b.timed(curl_cmd(), limit),
                );
                match measured {
                Ok((a, c)) => bench.row(
                    "c",
                    format!(
                        "`authcheck check` against the loopback IdP ({} token requests in {} runs)",
                        made, a.n
                    ),
                    Some(a),
                    "curl, the bare token request",
                    Some(c),
                    "≤ 1.2x",
                    format!("{} {}", verdict(a.median <= 1.2 * c.median), ratio(&a, &c)),
                ),
                Err(e) => bench.notes.push(format!("(c): {e}")),
            }
            }
            other => bench.notes.push(format!("(c) warm-up failed: {other:?}")),
        }
    }

    // (e) sizes.
    if bench.opts.wants('e') {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mb = |b: u64| format!("{:.2} MiB ({b} bytes)", b as f64 / 1048576.0);
        let (ps, cs, gs) = (size(&provider), size(&bench.opts.cli), size(&go_null));
        bench.row(
            "e",
            format!(
                "release binary size, stripped: terraform-provider-authcheck {}; authcheck CLI {}",
                mb(ps),
                mb(cs)
            ),
            None,
            format!("Go null v2.1.2 {}", mb(gs)),
            None,
            "< 8 MiB",
            format!(
                "{} ({:.2}x of Go null)",
                verdict((ps as f64) < 8.0 * 1048576.0),
                ps as f64 / gs as f64
            ),
        );
    }
    drop(idp);

    println!(
        "| # | measurement (subject) | subject min / median / max | peer | peer min / median / max | target | verdict, ratio median (min) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut rows = std::mem::take(&mut bench.rows);
    rows.sort_by_key(|r| r.id);
    for r in &rows {
        let show = |s: &Option<Stats>| {
            s.map(|s| format!("{} (n={})", s.show(), s.n))
                .unwrap_or_else(|| "–".into())
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.id,
            r.what,
            show(&r.subject),
            r.peer_name,
            show(&r.peer),
            r.target,
            r.verdict
        );
    }
    for note in &bench.notes {
        println!("\nnote: {note}");
    }
    if rows.is_empty() { 1 } else { 0 }
}
