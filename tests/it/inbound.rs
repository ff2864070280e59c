//! Inbound email against a real IMAP server: Debian's dovecot, started by
//! the test with a configuration of its own (unprivileged: as `nobody` when
//! the suite runs as root), mail delivered into it with IMAP APPEND.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use futures_util::TryStreamExt;
use paydesk::db::schema::{inbound_mail, outbox, ticket_events, tickets};

use crate::support::*;

const USER: &str = "desk";
const PASSWORD: &str = "imap-secret";

pub struct Dovecot {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // The whole process group: under root the child is `runuser`, and
        // killing only it would leave dovecot and its helpers running.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn dovecot_binary() -> PathBuf {
    let path = PathBuf::from(std::env::var("PAYDESK_DOVECOT").unwrap_or_else(|_| "/usr/sbin/dovecot".into()));
    assert!(path.exists(), "{} is missing: apt-get install dovecot-imapd", path.display());
    path
}

impl Dovecot {
    pub fn start() -> Dovecot {
        let binary = dovecot_binary();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let port = free_port();
        // Dovecot refuses to run its login process as root: under root the
        // whole server runs as `nobody`, owning its folder.
        let as_root = nix_is_root();
        let (user, group) = if as_root { ("nobody".to_string(), "nogroup".to_string()) } else { current_user() };
        let (uid, gid) = ids(&user, &group);
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(root.join("users"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let d = root.display();
        let config = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/log\ninstance_name = paydesk-test-{port}\n\
             protocols = imap\nlisten = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
             first_valid_uid = 0\ndefault_internal_user = {user}\ndefault_internal_group = {group}\n\
             default_login_user = {user}\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={d}/home/%u\n}}\n\
             mail_location = maildir:~/Maildir\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  \
             inet_listener imaps {{\n    port = 0\n  }}\n}}\nservice anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        let conf = root.join("dovecot.conf");
        let mut command = if as_root {
            Command::new("chown").args(["-R", &format!("{user}:{group}")]).arg(root).status().unwrap();
            std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
            let mut c = Command::new("runuser");
            c.args(["-u", &user, "--"]).arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        // A process group of its own, so that it is stopped as a whole.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} ({e}): apt-get install dovecot-imapd", binary.display()));
        let server = Dovecot { port, child, _dir: dir };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(server._dir.path().join("log")).unwrap_or_default();
        panic!("dovecot did not start: {log}");
    }

    pub fn url(&self) -> String {
        format!("imap://{USER}:{PASSWORD}@127.0.0.1:{}/INBOX", self.port)
    }

    async fn session(&self) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        let mut session = client.login(USER, PASSWORD).await.map_err(|(e, _)| e).unwrap();
        session.select("INBOX").await.unwrap();
        session
    }

    /// Delivers a message into the mailbox, as a mail server would.
    pub async fn deliver(&self, raw: &str) {
        let mut s = self.session().await;
        s.append("INBOX", None, None, raw.replace('\n', "\r\n").replace("\r\r\n", "\r\n")).await.unwrap();
        s.logout().await.unwrap();
    }

    /// Delivers a message already flagged seen: someone read it in a mail
    /// program before paydesk fetched it.
    pub async fn deliver_read(&self, raw: &str) {
        let mut s = self.session().await;
        s.append("INBOX", Some("(\\Seen)"), None, raw.replace('\n', "\r\n").replace("\r\r\n", "\r\n")).await.unwrap();
        s.logout().await.unwrap();
    }

    /// UIDs of the messages not yet flagged seen.
    pub async fn unseen(&self) -> Vec<u32> {
        let mut s = self.session().await;
        let mut uids: Vec<u32> = s.uid_search("UNSEEN").await.unwrap().into_iter().collect();
        uids.sort_unstable();
        s.logout().await.unwrap();
        uids
    }

    /// Clears `\Seen`: as if the server had stopped between recording a
    /// message and flagging it.
    pub async fn unflag(&self, uid: u32) {
        let mut s = self.session().await;
        let _: Vec<_> = s.uid_store(uid.to_string(), "-FLAGS (\\Seen)").await.unwrap().try_collect().await.unwrap();
        s.logout().await.unwrap();
    }
}

