//! Satisfaction ratings (issue 20): a resolved ticket asks "did this solve
//! it?" on its tracking page and in its "resolved" email; once per
//! resolution; a bad rating reopens the request to the agent who resolved
//! it (issue 29, 1) and waits in the supervisors' follow-up list; the
//! dashboard shows the share of good ratings by kind, queue and agent.

use diesel::prelude::*;
use paydesk::db::schema::{audit_log, ratings, tickets};

use crate::support::*;

/// An agent resolves the ticket with a reply.
async fn resolve(agent: &Browser, reference: &str) {
    let res =
        agent.post(&format!("/agent/tickets/{reference}/reply"), &[("body", "已处理"), ("then", "resolved")]).await;
    assert_eq!(res.status().as_u16(), 303, "resolved");
}

/// Posts a rating as the customer's browser (the tracking page's or the
/// email page's form); returns the status and the page (or location).
async fn rate(app: &TestApp, tracking: &str, lang: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let csrf = app.csrf().await;
    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
    pairs.push(("csrf", &csrf));
    let res = app
        .client
        .post(app.url(&format!("{tracking}/rate")))
        .header("Accept-Language", lang)
        .form(&pairs)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(res.text().await.unwrap()))
}

/// The ratings of a ticket: (resolution, good, reason, comment), in order.
fn ratings_of(app: &TestApp, reference: &str) -> Vec<(i32, bool, String, String)> {
    ratings::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(reference))
        .order(ratings::resolution)
        .select((ratings::resolution, ratings::good, ratings::reason, ratings::comment))
        .load(&mut app.conn())
        .unwrap()
}

async fn page(app: &TestApp, path: &str, lang: &str) -> (u16, String) {
    let res = app.get_lang(path, lang).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

fn money_taken() -> Vec<(&'static str, String)> {
    let f = with(&complete_fields(), "symptom", "money_taken_not_paid");
    let f = with(&f, "occurred_at", "2026-11-30T09:30");
    let f = with(&f, "amount", "88.50");
    with(&f, "order_number", "4200001234567890")
}

#[tokio::test]
async fn a_customer_rates_good_from_the_tracking_page_in_both_languages() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    for (lang, question, thanks, rated) in [
        ("en", "Did this solve it?", "Thank you. Your answer helps us do better.", "Thank you for telling us."),
        ("zh-CN", "问题解决了吗？", "谢谢您的反馈，我们会继续改进。", "谢谢您的反馈。如果问题再次出现"),
    ] {
        let (reference, tracking) = app.file_api(&complete_fields()).await;
        // Not resolved yet: nothing to rate.
        let (_, open) = page(&app, &tracking, lang).await;
        assert!(!open.contains("id=\"rate\""), "no question before it is resolved");
        resolve(&agent, &reference).await;
        let (status, shown) = page(&app, &tracking, lang).await;
        assert_eq!(status, 200);
        assert!(shown.contains(question) && shown.contains("id=\"rate-good\""), "{lang}: the question and its buttons");
        assert!(shown.contains(&format!("action=\"{tracking}/rate\"")));

        let (status, location) = rate(&app, &tracking, lang, &[("good", "1"), ("reason", ""), ("comment", "")]).await;
        assert_eq!((status, location.as_str()), (303, format!("{tracking}/rate?done=1").as_str()));
        assert_eq!(ratings_of(&app, &reference), vec![(1, true, String::new(), String::new())]);
        let (_, done) = page(&app, &location, lang).await;
        assert!(done.contains(thanks), "{lang}: {done}");
        // The tracking page thanks instead of asking again.
        let (_, after) = page(&app, &tracking, lang).await;
        assert!(after.contains(rated) && !after.contains("id=\"rate-good\""), "{lang}");
    }
}

/// The text part of the "resolved" email about `reference` (the one that
/// asks for a rating: files written in the same instant have no order).
fn resolved_mail_text(app: &TestApp, reference: &str) -> String {
    let files: Vec<_> = std::fs::read_dir(app.mail_dir.path()).unwrap().flatten().map(|e| e.path()).collect();
    files
        .iter()
        .filter_map(|p| {
            let raw = std::fs::read(p).ok()?;
            let parsed = mail_parser::MessageParser::default().parse(&raw)?;
            Some(parsed.body_text(0)?.to_string())
        })
        .find(|text| text.contains(reference) && text.contains("/rate?good="))
        .unwrap_or_else(|| panic!("a resolved email about {reference} asking for a rating"))
}

