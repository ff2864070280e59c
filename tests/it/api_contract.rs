//! What an integrator relies on besides the data (issue 18): every error
//! under /api/ an RFC 9457 problem with the right status and headers, the
//! bearer scheme in any case, no cookies, rate-limit headers, a truthful
//! 201, and no 500 for odd but harmless input on either database.

use crate::support::*;
use paydesk::db::users;
use serde_json::Value;

fn token(app: &TestApp) -> String {
    let id = app.add_staff("contract@paydesk.test", "Contract", "agent", &["general"]);
    users::create_token(&mut app.conn(), &id, "contract", chrono::Utc::now().naive_utc()).unwrap()
}

/// Asserts a problem answer: its status, media type and `code`.
async fn problem(res: reqwest::Response, status: u16, code: &str) -> (reqwest::header::HeaderMap, Value) {
    assert_eq!(res.status().as_u16(), status);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "application/problem+json", "{status} {code}");
    assert!(headers.get("set-cookie").is_none(), "no cookie under /api/");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code);
    assert_eq!(body["type"], "about:blank");
    assert!(!body["title"].as_str().unwrap().is_empty() && !body["detail"].as_str().unwrap().is_empty());
    (headers, body)
}

#[tokio::test]
async fn every_error_under_the_api_is_a_problem_with_its_headers() {
    let app = spawn().await;
    let token = token(&app);
    let c = &app.client;
    // Unknown path, unknown method (405 with Allow), on both kinds of path.
    problem(c.get(app.url("/api/v1/nothing")).send().await.unwrap(), 404, "not_found").await;
    let (h, _) = problem(c.delete(app.url("/api/v1/tickets")).send().await.unwrap(), 405, "method_not_allowed").await;
    assert_eq!(h["allow"], "POST, GET");
    let (h, _) =
        problem(c.put(app.url("/api/v1/tickets/PD-AAAAAA")).send().await.unwrap(), 405, "method_not_allowed").await;
    assert_eq!(h["allow"], "GET, PATCH");
    // Pages answer 405 too, as a page.
    let res = c.delete(app.url("/tickets/new")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "GET");
    // 401 names the scheme; 404 for a missing ticket; a body of the wrong
    // kind is 415, a body that is not JSON 400.
    let (h, _) = problem(c.get(app.url("/api/v1/tickets")).send().await.unwrap(), 401, "unauthorized").await;
    assert_eq!(h["www-authenticate"], r#"Bearer realm="paydesk""#);
    let (h, _) = problem(
        c.get(app.url("/api/v1/tickets")).header("Authorization", "Bearer wrong").send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert!(h.contains_key("www-authenticate"));
    problem(c.get(app.url("/api/v1/tickets/PD-AAAAAA")).bearer_auth(&token).send().await.unwrap(), 404, "not_found")
        .await;
    let patch = |body: &'static str, kind: &'static str| {
        c.patch(app.url("/api/v1/tickets/PD-AAAAAA")).bearer_auth(&token).header("Content-Type", kind).body(body)
    };
    problem(patch("", "text/plain").send().await.unwrap(), 415, "unsupported_media_type").await;
    problem(patch("{", "application/json").send().await.unwrap(), 400, "bad_request").await;
    let huge: &'static str = Box::leak(format!("{{\"priority\": \"{}\"}}", "x".repeat(130 * 1024)).into_boxed_str());
    problem(patch(huge, "application/json").send().await.unwrap(), 413, "payload_too_large").await;
    problem(c.post(app.url("/api/v1/tickets")).body("x").send().await.unwrap(), 415, "unsupported_media_type").await;
    // 422 lists each field; an unknown field and an unknown language are
    // refused, not ignored.
    let mut fields = complete_fields();
    fields.push(("colour", "blue".into()));
    fields.push(("lang", "fr".into()));
    let res = c.post(app.url("/api/v1/tickets")).multipart(form(&fields, None)).send().await.unwrap();
    let (_, body) = problem(res, 422, "invalid").await;
    assert!(body["errors"]["colour"].is_array() && body["errors"]["lang"].is_array(), "{body}");
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_no_api_answer_sets_a_cookie() {
    let app = spawn().await;
    let token = token(&app);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let res = app
            .client
            .get(app.url("/api/v1/tickets"))
            .header("Authorization", format!("{scheme} {token}"))
            .send()
            .await;
        let res = res.unwrap();
        assert_eq!(res.status(), 200, "{scheme}");
        assert!(res.headers().get("set-cookie").is_none());
    }
    let (status, _) = app.api_file(form(&complete_fields(), Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(status, 201);
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert!(res.headers().get("set-cookie").is_none());
    // Pages still set the CSRF cookie.
    let res = app.client.get(app.url("/tickets/new")).send().await.unwrap();
    assert!(res.headers().get("set-cookie").is_some());
}

#[tokio::test]
async fn limited_routes_say_where_the_caller_stands_and_429_is_a_problem() {
    let app = spawn_with(|c| {
        c.intake_per_minute = 2;
        c.api_per_minute = 3;
    })
    .await;
    let token = token(&app);
    for remaining in [1, 0] {
        let res = app
            .client
            .post(app.url("/api/v1/tickets"))
            .multipart(form(&complete_fields(), Some(png_part("e.png", samples::png()))))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["ratelimit-limit"], "2");
        assert_eq!(res.headers()["ratelimit-remaining"], remaining.to_string().as_str());
        let reset: u64 = res.headers()["ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
    }
    let res = app.client.post(app.url("/api/v1/tickets")).multipart(form(&complete_fields(), None)).send().await;
    let (h, body) = problem(res.unwrap(), 429, "too_many_attempts").await;
    let retry: i64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1 && body["retry_after"] == retry, "{body}");
    assert_eq!(h["ratelimit-remaining"], "0");
    // The staff API: per token.
    for remaining in [2, 1, 0] {
        let res = app.client.get(app.url("/api/v1/tickets")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["ratelimit-remaining"], remaining.to_string().as_str());
    }
    let res = app.client.get(app.url("/api/v1/tickets")).bearer_auth(&token).send().await.unwrap();
    problem(res, 429, "too_many_attempts").await;
}

#[tokio::test]
async fn odd_filters_and_ids_are_refused_calmly_on_either_database_and_201_tells_the_truth() {
    let app = spawn().await;
    let token = token(&app);
    let get = |q: &str| app.client.get(app.url(&format!("/api/v1/tickets?{q}"))).bearer_auth(&token).send();
    // A NUL byte in text filters: 400, never a database error.
    for q in ["q=a%00b", "city=%00", "assignee=x%00"] {
        problem(get(q).await.unwrap(), 400, "bad_request").await;
    }
    // A repeated parameter is a problem too.
    problem(get("view=open&view=mine").await.unwrap(), 400, "bad_request").await;

    // An insufficient-funds case is sent its self-service steps at once:
    // the 201 says it waits on the customer, and where the ticket is.
    let res = app
        .client
        .post(app.url("/api/v1/tickets"))
        .multipart(form(&with(&complete_fields(), "error_code", "101"), Some(png_part("e.png", samples::png()))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "pending_customer");
    assert_eq!(location, format!("/api/v1/tickets/{}", created["reference"].as_str().unwrap()));
    let res = app.client.get(app.url(&location)).bearer_auth(&token).send().await.unwrap();
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["status"], "pending_customer");
    // `view=` empty is the documented default, every open ticket (not "mine").
    let list: Value = get("view=").await.unwrap().json().await.unwrap();
    assert_eq!(list["tickets"].as_array().unwrap().len(), 1);
    // A NUL in an assignee id names nobody: 422, the ticket unchanged.
    let res = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "assignee": "a\u{0}b", "priority": "urgent" }))
        .send()
        .await
        .unwrap();
    let (_, body) = problem(res, 422, "invalid").await;
    assert!(body["errors"]["assignee"].is_array());
    let again: Value =
        app.client.get(app.url(&location)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["priority"], ticket["priority"]);
}