fn nix_is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn current_user() -> (String, String) {
    let out = |args: &[&str]| {
        String::from_utf8_lossy(&Command::new("id").args(args).output().unwrap().stdout).trim().to_string()
    };
    (out(&["-un"]), out(&["-gn"]))
}

fn ids(user: &str, group: &str) -> (String, String) {
    let out = |args: &[&str]| {
        String::from_utf8_lossy(&Command::new("id").args(args).output().unwrap().stdout).trim().to_string()
    };
    let gid = String::from_utf8_lossy(&Command::new("getent").args(["group", group]).output().unwrap().stdout)
        .split(':')
        .nth(2)
        .unwrap_or("")
        .to_string();
    (out(&["-u", user]), gid)
}

const REPLY: &str = "support@paydesk.test";

async fn app_with_mailbox(dovecot: &Dovecot) -> TestApp {
    let url = dovecot.url();
    spawn_with(move |c| {
        c.imap_url = Some(paydesk::domain::secret::Secret::new(url));
        c.reply_address = Some(REPLY.into());
        c.imap_poll_secs = 1;
    })
    .await
}

/// The `Reply-To` of the newest .eml the server wrote.
fn reply_to_of_latest_mail(dir: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).unwrap());
    let text = std::fs::read_to_string(files.last().expect("a message was written")).unwrap();
    text.lines().find_map(|l| l.strip_prefix("Reply-To: ")).expect("a Reply-To header").trim().to_string()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..150 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn handled(app: &TestApp) -> Vec<(String, String)> {
    inbound_mail::table
        .select((inbound_mail::sender, inbound_mail::outcome))
        .order(inbound_mail::uid)
        .load(&mut app.conn())
        .unwrap()
}

fn customer_messages(app: &TestApp, reference: &str) -> Vec<String> {
    ticket_events::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(reference))
        .filter(ticket_events::kind.eq("customer_message"))
        .select(ticket_events::body)
        .order(ticket_events::created_at)
        .load(&mut app.conn())
        .unwrap()
}

fn status(app: &TestApp, reference: &str) -> String {
    tickets::table.filter(tickets::reference.eq(reference)).select(tickets::status).first(&mut app.conn()).unwrap()
}

#[tokio::test]
async fn a_reply_by_email_lands_on_its_ticket_without_the_quoted_history() {
    let dovecot = Dovecot::start();
    let app = app_with_mailbox(&dovecot).await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    app.wait_outbox_sent(1).await;
    let reply_to = reply_to_of_latest_mail(app.mail_dir.path());
    assert!(reply_to.starts_with("support+") && reply_to.ends_with("@paydesk.test"), "{reply_to}");
    assert!(!reply_to.contains(&reference), "the address says nothing about the ticket");

    // The agent asks; the customer answers by email, from their phone.
    let agent = app.staff("agent").await;
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/reply"),
            &[("body", "Which bank card?"), ("then", "pending_customer")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(status(&app, &reference), "pending_customer");
    dovecot
        .deliver(&format!(
            "From: Li Wei <LI.WEI@example.com>\nTo: {reply_to}\nSubject: Re: your request\nMessage-ID: <r1@phone.example>\n\
             Content-Type: text/plain; charset=utf-8\n\n招商银行的卡\n\n在 2026年12月2日 10:00，paydesk 写道：\n> Which bank card?\n"
        ))
        .await;
    wait_until("the reply on the ticket", || !customer_messages(&app, &reference).is_empty()).await;
    assert_eq!(customer_messages(&app, &reference), vec!["招商银行的卡".to_string()]);
    assert_eq!(status(&app, &reference), "open", "the answer takes the ticket off 'waiting on the customer'");
    wait_until("flagged seen", || handled(&app).len() == 1).await;
    for _ in 0..50 {
        if dovecot.unseen().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dovecot.unseen().await.is_empty(), "flagged \\Seen once recorded");
    assert_eq!(handled(&app), vec![("li.wei@example.com".to_string(), "customer_reply".to_string())]);

    // Threaded by In-Reply-To alone (sent to the plain address), with an
    // image that becomes a screenshot.
    let ticket_id: String =
        tickets::table.filter(tickets::reference.eq(&reference)).select(tickets::id).first(&mut app.conn()).unwrap();
    let sent: String = outbox::table
        .filter(outbox::ticket_id.eq(&ticket_id))
        .select(outbox::message_id)
        .first(&mut app.conn())
        .unwrap();
    let png = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, samples::png());
    dovecot
        .deliver(&format!(
            "From: li.wei@example.com\nTo: {REPLY}\nSubject: Re: your request\nMessage-ID: <r2@phone.example>\n\
             In-Reply-To: {sent}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n\
             --b1\nContent-Type: text/plain; charset=utf-8\n\nHere is the screen.\n\
             --b1\nContent-Type: image/png; name=\"shot.png\"\nContent-Disposition: attachment; filename=\"shot.png\"\n\
             Content-Transfer-Encoding: base64\n\n{png}\n--b1--\n"
        ))
        .await;
    wait_until("the second reply", || customer_messages(&app, &reference).len() == 2).await;
    assert_eq!(customer_messages(&app, &reference)[1], "Here is the screen.");
    let shots: i32 = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::screenshot_count)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(shots, 2, "the attached image joined the ticket's screenshots");
}