/// The path of the link in `text` that ends with `tail`.
fn link_ending(text: &str, tail: &str) -> String {
    let word = text.split_whitespace().find(|w| w.ends_with(tail)).unwrap_or_else(|| panic!("{tail} in {text}"));
    format!("/t/{}", word.split("/t/").nth(1).unwrap())
}

#[tokio::test]
async fn a_bad_rating_from_the_email_link_is_confirmed_recorded_once_and_followed_up() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let boss = app.staff("supervisor").await;
    for (lang, question, reason_label, reopened, open_again, listed_reason) in [
        (
            "en",
            "Did this solve it?",
            "The money isn&#39;t back yet",
            "Your request is open again",
            "open again",
            "The money isn&#39;t back yet",
        ),
        ("zh-CN", "问题解决了吗？", "钱还没退回", "您的求助已重新打开", "已重新处理中", "钱还没退回"),
    ] {
        let mut fields = money_taken();
        if lang == "zh-CN" {
            fields = with(&fields, "lang", "zh-CN");
        }
        let (reference, _) = app.file_api(&fields).await;
        resolve(&agent, &reference).await;
        app.wait_outbox_sent(app.outbox_count("sent") + app.outbox_count("pending")).await;
        let text = resolved_mail_text(&app, &reference);
        assert!(text.contains(question), "{lang}: the email asks: {text}");
        let good_link = link_ending(&text, "/rate?good=1");
        let bad_link = link_ending(&text, "/rate?good=0");
        assert_eq!(good_link.trim_end_matches("?good=1"), bad_link.trim_end_matches("?good=0"));

        // Following the link (as a mail scanner does) records nothing: it
        // opens the form with "not solved" chosen and one button.
        for _ in 0..2 {
            let (status, form) = page(&app, &bad_link, lang).await;
            assert_eq!(status, 200);
            assert!(form.contains("value=\"0\" id=\"rate-bad\" checked"), "{lang}: bad preselected");
            assert!(!form.contains("id=\"rate-good\" checked"));
            assert!(form.contains(reason_label), "{lang}: the kind's own reasons");
            assert!(!form.contains("rate-reason-"), "no key shown as text");
        }
        let (_, good_form) = page(&app, &good_link, lang).await;
        assert!(good_form.contains("value=\"1\" id=\"rate-good\" checked"));
        assert!(ratings_of(&app, &reference).is_empty(), "a GET changed nothing");

        // A reason another kind offers, and a comment too long, are refused
        // politely with what was typed kept.
        let tracking = bad_link.trim_end_matches("/rate?good=0").to_string();
        let long = "长".repeat(1001);
        let (status, refused) = rate(&app, &tracking, lang, &[("good", "0"), ("comment", &long)]).await;
        assert_eq!(status, 422);
        assert!(refused.contains("id=\"rate-error\"") && refused.contains("value=\"0\" id=\"rate-bad\" checked"));
        let (status, _) = rate(&app, &tracking, lang, &[("comment", "no choice")]).await;
        assert_eq!(status, 422, "a choice is needed");
        assert!(ratings_of(&app, &reference).is_empty());

        let fields = [("good", "0"), ("reason", "money_not_back"), ("comment", "  还没到账\u{7}  ")];
        let (status, _) = rate(&app, &tracking, lang, &fields).await;
        assert_eq!(status, 422, "a control character is refused");
        let fields = [("good", "0"), ("reason", "money_not_back"), ("comment", "  还没到账  ")];
        let (status, location) = rate(&app, &tracking, lang, &fields).await;
        assert_eq!(status, 303, "{location}");
        assert_eq!(ratings_of(&app, &reference), vec![(1, false, "money_not_back".into(), "还没到账".into())]);

        // "Not solved" reopens the request, back with the agent who
        // resolved it, due again within the first-response target, and
        // the page says so.
        assert!(location.ends_with("/rate?done=reopened"), "{location}");
        let (_, said) = page(&app, &location, lang).await;
        assert!(said.contains("id=\"rate-reopened\"") && said.contains(reopened), "{lang}: {said}");
        let (now_status, assignee, due): (String, Option<String>, chrono::NaiveDateTime) = tickets::table
            .filter(tickets::reference.eq(&reference))
            .select((tickets::status, tickets::assignee_id, tickets::due_at))
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(now_status, "open", "{lang}: reopened");
        let resolver: Option<String> = paydesk::db::schema::ticket_events::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(&reference))
            .filter(paydesk::db::schema::ticket_events::body.eq("resolved"))
            .select(paydesk::db::schema::ticket_events::author_id)
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(assignee, resolver, "back with the agent who resolved it");
        assert!(due > chrono::Utc::now().naive_utc(), "due again, in the future");
        let (_, own_page) = page(&app, &tracking, lang).await;
        assert!(own_page.contains("还没到账"), "{lang}: their words on their page");

        // Rating again: nothing to rate while it is open; the first stands.
        let (status, second) = rate(&app, &tracking, lang, &[("good", "1")]).await;
        assert_eq!(status, 409);
        assert!(second.contains(open_again), "{lang}: {second}");
        assert_eq!(ratings_of(&app, &reference).len(), 1);
        assert!(!ratings_of(&app, &reference)[0].1, "still the first (bad) rating");

        // Staff see it on the ticket's timeline, in words.
        let ticket = agent.text(&format!("/agent/tickets/{reference}")).await;
        assert!(ticket.contains("Customer rated the answer") && ticket.contains("Not solved"), "timeline");
        assert!(ticket.contains("The money isn&#39;t back yet") && ticket.contains("还没到账"));

        // The supervisors' follow-up list.
        let list = boss.client.get(boss.url("/supervisor/ratings")).header("Accept-Language", lang).send().await;
        let list = list.unwrap().text().await.unwrap();
        assert!(list.contains(&reference) && list.contains(listed_reason) && list.contains("还没到账"), "{lang}");
        let id = list.split("/supervisor/ratings/").nth(1).unwrap().split('/').next().unwrap().to_string();
        let follow = format!("/supervisor/ratings/{id}/follow-up");
        // Agents may not see or act on it.
        assert_eq!(agent.get("/supervisor/ratings").await.status().as_u16(), 403);
        assert_eq!(agent.post(&follow, &[]).await.status().as_u16(), 403);
        let res = boss.post(&follow, &[]).await;
        assert_eq!(res.status().as_u16(), 303);
        assert!(!boss.text("/supervisor/ratings").await.contains(&reference), "followed up: off the list");
        assert_eq!(boss.post(&follow, &[]).await.status().as_u16(), 409, "only once");
        let audited: i64 = audit_log::table
            .filter(audit_log::action.eq("rating_follow_up"))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert!(audited >= 1);
    }
}

