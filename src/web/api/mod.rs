//! JSON API for integrations: the payment app files a ticket straight from
//! its error screen. Same fields and the same validation as the web form.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::{json, Map, Value};

use super::tickets::{intake_input, message, store_ticket};
use super::{lang, multipart, now, AppState};
use crate::domain::intake::{self, FieldErrors};
use crate::error::AppError;
use crate::i18n::Lang;

/// An [`AppError`] answered as JSON.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] AppError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.json_response()
    }
}

/// `{"errors": {"<field>": ["<message>", …]}}`, in the request's language.
pub fn field_errors_json(errors: &FieldErrors, lang: Lang, max_screenshot_bytes: usize) -> Value {
    let mut fields = Map::new();
    for (field, problems) in &errors.0 {
        let messages = problems.iter().map(|p| Value::String(message(lang, *p, max_screenshot_bytes))).collect();
        fields.insert((*field).to_string(), Value::Array(messages));
    }
    json!({ "errors": fields })
}

/// `POST /api/v1/tickets`: 201 with the reference and tracking link, or 422
/// with every problem.
pub async fn create_ticket(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.check_intake_rate(&req)?;
    let max_file = state.config.max_screenshot_bytes;
    let form = multipart::read(&req, payload, state.config.max_body_bytes(), max_file).await?;
    let lang = Lang::parse(&form.text("lang")).unwrap_or_else(|| lang::negotiate(&req));
    match intake::validate(intake_input(&form, max_file), lang, now()) {
        Ok(ticket) => {
            let created = store_ticket(&state, ticket, None).await?;
            let tracking_url = format!("{}/t/{}", state.public_url, created.token.as_str());
            Ok(HttpResponse::Created()
                .insert_header((header::LOCATION, format!("/api/v1/tickets/{}", created.reference)))
                .json(json!({
                    "reference": created.reference,
                    "tracking_url": tracking_url,
                    "status": created.status.as_str(),
                })))
        }
        Err(errors) => Ok(HttpResponse::UnprocessableEntity().json(field_errors_json(&errors, lang, max_file))),
    }
}

pub mod staff;

/// `GET /api/v1/openapi.json`: the API's description, kept beside the code
/// and checked against the running server by the tests.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(include_str!("openapi.json"))
}
