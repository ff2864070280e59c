//! "Did this solve it?": the customer rates a resolved ticket, good or bad,
//! with an optional reason (from the kind's short list) and comment.
//!
//! Two ways in, both only for whoever holds a tracking link:
//! - the tracking page shows a small form with two buttons (no JavaScript);
//! - the "resolved" email carries two links, `/t/{token}/rate?good=1` and
//!   `?good=0`. The token is the fresh tracking link the mail worker mints
//!   for that email (`store::mint_link`), not the one shown at filing: a
//!   link that already lets its holder read and answer the ticket, so
//!   rating through it gives nothing more away. It names the ticket, and
//!   the rating is always for the ticket's *current* resolution, counted
//!   under its lock: an old email's link after the ticket was reopened
//!   finds nothing to rate until it is resolved again, and a resolution
//!   already rated is refused. Mail scanners follow links, so a GET never
//!   records anything: it opens this page with the choice preselected and
//!   one button that POSTs.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::lang::PageLang;
use super::tracking::Tracked;
use super::{now, AppState};
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::db::tickets::Ticket;
use crate::domain::codes::CaseKind;
use crate::domain::satisfaction::{reason_fits, reasons, MayRate, COMMENT_MAX};
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::satisfaction::{Rated, Rating};

/// A rating's timeline entry (see `ops::satisfaction::rate`) in words:
/// "Solved" or "Not solved", the reason, the comment.
pub fn rated_words(lang: Lang, body: &str) -> String {
    let mut parts = body.splitn(3, '\n');
    let verdict = match parts.next() {
        Some("good") => lang.t("rate-verdict-good"),
        _ => lang.t("rate-verdict-bad"),
    };
    let reason = parts.next().filter(|r| !r.is_empty()).map(|r| lang.t(&format!("rate-reason-{r}")));
    let comment = parts.next().filter(|c| !c.is_empty()).map(str::to_string);
    [Some(verdict), reason, comment].into_iter().flatten().collect::<Vec<_>>().join("\n")
}

