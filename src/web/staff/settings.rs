//! Each staff member's settings: personal API tokens.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf::CsrfToken;
use crate::auth::Staff;
use crate::db::audit::{self, Entry};
use crate::db::users::{self, ApiToken};
use crate::domain::codes::Role;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

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
}

async fn render(
    state: &AppState,
    p: PageLang,
    me: Staff,
    csrf: String,
    new_token: Option<String>,
) -> Result<HttpResponse, AppError> {
    let id = me.id.clone();
    let tokens = state.db(move |c| Ok(users::tokens(c, &id)?)).await?;
    crate::web::html(SettingsPage { lang: p.lang, path: p.path, me, csrf, tokens, new_token })
}

pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render(&state, p, me, csrf.0, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    name: String,
}

pub async fn create_token(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    form: web::Form<TokenForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    csrf.check(&form.csrf)?;
    let name = text::clean(&form.name, 80, false).ok().flatten().unwrap_or_else(|| "API".to_string());
    let id = me.id.clone();
    let token = state
        .write(move |c| {
            let token = users::create_token(c, &id, &name, now())?;
            audit::record(
                c,
                Entry { actor_id: Some(&id), action: "token_create", ticket_id: None, before: "", after: &name },
                now(),
            )?;
            Ok(token)
        })
        .await?;
    // Shown in this response only; never stored or shown again.
    render(&state, p, me, csrf.0, Some(token)).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke_token(
    me: Staff,
    csrf: CsrfToken,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    csrf.check(&form.csrf)?;
    let (user, token_id) = (me.id.clone(), id.into_inner());
    let revoked = state
        .write(move |c| {
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