#[tokio::test]
async fn an_idempotency_key_files_once_answers_again_and_refuses_another_request() {
    let app = spawn().await;
    let file = |key: &'static str, fields: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/api/v1/tickets"))
            .header("Idempotency-Key", key)
            .multipart(form(&fields, Some(png_part("e.png", samples::png()))))
            .send()
    };
    let first = file("7d1c8f3e-2a4b-4c5d-9e6f-0a1b2c3d4e5f", complete_fields()).await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();

    // The same request again (a retry after a lost answer): the same answer,
    // the same working link, and still one ticket.
    let again = file("7d1c8f3e-2a4b-4c5d-9e6f-0a1b2c3d4e5f", complete_fields()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    let tracking = first["tracking_url"].as_str().unwrap().trim_start_matches(&app.base).to_string();
    assert_eq!(app.client.get(app.url(&tracking)).send().await.unwrap().status(), 200);
    use diesel::prelude::*;
    let tickets: i64 = paydesk::db::schema::tickets::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(tickets, 1);
    // A quoted key is the same key (the draft's structured-field form).
    let quoted = file("\"7d1c8f3e-2a4b-4c5d-9e6f-0a1b2c3d4e5f\"", complete_fields()).await.unwrap();
    assert_eq!(quoted.headers()["idempotent-replayed"], "true");

    // The same key with another request: refused, nothing filed.
    let other = file("7d1c8f3e-2a4b-4c5d-9e6f-0a1b2c3d4e5f", with(&complete_fields(), "city", "北京")).await.unwrap();
    let (_, body) = problem(other, 422, "invalid").await;
    assert!(body["errors"]["Idempotency-Key"].is_array(), "{body}");

    // A refused request frees its key for the corrected one.
    let refused = file("b2", with(&complete_fields(), "city", "")).await.unwrap();
    assert_eq!(refused.status(), 422);
    let corrected = file("b2", complete_fields()).await.unwrap();
    assert_eq!(corrected.status(), 201);
    assert!(corrected.headers().get("idempotent-replayed").is_none());

    // While the first request with a key is still being handled: 409.
    paydesk::db::idempotency::begin(
        &mut app.conn(),
        "intake",
        "held",
        "fingerprint",
        "nonce",
        chrono::Utc::now().naive_utc(),
    )
    .unwrap();
    let (h, _) = problem(file("held", complete_fields()).await.unwrap(), 409, "idempotency_key_in_flight").await;
    assert_eq!(h["retry-after"], "1");
    // Malformed keys are a 400.
    for bad in ["", "has space", "\"unclosed"] {
        let res = app
            .client
            .post(app.url("/api/v1/tickets"))
            .header("Idempotency-Key", bad)
            .multipart(form(&complete_fields(), None))
            .send()
            .await
            .unwrap();
        problem(res, 400, "bad_request").await;
    }
    let tickets: i64 = paydesk::db::schema::tickets::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(tickets, 2);
}

#[tokio::test]
async fn the_same_key_sent_at_once_files_one_ticket() {
    let app = spawn().await;
    let attempts = (0..8).map(|_| {
        app.client
            .post(app.url("/api/v1/tickets"))
            .header("Idempotency-Key", "burst-key-1")
            .multipart(form(&complete_fields(), Some(png_part("e.png", samples::png()))))
            .send()
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201));
    use diesel::prelude::*;
    let tickets: i64 = paydesk::db::schema::tickets::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(tickets, 1, "{statuses:?}");
}
