//! Each staff member's settings: their password, their sessions elsewhere,
//! and personal API tokens.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::Connection;
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, CsrfToken, NoFields};
use crate::auth::{password, throttle, Staff};
use crate::db::audit::{self, Entry};
use crate::db::users::{self, ApiToken, PasswordChange};
use crate::domain::codes::Role;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::session::session_token;
use crate::web::{now, AppState};

/// The lifetimes a new token may be given, in days (0: never ends); the
/// first is the default.
pub const TOKEN_LIFETIMES: [i64; 4] = [users::TOKEN_DEFAULT_DAYS, 30, 365, 0];

#[derive(Template)]
#[template(path = "staff/settings.html")]
struct SettingsPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    tokens: Vec<ApiToken>,
    /// A token just created, shown this once.
    new_token: Option<String>,
    now: NaiveDateTime,
    /// What the last action did, shown as a notice (a message key).
    notice: Option<&'static str>,
    /// What is wrong with the password form, if it was refused.
    password_problem: String,
}

impl SettingsPage {
    fn lifetimes(&self) -> Vec<(String, String)> {
        TOKEN_LIFETIMES
            .iter()
            .map(|d| match d {
                0 => ("never".to_string(), self.lang.t("tokens-expires-never")),
                d => (d.to_string(), self.lang.t_with("tokens-expires-days", "days", d)),
            })
            .collect()
    }
}

struct Shown {
    new_token: Option<String>,
    notice: Option<&'static str>,
    password_problem: String,
}

async fn render(
    state: &AppState,
    p: PageLang,
    me: Staff,
    csrf: String,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let id = me.id.clone();
    let tokens = state.db(move |c| Ok(users::tokens(c, &id)?)).await?;
    let Shown { new_token, notice, password_problem } = shown;
    let page =
        SettingsPage { lang: p.lang, path: p.path, me, csrf, tokens, new_token, now: now(), notice, password_problem };
    crate::web::html_status(status, page)
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<ShowQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let notice = match q.done.as_deref() {
        Some("password") => Some("settings-password-changed"),
        Some("signed-out") => Some("settings-signed-out-elsewhere"),
        _ => None,
    };
    let shown = Shown { new_token: None, notice, password_problem: String::new() };
    render(&state, p, me, csrf.0, StatusCode::OK, shown).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    /// Days the token lives ("never": no end); the default when absent.
    expires: Option<String>,
}

/// The end of a token made now with the chosen lifetime (None: never).
fn token_end(choice: Option<&str>, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, AppError> {
    let days = match choice.map(str::trim) {
        None | Some("") => users::TOKEN_DEFAULT_DAYS,
        Some("never") => 0,
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| *d > 0 && TOKEN_LIFETIMES.contains(d))
            .ok_or(AppError::BadRequest("expires"))?,
    };
    Ok((days > 0).then(|| now + chrono::Duration::days(days)))
}

pub async fn create_token(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<TokenForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let name = text::clean(&form.name, text::limits::NAME, false).ok().flatten().unwrap_or_else(|| "API".to_string());
    let at = now();
    let expires = token_end(form.expires.as_deref(), at)?;
    let id = me.id.clone();
    let token = state
        .transact(move |c| {
            let token = users::create_token_until(c, &id, &name, expires, at)?;
            let after = match expires {
                Some(t) => format!("{name} (until {})", t.format("%Y-%m-%d %H:%M")),
                None => format!("{name} (no end)"),
            };
            audit::record(
                c,
                Entry { actor_id: Some(&id), action: "token_create", ticket_id: None, before: "", after: &after },
                at,
            )?;
            Ok(token)
        })
        .await?;
    // Shown in this response only; never stored or shown again.
    let shown = Shown { new_token: Some(token), notice: None, password_problem: String::new() };
    render(&state, p, me, csrf.0, StatusCode::OK, shown).await
}