/// The rating box on the tracking page.
pub struct RateBox {
    /// `ask`: the form; `rated`: this resolution is rated, thanks.
    pub state: &'static str,
    pub reasons: Vec<(&'static str, String)>,
}

fn reason_options(lang: Lang, kind: CaseKind) -> Vec<(&'static str, String)> {
    reasons(kind).into_iter().map(|r| (r, lang.t(&format!("rate-reason-{r}")))).collect()
}

/// The box for the tracking page: `None` when there is nothing to rate.
pub async fn rate_box(state: &AppState, lang: Lang, ticket: &Ticket) -> Result<Option<RateBox>, AppError> {
    let t = ticket.clone();
    let may = state.db(move |c| Ok(crate::db::ratings::may_rate(c, &t)?)).await?;
    Ok(match may {
        MayRate::Yes(_) => Some(RateBox { state: "ask", reasons: reason_options(lang, ticket.case_kind) }),
        MayRate::AlreadyRated => Some(RateBox { state: "rated", reasons: vec![] }),
        MayRate::NotResolved => None,
    })
}

#[derive(Template)]
#[template(path = "tracking/rate.html")]
struct RatePage {
    lang: Lang,
    path: String,
    csrf: String,
    token: String,
    reference: String,
    /// `ask`, `done` (thanks), `reopened` (not solved: open again),
    /// `already` (the first rating stands) or `not_resolved`.
    state: &'static str,
    /// When an agent will answer again ("4 hours"), for `reopened`.
    within: String,
    /// The choice preselected (from the email's link) or typed.
    good: Option<bool>,
    reason: String,
    comment: String,
    reasons: Vec<(&'static str, String)>,
    /// What to fix, when the form was refused.
    error: Option<String>,
    comment_max: usize,
}

impl RatePage {
    fn is_reason(&self, code: &str) -> bool {
        self.reason == code
    }
}

#[derive(Deserialize)]
pub struct RateQuery {
    good: Option<String>,
    done: Option<String>,
}

fn parse_good(v: Option<&str>) -> Option<bool> {
    match v {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    }
}

/// `GET /t/{token}/rate`: the confirmation form (from the email's links,
/// `?good=1` or `?good=0` preselected), or the thanks after rating
/// (`?done=1`). Changes nothing.
pub async fn form(
    page: PageLang,
    csrf: CsrfToken,
    Tracked { ticket, token }: Tracked,
    query: web::Query<RateQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (t, rules) = (ticket.clone(), state.rules.clone());
    let (may, cal) = state
        .db(move |c| {
            Ok((crate::db::ratings::may_rate(c, &t)?, crate::ops::sla::calendar_for(c, &t.id, t.queue, &rules)?))
        })
        .await?;
    let view = match (query.done.as_deref(), may) {
        (Some("reopened"), _) => "reopened",
        (Some(_), _) => "done",
        (None, MayRate::Yes(_)) => "ask",
        (None, MayRate::AlreadyRated) => "already",
        (None, MayRate::NotResolved) => "not_resolved",
    };
    super::html(RatePage {
        lang: page.lang,
        path: page.path,
        csrf: csrf.0,
        reference: ticket.reference.clone(),
        state: view,
        within: crate::present::promise::span(page.lang, &cal, state.rules.target(ticket.priority).first_response),
        good: parse_good(query.good.as_deref()),
        reason: String::new(),
        comment: String::new(),
        reasons: reason_options(page.lang, ticket.case_kind),
        error: None,
        comment_max: COMMENT_MAX,
        token,
    })
}

#[derive(Deserialize)]
pub struct RateForm {
    good: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    comment: String,
}

/// `POST /t/{token}/rate`: records the rating of the current resolution.
/// A missing choice or a comment too long comes back with the form as
/// typed (422); a second rating of the same resolution is refused politely
/// (409, the first stands).
pub async fn submit(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<RateForm>,
    Tracked { ticket, token }: Tracked,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.check_intake_rate(&req).await?;
    let lang = page.lang;
    let good = parse_good(form.good.as_deref());
    // A reason the kind does not offer (a stale or forged form) is dropped
    // rather than refused: the rating itself still counts.
    let reason = if reason_fits(ticket.case_kind, &form.reason) { form.reason.clone() } else { String::new() };
    let comment = text::clean(&form.comment, COMMENT_MAX, true);
    let error = match (&good, &comment) {
        (None, _) => Some(lang.t("rate-error-choose")),
        (_, Err(text::TextError::TooLong { max })) => Some(lang.t_with("rate-error-too-long", "max", *max)),
        (_, Err(_)) => Some(lang.t("rate-error-characters")),
        _ => None,
    };
    let mut view = RatePage {
        lang,
        path: page.path.clone(),
        csrf: csrf.0.clone(),
        token: token.clone(),
        reference: ticket.reference.clone(),
        state: "ask",
        within: String::new(),
        good,
        reason: reason.clone(),
        comment: form.comment.clone(),
        reasons: reason_options(lang, ticket.case_kind),
        error,
        comment_max: COMMENT_MAX,
    };
    let (Some(good), Ok(comment), None) = (good, comment, &view.error) else {
        return super::html_status(StatusCode::UNPROCESSABLE_ENTITY, view);
    };
    let comment = comment.unwrap_or_default();
    let id = ticket.id.clone();
    let rules = state.rules.clone();
    let outcome = state
        .write(move |c| {
            let rating = Rating { good, reason: &reason, comment: &comment };
            crate::ops::satisfaction::rate(c, &id, &rating, &rules, now())
        })
        .await?;
    match outcome {
        Rated::Recorded | Rated::Reopened => {
            let done = if outcome == Rated::Reopened { "reopened" } else { "1" };
            let location = format!("/t/{token}/rate?done={done}");
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
        Rated::AlreadyRated => {
            view.state = "already";
            view.error = None;
            super::html_status(StatusCode::CONFLICT, view)
        }
        Rated::NotResolved => {
            view.state = "not_resolved";
            view.error = None;
            super::html_status(StatusCode::CONFLICT, view)
        }
    }
}
