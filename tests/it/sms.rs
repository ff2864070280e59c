//! Reaching customers by SMS (issue 28), over HTTP, against a local
//! Alibaba Cloud SMS stand-in that checks each request's signature as
//! Alibaba documents it (`aliyun_standin.rs`), on both backends.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use paydesk::db::schema::{audit_log, sms_messages, tickets};
use serde_json::{json, Value};

use crate::aliyun_standin::{AliyunSms, Next, Sent, KEY_ID, KEY_SECRET, SIGN_NAME};
use crate::support::*;

use paydesk::domain::codes::MailKind;
use paydesk::i18n::Lang;
use paydesk::sms::templates::default_code as template;

const PHONE: &str = "13800138000";
const PUSH_TOKEN: &str = "a push token shared with Alibaba";

async fn spawn_sms(quiet: &str) -> (TestApp, AliyunSms) {
    let aliyun = AliyunSms::start();
    let endpoint = aliyun.url.clone();
    let quiet = quiet.to_string();
    let app = spawn_with(move |c| {
        c.sms.sms_provider = "aliyun".into();
        c.sms.aliyun_sms_endpoint = endpoint;
        c.sms.aliyun_access_key_id = Some(KEY_ID.into());
        c.sms.aliyun_access_key_secret = Some(KEY_SECRET.to_string().into());
        c.sms.aliyun_sms_sign_name = Some(SIGN_NAME.into());
        c.sms.sms_push_token = Some(PUSH_TOKEN.to_string().into());
        c.sms.sms_quiet_hours = quiet;
    })
    .await;
    (app, aliyun)
}

/// A complete request reached only by phone.
fn by_phone(phone: &str) -> Vec<(&'static str, String)> {
    with(&with(&complete_fields(), "contact_email", ""), "contact_phone", phone)
}

async fn file_lang(app: &TestApp, fields: &[(&'static str, String)], lang: &str) -> (String, String) {
    let (status, body) = app.api_file(form(fields, Some(png_part("e.png", samples::png()))), lang).await;
    assert_eq!(status, 201, "{body}");
    let url = body["tracking_url"].as_str().unwrap();
    (body["reference"].as_str().unwrap().to_string(), url.trim_start_matches(&app.base).to_string())
}

fn sms_rows(app: &TestApp, reference: &str) -> Vec<(String, String, Option<String>)> {
    sms_messages::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(reference))
        .order(sms_messages::created_at)
        .select((sms_messages::kind, sms_messages::status, sms_messages::provider_code))
        .load(&mut app.conn())
        .unwrap()
}

async fn wait_status(app: &TestApp, reference: &str, kind: &str, status: &str) {
    for _ in 0..300 {
        if sms_rows(app, reference).iter().any(|(k, s, _)| k == kind && s == status) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} SMS {status} on {reference}: {:?}", sms_rows(app, reference));
}

async fn push(app: &TestApp, hook: &str, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/hooks/sms/aliyun/{hook}?token={}", urlencode(token))))
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

fn urlencode(s: &str) -> String {
    s.replace(' ', "%20")
}

fn extend_code(app: &TestApp, reference: &str) -> String {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select(tickets::sms_extend_code)
        .first(&mut app.conn())
        .unwrap()
}

fn customer_messages(app: &TestApp, reference: &str) -> Vec<String> {
    use paydesk::db::schema::ticket_events;
    ticket_events::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(reference))
        .filter(ticket_events::kind.eq("customer_message"))
        .select(ticket_events::body)
        .load(&mut app.conn())
        .unwrap()
}

fn sent_for<'a>(sent: &'a [Sent], template: &str) -> Vec<&'a Sent> {
    sent.iter().filter(|s| s.template_code == template).collect()
}

