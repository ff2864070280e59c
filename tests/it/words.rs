//! What we tell people is true and goes somewhere (issue 29, first part):
//! amounts and account numbers as people type them, a link that opens
//! nothing points to "find my request", the "ask" email does not speak of a
//! page it is not, and the supervisors' escalation email opens the review.

use std::time::Duration;

use mailparse::MailHeaderMap;

use crate::support::*;

/// The plain-text part of every `.eml` written so far, with its subject.
fn mails(app: &TestApp) -> Vec<(String, String)> {
    std::fs::read_dir(app.mail_dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| {
            let raw = std::fs::read(&p).unwrap();
            let m = mailparse::parse_mail(&raw).unwrap();
            let text = m.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").unwrap().get_body().unwrap();
            (m.headers.get_first_value("Subject").unwrap_or_default(), text)
        })
        .collect()
}

async fn wait_mail(app: &TestApp, subject: &str) -> String {
    for _ in 0..200 {
        if let Some((_, text)) = mails(app).into_iter().find(|(s, _)| s.contains(subject)) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail {subject:?}: {:?}", mails(app).iter().map(|(s, _)| s.clone()).collect::<Vec<_>>());
}

#[tokio::test]
async fn amounts_are_read_as_people_write_them_and_an_unreadable_account_is_kept_as_typed() {
    let app = spawn().await;
    let money = with(&complete_fields(), "symptom", "money_taken_not_paid");
    let money = with(&money, "occurred_at", "2026-12-01T09:30");
    let money = with(&money, "order_number", "4200001234567890");
    for (written, cents) in [("128.5元", 12_850), ("¥128.50", 12_850), ("RMB 1,280", 128_000)] {
        let (status, body) = app.api_file(form(&with(&money, "amount", written), None), "en").await;
        assert_eq!(status, 201, "{written}: {body}");
        let reference = body["reference"].as_str().unwrap();
        use diesel::prelude::*;
        use paydesk::db::schema::tickets;
        let stored: Option<i64> = tickets::table
            .filter(tickets::reference.eq(reference))
            .select(tickets::amount_cents)
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(stored, Some(cents), "{written}");
    }
    // An account number that cannot be read comes back as typed, to fix.
    let res = app.form_file(form(&with(&complete_fields(), "account_number", "户号 3100 1234"), None), "zh-CN").await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"户号 3100 1234\""), "kept as typed");
    // One that can is shown masked, never whole.
    let res = app.form_file(form(&with(&complete_fields(), "city", ""), None), "en").await;
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"31******4821\"") && !page.contains("3100 1234 4821"));
}

#[tokio::test]
async fn a_link_that_opens_nothing_offers_find_my_request_in_both_languages() {
    let app = spawn().await;
    let res = app.get("/t/this-link-was-cut-shor").await;
    assert_eq!(res.status().as_u16(), 404);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"/find\""), "{page}");
    assert!(page.contains("找回我的求助") && page.contains("Find my request"));
}

#[tokio::test]
async fn the_ask_email_points_to_the_request_page_and_the_escalation_email_to_the_review() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    app.add_staff("lead@paydesk.test", "Lead", "supervisor", &["general", "payments"]);
    let (reference, _) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    let version = hidden_value(&page, "version").unwrap();
    let seen = hidden_value(&page, "seen").unwrap();
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/ask"),
            &[("fact_order_number", "on"), ("version", &version), ("seen", &seen)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let asked = wait_mail(&app, "We need a little more information").await;
    assert!(asked.contains("on your request page") && !asked.contains("below on this page"), "{asked}");

    // A platform case opens an escalation: the supervisors' email opens it
    // on the review page, not the ticket.
    let f = with(&complete_fields(), "platform", "alipay");
    let f = with(&with(&f, "symptom", "button_inert"), "error_code", "");
    let (escalated, _) = app.file_api(&with(&f, "error_message", "")).await;
    let waiting = wait_mail(&app, "有升级申请等待您审核").await;
    let escalation: String = {
        use diesel::prelude::*;
        use paydesk::db::schema::tickets;
        tickets::table
            .filter(tickets::reference.eq(&escalated))
            .select(tickets::escalation_id.assume_not_null())
            .first(&mut app.conn())
            .unwrap()
    };
    assert!(waiting.contains(&format!("/supervisor/escalations#esc-{escalation}")), "{waiting}");
}

