//! Email through the outbox, against a real SMTP server (aiosmtpd):
//! content and language, escaping, SMTP down then back, a restart in
//! between, two workers, dead letters.

use std::time::Duration;

use crate::support::*;

/// A received message: headers, and its text and HTML parts decoded.
struct Mail {
    to: String,
    subject: String,
    message_id: String,
    text: String,
    html: String,
    attachments: usize,
}

fn parse(raw: &str) -> Mail {
    let m = mailparse::parse_mail(raw.as_bytes()).unwrap();
    use mailparse::MailHeaderMap;
    let header = |name: &str| m.headers.get_first_value(name).unwrap_or_default();
    let (mut text, mut html, mut attachments) = (String::new(), String::new(), 0);
    for part in m.subparts.iter().chain(std::iter::once(&m)) {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().unwrap(),
            "text/html" => html = part.get_body().unwrap(),
            t if t.starts_with("image/") || t == "application/octet-stream" => attachments += 1,
            _ => {}
        }
    }
    Mail { to: header("To"), subject: header("Subject"), message_id: header("Message-ID"), text, html, attachments }
}

#[tokio::test]
async fn the_customer_is_mailed_in_their_language_with_a_working_link() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let (zh_ref, _) = app.file_api(&with(&complete_fields(), "lang", "zh-CN")).await;
    let (en_ref, _) =
        app.file_api(&with(&with(&complete_fields(), "lang", "en"), "contact_email", "amy@example.com")).await;
    let mails: Vec<Mail> = smtp.wait_for(2).await.iter().map(|r| parse(r)).collect();
    let zh = mails.iter().find(|m| m.subject.contains(&zh_ref)).expect("the Chinese message");
    let en = mails.iter().find(|m| m.subject.contains(&en_ref)).expect("the English message");
    assert_eq!(zh.subject, format!("[{zh_ref}] 我们已收到您的求助"));
    assert!(zh.text.contains("谢谢。我们已收到您关于支付失败的求助"));
    assert!(zh.to.contains("li.wei@example.com"));
    assert_eq!(en.subject, format!("[{en_ref}] We have your request"));
    assert!(en.html.contains("<html lang=\"en\">") && en.html.contains("We have your request about a failed payment"));
    assert!(en.message_id.ends_with("@paydesk>"));
    for m in &mails {
        // No account number and no screenshot in any message to a customer.
        assert!(!m.text.contains("4821") && !m.html.contains("4821"), "{}", m.text);
        assert_eq!(m.attachments, 0);
    }
    // The link in the message is absolute and opens the customer's request.
    let link = en.text.split_whitespace().find(|w| w.starts_with(&format!("{}/t/", app.base))).unwrap().to_string();
    let page = app.client.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&en_ref));
    // The database holds no working link: it is minted for the email and
    // stored hashed.
    let token = link.rsplit('/').next().unwrap();
    assert!(!app.db.dump().contains(token));
}

#[tokio::test]
async fn replies_requests_and_resolution_are_mailed_with_text_escaped() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let agent = app.staff("agent").await;
    let (reference, _) = app.file_api(&with(&complete_fields(), "lang", "en")).await;
    smtp.wait_for(1).await;
    let path = format!("/agent/tickets/{reference}");
    agent.post(&format!("{path}/reply"), &[("body", "Try <b>Alipay</b> & retry"), ("then", "pending_customer")]).await;
    agent.post(&format!("{path}/ask"), &[("fact_order_number", "on")]).await;
    agent.post(&format!("{path}/note"), &[("body", "internal only: gateway timeout")]).await;
    agent.post(&format!("{path}/status"), &[("status", "resolved")]).await;
    // Everything queued is delivered: the count is final.
    app.wait_outbox_sent(4).await;
    let mails: Vec<Mail> = smtp.wait_for(4).await.iter().map(|r| parse(r)).collect();
    assert_eq!(mails.len(), 4, "received, reply, request, resolved: no mail for a note");
    let reply = mails.iter().find(|m| m.subject.contains("Support replied")).unwrap();
    assert!(reply.text.contains("Try <b>Alipay</b> & retry"));
    assert!(reply.html.contains("Try &#60;b&#62;Alipay&#60;/b&#62; &#38; retry"), "{}", reply.html);
    assert!(!reply.html.contains("<b>Alipay</b>"));
    let ask = mails.iter().find(|m| m.subject.contains("We need a little more information")).unwrap();
    assert!(ask.text.contains("the order or transaction number"));
    let resolved = mails.iter().find(|m| m.subject.contains("resolved")).unwrap();
    assert!(resolved.text.contains("Not solved? Write on your request page and it reopens."));
    for m in &mails {
        assert!(!m.text.contains("internal only"));
    }
}

