//! The REST API for integrations, with valid, revoked and missing tokens,
//! and the OpenAPI document against what the server does.

use crate::support::*;
use paydesk::db::users;
use serde_json::{json, Value};

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = self.app.url(path);
        let req = match method {
            "GET" => self.app.client.get(&url),
            "PATCH" => self.app.client.patch(&url),
            _ => self.app.client.post(&url),
        };
        let req = if self.token.is_empty() { req } else { req.bearer_auth(&self.token) };
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

fn token_for(app: &TestApp, role: &str) -> (String, String) {
    let id = app.add_staff(&format!("{role}-rest@paydesk.test"), &format!("Rest {role}"), role, &["general"]);
    let token = users::create_token(&mut app.conn(), &id, "rest", chrono::Utc::now().naive_utc()).unwrap();
    (id, token)
}

#[tokio::test]
async fn the_rest_api_lists_reads_replies_and_changes_tickets() {
    let app = spawn().await;
    let (agent_id, token) = token_for(&app, "agent");
    let api = Api { app: &app, token };
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    app.file_api(&with(&complete_fields(), "city", "北京")).await;

    let (status, list) = api.call("GET", "/api/v1/tickets", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(list["next"], Value::Null);
    let (_, filtered) = api.call("GET", "/api/v1/tickets?city=%E5%8C%97%E4%BA%AC", None).await;
    assert_eq!(filtered["tickets"].as_array().unwrap().len(), 1);
    let (status, body) = api.call("GET", "/api/v1/tickets?priority=extreme", None).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "bad_request");

    let (status, t) = api.call("GET", &format!("/api/v1/tickets/{reference}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(t["reference"], reference.as_str());
    assert_eq!(t["account_number"], "31******4821");
    assert_eq!(t["status"], "new");
    assert_eq!(t["checks_tried"], json!(["switched_network", "other_card"]));
    assert!(t["due_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(t["escalation"], Value::Null);
    let (status, body) = api.call("GET", "/api/v1/tickets/PD-2222222", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");

    let (status, t) = api
        .call(
            "PATCH",
            &format!("/api/v1/tickets/{reference}"),
            Some(json!({ "priority": "urgent", "assignee": agent_id, "status": "open" })),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["status"], "open");
    assert_eq!(t["assignee"]["id"], agent_id.as_str());
    let (status, t) =
        api.call("PATCH", &format!("/api/v1/tickets/{reference}"), Some(json!({ "assignee": null }))).await;
    assert_eq!(status, 200);
    assert_eq!(t["assignee"], Value::Null);
    let (status, body) =
        api.call("PATCH", &format!("/api/v1/tickets/{reference}"), Some(json!({ "status": "pending_platform" }))).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) =
        api.call("PATCH", &format!("/api/v1/tickets/{reference}"), Some(json!({ "priority": "whenever" }))).await;
    assert_eq!(status, 422);
    assert!(body["errors"]["priority"].is_array());
    let (status, _) = api
        .call("PATCH", &format!("/api/v1/tickets/{reference}"), Some(json!({ "assignee": "nobody-like-this" })))
        .await;
    assert_eq!(status, 422);

    let (status, t) = api
        .call(
            "POST",
            &format!("/api/v1/tickets/{reference}/replies"),
            Some(json!({ "body": "Internal: provider says timeout.", "internal": true })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(t["status"], "open", "a note changes no status");
    let (status, t) = api
        .call(
            "POST",
            &format!("/api/v1/tickets/{reference}/replies"),
            Some(json!({ "body": "Please retry after 10:00." })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(t["status"], "pending_customer");
    assert!(t["first_response_at"].is_string());
    let (status, _) =
        api.call("POST", &format!("/api/v1/tickets/{reference}/replies"), Some(json!({ "body": "   " }))).await;
    assert_eq!(status, 422);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/tickets/{reference}/replies")))
        .bearer_auth(&api.token)
        .body("body=x")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(status, 415, "{}", res.text().await.unwrap());

    // The customer sees the reply, never the note.
    let page = app.get(&tracking).await.text().await.unwrap();
    assert!(page.contains("Please retry after 10:00."));
    assert!(!page.contains("provider says timeout"));
}

#[tokio::test]
async fn tokens_missing_wrong_or_revoked_get_401() {
    let app = spawn().await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let path = format!("/api/v1/tickets/{reference}");
    let missing = Api { app: &app, token: String::new() };
    let (status, body) = missing.call("GET", &path, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthorized");
    let wrong = Api { app: &app, token: "pdk_not-a-token".into() };
    assert_eq!(wrong.call("GET", &path, None).await.0, 401);

    // A token made and revoked on the settings page.
    let agent = app.staff("agent").await;
    let page = agent.post("/settings/tokens", &[("name", "script")]).await.text().await.unwrap();
    let token = page.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let api = Api { app: &app, token };
    assert_eq!(api.call("GET", &path, None).await.0, 200);
    let settings = agent.text("/settings").await;
    let id = settings.split("/settings/tokens/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let res = agent.post(&format!("/settings/tokens/{id}/revoke"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(api.call("GET", &path, None).await.0, 401);
    assert!(agent.text("/settings").await.contains("revoked"));
}

#[tokio::test]
async fn the_openapi_document_matches_the_server() {
    let app = spawn().await;
    let (_, token) = token_for(&app, "agent");
    let api = Api { app: &app, token };
    let (reference, _) = app.file_api(&complete_fields()).await;
    let (status, doc) = Api { app: &app, token: String::new() }.call("GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    // Every route under /api/ is documented, and nothing else.
    let mut served: Vec<String> = paydesk::web::endpoints()
        .iter()
        .filter(|e| e.path.starts_with("/api/"))
        .map(|e| format!("{} {}", e.method.as_str().to_lowercase(), e.path))
        .collect();
    let mut documented: Vec<String> = paths
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object().unwrap().keys().filter(|m| *m != "parameters").map(move |m| format!("{m} {path}"))
        })
        .collect();
    served.sort();
    documented.sort();
    assert_eq!(served, documented);
    for (path, ops) in paths {
        let concrete = path.replace("{reference}", &reference);
        for (method, op) in ops.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let body = match method.as_str() {
                "patch" => Some(json!({ "priority": "high" })),
                "post" if path.ends_with("/replies") => Some(json!({ "body": "hello", "internal": true })),
                _ => None,
            };
            let (status, _) = if method == "post" && path == "/api/v1/tickets" {
                app.api_file(form(&complete_fields(), Some(png_part("e.png", samples::png()))), "en").await
            } else {
                api.call(&method.to_uppercase(), &concrete, body).await
            };
            let documented: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            assert!(
                documented.contains(&&status.to_string()),
                "{method} {path} answered {status}, documents {documented:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_closed_ticket_takes_no_reply_or_note_and_a_reply_keeps_its_status_rule() {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let app = spawn().await;
    let (_, token) = token_for(&app, "agent");
    let api = Api { app: &app, token };
    let (reference, _) = app.file_api(&complete_fields()).await;
    let path = format!("/api/v1/tickets/{reference}/replies");
    let (status, body) = api.call("POST", &path, Some(json!({ "body": "hi", "status": "closed" }))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"]["status"][0], "Use open, pending_customer or resolved.");
    let (status, body) = api.call("POST", &path, Some(json!({ "body": "hi", "status": "later" }))).await;
    assert_eq!(status, 422, "{body}");
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::status.eq("closed"))
        .execute(&mut app.conn())
        .unwrap();
    for internal in [true, false] {
        let (status, body) = api.call("POST", &path, Some(json!({ "body": "late", "internal": internal }))).await;
        assert_eq!(status, 409, "internal {internal}: {body}");
    }
    let (_, t) = api.call("GET", &format!("/api/v1/tickets/{reference}"), None).await;
    assert_eq!(t["status"], "closed");
}