#[tokio::test]
async fn routing_again_keeps_a_priority_set_by_hand() {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let res = agent.post(&format!("/agent/tickets/{reference}/priority"), &[("priority", "high")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[("symptom", "error_shown"), ("failing_step", "tap_pay"), ("kind", "product_bug")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (kind, priority): (String, String) = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select((tickets::case_kind, tickets::priority))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((kind.as_str(), priority.as_str()), ("product_bug", "high"), "the kind changed, the priority kept");
}

#[tokio::test]
async fn an_answer_recorded_without_an_outcome_comes_back_with_what_was_typed() {
    use diesel::prelude::*;
    use paydesk::db::schema::{escalations, tickets};
    let app = spawn().await;
    let supervisor = app.staff("supervisor").await;
    let f = with(&complete_fields(), "platform", "alipay");
    let f = with(&with(&f, "symptom", "button_inert"), "error_code", "");
    let (reference, _) = app.file_api(&with(&f, "error_message", "")).await;
    let escalation: String = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::escalation_id.assume_not_null())
        .first(&mut app.conn())
        .unwrap();
    // Sent to the platform (as approving does), now waiting for its answer.
    diesel::update(escalations::table.find(&escalation))
        .set(escalations::status.eq("sent"))
        .execute(&mut app.conn())
        .unwrap();
    for (lang, words) in
        [("en", "Choose whether the answer approved or declined"), ("zh-CN", "请选择答复是同意还是拒绝")]
    {
        let csrf = supervisor.csrf().await;
        let res = supervisor
            .client
            .post(supervisor.url(&format!("/supervisor/escalations/{escalation}/answer")))
            .header("Accept-Language", lang)
            .form(&[("csrf", csrf.as_str()), ("reference", "ALI-2026-0042"), ("text", "场景已开通 / scenario enabled")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 422, "{lang}");
        let page = res.text().await.unwrap();
        assert!(page.contains(words), "{lang}: the problem in words");
        assert!(page.contains(&format!("id=\"outcome-error-{escalation}\"")), "next to the field");
        assert!(page.contains(">场景已开通 / scenario enabled</textarea>"), "{lang}: the text is kept");
        assert!(page.contains("value=\"ALI-2026-0042\""), "{lang}: the reference is kept");
    }
    let status: String =
        escalations::table.find(&escalation).select(escalations::status).first(&mut app.conn()).unwrap();
    assert_eq!(status, "sent", "nothing recorded");
    // With the outcome: recorded, and the list says so (issue 29, 10).
    let res = supervisor
        .post(
            &format!("/supervisor/escalations/{escalation}/answer"),
            &[("outcome", "approved"), ("reference", "ALI-2026-0042"), ("text", "scenario enabled")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let list = supervisor.text(&to).await;
    assert!(list.contains("role=\"status\" id=\"done\">Answer recorded; the customers are told."), "{list}");
}

#[tokio::test]
async fn each_action_says_what_it_did_and_how_the_customer_was_reached() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let by_email = app.file_api(&complete_fields()).await.0;
    let by_phone =
        app.file_api(&with(&with(&complete_fields(), "contact_email", ""), "contact_phone", "13800138000")).await.0;
    for (reference, en, zh) in [
        (&by_email, "Reply sent to the customer by email.", "回复已发送给客户（电子邮件）。"),
        (&by_phone, "Reply sent to the customer by SMS.", "回复已发送给客户（短信）。"),
    ] {
        let page = agent.text(&format!("/agent/tickets/{reference}")).await;
        assert!(!page.contains("id=\"done\""), "nothing said before anything is done");
        let version = hidden_value(&page, "version").unwrap();
        let seen = hidden_value(&page, "seen").unwrap();
        let res = agent
            .post(
                &format!("/agent/tickets/{reference}/reply"),
                &[
                    ("body", "Please check your bank record."),
                    ("status", "open"),
                    ("version", &version),
                    ("seen", &seen),
                ],
            )
            .await;
        assert_eq!(res.status().as_u16(), 303);
        let to = res.headers()["location"].to_str().unwrap().to_string();
        let page = agent.text(&to).await;
        assert!(page.contains(&format!("role=\"status\" id=\"done\">{en}")), "{page}");
        let zh_page = agent.client.get(agent.url(&to)).header("Accept-Language", "zh-CN").send().await.unwrap();
        assert!(zh_page.text().await.unwrap().contains(zh));
    }
    let res = agent.post(&format!("/agent/tickets/{by_email}/note"), &[("body", "Called the bank.")]).await;
    let page = agent.text(res.headers()["location"].to_str().unwrap()).await;
    assert!(page.contains("Internal note added (the customer does not see it)."));
}
