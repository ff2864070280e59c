//! Admins register webhook endpoints (issue 18): an address, the events it
//! wants, and its signing secret (shown once). Loopback and private-network
//! addresses are refused unless the server runs with
//! `--webhooks-allow-private`.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::csrf::{CsrfForm, CsrfToken, NoFields};
use crate::auth::Staff;
use crate::db::audit::{self, Entry};
use crate::domain::codes::Role;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};
use crate::webhooks::{self, Webhook, EVENTS};

#[derive(Template)]
#[template(path = "staff/webhooks.html")]
struct WebhooksPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    webhooks: Vec<Webhook>,
    /// Every event, and whether it is ticked.
    events: Vec<(&'static str, bool)>,
    /// What was typed, shown back with what is wrong.
    url: String,
    errors: Vec<String>,
    /// A new endpoint's secret, shown this once.
    created: Option<(String, String)>,
}

async fn page(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: &AppState,
    status: StatusCode,
    typed: (String, Vec<String>, Vec<String>),
    created: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let webhooks = state.db(|c| Ok(webhooks::list(c)?)).await?;
    let (url, chosen, errors) = typed;
    let events = EVENTS.iter().map(|e| (*e, chosen.iter().any(|c| c == e))).collect();
    let page = WebhooksPage { lang: p.lang, path: p.path, me, csrf: csrf.0, webhooks, events, url, errors, created };
    crate::web::html_status(status, page)
}

/// `GET /admin/webhooks`.
pub async fn list(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page(p, me, csrf, &state, StatusCode::OK, Default::default(), None).await
}

/// `POST /admin/webhooks`: registers an endpoint; its secret is generated
/// unless one is given (at least 16 characters).
pub async fn create(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let map: HashMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let url = map.get("url").map(|u| u.trim().to_string()).unwrap_or_default();
    let secret = map.get("secret").map(|s| s.trim().to_string()).unwrap_or_default();
    let chosen: Vec<String> = pairs.iter().filter(|(k, _)| k == "events").map(|(_, v)| v.clone()).collect();
    let mut errors = Vec::new();
    let allow_private = state.config.webhooks_allow_private;
    let checked = url.clone();
    match web::block(move || webhooks::check_target(&checked, allow_private)).await? {
        Ok(_) => {}
        Err(webhooks::TargetError::Private(_)) => errors.push(lang.t("webhooks-err-private")),
        Err(webhooks::TargetError::PlainHttp) => errors.push(lang.t("webhooks-err-http")),
        Err(_) => errors.push(lang.t("webhooks-err-url")),
    }
    let events = webhooks::parse_events(&chosen.join(","));
    if events.is_err() {
        errors.push(lang.t("webhooks-err-events"));
    }
    if !secret.is_empty() && webhooks::check_secret(&secret).is_err() {
        errors.push(lang.t("webhooks-err-secret"));
    }
    let (Ok(events), true) = (events, errors.is_empty()) else {
        return page(p, me, csrf, &state, StatusCode::UNPROCESSABLE_ENTITY, (url, chosen, errors), None).await;
    };
    let secret = if secret.is_empty() { webhooks::new_secret() } else { secret };
    let (actor, stored_url, stored_secret) = (me.id.clone(), url.clone(), secret.clone());
    state
        .transact(move |c| {
            let id = webhooks::register(c, &stored_url, &stored_secret, &events, now())?;
            let after = format!("{id} {stored_url} [{}]", events.join(","));
            let entry =
                Entry { actor_id: Some(&actor), action: "webhook_add", ticket_id: None, before: "", after: &after };
            audit::record(c, entry, now())?;
            Ok(())
        })
        .await?;
    page(p, me, csrf, &state, StatusCode::CREATED, Default::default(), Some((url, secret))).await
}

/// `POST /admin/webhooks/{id}/delete`.
pub async fn remove(
    me: Staff,
    id: web::Path<String>,
    _: CsrfForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), me.id.clone());
    state
        .transact(move |c| {
            if !webhooks::remove(c, &id)? {
                return Err(AppError::NotFound);
            }
            let entry =
                Entry { actor_id: Some(&actor), action: "webhook_remove", ticket_id: None, before: &id, after: "" };
            audit::record(c, entry, now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/webhooks")).finish())
}
