//! Hostile input: uploads and text built to break parsers, pages or the
//! database, and clients that knock too often. Each is refused with a clear
//! error or stored and shown safely; never a 500, never a panic, and nothing
//! already stored is harmed.

use reqwest::multipart::Form;

use crate::support::*;

/// How many tickets the database holds.
fn ticket_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    tickets::table.count().get_result(&mut app.conn()).unwrap()
}

/// A WebP (VP8X) header declaring a canvas of the given size.
fn webp_with_size(width: u32, height: u32) -> Vec<u8> {
    let mut v = b"RIFF\x1e\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00".to_vec();
    v.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    v.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    v.extend_from_slice(&[0; 8]);
    v
}

#[tokio::test]
async fn hostile_uploads_are_refused_by_name_and_nothing_is_stored() {
    let app = spawn().await;
    let mut wrong_magic = samples::png();
    wrong_magic[1] = b'Q';
    let mut html_then_png = b"<html><script>alert(1)</script>".to_vec();
    html_then_png.extend(samples::png());
    let mut jpeg_huge = samples::jpeg();
    // SOF0 height and width (bytes 25..29 of the sample) set to 65,000.
    jpeg_huge[25..27].copy_from_slice(&65_000u16.to_be_bytes());
    jpeg_huge[27..29].copy_from_slice(&65_000u16.to_be_bytes());
    let not_an_image = "This file is not a PNG, JPEG or WebP image. Please choose a screenshot.";
    let bad_size = "This image's size is not valid. Please choose a normal screenshot.";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("wrong-magic.png", wrong_magic, not_an_image),
        ("html-first.png", html_then_png, not_an_image),
        ("zeros.png", vec![0u8; 4096], not_an_image),
        ("soi-only.jpg", vec![0xff, 0xd8, 0xff], not_an_image),
        ("truncated-ihdr.png", samples::png()[..16].to_vec(), not_an_image),
        ("huge.jpg", jpeg_huge, bad_size),
        ("huge.webp", webp_with_size(30_000, 30_000), bad_size),
        ("zero-width.png", samples::png_with_size(0, 10), bad_size),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = app.api_file(form(&complete_fields(), Some(png_part(name, bytes))), "en").await;
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["errors"]["screenshot"][0], expected, "{name}");
    }
    assert_eq!(ticket_count(&app), 0, "no refused upload was stored");
}

#[tokio::test]
async fn a_polyglot_is_stored_as_an_image_and_served_so_no_browser_runs_it() {
    let app = spawn().await;
    // A valid PNG with a page appended: a browser sniffing it could run it.
    let mut polyglot = samples::png();
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let (status, body) =
        app.api_file(form(&complete_fields(), Some(png_part("poly.png", polyglot.clone()))), "en").await;
    assert_eq!(status, 201, "{body}");
    let tracking = body["tracking_url"].as_str().unwrap();
    let page = app.client.get(tracking).send().await.unwrap().text().await.unwrap();
    let start = page.find("/screenshots/").expect("the screenshot is linked");
    let id: String = page[start + 13..].chars().take_while(|c| *c != '"').collect();
    let res = app.client.get(format!("{tracking}/screenshots/{id}")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), polyglot, "kept byte for byte");
}

#[tokio::test]
async fn a_body_of_thousands_of_parts_is_refused_early() {
    let app = spawn().await;
    let mut many = Form::new();
    for i in 0..5000 {
        many = many.text(format!("f{i}"), "x");
    }
    let (status, body) = app.api_file(many, "en").await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "payload_too_large");
    // Thousands of repeats of one real field, too.
    let mut checks = form(&complete_fields(), None);
    for _ in 0..2000 {
        checks = checks.text("checks_tried", "other_card");
    }
    let (status, _) = app.api_file(checks, "en").await;
    assert_eq!(status, 413);
    assert_eq!(ticket_count(&app), 0);
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn hostile_text_is_refused_or_stored_and_shown_as_text() {
    let app = spawn().await;
    // Stored as typed, shown escaped: markup and SQL are just words here.
    let sql = "'); DROP TABLE tickets; -- \" OR 1=1";
    let markup = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    let fields = with(&complete_fields(), "description", &format!("{sql} {markup}"));
    let (reference, _) = app.file_api(&fields).await;
    let agent = app.staff("agent").await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(!page.contains("<script>alert(2)"), "markup is escaped");
    assert!(page.contains("&#60;script&#62;alert(2)&#60;/script&#62;"), "shown as text");
    assert!(page.contains("DROP TABLE tickets"), "the words are kept");
    assert_eq!(ticket_count(&app), 1, "the tickets table is still there");

    let refused: Vec<(&str, String, &str)> = vec![
        ("description", "x".repeat(100 * 1024), "description"),
        ("city", "上".repeat(100 * 1024), "city"),
        ("description", "before\u{0000}after".into(), "description"),
        ("error_message", "bell\u{0007}".into(), "error_message"),
        ("city", "\u{202E}海上".into(), "city"),
        ("description", "invoice\u{2066}gpj.exe".into(), "description"),
        ("contact_email", "a@b.c\r\nBcc: everyone@example.com".into(), "contact_email"),
        ("account_number", "3100\u{0000}12344821".into(), "account_number"),
        ("platform", "wechat' OR '1'='1".into(), "platform"),
    ];
    for (field, value, named) in refused {
        let (status, body) = app.api_file(form(&with(&complete_fields(), field, &value), None), "en").await;
        assert_eq!(status, 422, "{field}: {body}");
        assert!(body["errors"][named].is_array(), "{field}: {body}");
    }
    assert_eq!(ticket_count(&app), 1, "nothing refused was stored");
}

