//! Issue 15, replayed over HTTP: what the retention purge used to leave
//! behind (`.eml` files, SMTP errors quoting the address, the server log,
//! tracking links that still opened and reopened the ticket), customer text
//! in staff email subjects and uncapped spike proposals, formula cells in
//! CSV exports, and unlimited screenshots on one ticket. Each test mounts
//! the attack and sees it fail.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use paydesk::db::schema::{incidents, outbox, screenshots, ticket_events, tickets};
use paydesk::domain::spikes::SpikeRules;
use paydesk::ops::incident as inc;

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");
const ADDRESS: &str = "li.wei@example.com";

/// Resolves a ticket and moves its last change `days` into the past.
fn age(conn: &mut paydesk::db::DbConn, reference: &str, days: i64) {
    let when = Utc::now().naive_utc() - chrono::Duration::days(days);
    diesel::update(tickets::table.filter(tickets::reference.eq(reference)))
        .set((tickets::status.eq("resolved"), tickets::updated_at.eq(when)))
        .execute(conn)
        .unwrap();
}

/// Every `.eml` file in a folder, with its content.
fn eml_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..200 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited 20 s for {what}");
}

// ---------------------------------------------------------------------------
// Finding 3: the retention purge leaves personal data behind.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_eml_files_of_an_anonymised_ticket_are_deleted_and_nobody_elses() {
    // No SMTP server: every message is an `.eml` file with `To: <address>`.
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    let (old, _) = app.file_api(&complete_fields()).await;
    let (kept, _) = app.file_api(&with(&complete_fields(), "contact_email", "wang.fang@example.com")).await;
    let agent = app.staff("agent").await;
    let res = agent.post(&format!("/agent/tickets/{old}/reply"), &[("body", "请重试"), ("then", "resolved")]).await;
    assert_eq!(res.status().as_u16(), 303);
    app.wait_outbox_sent(3).await;
    let files = eml_files(app.mail_dir.path());
    let with_address = files.iter().filter(|(_, text)| text.contains(ADDRESS)).count();
    assert_eq!(with_address, 2, "received + resolved, each a file naming the customer");

    age(&mut app.conn(), &old, 400);
    let done = purge_command(&app.db.url());
    assert!(done.contains("anonymised the contact email of 1 closed tickets"), "{done}");

    let files = eml_files(app.mail_dir.path());
    for (path, text) in &files {
        assert!(!text.contains(ADDRESS), "{} still names the customer", path.display());
    }
    assert_eq!(files.len(), 1, "the other customer's mail is kept");
    assert!(files[0].1.contains("wang.fang@example.com") && files[0].1.contains(&kept));
    let recorded: Vec<Option<String>> = outbox::table
        .inner_join(tickets::table.on(tickets::id.nullable().eq(outbox::ticket_id)))
        .filter(tickets::reference.eq(&old))
        .select(outbox::mail_file)
        .load(&mut app.conn())
        .unwrap();
    assert!(recorded.len() == 2 && recorded.iter().all(Option::is_none), "{recorded:?}");
}

/// An SMTP server that refuses every recipient, quoting the address, as
/// Postfix does (`550 5.1.1 <li@example.com>: Recipient address rejected`).
struct RejectingSmtp {
    port: u16,
    child: std::process::Child,
}