#[tokio::test]
async fn strangers_auto_replies_and_other_senders_are_handled_without_loops() {
    let dovecot = Dovecot::start();
    let app = app_with_mailbox(&dovecot).await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    app.wait_outbox_sent(1).await;
    let reply_to = reply_to_of_latest_mail(app.mail_dir.path());
    let before = status(&app, &reference);

    // Someone else writes to the ticket's address: a note, nothing changes.
    dovecot
        .deliver(&format!("From: someone@else.example\nTo: {reply_to}\nSubject: hi\n\nPlease close this ticket.\n"))
        .await;
    // A vacation responder answers our mail: recorded, never answered.
    dovecot
        .deliver(&format!(
            "From: li.wei@example.com\nTo: {reply_to}\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nI am away.\n"
        ))
        .await;
    // A NUL in the subject and body (PostgreSQL refuses it in text): scrubbed,
    // stored, and the mailbox moves on.
    dovecot
        .deliver(&format!(
            "From: li.wei@example.com\nTo: {reply_to}\nSubject: =?utf-8?q?hi=00there?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nstill=00 failing\n"
        ))
        .await;
    // A stranger writes twice to the plain address: one answer a day.
    for n in 1..=2 {
        dovecot
            .deliver(&format!("From: stranger@example.org\nTo: {REPLY}\nSubject: 缴费失败\n\n我的电费交不了 {n}\n"))
            .await;
    }
    wait_until("five messages handled", || handled(&app).len() == 5).await;
    let outcomes: Vec<String> = handled(&app).into_iter().map(|(_, o)| o).collect();
    assert_eq!(outcomes, ["other_sender", "auto_reply", "customer_reply", "unmatched", "unmatched_quiet"]);
    assert_eq!(status(&app, &reference), before, "another sender changes nothing (a new ticket stays new)");
    assert_eq!(customer_messages(&app, &reference), ["still failing"], "the NUL is gone, the words stay");
    let notes = app.internal_notes(&reference);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].0.contains("someone@else.example") && notes[0].0.contains("Please close"), "{:?}", notes[0]);
    assert!(!notes[0].1, "internal, not shown to the customer");

    // The stranger got one answer, in Chinese, with the form's link.
    let answers: Vec<String> = outbox::table
        .filter(outbox::kind.eq("inbound_unmatched"))
        .select(outbox::recipient)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(answers, ["stranger@example.org"]);
    app.wait_outbox_sent(2).await;
    let mut files: Vec<_> = std::fs::read_dir(app.mail_dir.path()).unwrap().flatten().map(|e| e.path()).collect();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).unwrap());
    let raw = std::fs::read(files.last().unwrap()).unwrap();
    let answer = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(answer.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("stranger@example.org"));
    let text = answer.body_text(0).unwrap();
    assert!(text.contains("/tickets/new") && text.contains("求助表单"), "{text}");
    assert!(answer.reply_to().is_none(), "an answer to a stranger invites no reply thread");
    assert_eq!(answer.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"), "RFC 3834");

    // Admins see the inbound log.
    let admin = app.staff("admin").await;
    let log = admin.text("/admin/inbound").await;
    assert!(log.contains("stranger@example.org") && log.contains("Matched no ticket"), "{log}");
    assert!(log.contains(&reference));
    let agent = app.staff("agent").await;
    assert_eq!(agent.get("/admin/inbound").await.status().as_u16(), 403);
}