#[tokio::test]
async fn invalid_utf8_is_kept_visibly_replaced_never_guessed() {
    let app = spawn().await;
    let boundary = "paydeskBoundary";
    let mut body = Vec::new();
    let mut fields = complete_fields();
    fields.retain(|(k, _)| *k != "description" && *k != "symptom");
    fields.push(("symptom", "stuck_loading".into()));
    for (name, value) in &fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n").bytes());
    body.extend_from_slice(b"caf\xc3 \xff\xfe broken");
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let res = app
        .client
        .post(app.url("/api/v1/tickets"))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let json: serde_json::Value = res.json().await.unwrap();
    let page = app.client.get(json["tracking_url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("caf\u{FFFD} \u{FFFD}\u{FFFD} broken"), "shown with replacement characters");
}

#[tokio::test]
async fn malformed_multipart_bodies_are_400_not_500() {
    let app = spawn().await;
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("no closing boundary", b"--b\r\nContent-Disposition: form-data; name=\"city\"\r\n\r\n".to_vec()),
        ("garbage", vec![0xff; 2048]),
        ("no disposition", b"--b\r\nX: y\r\n\r\nhello\r\n--b--\r\n".to_vec()),
    ];
    for (what, body) in bodies {
        let res = app
            .client
            .post(app.url("/api/v1/tickets"))
            .header("Content-Type", "multipart/form-data; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!(status == 400 || status == 422, "{what}: {status}");
    }
    let res = app
        .client
        .post(app.url("/api/v1/tickets"))
        .header("Content-Type", "multipart/form-data")
        .body("no boundary at all")
        .send()
        .await
        .unwrap();
    assert!(matches!(res.status().as_u16(), 400 | 415), "{}", res.status());
    assert_eq!(ticket_count(&app), 0);
}

#[tokio::test]
async fn filing_too_often_from_one_address_is_429_with_when_to_retry() {
    let app = spawn_with(|c| c.intake_per_minute = 3).await;
    let fields = with(&complete_fields(), "symptom", "stuck_loading");
    let (_, tracking) = app.file_api(&fields).await;
    for _ in 0..2 {
        app.api_file_no_shot(&fields).await;
    }
    // The API says so in JSON, with the wait in a header and in the body.
    let res = app.client.post(app.url("/api/v1/tickets")).multipart(form(&fields, None)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let retry: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    assert!(body["retry_after"].as_i64().unwrap() >= 1);

    // The form gets a page, in both languages, saying when to try again.
    let res = app.form_file(form(&fields, None), "zh-CN").await;
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let page = res.text().await.unwrap();
    assert!(page.contains("秒后重试") && page.contains("Please try again in"), "{page}");
    // A customer's message on their ticket counts too.
    let message = Form::new().text("message", "还是不行");
    let res = app.post_multipart(&format!("{tracking}/messages"), message, "en").await;
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(ticket_count(&app), 3, "what was filed before is kept");
    // Pages are not limited: the customer can still read.
    assert_eq!(app.get("/tickets/new").await.status().as_u16(), 200);
}

#[tokio::test]
async fn signing_in_too_often_from_one_address_is_429_even_with_the_right_password() {
    let app = spawn_with(|c| c.sign_in_per_minute = 3).await;
    app.add_staff("li@paydesk.test", "Li", "agent", &["general"]);
    let b = app.browser();
    for _ in 0..3 {
        let res = b.post("/login", &[("email", "li@paydesk.test"), ("password", "wrong password!")]).await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let res = b.post("/login", &[("email", "li@paydesk.test"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("Please try again in"));
}

/// A PNG of noise, `side` pixels square: it does not compress, so its file
/// is about `side × side × 3` bytes.
fn noise_png(side: u32) -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    let image = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn refused_forms_cannot_fill_the_disk_with_kept_screenshots() {
    use diesel::prelude::*;
    use paydesk::db::schema::screenshot_drafts;
    let app = spawn().await;
    // Each refused form keeps its screenshot for the next try; one address
    // may leave 50 MiB of them an hour: ten of the largest.
    let big = noise_png(1290);
    assert!(big.len() > 4_800_000 && big.len() < 5 * 1024 * 1024, "{}", big.len());
    let refused = with(&complete_fields(), "city", "");
    let mut last = String::new();
    for _ in 0..11 {
        let res = app.form_file(form(&refused, Some(png_part("big.png", big.clone()))), "en").await;
        assert_eq!(res.status().as_u16(), 422);
        last = res.text().await.unwrap();
    }
    let kept: i64 = screenshot_drafts::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(kept, 10, "the eleventh is not kept");
    assert!(last.contains("We could not keep your screenshot for the next try"), "the form says so");
    assert!(!last.contains("name=\"screenshot_token\""), "nothing kept to send again");
    // What was typed is still there.
    assert!(last.contains("li.wei@example.com"));
}
