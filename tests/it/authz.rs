//! The authorisation table: every staff route × anonymous, a customer with a
//! tracking link, agent, supervisor, admin. Checked on the server, whatever
//! the pages show.

use crate::support::*;
use paydesk::db::users;
use paydesk::domain::codes::Role;
use paydesk::web::Access;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Anonymous,
    Customer,
    Agent,
    Supervisor,
    Admin,
}

impl Who {
    fn role(self) -> Option<Role> {
        match self {
            Who::Anonymous | Who::Customer => None,
            Who::Agent => Some(Role::Agent),
            Who::Supervisor => Some(Role::Supervisor),
            Who::Admin => Some(Role::Admin),
        }
    }
}

/// A concrete request for one route of the table.
struct Sample {
    path: String,
    form: Vec<(&'static str, &'static str)>,
}

fn sample(path: impl Into<String>, form: Vec<(&'static str, &'static str)>) -> Sample {
    Sample { path: path.into(), form }
}

/// Whether a concrete path is an instance of a route pattern.
fn matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap();
    let (p, c): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == c.len() && p.iter().zip(&c).all(|(p, c)| p.starts_with('{') || p == c)
}

#[tokio::test]
async fn every_staff_route_checks_the_role_on_the_server() {
    let app = spawn().await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let admin = app.staff("admin").await;
    let tickets_page = admin.text(&format!("/agent/tickets/{reference}")).await;
    let shot = tickets_page.split("/screenshots/").nth(1).unwrap().split('"').next().unwrap().to_string();
    // An account of its own for the user forms, so no signed-in test user
    // is changed.
    let user_id = app.add_staff("authz-target@paydesk.test", "Target", "agent", &["general"]);
    let canned_page = admin.text("/supervisor/canned").await;
    let canned_id =
        canned_page.split("action=\"/supervisor/canned/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let t = format!("/agent/tickets/{reference}");

    // Requests for each route of the table that needs a role: the route
    // pattern, then one or more concrete requests (each action of a
    // dispatching route). A route in the table without samples here fails
    // the test below.
    let samples: Vec<(&str, Vec<Sample>)> = vec![
        ("/agent", vec![sample("/agent", vec![]), sample("/agent?view=open", vec![])]),
        ("/agent/export.csv", vec![sample("/agent/export.csv", vec![])]),
        ("/agent/bulk", vec![sample("/agent/bulk", vec![("priority", "high")])]),
        ("/agent/tickets/{reference}", vec![sample(&t, vec![])]),
        ("/agent/tickets/{reference}/screenshots/{id}", vec![sample(format!("{t}/screenshots/{shot}"), vec![])]),
        ("/agent/tickets/{reference}/note", vec![sample(format!("{t}/note"), vec![("body", "authz check")])]),
        ("/agent/tickets/{reference}/priority", vec![sample(format!("{t}/priority"), vec![("priority", "high")])]),
        ("/agent/tickets/{reference}/claim", vec![sample(format!("{t}/claim"), vec![])]),
        ("/agent/tickets/{reference}/phone", vec![sample(format!("{t}/phone"), vec![])]),
        ("/agent/tickets/{reference}/canned", vec![sample(format!("{t}/canned"), vec![("body", "x")])]),
        (
            "/agent/tickets/{reference}/change",
            vec![sample(format!("{t}/change"), vec![("status", "no-such-status"), ("priority", "high")])],
        ),
        ("/agent/tickets/{reference}/assign", vec![sample(format!("{t}/assign"), vec![("assignee", "")])]),
        ("/agent/tickets/{reference}/status", vec![sample(format!("{t}/status"), vec![("status", "no-such-status")])]),
        ("/agent/tickets/{reference}/reply", vec![sample(format!("{t}/reply"), vec![("body", "")])]),
        ("/agent/tickets/{reference}/ask", vec![sample(format!("{t}/ask"), vec![])]),
        ("/agent/tickets/{reference}/merge", vec![sample(format!("{t}/merge"), vec![("into", "PD-NOPE00")])]),
        ("/agent/tickets/{reference}/payment-check", vec![sample(format!("{t}/payment-check"), vec![])]),
        ("/agent/tickets/{reference}/refunds", vec![sample(format!("{t}/refunds"), vec![("refund_number", "R1")])]),
        (
            "/agent/tickets/{reference}/facts",
            vec![sample(format!("{t}/facts"), vec![("symptom", "error_shown"), ("failing_step", "tap_pay")])],
        ),
        ("/supervisor", vec![sample("/supervisor", vec![])]),
        ("/supervisor/dashboard/{file}", vec![sample("/supervisor/dashboard/cities.csv", vec![])]),
        ("/supervisor/incidents", vec![sample("/supervisor/incidents", vec![])]),
        ("/supervisor/incidents/{id}", vec![sample("/supervisor/incidents/nope", vec![])]),
        ("/supervisor/incidents/{id}/accept", vec![sample("/supervisor/incidents/nope/accept", vec![("title", "T")])]),
        ("/supervisor/incidents/{id}/dismiss", vec![sample("/supervisor/incidents/nope/dismiss", vec![])]),
        (
            "/supervisor/incidents/{id}/link",
            vec![sample("/supervisor/incidents/nope/link", vec![("reference", "PD-NOPE00")])],
        ),
        (
            "/supervisor/incidents/{id}/unlink",
            vec![sample("/supervisor/incidents/nope/unlink", vec![("reference", "PD-NOPE00")])],
        ),
        (
            "/supervisor/incidents/{id}/update",
            vec![sample("/supervisor/incidents/nope/update", vec![("body_zh", "b")])],
        ),
        (
            "/supervisor/incidents/{id}/resolve",
            vec![sample("/supervisor/incidents/nope/resolve", vec![("body_zh", "b")])],
        ),
        ("/supervisor/audit", vec![sample("/supervisor/audit", vec![])]),
        ("/supervisor/escalations", vec![sample("/supervisor/escalations", vec![])]),
        ("/supervisor/escalations/{id}/approve", vec![sample("/supervisor/escalations/nope/approve", vec![])]),
        (
            "/supervisor/escalations/{id}/send-back",
            vec![sample("/supervisor/escalations/nope/send-back", vec![("reason", "r")])],
        ),
        (
            "/supervisor/escalations/{id}/answer",
            vec![sample("/supervisor/escalations/nope/answer", vec![("outcome", "approved")])],
        ),
        ("/supervisor/ratings", vec![sample("/supervisor/ratings", vec![])]),
        ("/supervisor/ratings/{id}/follow-up", vec![sample("/supervisor/ratings/nope/follow-up", vec![])]),
        ("/supervisor/canned", vec![sample("/supervisor/canned", vec![])]),
        (
            "/supervisor/canned/{id}",
            vec![sample(format!("/supervisor/canned/{canned_id}"), vec![("title", "T"), ("body", "B")])],
        ),
        ("/admin/users", vec![sample("/admin/users", vec![("email", "x"), ("name", ""), ("role", "agent")])]),
        ("/admin/users/{id}", vec![sample(format!("/admin/users/{user_id}"), vec![("name", ""), ("role", "agent")])]),
        ("/admin/calendars", vec![sample("/admin/calendars", vec![])]),
        ("/admin/calendars/queues", vec![sample("/admin/calendars/queues", vec![("q_general", "24x7")])]),
        ("/admin/calendars/import", vec![sample("/admin/calendars/import", vec![("calendar", "x")])]),
        (
            "/admin/calendars/{name}/days",
            vec![sample("/admin/calendars/24x7/days", vec![("day", "2026-10-01"), ("kind", "closed")])],
        ),
        ("/admin/platforms", vec![sample("/admin/platforms", vec![])]),
        (
            "/admin/platforms/{code}",
            vec![sample("/admin/platforms/wechat", vec![("contact_email", "x"), ("restricted", "on")])],
        ),
        ("/admin/routing", vec![sample("/admin/routing", vec![])]),
        (
            "/admin/routing/test",
            vec![sample("/admin/routing/test", vec![("phrase", "喵喵错误"), ("kind", "timeout_busy")])],
        ),
        (
            "/admin/routing/phrases",
            vec![sample("/admin/routing/phrases", vec![("phrase", "喵喵错误"), ("kind", "timeout_busy")])],
        ),
        ("/admin/routing/phrases/{id}/delete", vec![sample("/admin/routing/phrases/nope/delete", vec![])]),
        ("/admin/inbound", vec![sample("/admin/inbound", vec![])]),
        ("/admin/outbox", vec![sample("/admin/outbox", vec![])]),
        ("/admin/outbox/{id}/retry", vec![sample("/admin/outbox/nope/retry", vec![])]),
        ("/settings", vec![sample("/settings", vec![])]),
        ("/settings/tokens", vec![sample("/settings/tokens", vec![("name", "t")])]),
        ("/settings/tokens/{id}/revoke", vec![sample("/settings/tokens/nope/revoke", vec![])]),
        (
            "/settings/password",
            vec![sample("/settings/password", vec![("current", "not it"), ("new", "x"), ("confirm", "y")])],
        ),
        ("/settings/sessions/end-others", vec![sample("/settings/sessions/end-others", vec![])]),
        ("/api/v1/tickets", vec![sample("/api/v1/tickets", vec![])]),
        ("/api/v1/tickets/{reference}", vec![sample(format!("/api/v1/tickets/{reference}"), vec![])]),
        ("/api/v1/tickets/{reference}/replies", vec![sample(format!("/api/v1/tickets/{reference}/replies"), vec![])]),
        ("/api/v1/tickets/{reference}/events", vec![sample(format!("/api/v1/tickets/{reference}/events"), vec![])]),
        (
            "/api/v1/tickets/{reference}/screenshots/{id}",
            vec![sample(format!("/api/v1/tickets/{reference}/screenshots/{shot}"), vec![])],
        ),
        ("/admin/webhooks", vec![sample("/admin/webhooks", vec![("url", "x"), ("events", "ticket.created")])]),
        ("/admin/webhooks/{id}/delete", vec![sample("/admin/webhooks/nope/delete", vec![])]),
    ];

    // The table is the one source: every route that needs a role has
    // samples, and every sample names a route that exists.
    let endpoints = paydesk::web::endpoints();
    let guarded: Vec<_> = endpoints.iter().filter(|e| matches!(e.access, Access::Staff(_) | Access::Api(_))).collect();
    for e in &guarded {
        let found = samples.iter().find(|(p, _)| *p == e.path);
        assert!(found.is_some(), "{} {} needs a role: add requests for it to this test", e.method, e.path);
    }
    for (pattern, list) in &samples {
        assert!(guarded.iter().any(|e| e.path == *pattern), "{pattern} is not a guarded route of the table");
        for s in list {
            assert!(matches(pattern, &s.path), "{} is not an instance of {pattern}", s.path);
        }
    }

    let customer = app.browser();
    assert_eq!(customer.get(&tracking).await.status().as_u16(), 200, "the customer holds a working link");
    let browsers = vec![
        (Who::Anonymous, app.browser()),
        (Who::Customer, customer),
        (Who::Agent, app.staff("agent").await),
        (Who::Supervisor, app.staff("supervisor").await),
        (Who::Admin, admin),
    ];
    // API tokens: the staff get their own; the customer tries the secret
    // from their tracking link as if it were one.
    let mut conn = app.conn();
    let mut tokens =
        vec![(Who::Anonymous, String::new()), (Who::Customer, tracking.trim_start_matches("/t/").to_string())];
    for role in ["agent", "supervisor", "admin"] {
        let email = format!("{role}-api@paydesk.test");
        let id = app.add_staff(&email, role, role, &["general"]);
        let token = users::create_token(&mut conn, &id, "authz", chrono::Utc::now().naive_utc()).unwrap();
        let who = match role {
            "agent" => Who::Agent,
            "supervisor" => Who::Supervisor,
            _ => Who::Admin,
        };
        tokens.push((who, token));
    }

    for e in &guarded {
        let list = &samples.iter().find(|(p, _)| *p == e.path).unwrap().1;
        for s in list {
            let label = format!("{} {}", e.method, s.path);
            match e.access {
                Access::Staff(needs) => {
                    for (who, b) in &browsers {
                        let res = if e.method.as_str() == "GET" {
                            b.get(&s.path).await
                        } else {
                            b.post(&s.path, &s.form).await
                        };
                        let status = res.status().as_u16();
                        let location =
                            res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
                        let outcome = match (status, location.starts_with("/login")) {
                            (303, true) => "sign-in",
                            (403, _) => "forbidden",
                            // Past the role check: done, refused for its
                            // content (422, 400; 415: an upload sent as a
                            // plain form) or not found (404).
                            (200 | 303 | 400 | 404 | 415 | 422, false) => "allowed",
                            other => panic!("{label} as {who:?}: unexpected {other:?}"),
                        };
                        let expected = match who.role() {
                            None => "sign-in",
                            Some(role) if role.includes(needs) => "allowed",
                            Some(_) => "forbidden",
                        };
                        assert_eq!(outcome, expected, "{label} as {who:?}");
                    }
                }
                Access::Api(needs) => {
                    for (who, token) in &tokens {
                        let url = app.url(&s.path);
                        let req = match e.method.as_str() {
                            "GET" => app.client.get(&url),
                            "PATCH" => app.client.patch(&url).json(&serde_json::json!({ "priority": "high" })),
                            _ => app.client.post(&url).json(&serde_json::json!({ "body": "authz", "internal": true })),
                        };
                        let req = if token.is_empty() { req } else { req.bearer_auth(token) };
                        let status = req.send().await.unwrap().status().as_u16();
                        match who.role() {
                            None => assert_eq!(status, 401, "{label} as {who:?}"),
                            Some(role) if role.includes(needs) => {
                                assert!((200..300).contains(&status), "{label} as {who:?}: {status}")
                            }
                            Some(_) => assert_eq!(status, 403, "{label} as {who:?}"),
                        }
                    }
                }
                _ => unreachable!(),
            }
        }
    }
}
