//! Errors a request can end in, mapped once to HTTP. Pages get a calm,
//! bilingual error page; the API gets JSON. Internal causes are logged,
//! never shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A page for staff, asked without a session: go and sign in, then come
    /// back to the path held here.
    #[error("sign-in required")]
    SignInRequired(String),
    /// An API call without a valid token.
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// A form whose CSRF field did not match its cookie.
    #[error("csrf check failed")]
    Csrf,
    /// An operation said no: what was asked cannot be done in the state
    /// things are in now ([`Refusal`] says which rule).
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// Someone changed the ticket since the page (or `If-Match`) the request
    /// acted on; it is at version `current` now.
    #[error("stale: the ticket is at version {current}")]
    Stale { current: i64 },
    /// `If-Match` named a version the ticket is no longer at.
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// A request with the same idempotency key is still being handled.
    #[error("idempotency key in flight")]
    InFlight,
    /// The path exists, but not for this method; holds the `Allow` list.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why an operation refused: each rule that can say no has its variant, so
/// a handler that answers one refusal its own way matches the variant (never
/// a string), and every other refusal is a 409 with the same calm words
/// (`AppError::describe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The ticket is closed: it takes no message, note, change or merge
    /// from staff (its customer's reply reopens it).
    Closed,
    /// That status cannot follow the ticket's current one.
    Status,
    /// A reply may leave the ticket only open, waiting on the customer or
    /// resolved (`Status::AFTER_REPLY`).
    StatusAfterReply,
    /// The ticket to merge into was itself merged away.
    MergeTarget,
    /// The escalation is no longer in the state the action needs.
    Escalation,
    /// The incident is no longer in the state the action needs.
    Incident,
    /// The rating was followed up already.
    FollowedUp,
    /// Nothing can be asked about this payment: no order number, or no
    /// provider configured for it.
    NoPaymentCheck,
    /// No provider paydesk may ask can refund this payment.
    NoRefund,
    /// The phrase is routing's already, or clashes with one it has.
    Phrase,
    /// Another account has this email address.
    EmailTaken,
    /// A 409 whose cause was not said (a status the router gave).
    NotNow,
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Refused(r)
    }
}

