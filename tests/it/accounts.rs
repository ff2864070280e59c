//! Issue 15, staff accounts: each finding replayed as the attack it was, and
//! each must now fail. Finding 2 (a password change left the account open),
//! finding 5 (anyone could lock an office out), and the weaker points of the
//! area (CSRF cookie rotation and `__Host-`, the throttle table's growth,
//! staff names without text cleaning).

use std::process::Stdio;

use diesel::prelude::*;
use paydesk::auth::throttle;
use paydesk::db::schema::{api_tokens, audit_log, login_throttles, users};
use tokio::io::AsyncWriteExt;

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");
const NEW_PASSWORD: &str = "a brand new passphrase";

async fn sign_in(app: &TestApp, email: &str, password: &str) -> (Browser, u16) {
    let b = app.browser();
    let status = b.post("/login", &[("email", email), ("password", password)]).await.status().as_u16();
    (b, status)
}

/// Creates a token on the settings page; returns it.
async fn token_from_page(b: &Browser, fields: &[(&str, &str)]) -> String {
    let page = b.post("/settings/tokens", fields).await.text().await.unwrap();
    page.split("id=\"new-token\">").nth(1).expect("the new token is shown").split('<').next().unwrap().to_string()
}

async fn api_status(app: &TestApp, token: &str) -> u16 {
    app.client.get(app.url("/api/v1/tickets")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

/// Whether a browser's session still opens staff pages.
async fn signed_in(b: &Browser) -> bool {
    let res = b.get("/agent").await;
    match res.status().as_u16() {
        200 => true,
        303 => {
            assert!(res.headers()["location"].to_str().unwrap().starts_with("/login"));
            false
        }
        other => panic!("unexpected {other}"),
    }
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    audit_log::table.filter(audit_log::action.eq(action)).count().get_result(&mut app.conn()).unwrap()
}

/// Finding 2: after an admin set a new password, the old session cookie and
/// the old API tokens still worked.
#[tokio::test]
async fn a_password_set_by_an_admin_ends_every_session_and_token() {
    let app = spawn().await;
    let id = app.add_staff("victim@paydesk.test", "Victim", "agent", &["general"]);
    let (thief, status) = sign_in(&app, "victim@paydesk.test", PASSWORD).await;
    assert_eq!(status, 303);
    let token = token_from_page(&thief, &[("name", "stolen")]).await;
    assert_eq!(api_status(&app, &token).await, 200, "the token works before");

    let admin = app.staff("admin").await;
    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("name", "Victim"),
                ("role", "agent"),
                ("queues", "general"),
                ("active", "on"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);

    assert!(!signed_in(&thief).await, "the old session cookie no longer works");
    assert_eq!(api_status(&app, &token).await, 401, "the old API token no longer works");
    assert_eq!(sign_in(&app, "victim@paydesk.test", PASSWORD).await.1, 401, "the old password");
    assert_eq!(sign_in(&app, "victim@paydesk.test", NEW_PASSWORD).await.1, 303, "the new password");
    assert_eq!(audit_count(&app, "password_change"), 1);
    // The admin was not signed out by changing someone else's password.
    assert!(signed_in(&admin).await);
}

/// Finding 2: staff could not change their own password; a change now keeps
/// this browser, ends every other session and revokes the API tokens, and
/// says so.
#[tokio::test]
async fn changing_my_own_password_ends_my_other_sessions_and_tokens() {
    let app = spawn().await;
    app.add_staff("self@paydesk.test", "Self", "agent", &["general"]);
    let (me, _) = sign_in(&app, "self@paydesk.test", PASSWORD).await;
    let (elsewhere, _) = sign_in(&app, "self@paydesk.test", PASSWORD).await;
    let token = token_from_page(&me, &[("name", "script")]).await;

    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let me = &me;
        async move { me.post("/settings/password", &[("current", current), ("new", new), ("confirm", confirm)]).await }
    };
    // Refused, with the reason, and nothing ends.
    let res = change("not my password", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("The current password is not right."));
    let res = change(PASSWORD, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("The two new passwords are not the same."));
    let res = change(PASSWORD, "short", "short").await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("at least 10 characters"));
    assert!(signed_in(&elsewhere).await && api_status(&app, &token).await == 200);

    let res = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let page = me.text(&location).await;
    assert!(page.contains("You are signed out everywhere else, and your API tokens were revoked"), "{page}");
    assert!(signed_in(&me).await, "this browser stays signed in");
    assert!(!signed_in(&elsewhere).await, "the other session ended");
    assert_eq!(api_status(&app, &token).await, 401, "the token was revoked");
    assert_eq!(sign_in(&app, "self@paydesk.test", PASSWORD).await.1, 401);
    assert_eq!(sign_in(&app, "self@paydesk.test", NEW_PASSWORD).await.1, 303);
    assert_eq!(audit_count(&app, "password_change"), 1);
    // In Chinese too.
    let zh = me.client.get(me.url(&location)).header("Accept-Language", "zh-CN").send().await.unwrap();
    assert!(zh.text().await.unwrap().contains("您的 API 令牌已被吊销"));
}

