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

/// The boxes "what have you tried?" are what the help page advised for the
/// chosen symptom, plus "none of these yet" (issue 29, 2).
#[tokio::test]
async fn the_checks_asked_are_the_checks_advised() {
    let app = spawn().await;
    for (lang, bank, none) in [
        ("en", "Checked my bank or wallet record", "None of these yet"),
        ("zh-CN", "查看过银行或钱包的扣款记录", "以上都还没有试过"),
    ] {
        let help = app.get_lang("/help/money_taken_not_paid", lang).await.text().await.unwrap();
        let form = app.get_lang("/tickets/new?symptom=money_taken_not_paid", lang).await.text().await.unwrap();
        assert!(form.contains(bank) && form.contains(none), "{lang}: the advice as boxes");
        let shown = |code: &str| {
            let at = form.find(&format!("id=\"check-{code}\"")).unwrap_or_else(|| panic!("{code} sent"));
            let label = &form[..at];
            !label[label.rfind("<label").unwrap()..].contains(" hidden")
        };
        assert!(shown("checked_bank_record") && shown("did_not_pay_again") && shown("none_yet"), "{lang}");
        assert!(!shown("retried_later"), "{lang}: we told them not to pay again");
        assert!(help.contains(if lang == "en" { "Do not pay again" } else { "不要" }), "{lang}: the advice");
        let errors = app.get_lang("/tickets/new?symptom=error_shown", lang).await.text().await.unwrap();
        assert!(errors.contains("id=\"check-checked_balance\""), "{lang}: balance and limits has a box");
    }
    // "None of these yet" is an answer; beside a ticked box it is dropped.
    let (reference, _) = app.file_api(&with(&complete_fields(), "checks_tried", "none_yet")).await;
    let agent = app.staff("agent").await;
    assert!(agent.text(&format!("/agent/tickets/{reference}")).await.contains("None of these yet"));
}

/// 上海, 上海市 and Shanghai are one city: one row on the dashboard, and an
/// incident matched by city takes the English ticket too (issue 29, 17).
#[tokio::test]
async fn a_city_is_one_value_however_it_is_written() {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let app = spawn().await;
    let mut refs = vec![];
    for city in ["上海", "上海市", "Shanghai", " shanghai city "] {
        refs.push(app.file_api(&with(&complete_fields(), "city", city)).await.0);
    }
    let unknown = app.file_api(&with(&complete_fields(), "city", "Springfield")).await.0;
    let cities: Vec<String> =
        tickets::table.filter(tickets::reference.eq_any(&refs)).select(tickets::city).load(&mut app.conn()).unwrap();
    assert_eq!(cities, ["上海"; 4], "one value");
    let kept: String =
        tickets::table.filter(tickets::reference.eq(&unknown)).select(tickets::city).first(&mut app.conn()).unwrap();
    assert_eq!(kept, "Springfield", "an unknown name as typed");

    let boss = app.staff("supervisor").await;
    let en = boss.text("/supervisor/dashboard/cities.csv").await;
    let zh = boss
        .client
        .get(boss.url("/supervisor"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("上海") && !zh.contains("上海市"), "one row in Chinese");
    let page = boss.text("/supervisor").await;
    assert!(page.contains("Shanghai") && !en.contains("上海市"), "the English name on an English page");

    // An incident matched by "Shanghai" takes every one of them.
    let res = boss
        .post("/supervisor/incidents", &[("title", "Shanghai gateway"), ("dimension", "city"), ("value", "Shanghai")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let linked: i64 = tickets::table
        .filter(tickets::reference.eq_any(&refs))
        .filter(tickets::incident_id.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(linked, 4);
}

/// An update written only in Chinese reaches an English customer marked as
/// Chinese; written in both, each customer reads theirs first and the other
/// after it, marked (issue 29, 18).
#[tokio::test]
async fn an_incident_update_says_which_language_it_is_in() {
    let app = spawn().await;
    let (_, zh_page) = app.file_api(&with(&with(&complete_fields(), "city", "厦门"), "lang", "zh-CN")).await;
    let (_, en_page) = app.file_api(&with(&with(&complete_fields(), "city", "厦门"), "lang", "en")).await;
    let boss = app.staff("supervisor").await;
    let res = boss
        .post("/supervisor/incidents", &[("title", "厦门 gateway"), ("dimension", "city"), ("value", "Xiamen")])
        .await;
    let incident = res.headers()["location"].to_str().unwrap().to_string();
    let res =
        boss.post(&format!("{incident}/update"), &[("body_zh", "银行网关故障，正在修复。"), ("body_en", "")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let en = app.get_lang(&en_page, "en").await.text().await.unwrap();
    assert!(en.contains("In Chinese:\n银行网关故障，正在修复。"), "marked as Chinese: {en}");
    let zh = app.get_lang(&zh_page, "zh-CN").await.text().await.unwrap();
    assert!(zh.contains("银行网关故障，正在修复。") && !zh.contains("中文："), "theirs, unmarked");
    let both = [("body_zh", "已找到原因。"), ("body_en", "We found the cause.")];
    assert_eq!(boss.post(&format!("{incident}/update"), &both).await.status().as_u16(), 303);
    let en = app.get_lang(&en_page, "en").await.text().await.unwrap();
    assert!(en.contains("We found the cause.\n\nIn Chinese:\n已找到原因。"), "{en}");
    let zh = app.get_lang(&zh_page, "zh-CN").await.text().await.unwrap();
    assert!(zh.contains("已找到原因。\n\n英文：\nWe found the cause."), "{zh}");
}