#[tokio::test]
async fn a_phone_only_request_is_texted_its_reference_and_a_short_link_that_opens_it() {
    let (app, aliyun) = spawn_sms("off").await;
    let (reference, _) = file_lang(&app, &by_phone("+86 138-0013-8000"), "zh-CN").await;
    let sent = aliyun.wait_sent(1).await;
    let sms = &sent[0];
    assert_eq!((sms.phone.as_str(), sms.sign_name.as_str()), (PHONE, SIGN_NAME));
    assert_eq!(sms.template_code, template(MailKind::Received, Lang::ZhCn), "the customer's language");
    assert_eq!(sms.params["ref"], reference.as_str());
    let code = sms.params["code"].as_str().unwrap();
    assert!(code.len() >= 16, "96 random bits or more: {code}");
    assert_eq!(sms.extend_code.as_deref(), Some(extend_code(&app, &reference).as_str()));
    // Nothing was emailed: there is no address.
    assert_eq!(app.outbox_count("pending") + app.outbox_count("sent"), 0);
    // The short link opens the tracking page.
    let res = app.get(&format!("/s/{code}")).await;
    assert_eq!(res.status().as_u16(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let page = app.get_lang(&to, "zh-CN").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains(&reference));
    // A code that opens nothing opens nothing.
    let res = app.get("/s/AAAAAAAAAAAAAAAA").await;
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(app.get(&to).await.status().as_u16(), 404);
    wait_status(&app, &reference, "received", "sent").await;

    // In English, the English template; with both channels, the email too.
    let both = with(&with(&by_phone("13900139000"), "contact_email", "li@example.com"), "contact_channel", "both");
    let (reference, _) = file_lang(&app, &both, "en").await;
    let sent = aliyun.wait_sent(2).await;
    assert_eq!(sent[1].template_code, template(MailKind::Received, Lang::En));
    assert_eq!(sent[1].params["ref"], reference.as_str());
    app.wait_outbox_sent(1).await;
}

#[tokio::test]
async fn the_form_takes_a_phone_instead_of_an_email_and_says_what_is_missing_in_both_languages() {
    let (app, aliyun) = spawn_sms("off").await;
    let browser = app.browser();
    let csrf = browser.csrf().await;
    let mut fields = with(&complete_fields(), "contact_email", "");
    fields.push(("csrf", csrf.clone()));
    for (lang, words) in [("zh-CN", "请留下手机号码或电子邮箱"), ("en", "Give a mobile number or an email")]
    {
        let res = browser
            .client
            .post(browser.url("/tickets"))
            .header("Accept-Language", lang)
            .multipart(form(&fields, Some(png_part("e.png", samples::png()))))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains(words), "{lang}");
        // What was typed is kept.
        assert!(page.contains("value=\"上海\""));
    }
    // A number that is no mainland mobile, kept as typed and named.
    let mut bad = with(&fields, "contact_phone", "12345");
    bad = with(&bad, "lang", "en");
    let res = browser.client.post(browser.url("/tickets")).multipart(form(&bad, None)).send().await.unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"12345\"") && page.contains("mainland China mobile number"), "{page}");
    // Phone only, SMS by default.
    let good = with(&fields, "contact_phone", "138 0013 8000");
    let res = browser
        .client
        .post(browser.url("/tickets"))
        .multipart(form(&good, Some(png_part("e.png", samples::png()))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let created = app.get_lang(res.headers()["location"].to_str().unwrap(), "en").await.text().await.unwrap();
    assert!(created.contains("138****8000"), "the page says where the link went, masked");
    assert_eq!(aliyun.wait_sent(1).await[0].phone, PHONE);
}

#[tokio::test]
async fn an_agents_reply_is_texted_and_the_customers_sms_reply_lands_on_the_right_ticket() {
    let (app, aliyun) = spawn_sms("off").await;
    let (first, _) = file_lang(&app, &by_phone(PHONE), "en").await;
    let (second, _) = file_lang(&app, &with(&by_phone(PHONE), "city", "北京"), "en").await;
    aliyun.wait_sent(2).await;
    let agent = app.staff("agent").await;
    let page = agent.text(&format!("/agent/tickets/{first}")).await;
    let version = hidden_value(&page, "version").unwrap();
    let seen = hidden_value(&page, "seen").unwrap();
    let res = agent
        .post(
            &format!("/agent/tickets/{first}/reply"),
            &[
                ("body", "Please check your bank record."),
                ("status", "pending_customer"),
                ("version", &version),
                ("seen", &seen),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let sent = aliyun.wait_sent(3).await;
    let reply = sent_for(&sent, &template(MailKind::Reply, Lang::En));
    assert_eq!(reply.len(), 1);
    assert_eq!(reply[0].params["ref"], first.as_str());

    // A push without the token is refused and changes nothing.
    let up = json!([AliyunSms::up(PHONE, &extend_code(&app, &first), "还是没到账")]);
    let (status, _) = push(&app, "up", "wrong", up.clone()).await;
    assert_eq!(status, 403);
    let (status, _) = push(&app, "up", "", up.clone()).await;
    assert_eq!(status, 403);
    // Not the documented array: refused (Alibaba pushes again), nothing changed.
    let (status, answer) = push(&app, "up", PUSH_TOKEN, json!({ "phone_number": PHONE, "content": "x" })).await;
    assert_eq!(status, 400, "{answer}");
    assert!(customer_messages(&app, &first).is_empty());

    // Back to the first ticket's extension code: on the first ticket, even
    // though the second is newer; pushed twice (Alibaba retries), kept once.
    let (status, answer) = push(&app, "up", PUSH_TOKEN, up.clone()).await;
    assert_eq!((status, answer), (200, json!({ "code": 0, "msg": "成功" })));
    push(&app, "up", PUSH_TOKEN, up).await;
    assert_eq!(customer_messages(&app, &first), ["还是没到账"]);
    assert!(customer_messages(&app, &second).is_empty());
    // The customer answered: the ticket is no longer waiting on them.
    let status: String =
        tickets::table.filter(tickets::reference.eq(&first)).select(tickets::status).first(&mut app.conn()).unwrap();
    assert_eq!(status, "open");
    // With an extension code that names no ticket: the number's most recent open one.
    let (status, _) = push(&app, "up", PUSH_TOKEN, json!([AliyunSms::up("+8613800138000", "9999x", "新的情况")])).await;
    assert_eq!(status, 200);
    assert_eq!(customer_messages(&app, &second), ["新的情况"]);
    // From a number with no ticket: nothing.
    push(&app, "up", PUSH_TOKEN, json!([AliyunSms::up("13700137000", "", "hello")])).await;

    // "TD": no more non-essential SMS to the number; an answer still goes.
    push(&app, "up", PUSH_TOKEN, json!([AliyunSms::up(PHONE, "", "TD")])).await;
    assert!(app.internal_notes(&second).iter().any(|(n, _)| n.contains("TD")));
    let page = agent.text(&format!("/agent/tickets/{second}")).await;
    let version = hidden_value(&page, "version").unwrap();
    let seen = hidden_value(&page, "seen").unwrap();
    let status = agent
        .post(
            &format!("/agent/tickets/{second}/status"),
            &[("status", "resolved"), ("version", &version), ("seen", &seen)],
        )
        .await;
    assert_eq!(status.status().as_u16(), 303);
    wait_status(&app, &second, "resolved", "refused").await;
    let page = agent.text(&format!("/agent/tickets/{second}")).await;
    assert!(page.contains("The customer answered TD"), "the reason in words");
}

#[tokio::test]
async fn a_503_is_sent_once_after_and_a_permanent_refusal_is_shown_and_not_retried() {
    let (app, aliyun) = spawn_sms("off").await;
    aliyun.answer_next(Next::Unavailable);
    let (reference, _) = file_lang(&app, &by_phone(PHONE), "en").await;
    let sent = aliyun.wait_sent(1).await;
    assert_eq!(sent.len(), 1, "sent once");
    assert_eq!(aliyun.requests(), 2, "a 503, then the SMS");
    wait_status(&app, &reference, "received", "sent").await;
    // Alibaba's receipt: delivered, shown to staff.
    let (status, _) = push(&app, "report", PUSH_TOKEN, json!([AliyunSms::report(&sent[0], true, "DELIVERED")])).await;
    assert_eq!(status, 200);
    wait_status(&app, &reference, "received", "delivered").await;
    let agent = app.staff("agent").await;
    assert!(agent.text(&format!("/agent/tickets/{reference}")).await.contains("Delivered"));
    let zh = agent.client.get(agent.url(&format!("/agent/tickets/{reference}"))).header("Accept-Language", "zh-CN");
    assert!(zh.send().await.unwrap().text().await.unwrap().contains("已送达"), "in Chinese too");

    // A number Alibaba says cannot receive SMS: refused for good.
    aliyun.answer_next(Next::Code("isv.MOBILE_NUMBER_ILLEGAL"));
    let (reference, _) = file_lang(&app, &by_phone("13900139000"), "en").await;
    wait_status(&app, &reference, "received", "refused").await;
    let requests = aliyun.requests();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(aliyun.requests(), requests, "not tried again");
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("not a number that can receive SMS"), "the reason in words");
    // Alibaba's system error and flow control: tried again, once sent.
    aliyun.answer_next(Next::Code("isp.SYSTEM_ERROR"));
    let (reference, _) = file_lang(&app, &by_phone("13700137000"), "en").await;
    wait_status(&app, &reference, "received", "sent").await;
    assert_eq!(aliyun.sent().iter().filter(|s| s.phone == "13700137000").count(), 1);
}

/// The current hour of the China day, as quiet hours name it.
fn china_hour() -> u32 {
    use chrono::Timelike;
    (Utc::now() + chrono::Duration::hours(8)).hour()
}

#[tokio::test]
async fn quiet_hours_hold_a_message_until_morning_but_not_a_code() {
    let hour = china_hour();
    let (app, aliyun) = spawn_sms(&format!("{hour}-{}", (hour + 2) % 24)).await;
    let (reference, _) = file_lang(&app, &by_phone(PHONE), "en").await;
    // Held: not sent, and due when the quiet hours end.
    let mut held = None;
    for _ in 0..100 {
        held = sms_messages::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(&reference))
            .select((sms_messages::held_at, sms_messages::next_attempt_at))
            .first::<(Option<chrono::NaiveDateTime>, chrono::NaiveDateTime)>(&mut app.conn())
            .ok()
            .filter(|(at, _)| at.is_some());
        if held.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, release) = held.expect("held for quiet hours");
    assert!(release > Utc::now().naive_utc() + chrono::Duration::minutes(59));
    assert!(aliyun.sent().is_empty());
    // A one-time code is not held.
    let res = app.browser().post("/find/phone", &[("reference", reference.as_str()), ("phone", PHONE)]).await;
    assert_eq!(res.status().as_u16(), 200);
    let sent = aliyun.wait_sent(1).await;
    assert_eq!(sent[0].template_code, template(MailKind::FindCode, Lang::En));
    // Morning comes: the held message goes, once.
    diesel::update(sms_messages::table.filter(sms_messages::kind.eq("received")))
        .set(sms_messages::next_attempt_at.eq(Utc::now().naive_utc()))
        .execute(&mut app.conn())
        .unwrap();
    let sent = aliyun.wait_sent(2).await;
    assert_eq!(sent_for(&sent, &template(MailKind::Received, Lang::En)).len(), 1);
}

#[tokio::test]
async fn a_lost_link_is_found_by_phone_with_a_texted_code() {
    let (app, aliyun) = spawn_sms("off").await;
    let (reference, _) = file_lang(&app, &by_phone(PHONE), "zh-CN").await;
    aliyun.wait_sent(1).await;
    let browser = app.browser();
    // A number that does not match: the same answer, and no SMS.
    let miss = browser.post("/find/phone", &[("reference", reference.as_str()), ("phone", "13900139000")]).await;
    assert_eq!(miss.status().as_u16(), 200);
    let miss = miss.text().await.unwrap();
    let hit = browser.post("/find/phone", &[("reference", reference.as_str()), ("phone", "+86 138 0013 8000")]).await;
    assert_eq!(hit.status().as_u16(), 200);
    let hit = hit.text().await.unwrap();
    assert!(hit.contains("find-code-sent") && miss.contains("find-code-sent"));
    let sent = aliyun.wait_sent(2).await;
    assert_eq!(sent.len(), 2, "one code, to the matching number");
    let code = sent[1].params["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    // A second code within the minute is not sent.
    browser.post("/find/phone", &[("reference", reference.as_str()), ("phone", PHONE)]).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(aliyun.sent().len(), 2);
    // A wrong code: refused; the right one: the link.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = browser.post("/find/code", &[("reference", reference.as_str()), ("phone", PHONE), ("code", wrong)]).await;
    assert_eq!(res.status().as_u16(), 422);
    let res = browser.post("/find/code", &[("reference", reference.as_str()), ("phone", PHONE), ("code", &code)]).await;
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.unwrap();
    let link = page.split("id=\"found-link\" href=\"").nth(1).unwrap().split('"').next().unwrap();
    let opened = app.client.get(link).send().await.unwrap();
    assert_eq!(opened.status().as_u16(), 200);
    assert!(opened.text().await.unwrap().contains(&reference));
    // The code is used up.
    let res = browser.post("/find/code", &[("reference", reference.as_str()), ("phone", PHONE), ("code", &code)]).await;
    assert_eq!(res.status().as_u16(), 422);
}

#[tokio::test]
async fn a_burst_against_one_number_is_capped() {
    let (app, aliyun) = spawn_sms("off").await;
    let mut references = Vec::new();
    for i in 0..7 {
        let (reference, _) = file_lang(&app, &with(&by_phone(PHONE), "description", &format!("try {i}")), "en").await;
        references.push(reference);
    }
    aliyun.wait_sent(5).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(aliyun.sent().len(), 5, "five an hour to a number that never wrote to us");
    let waiting: i64 = sms_messages::table
        .filter(sms_messages::status.eq("pending"))
        .filter(sms_messages::next_attempt_at.gt(Utc::now().naive_utc() + chrono::Duration::minutes(30)))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(waiting, 2, "the rest wait for a place");
}

#[tokio::test]
async fn staff_see_the_number_masked_until_they_reveal_it_and_the_purge_removes_it() {
    let (app, aliyun) = spawn_sms("off").await;
    let (reference, _) = file_lang(&app, &by_phone(PHONE), "en").await;
    aliyun.wait_sent(1).await;
    let agent = app.staff("agent").await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("138****8000") && !page.contains(PHONE));
    let queue = agent.text("/agent?tab=all").await;
    assert!(!queue.contains(PHONE));
    // The API and webhooks: masked.
    let id = app.add_staff("api-sms@paydesk.test", "Api", "agent", &["general", "payments"]);
    let token = paydesk::db::users::create_token(&mut app.conn(), &id, "sms", Utc::now().naive_utc()).unwrap();
    let doc: Value = app
        .client
        .get(app.url(&format!("/api/v1/tickets/{reference}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["contact_phone"], "138****8000");
    assert_eq!(doc["contact_channel"], "sms");
    // One action shows it, and it is audited.
    let res = agent.post(&format!("/agent/tickets/{reference}/phone"), &[]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains(PHONE));
    let audited: i64 =
        audit_log::table.filter(audit_log::action.eq("phone_revealed")).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(audited, 1);

    // A year after it closed, the number goes: on the ticket and on its SMS.
    wait_status(&app, &reference, "received", "sent").await;
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set((
            tickets::status.eq("closed"),
            tickets::updated_at.eq(Utc::now().naive_utc() - chrono::Duration::days(400)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    purge_command(&app.db.url());
    let (phone, email): (String, String) = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select((tickets::contact_phone, tickets::contact_email))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((phone.as_str(), email.as_str()), ("", ""));
    let numbers: Vec<String> = sms_messages::table.select(sms_messages::phone).load(&mut app.conn()).unwrap();
    assert!(numbers.iter().all(|n| n.is_empty()), "{numbers:?}");
}

#[tokio::test]
async fn with_no_provider_each_sms_is_a_file_beside_the_mail() {
    let app = spawn().await;
    let (reference, _) = file_lang(&app, &by_phone(PHONE), "zh-CN").await;
    wait_status(&app, &reference, "received", "sent").await;
    let files: Vec<_> = std::fs::read_dir(app.mail_dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "sms"))
        .collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(text.contains(&reference) && text.contains("您的缴费求助已收到") && text.contains("/s/"), "{text}");
}
