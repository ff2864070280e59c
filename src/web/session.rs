//! Who is asking, read from the request: every visitor's CSRF cookie (the
//! layer; the token's rules are `auth::csrf`), and signed-in staff, `Staff`
//! from the session cookie (pages) and `ApiStaff` from a Bearer token (the
//! REST API). Every staff route takes one and checks the role it needs on
//! the server. These need the app's state, so they live here, above `auth`.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::api::ApiError;
use super::{now, AppState};
use crate::auth::csrf::{cookie, cookie_name, new_token, well_formed, CsrfToken};
use crate::auth::staff::session_cookie_name;
use crate::auth::{ApiStaff, Staff};
use crate::db::incidents;
use crate::db::users::{self, User};
use crate::domain::codes::Role;
use crate::error::AppError;

/// Gives every visitor a CSRF cookie and makes the token available to
/// handlers.
pub async fn csrf_layer(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let secure = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.secure_cookies());
    let existing = req.cookie(cookie_name(secure)).map(|c| c.value().to_string()).filter(|t| well_formed(t));
    let fresh = existing.is_none();
    let token = existing.unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.call(req).await?;
    // A handler that set its own (sign-in rotates the token) wins.
    let rotated = res.response().cookies().any(|c| c.name() == cookie_name(secure));
    if fresh && !rotated {
        // A response that failed to take the cookie still works: the next
        // page view sets it.
        let _ = res.response_mut().add_cookie(&cookie(token, secure));
    }
    Ok(res)
}

/// The session secret this request carries, if any.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    let secure = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.secure_cookies());
    req.cookie(session_cookie_name(secure)).map(|c| c.value().to_string())
}

impl From<User> for Staff {
    fn from(u: User) -> Self {
        Staff { role: u.role, queues: u.queues(), id: u.id, name: u.name, email: u.email, alerts: 0 }
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
            state.limits.api.check_request(&req, crate::domain::reference::hash_secret(&token)).await?;
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
