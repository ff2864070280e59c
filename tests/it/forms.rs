//! Staff forms are read into typed structs through one extractor that checks
//! CSRF first: an unknown code is refused (never dropped), and a form
//! without its CSRF field is a 403, whatever else it carries.

use crate::support::*;

fn user_by_email(app: &TestApp, email: &str) -> Option<paydesk::db::users::User> {
    paydesk::db::users::list(&mut app.conn()).unwrap().into_iter().find(|u| u.email == email)
}

#[tokio::test]
async fn unknown_codes_in_the_user_form_are_refused_and_nothing_is_stored() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let base = [("name", "New Agent"), ("password", PASSWORD)];
    for (email, bad) in [("role@paydesk.test", ("role", "overlord")), ("queue@paydesk.test", ("queues", "nowhere"))] {
        let mut fields = base.to_vec();
        fields.push(("email", email));
        if bad.0 == "queues" {
            fields.push(("role", "agent"));
            fields.push(("queues", "general"));
        }
        fields.push(bad);
        let res = admin.post("/admin/users", &fields).await;
        assert_eq!(res.status().as_u16(), 400, "{bad:?}");
        assert!(user_by_email(&app, email).is_none(), "{bad:?}: nothing stored");
    }

    // Editing: an unknown queue among good ones changes nothing at all.
    let id = app.add_staff("kept@paydesk.test", "Kept", "agent", &["general"]);
    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[("name", "Renamed"), ("role", "supervisor"), ("queues", "refunds"), ("queues", "nowhere")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
    let kept = user_by_email(&app, "kept@paydesk.test").unwrap();
    assert_eq!(
        (kept.name.as_str(), kept.role.as_str(), kept.queues.to_string().as_str()),
        ("Kept", "agent", "general")
    );

    // The same edit with known codes is stored, every queue kept.
    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[("name", "Renamed"), ("role", "supervisor"), ("queues", "refunds"), ("queues", "general")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let saved = user_by_email(&app, "kept@paydesk.test").unwrap();
    assert_eq!(saved.name, "Renamed");
    assert_eq!(saved.role.as_str(), "supervisor");
    let mut queues: Vec<_> = saved.queues().iter().map(|q| q.as_str()).collect();
    queues.sort();
    assert_eq!(queues, ["general", "refunds"]);
}

#[tokio::test]
async fn an_unknown_payment_scenario_is_refused() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let page = admin.text("/admin/platforms").await;
    let code = page.split("action=\"/admin/platforms/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let res = admin
        .post(
            &format!("/admin/platforms/{code}"),
            &[("contact_email", "ops@platform.test"), ("restricted", "on"), ("scenarios", "nonsense")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
}

/// Posts `fields` from a signed-in browser without the CSRF field.
async fn post_without_csrf(b: &Browser, path: &str, fields: &[(&str, &str)]) -> u16 {
    b.client.post(b.url(path)).form(fields).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn staff_forms_without_the_csrf_field_are_refused() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let supervisor = app.staff("supervisor").await;
    let new_user = [("email", "x@paydesk.test"), ("name", "X"), ("role", "agent"), ("password", PASSWORD)];
    assert_eq!(post_without_csrf(&admin, "/admin/users", &new_user).await, 403);
    assert!(user_by_email(&app, "x@paydesk.test").is_none());
    // Even a form whose codes are wrong too: CSRF is checked first.
    let bad = [("email", "y@paydesk.test"), ("name", "Y"), ("role", "overlord")];
    assert_eq!(post_without_csrf(&admin, "/admin/users", &bad).await, 403);
    let id = app.add_staff("z@paydesk.test", "Zed", "agent", &["general"]);
    assert_eq!(
        post_without_csrf(&admin, &format!("/admin/users/{id}"), &[("name", "Changed"), ("role", "admin")]).await,
        403
    );
    assert_eq!(user_by_email(&app, "z@paydesk.test").unwrap().name, "Zed");
    assert_eq!(post_without_csrf(&admin, "/settings/tokens", &[("name", "script")]).await, 403);
    assert!(!admin.text("/settings").await.contains("<td>script</td>"), "no token named script");
    let pw = [("current", PASSWORD), ("new", "another long password"), ("confirm", "another long password")];
    assert_eq!(post_without_csrf(&admin, "/settings/password", &pw).await, 403);
    assert_eq!(post_without_csrf(&admin, "/settings/sessions/end-others", &[]).await, 403);
    assert_eq!(post_without_csrf(&admin, "/admin/outbox/nothing/retry", &[]).await, 403);
    assert_eq!(post_without_csrf(&supervisor, "/supervisor/canned/x", &[("title", "T"), ("body", "B")]).await, 403);
    // Signing out without the field does not sign out.
    assert_eq!(post_without_csrf(&admin, "/logout", &[]).await, 403);
    assert_eq!(admin.get("/admin/users").await.status().as_u16(), 200, "still signed in");
    let fresh = app.browser();
    let _ = fresh.csrf().await;
    assert_eq!(post_without_csrf(&fresh, "/login", &[("email", "z@paydesk.test"), ("password", PASSWORD)]).await, 403);
}