impl AppError {
    /// Stable machine-readable code, and the message in both languages.
    fn describe(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            AppError::NotFound => (
                "not_found",
                "This page does not exist, or the link is incomplete. Please check the whole link was copied.",
                "页面不存在，或链接不完整。请确认复制了完整的链接。",
            ),
            AppError::SignInRequired(_) | AppError::Unauthorized => {
                ("unauthorized", "Please sign in first.", "请先登录。")
            }
            AppError::Forbidden => (
                "forbidden",
                "Your account may not do this. Ask a supervisor or an administrator if you need to.",
                "您的账户无权执行此操作。如有需要，请联系主管或管理员。",
            ),
            AppError::Csrf => (
                "csrf",
                "This form has expired or did not come from this site. Go back, reload the page and send it again.",
                "此表单已过期或并非来自本网站。请返回、刷新页面后重新提交。",
            ),
            AppError::Refused(_) => (
                "conflict",
                "This cannot be done in the ticket's current state. Reload the page to see it as it is now.",
                "工单当前状态下无法执行此操作。请刷新页面查看最新状态。",
            ),
            AppError::Stale { .. } => (
                "stale",
                "Someone changed this ticket since you opened it. Reload it to see what changed, then try again.",
                "您打开此工单后，有人修改了它。请刷新查看变更后重试。",
            ),
            AppError::PreconditionFailed => (
                "precondition_failed",
                "The ticket changed since the version in If-Match. Read it again (its ETag) and retry.",
                "工单已不是 If-Match 中的版本。请重新读取（ETag）后重试。",
            ),
            AppError::TooManyAttempts { .. } => (
                "too_many_attempts",
                "Too many requests from your network in a short time. Nothing you sent before was lost.",
                "您的网络在短时间内发出的请求过多。之前发送的内容没有丢失。",
            ),
            AppError::BadRequest(_) => (
                "bad_request",
                "The request could not be read. Please go back and try again.",
                "无法读取您的请求。请返回后重试。",
            ),
            AppError::PayloadTooLarge => (
                "payload_too_large",
                "What you sent is too large. Please go back and send a smaller screenshot.",
                "您发送的内容太大。请返回并换一张较小的截图。",
            ),
            AppError::UnsupportedMediaType => (
                "unsupported_media_type",
                "This kind of body is not accepted here: filing takes multipart/form-data, the staff API JSON.",
                "此处不接受这种格式的请求：提交工单请用 multipart/form-data，员工 API 请用 JSON。",
            ),
            AppError::InFlight => (
                "idempotency_key_in_flight",
                "A request with this Idempotency-Key is still being handled. Send it again in a moment to get its answer.",
                "使用此 Idempotency-Key 的请求仍在处理中。请稍后重新发送以获取结果。",
            ),
            AppError::MethodNotAllowed(_) => {
                ("method_not_allowed", "This address does not take this kind of request.", "此地址不接受这种请求。")
            }
            AppError::Unavailable(_) => (
                "unavailable",
                "We cannot reach our records right now. Nothing you sent was lost; please try again in a minute.",
                "暂时无法访问我们的记录。您发送的内容没有丢失，请一分钟后重试。",
            ),
            AppError::Internal(_) => (
                "internal",
                "Something went wrong on our side. Please try again in a moment.",
                "我们这边出了问题，请稍后重试。",
            ),
        }
    }

    fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(%cause, "request failed"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
    }

    /// Seconds to wait before trying again, when that is the problem.
    fn retry_after(&self) -> Option<i64> {
        match self {
            AppError::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
            AppError::InFlight => Some(1),
            _ => None,
        }
    }

    fn builder(&self) -> actix_web::HttpResponseBuilder {
        use actix_web::http::header;
        let mut builder = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after() {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        match self {
            AppError::MethodNotAllowed(allow) => {
                builder.insert_header((header::ALLOW, allow.as_str()));
            }
            AppError::Unauthorized => {
                builder.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="paydesk""#));
            }
            _ => {}
        }
        builder
    }

    /// The same error as RFC 9457 problem details, for the API: `type`,
    /// `title`, `status`, `detail`, and `code` (the stable name clients
    /// match on; `type` ends in it).
    pub fn problem_response(&self) -> HttpResponse {
        self.log();
        let (code, en, _) = self.describe();
        let mut body = problem(self.status_code(), code, en);
        if let Some(secs) = self.retry_after() {
            body["retry_after"] = json!(secs);
        }
        self.builder().content_type(PROBLEM_JSON).body(body.to_string())
    }
}

/// The problem a status means when the status is all there is (an answer
/// the router or an extractor gave): the words of the error it stands for.
pub fn problem_for_status(status: StatusCode) -> serde_json::Value {
    let error = match status.as_u16() {
        401 => AppError::Unauthorized,
        403 => AppError::Forbidden,
        404 => AppError::NotFound,
        405 => AppError::MethodNotAllowed(String::new()),
        409 => AppError::Refused(Refusal::NotNow),
        412 => AppError::PreconditionFailed,
        413 => AppError::PayloadTooLarge,
        415 => AppError::UnsupportedMediaType,
        429 => AppError::TooManyAttempts { retry_after_secs: 1 },
        503 => AppError::Unavailable(String::new()),
        s if s >= 500 => AppError::Internal(String::new()),
        _ => AppError::BadRequest(""),
    };
    let (code, en, _) = error.describe();
    problem(status, code, en)
}

/// The media type of an RFC 9457 problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem's members: its type (`about:blank`: the problem is what the
/// status says, RFC 9457 §4.2.1, and `code` tells it apart), the status's
/// title, the status and what happened.
pub fn problem(status: StatusCode, code: &str, detail: &str) -> serde_json::Value {
    json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    en: &'static str,
    zh: &'static str,
    retry_after: Option<i64>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired(_) => StatusCode::SEE_OTHER,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Refused(_) | AppError::Stale { .. } | AppError::InFlight => StatusCode::CONFLICT,
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::SignInRequired(next) = self {
            let location = format!("/login?next={}", urlencode(next));
            return HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location)).finish();
        }
        self.log();
        let (_, en, zh) = self.describe();
        let page = ErrorPage { status: self.status_code().as_u16(), en, zh, retry_after: self.retry_after() };
        let body = page.render().unwrap_or_else(|_| format!("{} / {}", zh, en));
        self.builder().content_type("text/html; charset=utf-8").body(body)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => AppError::Unavailable(info.message().to_string()),
            Error::NotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// Percent-encodes a path for a query parameter.
fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