#[tokio::test]
async fn a_reopened_ticket_resolved_again_may_be_rated_again() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    resolve(&agent, &reference).await;
    let (status, location) = rate(&app, &tracking, "en", &[("good", "1")]).await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/rate?done=1"), "solved: stays resolved");
    // A second rating of the same resolution: refused, the first stands.
    let (status, second) = rate(&app, &tracking, "en", &[("good", "0")]).await;
    assert_eq!(status, 409);
    assert!(second.contains("Your first answer is the one we keep"), "{second}");
    // The customer writes again: the ticket reopens, nothing to rate.
    let res = app
        .post_multipart(&format!("{tracking}/messages"), form(&[("message", "It failed again".into())], None), "en")
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (status, page_) = rate(&app, &tracking, "en", &[("good", "0")]).await;
    assert_eq!(status, 409);
    assert!(page_.contains("open again"), "{page_}");
    let (_, shown) = page(&app, &tracking, "en").await;
    assert!(!shown.contains("id=\"rate\""));
    // Resolved again: a new resolution to rate.
    resolve(&agent, &reference).await;
    // A reason this kind does not offer (a stale or forged form) is
    // dropped; the rating itself counts.
    let (status, _) = rate(&app, &tracking, "zh-CN", &[("good", "0"), ("reason", "steps_failed")]).await;
    assert_eq!(status, 303);
    assert_eq!(
        ratings_of(&app, &reference),
        vec![(1, true, String::new(), String::new()), (2, false, String::new(), String::new())]
    );
}

