//! The authorisation table: every staff route × anonymous, a customer with a
//! tracking link, agent, supervisor, admin. Checked on the server, whatever
//! the pages show.

use crate::support::*;
use paydesk::db::users;

#[derive(Clone, Copy, PartialEq, PartialOrd, Debug)]
enum Who {
    Anonymous,
    Customer,
    Agent,
    Supervisor,
    Admin,
}

enum Kind {
    Page,
    Api,
}

struct Route {
    method: &'static str,
    path: String,
    kind: Kind,
    needs: Who,
    form: Vec<(&'static str, &'static str)>,
}

fn page(method: &'static str, path: String, needs: Who, form: Vec<(&'static str, &'static str)>) -> Route {
    Route { method, path, kind: Kind::Page, needs, form }
}

fn api(method: &'static str, path: String) -> Route {
    Route { method, path, kind: Kind::Api, needs: Who::Agent, form: vec![] }
}

#[tokio::test]
async fn every_staff_route_checks_the_role_on_the_server() {
    let app = spawn().await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let admin = app.staff("admin").await;
    let tickets_page = admin.text(&format!("/agent/tickets/{reference}")).await;
    let shot = tickets_page.split("/screenshots/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let users_page = admin.text("/admin/users").await;
    let user_id = users_page.split("href=\"/admin/users/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let canned_page = admin.text("/supervisor/canned").await;
    let canned_id =
        canned_page.split("action=\"/supervisor/canned/").nth(1).unwrap().split('"').next().unwrap().to_string();

    let routes = vec![
        page("GET", "/agent".into(), Who::Agent, vec![]),
        page("GET", "/agent?view=open".into(), Who::Agent, vec![]),
        page("GET", format!("/agent/tickets/{reference}"), Who::Agent, vec![]),
        page("GET", format!("/agent/tickets/{reference}/screenshots/{shot}"), Who::Agent, vec![]),
        page("POST", format!("/agent/tickets/{reference}/note"), Who::Agent, vec![("body", "authz check")]),
        page("POST", format!("/agent/tickets/{reference}/priority"), Who::Agent, vec![("priority", "high")]),
        page("GET", "/settings".into(), Who::Agent, vec![]),
        page("POST", "/settings/tokens".into(), Who::Agent, vec![("name", "t")]),
        page("GET", "/supervisor/audit".into(), Who::Supervisor, vec![]),
        page("GET", "/supervisor/canned".into(), Who::Supervisor, vec![]),
        page("POST", format!("/supervisor/canned/{canned_id}"), Who::Supervisor, vec![("title", "T"), ("body", "B")]),
        page("GET", "/supervisor/escalations".into(), Who::Supervisor, vec![]),
        page("GET", "/supervisor".into(), Who::Supervisor, vec![]),
        page("GET", "/supervisor/dashboard/cities.csv".into(), Who::Supervisor, vec![]),
        page("GET", "/supervisor/incidents".into(), Who::Supervisor, vec![]),
        page("POST", "/supervisor/incidents".into(), Who::Supervisor, vec![("title", "authz")]),
        page("POST", "/supervisor/incidents/nope/accept".into(), Who::Supervisor, vec![]),
        page("POST", "/supervisor/escalations/nope/approve".into(), Who::Supervisor, vec![]),
        page("GET", "/admin/users".into(), Who::Admin, vec![]),
        page("GET", "/admin/platforms".into(), Who::Admin, vec![]),
        page("POST", "/admin/platforms/wechat".into(), Who::Admin, vec![("contact_email", "x"), ("restricted", "on")]),
        page("GET", "/admin/routing".into(), Who::Admin, vec![]),
        page("GET", "/admin/outbox".into(), Who::Admin, vec![]),
        page("GET", format!("/admin/users/{user_id}"), Who::Admin, vec![]),
        page("POST", "/admin/users".into(), Who::Admin, vec![("email", "x"), ("name", ""), ("role", "agent")]),
        api("GET", "/api/v1/tickets".into()),
        api("GET", format!("/api/v1/tickets/{reference}")),
        api("PATCH", format!("/api/v1/tickets/{reference}")),
        api("POST", format!("/api/v1/tickets/{reference}/replies")),
    ];

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

    for route in &routes {
        match route.kind {
            Kind::Page => {
                for (who, b) in &browsers {
                    let res = if route.method == "GET" {
                        b.get(&route.path).await
                    } else {
                        b.post(&route.path, &route.form).await
                    };
                    let status = res.status().as_u16();
                    let location =
                        res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
                    let outcome = match (status, location.starts_with("/login")) {
                        (303, true) => "sign-in",
                        (403, _) => "forbidden",
                        // Past the role check: done, refused for its content
                        // (422, 400) or not found (404).
                        (200 | 303 | 400 | 404 | 422, false) => "allowed",
                        other => panic!("{} {} as {who:?}: unexpected {other:?}", route.method, route.path),
                    };
                    let expected = if *who < Who::Agent {
                        "sign-in"
                    } else if *who >= route.needs {
                        "allowed"
                    } else {
                        "forbidden"
                    };
                    assert_eq!(outcome, expected, "{} {} as {who:?}", route.method, route.path);
                }
            }
            Kind::Api => {
                for (who, token) in &tokens {
                    let url = app.url(&route.path);
                    let req = match route.method {
                        "GET" => app.client.get(&url),
                        "PATCH" => app.client.patch(&url).json(&serde_json::json!({ "priority": "high" })),
                        _ => app.client.post(&url).json(&serde_json::json!({ "body": "authz", "internal": true })),
                    };
                    let req = if token.is_empty() { req } else { req.bearer_auth(token) };
                    let status = req.send().await.unwrap().status().as_u16();
                    if *who < Who::Agent {
                        assert_eq!(status, 401, "{} {} as {who:?}", route.method, route.path);
                    } else {
                        assert!((200..300).contains(&status), "{} {} as {who:?}: {status}", route.method, route.path);
                    }
                }
            }
        }
    }
}
