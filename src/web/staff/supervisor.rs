//! Supervisors read the audit log and keep the canned replies.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::audit::{self, Entry, Filter, Row};
use crate::db::canned::{self, Canned};
use crate::db::tickets as store;
use crate::db::users::{self, User};
use crate::domain::codes::Role;
use crate::domain::reference::normalize_reference;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

const AUDIT_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    rows: Vec<Row>,
    staff: Vec<User>,
    actions: &'static [&'static str],
    q: AuditQuery,
    older: Option<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub ticket: Option<String>,
    pub before: Option<String>,
}

impl AuditQuery {
    fn get(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
}

/// Every action name the log holds.
pub const ACTIONS: &[&str] = &[
    "sign_in",
    "assign",
    "status",
    "priority",
    "reply",
    "note",
    "ask_missing",
    "merge",
    "user_add",
    "user_edit",
    "canned_edit",
    "token_create",
    "token_revoke",
    "mail_retry",
    "incident_proposed",
    "incident_create",
    "incident_accept",
    "incident_dismiss",
    "incident_link",
    "incident_unlink",
    "incident_update",
    "incident_resolve",
    "rating_follow_up",
    "calendar_import",
    "calendar_queue",
    "calendar_day",
];

pub async fn audit(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<AuditQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let (actor, action, before) = (nonempty(&q.actor), nonempty(&q.action), nonempty(&q.before));
    let reference = nonempty(&q.ticket).map(|r| normalize_reference(&r).ok_or(AppError::NotFound)).transpose()?;
    let (rows, staff) = state
        .db(move |c| {
            let ticket_id = match reference {
                Some(r) => Some(store::find_by_reference(c, &r)?.ok_or(AppError::NotFound)?.id),
                None => None,
            };
            let filter = Filter { actor_id: actor, action, ticket_id, before_id: before };
            Ok((audit::list(c, &filter, AUDIT_PAGE)?, users::list(c)?))
        })
        .await?;
    let older = (rows.len() as i64 == AUDIT_PAGE).then(|| {
        let mut pairs = vec![("before", rows.last().map(|r| r.id.clone()).unwrap_or_default())];
        for (k, v) in [("actor", &q.actor), ("action", &q.action), ("ticket", &q.ticket)] {
            if let Some(v) = v.clone().filter(|s| !s.is_empty()) {
                pairs.push((k, v));
            }
        }
        format!("/supervisor/audit?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    });
    crate::web::html(AuditPage {
        lang: p.lang,
        path: p.path,
        me,
        csrf: csrf.0,
        rows,
        staff,
        actions: ACTIONS,
        q,
        older,
    })
}

#[derive(Template)]
#[template(path = "staff/canned.html")]
struct CannedPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    replies: Vec<(String, Canned)>,
}

pub async fn canned(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let all = state.db(|c| Ok(canned::all(c)?)).await?;
    let lang = p.lang;
    let replies = all.into_iter().map(|c| (c.case_kind.label(lang), c)).collect();
    crate::web::html(CannedPage { lang, path: p.path, me, csrf: csrf.0, replies })
}

#[derive(Deserialize)]
pub struct CannedForm {
    title: String,
    body: String,
}

pub async fn save_canned(
    me: Staff,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<CannedForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let title = text::clean(&form.title, text::limits::SHORT_TITLE, false)
        .ok()
        .flatten()
        .ok_or(AppError::BadRequest("title"))?;
    let body = text::clean(&form.body, text::limits::STAFF_MESSAGE, true)
        .ok()
        .flatten()
        .ok_or(AppError::BadRequest("body"))?;
    let (id, actor) = (id.into_inner(), me.id.clone());
    state
        .transact(move |c| {
            let before = canned::find(c, &id)?.ok_or(AppError::NotFound)?;
            canned::update(c, &id, &title, &body, now())?;
            let entry = Entry {
                actor_id: Some(&actor),
                action: "canned_edit",
                ticket_id: None,
                before: &before.title,
                after: &title,
            };
            audit::record(c, entry, now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/supervisor/canned")).finish())
}