/// Wrong current passwords on the settings page are throttled like sign-ins
/// (on a count of their own): a borrowed session cannot guess the password
/// there.
#[tokio::test]
async fn the_current_password_cannot_be_guessed_on_the_settings_page() {
    let app = spawn().await;
    app.add_staff("guess@paydesk.test", "Guess", "agent", &["general"]);
    let (b, _) = sign_in(&app, "guess@paydesk.test", PASSWORD).await;
    for i in 0..throttle::ACCOUNT_FREE_FAILURES {
        let guess = format!("guess number {i}");
        let res = b
            .post("/settings/password", &[("current", &guess), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)])
            .await;
        assert_eq!(res.status().as_u16(), 422);
    }
    let res =
        b.post("/settings/password", &[("current", PASSWORD), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let user = paydesk::db::users::find_by_email(&mut app.conn(), "guess@paydesk.test").unwrap().unwrap();
    assert!(paydesk::auth::password::verify(PASSWORD, user.password_hash.expose()), "unchanged");
}

/// Finding 2: there was no way to sign out a session left open elsewhere.
#[tokio::test]
async fn sign_out_everywhere_else_ends_the_other_sessions() {
    let app = spawn().await;
    app.add_staff("roam@paydesk.test", "Roam", "agent", &["general"]);
    let (me, _) = sign_in(&app, "roam@paydesk.test", PASSWORD).await;
    let (other, _) = sign_in(&app, "roam@paydesk.test", PASSWORD).await;
    let (third, _) = sign_in(&app, "roam@paydesk.test", PASSWORD).await;
    let token = token_from_page(&me, &[("name", "kept")]).await;
    let res = me.post("/settings/sessions/end-others", &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let page = me.text(res.headers()["location"].to_str().unwrap()).await;
    assert!(page.contains("You are signed out everywhere else."));
    assert!(signed_in(&me).await);
    assert!(!signed_in(&other).await && !signed_in(&third).await);
    assert_eq!(api_status(&app, &token).await, 200, "tokens are not sessions: they stay");
    assert_eq!(audit_count(&app, "sign_out_elsewhere"), 1);
    // Without the form's CSRF field it does nothing.
    let (again, _) = sign_in(&app, "roam@paydesk.test", PASSWORD).await;
    let forged = me.client.post(me.url("/settings/sessions/end-others")).form(&[("csrf", "forged")]).send().await;
    assert_eq!(forged.unwrap().status().as_u16(), 403);
    assert!(signed_in(&again).await);
}

/// Finding 2, for operators: `paydesk user set-password`.
#[tokio::test]
async fn the_command_line_sets_a_password_and_ends_every_session_and_token() {
    let app = spawn().await;
    let id = app.add_staff("ops@paydesk.test", "Ops", "admin", &["general"]);
    let (b, _) = sign_in(&app, "ops@paydesk.test", PASSWORD).await;
    let token = paydesk::db::users::create_token(&mut app.conn(), &id, "cli", chrono::Utc::now().naive_utc()).unwrap();
    assert_eq!(api_status(&app, &token).await, 200);

    let run = |email: &'static str, password: &'static str| {
        let url = app.db.url();
        async move {
            let mut child = tokio::process::Command::new(BIN)
                .args(["user", "set-password", "--email", email, "--password-stdin"])
                .env("DATABASE_URL", url)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).await.unwrap();
            child.wait_with_output().await.unwrap()
        }
    };
    let out = run("ops@paydesk.test", "short").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
    let out = run("nobody@paydesk.test", NEW_PASSWORD).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with that email"));
    assert!(signed_in(&b).await, "refused changes end nothing");

    let out = run("OPS@paydesk.test", NEW_PASSWORD).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("1 sessions ended, 1 API tokens revoked"), "{said}");
    assert!(!signed_in(&b).await);
    assert_eq!(api_status(&app, &token).await, 401);
    assert_eq!(sign_in(&app, "ops@paydesk.test", PASSWORD).await.1, 401);
    assert_eq!(sign_in(&app, "ops@paydesk.test", NEW_PASSWORD).await.1, 303);
    assert_eq!(audit_count(&app, "password_change"), 1);
}

