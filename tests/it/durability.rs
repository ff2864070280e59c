//! Crashes and faults, with the real `paydesk` binary: a server killed with
//! SIGKILL mid-load keeps every ticket it confirmed; a PostgreSQL server
//! stopped mid-load makes requests fail fast with 503, and service comes
//! back by itself when it returns.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::process::{Child, Command};

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");

/// `paydesk serve` on a database and a free port.
async fn serve(database_url: &str, log: &std::path::Path) -> (Child, String) {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve", "--metrics-bind", "127.0.0.1:0", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("PAYDESK_WORKERS", "2")
        .env("PAYDESK_INTAKE_PER_MINUTE", "0")
        .env("PAYDESK_MAIL_DIR", log.with_extension("mail"))
        .stdout(Stdio::null())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("paydesk did not start: {}", std::fs::read_to_string(log).unwrap_or_default());
}

/// A valid PNG made unique by bytes after its end, so each ticket's
/// screenshot can be recognised.
fn unique_png(n: usize) -> Vec<u8> {
    let mut png = samples::png();
    png.extend(format!("ticket {n} {}", uuid::Uuid::new_v4()).bytes());
    png
}

struct Confirmed {
    tracking_path: String,
    sha256: Vec<u8>,
}

#[tokio::test]
async fn a_server_killed_mid_load_keeps_every_ticket_it_confirmed() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let (mut child, base) = serve(&db.url(), &log).await;

    let confirmed = Arc::new(Mutex::new(Vec::<Confirmed>::new()));
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for worker in 0..12 {
        let (client, base, confirmed) = (client.clone(), base.clone(), confirmed.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                let png = unique_png(worker * 100_000 + n);
                let sha256 = Sha256::digest(&png).to_vec();
                let form = form(&complete_fields(), Some(png_part("e.png", png)));
                let Ok(res) = client.post(format!("{base}/api/v1/tickets")).multipart(form).send().await else {
                    return; // the server is gone
                };
                if res.status().as_u16() != 201 {
                    continue;
                }
                let Ok(body) = res.json::<serde_json::Value>().await else { return };
                let url = body["tracking_url"].as_str().unwrap();
                let tracking_path = url.trim_start_matches(&base).to_string();
                confirmed.lock().unwrap().push(Confirmed { tracking_path, sha256 });
            }
        }));
    }
    // Kill it once it is busy: well into the load, not at a quiet moment.
    let started = Instant::now();
    while confirmed.lock().unwrap().len() < 150 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap(); // SIGKILL
    child.wait().await.unwrap();
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    let confirmed = std::mem::take(&mut *confirmed.lock().unwrap());
    assert!(confirmed.len() >= 150, "the load ran ({} tickets)", confirmed.len());

    // Back up on the same database: every confirmed ticket is there, whole.
    let (_child, base) = serve(&db.url(), &log).await;
    for t in &confirmed {
        let page = client.get(format!("{base}{}", t.tracking_path)).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{}", t.tracking_path);
        let page = page.text().await.unwrap();
        let at = page.find("/screenshots/").unwrap_or_else(|| panic!("{} lost its screenshot", t.tracking_path));
        let id: String = page[at + 13..].chars().take_while(|c| *c != '"').collect();
        let shot = client.get(format!("{base}{}/screenshots/{id}", t.tracking_path)).send().await.unwrap();
        assert_eq!(shot.status().as_u16(), 200);
        assert_eq!(Sha256::digest(shot.bytes().await.unwrap()).to_vec(), t.sha256, "the screenshot is intact");
    }
}

