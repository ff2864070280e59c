//! Staff sign-in and sign-out. Failed sign-ins are throttled per account and
//! per client address — except for a browser that signed in to the account
//! before (a device cookie, `auth::device`), counted on its own — and no
//! answer tells whether an account exists.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf::{self, CsrfForm, CsrfToken, NoFields};
use crate::auth::staff::session_cookie_name;
use crate::auth::{device, password, throttle};
use crate::db::audit::{self, Entry};
use crate::db::users;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::redirect::local_target;
use crate::web::session::session_token;
use crate::web::{now, AppState};

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    lang: Lang,
    path: String,
    csrf: String,
    next: String,
    email: String,
    message: String,
    signed_out: bool,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

pub async fn form(page: PageLang, csrf: CsrfToken, q: web::Query<LoginQuery>) -> Result<HttpResponse, AppError> {
    let next = local_target(q.next.as_deref(), "/agent");
    crate::web::html(LoginPage {
        lang: page.lang,
        path: page.path,
        csrf: csrf.0,
        next,
        email: String::new(),
        message: String::new(),
        signed_out: q.signed_out.is_some(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

enum Outcome {
    /// Signed in: the session's secret and the browser's new device cookie.
    Ok {
        session: String,
        device: String,
    },
    Wrong,
    Wait(i64),
}

pub async fn submit(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<LoginForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let client = crate::web::rate_limit::client_address(&req, &state.config);
    let secure = state.config.secure_cookies();
    let device_cookie = req.cookie(device::cookie_name(secure)).map(|c| c.value().to_string());
    // The per-address limit is checked before anything else, except for a
    // browser that says it is trusted: whether it is, is checked first, so
    // a neighbour behind the same address cannot hold it back (below).
    if device_cookie.is_none() {
        state.limits.sign_in.check(client).await?;
    }
    let limits = state.limits.clone();
    let email = users::normalize_email(&form.email);
    let address = client.to_string();
    let (account_key, address_key) = (format!("account:{email}"), format!("address:{address}"));
    let password_typed = form.password.clone();
    let email_for_db = email.clone();

    // On the readers' pool: the password check (argon2, tens of
    // milliseconds) must not hold the SQLite writers' connection; the few
    // small writes here wait for the lock instead.
    let outcome = state
        .db(move |c| {
            let now = now();
            let key = users::server_secret(c, device::SECRET, now)?;
            // A browser that signed in to this account before (a valid
            // device cookie) is counted on its own: failures others caused
            // from the same address or on the same account do not hold it
            // back. Any other attempt counts per account and per address.
            let user = users::find_by_email(c, &email_for_db)?.filter(|u| u.active);
            let trusted = match (&device_cookie, &user) {
                (Some(d), Some(u)) => device::verify(key.expose(), &email_for_db, u.password_hash.expose(), d, now),
                _ => None,
            };
            if trusted.is_none() && device_cookie.is_some() {
                limits.sign_in.check_on(c, client)?;
            }
            let keys: Vec<(String, i32)> = match &trusted {
                Some(nonce) => vec![(device::throttle_key(nonce), throttle::ACCOUNT_FREE_FAILURES)],
                None => vec![
                    (account_key.clone(), throttle::ACCOUNT_FREE_FAILURES),
                    (address_key.clone(), throttle::ADDRESS_FREE_FAILURES),
                ],
            };
            // Each attempt is counted before its password is checked, so
            // attempts sent at once cannot all slip under the limit.
            // Waiting applies whether or not the account exists. The keys
            // are counted one after another, the next only once the one
            // before let the attempt through: an attempt held back on the
            // account never touches the address's count, so a burst on one
            // account cannot briefly fill the address's allowance and hold
            // back the account's own free attempts.
            for (i, (key, free)) in keys.iter().enumerate() {
                let (failures, last) = users::begin_attempt(c, key, now)?;
                let until = last + throttle::delay(failures, *free);
                if until > now {
                    for (counted, _) in &keys[..=i] {
                        users::attempt_not_made(c, counted)?;
                    }
                    return Ok(Outcome::Wait((until - now).num_seconds().max(1)));
                }
            }
            let ok = match &user {
                Some(u) => password::verify(&password_typed, u.password_hash.expose()),
                None => {
                    password::verify_nothing(&password_typed);
                    false
                }
            };
            match user.filter(|_| ok) {
                Some(u) => {
                    match &trusted {
                        Some(_) => users::clear_failures(c, &keys[0].0)?,
                        None => {
                            users::clear_failures(c, &account_key)?;
                            users::attempt_not_made(c, &address_key)?;
                        }
                    }
                    let session = users::create_session(c, &u.id, now)?;
                    let entry =
                        Entry { actor_id: Some(&u.id), action: "sign_in", ticket_id: None, before: "", after: "" };
                    audit::record(c, entry, now)?;
                    // A fresh device cookie at each success (a new nonce,
                    // so a device's count starts again).
                    Ok(Outcome::Ok {
                        session,
                        device: device::issue(key.expose(), &email_for_db, u.password_hash.expose(), now),
                    })
                }
                None => {
                    for (key, _) in &keys {
                        users::attempt_failed(c, key, now)?;
                    }
                    Ok(Outcome::Wrong)
                }
            }
        })
        .await?;

    let next = local_target(form.next.as_deref(), "/agent");
    let (status, message, retry_after) = match outcome {
        Outcome::Ok { session, device } => {
            let cookie = crate::auth::staff::session_cookie(secure, session);
            let device = Cookie::build(device::cookie_name(secure), device)
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                .max_age(actix_web::cookie::time::Duration::days(device::LIFETIME_DAYS))
                .finish();
            // A new CSRF token with the new session: one planted or read
            // before sign-in is worth nothing after it.
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .cookie(cookie)
                .cookie(device)
                .cookie(csrf::cookie(csrf::new_token(), secure))
                .finish());
        }
        Outcome::Wrong => (StatusCode::UNAUTHORIZED, page.lang.t("login-failed"), None),
        Outcome::Wait(secs) => {
            (StatusCode::TOO_MANY_REQUESTS, page.lang.t_with("login-throttled", "seconds", secs), Some(secs))
        }
    };
    let body = LoginPage {
        lang: page.lang,
        path: page.path,
        csrf: csrf.0,
        next,
        email: form.email,
        message,
        signed_out: false,
    }
    .render()?;
    let mut res = HttpResponse::build(status);
    if let Some(secs) = retry_after {
        res.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    Ok(res.content_type("text/html; charset=utf-8").body(body))
}

pub async fn logout(
    req: HttpRequest,
    _: CsrfForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(token) = session_token(&req) {
        state.write(move |c| Ok(users::end_session(c, &token)?)).await?;
    }
    let secure = state.config.secure_cookies();
    let mut gone = Cookie::build(session_cookie_name(secure), "").path("/").secure(secure).finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/login?signed_out=1")).cookie(gone).finish())
}
