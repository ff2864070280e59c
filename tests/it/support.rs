//! A real paydesk server on a random port, on a fresh database: a temporary
//! SQLite file by default, or a fresh PostgreSQL database when
//! `PAYDESK_TEST_DATABASE_URL` names a server (`postgres://user@host/prefix`:
//! each test creates `prefix_<random>` there and drops it afterwards).

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use paydesk::config::Config;
use paydesk::startup::Application;
use reqwest::multipart::{Form, Part};
use reqwest::redirect::Policy;

pub use paydesk::domain::screenshot::samples;

pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir, path: PathBuf },
    Postgres { server: String, name: String },
}

impl TestDb {
    pub fn new() -> Self {
        match std::env::var("PAYDESK_TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                let (server, prefix) = url.rsplit_once('/').expect("PAYDESK_TEST_DATABASE_URL needs a /database");
                let name = format!("{prefix}_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
                let mut admin = PgConnection::establish(&format!("{server}/postgres"))
                    .unwrap_or_else(|e| panic!("PostgreSQL at {server} is unreachable: {e}"));
                admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("create test database");
                TestDb::Postgres { server: server.to_string(), name }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("paydesk.db");
                TestDb::Sqlite { _dir: dir, path }
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            TestDb::Postgres { server, name } => format!("{server}/{name}"),
        }
    }

    /// Everything the database holds, as text, to search for data that must
    /// never be stored. SQLite: the raw bytes of the database files (WAL
    /// included). PostgreSQL: every row of every table, as JSON.
    pub fn dump(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => {
                let mut all = Vec::new();
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    if let Ok(bytes) = std::fs::read(&file) {
                        all.extend(bytes);
                    }
                }
                String::from_utf8_lossy(&all).into_owned()
            }
            TestDb::Postgres { .. } => {
                use diesel::sql_types::Text;
                #[derive(diesel::QueryableByName)]
                struct Row {
                    #[diesel(sql_type = Text)]
                    row: String,
                }
                let mut conn = PgConnection::establish(&self.url()).expect("connect");
                let tables = ["tickets", "ticket_events", "screenshots", "screenshot_drafts"];
                let mut all = String::new();
                for table in tables {
                    let rows: Vec<Row> =
                        diesel::sql_query(format!("SELECT row_to_json(t)::text AS row FROM {table} t"))
                            .load(&mut conn)
                            .expect("dump");
                    for r in rows {
                        all.push_str(&r.row);
                    }
                }
                all
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server, name } = self {
            if let Ok(mut admin) = PgConnection::establish(&format!("{server}/postgres")) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// The metrics listener's base URL (its own port, not `base`).
    pub metrics: Option<String>,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// Where email goes when no SMTP server is configured.
    pub mail_dir: tempfile::TempDir,
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new();
    let mail_dir = tempfile::tempdir().unwrap();
    let (base, metrics) = start_server_with_metrics(&db.url(), mail_dir.path(), adjust);
    let client = test_client();
    TestApp { base, metrics, client, db, mail_dir }
}

/// Starts a server on a database; returns its base URL.
pub fn start_server(url: &str, mail_dir: &std::path::Path, adjust: impl FnOnce(&mut Config)) -> String {
    start_server_with_metrics(url, mail_dir, adjust).0
}

/// Starts a server on a database; returns its base URL and the base URL of
/// its metrics listener.
pub fn start_server_with_metrics(
    url: &str,
    mail_dir: &std::path::Path,
    adjust: impl FnOnce(&mut Config),
) -> (String, Option<String>) {
    let mut config = Config::new(url);
    config.bind = "127.0.0.1:0".into();
    config.metrics_bind = "127.0.0.1:0".into();
    config.workers = Some(2);
    config.mail_dir = mail_dir.display().to_string();
    config.mail_poll_ms = 100;
    config.mail_retry_base_secs = 1;
    // Tests file and sign in far faster than any one person; the limits
    // have their own tests (hostile.rs), which turn them on.
    config.intake_per_minute = 0;
    config.sign_in_per_minute = 0;
    // Due times in wall time, whatever day the suite runs on; working time
    // has its own tests (working_time.rs), which choose their calendars.
    config.calendar = Some("24x7".into());
    // SMS go at once whatever the hour the suite runs at; quiet hours have
    // their own test (sms.rs), which sets them.
    config.sms.sms_quiet_hours = "off".into();
    adjust(&mut config);
    let app = Application::build(config).expect("server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
    tokio::spawn(app.run_until_stopped());
    (base, metrics)
}

/// A real SMTP server (Python's aiosmtpd) keeping what it receives in a
/// maildir.
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(free_port())
    }

    pub fn start_on(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpSink { port, dir, child };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let mut all = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join(sub)) {
                for e in entries.flatten() {
                    all.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        all
    }

    /// Waits until at least `n` messages arrived (at most 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {n} messages, got {}", self.messages().len());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fields of a complete request, as (name, value) pairs.
pub fn complete_fields() -> Vec<(&'static str, String)> {
    [
        ("platform", "wechat"),
        ("payment_scenario", "electricity_bill"),
        ("payment_method", "wechat_pay"),
        ("failing_step", "tap_pay"),
        ("symptom", "error_shown"),
        // No routing rule knows this error: the ticket is `other`, new, and
        // waits for an agent (routing tests pick their own facts).
        ("error_code", "E1003"),
        ("error_message", "支付失败"),
        ("city", "上海"),
        ("account_number", "3100 1234 4821"),
        ("checks_tried", "switched_network"),
        ("checks_tried", "other_card"),
        ("contact_email", "li.wei@example.com"),
        ("description", "Tried twice this morning."),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

pub fn png_part(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_string()).mime_str("image/png").unwrap()
}

/// A multipart form from fields, plus an optional screenshot.
pub fn form(fields: &[(&str, String)], screenshot: Option<Part>) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.clone());
    }
    if let Some(part) = screenshot {
        form = form.part("screenshot", part);
    }
    form
}

/// The complete request with one field replaced (or removed, with "").
pub fn with(fields: &[(&'static str, String)], name: &'static str, value: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| *k != name).cloned().collect();
    if !value.is_empty() {
        out.push((name, value.to_string()));
    }
    out
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_lang(&self, path: &str, lang: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("Accept-Language", lang).send().await.expect("GET")
    }

    /// Files through the API; returns the status and the JSON body.
    pub async fn api_file(&self, form: Form, lang: &str) -> (u16, serde_json::Value) {
        let res = self
            .client
            .post(self.url("/api/v1/tickets"))
            .header("Accept-Language", lang)
            .multipart(form)
            .send()
            .await
            .expect("POST /api/v1/tickets");
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// The CSRF token our pages put in their forms (the client keeps the
    /// matching cookie).
    pub async fn csrf(&self) -> String {
        let page = self.get("/tickets/new").await.text().await.unwrap();
        hidden_value(&page, "csrf").expect("pages carry a csrf field")
    }

    /// Files through the web form; returns the response (303 or 422 page).
    pub async fn form_file(&self, form: Form, lang: &str) -> reqwest::Response {
        let form = form.text("csrf", self.csrf().await);
        self.client
            .post(self.url("/tickets"))
            .header("Accept-Language", lang)
            .multipart(form)
            .send()
            .await
            .expect("POST /tickets")
    }

    /// Posts a multipart form as a page would (with its CSRF field).
    pub async fn post_multipart(&self, path: &str, form: Form, lang: &str) -> reqwest::Response {
        let form = form.text("csrf", self.csrf().await);
        self.client.post(self.url(path)).header("Accept-Language", lang).multipart(form).send().await.expect("POST")
    }

    /// Files a complete request through the form and returns the tracking
    /// path (`/t/{token}`).
    pub async fn file_complete(&self) -> String {
        let res = self.form_file(form(&complete_fields(), Some(png_part("error.png", samples::png()))), "en").await;
        assert_eq!(res.status().as_u16(), 303, "complete form is accepted");
        let location = res.headers()["location"].to_str().unwrap().to_string();
        location.trim_end_matches("/created").to_string()
    }
}

impl TestApp {
    /// Outbox rows by status (`pending`, `sent`, `dead`).
    pub fn outbox_count(&self, status: &str) -> i64 {
        use diesel::prelude::*;
        use paydesk::db::schema::outbox;
        outbox::table.filter(outbox::status.eq(status)).count().get_result(&mut self.conn()).unwrap()
    }

    /// Waits (at most 20 s) until the outbox holds `sent` messages and none
    /// is still pending: every message queued so far was delivered, so a
    /// count taken now is final.
    pub async fn wait_outbox_sent(&self, sent: i64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (now_sent, pending) = (self.outbox_count("sent"), self.outbox_count("pending"));
            if now_sent >= sent && pending == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "outbox: {now_sent} sent, {pending} pending; waited for {sent} sent and none pending"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits (at most 20 s) until every one of `n` queued messages has been
    /// tried at least once.
    pub async fn wait_outbox_tried(&self, n: i64) {
        use diesel::prelude::*;
        use paydesk::db::schema::outbox;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let tried: i64 = outbox::table.filter(outbox::attempts.gt(0)).count().get_result(&mut self.conn()).unwrap();
            if tried >= n {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "outbox: {tried} of {n} messages tried");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The value of a named hidden input in a page.
pub fn hidden_value(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    Some(page[start..].split('"').next()?.to_string())
}

/// A separate person at a browser: their own cookies (session, CSRF).
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("Accept-Language", "en").send().await.expect("GET")
    }

    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// A page as a reader of `lang` gets it.
    pub async fn text_in(&self, path: &str, lang: &str) -> String {
        self.client.get(self.url(path)).header("Accept-Language", lang).send().await.expect("GET").text().await.unwrap()
    }

    pub async fn csrf(&self) -> String {
        hidden_value(&self.text("/tickets/new").await, "csrf").expect("csrf field")
    }

    /// Posts a form with this browser's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        pairs.push(("csrf", &csrf));
        self.client.post(self.url(path)).header("Accept-Language", "en").form(&pairs).send().await.expect("POST")
    }
}

pub const PASSWORD: &str = "a long enough password";

/// Held by Lighthouse (whose performance score is timed) and by the
/// longest browser journeys, so the two never run at once on a 2-core
/// machine; the other tests run beside either.
pub static TIMED: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl TestApp {
    pub fn browser(&self) -> Browser {
        let client = test_client();
        Browser { base: self.base.clone(), client }
    }

    pub fn conn(&self) -> paydesk::db::PooledConn {
        paydesk::db::connect(&self.db.url(), 1).unwrap().get().unwrap()
    }

    /// Adds a staff account (password [`PASSWORD`]); returns its id.
    pub fn add_staff(&self, email: &str, name: &str, role: &str, queues: &[&str]) -> String {
        use paydesk::db::users::{create, NewUser};
        use paydesk::domain::codes::{Queue, Role};
        let queues: Vec<Queue> = queues.iter().map(|q| Queue::parse(q).unwrap()).collect();
        let hash = paydesk::auth::password::hash(PASSWORD);
        let new = NewUser { email, name, role: Role::parse(role).unwrap(), password_hash: &hash, queues: &queues };
        create(&mut self.conn(), new, chrono::Utc::now().naive_utc()).unwrap().id
    }

    /// A browser signed in as a new staff member of that role.
    pub async fn staff(&self, role: &str) -> Browser {
        let email = format!("{role}-{}@paydesk.test", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.add_staff(&email, &format!("{role} {}", &email[..12]), role, &["general", "payments"]);
        let browser = self.browser();
        let res = browser.post("/login", &[("email", &email), ("password", PASSWORD)]).await;
        assert_eq!(res.status().as_u16(), 303, "sign-in works");
        browser
    }

    /// Files through the API without a screenshot; returns the reference.
    pub async fn api_file_no_shot(&self, fields: &[(&'static str, String)]) -> String {
        let (status, body) = self.api_file(form(fields, None), "en").await;
        assert_eq!(status, 201, "{body}");
        body["reference"].as_str().unwrap().to_string()
    }

    /// Files a complete request through the API; returns its reference and
    /// tracking path.
    pub async fn file_api(&self, fields: &[(&'static str, String)]) -> (String, String) {
        let (status, body) = self.api_file(form(fields, Some(png_part("e.png", samples::png()))), "en").await;
        assert_eq!(status, 201, "{body}");
        let url = body["tracking_url"].as_str().unwrap();
        (body["reference"].as_str().unwrap().to_string(), url.trim_start_matches(&self.base).to_string())
    }
}

/// The tests' HTTP client: cookies kept, redirects not followed, and an
/// idle connection dropped after 2 s — before the server's 5 s keep-alive
/// closes it, or a POST sent on a connection the server is just closing
/// fails with a broken pipe (seen in a browser journey's pauses).
pub fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

impl TestApp {
    /// A ticket's internal notes (body, public?), oldest first.
    pub fn internal_notes(&self, reference: &str) -> Vec<(String, bool)> {
        use diesel::prelude::*;
        use paydesk::db::schema::{ticket_events, tickets};
        ticket_events::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(reference))
            .filter(ticket_events::kind.eq("internal_note"))
            .order(ticket_events::created_at)
            .select((ticket_events::body, ticket_events::is_public))
            .load(&mut self.conn())
            .unwrap()
    }
}

/// `paydesk purge` on a database, as an operator runs it (from another
/// working directory than the server's).
pub fn purge_command(database_url: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paydesk"))
        .arg("purge")
        .env("DATABASE_URL", database_url)
        .env_remove("PAYDESK_SCREENSHOT_RETENTION_DAYS")
        .env_remove("PAYDESK_EMAIL_RETENTION_DAYS")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