/// Finding 2: API tokens never expired. They now end (90 days unless
/// chosen otherwise), the settings page says when, and an expired one is
/// refused like a revoked one.
#[tokio::test]
async fn api_tokens_expire() {
    let app = spawn().await;
    let b = app.staff("agent").await;
    let page = b.text("/settings").await;
    assert!(page.contains("<option value=\"90\">after 90 days</option>"), "90 days comes first: {page}");
    assert!(page.contains("<option value=\"never\">never</option>"));

    let default = token_from_page(&b, &[("name", "default")]).await;
    let month = token_from_page(&b, &[("name", "month"), ("expires", "30")]).await;
    let forever = token_from_page(&b, &[("name", "forever"), ("expires", "never")]).await;
    let refused = b.post("/settings/tokens", &[("name", "odd"), ("expires", "7")]).await;
    assert_eq!(refused.status().as_u16(), 400, "only the offered lifetimes");
    let ends = |name: &str| -> (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>) {
        api_tokens::table
            .filter(api_tokens::name.eq(name))
            .select((api_tokens::created_at, api_tokens::expires_at))
            .first(&mut app.conn())
            .unwrap()
    };
    let (created, end) = ends("default");
    assert_eq!(end, Some(created + chrono::Duration::days(90)));
    let (created, end) = ends("month");
    assert_eq!(end, Some(created + chrono::Duration::days(30)));
    assert_eq!(ends("forever").1, None);
    for t in [&default, &month, &forever] {
        assert_eq!(api_status(&app, t).await, 200);
    }
    // The page shows each end and when each was last used.
    let page = b.text("/settings").await;
    assert_eq!(page.matches("class=\"token-expires\"").count(), 3);
    assert!(!page.contains("tokens-last-used") && page.contains("Last used"));

    // Time passes for the month token.
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    diesel::update(api_tokens::table.filter(api_tokens::name.eq("month")))
        .set(api_tokens::expires_at.eq(Some(past)))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(api_status(&app, &month).await, 401, "expired: refused like a revoked token");
    assert_eq!(api_status(&app, &forever).await, 200);
    assert_eq!(api_status(&app, &default).await, 200);
    assert!(b.text("/settings").await.contains(">expired</span>"));
}

/// A browser of its own, without a cookie jar: what it sends is exactly the
/// `cookies` given.
struct Raw {
    client: reqwest::Client,
    base: String,
}

impl Raw {
    fn new(app: &TestApp) -> Raw {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Raw { client, base: app.base.clone() }
    }

    async fn get(&self, path: &str, cookies: &str) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if !cookies.is_empty() {
            req = req.header("Cookie", cookies);
        }
        req.send().await.unwrap()
    }

    async fn sign_in(&self, cookies: &str, csrf: &str, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/login", self.base))
            .header("Cookie", cookies)
            .form(&[("email", email), ("password", password), ("csrf", csrf)])
            .send()
            .await
            .unwrap()
    }
}

/// Every `Set-Cookie` of an answer, whole.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_string()).collect()
}

