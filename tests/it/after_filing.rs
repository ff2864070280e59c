//! The customer's pages after filing (issue 19, points 6–8): next steps
//! that fit the kind of case, what we need from the customer pinned above
//! the reply box, and finding a request again by reference and email.

use diesel::prelude::*;
use paydesk::db::schema::{outbox, tickets};

use crate::support::*;

/// Files through the web form in `lang`; returns the confirmation's path.
async fn file(app: &TestApp, fields: &[(&'static str, String)], lang: &str) -> String {
    let res = app.form_file(form(fields, Some(png_part("e.png", samples::png()))), lang).await;
    assert_eq!(res.status().as_u16(), 303, "the form is accepted");
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn page(app: &TestApp, path: &str, lang: &str) -> String {
    let res = app.get_lang(path, lang).await;
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.text().await.unwrap()
}

fn reference_of(page: &str) -> String {
    page.split("id=\"reference\">").nth(1).unwrap().split('<').next().unwrap().to_string()
}

fn money_taken() -> Vec<(&'static str, String)> {
    let f = with(&complete_fields(), "symptom", "money_taken_not_paid");
    let f = with(&f, "occurred_at", "2026-11-30T09:30");
    let f = with(&f, "amount", "88.50");
    with(&f, "order_number", "4200001234567890")
}

fn out_of_scope() -> Vec<(&'static str, String)> {
    let f = with(&complete_fields(), "platform", "alipay");
    let f = with(&f, "symptom", "button_inert");
    let f = with(&f, "error_code", "");
    with(&f, "error_message", "")
}

/// The text of the "What happens next" panel.
fn next_panel(page: &str) -> &str {
    let start = page.find("id=\"next\"").expect("a next-steps panel");
    let end = page[start..].find("</div>").unwrap() + start;
    &page[start..end]
}

#[tokio::test]
async fn money_taken_is_told_what_we_check_and_the_promise_follows_its_priority() {
    let app = spawn().await;
    let created = file(&app, &money_taken(), "en").await;
    let en = page(&app, &created, "en").await;
    let next = next_panel(&en);
    assert!(next.contains("We check your payment against the payment provider&#39;s records"), "{next}");
    // High priority: the rules' first response target is 4 hours.
    assert!(next.contains("A person reviews your request within 4 hours"), "{next}");
    assert!(next.contains("within 3 days, we take it to the payment provider"), "{next}");
    assert!(next.contains("do not pay this bill again"));
    assert!(en.contains("class=\"panel success\""));
    assert!(!en.contains("24 hours"));
    let zh = page(&app, &created, "zh-CN").await;
    let next = next_panel(&zh);
    assert!(next.contains("我们会核对支付机构的记录") && next.contains("4 小时内"), "{next}");
    assert!(next.contains("3 天内仍未解决"));

    // A case nobody routed waits at normal priority: 24 hours, by the
    // ticket's own due time.
    let created = file(&app, &complete_fields(), "en").await;
    let en = page(&app, &created, "en").await;
    let due: chrono::NaiveDateTime = tickets::table
        .filter(tickets::reference.eq(reference_of(&en)))
        .select(tickets::due_at)
        .first(&mut app.conn())
        .unwrap();
    let next = next_panel(&en);
    assert!(next.contains(&format!("within 24 hours (by {}, Beijing time)", paydesk::web::china_time(due))), "{next}");
}

#[tokio::test]
async fn a_self_service_case_is_told_when_it_closes_by_itself() {
    // The figure is the sweep's own setting, not a second copy of 72.
    let app = spawn_with(|c| c.self_service_timeout_hours = 30).await;
    let created = file(&app, &with(&complete_fields(), "error_code", "101"), "en").await;
    let en = page(&app, &created, "en").await;
    let paused: Option<chrono::NaiveDateTime> = tickets::table
        .filter(tickets::reference.eq(reference_of(&en)))
        .select(tickets::paused_at)
        .first(&mut app.conn())
        .unwrap();
    let closes = paydesk::web::china_time(paused.unwrap() + chrono::Duration::hours(30));
    assert!(en.contains("Check your balance"), "the self-checks");
    assert!(en.contains("If they do not help, write below what happened"));
    assert!(
        en.contains(&format!("If we hear nothing from you by {closes} (Beijing time, 30 hours after we began waiting), this request closes by itself")),
        "{}",
        next_panel(&en)
    );
    assert!(en.contains("To keep it open, write to us on this page"));
    let zh = page(&app, &created, "zh-CN").await;
    assert!(zh.contains(&format!("如果到北京时间 {closes}（开始等待后 30 小时）仍未收到您的回复，此求助会自动关闭")));

    // The tracking page says it too, with the customer's word for the status.
    let tracking = created.trim_end_matches("/created");
    let en = page(&app, tracking, "en").await;
    // …and a status that agrees with the guide (issue 29, 3): nothing is
    // asked, they are to try the steps.
    assert!(en.contains("id=\"status\">Waiting for you to try the steps<"));
    assert!(en.contains("id=\"auto-close\""));
    assert!(page(&app, tracking, "zh-CN").await.contains("id=\"status\">等待您先试试建议的方法<"));

    // With the default, three days.
    let app = spawn().await;
    let created = file(&app, &with(&complete_fields(), "error_code", "101"), "en").await;
    assert!(page(&app, &created, "en").await.contains("3 days after we began waiting"));
}

#[tokio::test]
async fn out_of_scope_gets_honest_words_in_a_neutral_box() {
    let app = spawn().await;
    let created = file(&app, &out_of_scope(), "en").await;
    let en = page(&app, &created, "en").await;
    assert!(!en.contains("panel success"), "no green success box");
    assert!(en.contains("class=\"panel neutral\" id=\"received\""));
    assert!(en.contains("This payment cannot be made here yet"));
    let next = next_panel(&en);
    assert!(next.contains("Only the platform can enable this payment scenario"));
    assert!(next.contains("A supervisor reviews your request and sends it to the platform"));
    assert!(next.contains("service hall") && next.contains("official app") && next.contains("bill-payment"));
    assert!(!en.contains("nobody on our side"));
    let zh = page(&app, &created, "zh-CN").await;
    assert!(!zh.contains("panel success"));
    assert!(next_panel(&zh).contains("这种缴费只有平台才能开通") && zh.contains("营业厅"));
    // On the tracking page too.
    let tracking = page(&app, created.trim_end_matches("/created"), "en").await;
    assert!(next_panel(&tracking).contains("Only the platform can enable this payment scenario"));
    assert!(!tracking.contains("nobody on our side"), "not in the timeline either");
    assert!(!page(&app, created.trim_end_matches("/created"), "zh-CN").await.contains("我们这边无法让它生效"));
}

#[tokio::test]
async fn the_confirmation_offers_the_link_to_copy_and_says_where_it_was_emailed() {
    let app = spawn().await;
    let created = file(&app, &complete_fields(), "en").await;
    let en = page(&app, &created, "en").await;
    let token = created.trim_start_matches("/t/").trim_end_matches("/created");
    // Without JavaScript: the whole link in a readonly field.
    assert!(en.contains(&format!("id=\"tracking-url\" class=\"link-field\" value=\"{}/t/{token}\" readonly", app.base)));
    // With it: a button the script shows (the CSP allows 'self' scripts only).
    assert!(
        en.contains("id=\"copy-link\" data-copy=\"tracking-url\"")
            && en.contains("<script src=\"/static/copy.js\" defer>")
    );
    let script = app.get("/static/copy.js").await;
    assert_eq!(script.status().as_u16(), 200);
    assert!(script.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.text().await.unwrap().contains("navigator.clipboard"));
    assert!(en.contains("We also emailed a link to this page to l*****@example.com"));
    assert!(!en.contains("li.wei@example.com"));
    assert!(en.contains("href=\"/find\""));
    let zh = page(&app, &created, "zh-CN").await;
    assert!(zh.contains("我们也已把本页的链接发到 l*****@example.com") && zh.contains("复制链接"));
}

#[tokio::test]
async fn the_agents_question_is_pinned_above_the_reply_box() {
    let app = spawn().await;
    let created = file(&app, &complete_fields(), "en").await;
    let tracking = created.trim_end_matches("/created").to_string();
    let reference = reference_of(&page(&app, &created, "en").await);
    let before = page(&app, &tracking, "en").await;
    assert!(!before.contains("id=\"need\""), "nothing asked: no empty panel");

    let agent = app.staff("agent").await;
    let question = "Which bank card did you use? 您用的是哪张银行卡？";
    let res = agent
        .post(&format!("/agent/tickets/{reference}/reply"), &[("body", question), ("then", "pending_customer")])
        .await;
    assert_eq!(res.status().as_u16(), 303);

    for (lang, title) in [("en", "What we need from you"), ("zh-CN", "我们需要您提供")] {
        let p = page(&app, &tracking, lang).await;
        let status = p.find("id=\"status\"").unwrap();
        let need = p.find("<section class=\"panel need\" id=\"need\"").expect("the pinned panel");
        let asked = p.find(&format!("id=\"asked\">{question}<")).expect("the question, pinned");
        let reply_box = p.find(&format!("action=\"{tracking}/messages\"")).unwrap();
        let timeline = p.find("id=\"timeline\"").unwrap();
        // The first thing after the status, right above the reply box.
        let after_status = &p[status..need];
        assert!(!after_status.contains("class=\"panel"), "nothing between the status and the panel");
        assert!(need < asked && asked < reply_box && reply_box < timeline);
        assert!(!p[need..reply_box].contains("id=\"next\""), "the guidance comes after the reply box");
        assert!(p[need..reply_box].contains(title));
    }

    // Answered: the panel goes.
    let res = app
        .post_multipart(&format!("{tracking}/messages"), reqwest::multipart::Form::new().text("message", "Visa"), "en")
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(!page(&app, &tracking, "en").await.contains("id=\"need\""));

    // A request for facts is pinned with the facts form right under it.
    let res = agent.post(&format!("/agent/tickets/{reference}/ask"), &[("fact_order_number", "on")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let p = page(&app, &tracking, "en").await;
    let need = p.find("id=\"need\"").expect("the pinned request");
    assert!(p[need..].find("the order or transaction number").is_some());
    assert!(need < p.find("id=\"timeline\"").unwrap());
}

/// Posts the find form from a browser of its own, in `lang`.
async fn find(app: &TestApp, reference: &str, email: &str, lang: &str) -> reqwest::Response {
    let b = app.browser();
    let csrf = b.csrf().await;
    b.client
        .post(b.url("/find"))
        .header("Accept-Language", lang)
        .form(&[("reference", reference), ("email", email), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

fn fresh_links_queued(app: &TestApp) -> i64 {
    outbox::table.filter(outbox::kind.eq("fresh_link")).count().get_result(&mut app.conn()).unwrap()
}

#[tokio::test]
async fn find_my_request_mails_a_fresh_link_only_when_reference_and_email_match() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let created = file(&app, &with(&complete_fields(), "lang", "zh-CN"), "zh-CN").await;
    let old_link = created.trim_end_matches("/created").to_string();
    let reference = reference_of(&page(&app, &created, "en").await);
    smtp.wait_for(1).await;

    let home = page(&app, "/", "en").await;
    assert!(home.contains("href=\"/find\""), "linked from the home page");
    let tracking_page = page(&app, &old_link, "en").await;
    assert!(tracking_page.contains("href=\"/find\""), "and from every customer page's footer");
    let agent = app.staff("agent").await;
    assert!(!agent.text("/agent").await.contains("href=\"/find\""), "not from staff pages");
    let form_page = page(&app, "/find", "zh-CN").await;
    assert!(form_page.contains("找回我的请求") && form_page.contains("name=\"reference\""));

    // Not matching: the same answer, and no mail.
    for (r, e) in [(reference.as_str(), "someone@example.com"), ("PD-2222AA", "li.wei@example.com")] {
        let res = find(&app, r, e, "en").await;
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(res.headers()["location"], "/find?sent=1");
    }
    // Matching (as people type it): the same answer.
    let typed = reference.to_lowercase().replace('-', " ");
    let res = find(&app, &typed, "Li.Wei@Example.com", "en").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/find?sent=1");
    let answer = page(&app, "/find?sent=1", "en").await;
    assert!(answer.contains("If this reference and email match a request, we&#39;ve sent a fresh link to that email."));
    assert!(page(&app, "/find?sent=1", "zh-CN")
        .await
        .contains("如果该编号和邮箱与某个求助相符，我们已把新的链接发到该邮箱。"));

    app.wait_outbox_sent(2).await;
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2, "the confirmation and one fresh link, nothing for the misses");
    let text_of = |raw: &String| {
        use mailparse::MailHeaderMap;
        let m = mailparse::parse_mail(raw.as_bytes()).unwrap();
        let subject = m.headers.get_first_value("Subject").unwrap_or_default();
        let text = m
            .subparts
            .iter()
            .find(|p| p.ctype.mimetype == "text/plain")
            .map(|p| p.get_body().unwrap())
            .unwrap_or_else(|| m.get_body().unwrap());
        (subject, text)
    };
    let (subject, text) =
        mails.iter().map(text_of).find(|(s, _)| s.contains("您的求助链接")).expect("the fresh link, in Chinese");
    assert_eq!(subject, format!("[{reference}] 您的求助链接"));
    assert!(text.contains("这是新的链接，之前的链接仍然有效"), "in the ticket's language: {text}");
    let link = text.split_whitespace().find(|w| w.starts_with(&format!("{}/t/", app.base))).unwrap();
    let opened = app.client.get(link).send().await.unwrap();
    assert_eq!(opened.status().as_u16(), 200);
    assert!(opened.text().await.unwrap().contains(&reference), "the fresh link works");
    assert_eq!(app.get(&old_link).await.status().as_u16(), 200, "and the old one still does");
    assert_eq!(fresh_links_queued(&app), 1);
}

/// Posts the find form from a browser of its own at `address` (the server
/// reads the client's address from `X-Real-IP`, as behind a proxy).
async fn find_from(app: &TestApp, address: &str, reference: &str, email: &str, lang: &str) -> reqwest::Response {
    let b = app.browser();
    let csrf = b.csrf().await;
    b.client
        .post(b.url("/find"))
        .header("Accept-Language", lang)
        .header("X-Real-IP", address)
        .form(&[("reference", reference), ("email", email), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn find_my_request_counts_wrong_guesses_against_the_asker_and_never_locks_the_owner_out() {
    let app = spawn_with(|c| c.client_ip_header = Some("X-Real-IP".into())).await;
    let created = file(&app, &complete_fields(), "en").await;
    let reference = reference_of(&page(&app, &created, "en").await);
    let attacker = "203.0.113.9";
    // The attack: wrong emails against the customer's reference, and the
    // customer's email against other references — each answered the same.
    for (r, e) in [
        (reference.as_str(), "a0@example.com"),
        (reference.as_str(), "a1@example.com"),
        ("PD-3333AA", "li.wei@example.com"),
    ] {
        let res = find_from(&app, attacker, r, e, "en").await;
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(res.headers()["location"], "/find?sent=1");
    }
    // The guesser is held back, with the same calm page, in either language.
    let res = find_from(&app, attacker, &reference, "a3@example.com", "en").await;
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body = res.text().await.unwrap();
    assert!(body.contains("You have asked several times in a short while."), "{body}");
    assert!(body.contains("action=\"/find\""), "the same page");
    let res = find_from(&app, attacker, "PD-4444AA", "li.wei@example.com", "zh-CN").await;
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.text().await.unwrap().contains("您在短时间内申请了好几次"));
    // The customer, elsewhere, still gets their link: neither the reference
    // nor the email was spent.
    let res = find_from(&app, "198.51.100.7", &reference, "li.wei@example.com", "en").await;
    assert_eq!(res.status().as_u16(), 303);
    for _ in 0..50 {
        if fresh_links_queued(&app) == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(fresh_links_queued(&app), 1, "the owner's link was queued");
    // Right pairs are never counted as guesses, and a request is mailed at
    // most three links an hour whoever asks: the same answer past that.
    for n in 0..4 {
        let res = find_from(&app, &format!("198.51.100.{}", 20 + n), &reference, "li.wei@example.com", "en").await;
        assert_eq!(res.status().as_u16(), 303);
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(fresh_links_queued(&app), 3, "three links an hour for one request");
}

#[tokio::test]
async fn find_my_request_refuses_a_forged_or_incomplete_form() {
    let app = spawn().await;
    let created = file(&app, &complete_fields(), "en").await;
    let reference = reference_of(&page(&app, &created, "en").await);
    // No CSRF token: refused, nothing queued.
    let res = app
        .client
        .post(app.url("/find"))
        .form(&[("reference", reference.as_str()), ("email", "li.wei@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // Incomplete: what to fix, next to the fields, what was typed kept.
    let res = find(&app, "PD-12", "", "en").await;
    assert_eq!(res.status().as_u16(), 422);
    let p = res.text().await.unwrap();
    assert!(
        p.contains("id=\"error-summary\"") && p.contains("href=\"#f-reference\"") && p.contains("href=\"#f-email\"")
    );
    assert!(p.contains("id=\"reference\" name=\"reference\" value=\"PD-12\""));
    assert!(p.contains("Enter the reference, for example PD-7KM3QX."));
    let res = find(&app, "", "x", "zh-CN").await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("请输入求助编号"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(fresh_links_queued(&app), 0);
}

#[tokio::test]
async fn the_confirmation_mail_makes_the_same_promise_as_the_page() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let (money, _) = app.file_api(&with(&money_taken(), "lang", "en")).await;
    let (selfish, _) = app.file_api(&with(&with(&complete_fields(), "error_code", "101"), "lang", "zh-CN")).await;
    let (platform, _) = app.file_api(&with(&out_of_scope(), "lang", "en")).await;
    app.wait_outbox_sent(3).await;
    let texts: Vec<(String, String)> = smtp
        .wait_for(3)
        .await
        .iter()
        .map(|raw| {
            use mailparse::MailHeaderMap;
            let m = mailparse::parse_mail(raw.as_bytes()).unwrap();
            let text = m.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").unwrap().get_body().unwrap();
            (m.headers.get_first_value("Subject").unwrap_or_default(), text)
        })
        .collect();
    let text = |reference: &str| texts.iter().find(|(s, _)| s.contains(reference)).unwrap().1.clone();
    assert!(text(&money).contains("A person reviews it within 4 hours."), "{}", text(&money));
    assert!(!text(&money).contains("24 hours"));
    let zh = text(&selfish);
    assert!(zh.contains("如果 3 天内没有收到您的回复，求助会自动关闭"), "{zh}");
    // Said once: the guide says what the platform path is (issue 29, 6).
    let platform = text(&platform);
    assert_eq!(platform.matches("Only the platform can enable this payment").count(), 1, "{platform}");
    assert_eq!(platform.matches("We have your request").count(), 1, "{platform}");
    assert!(platform.contains("service hall"), "the ways to pay meanwhile");
}