impl RejectingSmtp {
    fn start() -> RejectingSmtp {
        const SERVER: &str = r#"
import sys, time
from aiosmtpd.controller import Controller
class Refuse:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table" % address
c = Controller(Refuse(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
while True:
    time.sleep(3600)
"#;
        let port = free_port();
        let mut child = std::process::Command::new("python3")
            .args(["-c", SERVER, &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return RejectingSmtp { port, child };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the refusing SMTP server did not start (pip install aiosmtpd)");
    }
}

impl Drop for RejectingSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary, as an operator runs it, its log kept in a file.
struct Server {
    base: String,
    child: std::process::Child,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(database_url: &str, smtp_url: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let port = free_port();
        let child = std::process::Command::new(BIN)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--metrics-bind", "off"])
            .args(["--smtp-url", smtp_url, "--intake-per-minute", "0", "--sign-in-per-minute", "0"])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "info")
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Server { base: format!("http://127.0.0.1:{port}"), child, log, _dir: dir }
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client.get(format!("{}/healthz", self.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("paydesk serve did not start: {}", std::fs::read_to_string(&self.log).unwrap_or_default());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn last_errors(conn: &mut paydesk::db::DbConn) -> Vec<String> {
    outbox::table.select(outbox::last_error).load::<Option<String>>(conn).unwrap().into_iter().flatten().collect()
}

#[tokio::test]
async fn an_smtp_refusal_quoting_the_address_is_neither_stored_nor_logged_nor_shown() {
    let smtp = RejectingSmtp::start();
    let db = TestDb::new();
    let server = Server::start(&db.url(), &format!("smtp://127.0.0.1:{}", smtp.port));
    server.wait_ready().await;
    let mut conn = paydesk::db::connect(&db.url(), 1).unwrap().get().unwrap();

    // A customer files; the SMTP server refuses their address.
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/tickets", server.base))
        .multipart(form(&complete_fields(), Some(png_part("e.png", samples::png()))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let reference = res.json::<serde_json::Value>().await.unwrap()["reference"].as_str().unwrap().to_string();
    wait_until("the refusal to be recorded", || !last_errors(&mut conn).is_empty()).await;

    let errors = last_errors(&mut conn);
    assert!(errors[0].contains("550") && errors[0].contains("Recipient address rejected"), "{errors:?}");
    assert!(errors[0].contains("<[address]>"), "the address is redacted where it stood: {errors:?}");
    assert!(!errors[0].contains(ADDRESS));
    let log = server.log();
    assert!(log.contains("email not sent"), "the failure is logged: {log}");
    assert!(!log.contains(ADDRESS), "the log never names the recipient: {log}");

    // A row stored before this fix, with the address in its error.
    diesel::update(outbox::table)
        .set(outbox::last_error.eq(format!("permanent error (550): 5.1.1 <{ADDRESS}>: rejected")))
        .execute(&mut conn)
        .unwrap();
    age(&mut conn, &reference, 400);
    purge_command(&db.url());
    assert!(last_errors(&mut conn).iter().all(|e| !e.contains(ADDRESS)), "{:?}", last_errors(&mut conn));

    // The admin's outbox page names nobody now.
    let admin_email = "admin-leftovers@paydesk.test";
    let hash = paydesk::auth::password::hash(PASSWORD);
    let new = paydesk::db::users::NewUser {
        email: admin_email,
        name: "Admin",
        role: paydesk::domain::codes::Role::Admin,
        password_hash: &hash,
        queues: &[],
    };
    paydesk::db::users::create(&mut conn, new, Utc::now().naive_utc()).unwrap();
    let admin = Browser {
        base: server.base.clone(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap(),
    };
    let res = admin.post("/login", &[("email", admin_email), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 303);
    let page = admin.text("/admin/outbox").await;
    assert!(page.contains("[address]") || page.contains("contact email anonymised"), "{page}");
    assert!(!page.contains(ADDRESS), "{page}");
    assert!(!server.log().contains(ADDRESS));
}

#[tokio::test]
async fn the_links_of_an_anonymised_ticket_answer_410_and_a_message_cannot_reopen_it() {
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let page = app.get(&tracking).await.text().await.unwrap();
    let shot = page.split(&format!("{tracking}/screenshots/")).nth(1).unwrap().split('"').next().unwrap().to_string();
    let shot_path = format!("{tracking}/screenshots/{shot}");
    assert_eq!(app.get(&shot_path).await.status().as_u16(), 200);
    let mut conn = app.conn();
    age(&mut conn, &reference, 400);
    purge_command(&app.db.url());

    for (lang, own, other) in
        [("en", "its details were removed", "详情已删除"), ("zh-CN", "详情已删除", "its details were removed")]
    {
        for path in [tracking.clone(), format!("{tracking}/created")] {
            let res = app.get_lang(&path, lang).await;
            assert_eq!(res.status().as_u16(), 410, "{path}");
            assert_eq!(res.headers()["cache-control"], "no-store");
            let body = res.text().await.unwrap();
            assert!(body.contains(own) && body.contains(other), "a calm page in both languages: {body}");
            for private in [reference.as_str(), "上海", "li.w", "31******4821", "example.com"] {
                assert!(!body.contains(private), "{private} on the gone page");
            }
        }
    }
    assert_eq!(app.get(&shot_path).await.status().as_u16(), 410);

    // Whoever holds an old email writes again: refused, nothing stored, the
    // ticket stays resolved.
    let events_before: i64 = ticket_events::table.count().get_result(&mut conn).unwrap();
    let message = reqwest::multipart::Form::new().text("message", "又失败了");
    let res = app.post_multipart(&format!("{tracking}/messages"), message, "en").await;
    assert_eq!(res.status().as_u16(), 410);
    assert!(res.text().await.unwrap().contains("its details were removed"));
    let message =
        reqwest::multipart::Form::new().text("message", "again").part("screenshot", png_part("e.png", samples::png()));
    let res = app.post_multipart(&format!("{tracking}/messages"), message, "zh-CN").await;
    assert_eq!(res.status().as_u16(), 410);
    let status: String =
        tickets::table.filter(tickets::reference.eq(&reference)).select(tickets::status).first(&mut conn).unwrap();
    assert_eq!(status, "resolved", "not reopened");
    let events_after: i64 = ticket_events::table.count().get_result(&mut conn).unwrap();
    assert_eq!(events_after, events_before, "no message, no status change");
    let shots: i64 = screenshots::table.count().get_result(&mut conn).unwrap();
    assert_eq!(shots, 0);
}

// ---------------------------------------------------------------------------
// Finding 6: customer text in staff email subjects; proposals not capped.
// ---------------------------------------------------------------------------

const HOSTILE_CITY: &str = "Refund: call +86 400 123 4567";

#[tokio::test]
async fn a_spike_alert_subject_and_banner_never_carry_the_customer_typed_city() {
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    app.add_staff("boss@paydesk.test", "Boss", "supervisor", &[]);
    let supervisor = app.staff("supervisor").await;
    for _ in 0..10 {
        app.file_api(&with(&complete_fields(), "city", HOSTILE_CITY)).await;
    }
    let raised = inc::propose_for_spikes(&mut app.conn(), &SpikeRules::default(), Utc::now().naive_utc()).unwrap();
    assert!(raised >= 1);
    let alerts: i64 = outbox::table.filter(outbox::kind.eq("spike_alert")).count().get_result(&mut app.conn()).unwrap();
    assert!(alerts >= 2, "each supervisor is mailed");
    app.wait_outbox_sent(10 + alerts).await;

    let mut city_alerts = 0;
    for (path, raw) in eml_files(app.mail_dir.path()) {
        let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
        use mailparse::MailHeaderMap;
        let subject = mail.headers.get_first_value("Subject").unwrap_or_default();
        if !subject.contains("建议创建事件") {
            continue;
        }
        assert!(!subject.contains("Refund") && !subject.contains("400"), "{}: {subject}", path.display());
        if subject.contains("城市") {
            city_alerts += 1;
            assert!(subject.contains("10 张工单"), "the kind and the count: {subject}");
            // The body may quote the value, as text.
            let text = mail.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").map(|p| p.get_body().unwrap());
            assert!(text.unwrap_or_default().contains(HOSTILE_CITY), "the body says which city");
        }
    }
    assert_eq!(city_alerts, 2, "one city alert per supervisor");

    let page = supervisor.text("/agent").await;
    let banner = page.split("class=\"alert-banner\"").nth(1).expect("the banner").split("</div>").next().unwrap();
    assert!(banner.contains("spike alert(s) wait for a supervisor"), "{banner}");
    assert!(!banner.contains("Refund") && !banner.contains("400"), "{banner}");
}

#[tokio::test]
async fn at_most_five_proposals_wait_per_dimension_however_many_cities_spike() {
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    app.add_staff("boss@paydesk.test", "Boss", "supervisor", &[]);
    let cap = inc::MAX_OPEN_PROPOSALS_PER_DIMENSION;
    assert_eq!(cap, 5);
    // Six made-up cities, each "spiking" (a low threshold keeps the test short).
    for k in 0..=cap {
        for _ in 0..3 {
            app.file_api(&with(&complete_fields(), "city", &format!("Fake city {k}"))).await;
        }
    }
    let rules = SpikeRules { min_count: 3, ..SpikeRules::default() };
    let now = Utc::now().naive_utc();
    inc::propose_for_spikes(&mut app.conn(), &rules, now).unwrap();
    inc::propose_for_spikes(&mut app.conn(), &rules, now + chrono::Duration::seconds(1)).unwrap();
    let proposed: i64 = incidents::table
        .filter(incidents::dimension.eq("city"))
        .filter(incidents::status.eq("proposed"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(proposed, cap, "{} cities spiked", cap + 1);
    let mailed: i64 = outbox::table
        .inner_join(incidents::table.on(incidents::id.nullable().eq(outbox::incident_id)))
        .filter(incidents::dimension.eq("city"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(mailed, cap, "one mail per proposal to the one supervisor");

    // Once a supervisor dismisses one, the next spike may be proposed.
    let boss = app.staff("supervisor").await;
    let one: String = incidents::table
        .filter(incidents::dimension.eq("city"))
        .filter(incidents::status.eq("proposed"))
        .select(incidents::id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(boss.post(&format!("/supervisor/incidents/{one}/dismiss"), &[]).await.status().as_u16(), 303);
    assert!(inc::propose_for_spikes(&mut app.conn(), &rules, now + chrono::Duration::seconds(2)).unwrap() >= 1);
    let proposed: i64 = incidents::table
        .filter(incidents::dimension.eq("city"))
        .filter(incidents::status.eq("proposed"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(proposed, cap);
}

// ---------------------------------------------------------------------------
// Weaker points: CSV formula cells, unlimited screenshots.
// ---------------------------------------------------------------------------

#[tokio::test]
async fn full_width_and_hidden_formula_starts_are_neutralised_in_the_csv_export() {
    let app = spawn().await;
    let cities = ["＝HYPERLINK(\"http://x.example\")", "＋86 400", "－1+1", "＠SUM(A1)", ";=1+1", "; ＝1+1"];
    for city in cities {
        app.file_api(&with(&complete_fields(), "city", city)).await;
    }
    app.file_api(&with(&complete_fields(), "city", "上海")).await;
    let agent = app.staff("agent").await;
    let res = agent.get("/agent/export.csv?view=open").await;
    assert_eq!(res.status().as_u16(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let city_column = reader.headers().unwrap().iter().position(|h| h == "City").expect("a City column");
    let exported: Vec<String> = reader.records().map(|r| r.unwrap()[city_column].to_string()).collect();
    for city in cities {
        assert!(exported.contains(&format!("'{city}")), "{city} neutralised: {exported:?}");
        assert!(!exported.contains(&city.to_string()), "{city} as is: {exported:?}");
    }
    assert!(exported.contains(&"上海".to_string()), "plain text untouched");
}

#[tokio::test]
async fn a_ticket_keeps_at_most_ten_screenshots_and_the_eleventh_is_refused_keeping_the_text() {
    let app = spawn().await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let max = paydesk::db::tickets::MAX_SCREENSHOTS_PER_TICKET;
    assert_eq!(max, 10);
    // Filed with one; nine more through messages.
    for k in 1..max {
        let message = reqwest::multipart::Form::new()
            .text("message", format!("shot {k}"))
            .part("screenshot", png_part("e.png", samples::png()));
        let res = app.post_multipart(&format!("{tracking}/messages"), message, "en").await;
        assert_eq!(res.status().as_u16(), 303, "screenshot {}", k + 1);
    }
    for (lang, words) in [("en", "already has 10 screenshots"), ("zh-CN", "已有 10 张截图")] {
        let typed = format!("the eleventh, typed in {lang}");
        let message = reqwest::multipart::Form::new()
            .text("message", typed.clone())
            .part("screenshot", png_part("e.png", samples::png()));
        let res = app.post_multipart(&format!("{tracking}/messages"), message, lang).await;
        assert_eq!(res.status().as_u16(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains(words), "{lang}: {page}");
        assert!(page.contains(&typed), "what was typed is kept: {page}");
    }
    let count = |conn: &mut paydesk::db::DbConn| -> i64 {
        screenshots::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(&reference))
            .count()
            .get_result(conn)
            .unwrap()
    };
    assert_eq!(count(&mut app.conn()), max as i64);
    // A message without a screenshot still goes through.
    let message = reqwest::multipart::Form::new().text("message", "no picture this time");
    assert_eq!(app.post_multipart(&format!("{tracking}/messages"), message, "en").await.status().as_u16(), 303);
    assert_eq!(count(&mut app.conn()), max as i64);
}
