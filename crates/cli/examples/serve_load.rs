//! A load generator for `tripline serve`, run by `bench/serve` (see bench/serve.md).
//!
//! It reads audit events (JSON lines, as `tripline simulate --format raw` writes them), cuts them
//! into `EventList` bodies of `--batch` events — what the API server's audit webhook sends — and
//! POSTs them to `<url>/k8s-audit/<cluster>` over `--connections` connections, one request at a
//! time on each (as each API server replica does), for `--duration` seconds: as fast as the
//! service answers, or at `--rate` events per second. Past the end of the data it starts again
//! with every timestamp shifted by the data's span and new `auditID`s, so event time keeps moving
//! forward and every event stays distinct. A 429 waits for its `Retry-After` and is sent again.
//!
//! It measures, over the steady part (after `--warmup`):
//!
//! - the accepted events per second;
//! - the acknowledgement latency, POST → `200`, on the client;
//! - the finding latency, POST → the finding's line in the file sink (`--findings`), for the
//!   events a rule without a blocking command turns into one finding each: the rule's `table`
//!   must keep `auditID`, which keys the send time (`--match-status` says which events it
//!   matches: `responseStatus.code`);
//! - with `--pid`, the service's CPU per thread, disk writes and peak RSS (from `/proc`);
//!
//! and prints `/metrics` (the latency histograms, the log's counters) at the end. The last line
//! is `serve: X events/s, finding p99 Y ms (target ...)`.

#![allow(clippy::print_stdout)] // a command-line report
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // statistics

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: serve_load --input FILE --url URL [options]

  --input FILE         audit events, one JSON object per line (tripline simulate --format raw)
  --url URL            the service, e.g. http://127.0.0.1:8080
  --token-file FILE    bearer token (the first line that is not blank or a comment)
  --cluster NAME       the path's cluster [bench]
  --batch N            events per request [400]
  --connections N      concurrent connections, one request at a time each [4]
  --duration SECS      how long to send [30]
  --warmup SECS        left out of the figures [5]
  --rate N             events per second over all connections; 0: as fast as answered [0]
  --once               send the data once (stop at its end or the duration)
  --findings FILE      the file sink's JSON lines, tailed for findings carrying an auditID
  --match-status LIST  responseStatus.code values the streaming rule matches [401,403]
  --drain SECS         after sending, wait this long at most for the last findings [10]
  --pid PID            the service's process: CPU per thread, disk writes, peak RSS
  --clk-tck N          clock ticks per second of /proc/<pid>/stat [100]
  --label TEXT         names the run in the report
  --target-rate N      the target of the last line, events/s [100000]
  --target-p99-ms N    the target of the last line, ms [1000]";