/// A PostgreSQL server of this test's own, so stopping it harms no other
/// test: `initdb` and `pg_ctl` from the machine's PostgreSQL, run as the
/// `postgres` user (PostgreSQL refuses to run as root).
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivatePostgres {
    fn bin(name: &str) -> String {
        let versions = std::fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL server binaries");
        let version = versions.flatten().map(|e| e.file_name().into_string().unwrap()).max().unwrap();
        format!("/usr/lib/postgresql/{version}/bin/{name}")
    }

    fn is_root() -> bool {
        let out = std::process::Command::new("id").arg("-u").output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "0"
    }

    fn as_postgres(args: &[&str]) -> std::process::Output {
        let mut cmd = if Self::is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).args(args);
            c
        } else {
            let mut c = std::process::Command::new(args[0]);
            c.args(&args[1..]);
            c
        };
        cmd.output().expect("run a PostgreSQL tool")
    }

    /// A streaming replica of this server (`pg_basebackup -R`), started
    /// on a port of its own, hot standby (issue 31).
    pub fn replica(&self) -> Self {
        let dir = tempfile::Builder::new().prefix("paydesk-pg-replica-").tempdir_in("/tmp").unwrap();
        let path = dir.path().to_str().unwrap().to_string();
        if Self::is_root() {
            std::process::Command::new("chown").args(["postgres:", &path]).status().unwrap();
        }
        let data = format!("{path}/data");
        let out = Self::as_postgres(&[
            &Self::bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-D",
            &data,
            "-R",
            "-X",
            "stream",
        ]);
        assert!(out.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&out.stderr));
        let replica = PrivatePostgres { dir, port: free_port() };
        replica.start();
        replica
    }

    /// Runs SQL in database `db` of this server, as postgres.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let out = std::process::Command::new("psql")
            .arg(format!("{}/{db}", self.server()))
            .args(["-qAtc", sql])
            .env("PGSSLMODE", "disable")
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn start_new() -> Self {
        let dir = tempfile::Builder::new().prefix("paydesk-pg-").tempdir_in("/tmp").unwrap();
        let path = dir.path().to_str().unwrap().to_string();
        if Self::is_root() {
            std::process::Command::new("chown").args(["postgres:", &path]).status().unwrap();
        }
        let data = format!("{path}/data");
        let out = Self::as_postgres(&[&Self::bin("initdb"), "-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let pg = PrivatePostgres { dir, port: free_port() };
        pg.start();
        pg
    }

    fn ctl(&self, args: &[&str]) {
        let path = self.dir.path().to_str().unwrap();
        let (data, log) = (format!("{path}/data"), format!("{path}/log"));
        let opts = format!("-p {} -k {path} -c listen_addresses=127.0.0.1 -c fsync=off", self.port);
        let mut all = vec![Self::bin("pg_ctl"), "-D".into(), data, "-l".into(), log, "-o".into(), opts, "-w".into()];
        all.extend(args.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = Self::as_postgres(&all);
        assert!(out.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn start(&self) {
        self.ctl(&["start"]);
    }

    fn stop(&self) {
        self.ctl(&["stop", "-m", "fast"]);
    }

    pub fn url(&self) -> String {
        self.server() + "/postgres"
    }

    /// `postgres://…:port`, without a database.
    pub fn server(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| self.ctl(&["stop", "-m", "immediate"]));
    }
}

/// What the load saw in one phase.
#[derive(Default, Debug)]
struct Seen {
    statuses: std::collections::BTreeMap<u16, usize>,
    transport_errors: usize,
    slowest: Duration,
}

// PostgreSQL only: the SQLite run lists it as ignored (not as passed); the
// PostgreSQL run of `.ci/test` takes it with `--include-ignored`.
#[tokio::test]
#[ignore = "PostgreSQL only: run by .ci/test's PostgreSQL run"]
async fn postgresql_stopped_mid_load_means_fast_503s_then_recovery() {
    assert!(
        std::env::var("PAYDESK_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")),
        "this test needs PostgreSQL: PAYDESK_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/x \
         cargo test -- --include-ignored postgresql_stopped"
    );
    let pg = Arc::new(PrivatePostgres::start_new());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let (mut child, base) = serve(&pg.url(), &log).await;

    let phase = Arc::new(Mutex::new(0usize));
    let seen: Arc<Mutex<[Seen; 3]>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (client, base, phase, seen, stop) =
            (client.clone(), base.clone(), phase.clone(), seen.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let at = *phase.lock().unwrap();
                // Intake and a page read, as customers do.
                let res = if i % 2 == 0 {
                    let fields = with(&complete_fields(), "symptom", "stuck_loading");
                    client.post(format!("{base}/api/v1/tickets")).multipart(form(&fields, None)).send().await
                } else {
                    client.get(format!("{base}/readyz")).send().await
                };
                let took = started.elapsed();
                let mut seen = seen.lock().unwrap();
                let s = &mut seen[at];
                s.slowest = s.slowest.max(took);
                match res {
                    Ok(r) => *s.statuses.entry(r.status().as_u16()).or_default() += 1,
                    Err(_) => s.transport_errors += 1,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // pg_ctl blocks; the load goes on meanwhile.
    let pg_ = pg.clone();
    tokio::task::spawn_blocking(move || pg_.stop()).await.unwrap();
    *phase.lock().unwrap() = 1;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let pg_ = pg.clone();
    tokio::task::spawn_blocking(move || pg_.start()).await.unwrap();
    *phase.lock().unwrap() = 2;
    // Recovery: wait for the first success after the restart (bounded).
    let back = Instant::now();
    while seen.lock().unwrap()[2].statuses.get(&201).copied().unwrap_or(0) < 20
        && back.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = back.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let seen = seen.lock().unwrap();
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    let (before, down, after) = (&seen[0], &seen[1], &seen[2]);
    eprintln!("before: {before:?}\ndown: {down:?}\nafter: {after:?}, recovered in {recovered_in:?}");
    assert!(before.statuses.get(&201).copied().unwrap_or(0) > 0, "the load ran: {before:?}");
    // While it is down: 503s that come quickly; no 500s, no hangs.
    assert!(down.statuses.get(&503).copied().unwrap_or(0) > 0, "{down:?}");
    assert!(!down.statuses.contains_key(&500), "no 500 while the database is down: {down:?}\n{log_text}");
    assert_eq!(down.transport_errors, 0, "the server answered every request: {down:?}");
    assert!(down.slowest < Duration::from_secs(5), "failed fast: {down:?}");
    // After: it serves again by itself, without a restart.
    assert!(after.statuses.get(&201).copied().unwrap_or(0) >= 20, "recovered: {after:?} in {recovered_in:?}");
    assert!(child.try_wait().unwrap().is_none(), "the server is still running");
    assert!(!log_text.contains("panicked"), "{log_text}");
}
