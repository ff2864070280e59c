//! Signed-in staff: who they are and the cookie that carries their
//! session. Reading them from a request is `web::session`.

use crate::domain::codes::{Queue, Role};

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

impl Staff {
    pub fn is(&self, role: Role) -> bool {
        self.role.includes(role)
    }
}

/// A staff member calling the REST API with a personal token.
#[derive(Debug, Clone)]
pub struct ApiStaff(pub Staff);