struct Args {
    input: PathBuf,
    url: String,
    token: Option<String>,
    cluster: String,
    batch: usize,
    connections: usize,
    duration: Duration,
    warmup: Duration,
    rate: f64,
    once: bool,
    findings: Option<PathBuf>,
    match_status: Vec<i64>,
    drain: Duration,
    pid: Option<u32>,
    clk_tck: f64,
    label: String,
    target_rate: f64,
    target_p99_ms: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        input: PathBuf::new(),
        url: String::new(),
        token: None,
        cluster: "bench".into(),
        batch: 400,
        connections: 4,
        duration: Duration::from_secs(30),
        warmup: Duration::from_secs(5),
        rate: 0.0,
        once: false,
        findings: None,
        match_status: vec![401, 403],
        drain: Duration::from_secs(10),
        pid: None,
        clk_tck: 100.0,
        label: String::new(),
        target_rate: 100_000.0,
        target_p99_ms: 1000.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--once" {
            args.once = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| v.parse::<f64>().map_err(|_| format!("{flag}: `{v}` is not a number"));
        let secs = |v: &str| num(v).map(Duration::from_secs_f64);
        match flag.as_str() {
            "--input" => args.input = value.into(),
            "--url" => args.url = value.trim_end_matches('/').to_owned(),
            "--token-file" => {
                let text = std::fs::read_to_string(&value).map_err(|e| format!("{value}: {e}"))?;
                args.token = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned);
            }
            "--cluster" => args.cluster = value,
            "--batch" => args.batch = num(&value)?.max(1.0) as usize,
            "--connections" => args.connections = num(&value)?.max(1.0) as usize,
            "--duration" => args.duration = secs(&value)?,
            "--warmup" => args.warmup = secs(&value)?,
            "--rate" => args.rate = num(&value)?,
            "--findings" => args.findings = Some(value.into()),
            "--match-status" => {
                args.match_status = value
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("--match-status: `{s}`")))
                    .collect::<Result<_, _>>()?;
            }
            "--drain" => args.drain = secs(&value)?,
            "--pid" => args.pid = Some(value.parse().map_err(|_| format!("--pid: `{value}`"))?),
            "--clk-tck" => args.clk_tck = num(&value)?,
            "--label" => args.label = value,
            "--target-rate" => args.target_rate = num(&value)?,
            "--target-p99-ms" => args.target_p99_ms = num(&value)?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if args.input.as_os_str().is_empty() || args.url.is_empty() {
        return Err("--input and --url are required".into());
    }
    if args.warmup >= args.duration {
        args.warmup = args.duration / 5;
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------------
// Event templates: each event's text with its timestamps and auditID cut out, so a later pass
// over the data can shift the times and make the ids new.

const NANOS: i64 = 1_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…]Z` at the start of `b`: (nanoseconds since the epoch, fraction
/// digits, length).
fn parse_time(b: &[u8]) -> Option<(i64, usize, usize)> {
    if b.len() < 20 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut i = 19;
    let mut frac = 0usize;
    let mut nanos = 0i64;
    if b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            if frac < 9 {
                nanos = nanos * 10 + i64::from(b[i] - b'0');
            }
            frac += 1;
            i += 1;
        }
        if frac == 0 || frac > 9 {
            return None;
        }
        nanos *= 10i64.pow(9 - frac as u32);
    }
    if b.get(i) != Some(&b'Z') {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    Some((secs * NANOS + nanos, frac, i + 1))
}

fn write_time(out: &mut Vec<u8>, t: i64, frac: usize) {
    let (secs, nanos) = (t.div_euclid(NANOS), t.rem_euclid(NANOS));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(32);
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if frac > 0 {
        let all = format!("{nanos:09}");
        s.push('.');
        s.push_str(&all[..frac]);
    }
    s.push('Z');
    out.extend_from_slice(s.as_bytes());
}

enum Cut {
    /// A timestamp: its time, how many fraction digits it had, and whether it is the
    /// `stageTimestamp` (the order of the log).
    Time { nanos: i64, frac: usize, stage: bool },
    /// The event's `auditID` value.
    Id,
}

struct Template {
    text: String,
    /// (start, end, what) in `text`, in order.
    cuts: Vec<(usize, usize, Cut)>,
    /// The streaming rule turns this event into a finding.
    matched: bool,
}

const ID_KEY: &str = "\"auditID\":\"";

impl Template {
    fn new(text: String, matched: bool) -> Template {
        let b = text.as_bytes();
        let mut cuts = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'"' {
                if let Some((nanos, frac, len)) = parse_time(&b[i + 1..])
                    && b.get(i + 1 + len) == Some(&b'"')
                {
                    let stage = text[..i].ends_with("\"stageTimestamp\":");
                    cuts.push((i + 1, i + 1 + len, Cut::Time { nanos, frac, stage }));
                    i += len + 2;
                    continue;
                }
                if text[i..].starts_with(ID_KEY) {
                    let start = i + ID_KEY.len();
                    if let Some(n) = text[start..].find('"') {
                        cuts.push((start, start + n, Cut::Id));
                        i = start + n + 1;
                        continue;
                    }
                }
            }
            i += 1;
        }
        Template { text, cuts, matched }
    }

    /// The `stageTimestamp`s (`stage`), or every time.
    fn times(&self, stage: bool) -> impl Iterator<Item = i64> + '_ {
        self.cuts.iter().filter_map(move |(_, _, c)| match c {
            Cut::Time { nanos, stage: s, .. } if *s || !stage => Some(*nanos),
            _ => None,
        })
    }

    /// The text with every time moved by `shift` and, on pass `pass` > 0, the auditID's first
    /// 8 characters replaced by the pass number; the id written goes to `id`.
    fn render(&self, out: &mut Vec<u8>, shift: i64, pass: u64, id: &mut Option<String>) {
        let mut at = 0;
        for (start, end, cut) in &self.cuts {
            out.extend_from_slice(&self.text.as_bytes()[at..*start]);
            match cut {
                Cut::Time { nanos, frac, .. } => write_time(out, nanos + shift, *frac),
                Cut::Id => {
                    let orig = &self.text[*start..*end];
                    let new = if pass == 0 {
                        orig.to_owned()
                    } else if orig.len() > 8 && orig.is_char_boundary(8) {
                        format!("{pass:08x}{}", &orig[8..])
                    } else {
                        format!("{orig}-{pass}")
                    };
                    out.extend_from_slice(new.as_bytes());
                    *id = Some(new);
                }
            }
            at = *end;
        }
        out.extend_from_slice(&self.text.as_bytes()[at..]);
    }
}

/// `responseStatus.code` of an audit event's text.
fn response_code(line: &str) -> Option<i64> {
    let at = line.find(r#""responseStatus":{"#)?;
    let rest = &line[at..];
    let at = rest.find(r#""code":"#)? + r#""code":"#.len();
    let digits: String = rest[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Read the audit events; say which ones the streaming rule matches.
fn load(args: &Args) -> Result<Vec<Template>, String> {
    let file = File::open(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let mut out = Vec::new();
    let mut other = 0usize;
    for line in BufReader::with_capacity(1 << 20, file).lines() {
        let line = line.map_err(|e| format!("{}: {e}", args.input.display()))?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // Only audit events: /k8s-audit refuses a body with object events in it. (The text as
        // `tripline simulate` writes it; a full parse of every line would take longer than the
        // load.)
        if !(line.starts_with('{')
            && line.contains(r#""apiVersion":"audit.k8s.io/v1""#)
            && line.contains(r#""kind":"Event""#))
        {
            other += 1;
            continue;
        }
        let matched = response_code(line).is_some_and(|c| args.match_status.contains(&c));
        out.push(Template::new(line.to_owned(), matched));
    }
    if other > 0 {
        println!("input: left out {other} lines that are not audit events");
    }
    if out.is_empty() {
        return Err(format!("{}: no audit event", args.input.display()));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// One request body.
struct Body {
    data: Vec<u8>,
    events: usize,
    /// The auditIDs of the events the streaming rule matches.
    ids: Vec<String>,
}

/// Render bodies in order, pass after pass, until the receiver goes away.
fn produce(templates: &[Template], batch: usize, span: i64, once: bool, tx: &tokio::sync::mpsc::Sender<Body>) {
    for pass in 0u64.. {
        if once && pass > 0 {
            return;
        }
        let shift = span * pass as i64;
        for chunk in templates.chunks(batch) {
            let mut data = Vec::with_capacity(chunk.iter().map(|t| t.text.len() + 1).sum::<usize>() + 96);
            data.extend_from_slice(br#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["#);
            let mut ids = Vec::new();
            for (i, t) in chunk.iter().enumerate() {
                if i > 0 {
                    data.push(b',');
                }
                let mut id = None;
                t.render(&mut data, shift, pass, &mut id);
                if t.matched
                    && let Some(id) = id
                {
                    ids.push(id);
                }
            }
            data.extend_from_slice(b"]}");
            let body = Body {
                data,
                events: chunk.len(),
                ids,
            };
            if tx.blocking_send(body).is_err() {
                return;
            }
        }
    }
}

/// An acknowledged request.
struct Acked {
    start: Instant,
    acked: Instant,
    events: usize,
}

#[derive(Default)]
struct Log {
    acked: Vec<Acked>,
    /// (auditID, start of the POST that was acknowledged).
    sent: Vec<(String, Instant)>,
    throttled: u64,
    /// Refused with 429 after the end, and not sent again.
    abandoned: u64,
    errors: u64,
    first_error: Option<String>,
}

struct Queue {
    rx: tokio::sync::mpsc::Receiver<Body>,
    /// Events handed out so far (for the pace).
    scheduled: u64,
}

struct Sender {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    queue: Arc<tokio::sync::Mutex<Queue>>,
    begin: Instant,
    end: Instant,
    rate: f64,
}

impl Sender {
    async fn run(self) -> Log {
        let mut log = Log::default();
        loop {
            if Instant::now() >= self.end {
                break;
            }
            let (body, due) = {
                let mut q = self.queue.lock().await;
                let Some(body) = q.rx.recv().await else { break };
                let due =
                    (self.rate > 0.0).then(|| self.begin + Duration::from_secs_f64(q.scheduled as f64 / self.rate));
                q.scheduled += body.events as u64;
                (body, due)
            };
            if let Some(due) = due {
                if due >= self.end {
                    break;
                }
                tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
            }
            self.send(body, &mut log).await;
        }
        log
    }

    /// POST until acknowledged: wait out 429s, retry connection failures a few times.
    async fn send(&self, body: Body, log: &mut Log) {
        let mut failures = 0;
        loop {
            let start = Instant::now();
            let mut request = self.client.post(&self.url).body(body.data.clone());
            if let Some(t) = &self.token {
                request = request.bearer_auth(t);
            }
            let response = request.send().await;
            let response = match response {
                Ok(r) => r,
                Err(e) => {
                    log.errors += 1;
                    log.first_error.get_or_insert_with(|| format!("{e}"));
                    failures += 1;
                    if failures > 5 || Instant::now() >= self.end {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            let status = response.status();
            if status.as_u16() == 429 || status.as_u16() == 503 {
                log.throttled += 1;
                if Instant::now() >= self.end {
                    // The load is over: what was not taken is not retried.
                    log.abandoned += 1;
                    return;
                }
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(1.0);
                let _ = response.bytes().await;
                tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                continue;
            }
            let text = response.text().await.unwrap_or_default();
            let acked = Instant::now();
            if !status.is_success() {
                log.errors += 1;
                log.first_error
                    .get_or_insert_with(|| format!("{status}: {}", text.trim()));
                return;
            }
            log.acked.push(Acked {
                start,
                acked,
                events: body.events,
            });
            log.sent.extend(body.ids.into_iter().map(|id| (id, start)));
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file sink: each finding's auditID and when its line appeared.

fn tail(path: &PathBuf, stop: &AtomicBool, seen: &AtomicUsize) -> Vec<(String, Instant)> {
    let mut out = Vec::new();
    let mut file: Option<File> = None;
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let last = stop.load(Ordering::Acquire);
        if file.is_none() {
            file = File::open(path).ok();
        }
        if let Some(f) = file.as_mut() {
            while let Ok(n) = f.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                pending.extend_from_slice(&chunk[..n]);
            }
            let now = Instant::now();
            let mut start = 0;
            while let Some(pos) = pending[start..].iter().position(|&b| b == b'\n') {
                let line = &pending[start..start + pos];
                if let Some(id) = audit_id(line) {
                    out.push((id, now));
                    seen.fetch_add(1, Ordering::Release);
                }
                start += pos + 1;
            }
            pending.drain(..start);
        }
        if last {
            return out;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn audit_id(line: &[u8]) -> Option<String> {
    let key = ID_KEY.as_bytes();
    let at = line.windows(key.len()).position(|w| w == key)? + key.len();
    let n = line[at..].iter().position(|&b| b == b'"')?;
    String::from_utf8(line[at..at + n].to_vec()).ok()
}

// ---------------------------------------------------------------------------------------------
// /proc.

/// A process's CPU time per thread and in all, disk writes.
struct ProcSample {
    at: Instant,
    /// Clock ticks of the whole process (threads that ended included).
    ticks: u64,
    /// tid → (name, ticks, nanoseconds spent waiting for a CPU while runnable).
    threads: BTreeMap<u32, (String, u64, u64)>,
    write_bytes: u64,
}

/// The machine's CPU time from `/proc/stat`: (busy, all), in clock ticks.
fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return (0, 0);
    };
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is within user).
    let all: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

/// (name, utime + stime) of a `stat` file.
fn stat_ticks(path: &str) -> Option<(String, u64)> {
    let text = std::fs::read_to_string(path).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text[open + 1..close].to_owned();
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // After the name: state is field 3; utime 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

fn proc_field(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn sample(pid: &str) -> ProcSample {
    let mut threads = BTreeMap::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let (Ok(tid), Some((comm, ticks))) = (name.parse(), stat_ticks(&format!("/proc/{pid}/task/{name}/stat")))
            {
                // schedstat: time on a CPU, time runnable but waiting for one, timeslices.
                let waited = std::fs::read_to_string(format!("/proc/{pid}/task/{name}/schedstat"))
                    .ok()
                    .and_then(|t| t.split_whitespace().nth(1)?.parse().ok())
                    .unwrap_or(0);
                threads.insert(tid, (comm, ticks, waited));
            }
        }
    }
    ProcSample {
        at: Instant::now(),
        ticks: stat_ticks(&format!("/proc/{pid}/stat")).map_or(0, |s| s.1),
        threads,
        write_bytes: proc_field(&format!("/proc/{pid}/io"), "write_bytes:").unwrap_or(0),
    }
}

// ---------------------------------------------------------------------------------------------
// Figures.

/// Nearest-rank quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn ms(seconds: f64) -> String {
    if seconds.is_nan() {
        "-".into()
    } else if seconds < 0.01 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} ms", seconds * 1e3)
    }
}

/// A histogram of `/metrics`: (upper bound, cumulative count), count, sum.
#[derive(Default)]
struct Histogram {
    buckets: Vec<(f64, f64)>,
    count: f64,
    sum: f64,
}

impl Histogram {
    /// The quantile as Prometheus' `histogram_quantile` estimates it (linear within a bucket).
    fn quantile(&self, q: f64) -> f64 {
        if self.count == 0.0 {
            return f64::NAN;
        }
        let want = q * self.count;
        let mut lower = (0.0, 0.0);
        for &(le, c) in &self.buckets {
            if c >= want {
                if le.is_infinite() {
                    return lower.0;
                }
                let within = if c > lower.1 {
                    (want - lower.1) / (c - lower.1)
                } else {
                    1.0
                };
                return lower.0 + (le - lower.0) * within;
            }
            lower = (le, c);
        }
        lower.0
    }
}

fn histograms(text: &str) -> BTreeMap<String, Histogram> {
    let mut out: BTreeMap<String, Histogram> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((key, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else { continue };
        if let Some((name, rest)) = key.split_once("_bucket{le=\"") {
            let le = rest.trim_end_matches("\"}");
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap_or(f64::NAN)
            };
            out.entry(name.to_owned()).or_default().buckets.push((le, value));
        } else if let Some(name) = key.strip_suffix("_count") {
            if let Some(h) = out.get_mut(name) {
                h.count = value;
            }
        } else if let Some(name) = key.strip_suffix("_sum")
            && let Some(h) = out.get_mut(name)
        {
            h.sum = value;
        }
    }
    out
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / f64::from(1 << 20))
}

async fn scrape(client: &reqwest::Client, args: &Args) -> Option<String> {
    let mut request = client.get(format!("{}/metrics", args.url));
    if let Some(t) = &args.token {
        request = request.bearer_auth(t);
    }
    request.send().await.ok()?.text().await.ok()
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("serve_load: {e}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    if let Err(e) = runtime.block_on(run(args)) {
        eprintln!("serve_load: {e}");
        std::process::exit(1);
    }
}

#[allow(clippy::too_many_lines)] // one report, top to bottom
async fn run(args: Args) -> Result<(), String> {
    let loaded = Instant::now();
    let templates = load(&args)?;
    // A pass after the first is moved by the span of the data's stageTimestamps (the log's
    // order; a watch's requestReceivedTimestamp is minutes earlier), in whole seconds, plus one.
    let range = |stage: bool| {
        templates
            .iter()
            .flat_map(|t| t.times(stage))
            .fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)))
    };
    let (lo, hi) = match range(true) {
        (lo, hi) if hi >= lo => (lo, hi),
        _ => range(false),
    };
    let span = if hi >= lo {
        ((hi - lo) / NANOS + 1) * NANOS
    } else {
        NANOS
    };
    let matched = templates.iter().filter(|t| t.matched).count();
    let ids: HashSet<&str> = templates
        .iter()
        .filter(|t| t.matched)
        .filter_map(|t| {
            t.cuts
                .iter()
                .find(|c| matches!(c.2, Cut::Id))
                .map(|c| &t.text[c.0..c.1])
        })
        .collect();
    println!(
        "input: {} audit events ({} MiB), {matched} matched by the streaming rule ({} distinct auditIDs), \
         {:.0} s of event time; read in {:.1} s",
        templates.len(),
        templates.iter().map(|t| t.text.len() + 1).sum::<usize>() >> 20,
        ids.len(),
        span as f64 / NANOS as f64,
        loaded.elapsed().as_secs_f64()
    );
    let templates = Arc::new(templates);

    // Bodies are rendered ahead on their own thread.
    let (tx, rx) = tokio::sync::mpsc::channel::<Body>(64);
    let producer = {
        let templates = Arc::clone(&templates);
        let (batch, once) = (args.batch, args.once);
        std::thread::spawn(move || produce(&templates, batch, span, once, &tx))
    };
    // Let the first bodies be ready before the clock starts.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stop_tail = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(AtomicUsize::new(0));
    let tailer = args.findings.clone().map(|path| {
        let (stop, seen) = (Arc::clone(&stop_tail), Arc::clone(&seen));
        std::thread::spawn(move || tail(&path, &stop, &seen))
    });

    let pid = args.pid.map(|p| p.to_string());
    let me = std::process::id().to_string();
    let begin = Instant::now();
    let end = begin + args.duration;
    let warm = begin + args.warmup;
    let queue = Arc::new(tokio::sync::Mutex::new(Queue { rx, scheduled: 0 }));
    let url = format!("{}/k8s-audit/{}", args.url, args.cluster);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| format!("an HTTP client: {e}"))?;
        let sender = Sender {
            client,
            url: url.clone(),
            token: args.token.clone(),
            queue: Arc::clone(&queue),
            begin,
            end,
            rate: args.rate,
        };
        tasks.push(tokio::spawn(sender.run()));
    }
    tokio::time::sleep_until(tokio::time::Instant::from_std(warm)).await;
    let before = pid.as_deref().map(sample);
    let me_before = sample(&me);
    let machine_before = machine_ticks();
    // Threads that end before the last sample (the blocking pool's, idle for 10 s) keep the CPU
    // time they had when last seen.
    let stop_watch = Arc::new(AtomicBool::new(false));
    let watcher = pid.clone().map(|pid| {
        let stop = Arc::clone(&stop_watch);
        std::thread::spawn(move || {
            let mut seen = BTreeMap::new();
            while !stop.load(Ordering::Relaxed) {
                seen.extend(sample(&pid).threads);
                std::thread::sleep(Duration::from_millis(250));
            }
            seen
        })
    });
    // A progress line each few seconds, on stderr.
    let progress = Arc::new(AtomicU64::new(0));
    {
        let progress = Arc::clone(&progress);
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut last = 0usize;
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                if progress.load(Ordering::Relaxed) > 0 {
                    return;
                }
                let s = seen.load(Ordering::Relaxed);
                eprintln!(
                    "  … {:.0} s: {} findings seen in the last 5 s",
                    begin.elapsed().as_secs_f64(),
                    s - last
                );
                last = s;
            }
        });
    }
    tokio::time::sleep_until(tokio::time::Instant::from_std(end)).await;
    let mut after = pid.as_deref().map(sample);
    let me_after = sample(&me);
    let machine_after = machine_ticks();
    stop_watch.store(true, Ordering::Relaxed);
    if let (Some(after), Some(watcher)) = (after.as_mut(), watcher) {
        for (tid, t) in watcher.join().unwrap_or_default() {
            after.threads.entry(tid).or_insert(t);
        }
    }
    progress.store(1, Ordering::Relaxed);

    let mut log = Log::default();
    for t in tasks {
        let l = t.await.map_err(|e| format!("a sender failed: {e}"))?;
        log.acked.extend(l.acked);
        log.sent.extend(l.sent);
        log.throttled += l.throttled;
        log.abandoned += l.abandoned;
        log.errors += l.errors;
        if log.first_error.is_none() {
            log.first_error = l.first_error;
        }
    }
    let sending_done = Instant::now();
    // The producer stops once nobody takes its bodies.
    drop(queue);
    let _ = producer.join();

    // The last findings.
    let expected = log.sent.len();
    let drain_until = Instant::now() + args.drain;
    if tailer.is_some() {
        while seen.load(Ordering::Acquire) < expected && Instant::now() < drain_until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let drained = sending_done.elapsed();
    stop_tail.store(true, Ordering::Release);
    let found = tailer.map(|t| t.join().unwrap_or_default()).unwrap_or_default();

    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("an HTTP client: {e}"))?;
    let metrics = scrape(&client, &args).await.unwrap_or_default();
    let status = pid
        .as_deref()
        .map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default());

    // ---- Figures over the steady part: requests acknowledged in [warm, end].
    let steady: Vec<&Acked> = log.acked.iter().filter(|a| a.acked >= warm && a.acked <= end).collect();
    let steady_secs = end.duration_since(warm).as_secs_f64();
    let steady_events: usize = steady.iter().map(|a| a.events).sum();
    let rate = steady_events as f64 / steady_secs;
    let mut per_second: BTreeMap<u64, usize> = BTreeMap::new();
    for a in &steady {
        *per_second.entry(a.acked.duration_since(warm).as_secs()).or_default() += a.events;
    }
    let whole_seconds = steady_secs.floor() as u64;
    let seconds: Vec<usize> = (0..whole_seconds)
        .map(|s| per_second.get(&s).copied().unwrap_or(0))
        .collect();
    let mut acks: Vec<f64> = steady
        .iter()
        .map(|a| a.acked.duration_since(a.start).as_secs_f64())
        .collect();
    acks.sort_by(f64::total_cmp);

    let sent: HashMap<&str, Instant> = log.sent.iter().map(|(id, t)| (id.as_str(), *t)).collect();
    let mut latencies = Vec::new();
    let mut unmatched = 0usize;
    let mut first_seen: HashSet<&str> = HashSet::new();
    for (id, at) in &found {
        if !first_seen.insert(id.as_str()) {
            continue;
        }
        match sent.get(id.as_str()) {
            Some(start) if *start >= warm => latencies.push(at.saturating_duration_since(*start).as_secs_f64()),
            Some(_) => {}
            None => unmatched += 1,
        }
    }
    latencies.sort_by(f64::total_cmp);
    let steady_expected = log.sent.iter().filter(|(_, t)| *t >= warm).count();
    let total_events: usize = log.acked.iter().map(|a| a.events).sum();
    let hist = histograms(&metrics);
    let gauge = |name: &str| -> f64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum()
    };

    // ---- The report.
    let mut r = String::new();
    let pace = if args.rate > 0.0 {
        format!("paced at {:.0} events/s", args.rate)
    } else {
        "as fast as acknowledged".to_owned()
    };
    let _ = writeln!(
        r,
        "== {}: {} connections, {} events per request, {pace}, {:.0} s (the first {:.0} s left out) ==",
        if args.label.is_empty() { "serve" } else { &args.label },
        args.connections,
        args.batch,
        args.duration.as_secs_f64(),
        args.warmup.as_secs_f64()
    );
    let _ = writeln!(
        r,
        "requests     {} acknowledged ({} events), {} answered 429/503 and retried ({} after the end, not \
         retried), {} errors{}",
        log.acked.len(),
        total_events,
        log.throttled,
        log.abandoned,
        log.errors,
        log.first_error
            .as_ref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        r,
        "throughput   {:.0} events/s sustained over {steady_secs:.0} s ({:.1} requests/s); per second min {}, max {}",
        rate,
        steady.len() as f64 / steady_secs,
        seconds.iter().min().copied().unwrap_or(0),
        seconds.iter().max().copied().unwrap_or(0)
    );
    let _ = writeln!(
        r,
        "ack          p50 {}, p99 {}, max {} (POST → 200, {} requests)",
        ms(quantile(&acks, 0.5)),
        ms(quantile(&acks, 0.99)),
        ms(acks.last().copied().unwrap_or(f64::NAN)),
        acks.len()
    );
    let missing = steady_expected.saturating_sub(latencies.len());
    let _ = writeln!(
        r,
        "finding      p50 {}, p99 {}, max {} (POST → line in the file sink, {} findings; {} not seen within {:.1} s \
         of the end{})",
        ms(quantile(&latencies, 0.5)),
        ms(quantile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or(f64::NAN)),
        latencies.len(),
        missing,
        drained.as_secs_f64(),
        if unmatched > 0 {
            format!("; {unmatched} with an unknown auditID")
        } else {
            String::new()
        }
    );
    for (name, label) in [
        ("tripline_ack_latency_seconds", "server ack  "),
        ("tripline_finding_latency_seconds", "server find "),
        ("tripline_wal_write_seconds", "wal write   "),
    ] {
        if let Some(h) = hist.get(name) {
            let _ = writeln!(
                r,
                "{label} p50 ≈ {}, p99 ≈ {}, mean {} over {} ({name}, whole run)",
                ms(h.quantile(0.5)),
                ms(h.quantile(0.99)),
                ms(if h.count > 0.0 { h.sum / h.count } else { f64::NAN }),
                h.count
            );
        }
    }
    if let (Some(b), Some(a), Some(status)) = (&before, &after, &status) {
        let secs = a.at.duration_since(b.at).as_secs_f64();
        let cpu = |ticks: u64| ticks as f64 / args.clk_tck / secs * 100.0;
        let hwm = proc_field_text(status, "VmHWM:");
        let rss = proc_field_text(status, "VmRSS:");
        let _ = writeln!(
            r,
            "serve        CPU {:.0} % of one core (steady part); peak RSS (VmHWM) {hwm}, RSS now {rss}; disk writes \
             {}/s",
            cpu(a.ticks.saturating_sub(b.ticks)),
            mib(a.write_bytes.saturating_sub(b.write_bytes) as f64 / secs)
        );
        // Per thread name: threads, CPU ticks, nanoseconds waiting for a CPU.
        let mut groups: BTreeMap<&str, (usize, u64, u64)> = BTreeMap::new();
        let mut each: Vec<(u64, u32, &str)> = Vec::new();
        for (tid, (name, t, w)) in &a.threads {
            let (t0, w0) = b.threads.get(tid).map_or((0, 0), |x| (x.1, x.2));
            let d = t.saturating_sub(t0);
            let g = groups.entry(name.as_str()).or_default();
            g.0 += 1;
            g.1 += d;
            g.2 += w.saturating_sub(w0);
            each.push((d, *tid, name));
        }
        let mut groups: Vec<_> = groups.into_iter().filter(|g| g.1.1 > 0 || g.1.2 > 0).collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.1.1));
        // CPU per event accepted in the steady part, in microseconds.
        let per_event = |ticks: u64| ticks as f64 / args.clk_tck / (rate * secs).max(1.0) * 1e6;
        let text: Vec<String> = groups
            .iter()
            .map(|(name, (n, t, w))| {
                format!(
                    "{name} ×{n}: CPU {:.0} % ({:.2} µs/event), runnable but waiting for a CPU {:.0} %",
                    cpu(*t),
                    per_event(*t),
                    *w as f64 / 1e9 / secs * 100.0
                )
            })
            .collect();
        let _ = writeln!(r, "threads      {}", text.join("; "));
        let _ = writeln!(
            r,
            "             (% of one core, summed over a name's threads; tripline-serve: async workers and the \
             blocking pool that parses bodies and writes the file sink; tripline-engine: the rules; tripline-wal: \
             the log's writer)"
        );
        let _ = writeln!(
            r,
            "cost         {:.2} µs of serve CPU per event accepted, {:.0} events per CPU-second (steady part)",
            per_event(a.ticks.saturating_sub(b.ticks)),
            rate * secs / (a.ticks.saturating_sub(b.ticks) as f64 / args.clk_tck).max(1e-9)
        );
        each.sort_by_key(|t| std::cmp::Reverse(t.0));
        let text: Vec<String> = each
            .iter()
            .take(6)
            .map(|(t, tid, name)| format!("{name}/{tid} {:.0} %", cpu(*t)))
            .collect();
        let _ = writeln!(r, "busiest      {}", text.join(", "));
    }
    let secs = me_after.at.duration_since(me_before.at).as_secs_f64();
    let generator = me_after.ticks.saturating_sub(me_before.ticks);
    let _ = writeln!(
        r,
        "generator    CPU {:.0} % of one core (steady part)",
        generator as f64 / args.clk_tck / secs * 100.0
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let busy = machine_after.0.saturating_sub(machine_before.0);
    let serve_ticks = match (&before, &after) {
        (Some(b), Some(a)) => a.ticks.saturating_sub(b.ticks),
        _ => 0,
    };
    let _ = writeln!(
        r,
        "machine      {cores} cores {:.0} % busy in the steady part: serve {:.0} %, generator {:.0} %, everything else \
         {:.0} % (of one core); load average {}",
        busy as f64 / machine_after.1.saturating_sub(machine_before.1).max(1) as f64 * 100.0,
        serve_ticks as f64 / args.clk_tck / secs * 100.0,
        generator as f64 / args.clk_tck / secs * 100.0,
        busy.saturating_sub(serve_ticks + generator) as f64 / args.clk_tck / secs * 100.0,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = writeln!(
        r,
        "wal          {} on disk, {} segments, {} appends, {} segments deleted; {:.0} bytes logged per event \
         accepted (while open)",
        mib(gauge("tripline_wal_bytes")),
        gauge("tripline_wal_segments"),
        gauge("tripline_wal_appends_total"),
        gauge("tripline_wal_segments_deleted_total"),
        gauge("tripline_wal_bytes") / gauge("tripline_events_received_total").max(1.0)
    );
    let _ = writeln!(r, "/metrics at the end (histograms as cumulative bucket counts):");
    for line in metrics.lines().filter(|l| !l.starts_with('#')) {
        let keep = [
            "tripline_wal_",
            "tripline_events_received_total",
            "tripline_requests_rejected_total",
            "tripline_findings_total",
            "tripline_queue_depth",
            "tripline_window_open",
            "tripline_window_rows",
            "tripline_window_closed_total",
            "tripline_window_late_rows_total",
            "tripline_sink_",
        ]
        .iter()
        .any(|p| line.starts_with(p));
        if keep && !line.contains("_bucket{") && !line.contains("_seconds_") {
            let _ = writeln!(r, "  {line}");
        }
    }
    for (name, h) in &hist {
        let buckets: Vec<String> = h
            .buckets
            .iter()
            .map(|(le, c)| {
                if le.is_infinite() {
                    format!("+Inf:{c}")
                } else {
                    format!("{le}:{c}")
                }
            })
            .collect();
        let _ = writeln!(r, "  {name} count {} sum {:.3} | {}", h.count, h.sum, buckets.join(" "));
    }
    let p99 = quantile(&latencies, 0.99) * 1e3;
    // A paced run cannot go faster than its schedule: keeping to it (within 1 %, the edges of
    // the steady part) is reaching the rate.
    let needed = if args.rate > 0.0 && args.rate >= args.target_rate {
        args.target_rate * 0.99
    } else {
        args.target_rate
    };
    let met = rate >= needed && p99 < args.target_p99_ms;
    let _ = writeln!(
        r,
        "serve{}: {rate:.0} events/s, finding p99 {} ms (target {:.0} events/s, p99 < {:.0} ms){}",
        if args.label.is_empty() {
            String::new()
        } else {
            format!(" [{}]", args.label)
        },
        if p99.is_nan() {
            "-".to_owned()
        } else {
            format!("{p99:.0}")
        },
        args.target_rate,
        args.target_p99_ms,
        if met { ": met" } else { ": missed" }
    );
    print!("{r}");
    Ok(())
}

fn proc_field_text(status: &str, key: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map_or_else(|| "-".to_owned(), |v| v.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for days in [-719_468, -1, 0, 1, 11_016, 20_759, 20_760, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(20_759), (2026, 11, 2));
    }

    #[test]
    fn times_are_shifted_and_ids_renewed() {
        let line = r#"{"auditID":"ba52aa63-197d-4793-99db-c1f76b254b25","requestReceivedTimestamp":"2026-11-02T07:59:59.997342Z","stageTimestamp":"2026-12-31T23:59:59Z","x":"2026-11-02"}"#;
        let t = Template::new(line.to_owned(), true);
        assert_eq!(t.cuts.len(), 3);
        assert_eq!(t.times(true).count(), 1);
        let mut out = Vec::new();
        let mut id = None;
        t.render(&mut out, 0, 0, &mut id);
        assert_eq!(String::from_utf8(out).expect("utf-8"), line);
        let mut out = Vec::new();
        t.render(&mut out, NANOS + 2_700, 3, &mut id);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            r#"{"auditID":"00000003-197d-4793-99db-c1f76b254b25","requestReceivedTimestamp":"2026-11-02T08:00:00.997344Z","stageTimestamp":"2027-01-01T00:00:00Z","x":"2026-11-02"}"#
        );
        assert_eq!(id.as_deref(), Some("00000003-197d-4793-99db-c1f76b254b25"));
        assert_eq!(
            response_code(r#"{"responseStatus":{"metadata":{},"code":403},"x":{"code":200}}"#),
            Some(403)
        );
        assert_eq!(
            audit_id(br#"{"fields":{"auditID":"abc","x":1}}"#).as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn histogram_quantiles() {
        let h = histograms(
            "# TYPE x histogram\nx_bucket{le=\"0.1\"} 50\nx_bucket{le=\"1\"} 100\nx_bucket{le=\"+Inf\"} 100\nx_sum 20\nx_count 100\n",
        );
        let x = &h["x"];
        assert!((x.quantile(0.5) - 0.1).abs() < 1e-9);
        assert!((x.quantile(0.75) - 0.55).abs() < 1e-9);
        assert!((quantile(&[1.0, 2.0, 3.0, 4.0], 0.5) - 2.0).abs() < 1e-9);
    }
}
