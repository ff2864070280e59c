//! JSON API for integrations: the payment app files a ticket straight from
//! its error screen. Same fields and the same validation as the web form.
//! Every error under `/api/` is an RFC 9457 problem (`application/problem+json`),
//! whoever produced it: a handler, an extractor, or the router (404, 405).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde_json::{json, Map, Value};

use super::rate_limit::RateState;
use super::tickets::{intake_input, message, store_ticket};
use super::{lang, multipart, now, AppState};
use crate::db::idempotency::{self, Begun};
use crate::domain::intake::{self, FieldErrors};
use crate::domain::reference::TrackingToken;
use crate::error::{problem, problem_for_status, AppError, PROBLEM_JSON};
use crate::i18n::Lang;
use crate::ops::intake::Created;

/// An [`AppError`] answered as JSON.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] AppError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.problem_response()
    }
}

/// 422 as a problem whose `errors` member names each field's problems:
/// `{"errors": {"<field>": ["<message>", …]}, …}`.
pub fn invalid(fields: Map<String, Value>) -> HttpResponse {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut body = problem(status, "invalid", "Some values are missing or not valid; `errors` says which and why.");
    body["errors"] = Value::Object(fields);
    HttpResponse::build(status).content_type(PROBLEM_JSON).body(body.to_string())
}

/// One field's problem, as [`invalid`].
pub fn invalid_field(field: &str, message: &str) -> HttpResponse {
    let mut fields = Map::new();
    fields.insert(field.to_string(), json!([message]));
    invalid(fields)
}

/// The intake's field errors, in the request's language, as `errors`
/// members.
pub fn field_errors(errors: &FieldErrors, lang: Lang, max_screenshot_bytes: usize) -> Map<String, Value> {
    let mut fields = Map::new();
    for (field, problems) in &errors.0 {
        let messages = problems.iter().map(|p| Value::String(message(lang, *p, max_screenshot_bytes))).collect();
        fields.insert((*field).to_string(), Value::Array(messages));
    }
    fields
}

/// Under `/api/`: no cookies (an API client has no use for the CSRF
/// cookie), and every error a problem. An error that reached here as
/// anything else (the router's, an extractor's) is answered again as the
/// problem its status means, keeping its `Allow`, `Retry-After` and
/// `WWW-Authenticate`.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // (The request is not cloned before routing: the router needs it
    // unshared. Handlers' errors arrive here as responses already.)
    let (request, mut response) = next.call(req).await?.map_into_boxed_body().into_parts();
    response.headers_mut().remove(header::SET_COOKIE);
    if let Some(rate) = request.extensions().get::<RateState>() {
        let headers = response.headers_mut();
        for (name, value) in [
            ("ratelimit-limit", rate.limit.to_string()),
            ("ratelimit-remaining", rate.remaining.to_string()),
            ("ratelimit-reset", rate.reset_secs.to_string()),
        ] {
            if let Ok(value) = header::HeaderValue::from_str(&value) {
                headers.insert(header::HeaderName::from_static(name), value);
            }
        }
    }
    let is_problem =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    let status = response.status();
    if status.as_u16() < 400 || is_problem {
        return Ok(ServiceResponse::new(request, response));
    }
    let mut answer = HttpResponse::build(status);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = response.headers().get(&name) {
            answer.insert_header((name, value.clone()));
        }
    }
    for name in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
        if let Some(value) = response.headers().get(name) {
            answer.insert_header((name, value.clone()));
        }
    }
    let answer = answer.content_type(PROBLEM_JSON).body(problem_for_status(status).to_string());
    Ok(ServiceResponse::new(request, answer))
}

/// Whether a help request sent to the API may hold this field: the
/// form's fields, and the language of the answers.
pub fn is_intake_field(name: &str) -> bool {
    intake::FIELDS.contains(&name) || name == "lang"
}

/// Whose keys these are: filing takes no account, so every caller's.
const INTAKE_CALLER: &str = "intake";

