//! The benchmark: `cargo bench --bench load` prints, on SQLite and on
//! PostgreSQL,
//!
//! - intake over HTTP (`POST /api/v1/tickets`, multipart, with a 200 KB
//!   screenshot and without) at concurrency 8 and 64: tickets/s, p50/p99
//!   latency, errors, and the server's peak RSS; beside it a bare actix-web
//!   handler receiving the same body, as the ceiling, and the ratio to it;
//! - the agent queue's default view, a filtered search, a word search and
//!   the supervisor dashboard at 10k, 100k and 1M tickets (`paydesk demo
//!   seed`): p50/p95;
//! - (`--parts servers`) intake through Debian's nginx in front of 1, 2
//!   and 3 servers on one PostgreSQL, with the CPU each ticket costs the
//!   servers and nginx, and one server with the shared rate limit on.
//!
//! The real `paydesk` binary (release build) runs as its own process; the
//! load comes from this one, on the same machine. Options:
//! `--backends sqlite,postgres`, `--sizes 10000,100000,1000000`,
//! `--seconds 8` (per intake run), `--reads 200` (requests per read row),
//! `--parts intake,reads`, `--postgres postgres://postgres@127.0.0.1:5432`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");
/// Set in the child this benchmark starts as the ceiling server.
const CEILING_ENV: &str = "PAYDESK_BENCH_CEILING";

struct Options {
    backends: Vec<String>,
    sizes: Vec<u64>,
    seconds: u64,
    reads: usize,
    postgres: String,
    /// `intake`, `reads` or both.
    parts: Vec<String>,
}

