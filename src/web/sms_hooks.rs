//! What Alibaba Cloud SMS pushes to us (its "HTTP batch push"): delivery
//! receipts (`SmsReport`) and customers' replies (`SmsUp`), each a JSON
//! array, at the URLs configured in its console with our push token
//! (`?token=`). Alibaba signs nothing on these pushes, so the token is what
//! tells them from anyone's: a push without it is refused and changes
//! nothing. The answer is `{"code":0,"msg":"成功"}`; any other status makes
//! Alibaba push again (after 1, 5 and 10 minutes), which a database that is
//! away for a moment wants.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{now, AppState};
use crate::domain::reference::hash_secret;
use crate::error::AppError;

#[derive(Deserialize)]
pub struct PushQuery {
    #[serde(default)]
    token: String,
}

/// One delivery receipt.
#[derive(Deserialize)]
struct Report {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    err_code: String,
    #[serde(default)]
    biz_id: Option<String>,
    #[serde(default)]
    out_id: Option<String>,
}

/// One reply. `sequence_id` is a number in older documentation, a string
/// in newer: either is taken.
#[derive(Deserialize)]
struct Up {
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    dest_code: Option<serde_json::Value>,
    #[serde(default)]
    sequence_id: Option<serde_json::Value>,
}

fn text_of(v: &Option<serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn answer(status: actix_web::http::StatusCode, code: i32, msg: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "code": code, "msg": msg }))
}

/// The push's array, when it carries our token (compared by hash: no early
/// exit on the first differing byte) and is one; else why not, to answer.
fn pushed<T: serde::de::DeserializeOwned>(state: &AppState, token: &str, body: &[u8]) -> Result<Vec<T>, Refused> {
    let authorised = state.sms_push_token.as_ref().is_some_and(|t| hash_secret(t.expose()) == hash_secret(token));
    if !authorised {
        return Err(Refused(actix_web::http::StatusCode::FORBIDDEN, "forbidden"));
    }
    serde_json::from_slice(body).map_err(|_| Refused(actix_web::http::StatusCode::BAD_REQUEST, "not a JSON array"))
}

/// A push refused: the status and words to answer it with.
struct Refused(actix_web::http::StatusCode, &'static str);

impl Refused {
    fn answer(self) -> HttpResponse {
        answer(self.0, i32::from(self.0.as_u16()), self.1)
    }
}

/// `POST /hooks/sms/aliyun/report?token=…`.
pub async fn report(
    q: web::Query<PushQuery>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reports: Vec<Report> = match pushed(&state, &q.token, &body) {
        Ok(reports) => reports,
        Err(refused) => return Ok(refused.answer()),
    };
    state
        .write(move |c| {
            for r in &reports {
                crate::db::sms::report(c, r.out_id.as_deref(), r.biz_id.as_deref(), r.success, &r.err_code, now())?;
            }
            Ok(())
        })
        .await?;
    Ok(answer(actix_web::http::StatusCode::OK, 0, "成功"))
}

/// `POST /hooks/sms/aliyun/up?token=…`.
pub async fn up(
    q: web::Query<PushQuery>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let replies: Vec<Up> = match pushed(&state, &q.token, &body) {
        Ok(replies) => replies,
        Err(refused) => return Ok(refused.answer()),
    };
    let rules = state.rules.clone();
    state
        .write(move |c| {
            for r in &replies {
                // A number we cannot read is no customer of ours.
                let Some(phone) = crate::domain::sms::normalize_phone(&r.phone_number) else { continue };
                let sequence = text_of(&r.sequence_id);
                let sequence = (!sequence.is_empty()).then_some(sequence.as_str());
                crate::ops::sms::receive_reply(c, &phone, &text_of(&r.dest_code), &r.content, sequence, &rules, now())?;
            }
            Ok(())
        })
        .await?;
    Ok(answer(actix_web::http::StatusCode::OK, 0, "成功"))
}

/// `GET /s/{code}`: an SMS's short link opens the tracking page, as the
/// long link does (the code is a tracking token of its own, stored hashed).
pub async fn short_link(code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    if code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, format!("/t/{code}"))).finish())
}
