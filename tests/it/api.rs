//! `POST /api/v1/tickets`: the payment app files from its error screen.

use crate::support::*;
use reqwest::multipart::{Form, Part};

#[tokio::test]
async fn a_complete_request_gets_201_with_reference_and_tracking_link() {
    let app = spawn().await;
    let (status, body) = app.api_file(form(&complete_fields(), Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("PD-") && reference.len() == 9, "{reference}");
    assert_eq!(body["status"], "new");
    let tracking_url = body["tracking_url"].as_str().unwrap();
    assert!(tracking_url.starts_with(&format!("{}/t/", app.base)), "{tracking_url}");
    // The link works and shows the ticket.
    let page = app.client.get(tracking_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(reference));
    assert!(page.contains("31******4821"));
}

#[tokio::test]
async fn each_required_field_missing_alone_is_named() {
    let app = spawn().await;
    let complete = complete_fields();
    let required = [
        ("platform", "Please choose one."),
        ("payment_scenario", "Please choose one."),
        ("failing_step", "Please choose one."),
        ("symptom", "Please choose one."),
        ("city", "Please fill this in."),
        ("account_number", "Please fill this in."),
        ("checks_tried", "Tick at least one check you already tried."),
    ];
    for (field, message) in required {
        let shot = Some(png_part("e.png", samples::png()));
        let (status, body) = app.api_file(form(&with(&complete, field, ""), shot), "en").await;
        assert_eq!(status, 422, "{field}: {body}");
        let errors = body["errors"].as_object().unwrap();
        assert_eq!(errors.keys().collect::<Vec<_>>(), [field], "only {field} is reported");
        assert_eq!(errors[field][0], message);
    }
    // Without an email (and no phone): named on the phone, which comes first.
    let (status, body) =
        app.api_file(form(&with(&complete, "contact_email", ""), Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_object().unwrap();
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["contact_phone"]);
    assert_eq!(errors["contact_phone"][0], "Give a mobile number or an email, so we can tell you what we find.");
}

#[tokio::test]
async fn every_problem_is_reported_at_once() {
    let app = spawn().await;
    let (status, body) = app.api_file(Form::new().text("description", "help"), "en").await;
    assert_eq!(status, 422);
    let mut fields: Vec<_> = body["errors"].as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "account_number",
            "checks_tried",
            "city",
            "contact_phone",
            "failing_step",
            "payment_scenario",
            "platform",
            "symptom"
        ]
    );
}

