//! SLA in working time (issue 30), over HTTP, on the real calendar
//! (`cn-workdays`) with days imported from test `.ics` feeds in both
//! conventions: a ticket filed before closed days is due after them, a
//! make-up Saturday counts, a pause through closed time keeps the due time,
//! nobody is told of a breach in closed time, and the promise the customer
//! reads is the stored due time, in both languages. Days are chosen from
//! today's date, so the tests hold whatever day they run.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use paydesk::db::schema::tickets;
use paydesk::domain::china;

use crate::support::*;

/// A feed closing `closed` days and opening `open` ones: by CATEGORIES
/// (节假日 / 调休) or, `titles`, holiday-cn style (…假期 / 上班(补…)).
fn feed(closed: &[NaiveDate], open: &[NaiveDate], titles: bool) -> String {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//paydesk tests//EN\r\n");
    for (i, (day, is_open)) in closed.iter().map(|d| (d, false)).chain(open.iter().map(|d| (d, true))).enumerate() {
        let (summary, categories) = match (titles, is_open) {
            (true, false) => ("测试节假期", None),
            (true, true) => ("上班(补测试节)", None),
            (false, false) => ("Test Day", Some("节假日")),
            (false, true) => ("Test make-up day", Some("调休")),
        };
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{i}@paydesk.test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{}\r\n\
             DTEND;VALUE=DATE:{}\r\nSUMMARY:{summary}\r\n",
            day.format("%Y%m%d"),
            day.succ_opt().unwrap().format("%Y%m%d"),
        ));
        if let Some(c) = categories {
            ics.push_str(&format!("CATEGORIES:{c}\r\n"));
        }
        ics.push_str("END:VEVENT\r\n");
    }
    ics.push_str("END:VCALENDAR\r\n");
    ics
}

fn today() -> NaiveDate {
    china::day(chrono::Utc::now().naive_utc())
}

/// China time → UTC.
fn cn(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    china::from_china_time(day.and_hms_opt(h, m, 0).unwrap())
}

async fn import(admin: &Browser, ics: &str) {
    let csrf = admin.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("calendar", "cn-workdays")
        .part("feed", reqwest::multipart::Part::bytes(ics.as_bytes().to_vec()).file_name("test.ics"));
    let res = admin.client.post(admin.url("/admin/calendars/import")).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().await.unwrap());
}

/// The server on the shipped calendars (not the suite's 24×7).
async fn working_app() -> (TestApp, Browser) {
    let app = spawn_with(|c| {
        c.calendar = None;
        c.sweep_secs = 0;
    })
    .await;
    let admin = app.staff("admin").await;
    (app, admin)
}

fn due_of(app: &TestApp, reference: &str) -> NaiveDateTime {
    tickets::table.filter(tickets::reference.eq(reference)).select(tickets::due_at).first(&mut app.conn()).unwrap()
}

fn days(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).collect()
}

#[tokio::test]
async fn a_make_up_saturday_counts_and_the_promise_is_the_due_time() {
    let (app, admin) = working_app().await;
    // Closed from today to the Friday before a Saturday at least two days
    // away, which is worked (调休); the Sunday after is a weekend.
    let mut saturday = today() + chrono::Duration::days(2);
    while saturday.weekday() != chrono::Weekday::Sat {
        saturday = saturday.succ_opt().unwrap();
    }
    let closed = days(today(), saturday.pred_opt().unwrap());
    import(&admin, &feed(&closed, &[saturday], false)).await;
    // A normal ticket: 24 working hours of 9 a day — the Saturday, the
    // Monday, and six hours of the Tuesday.
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let due = due_of(&app, &reference);
    let tuesday = saturday + chrono::Duration::days(3);
    assert_eq!(due, cn(tuesday, 15, 0), "the make-up Saturday counts");
    // What the customer reads is that time, and the closed days named.
    for (lang, when) in [
        ("en", format!("by {}", paydesk::present::promise::when(paydesk::i18n::Lang::En, due))),
        ("zh-CN", paydesk::present::promise::when(paydesk::i18n::Lang::ZhCn, due)),
    ] {
        let page = app.get_lang(&tracking, lang).await.text().await.unwrap();
        assert!(page.contains(&when), "{lang}: the promise is the due time ({when})");
        let holiday = if lang == "en" { "after the Test Day holiday" } else { "Test Day假期之后" };
        assert!(page.contains(holiday), "{lang}: the holiday in the way");
    }
}

#[tokio::test]
async fn a_ticket_filed_before_closed_days_is_due_after_them_and_a_pause_through_them_keeps_its_due_time() {
    let (app, admin) = working_app().await;
    // Today and the next four days closed, holiday-cn style (titles only).
    let closed = days(today(), today() + chrono::Duration::days(4));
    import(&admin, &feed(&closed, &[], true)).await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let due = due_of(&app, &reference);
    let last = *closed.last().unwrap();
    assert!(china::day(due) > last, "due {due} after the closed days (to {last})");
    // In the queue's hours: 09:00–18:00 China time.
    let local = china::to_china_time(due).time();
    assert!(
        local >= chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap()
            && local <= chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap()
    );

    // Waiting on the customer since earlier today (closed), they answer
    // now (still closed): no working time passed, the due time stands.
    let agent = app.staff("agent").await;
    let res = agent.post(&format!("/agent/tickets/{reference}/status"), &[("status", "pending_customer")]).await;
    assert!(res.status().is_redirection());
    let earlier = china::from_china_time(today().and_hms_opt(0, 30, 0).unwrap());
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::paused_at.eq(Some(earlier)))
        .execute(&mut app.conn())
        .unwrap();
    let res = app
        .post_multipart(&format!("{tracking}/messages"), form(&[("message", "Still failing".into())], None), "en")
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(due_of(&app, &reference), due, "paused through closed time: the same due time");
}

