//! Admins watch inbound email: what came in and what became of it — above
//! all what matched no ticket, which nobody on staff otherwise sees.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::Staff;
use crate::domain::codes::{InboundOutcome, Role};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::inbound::Logged;
use crate::web::lang::PageLang;
use crate::web::AppState;

#[derive(Template)]
#[template(path = "staff/inbound.html")]
struct InboundPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    /// Whether a mailbox is read at all.
    reading: bool,
    messages: Vec<Logged>,
}

impl InboundPage {
    fn outcome(&self, code: &str) -> String {
        InboundOutcome::label_of(code, self.lang)
    }
}

pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: crate::auth::csrf::CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let messages = state.db(|c| Ok(crate::inbound::log(c, 200)?)).await?;
    let reading = state.config.imap_url.is_some();
    crate::web::html(InboundPage { lang: p.lang, path: p.path, me, csrf: csrf.0, reading, messages })
}
