//! Data retention: screenshots of tickets closed long ago are deleted and,
//! later, their contact emails anonymised; `paydesk purge --dry-run` shows
//! what would go; the server does the same on its own; each purge is in the
//! audit log.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use paydesk::db::schema::{audit_log, inbound_mail, outbox, screenshots, ticket_events, tickets};

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");

/// Sets a ticket's status and moves its last change `days` into the past.
fn age(app: &TestApp, reference: &str, status: &str, days: i64) {
    let when = Utc::now().naive_utc() - Duration::days(days);
    diesel::update(tickets::table.filter(tickets::reference.eq(reference)))
        .set((tickets::status.eq(status), tickets::updated_at.eq(when)))
        .execute(&mut app.conn())
        .unwrap();
}

fn screenshot_rows(app: &TestApp, reference: &str) -> i64 {
    screenshots::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(reference))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn email(app: &TestApp, reference: &str) -> String {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select(tickets::contact_email)
        .first(&mut app.conn())
        .unwrap()
}

fn purge(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .arg("purge")
        .args(args)
        .env("DATABASE_URL", app.db.url())
        .env_remove("PAYDESK_SCREENSHOT_RETENTION_DAYS")
        .env_remove("PAYDESK_EMAIL_RETENTION_DAYS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn purge_previews_then_deletes_old_screenshots_and_anonymises_old_emails() {
    // The server's own sweep is kept out of the way: the command does it here.
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    let fields = complete_fields();
    let (recent, _) = app.file_api(&fields).await;
    let (closed_100, tracking_100) = app.file_api(&fields).await;
    let (closed_400, _) = app.file_api(&fields).await;
    let (open_500, _) = app.file_api(&fields).await;
    age(&app, &recent, "resolved", 10);
    age(&app, &closed_100, "resolved", 100);
    age(&app, &closed_400, "closed", 400);
    age(&app, &open_500, "open", 500);

    // Email received about the old ticket, and from a stranger long ago and
    // today (the inbound log, as the IMAP worker writes it).
    let ticket_id = |r: &str| -> String {
        tickets::table.filter(tickets::reference.eq(r)).select(tickets::id).first(&mut app.conn()).unwrap()
    };
    let received = |uid: i64, ticket: Option<String>, days: i64| {
        diesel::insert_into(inbound_mail::table)
            .values((
                inbound_mail::id.eq(format!("in{uid}")),
                inbound_mail::mailbox.eq("INBOX"),
                inbound_mail::uid_validity.eq(1),
                inbound_mail::uid.eq(uid),
                inbound_mail::message_id.eq(format!("<{uid}@example.com>")),
                inbound_mail::sender.eq("li.wei@example.com"),
                inbound_mail::subject.eq("Re: 缴费失败"),
                inbound_mail::outcome.eq(if ticket.is_some() { "customer_reply" } else { "unmatched" }),
                inbound_mail::ticket_id.eq(ticket),
                inbound_mail::received_at.eq(Utc::now().naive_utc() - Duration::days(days)),
            ))
            .execute(&mut app.conn())
            .unwrap();
    };
    received(1, Some(ticket_id(&closed_400)), 400);
    received(2, None, 400);
    received(3, None, 0);
    received(4, Some(ticket_id(&closed_100)), 100);

    let preview = purge(&app, &["--dry-run"]);
    let (shots, emails) = preview.split_once("would anonymise").unwrap();
    assert!(shots.contains("of 2 closed tickets") && shots.contains(&closed_100) && shots.contains(&closed_400));
    assert!(emails.contains("of 1 closed tickets") && emails.contains(&closed_400), "{preview}");
    for untouched in [&recent, &open_500] {
        assert!(!preview.contains(untouched.as_str()), "{untouched}: {preview}");
    }
    assert_eq!(screenshot_rows(&app, &closed_100), 1, "a dry run changes nothing");
    assert_eq!(email(&app, &closed_400), "li.wei@example.com");

    let done = purge(&app, &[]);
    assert!(done.contains("deleted 2 screenshots of 2 closed tickets"), "{done}");
    assert!(done.contains("anonymised the contact email of 1 closed tickets"), "{done}");
    assert_eq!(screenshot_rows(&app, &closed_100), 0);
    assert_eq!(screenshot_rows(&app, &closed_400), 0);
    assert_eq!(screenshot_rows(&app, &recent), 1, "closed recently: kept");
    assert_eq!(screenshot_rows(&app, &open_500), 1, "still open: kept");
    assert_eq!(email(&app, &closed_100), "li.wei@example.com", "emails are kept longer");
    assert_eq!(email(&app, &closed_400), "");
    assert_eq!(email(&app, &open_500), "li.wei@example.com");

    // The address is gone from the mail sent to it, too.
    let recipients: Vec<String> = outbox::table
        .inner_join(tickets::table.on(tickets::id.nullable().eq(outbox::ticket_id)))
        .filter(tickets::reference.eq(&closed_400))
        .select(outbox::recipient)
        .load(&mut app.conn())
        .unwrap();
    assert!(!recipients.is_empty() && recipients.iter().all(String::is_empty), "{recipients:?}");
    // And from the inbound log: the old ticket's reply and the old stranger.
    let senders: Vec<(i64, String, String)> = inbound_mail::table
        .order(inbound_mail::uid)
        .select((inbound_mail::uid, inbound_mail::sender, inbound_mail::subject))
        .load(&mut app.conn())
        .unwrap();
    let kept = |s: &str| s.to_string();
    assert_eq!(
        senders,
        [
            (1, kept(""), kept("")),
            (2, kept(""), kept("")),
            (3, kept("li.wei@example.com"), kept("Re: 缴费失败")),
            (4, kept("li.wei@example.com"), kept("Re: 缴费失败")),
        ]
    );

    // The customer sees why the screenshot is gone; the link serves nothing.
    let page = app.get(&tracking_100).await.text().await.unwrap();
    assert!(page.contains("were deleted 90 days after it closed"), "{page}");
    assert!(!page.contains("/screenshots/"));
    let events: i64 =
        ticket_events::table.filter(ticket_events::kind.eq("retention")).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(events, 2);

    // The audit log has one entry per ticket and kind of data, never the address.
    let audit: Vec<(String, String)> = audit_log::table
        .filter(audit_log::action.like("retention_%"))
        .select((audit_log::action, audit_log::before_value))
        .load(&mut app.conn())
        .unwrap();
    let purged = audit.iter().filter(|(a, _)| a == "retention_screenshots_purged").count();
    let anonymised = audit.iter().filter(|(a, _)| a == "retention_email_anonymised").count();
    assert_eq!((purged, anonymised), (2, 1), "{audit:?}");
    assert!(audit.iter().all(|(_, before)| !before.contains('@')));
    let supervisor = app.staff("supervisor").await;
    let log = supervisor.text("/supervisor/audit").await;
    assert!(log.contains("Screenshots deleted (retention)"), "the audit page lists purges");

    // Nothing is left to do: a second run is a no-op.
    let again = purge(&app, &[]);
    assert!(again.contains("deleted 0 screenshots of 0 closed tickets"), "{again}");
}

#[tokio::test]
async fn the_server_purges_on_its_own_schedule() {
    let app = spawn_with(|c| {
        c.sweep_secs = 1;
        c.retention.screenshot_retention_days = 30;
    })
    .await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    age(&app, &reference, "resolved", 31);
    for _ in 0..100 {
        if screenshot_rows(&app, &reference) == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(screenshot_rows(&app, &reference), 0, "the sweep purged it");
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("retention_screenshots_purged"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn an_anonymised_ticket_answered_by_an_agent_queues_no_mail() {
    let app = spawn_with(|c| c.sweep_secs = 3600).await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    age(&app, &reference, "resolved", 400);
    purge(&app, &[]);
    // The customer's old link no longer reopens it (410, see leftovers.rs);
    // an agent still can, and answers.
    let message = reqwest::multipart::Form::new().text("message", "又失败了");
    let res = app.post_multipart(&format!("{tracking}/messages"), message, "zh-CN").await;
    assert_eq!(res.status().as_u16(), 410);
    let agent = app.staff("agent").await;
    let res = agent
        .post(&format!("/agent/tickets/{reference}/reply"), &[("body", "请再试一次"), ("then", "pending_customer")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let pending: i64 = outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::recipient.eq(""))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(pending, 0, "no message is queued for an address we no longer have");
}