#[tokio::test]
async fn an_error_shown_needs_the_error_and_a_screenshot() {
    let app = spawn().await;
    let fields = with(&with(&complete_fields(), "error_code", ""), "error_message", "");
    let (status, body) = app.api_file(form(&fields, None), "en").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"]["error_message"][0], "Type the error code or the message shown on the screen.");
    assert_eq!(body["errors"]["screenshot"][0], "Add a screenshot of the error message.");

    // Either the code or the message is enough, with a screenshot.
    let only_code = with(&complete_fields(), "error_message", "");
    let (status, _) = app.api_file(form(&only_code, Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(status, 201);
    let only_message = with(&complete_fields(), "error_code", "");
    let (status, _) = app.api_file(form(&only_message, Some(png_part("e.png", samples::jpeg()))), "en").await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn money_taken_needs_time_amount_and_order_number() {
    let app = spawn().await;
    let fields = with(&complete_fields(), "symptom", "money_taken_not_paid");
    let (status, body) = app.api_file(form(&fields, None), "en").await;
    assert_eq!(status, 422);
    let errors = body["errors"].as_object().unwrap();
    let mut keys: Vec<_> = errors.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["amount", "occurred_at", "order_number"]);

    let mut fields = fields;
    fields.push(("occurred_at", "2026-01-05T09:30".into()));
    fields.push(("amount", "128.50".into()));
    fields.push(("order_number", "WX20260105-0042".into()));
    let (status, body) = app.api_file(form(&fields, None), "en").await;
    assert_eq!(status, 201, "{body}");
    // Other symptoms need neither screenshot nor money details.
    let stuck = with(&complete_fields(), "symptom", "stuck_loading");
    let (status, _) = app.api_file(form(&stuck, None), "en").await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn errors_come_in_the_requested_language() {
    let app = spawn().await;
    let fields = with(&complete_fields(), "contact_email", "nope");
    let shot = || Some(png_part("e.png", samples::png()));
    let (_, zh) = app.api_file(form(&fields, shot()), "zh-CN,zh;q=0.9").await;
    assert_eq!(zh["errors"]["contact_email"][0], "请输入有效的电子邮箱，例如 name@example.com。");
    let (_, en) = app.api_file(form(&fields, shot()), "en-US").await;
    assert_eq!(en["errors"]["contact_email"][0], "Please enter a valid email address, like name@example.com.");
    // The `lang` field wins over the header.
    let (_, by_field) = app.api_file(form(&with(&fields, "lang", "en"), shot()), "zh-CN").await;
    assert_eq!(by_field["errors"]["contact_email"][0], en["errors"]["contact_email"][0]);
}

#[tokio::test]
async fn bad_uploads_are_field_errors() {
    let app = spawn().await;
    let mut text_as_png = b"just some text, honestly".to_vec();
    text_as_png.extend_from_slice(&[b' '; 64]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "x.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "image/svg+xml",
        ),
        ("x.html", b"<!doctype html><script>alert(1)</script>".to_vec(), "text/html"),
        ("x.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj".to_vec(), "application/pdf"),
        ("renamed.png", text_as_png, "image/png"),
        ("truncated.png", samples::png()[..20].to_vec(), "image/png"),
        ("x.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!".to_vec(), "image/gif"),
    ];
    for (name, bytes, mime) in cases {
        let part = Part::bytes(bytes).file_name(name).mime_str(mime).unwrap();
        let (status, body) = app.api_file(form(&complete_fields(), Some(part)), "en").await;
        assert_eq!(status, 422, "{name}");
        assert_eq!(
            body["errors"]["screenshot"][0], "This file is not a PNG, JPEG or WebP image. Please choose a screenshot.",
            "{name}"
        );
    }
    let bomb = Part::bytes(samples::png_with_size(60_000, 60_000)).file_name("big.png");
    let (status, body) = app.api_file(form(&complete_fields(), Some(bomb)), "en").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"]["screenshot"][0], "This image's size is not valid. Please choose a normal screenshot.");
    let empty = Part::bytes(Vec::new()).file_name("empty.png");
    let (status, body) = app.api_file(form(&complete_fields(), Some(empty)), "en").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"]["screenshot"][0], "The chosen file is empty. Please choose the screenshot again.");
}

#[tokio::test]
async fn a_screenshot_over_its_limit_is_a_field_error_and_a_body_over_the_limit_is_413() {
    let app = spawn_with(|c| c.max_screenshot_bytes = 64 * 1024).await;
    // Over the screenshot limit but within the body limit: the customer is
    // told, next to the field, with everything else kept.
    let mut big = samples::png();
    big.resize(100 * 1024, 0);
    let (status, body) = app.api_file(form(&complete_fields(), Some(png_part("big.png", big))), "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"]["screenshot"][0], "The screenshot is too large. Please send one under 64 KB.");

    // Over the body limit: refused while reading.
    let mut huge = samples::png();
    huge.resize(2 * 1024 * 1024, 0);
    let (status, body) = app.api_file(form(&complete_fields(), Some(png_part("huge.png", huge))), "en").await;
    assert_eq!(status, 413);
    assert_eq!(body["code"], "payload_too_large");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off_with_413() {
    let app = spawn_with(|c| c.max_screenshot_bytes = 64 * 1024).await;
    // No Content-Length: the limit must hold while streaming.
    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"screenshot\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'A', 3 * 1024 * 1024));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let stream = futures_util::stream::iter(chunks);
    let res = app
        .client
        .post(app.url("/api/v1/tickets"))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    // The server may answer before it has read everything and close the
    // connection; either way no ticket is stored and the answer is 413.
    if let Ok(res) = res {
        assert_eq!(res.status().as_u16(), 413);
    }
    let health = app.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let app = spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/tickets"))
        .header("Content-Type", "application/json")
        .body(r#"{"platform":"wechat"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
    let res = app.client.post(app.url("/api/v1/tickets")).form(&[("platform", "wechat")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 415);
}

#[tokio::test]
async fn a_hundred_concurrent_submissions_are_all_stored_with_their_own_reference() {
    let app = spawn().await;
    let requests = (0..100).map(|_| {
        let fields = with(&complete_fields(), "symptom", "stuck_loading");
        app.api_file(form(&fields, None), "en")
    });
    let results = futures_util::future::join_all(requests).await;
    let mut references: Vec<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["reference"].as_str().unwrap().to_string()
        })
        .collect();
    references.sort();
    references.dedup();
    assert_eq!(references.len(), 100);
    let dump = app.db.dump();
    for reference in &references {
        assert!(dump.contains(reference.as_str()), "{reference} is stored");
    }
}