/// `POST /api/v1/tickets`: 201 with the reference and tracking link, or 422
/// with every problem.
pub async fn create_ticket(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.check_intake_rate(&req).await?;
    let key = idempotency_key(&req)?;
    let max_file = state.config.max_screenshot_bytes;
    let form = multipart::read(&req, payload, state.config.max_body_bytes(), max_file).await?;
    // The same key again: the first answer, or why not (before anything
    // else is checked: a retry must not be judged on today's rules).
    let claim = match key {
        None => None,
        Some(key) => {
            // Keys are one space for every caller: a phone's address changes
            // between retries, which is when the key matters; a key used
            // with another request is refused whoever sent it.
            let caller = INTAKE_CALLER.to_string();
            let (fingerprint, nonce) = (form.fingerprint(), TrackingToken::generate().as_str().to_string());
            let begun =
                state.write(move |c| Ok(idempotency::begin(c, &caller, &key, &fingerprint, &nonce, now())?)).await?;
            match begun {
                Begun::Claimed(claim) => Some(claim),
                Begun::Answered { claim, reference, status } => {
                    let token = state.write(move |c| Ok(crate::ops::intake::claimed_token(c, &claim, now())?)).await?;
                    let created = Created { reference, token, status };
                    return Ok(created_response(&state, &created, true));
                }
                Begun::InFlight => return Err(AppError::InFlight.into()),
                Begun::OtherRequest => {
                    return Ok(invalid_field(
                        "Idempotency-Key",
                        "This key was used with another request: use a new key for a new request.",
                    ))
                }
            }
        }
    };
    // A field the document does not name is refused, not silently
    // dropped: a client that misspells a field learns it.
    let mut problems: Map<String, Value> = form
        .names()
        .filter(|n| !is_intake_field(n))
        .map(|n| (n.to_string(), json!(["Not a field of a help request."])))
        .collect();
    // An explicit language must be one we speak; absent, the request's
    // Accept-Language decides.
    let lang = match form.text("lang").trim() {
        "" => lang::negotiate(&req),
        code => Lang::parse(code).unwrap_or_else(|| {
            problems.insert("lang".into(), json!(["Use zh-CN or en."]));
            lang::negotiate(&req)
        }),
    };
    // Every problem at once: the form's and these.
    let ticket = match intake::validate(intake_input(&form, max_file), lang, now()) {
        Ok(ticket) if problems.is_empty() => Ok(ticket),
        Ok(_) => Err(problems),
        Err(errors) => {
            problems.extend(field_errors(&errors, lang, max_file));
            Err(problems)
        }
    };
    let ticket = match ticket {
        Ok(ticket) => ticket,
        Err(problems) => {
            // Nothing was filed: the key is free for the corrected request.
            if let Some(claim) = claim {
                state.write(move |c| Ok(idempotency::release(c, &claim)?)).await?;
            }
            return Ok(invalid(problems));
        }
    };
    let stored = store_ticket(&state, ticket, None, claim.clone()).await;
    if let (Err(_), Some(claim)) = (&stored, claim) {
        // Nothing was filed: a retry with the key must not wait for it.
        state.write(move |c| Ok(idempotency::release(c, &claim)?)).await?;
    }
    Ok(created_response(&state, &stored?, false))
}

/// 201 with where the ticket is and the customer's link; `replayed`: the
/// answer to an earlier request with the same key, given again.
fn created_response(state: &AppState, created: &Created, replayed: bool) -> HttpResponse {
    let tracking_url = format!("{}/t/{}", state.public_url, created.token.as_str());
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, format!("/api/v1/tickets/{}", created.reference)));
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(json!({
        "reference": created.reference,
        "tracking_url": tracking_url,
        "status": created.status.as_str(),
    }))
}

/// The `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header:
/// a string, quoted or not), 1 to 255 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get("idempotency-key") else { return Ok(None) };
    let value = value.to_str().map_err(|_| AppError::BadRequest("Idempotency-Key"))?.trim();
    let key = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
    let visible = |c: char| c.is_ascii_graphic() && c != '"';
    if key.is_empty() || key.len() > 255 || !key.chars().all(visible) {
        return Err(AppError::BadRequest("Idempotency-Key"));
    }
    Ok(Some(key.to_string()))
}

pub mod staff;

pub mod openapi;

/// `GET /api/v1/openapi.json`: the API's description, built from the code
/// (`openapi::document`) and checked against the running server by the
/// tests and schemathesis.
pub async fn openapi() -> HttpResponse {
    use std::sync::OnceLock;
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| openapi::document().to_string());
    HttpResponse::Ok().content_type("application/json").body(body.as_str())
}