#[tokio::test]
async fn nobody_is_told_of_a_breach_in_closed_time() {
    let (app, admin) = working_app().await;
    import(&admin, &feed(&[today()], &[], false)).await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::due_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)))
        .execute(&mut app.conn())
        .unwrap();
    let told = || -> bool {
        tickets::table
            .filter(tickets::reference.eq(&reference))
            .select(tickets::breach_notified_at)
            .first::<Option<NaiveDateTime>>(&mut app.conn())
            .unwrap()
            .is_some()
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!told(), "closed today: nobody is told yet");
    // The same queue on 24×7: told at once.
    let res = admin.post("/admin/calendars/queues", &[("q_general", "24x7")]).await;
    assert_eq!(res.status().as_u16(), 303);
    for _ in 0..100 {
        if told() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(told(), "open: the breach is told");
    let page = admin.text("/admin/calendars").await;
    assert!(page.contains("Test Day") && page.contains("cn-workdays"), "the imported day is listed");
}

/// The queue says how much working time each ticket has left, counted in
/// its queue's calendar, and sorts by it: a ticket in a queue closed for
/// days may have less left than one due sooner in a 24×7 queue. The
/// dashboard counts, per queue, what falls due within the next working
/// day. Both languages.
#[tokio::test]
async fn the_queue_shows_and_sorts_by_working_time_left_and_the_dashboard_plans_the_next_working_day() {
    let (app, admin) = working_app().await;
    // General (cn-workdays) closed today and the next four days; Payments
    // around the clock.
    import(&admin, &feed(&days(today(), today() + chrono::Duration::days(4)), &[], false)).await;
    let res = admin.post("/admin/calendars/queues", &[("q_payments", "24x7")]).await;
    assert_eq!(res.status().as_u16(), 303);
    // A: General, filed in closed time: all its 24 working hours left.
    let (a, _) = app.file_api(&complete_fields()).await;
    // B: Payments, due in 30 hours of wall time (a minute more, so the
    // page still reads 30 h however long it takes to draw).
    let (b, _) = app.file_api(&complete_fields()).await;
    let b_due = chrono::Utc::now().naive_utc() + chrono::Duration::hours(30) + chrono::Duration::minutes(1);
    diesel::update(tickets::table.filter(tickets::reference.eq(&b)))
        .set((tickets::queue.eq("payments"), tickets::due_at.eq(b_due)))
        .execute(&mut app.conn())
        .unwrap();
    // C: General, due three working hours into the first open day.
    let mut open_day = today() + chrono::Duration::days(5);
    while matches!(open_day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        open_day = open_day.succ_opt().unwrap();
    }
    let (c, _) = app.file_api(&complete_fields()).await;
    diesel::update(tickets::table.filter(tickets::reference.eq(&c)))
        .set(tickets::due_at.eq(cn(open_day, 12, 0)))
        .execute(&mut app.conn())
        .unwrap();

    let boss = app.staff("supervisor").await;
    let order = |page: &str| -> Vec<usize> {
        [&c, &a, &b].iter().map(|r| page.find(&format!(">{r}<")).unwrap_or_else(|| panic!("{r} listed"))).collect()
    };
    // By due time, B (tomorrow) comes before A (after the closed days).
    let by_due = boss.text("/agent?view=open&sort=due").await;
    let at = order(&by_due);
    assert!(at[2] < at[1], "by due time: B before A");
    // By working time left: C (3 h), A (24 h), then B (30 h).
    let by_left = boss.text("/agent?view=open&sort=left").await;
    let at = order(&by_left);
    assert!(at[0] < at[1] && at[1] < at[2], "by working time left: C, A, B");
    assert!(by_left.contains("24 h 0 min of working time left"), "A's time left, in working time");
    assert!(by_left.contains("3 h 0 min of working time left"), "C's");
    assert!(by_left.contains("30 h 0 min left"), "B's, around the clock");
    assert!(by_left.contains("Least working time left first"), "the order is offered");
    boss.text("/lang/zh-CN?next=/agent").await;
    let zh = boss.text("/agent?view=open&sort=left").await;
    assert!(zh.contains("剩余工作时间 24小时0分钟"), "in Chinese too");
    let ticket = boss.text(&format!("/agent/tickets/{a}")).await;
    assert!(ticket.contains("剩余工作时间 24小时0分钟"), "the ticket page says it too");
    boss.text("/lang/en?next=/agent").await;

    // The dashboard: General has one ticket (C) due within its next
    // working day; Payments none (B is 30 h away, a working day is 24).
    let dash = boss.text("/supervisor").await;
    assert!(dash.contains("id=\"due-next\""), "the planning section");
    let csv = boss.text("/supervisor/dashboard/due-next.csv").await;
    assert!(csv.contains("General,1,"), "{csv}");
    assert!(csv.contains("Payments,0,"), "{csv}");
}