#[tokio::test]
async fn the_dashboard_shows_satisfaction_by_kind_queue_and_agent_with_its_csv() {
    let app = spawn().await;
    let boss = app.staff("supervisor").await;
    let ann = app.browser();
    app.add_staff("ann@paydesk.test", "Ann", "agent", &["general", "payments", "refunds"]);
    assert_eq!(ann.post("/login", &[("email", "ann@paydesk.test"), ("password", PASSWORD)]).await.status(), 303);
    let bob = app.browser();
    app.add_staff("bob@paydesk.test", "Bob", "agent", &["general", "payments", "refunds"]);
    assert_eq!(bob.post("/login", &[("email", "bob@paydesk.test"), ("password", PASSWORD)]).await.status(), 303);

    // Ann: three "other" tickets, rated good, good, bad. Bob: one money
    // taken, rated bad, and one "other", rated good, that Ann takes over
    // after he resolved it (the agent counted is the one at resolution).
    let mut plan = vec![];
    for good in ["1", "1", "0"] {
        plan.push((&ann, complete_fields(), good, false));
    }
    plan.push((&bob, money_taken(), "0", false));
    plan.push((&bob, complete_fields(), "1", true));
    for (agent, fields, good, handed_over) in plan {
        let (reference, tracking) = app.file_api(&fields).await;
        let t = format!("/agent/tickets/{reference}");
        assert_eq!(agent.post(&format!("{t}/claim"), &[]).await.status().as_u16(), 303);
        resolve(agent, &reference).await;
        if handed_over {
            assert_eq!(ann.post(&format!("{t}/claim"), &[]).await.status().as_u16(), 303);
        }
        let (status, _) = rate(&app, &tracking, "en", &[("good", good)]).await;
        assert_eq!(status, 303);
    }
    let queue_of = |kind: &str| -> String {
        tickets::table.filter(tickets::case_kind.eq(kind)).select(tickets::queue).first(&mut app.conn()).unwrap()
    };
    let (other_q, money_q) = (queue_of("other"), queue_of("deducted_not_credited"));

    let csv = boss.text("/supervisor/dashboard/satisfaction.csv").await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Grouped by,Value,Solved,Ratings,Share solved");
    assert!(lines.contains(&"\"Solved, by kind of case\",Other,3,4,75%"), "{csv}");
    assert!(lines.iter().any(|l| l.starts_with("\"Solved, by kind of case\",") && l.ends_with(",0,1,0%")), "{csv}");
    assert!(lines.contains(&"\"Solved, by agent\",Ann,2,3,67%"), "{csv}");
    assert!(lines.contains(&"\"Solved, by agent\",Bob,1,2,50%"), "{csv}");
    let queue_label = |q: &str| paydesk::domain::codes::Queue::label_of(q, paydesk::i18n::Lang::En);
    if other_q == money_q {
        assert!(lines.contains(&format!("\"Solved, by queue\",{},3,5,60%", queue_label(&other_q)).as_str()), "{csv}");
    } else {
        assert!(lines.contains(&format!("\"Solved, by queue\",{},3,4,75%", queue_label(&other_q)).as_str()), "{csv}");
        assert!(lines.contains(&format!("\"Solved, by queue\",{},0,1,0%", queue_label(&money_q)).as_str()), "{csv}");
    }

    // The page, in both languages; the queue filter narrows it.
    for (lang, title) in [("en", "Satisfaction"), ("zh-CN", "满意度")] {
        let res = boss.client.get(boss.url("/supervisor")).header("Accept-Language", lang).send().await.unwrap();
        let page = res.text().await.unwrap();
        assert!(page.contains("id=\"satisfaction\"") && page.contains(title), "{lang}");
        assert!(page.contains("/supervisor/dashboard/satisfaction.csv?"));
    }
    let zh = boss
        .client
        .get(boss.url("/supervisor/dashboard/satisfaction.csv"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("解决率（按客服）,Ann,2,3,67%"), "{zh}");
    if other_q != money_q {
        let narrowed = boss.text(&format!("/supervisor/dashboard/satisfaction.csv?queue={money_q}")).await;
        assert!(narrowed.contains("Bob,0,1,0%") && !narrowed.contains("Ann,"), "{narrowed}");
    }
}
