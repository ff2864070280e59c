//! The customer's private tracking page.

use crate::support::*;
use reqwest::multipart::Form;

#[tokio::test]
async fn the_tracking_page_shows_status_masked_facts_and_timeline() {
    let app = spawn().await;
    let tracking = app.file_complete().await;
    let page = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(page.contains("id=\"status\">Received<"));
    assert!(page.contains("31******4821"));
    assert!(page.contains("l*****@example.com"), "the email is masked");
    assert!(!page.contains("li.wei@example.com"));
    assert!(page.contains("Tapping &#34;Pay&#34;"));
    assert!(page.contains("Switched network") && page.contains("Tried another card"));
    assert!(page.contains("You filed this request."));

    let zh = app.get_lang(&tracking, "zh-CN").await.text().await.unwrap();
    assert!(zh.contains("id=\"status\">已受理<"));
    assert!(zh.contains("切换过网络（Wi-Fi ↔ 移动数据）、换过其他银行卡"));
}

#[tokio::test]
async fn a_customer_adds_a_message_and_a_screenshot() {
    let app = spawn().await;
    let tracking = app.file_complete().await;
    let jpeg = samples::jpeg();
    let form = Form::new()
        .text("message", "The bank says the money left at 09:31.\nOrder WX123.")
        .part("screenshot", reqwest::multipart::Part::bytes(jpeg.clone()).file_name("bank.jpg"));
    let res = app.post_multipart(&format!("{tracking}/messages"), form, "en").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], format!("{tracking}?sent=1#timeline").as_str());

    let page = app.get_lang(&format!("{tracking}?sent=1"), "en").await.text().await.unwrap();
    assert!(page.contains("Thank you, your message was added."));
    assert!(page.contains("The bank says the money left at 09:31.\nOrder WX123."));
    assert_eq!(page.matches("/screenshots/").count(), 4, "two screenshots, each linked and shown");
    let second = page.rsplit("<img src=\"").next().unwrap().split('"').next().unwrap();
    let image = app.get(second).await;
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    assert_eq!(image.bytes().await.unwrap().to_vec(), jpeg);
}

#[tokio::test]
async fn an_empty_or_bad_message_is_refused_with_a_reason() {
    let app = spawn().await;
    let tracking = app.file_complete().await;
    let path = format!("{tracking}/messages");
    let post = |form: Form| app.post_multipart(&path, form, "en");
    let res = post(Form::new().text("message", "   ")).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Write a message or add a screenshot."));

    let svg = reqwest::multipart::Part::bytes(b"<svg/>".to_vec()).file_name("x.png");
    let res = post(Form::new().text("message", "see attached").part("screenshot", svg)).await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This file is not a PNG, JPEG or WebP image."));
    assert!(page.contains(">see attached</textarea>"), "the message is kept");

    let long = "字".repeat(4001);
    let res = post(Form::new().text("message", long)).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Please shorten this to 4000 characters or fewer."));
}

#[tokio::test]
async fn screenshots_are_served_only_to_the_tokens_holder() {
    let app = spawn().await;
    let mine = app.file_complete().await;
    let theirs = app.file_complete().await;
    let page = app.get(&mine).await.text().await.unwrap();
    let src = page.split("<img src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let shot_id = src.rsplit('/').next().unwrap();

    let res = app.get(&src).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["cache-control"], "no-store");

    // Another ticket's token does not open my screenshot, nor does a guess.
    assert_eq!(app.get(&format!("{theirs}/screenshots/{shot_id}")).await.status().as_u16(), 404);
    assert_eq!(app.get(&format!("/t/not-a-real-token/screenshots/{shot_id}")).await.status().as_u16(), 404);
}

#[tokio::test]
async fn an_unknown_token_is_a_calm_404() {
    let app = spawn().await;
    let res = app.get("/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(res.status().as_u16(), 404);
    let page = res.text().await.unwrap();
    assert!(page.contains("页面不存在") && page.contains("This page does not exist"));
    let res = app.post_multipart("/t/nope/messages", Form::new().text("message", "hi"), "en").await;
    assert_eq!(res.status().as_u16(), 404);
}

#[tokio::test]
async fn writing_on_a_closed_request_reopens_it_and_a_merged_one_passes_the_words_on() {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let app = spawn().await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let (merged, merged_tracking) = app.file_api(&complete_fields()).await;
    let status = |app: &TestApp, r: &str| -> String {
        tickets::table.filter(tickets::reference.eq(r)).select(tickets::status).first(&mut app.conn()).unwrap()
    };
    let write = |tracking: String, words: &'static str| {
        let app = &app;
        async move {
            let form = Form::new().text("message", words);
            app.post_multipart(&format!("{tracking}/messages"), form, "en").await.status().as_u16()
        }
    };

    // Closed by an agent weeks ago: the page says writing reopens it, and it
    // does, due again within its first-response target (not overdue at
    // once because its old due time has passed).
    let weeks_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(20);
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set((tickets::status.eq("closed"), tickets::due_at.eq(weeks_ago), tickets::breach_notified_at.eq(weeks_ago)))
        .execute(&mut app.conn())
        .unwrap();
    let page = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(page.contains("This request is closed. If the problem is still there, write below and it reopens"));
    let zh = app.get_lang(&tracking, "zh-CN").await.text().await.unwrap();
    assert!(zh.contains("此求助已关闭。如果问题仍在，请在下方留言，求助会重新打开"));
    assert_eq!(write(tracking.clone(), "It still fails.").await, 303);
    assert_eq!(status(&app, &reference), "open", "back in front of an agent");
    let (due, notified): (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>) = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select((tickets::due_at, tickets::breach_notified_at))
        .first(&mut app.conn())
        .unwrap();
    assert!(due > chrono::Utc::now().naive_utc(), "due again from now: {due}");
    assert_eq!(notified, None, "a new breach will be told again");

    // Merged into the first: it stays closed, its customer's words stay on
    // their page and reach the ticket that goes on as an internal note.
    let agent = app.staff("agent").await;
    let res = agent.post(&format!("/agent/tickets/{merged}/merge"), &[("into", &reference)]).await;
    assert_eq!(res.status().as_u16(), 303);
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::status.eq("closed"))
        .execute(&mut app.conn())
        .unwrap();
    let page = app.get_lang(&merged_tracking, "en").await.text().await.unwrap();
    assert!(page.contains("This request was merged into another one about the same problem"), "{page}");
    let zh = app.get_lang(&merged_tracking, "zh-CN").await.text().await.unwrap();
    assert!(zh.contains("此求助已与另一条相同问题的求助合并"), "{zh}");
    assert_eq!(write(merged_tracking.clone(), "Still nothing on my bill.").await, 303);
    assert_eq!(status(&app, &merged), "closed");
    assert_eq!(status(&app, &reference), "open", "the ticket that goes on is reopened, closed as it was");
    let mine = app.get_lang(&merged_tracking, "en").await.text().await.unwrap();
    assert!(mine.contains("Still nothing on my bill."));
    let notes = app.internal_notes(&reference);
    assert_eq!(notes, [(format!("↪ {merged}:\nStill nothing on my bill."), false)]);
    let other_customer = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(!other_customer.contains("Still nothing on my bill."), "another customer's words stay internal");
}