/// The value a `Set-Cookie` of that name sets, with the whole header.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<(String, String)> {
    set_cookies(res).into_iter().find_map(|c| {
        let value = c.strip_prefix(&format!("{name}="))?.split(';').next()?.to_string();
        Some((value, c))
    })
}

/// Finding 5: twenty failures from one address (an office behind one NAT)
/// locked every account signing in from it, right passwords included.
#[tokio::test]
async fn failures_from_a_shared_address_do_not_lock_out_a_known_browser() {
    let app = spawn().await;
    app.add_staff("alice@paydesk.test", "Alice", "agent", &["general"]);
    app.add_staff("bob@paydesk.test", "Bob", "agent", &["general"]);
    // Alice signed in on this browser before, and signed out.
    let (alice, status) = sign_in(&app, "alice@paydesk.test", PASSWORD).await;
    assert_eq!(status, 303);
    assert_eq!(alice.post("/logout", &[]).await.status().as_u16(), 303);

    // Someone in the same office (every test client has the same address)
    // guesses Alice's password, then sprays other accounts.
    let attacker = app.browser();
    for i in 0..throttle::ACCOUNT_FREE_FAILURES {
        let guess = format!("guess {i} for alice");
        let res = attacker.post("/login", &[("email", "alice@paydesk.test"), ("password", &guess)]).await;
        assert_eq!(res.status().as_u16(), 401);
    }
    for i in throttle::ACCOUNT_FREE_FAILURES..throttle::ADDRESS_FREE_FAILURES {
        let email = format!("spray{i}@paydesk.test");
        let res = attacker.post("/login", &[("email", &email), ("password", "password123")]).await;
        assert_eq!(res.status().as_u16(), 401, "{email}");
    }
    // Untrusted browsers are held back, per account and per address: the
    // attacker, Bob on a new browser, Alice on a new browser.
    assert_eq!(sign_in(&app, "alice@paydesk.test", PASSWORD).await.1, 429);
    assert_eq!(sign_in(&app, "bob@paydesk.test", PASSWORD).await.1, 429);
    // Alice's own browser carries her device cookie: she gets in.
    let res = alice.post("/login", &[("email", "alice@paydesk.test"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 303, "the known browser is not held back");
    assert!(signed_in(&alice).await);
    // Her cookie is hers alone: Bob on her browser is held back.
    assert_eq!(alice.post("/login", &[("email", "bob@paydesk.test"), ("password", PASSWORD)]).await.status(), 429);

    // A forged or tampered device cookie counts for nothing.
    let raw = Raw::new(&app);
    let first = raw.get("/login", "").await;
    let (csrf, _) = set_cookie(&first, "paydesk_csrf").unwrap();
    for device in ["forged.00", "abc.0000000000000000000000000000000000000000000000000000000000000000", "x"] {
        let cookies = format!("paydesk_csrf={csrf}; paydesk_device={device}");
        let res = raw.sign_in(&cookies, &csrf, "alice@paydesk.test", PASSWORD).await;
        assert_eq!(res.status().as_u16(), 429, "{device}");
    }

    // A device is limited like an account: a stolen device cookie gets no
    // more guesses than the account would.
    assert_eq!(alice.post("/logout", &[]).await.status().as_u16(), 303);
    for i in 0..throttle::ACCOUNT_FREE_FAILURES {
        let guess = format!("device guess {i}");
        let res = alice.post("/login", &[("email", "alice@paydesk.test"), ("password", &guess)]).await;
        assert_eq!(res.status().as_u16(), 401, "checked, on the device's own count");
    }
    let res = alice.post("/login", &[("email", "alice@paydesk.test"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 429);
}

/// Weaker point: the CSRF token was the same before and after sign-in, so
/// one planted or read before it stayed good for the signed-in session.
#[tokio::test]
async fn the_csrf_token_is_new_after_sign_in() {
    let app = spawn().await;
    app.add_staff("rotate@paydesk.test", "Rotate", "agent", &["general"]);
    let b = app.browser();
    let before = b.csrf().await;
    let res = b
        .client
        .post(b.url("/login"))
        .form(&[("email", "rotate@paydesk.test"), ("password", PASSWORD), ("csrf", before.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (rotated, header) = set_cookie(&res, "paydesk_csrf").expect("a new CSRF cookie at sign-in");
    assert_ne!(rotated, before);
    assert!(header.contains("HttpOnly") && header.contains("Path=/"), "{header}");
    // The page after the redirect carries the new token…
    let page = b.text("/settings").await;
    // (masked afresh for each page: see auth::csrf)
    let shown = hidden_value(&page, "csrf").unwrap();
    assert_eq!(paydesk::auth::csrf::unmask(&shown).as_deref(), Some(rotated.as_str()));
    // …and the old one no longer passes.
    let stale = b.client.post(b.url("/settings/tokens")).form(&[("name", "x"), ("csrf", before.as_str())]).send().await;
    assert_eq!(stale.unwrap().status().as_u16(), 403);
    let fresh =
        b.client.post(b.url("/settings/tokens")).form(&[("name", "x"), ("csrf", rotated.as_str())]).send().await;
    assert_eq!(fresh.unwrap().status().as_u16(), 200);
}

/// Weaker point: with Secure cookies the CSRF and session cookies carry the
/// `__Host-` prefix (Secure, Path=/, no Domain), so a sibling subdomain or
/// a plain-HTTP answer cannot plant them.
#[tokio::test]
async fn secure_cookies_carry_the_host_prefix() {
    let app = spawn_with(|c| c.secure_cookies_setting = Some(true)).await;
    app.add_staff("host@paydesk.test", "Host", "agent", &["general"]);
    let raw = Raw::new(&app);
    let first = raw.get("/login", "").await;
    let (csrf, header) = set_cookie(&first, "__Host-paydesk_csrf").expect("the CSRF cookie is __Host-");
    assert!(set_cookie(&first, "paydesk_csrf").is_none());
    let host_prefixed = |h: &str| h.contains("Secure") && h.contains("Path=/") && !h.to_lowercase().contains("domain=");
    assert!(host_prefixed(&header), "{header}");

    // The cookie under its plain-HTTP name is ignored: a form checked
    // against it fails.
    let planted = raw.sign_in("paydesk_csrf=planted", "planted", "host@paydesk.test", PASSWORD).await;
    assert_eq!(planted.status().as_u16(), 403);

    let res = raw.sign_in(&format!("__Host-paydesk_csrf={csrf}"), &csrf, "host@paydesk.test", PASSWORD).await;
    assert_eq!(res.status().as_u16(), 303);
    let (session, header) = set_cookie(&res, "__Host-paydesk_session").expect("the session cookie is __Host-");
    assert!(host_prefixed(&header) && header.contains("HttpOnly"), "{header}");
    let (_, header) = set_cookie(&res, "__Host-paydesk_device").expect("the device cookie is __Host-");
    assert!(host_prefixed(&header), "{header}");
    let (rotated, header) = set_cookie(&res, "__Host-paydesk_csrf").expect("a new CSRF cookie");
    assert!(host_prefixed(&header) && rotated != csrf, "{header}");

    let page = raw.get("/settings", &format!("__Host-paydesk_session={session}; __Host-paydesk_csrf={rotated}")).await;
    assert_eq!(page.status().as_u16(), 200);
    let shown = hidden_value(&page.text().await.unwrap(), "csrf").unwrap();
    assert_eq!(paydesk::auth::csrf::unmask(&shown).as_deref(), Some(rotated.as_str()));
    // The same session under the plain name opens nothing.
    assert_eq!(raw.get("/settings", &format!("paydesk_session={session}")).await.status().as_u16(), 303);
}

/// Weaker point: `login_throttles` kept a row for every email ever tried.
/// The worker's sweep now deletes those whose last failure is forgiven.
#[tokio::test]
async fn forgiven_sign_in_failures_are_deleted() {
    let app = spawn_with(|c| c.sweep_secs = 1).await;
    let b = app.browser();
    for email in ["old1@paydesk.test", "old2@paydesk.test", "recent@paydesk.test"] {
        let res = b.post("/login", &[("email", email), ("password", "wrong password")]).await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let keys = |app: &TestApp| -> Vec<String> {
        login_throttles::table.select(login_throttles::key).order(login_throttles::key).load(&mut app.conn()).unwrap()
    };
    assert!(keys(&app).contains(&"account:old1@paydesk.test".to_string()));
    // An hour and a bit ago: forgiven already.
    let old = chrono::Utc::now().naive_utc() - throttle::FORGET_AFTER - chrono::Duration::minutes(5);
    diesel::update(login_throttles::table.filter(login_throttles::key.like("account:old%")))
        .set(login_throttles::last_failure_at.eq(old))
        .execute(&mut app.conn())
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = keys(&app);
        if !now.iter().any(|k| k.starts_with("account:old")) {
            assert!(now.contains(&"account:recent@paydesk.test".to_string()), "{now:?}");
            assert!(now.iter().any(|k| k.starts_with("address:")), "{now:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "old rows still there: {now:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Weaker point: staff names kept control and bidi characters (a name that
/// reads as another in the audit log and the assignment menus).
#[tokio::test]
async fn staff_names_are_cleaned_like_customer_text() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let add = |name: String| {
        let admin = &admin;
        async move {
            admin
                .post(
                    "/admin/users",
                    &[
                        ("email", "newcomer@paydesk.test"),
                        ("name", &name),
                        ("role", "agent"),
                        ("queues", "general"),
                        ("password", PASSWORD),
                    ],
                )
                .await
        }
    };
    for (name, says) in [
        ("Eve\u{202E}nimdA", "may not contain control or text-direction characters"),
        ("Eve\u{2066}x", "may not contain control or text-direction characters"),
        ("Eve\u{0007}", "may not contain control or text-direction characters"),
        ("Eve\u{0000}x", "may not contain control or text-direction characters"),
        (&"长".repeat(81), "at most 80 characters"),
    ] {
        let res = add(name.to_string()).await;
        assert_eq!(res.status().as_u16(), 422, "{name:?}");
        assert!(res.text().await.unwrap().contains(says), "{name:?}");
    }
    let none: i64 =
        users::table.filter(users::email.eq("newcomer@paydesk.test")).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(none, 0, "nothing was created");
    let res = add("  Newcomer 新人  ".to_string()).await;
    assert_eq!(res.status().as_u16(), 303);

    // Editing: refused the same way, the name unchanged.
    let id = app.add_staff("edited@paydesk.test", "Edited", "agent", &["general"]);
    let res = admin
        .post(&format!("/admin/users/{id}"), &[("name", "Edi\u{202E}ted"), ("role", "agent"), ("active", "on")])
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let name: String = users::table.find(&id).select(users::name).first(&mut app.conn()).unwrap();
    assert_eq!(name, "Edited");

    // The command line too.
    let out = tokio::process::Command::new(BIN)
        .args(["user", "add", "--email", "cli-eve@paydesk.test", "--name", "Eve\u{202E}nimdA", "--role", "admin"])
        .arg("--password-stdin")
        .env("DATABASE_URL", app.db.url())
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("control or bidirectional-override characters"));
    assert!(paydesk::db::users::find_by_email(&mut app.conn(), "cli-eve@paydesk.test").unwrap().is_none());
}

/// Review of finding 2: the session that changed the password stayed good,
/// so a stolen cookie — often the reason for the change — kept working.
/// It now ends too, and the browser that made the change gets a new one.
#[tokio::test]
async fn changing_my_password_replaces_this_session_too() {
    let app = spawn().await;
    app.add_staff("replace@paydesk.test", "Replace", "agent", &["general"]);
    let raw = Raw::new(&app);
    let first = raw.get("/login", "").await;
    let (csrf, _) = set_cookie(&first, "paydesk_csrf").unwrap();
    let res = raw.sign_in(&format!("paydesk_csrf={csrf}"), &csrf, "replace@paydesk.test", PASSWORD).await;
    assert_eq!(res.status().as_u16(), 303);
    let (old, _) = set_cookie(&res, "paydesk_session").unwrap();
    let (csrf, _) = set_cookie(&res, "paydesk_csrf").unwrap();
    let cookies = format!("paydesk_session={old}; paydesk_csrf={csrf}");
    assert_eq!(raw.get("/agent", &cookies).await.status().as_u16(), 200);

    let res = raw
        .client
        .post(format!("{}/settings/password", raw.base))
        .header("Cookie", &cookies)
        .form(&[("current", PASSWORD), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (new, _) = set_cookie(&res, "paydesk_session").expect("a new session for this browser");
    assert_ne!(new, old);
    assert_eq!(raw.get("/agent", &cookies).await.status().as_u16(), 303, "the old cookie opens nothing");
    let fresh = format!("paydesk_session={new}; paydesk_csrf={csrf}");
    assert_eq!(raw.get("/agent", &fresh).await.status().as_u16(), 200);
}

/// Review of finding 2: wrong passwords typed by strangers on the sign-in
/// page kept a signed-in member from changing their password (one shared
/// count), just while they were under attack.
#[tokio::test]
async fn strangers_failing_to_sign_in_do_not_block_a_password_change() {
    let app = spawn().await;
    app.add_staff("target@paydesk.test", "Target", "agent", &["general"]);
    let (me, _) = sign_in(&app, "target@paydesk.test", PASSWORD).await;
    let stranger = app.browser();
    for i in 0..throttle::ACCOUNT_FREE_FAILURES + 2 {
        let guess = format!("stranger guess {i}");
        let res = stranger.post("/login", &[("email", "target@paydesk.test"), ("password", &guess)]).await;
        assert!([401, 429].contains(&res.status().as_u16()));
    }
    assert_eq!(sign_in(&app, "target@paydesk.test", PASSWORD).await.1, 429, "new browsers are held back");
    let res =
        me.post("/settings/password", &[("current", PASSWORD), ("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 303, "the member can still change it");
}

/// Review of finding 5: the per-address request limit ran before the
/// device cookie was looked at, so one neighbour sending sign-ins kept a
/// known browser out all the same. And a device cookie outlived a password
/// change: whoever signed in with the old password kept trusted browsers.
#[tokio::test]
async fn a_known_browser_passes_the_address_limit_until_the_password_changes() {
    let app = spawn_with(|c| c.sign_in_per_minute = 3).await;
    app.add_staff("carol@paydesk.test", "Carol", "agent", &["general"]);
    let (carol, status) = sign_in(&app, "carol@paydesk.test", PASSWORD).await;
    assert_eq!(status, 303);
    assert_eq!(carol.post("/logout", &[]).await.status().as_u16(), 303);

    // A neighbour behind the same address uses up the address's requests.
    let neighbour = app.browser();
    let mut limited = false;
    for i in 0..6 {
        let email = format!("n{i}@paydesk.test");
        let res = neighbour.post("/login", &[("email", &email), ("password", "password123")]).await;
        limited |= res.status().as_u16() == 429;
    }
    assert!(limited, "the address is limited");
    assert_eq!(sign_in(&app, "carol@paydesk.test", PASSWORD).await.1, 429, "a new browser waits");
    let res = carol.post("/login", &[("email", "carol@paydesk.test"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 303, "Carol's known browser does not");
    // A forged device cookie buys nothing.
    let raw = Raw::new(&app);
    let first = raw.get("/login", "").await;
    let (csrf, _) = set_cookie(&first, "paydesk_csrf").unwrap();
    let cookies = format!("paydesk_csrf={csrf}; paydesk_device=forged.1.00");
    assert_eq!(raw.sign_in(&cookies, &csrf, "carol@paydesk.test", PASSWORD).await.status().as_u16(), 429);

    // Her password changes (an admin, from the command line's function):
    // the browser's device cookie is no longer trusted.
    let hash = paydesk::auth::password::hash(NEW_PASSWORD);
    let user = paydesk::db::users::find_by_email(&mut app.conn(), "carol@paydesk.test").unwrap().unwrap();
    let by = paydesk::db::users::PasswordChange::CommandLine;
    paydesk::db::users::change_password(&mut app.conn(), &user.id, &hash, by, chrono::Utc::now().naive_utc()).unwrap();
    let res = carol.post("/login", &[("email", "carol@paydesk.test"), ("password", NEW_PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 429, "after a password change the browser is a stranger again");
}