#[tokio::test]
async fn tickets_are_accepted_while_smtp_is_down_and_mailed_when_it_is_back() {
    let port = free_port();
    let app = spawn_with(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into())).await;
    for _ in 0..5 {
        app.file_api(&complete_fields()).await;
    }
    // Each message failed once against the closed port before the server
    // comes up.
    app.wait_outbox_tried(5).await;
    assert_eq!(app.outbox_count("sent"), 0);
    let smtp = SmtpSink::start_on(port);
    let mails = smtp.wait_for(5).await;
    let mut ids: Vec<String> = mails.iter().map(|r| parse(r).message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn messages_queued_before_a_restart_are_sent_after_it() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new();
    let smtp_port = free_port();
    let start = |port: u16| {
        std::process::Command::new(env!("CARGO_BIN_EXE_paydesk"))
            .args(["serve", "--metrics-bind", "127.0.0.1:0", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", db.url())
            .env("PAYDESK_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("PAYDESK_MAIL_DIR", dir.path())
            .env("PAYDESK_WORKERS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let port = free_port();
    let mut first = start(port);
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let res = client
            .post(format!("{base}/api/v1/tickets"))
            .multipart(form(&complete_fields(), Some(png_part("e.png", samples::png()))))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    // The first server tried each one against the closed port and let it go
    // (no lease left): then it dies.
    use diesel::prelude::*;
    use paydesk::db::schema::outbox;
    let pool = paydesk::db::connect(&db.url(), 1).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = outbox::table
            .filter(outbox::attempts.ge(1).and(outbox::locked_until.is_null()).and(outbox::status.eq("pending")))
            .count()
            .get_result(&mut pool.get().unwrap())
            .unwrap();
        if waiting == 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting} of 3 messages tried and released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    // Their retry is due now, not in 30 s (the retry schedule has its own
    // tests): what this test asks is that the next server sends them.
    diesel::update(outbox::table)
        .set(outbox::next_attempt_at.eq(chrono::Utc::now().naive_utc()))
        .execute(&mut pool.get().unwrap())
        .unwrap();

    let smtp = SmtpSink::start_on(smtp_port);
    let port = free_port();
    let mut second = start(port);
    wait_healthy(&format!("http://127.0.0.1:{port}")).await;
    let mails = smtp.wait_for(3).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(mails.len(), 3);
}

async fn wait_healthy(base: &str) {
    for _ in 0..100 {
        if let Ok(res) = reqwest::get(format!("{base}/healthz")).await {
            if res.status().as_u16() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} never became healthy");
}

#[tokio::test]
async fn two_workers_never_send_a_message_twice() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let other_mail = tempfile::tempdir().unwrap();
    let other = start_server(&app.db.url(), other_mail.path(), |c| c.smtp_url = Some(smtp.url().into()));
    let client = reqwest::Client::new();
    let filed = futures_util::future::join_all((0..20).map(|i| {
        let base = if i % 2 == 0 { app.base.clone() } else { other.clone() };
        let client = client.clone();
        async move {
            let res = client
                .post(format!("{base}/api/v1/tickets"))
                .multipart(form(&with(&complete_fields(), "symptom", "stuck_loading"), None))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    }))
    .await;
    assert!(filed.iter().all(|s| *s == 201));
    // All 20 delivered and marked sent, none pending: a second send of any
    // of them would have happened by now.
    app.wait_outbox_sent(20).await;
    let mails = smtp.wait_for(20).await;
    let mut ids: Vec<String> = mails.iter().map(|r| parse(r).message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (20, 20), "each message exactly once");
}

#[tokio::test]
async fn undeliverable_messages_become_dead_letters_that_admins_send_again() {
    let port = free_port();
    let app = spawn_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.mail_max_attempts = 2;
        c.mail_retry_base_secs = 0;
    })
    .await;
    let admin = app.staff("admin").await;
    app.file_api(&complete_fields()).await;
    let mut page = String::new();
    for _ in 0..100 {
        page = admin.text("/admin/outbox").await;
        if page.contains("Given up (dead letters) (1)") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(page.contains("Given up (dead letters) (1)"), "{page}");
    assert!(page.contains("li.wei@example.com"));
    assert!(page.contains("Send again"));
    let id = page.split("action=\"/admin/outbox/").nth(1).unwrap().split('/').next().unwrap().to_string();

    let smtp = SmtpSink::start_on(port);
    let res = admin.post(&format!("/admin/outbox/{id}/retry"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    assert_eq!(app.staff("agent").await.get("/admin/outbox").await.status().as_u16(), 403);
}

#[tokio::test]
async fn without_smtp_messages_are_written_as_eml_files() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(app.mail_dir.path()).unwrap().flatten().map(|e| e.path()).collect();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|e| e == "eml"));
    let mail = parse(&std::fs::read_to_string(&files[0]).unwrap());
    assert!(mail.subject.contains(&reference));
    let page = admin.text("/admin/outbox").await;
    assert!(page.contains("No SMTP server is configured"));
}