pub async fn revoke_token(
    me: Staff,
    id: web::Path<String>,
    _: CsrfForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (user, token_id) = (me.id.clone(), id.into_inner());
    let revoked = state
        .transact(move |c| {
            let revoked = users::revoke_token(c, &user, &token_id, now())?;
            if revoked {
                let entry = Entry {
                    actor_id: Some(&user),
                    action: "token_revoke",
                    ticket_id: None,
                    before: &token_id,
                    after: "",
                };
                audit::record(c, entry, now())?;
            }
            Ok(revoked)
        })
        .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/settings")).finish())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

enum Checked {
    /// With the new session's secret.
    Changed(String),
    WrongCurrent,
    Wait(i64),
}

/// A staff member changes their own password: the current one is required
/// (checked under a throttle of its own, so a borrowed
/// session cannot guess it). Every session of the account ends (this
/// browser gets a new one) and its API tokens are revoked.
pub async fn change_password(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let problem = if form.new != form.confirm {
        Some("settings-password-mismatch")
    } else if !password::acceptable(&form.new) {
        Some("users-password-short")
    } else {
        None
    };
    let refuse = |p: PageLang, me: Staff, status: StatusCode, message: String| {
        let state = state.clone();
        let csrf = csrf.0.clone();
        async move {
            let shown = Shown { new_token: None, notice: None, password_problem: message };
            render(&state, p, me, csrf, status, shown).await
        }
    };
    if let Some(key) = problem {
        let message = p.lang.t(key);
        return refuse(p, me, StatusCode::UNPROCESSABLE_ENTITY, message).await;
    }
    // Its own throttle key: failed sign-ins by strangers do not keep a
    // signed-in member from changing their password, and guesses here do
    // not lock the account's sign-in.
    let (id, key) = (me.id.clone(), format!("password-change:{}", me.id));
    let (current, new) = (form.current, form.new);
    let outcome = state
        .db(move |c| {
            let now = now();
            let (failures, last) = users::begin_attempt(c, &key, now)?;
            let until = last + throttle::delay(failures, throttle::ACCOUNT_FREE_FAILURES);
            if until > now {
                users::attempt_not_made(c, &key)?;
                return Ok(Checked::Wait((until - now).num_seconds().max(1)));
            }
            let user = users::find(c, &id)?.ok_or(AppError::NotFound)?;
            if !password::verify(&current, user.password_hash.expose()) {
                users::attempt_failed(c, &key, now)?;
                return Ok(Checked::WrongCurrent);
            }
            users::attempt_not_made(c, &key)?;
            // Hashed only now: a throttled or wrong attempt costs no hash.
            let new_hash = password::hash(&new);
            // Every session ends, this one too: if its cookie is why the
            // password is changed, it must not stay good. This browser gets
            // a new session with the change.
            let session = c.transaction(|c| {
                users::change_password(c, &id, &new_hash, PasswordChange::Own { session: None }, now)?;
                users::create_session(c, &id, now)
            })?;
            Ok(Checked::Changed(session))
        })
        .await?;
    match outcome {
        Checked::Changed(session) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/settings?done=password"))
            .cookie(crate::auth::staff::session_cookie(state.config.secure_cookies(), session))
            .finish()),
        Checked::WrongCurrent => {
            let message = p.lang.t("settings-password-wrong");
            refuse(p, me, StatusCode::UNPROCESSABLE_ENTITY, message).await
        }
        Checked::Wait(secs) => {
            let message = p.lang.t_with("login-throttled", "seconds", secs);
            let mut res = refuse(p, me, StatusCode::TOO_MANY_REQUESTS, message).await?;
            if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
    }
}

/// "Sign out everywhere else": ends every session of the account but this
/// one.
pub async fn end_other_sessions(
    req: HttpRequest,
    me: Staff,
    _: CsrfForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // `Staff` came from this cookie, so it is there.
    let current = session_token(&req).ok_or_else(|| AppError::SignInRequired("/settings".into()))?;
    let id = me.id.clone();
    state.write(move |c| Ok(users::end_other_sessions(c, &id, &current, now())?)).await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/settings?done=signed-out")).finish())
}
