//! Admins watch outgoing email: what waits, what was given up on (with the
//! last error and "send again"), and what went out.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::csrf::{CsrfForm, CsrfToken, NoFields};
use crate::auth::Staff;
use crate::db::audit::{self, Entry};
use crate::db::outbox::{self, Message};
use crate::domain::codes::{MailStatus, Role};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

#[derive(Template)]
#[template(path = "staff/outbox.html")]
struct OutboxPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    mail_dir: Option<String>,
    sections: Vec<(&'static str, Vec<Message>)>,
}

pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let sections = state
        .db(|c| {
            Ok(vec![
                ("outbox-dead", outbox::list(c, MailStatus::Dead, 200)?),
                ("outbox-pending", outbox::list(c, MailStatus::Pending, 200)?),
                ("outbox-sent", outbox::list(c, MailStatus::Sent, 50)?),
            ])
        })
        .await?;
    let mail_dir = state.mail_dir.clone();
    crate::web::html(OutboxPage { lang: p.lang, path: p.path, me, csrf: csrf.0, mail_dir, sections })
}

pub async fn retry(
    me: Staff,
    id: web::Path<String>,
    _: CsrfForm<NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), me.id.clone());
    state
        .transact(move |c| {
            if !outbox::retry(c, &id, now())? {
                return Err(AppError::NotFound);
            }
            let entry =
                Entry { actor_id: Some(&actor), action: "mail_retry", ticket_id: None, before: "dead", after: &id };
            audit::record(c, entry, now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/outbox")).finish())
}