fn options() -> Options {
    let mut o = Options {
        backends: vec!["sqlite".into(), "postgres".into()],
        sizes: vec![10_000, 100_000, 1_000_000],
        seconds: 8,
        reads: 200,
        postgres: "postgres://postgres@127.0.0.1:5432".into(),
        parts: vec!["intake".into(), "reads".into()],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--backends" => o.backends = value.split(',').map(str::to_string).collect(),
            "--sizes" => o.sizes = value.split(',').map(|s| s.parse().expect("--sizes 10000,100000")).collect(),
            "--seconds" => o.seconds = value.parse().expect("--seconds N"),
            "--reads" => o.reads = value.parse().expect("--reads N"),
            "--postgres" => o.postgres = value,
            "--parts" => o.parts = value.split(',').map(str::to_string).collect(),
            // `cargo bench` passes --bench; anything else is ignored.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn main() {
    if let Ok(bind) = std::env::var(CEILING_ENV) {
        return ceiling_server(&bind);
    }
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!("# paydesk benchmark");
    println!();
    println!("{}", machine());
    println!();
    if o.parts.iter().any(|p| p == "intake") {
        runtime.block_on(intake_table(&o));
    }
    if o.parts.iter().any(|p| p == "reads") {
        runtime.block_on(read_table(&o));
    }
    if o.parts.iter().any(|p| p == "servers") {
        runtime.block_on(servers_table(&o));
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{date}, {cores} cores ({cpu}), release build; load generator on the same machine")
}

// ---------------------------------------------------------------- servers

/// The ceiling: actix-web reading the same multipart body and answering 201,
/// with nothing else to do (no parsing, no database).
fn ceiling_server(bind: &str) {
    use actix_web::{web, App, HttpResponse, HttpServer};
    actix_web::rt::System::new().block_on(async {
        HttpServer::new(|| {
            App::new().app_data(web::PayloadConfig::new(8 * 1024 * 1024)).route(
                "/api/v1/tickets",
                web::post().to(|body: web::Bytes| async move {
                    HttpResponse::Created()
                        .content_type("application/json")
                        .body(format!("{{\"received\":{}}}", body.len()))
                }),
            )
        })
        .bind(bind)
        .unwrap()
        .run()
        .await
        .unwrap()
    })
}

struct Server {
    child: Child,
    base: String,
    /// The SMTP server mail goes to, stopped with this one.
    smtp: Option<Child>,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for child in std::iter::once(&mut self.child).chain(self.smtp.as_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_up(base: &str) {
    for _ in 0..600 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().as_u16() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not start");
}

/// `paydesk serve`, mailing (as in production) through SMTP: to a local
/// server that drops what it gets (Python's aiosmtpd, as in the tests).
async fn start_paydesk(database_url: &str, work: &Path) -> Server {
    start_paydesk_with(database_url, work, &[]).await
}

async fn start_paydesk_with(database_url: &str, work: &Path, env: &[(&str, &str)]) -> Server {
    let (port, smtp_port) = (free_port(), free_port());
    let smtp = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{smtp_port}"), "-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
    let child = Command::new(BIN)
        .args(["serve", "--metrics-bind", "127.0.0.1:0", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("PAYDESK_INTAKE_PER_MINUTE", "0")
        .env("PAYDESK_SIGN_IN_PER_MINUTE", "0")
        .env("PAYDESK_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        // The demo data's year of closed tickets would otherwise be purged
        // in the background while we measure.
        .env("PAYDESK_SCREENSHOT_RETENTION_DAYS", "0")
        .env("PAYDESK_EMAIL_RETENTION_DAYS", "0")
        .env("PAYDESK_MAIL_DIR", work.join("mail"))
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, base: format!("http://127.0.0.1:{port}"), smtp: Some(smtp) };
    wait_up(&server.base).await;
    server
}

async fn start_ceiling() -> Server {
    let port = free_port();
    let child = Command::new(std::env::current_exe().unwrap())
        .env(CEILING_ENV, format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Server { child, base, smtp: None }
}

/// A fresh database for one part of the run; dropped (PostgreSQL) or
/// deleted (SQLite) at the end.
struct BenchDb {
    url: String,
    admin: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl BenchDb {
    fn new(backend: &str, o: &Options) -> BenchDb {
        let dir = tempfile::tempdir_in(std::env::var("PAYDESK_BENCH_DIR").unwrap_or_else(|_| "target".into())).unwrap();
        match backend {
            "sqlite" => {
                BenchDb { url: format!("sqlite://{}", dir.path().join("bench.db").display()), admin: None, _dir: dir }
            }
            _ => {
                let name = format!("paydesk_bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
                psql(&o.postgres, &format!("CREATE DATABASE {name}"));
                BenchDb { url: format!("{}/{name}", o.postgres), admin: Some((o.postgres.clone(), name)), _dir: dir }
            }
        }
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.admin {
            psql(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn psql(server: &str, sql: &str) {
    let ok =
        Command::new("psql").arg(format!("{server}/postgres")).args(["-qAtc", sql]).status().is_ok_and(|s| s.success());
    assert!(ok, "psql {sql}: is PostgreSQL running at {server}?");
}

/// `paydesk demo seed`; returns the seconds it took.
fn seed(url: &str, tickets: u64, screenshot_every: u64) -> f64 {
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["demo", "seed", "--tickets", &tickets.to_string(), "--screenshot-every", &screenshot_every.to_string()])
        .env("DATABASE_URL", url)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "demo seed failed");
    started.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------- load

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

struct Run {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    peak_rss_mib: f64,
}

/// `concurrency` clients posting `body` back to back for `seconds`.
async fn hammer(server: &Server, body: &bytes_body::Body, concurrency: usize, seconds: u64) -> Run {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let url = format!("{}/api/v1/tickets", server.base);
    let histogram = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap()));
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(Mutex::new(0f64));
    let sampler = {
        let (stop, peak, pid) = (stop.clone(), peak.clone(), server.pid());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let now = rss_mib(pid);
                {
                    let mut p = peak.lock().unwrap();
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        let (histogram, ok, errors) = (histogram.clone(), ok.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut local = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header("Content-Type", body.content_type.as_str())
                    .body(body.bytes.clone())
                    .send()
                    .await;
                let good = match res {
                    Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                local.saturating_record(t.elapsed().as_micros() as u64);
                if good { &ok } else { &errors }.fetch_add(1, Ordering::Relaxed);
            }
            histogram.lock().unwrap().add(&local).unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    let h = histogram.lock().unwrap();
    let peak = *peak.lock().unwrap();
    Run {
        per_second: ok.load(Ordering::Relaxed) as f64 / elapsed,
        p50_ms: h.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
        errors: errors.load(Ordering::Relaxed),
        peak_rss_mib: peak,
    }
}

mod bytes_body {
    /// A request body built once and sent many times.
    #[derive(Clone)]
    pub struct Body {
        pub content_type: String,
        pub bytes: bytes::Bytes,
    }
}

/// The intake form as a payment app sends it, with a screenshot of about
/// 200 KB (a valid PNG header followed by incompressible bytes) for an error
/// shown, or without one for a payment stuck loading (which needs none).
/// `sms`: the customer also gives a mobile number and asks for SMS and
/// email (an SMS queued beside the email).
fn intake_body(screenshot: bool, sms: bool) -> bytes_body::Body {
    let boundary = "paydeskBenchBoundary7MA4YWxkTrZu0gW";
    let symptom = if screenshot { "error_shown" } else { "stuck_loading" };
    let fields = [
        ("platform", "wechat"),
        ("payment_scenario", "electricity_bill"),
        ("payment_method", "wechat_pay"),
        ("failing_step", "tap_pay"),
        ("symptom", symptom),
        ("error_code", "E1003"),
        ("error_message", "支付失败"),
        ("city", "上海"),
        ("account_number", "3100 1234 4821"),
        ("checks_tried", "switched_network"),
        ("checks_tried", "other_card"),
        ("contact_email", "li.wei@example.com"),
        ("description", "Tried twice this morning. 今天早上试了两次。"),
    ];
    let phone: &[(&str, &str)] =
        if sms { &[("contact_phone", "+86 138 0013 8000"), ("contact_channel", "both")] } else { &[] };
    let fields = fields.iter().chain(phone).copied();
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    if screenshot {
        let mut png = paydesk::domain::screenshot::samples::png();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        while png.len() < 200 * 1024 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            png.extend_from_slice(&x.to_le_bytes());
        }
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"screenshot\"; filename=\"error.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .bytes(),
        );
        body.extend(png);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    bytes_body::Body { content_type: format!("multipart/form-data; boundary={boundary}"), bytes: body.into() }
}

async fn intake_table(o: &Options) {
    println!("## Intake: `POST /api/v1/tickets` over HTTP, {} s a run", o.seconds);
    println!();
    println!("| backend | screenshot | concurrency | tickets/s | p50 ms | p99 ms | errors | server peak RSS MiB | ceiling req/s | ratio to ceiling |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let ceiling = start_ceiling().await;
    let mut ceilings = std::collections::HashMap::new();
    for shot in [true, false] {
        for c in [8, 64] {
            let run = hammer(&ceiling, &intake_body(shot, false), c, o.seconds.min(5)).await;
            ceilings.insert((shot, c), run);
        }
    }
    for backend in &o.backends {
        let db = BenchDb::new(backend, o);
        // Staff and some history, so routing assigns to real agents.
        seed(&db.url, 2_000, 20);
        let server = start_paydesk(&db.url, db.dir()).await;
        // The last rows: the customer gives a phone too (SMS and email).
        for (shot, sms) in [(true, false), (false, false), (false, true)] {
            for c in [8, 64] {
                let run = hammer(&server, &intake_body(shot, sms), c, o.seconds).await;
                let ceiling = &ceilings[&(shot, c)];
                println!(
                    "| {backend} | {} | {c} | {:.0} | {:.1} | {:.1} | {} | {:.0} | {:.0} | {:.2} |",
                    match (shot, sms) {
                        (true, _) => "200 KB",
                        (false, false) => "none",
                        (false, true) => "none, SMS on",
                    },
                    run.per_second,
                    run.p50_ms,
                    run.p99_ms,
                    run.errors,
                    run.peak_rss_mib,
                    ceiling.per_second,
                    run.per_second / ceiling.per_second
                );
            }
        }
    }
    println!();
}

// ---------------------------------------------------------------- reads

/// A client signed in as a demo account.
async fn sign_in(base: &str, email: &str) -> reqwest::Client {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let csrf: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let res = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", paydesk::demo::DEMO_PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "demo sign-in");
    client
}

/// p50 and p95 of `n` requests one after another, after 5 to warm up.
async fn latency(client: &reqwest::Client, url: &str, n: usize) -> (f64, f64) {
    latency_over(client, &[url.to_string()], n).await
}

/// The same, the requests going round the urls.
async fn latency_over(client: &reqwest::Client, urls: &[String], n: usize) -> (f64, f64) {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for i in 0..n + 5 {
        let url = &urls[i % urls.len()];
        let t = Instant::now();
        let res = client.get(url).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{url}");
        res.bytes().await.unwrap();
        if i >= 5 {
            h.saturating_record(t.elapsed().as_micros() as u64);
        }
    }
    (h.value_at_quantile(0.50) as f64 / 1000.0, h.value_at_quantile(0.95) as f64 / 1000.0)
}

async fn read_table(o: &Options) {
    println!("## Reads: one signed-in client, requests one after another ({} per row)", o.reads);
    println!();
    println!("| backend | tickets | open | seeded in s | queue default view p50 / p95 ms | filtered search p50 / p95 ms | word search p50 / p95 ms | dashboard p50 / p95 ms | server RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for backend in &o.backends {
        for &size in &o.sizes {
            let db = BenchDb::new(backend, o);
            let seeded = seed(&db.url, size, 20);
            let server = start_paydesk(&db.url, db.dir()).await;
            let agent = sign_in(&server.base, "agent3@demo.paydesk.localhost").await;
            let supervisor = sign_in(&server.base, "supervisor@demo.paydesk.localhost").await;
            let open = open_count(&agent, &server.base).await;
            let base = &server.base;
            let queue = latency(&agent, &format!("{base}/agent"), o.reads).await;
            let filtered = latency(
                &agent,
                &format!("{base}/agent?view=open&city=%E4%B8%8A%E6%B5%B7&case_kind=timeout_busy&priority=normal"),
                o.reads,
            )
            .await;
            // An agent's word search in the queue's "all open" tab, ranked:
            // words of the demo's texts, common and rare, two characters
            // and four, Chinese and English, and one no ticket holds (转圈).
            let words: Vec<String> = ["系统繁忙", "余额不足", "扣款", "转圈", "风控", "payment", "网络", "超出限额"]
                .iter()
                .map(|w| {
                    let q: String = url::form_urlencoded::byte_serialize(w.as_bytes()).collect();
                    format!("{base}/agent?view=open&q={q}")
                })
                .collect();
            let word_search = latency_over(&agent, &words, o.reads).await;
            let dashboard = latency(&supervisor, &format!("{base}/supervisor"), (o.reads / 4).max(10)).await;
            println!(
                "| {backend} | {size} | {open} | {seeded:.0} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} / {:.1} | {:.0} |",
                queue.0,
                queue.1,
                filtered.0,
                filtered.1,
                word_search.0,
                word_search.1,
                dashboard.0,
                dashboard.1,
                rss_mib(server.pid())
            );
        }
    }
    println!();
}

/// The "all open" count the queue page shows on its tab.
async fn open_count(client: &reqwest::Client, base: &str) -> String {
    let page = client.get(format!("{base}/agent?view=open")).send().await.unwrap().text().await.unwrap();
    // `<a href="/agent?view=open" …>All open <span class="count">(123)</span>`
    page.split("view=open\"")
        .nth(1)
        .and_then(|s| s.split("class=\"count\">(").nth(1))
        .and_then(|s| s.split(')').next())
        .unwrap_or("?")
        .to_string()
}

// ---------------------------------------------------------------- servers

/// CPU seconds a process and its children's threads used so far
/// (`/proc/PID/stat` utime + stime, and its child processes': nginx's
/// workers).
fn cpu_secs(pid: u32) -> f64 {
    let ticks = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                let after = s.rsplit(')').next()?.split_whitespace().collect::<Vec<_>>();
                // Fields 14 and 15 of stat, counted after the command name.
                Some(after.get(11)?.parse::<f64>().ok()? + after.get(12)?.parse::<f64>().ok()?)
            })
            .unwrap_or(0.0)
    };
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let total = ticks(&pid.to_string()) + children.split_whitespace().map(ticks).sum::<f64>();
    total / 100.0
}

/// nginx in front of `servers`, on a free port.
fn start_nginx(servers: &[&Server], work: &Path) -> Server {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).exists()).expect("nginx");
    let port = free_port();
    let prefix = work.join(format!("nginx-{port}"));
    std::fs::create_dir_all(&prefix).unwrap();
    let _ = Command::new("chmod").args(["-R", "a+rwx"]).arg(&prefix).status();
    let upstreams: String =
        servers.iter().map(|s| format!("server {};\n", s.base.trim_start_matches("http://"))).collect();
    let p = prefix.display();
    let conf = prefix.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off; worker_processes 1; pid {p}/nginx.pid; error_log {p}/error.log error;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; client_body_temp_path {p}/body; proxy_temp_path {p}/proxy;\n\
             fastcgi_temp_path {p}/fastcgi; uwsgi_temp_path {p}/uwsgi; scgi_temp_path {p}/scgi;\n\
             client_max_body_size 8m; client_body_buffer_size 512k;\n\
             upstream paydesk {{ {upstreams} keepalive 64; }}\n\
             server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://paydesk;\n\
             proxy_http_version 1.1; proxy_set_header Connection \"\"; }} }} }}\n"
        ),
    )
    .unwrap();
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Server { child, base: format!("http://127.0.0.1:{port}"), smtp: None }
}

/// Intake through nginx in front of 1, 2 and 3 servers on one PostgreSQL.
/// This machine's cores are shared by the servers, nginx, PostgreSQL and
/// the load itself: the throughput shows what one host does; the CPU per
/// ticket is what each server would need of its own cores on its own
/// machine.
async fn servers_table(o: &Options) {
    println!("## Several servers behind nginx on one PostgreSQL, {} s a run", o.seconds);
    println!();
    println!("| servers | screenshot | concurrency | tickets/s | p50 ms | p99 ms | errors | server CPU ms per ticket (all servers) | nginx CPU ms per ticket |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let db = BenchDb::new("postgres", o);
    seed(&db.url, 2_000, 20);
    // Only the servers of a row run in it: an idle one would still send
    // the row's mail, uncounted.
    let mut servers = Vec::new();
    for n in 1..=3 {
        servers.push(start_paydesk(&db.url, db.dir()).await);
        let group: Vec<&Server> = servers.iter().collect();
        let front = start_nginx(&group, db.dir());
        wait_up(&front.base).await;
        for shot in [true, false] {
            for c in [8, 64] {
                let before: f64 = group.iter().map(|s| cpu_secs(s.pid())).sum();
                let nginx_before = cpu_secs(front.pid());
                let run = hammer(&front, &intake_body(shot, false), c, o.seconds).await;
                let spent: f64 = group.iter().map(|s| cpu_secs(s.pid())).sum::<f64>() - before;
                let nginx = cpu_secs(front.pid()) - nginx_before;
                let tickets = (run.per_second * o.seconds as f64).max(1.0);
                println!(
                    "| {n} | {} | {c} | {:.0} | {:.1} | {:.1} | {} | {:.2} | {:.2} |",
                    if shot { "200 KB" } else { "none" },
                    run.per_second,
                    run.p50_ms,
                    run.p99_ms,
                    run.errors,
                    spent * 1000.0 / tickets,
                    nginx * 1000.0 / tickets,
                );
            }
        }
    }
    println!();
    // What the shared rate limit costs: one server, direct, the intake
    // quota counted in PostgreSQL (high enough never to refuse) or off.
    println!("| one server, direct | screenshot | concurrency | tickets/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|");
    drop(servers);
    for (label, quota) in [("intake limit off", "0"), ("intake limit in PostgreSQL", "1000000")] {
        let server = start_paydesk_with(&db.url, db.dir(), &[("PAYDESK_INTAKE_PER_MINUTE", quota)]).await;
        for c in [8, 64] {
            let run = hammer(&server, &intake_body(false, false), c, o.seconds).await;
            println!("| {label} | none | {c} | {:.0} | {:.1} | {:.1} |", run.per_second, run.p50_ms, run.p99_ms);
        }
    }
    println!();
}