#[tokio::test]
async fn a_message_is_handled_once_across_a_lost_flag_and_two_servers() {
    let dovecot = Dovecot::start();
    let app = app_with_mailbox(&dovecot).await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    app.wait_outbox_sent(1).await;
    let reply_to = reply_to_of_latest_mail(app.mail_dir.path());
    // A second server on the same database and mailbox.
    let url = dovecot.url();
    let second_mail = tempfile::tempdir().unwrap();
    start_server(&app.db.url(), second_mail.path(), move |c| {
        c.imap_url = Some(paydesk::domain::secret::Secret::new(url));
        c.reply_address = Some(REPLY.into());
        c.imap_poll_secs = 1;
    });
    for n in 0..6 {
        dovecot
            .deliver(&format!(
                "From: li.wei@example.com\nTo: {reply_to}\nSubject: Re\nMessage-ID: <m{n}@phone.example>\n\nmessage {n}\n"
            ))
            .await;
    }
    wait_until("six messages handled", || handled(&app).len() == 6).await;
    // The server stopped between recording a message and flagging it: the
    // message shows up unseen again, and is only flagged.
    dovecot.unflag(1).await;
    for _ in 0..50 {
        if dovecot.unseen().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dovecot.unseen().await.is_empty());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut got = customer_messages(&app, &reference);
    got.sort();
    let want: Vec<String> = (0..6).map(|n| format!("message {n}")).collect();
    assert_eq!(got, want, "each message once, none twice");
    assert_eq!(handled(&app).len(), 6);

    // Someone read a new reply in a mail program before paydesk fetched it:
    // it is past the last UID recorded, so it is still handled.
    dovecot.deliver_read(&format!("From: li.wei@example.com\nTo: {reply_to}\nSubject: Re\n\nread first\n")).await;
    wait_until("the message read first handled", || handled(&app).len() == 7).await;
    assert!(customer_messages(&app, &reference).contains(&"read first".to_string()));
}

/// The .eml the server wrote to `to`, parsed.
fn mail_to(dir: &Path, to: &str) -> Option<Vec<u8>> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| std::fs::read(e.path()).unwrap()).find(|raw| {
        let m = mail_parser::MessageParser::default().parse(raw).unwrap();
        m.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(to)
    })
}

