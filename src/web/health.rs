use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use super::AppState;
use crate::error::AppError;

/// 200 while the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from)).await.map_err(|e| match e {
        AppError::Internal(cause) => AppError::Unavailable(cause),
        other => other,
    })?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}
