//! "Not solved? Ask for a supervisor" (issue 20): a customer on a resolved
//! ticket, or one past its promise, asks for a supervisor with a reason;
//! the ticket becomes an urgent complaint due within the rules file's
//! hours, supervisors are mailed, staff see it, and a staff answer ends it.

use diesel::prelude::*;
use paydesk::db::schema::{outbox, ticket_events, tickets};

use crate::support::*;

/// Posts the complaint form as the tracking page does (this client's CSRF
/// cookie and token).
async fn ask(app: &TestApp, tracking: &str, kind: &str, reason: &str, lang: &str) -> reqwest::Response {
    let csrf = app.csrf().await;
    app.client
        .post(app.url(&format!("{tracking}/complaint")))
        .header("Accept-Language", lang)
        .form(&[("reason_kind", kind), ("reason", reason), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

type Row = (String, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>);

fn ticket(app: &TestApp, reference: &str) -> Row {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select((tickets::status, tickets::priority, tickets::due_at, tickets::complaint_at))
        .first(&mut app.conn())
        .unwrap()
}

/// Time passes: the ticket's promise is an hour behind us.
fn overdue(app: &TestApp, reference: &str) {
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
    diesel::update(tickets::table.filter(tickets::reference.eq(reference)))
        .set(tickets::due_at.eq(past))
        .execute(&mut app.conn())
        .unwrap();
}

fn complaint_mails(app: &TestApp) -> Vec<String> {
    outbox::table.filter(outbox::kind.eq("complaint")).select(outbox::recipient).load(&mut app.conn()).unwrap()
}

async fn resolve(agent: &Browser, reference: &str) {
    let res = agent.post(&format!("/agent/tickets/{reference}/status"), &[("status", "resolved")]).await;
    assert_eq!(res.status().as_u16(), 303);
}

#[tokio::test]
async fn a_resolved_ticket_becomes_an_urgent_complaint_and_reopens() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let supervisor = app.staff("supervisor").await;
    for lang in ["en", "zh-CN"] {
        let (reference, tracking) = app.file_api(&with(&complete_fields(), "lang", lang)).await;
        // Open and on time: no button, and a POST changes nothing.
        let page = app.get_lang(&tracking, lang).await.text().await.unwrap();
        assert!(!page.contains("/complaint\""), "{lang}: no form while on time");
        resolve(&agent, &reference).await;

        let page = app.get_lang(&tracking, lang).await.text().await.unwrap();
        let (button, next) = match lang {
            "en" => ("Ask for a supervisor</button>", "answers you here within 4 hours"),
            _ => ("请主管处理</button>", "4 小时内在此页回复您"),
        };
        assert!(page.contains(button), "{lang}: the button on a resolved ticket");
        assert!(page.contains(next), "{lang}: the promise, from the rules file");

        let before = chrono::Utc::now().naive_utc();
        let res = ask(&app, &tracking, "not_solved", "The bill still shows <unpaid>.", lang).await;
        assert_eq!(res.status().as_u16(), 303, "{lang}");
        assert_eq!(res.headers()["location"], format!("{tracking}#complaint").as_str());

        let (status, priority, due, complaint) = ticket(&app, &reference);
        assert_eq!((status.as_str(), priority.as_str()), ("open", "urgent"), "{lang}: reopened, at the top");
        let complaint = complaint.expect("flagged as a complaint");
        assert!(complaint >= before - chrono::Duration::seconds(1));
        assert_eq!(due, complaint + chrono::Duration::hours(4), "{lang}: due from [complaint] in the rules");

        // The customer's timeline, in their words.
        let page = app.get_lang(&tracking, lang).await.text().await.unwrap();
        let (asked, reason, open) = match lang {
            "en" => (
                "You asked for a supervisor",
                "My problem is not solved: The bill still shows &#60;unpaid&#62;.",
                "A supervisor will answer by",
            ),
            _ => ("您请主管处理", "问题还没有解决: The bill still shows &#60;unpaid&#62;.", "主管将在"),
        };
        assert!(page.contains(asked) && page.contains(reason), "{lang}: {page}");
        assert!(page.contains(open), "{lang}: said it is open");
        assert!(!page.contains(button), "{lang}: no second button");

        // Staff: the badge on the ticket page, the staff wording.
        let staff_page = supervisor.text(&format!("/agent/tickets/{reference}")).await;
        assert!(staff_page.contains("complaint-badge") && staff_page.contains("Customer asked for a supervisor"));
    }
    let zh_staff = supervisor
        .client
        .get(supervisor.url("/agent?view=all&complaint=open"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh_staff.contains("投诉"), "the badge in Chinese");
    // The supervisors were mailed, through the outbox, once per ticket.
    assert_eq!(complaint_mails(&app).len(), 2);
}

#[tokio::test]
async fn a_ticket_past_its_promise_may_complain_one_on_time_may_not() {
    let app = spawn().await;
    app.add_staff("boss@paydesk.test", "Boss", "supervisor", &["general"]);
    let (late, late_tracking) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    let (on_time, on_time_tracking) = app.file_api(&with(&complete_fields(), "lang", "zh-CN")).await;
    overdue(&app, &late);
    let page = app.get_lang(&late_tracking, "en").await.text().await.unwrap();
    assert!(page.contains("Ask for a supervisor</button>"));

    // On time: refused, with a clear message, nothing changed.
    let before = ticket(&app, &on_time);
    let res = ask(&app, &on_time_tracking, "", "too slow", "zh-CN").await;
    assert_eq!(res.status().as_u16(), 409);
    assert!(res.text().await.unwrap().contains("目前仍在承诺时间内"));
    assert_eq!(ticket(&app, &on_time), before, "nothing changed");
    let res = ask(&app, &on_time_tracking, "", "too slow", "en").await;
    assert!(res.text().await.unwrap().contains("It is still within that time."));

    let res = ask(&app, &late_tracking, "too_slow", "Nobody answered.", "en").await;
    assert_eq!(res.status().as_u16(), 303);
    let (status, priority, _, complaint) = ticket(&app, &late);
    assert_eq!((status.as_str(), priority.as_str()), ("new", "urgent"));
    assert!(complaint.is_some());
    assert!(complaint_mails(&app).len() == 1);
}

#[tokio::test]
async fn a_reason_is_required_and_asking_twice_is_refused() {
    let app = spawn().await;
    app.add_staff("boss@paydesk.test", "Boss", "supervisor", &["general"]);
    let (reference, tracking) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    overdue(&app, &reference);
    let res = ask(&app, &tracking, "other", "   ", "en").await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Please tell us why, so the supervisor can act on it."));
    assert!(page.contains("value=\"other\" selected"), "the choice is kept");
    let res = ask(&app, &tracking, "", "   ", "zh-CN").await;
    assert!(res.text().await.unwrap().contains("请写明原因"));
    let res = ask(&app, &tracking, "", &"长".repeat(2001), "en").await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(ticket(&app, &reference).3.is_none(), "nothing stored");

    assert_eq!(ask(&app, &tracking, "", "Still waiting.", "en").await.status().as_u16(), 303);
    let before = ticket(&app, &reference);
    let res = ask(&app, &tracking, "", "Again!", "en").await;
    assert_eq!(res.status().as_u16(), 409);
    assert!(res.text().await.unwrap().contains("You have already asked for a supervisor."));
    let res = ask(&app, &tracking, "", "Again!", "zh-CN").await;
    assert!(res.text().await.unwrap().contains("您已经请主管处理了"));
    assert_eq!(ticket(&app, &reference), before);
    let asked: i64 =
        ticket_events::table.filter(ticket_events::kind.eq("complaint")).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(asked, 1);
    assert_eq!(complaint_mails(&app).len(), 1);
}

#[tokio::test]
async fn staff_find_complaints_and_a_public_answer_ends_one() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    // Supervisors of the ticket's queue are mailed, not those of others.
    app.add_staff("boss@paydesk.test", "Boss", "supervisor", &["general", "payments", "platform", "engineering"]);
    app.add_staff("other@paydesk.test", "Other", "supervisor", &["engineering"]);
    let agent = app.staff("agent").await;
    let supervisor = app.staff("supervisor").await;
    let (reference, tracking) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    let (calm, _) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    resolve(&agent, &reference).await;
    assert_eq!(ask(&app, &tracking, "wrong_answer", "This is not my case.", "en").await.status().as_u16(), 303);

    // The queue: the badge, and the filter lists only complaints.
    let queue = supervisor.text("/agent?view=all&complaint=open").await;
    assert!(queue.contains(&reference) && !queue.contains(&calm), "the filter");
    assert!(queue.contains("complaint-badge"));
    assert_eq!(supervisor.get("/agent?complaint=maybe").await.status().as_u16(), 400);
    // The dashboard's strip counts them, with a link to the list.
    let dash = supervisor.text("/supervisor").await;
    assert!(dash.contains("/agent?view=all&#38;complaint=open"), "a link to the list");
    assert!(dash.contains("open complaints"));

    // The mail to the queue's supervisors: reference in the subject, the
    // reason quoted in the body, a link to the staff page.
    let recipients = complaint_mails(&app);
    assert!(recipients.contains(&"boss@paydesk.test".to_string()), "{recipients:?}");
    assert!(!recipients.contains(&"other@paydesk.test".to_string()), "another queue's supervisor: {recipients:?}");
    app.wait_outbox_sent(3 + recipients.len() as i64).await;
    let raw = smtp.messages().into_iter().find(|m| m.contains("To: boss@paydesk.test")).expect("the boss's mail");
    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    use mailparse::MailHeaderMap;
    let subject = mail.headers.get_first_value("Subject").unwrap();
    assert_eq!(subject, format!("[{reference}] 客户请主管处理"), "reference only, no customer text");
    let text = mail.subparts[0].get_body().unwrap();
    assert!(text.contains("This is not my case.") && text.contains("The answer does not fit my case"), "{text}");
    assert!(text.contains(&format!("/agent/tickets/{reference}")), "{text}");

    // Integrations see it too: the API's ticket (what webhooks send).
    let agent_id = app.add_staff("api@paydesk.test", "Api", "agent", &["general"]);
    let token =
        paydesk::db::users::create_token(&mut app.conn(), &agent_id, "t", chrono::Utc::now().naive_utc()).unwrap();
    let api_ticket = || async {
        let url = app.url(&format!("/api/v1/tickets/{reference}"));
        let res = app.client.get(&url).bearer_auth(&token).send().await.unwrap();
        res.json::<serde_json::Value>().await.unwrap()
    };
    assert!(api_ticket().await["complaint_at"].is_string(), "the complaint, with its time");

    // A note does not end it; a public reply does.
    let path = format!("/agent/tickets/{reference}");
    agent.post(&format!("{path}/note"), &[("body", "looking")]).await;
    assert!(ticket(&app, &reference).3.is_some());
    agent.post(&format!("{path}/reply"), &[("body", "A supervisor here: fixed."), ("then", "pending_customer")]).await;
    assert!(ticket(&app, &reference).3.is_none(), "answered: the complaint ends");
    assert!(api_ticket().await["complaint_at"].is_null());
    assert!(!supervisor.text("/agent?view=all&complaint=open").await.contains(&reference));
}

#[tokio::test]
async fn the_form_needs_its_csrf_token_and_is_rate_limited() {
    let app = spawn_with(|c| c.intake_per_minute = 3).await;
    let (reference, tracking) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    overdue(&app, &reference);
    let res = app
        .client
        .post(app.url(&format!("{tracking}/complaint")))
        .form(&[("reason", "no token")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(ticket(&app, &reference).3.is_none());
    // Filing counted once; each request counts: past the limit, a 429.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(ask(&app, &tracking, "", "   ", "en").await.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}