#[tokio::test]
async fn a_platform_answer_by_email_waits_on_its_escalation_for_a_supervisor() {
    let dovecot = Dovecot::start();
    let app = app_with_mailbox(&dovecot).await;
    let (reference, escalation) = approved_escalation(&app).await;
    let supervisor = app.staff("supervisor").await;
    let contact = "mini-program-review@alipay.example";
    let mut packet = None;
    for _ in 0..100 {
        packet = mail_to(app.mail_dir.path(), contact);
        if packet.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let raw = packet.expect("the packet was sent");
    let packet = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let reply_to = packet.reply_to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_string();
    assert!(reply_to.starts_with("support+"), "{reply_to}");
    let packet_id = packet.message_id().unwrap().to_string();

    // The platform answers the packet; someone else answers it too.
    dovecot
        .deliver(&format!(
            "From: Alipay Review <{contact}>\nTo: {reply_to}\nSubject: Re: packet\n\n场景已开通，参考号 ALI-2026-0042\n\n> 您好：以下客户无法完成\n"
        ))
        .await;
    dovecot
        .deliver(&format!(
            "From: someone@else.example\nTo: {REPLY}\nIn-Reply-To: <{packet_id}>\nSubject: Re: packet\n\nDeclined, sorry.\n"
        ))
        .await;
    wait_until("both answers recorded", || handled(&app).len() == 2).await;
    let outcomes: Vec<String> = handled(&app).into_iter().map(|(_, o)| o).collect();
    assert_eq!(outcomes, ["platform_answer", "other_sender"]);

    // Nothing is applied: the escalation still waits, and so do customers.
    let state: String = paydesk::db::schema::escalations::table
        .find(&escalation)
        .select(paydesk::db::schema::escalations::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(state, "sent");
    assert_eq!(status(&app, &reference), "pending_platform");

    // The supervisor reads both, the platform's words suggested, the other
    // sender marked; then confirms the outcome.
    let page = supervisor.text("/supervisor/escalations").await;
    assert!(page.contains("Answer received by email"), "{page}");
    assert!(page.contains(contact) && page.contains("someone@else.example"));
    assert!(page.contains("not from the address the packet went to"));
    assert!(
        page.contains("aria-describedby=\"text-hint-") && page.contains(">场景已开通，参考号 ALI-2026-0042</textarea>"),
        "the platform's words suggested"
    );
    assert!(!page.contains("您好：以下客户无法完成"), "quoted packet dropped");
    let res = supervisor
        .post(
            &format!("/supervisor/escalations/{escalation}/answer"),
            &[("outcome", "approved"), ("reference", "ALI-2026-0042"), ("text", "场景已开通")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(status(&app, &reference), "resolved", "confirmed by a supervisor, the customers are told");

    // A late word from the platform after that: on the ticket, for staff.
    dovecot
        .deliver(&format!(
            "From: Alipay Review <{contact}>\nTo: {reply_to}\nSubject: Re: packet\n\n补充：请客户更新到最新版本\n"
        ))
        .await;
    wait_until("the late answer recorded", || handled(&app).len() == 3).await;
    let notes = app.internal_notes(&reference);
    assert_eq!(notes, [(format!("✉ {contact}:\n补充：请客户更新到最新版本"), false)]);
}

#[tokio::test]
async fn a_flood_of_email_to_one_ticket_is_cut_off() {
    // The rule over the database, without the IMAP round trip the tests
    // above make: each message handled as the worker hands it over.
    let app = spawn().await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let id: String =
        tickets::table.filter(tickets::reference.eq(&reference)).select(tickets::id).first(&mut app.conn()).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let mut conn = app.conn();
    let token = paydesk::inbound::reply_token(&mut conn, &id, now).unwrap();
    let reply = paydesk::inbound::ReplyAddress::parse(REPLY).unwrap();
    let settings = paydesk::inbound::Settings {
        reply: Some(reply.clone()),
        max_screenshot_bytes: 1 << 20,
        rules: std::sync::Arc::new(paydesk::routing::Rules::default_rules()),
    };
    let limit = paydesk::inbound::EMAILS_PER_TICKET_PER_HOUR;
    for uid in 1..=limit + 1 {
        let raw =
            format!("From: li.wei@example.com\nTo: {}\nSubject: Re\n\nstill failing {uid}\n", reply.with_token(&token));
        let place = paydesk::inbound::Place { mailbox: "INBOX", uid_validity: 1, uid: uid as u32 };
        let outcome = paydesk::inbound::handle(&mut conn, &place, raw.as_bytes(), false, &settings, now).unwrap();
        let expected = if uid <= limit { "customer_reply" } else { "refused" };
        assert_eq!(outcome.map(|o| o.as_str()), Some(expected), "message {uid}");
    }
    assert_eq!(customer_messages(&app, &reference).len() as i64, limit);
}

// ---------------------------------------------------------------------------
// Issue 27: the attacks on inbound mail, replayed. Each message is handled as
// the worker hands it over (the IMAP round trip is the tests' above).
// ---------------------------------------------------------------------------

/// The settings the worker runs with, replies coming back to `REPLY`.
fn settings() -> paydesk::inbound::Settings {
    paydesk::inbound::Settings {
        reply: Some(paydesk::inbound::ReplyAddress::parse(REPLY).unwrap()),
        max_screenshot_bytes: 1 << 20,
        rules: std::sync::Arc::new(paydesk::routing::Rules::default_rules()),
    }
}

/// Handles one raw message as UID `uid`; what became of it. On SQLite the
/// test's own connection writes beside the server's (which the worker never
/// does: it uses the server's one writer), so a message that meets the
/// server mid-write is tried again, as the worker tries a failed message
/// in its next round.
fn handle_mail(app: &TestApp, uid: u32, raw: &str) -> String {
    let place = paydesk::inbound::Place { mailbox: "INBOX", uid_validity: 1, uid };
    for _ in 0..20 {
        let now = chrono::Utc::now().naive_utc();
        match paydesk::inbound::handle(&mut app.conn(), &place, raw.as_bytes(), false, &settings(), now) {
            Ok(outcome) => return outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
            Err(e) if e.to_string().contains("database is locked") => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the database stayed locked");
}

fn ticket_id(app: &TestApp, reference: &str) -> String {
    tickets::table.filter(tickets::reference.eq(reference)).select(tickets::id).first(&mut app.conn()).unwrap()
}

/// The Message-ID of the first outbox row of this kind about a ticket.
fn sent_id(app: &TestApp, ticket_id: &str, kind: &str) -> String {
    outbox::table
        .filter(outbox::ticket_id.eq(ticket_id))
        .filter(outbox::kind.eq(kind))
        .select(outbox::message_id)
        .first(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_webhook_delivery_id_or_a_forged_sender_never_speaks_for_the_customer() {
    let app = spawn_with(|c| {
        c.webhooks_allow_private = true;
        // Tried once: the delivery stays, set aside, and writes no more.
        c.mail_max_attempts = 1;
    })
    .await;
    // An integration listens for new tickets (nothing answers at its
    // address: the delivery is tried and kept, with its id).
    {
        let now = chrono::Utc::now().naive_utc();
        let secret = "a-shared-secret-of-enough-length";
        paydesk::webhooks::register(&mut app.conn(), "http://127.0.0.1:9/hook", secret, &["ticket.created"], now)
            .unwrap();
    }
    let (reference, _) = app.file_api(&complete_fields()).await;
    let id = ticket_id(&app, &reference);
    wait_until("the webhook delivery", || {
        outbox::table
            .filter(outbox::ticket_id.eq(&id))
            .filter(outbox::kind.eq("webhook"))
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap()
            == 1
    })
    .await;
    let delivery = sent_id(&app, &id, "webhook");
    let before = status(&app, &reference);

    // The attack: the delivery's id (sent to the integration as
    // Paydesk-Delivery) as In-Reply-To, the customer's address as From.
    let forged = format!(
        "From: li.wei@example.com\nTo: {REPLY}\nSubject: Re\nMessage-ID: <f1@attacker.example>\nIn-Reply-To: {delivery}\n\n\
         Please send the refund to my NEW card 6222 0000 1111 2222\n"
    );
    assert_eq!(handle_mail(&app, 1, &forged), "unmatched", "a webhook delivery threads nothing");
    // The confirmation mail went to the customer: answered by someone else,
    // it threads nothing either.
    let received = sent_id(&app, &id, "received");
    let other = format!(
        "From: attacker@evil.example\nTo: {REPLY}\nSubject: Re\nIn-Reply-To: {received}\n\nrefund to my NEW card\n"
    );
    assert_eq!(handle_mail(&app, 2, &other), "unmatched", "mail to the customer threads only the customer");
    // To the ticket's own reply address, with the customer's From that the
    // receiving server found forged: a note for the agent, nothing more.
    let token = paydesk::inbound::reply_token(&mut app.conn(), &id, chrono::Utc::now().naive_utc()).unwrap();
    let to = paydesk::inbound::ReplyAddress::parse(REPLY).unwrap().with_token(&token);
    let failed = format!(
        "Authentication-Results: mx.paydesk.test; dmarc=fail (p=reject) header.from=example.com; spf=fail\n\
         From: li.wei@example.com\nTo: {to}\nSubject: Re\n\nrefund to my NEW card\n"
    );
    assert_eq!(handle_mail(&app, 3, &failed), "other_sender");
    assert!(customer_messages(&app, &reference).is_empty(), "nothing posted as the customer");
    assert_eq!(status(&app, &reference), before, "not reopened or moved");
    let notes = app.internal_notes(&reference);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(!notes[0].1, "internal");

    // The customer's own answer to the mail they were sent still lands.
    let genuine = format!(
        "Authentication-Results: mx.paydesk.test; dmarc=pass header.from=example.com; spf=pass\n\
         From: Li Wei <li.wei@example.com>\nTo: {REPLY}\nSubject: Re\nIn-Reply-To: {received}\n\n还是不行\n"
    );
    assert_eq!(handle_mail(&app, 4, &genuine), "customer_reply");
    assert_eq!(customer_messages(&app, &reference), ["还是不行"]);
}

/// An out-of-scope ticket's escalation, approved: its packet is on its way
/// to the platform's contact. The ticket's reference and the escalation.
async fn approved_escalation(app: &TestApp) -> (String, String) {
    let oos = with(&with(&with(&complete_fields(), "platform", "alipay"), "symptom", "button_inert"), "error_code", "");
    let (reference, _) = app.file_api(&with(&oos, "error_message", "")).await;
    let escalation: Option<String> = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::escalation_id)
        .first(&mut app.conn())
        .unwrap();
    let escalation = escalation.expect("an out-of-scope case is escalated");
    let supervisor = app.staff("supervisor").await;
    let res = supervisor.post(&format!("/supervisor/escalations/{escalation}/approve"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    (reference, escalation)
}

#[tokio::test]
async fn a_packets_reply_address_is_capped_and_a_forged_platform_answer_is_marked_unverified() {
    let app = spawn().await;
    let (reference, escalation) = approved_escalation(&app).await;
    let contact = "mini-program-review@alipay.example";
    let packet: String = outbox::table
        .filter(outbox::escalation_id.eq(&escalation))
        .filter(outbox::kind.eq("escalation_packet"))
        .select(outbox::message_id)
        .first(&mut app.conn())
        .unwrap();
    let now = chrono::Utc::now().naive_utc();
    let token = paydesk::inbound::packet_reply_token(&mut app.conn(), &escalation, now).unwrap();
    let to = paydesk::inbound::ReplyAddress::parse(REPLY).unwrap().with_token(&token);

    // The platform's From, on a reply to the packet's Message-ID (which
    // travels with every copy of it) rather than its own address: unverified.
    let by_id = format!("From: {contact}\nTo: {REPLY}\nIn-Reply-To: {packet}\nSubject: Re\n\nDeclined.\n");
    assert_eq!(handle_mail(&app, 1, &by_id), "other_sender");
    // To its own address, but found forged by the receiving server: the same.
    let forged = format!(
        "Authentication-Results: mx.paydesk.test; dkim=fail header.d=alipay.example\nFrom: {contact}\nTo: {to}\n\
         Subject: Re\n\nApproved, reference ALI-1.\n"
    );
    assert_eq!(handle_mail(&app, 2, &forged), "other_sender");
    // The platform itself: its answer.
    let genuine = format!("From: Alipay Review <{contact}>\nTo: {to}\nSubject: Re\n\n场景已开通\n");
    assert_eq!(handle_mail(&app, 3, &genuine), "platform_answer");

    // A flood to the packet's address: cut off as ticket mail is.
    let limit = paydesk::inbound::EMAILS_PER_TICKET_PER_HOUR;
    let mut outcomes = Vec::new();
    for uid in 4..4 + limit as u32 {
        outcomes.push(handle_mail(&app, uid, &format!("From: bot@spam.example\nTo: {to}\nSubject: x\n\nspam {uid}\n")));
    }
    let kept: i64 = paydesk::db::schema::escalation_mail_answers::table
        .filter(paydesk::db::schema::escalation_mail_answers::escalation_id.eq(&escalation))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(kept, limit, "{outcomes:?}");
    assert!(outcomes.iter().rev().take(3).all(|o| o == "refused"), "{outcomes:?}");
    // Once the outcome is recorded, late answers become notes: still capped.
    let supervisor = app.staff("supervisor").await;
    let res = supervisor
        .post(
            &format!("/supervisor/escalations/{escalation}/answer"),
            &[("outcome", "approved"), ("reference", "ALI-1"), ("text", "场景已开通")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    for uid in 100..110 {
        handle_mail(&app, uid, &format!("From: bot@spam.example\nTo: {to}\nSubject: x\n\nlate {uid}\n"));
    }
    assert!(app.internal_notes(&reference).is_empty(), "no note past the cap");
}

#[tokio::test]
async fn mail_about_an_anonymised_ticket_is_answered_with_the_form_and_kept_without_its_sender() {
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let id = ticket_id(&app, &reference);
    let now = chrono::Utc::now().naive_utc();
    let token = paydesk::inbound::reply_token(&mut app.conn(), &id, now).unwrap();
    let to = paydesk::inbound::ReplyAddress::parse(REPLY).unwrap().with_token(&token);
    // Closed long ago, and anonymised by the purge.
    diesel::update(tickets::table.find(&id))
        .set((tickets::status.eq("resolved"), tickets::updated_at.eq(now - chrono::Duration::days(400))))
        .execute(&mut app.conn())
        .unwrap();
    purge_command(&app.db.url());

    // The customer (or whoever holds the old email) writes again.
    let raw = format!(
        "From: Li.Wei@example.com\nTo: {to}\nSubject: 我的电费 PD\n\n又失败了，我的新邮箱 li.new@example.com\n"
    );
    assert_eq!(handle_mail(&app, 1, &raw), "unmatched", "answered with the form");
    let kept: Vec<(String, String)> =
        inbound_mail::table.select((inbound_mail::sender, inbound_mail::subject)).load(&mut app.conn()).unwrap();
    assert_eq!(kept, [(String::new(), String::new())], "kept without its sender or subject");
    assert!(app.internal_notes(&reference).is_empty(), "no note quotes the address");
    assert!(customer_messages(&app, &reference).is_empty());
    let answers: Vec<String> = outbox::table
        .filter(outbox::kind.eq("inbound_unmatched"))
        .select(outbox::recipient)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(answers, ["li.wei@example.com"], "one pointer to the form");
    // Once a day, however often they write.
    assert_eq!(handle_mail(&app, 2, &raw), "unmatched_quiet");

    // What earlier versions kept (a note naming the sender, the sender in
    // the inbound log) is taken out by the next purge.
    {
        use paydesk::db::schema::ticket_events as e;
        let mut conn = app.conn();
        diesel::insert_into(e::table)
            .values((
                e::id.eq("old-note"),
                e::ticket_id.eq(&id),
                e::kind.eq("internal_note"),
                e::author_kind.eq("system"),
                e::is_public.eq(false),
                e::body.eq("✉ li.wei@example.com:\n又失败了"),
                e::created_at.eq(now),
            ))
            .execute(&mut conn)
            .unwrap();
        diesel::update(inbound_mail::table)
            .set(inbound_mail::sender.eq("li.wei@example.com"))
            .execute(&mut conn)
            .unwrap();
    }
    purge_command(&app.db.url());
    let notes = app.internal_notes(&reference);
    assert_eq!(notes.len(), 1);
    assert!(!notes[0].0.contains("li.wei") && notes[0].0.contains("[address]"), "{notes:?}");
    let senders: Vec<String> = inbound_mail::table.select(inbound_mail::sender).load(&mut app.conn()).unwrap();
    assert!(senders.iter().all(String::is_empty), "{senders:?}");
}
