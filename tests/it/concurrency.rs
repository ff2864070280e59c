//! No lost update: every action reads the ticket inside its own
//! transaction; a page or an `If-Match` that saw an older version is told
//! (409 for pages, 412 for the API) and nothing it sent is applied or lost.

use crate::support::*;
use paydesk::db::users;
use serde_json::{json, Value};

fn token(app: &TestApp) -> String {
    let email = format!("api-{}@paydesk.test", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let id = app.add_staff(&email, "Api Agent", "agent", &["general", "payments"]);
    users::create_token(&mut app.conn(), &id, "concurrency", chrono::Utc::now().naive_utc()).unwrap()
}

async fn patch(app: &TestApp, token: &str, reference: &str, body: Value, if_match: Option<&str>) -> reqwest::Response {
    let req = app.client.patch(app.url(&format!("/api/v1/tickets/{reference}"))).bearer_auth(token).json(&body);
    let req = match if_match {
        Some(tag) => req.header("If-Match", tag),
        None => req,
    };
    req.send().await.unwrap()
}

async fn get(app: &TestApp, token: &str, reference: &str) -> (String, Value) {
    let res = app.client.get(app.url(&format!("/api/v1/tickets/{reference}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let tag = res.headers()["etag"].to_str().unwrap().to_string();
    (tag, res.json().await.unwrap())
}

#[tokio::test]
async fn a_patch_with_priority_and_status_keeps_the_new_priority_due_time() {
    let app = spawn().await;
    let token = token(&app);
    let reference = app.file_api(&complete_fields()).await.0;
    assert_eq!(patch(&app, &token, &reference, json!({ "priority": "urgent" }), None).await.status().as_u16(), 200);
    let urgent_due = get(&app, &token, &reference).await.1["due_at"].clone();
    assert_eq!(patch(&app, &token, &reference, json!({ "priority": "low" }), None).await.status().as_u16(), 200);
    assert_ne!(get(&app, &token, &reference).await.1["due_at"], urgent_due);
    // Both at once: the status change reads the ticket as the priority
    // change left it, so the urgent due time stays.
    let res = patch(&app, &token, &reference, json!({ "priority": "urgent", "status": "open" }), None).await;
    assert_eq!(res.status().as_u16(), 200);
    let (_, t) = get(&app, &token, &reference).await;
    assert_eq!((t["priority"].as_str(), t["status"].as_str()), (Some("urgent"), Some("open")));
    assert_eq!(t["due_at"], urgent_due, "the new priority's due time is kept");
}

#[tokio::test]
async fn intake_answers_the_status_routing_gave_and_where_the_ticket_is() {
    let app = spawn().await;
    // Stuck loading is a kind the customer can fix alone: it waits on them.
    let fields = with(&complete_fields(), "symptom", "stuck_loading");
    let res = app.client.post(app.url("/api/v1/tickets")).multipart(form(&fields, None)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/tickets/{reference}"));
    let token = token(&app);
    let (_, t) = get(&app, &token, reference).await;
    assert_eq!(body["status"], t["status"], "the answer says what the ticket became");
    assert_eq!(body["status"], "pending_customer");
}

#[tokio::test]
async fn if_match_with_an_old_etag_is_refused_with_412_and_changes_nothing() {
    let app = spawn().await;
    let token = token(&app);
    let reference = app.file_api(&complete_fields()).await.0;
    let (old, _) = get(&app, &token, &reference).await;
    // Someone else changes it.
    assert_eq!(patch(&app, &token, &reference, json!({ "priority": "high" }), None).await.status().as_u16(), 200);
    let (now_tag, before) = get(&app, &token, &reference).await;
    assert_ne!(old, now_tag, "every change gives a new ETag");

    let stale = patch(&app, &token, &reference, json!({ "priority": "low" }), Some(&old)).await;
    assert_eq!(stale.status().as_u16(), 412);
    let reply = app
        .client
        .post(app.url(&format!("/api/v1/tickets/{reference}/replies")))
        .bearer_auth(&token)
        .header("If-Match", &old)
        .json(&json!({ "body": "from a stale copy", "internal": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 412);
    let (same_tag, after) = get(&app, &token, &reference).await;
    assert_eq!((same_tag, &after), (now_tag.clone(), &before), "nothing changed");

    // A weak tag never matches If-Match (strong comparison); the current
    // tag goes through, and answers the next.
    let weak = patch(&app, &token, &reference, json!({ "priority": "low" }), Some(&format!("W/{now_tag}"))).await;
    assert_eq!(weak.status().as_u16(), 412);
    let ok = patch(&app, &token, &reference, json!({ "priority": "low" }), Some(&now_tag)).await;
    assert_eq!(ok.status().as_u16(), 200);
    let next = ok.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(get(&app, &token, &reference).await.0, next);
    assert_eq!(patch(&app, &token, &reference, json!({ "priority": "high" }), Some("*")).await.status().as_u16(), 200);
}

/// Two agents send a form from the same page version at the same moment:
/// exactly one is applied, the other is told (409) and keeps its text.
#[tokio::test]
async fn two_agents_acting_on_one_ticket_at_once_never_undo_each_other() {
    let app = spawn().await;
    let reference = app.file_api(&complete_fields()).await.0;
    let path = format!("/agent/tickets/{reference}");
    let (a, b) = (app.staff("agent").await, app.staff("agent").await);
    for round in 0..5 {
        let (page_a, page_b) = (a.text(&path).await, b.text(&path).await);
        let version = hidden_value(&page_a, "version").unwrap();
        assert_eq!(Some(&version), hidden_value(&page_b, "version").as_ref());
        let seen = hidden_value(&page_a, "seen").unwrap();
        let (csrf_a, csrf_b) = (hidden_value(&page_a, "csrf").unwrap(), hidden_value(&page_b, "csrf").unwrap());
        let priority = if round % 2 == 0 { "high" } else { "low" };
        let note = format!("note {round} from b");
        let send_a = a
            .client
            .post(a.url(&format!("{path}/priority")))
            .header("Accept-Language", "en")
            .form(&[("priority", priority), ("version", &version), ("seen", &seen), ("csrf", &csrf_a)])
            .send();
        let send_b = b
            .client
            .post(b.url(&format!("{path}/note")))
            .header("Accept-Language", "en")
            .form(&[("body", note.as_str()), ("version", &version), ("seen", &seen), ("csrf", &csrf_b)])
            .send();
        let (ra, rb) = tokio::join!(send_a, send_b);
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [303, 409], "round {round}: one applied, one told");
        let b_lost = rb.status().as_u16() == 409;
        let (b_page, a_page) = (rb.text().await.unwrap(), ra.text().await.unwrap());
        let after = a.text(&path).await;
        if b_lost {
            assert!(b_page.contains("Someone changed this ticket since you opened it"), "{b_page}");
            assert!(b_page.contains(&note), "the note typed is kept");
            assert!(!after.contains(&note), "and was not stored");
            // Sending again from the 409 page (it carries the new version)
            // goes through.
            let v = hidden_value(&b_page, "version").unwrap();
            let csrf = hidden_value(&b_page, "csrf").unwrap();
            let again = b
                .client
                .post(b.url(&format!("{path}/note")))
                .form(&[("body", note.as_str()), ("version", &v), ("csrf", &csrf)])
                .send()
                .await
                .unwrap();
            assert_eq!(again.status().as_u16(), 303);
            assert!(a.text(&path).await.contains(&note));
        } else {
            assert!(a_page.contains("Someone changed this ticket since you opened it"));
            assert!(after.contains(&note));
        }
    }
}

/// Without versions (API calls with no `If-Match`), changes made at the
/// same moment all land, each on top of the other.
#[tokio::test]
async fn simultaneous_api_changes_without_if_match_all_land() {
    let app = spawn().await;
    let token = token(&app);
    let agent_id = app.add_staff("assignee@paydesk.test", "Assignee", "agent", &["general"]);
    let reference = app.file_api(&complete_fields()).await.0;
    // A status change recomputes the due time from the ticket it reads:
    // run at the same moment as a priority change, it must read the ticket
    // after that change (the lock), or it writes the old due time back.
    assert_eq!(patch(&app, &token, &reference, json!({ "priority": "urgent" }), None).await.status().as_u16(), 200);
    let urgent_due = get(&app, &token, &reference).await.1["due_at"].clone();
    for round in 0..40 {
        assert_eq!(patch(&app, &token, &reference, json!({ "priority": "low" }), None).await.status().as_u16(), 200);
        let status = if round % 2 == 0 { "resolved" } else { "open" };
        let (p, s) = tokio::join!(
            patch(&app, &token, &reference, json!({ "priority": "urgent" }), None),
            patch(&app, &token, &reference, json!({ "status": status }), None),
        );
        assert_eq!((p.status().as_u16(), s.status().as_u16()), (200, 200), "round {round}");
        let (_, t) = get(&app, &token, &reference).await;
        assert_eq!((&t["priority"], &t["due_at"]), (&json!("urgent"), &urgent_due), "round {round}");
    }
    let (p, s, n) = tokio::join!(
        patch(&app, &token, &reference, json!({ "priority": "urgent" }), None),
        patch(&app, &token, &reference, json!({ "assignee": agent_id }), None),
        app.client
            .post(app.url(&format!("/api/v1/tickets/{reference}/replies")))
            .bearer_auth(&token)
            .json(&json!({ "body": "at the same time", "internal": true }))
            .send(),
    );
    assert_eq!((p.status().as_u16(), s.status().as_u16(), n.unwrap().status().as_u16()), (200, 200, 201));
    let (_, t) = get(&app, &token, &reference).await;
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["assignee"]["id"], agent_id.as_str());
}
