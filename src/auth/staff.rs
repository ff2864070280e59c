//! Extractors for signed-in staff: `Staff` from the session cookie (pages),
//! `ApiStaff` from a Bearer token (the REST API). Every staff route takes one
//! and checks the role it needs on the server.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::HttpMessage;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::db::incidents;
use crate::db::users::{self, User};
use crate::domain::codes::{Queue, Role};
use crate::error::AppError;
use crate::web::api::ApiError;
use crate::web::{now, AppState};

/// The session cookie's name over plain HTTP (development); `__Host-`
/// prefixed when cookies are Secure (see `csrf::HOST_COOKIE`).
pub const SESSION_COOKIE: &str = "paydesk_session";
pub const HOST_SESSION_COOKIE: &str = "__Host-paydesk_session";

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The cookie that carries a session's secret (sign-in, and a password
/// change, which starts a new session).
pub fn session_cookie(secure: bool, secret: String) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(session_cookie_name(secure), secret)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish()
}

/// The session secret this request carries, if any.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    let secure = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.secure_cookies());
    req.cookie(session_cookie_name(secure)).map(|c| c.value().to_string())
}

/// A signed-in, active staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub queues: Vec<Queue>,
    /// Spike alerts waiting for a supervisor (always 0 for agents): the
    /// banner on every staff page.
    pub alerts: i64,
}

impl From<User> for Staff {
    fn from(u: User) -> Self {
        Staff { role: u.role, queues: u.queues(), id: u.id, name: u.name, email: u.email, alerts: 0 }
    }
}

impl Staff {
    pub fn is(&self, role: Role) -> bool {
        self.role.includes(role)
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already checked by the route's guard (`route_table`).
        if let Some(me) = req.extensions().get::<Staff>().cloned() {
            return Box::pin(async move { Ok(me) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = session_token(req);
        let next = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/agent".into());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no app state".into()))?;
            let Some(token) = token else { return Err(AppError::SignInRequired(next)) };
            let staff = state
                .db(move |c| {
                    let Some(mut staff) = users::session_user(c, &token, now())?.map(Staff::from) else {
                        return Ok(None);
                    };
                    if staff.is(Role::Supervisor) {
                        staff.alerts = incidents::proposed_count(c)?;
                    }
                    Ok(Some(staff))
                })
                .await?;
            staff.ok_or(AppError::SignInRequired(next))
        })
    }
}

/// A staff member calling the REST API with a personal token.
#[derive(Debug, Clone)]
pub struct ApiStaff(pub Staff);

impl FromRequest for ApiStaff {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(me) = req.extensions().get::<ApiStaff>().cloned() {
            return Box::pin(async move { Ok(me) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.headers().get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()).and_then(bearer_token);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no app state".into()))?;
            let Some(token) = token else { return Err(AppError::Unauthorized.into()) };
            // Counted per token before it is looked up: a flood of calls
            // with one token, valid or not, stops here.
            state.limits.api.check_request(&req, crate::domain::reference::hash_secret(&token))?;
            let user = state.db(move |c| Ok(users::token_user(c, &token, now())?)).await?;
            user.map(|u| ApiStaff(Staff::from(u))).ok_or_else(|| AppError::Unauthorized.into())
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header. The scheme name
/// is case-insensitive (RFC 9110 §11.1), so `bearer` works too.
fn bearer_token(value: &str) -> Option<String> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(super::bearer_token("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(super::bearer_token("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(super::bearer_token("BEARER abc").as_deref(), Some("abc"));
        assert_eq!(super::bearer_token("Basic abc"), None);
        assert_eq!(super::bearer_token("Bearer "), None);
    }
}
