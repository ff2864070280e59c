//! "Find my request": a customer who lost their private link gives the
//! reference and the email they filed with; when both match a request, a
//! fresh link goes to that email through the outbox. The answer is the same
//! whether or not they matched, and takes the same time: the mail is
//! queued after the answer is decided, never sent inline.
//!
//! A fresh link is *added* (another row in `tracking_links`, as every
//! customer email mints one); the old links keep working. Replacing them
//! would let anyone who knows a reference and an email (a shared inbox, a
//! forwarded confirmation) lock the customer out of their own request with
//! one form post; adding one gives them nothing, since only the mailbox's
//! owner reads the new link.
//!
//! By phone (issue 28): the reference and the mobile number; when both
//! match, a 6-digit code is texted (one a minute to a number, ten an hour
//! from an address, the SMS caps beside); the right code, within five
//! minutes and five tries, shows a fresh link on the page. Same answers,
//! match or not.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::lang::PageLang;
use super::{html, html_status, now, AppState};
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::db::outbox;
use crate::db::tickets as store;
use crate::domain::codes::MailKind;
use crate::domain::reference::normalize_reference;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "tracking/find.html")]
struct FindPage {
    lang: Lang,
    path: String,
    csrf: String,
    reference: String,
    email: String,
    /// The one answer to a well-formed request.
    sent: bool,
    /// Asked too often: the calm words, minutes to wait.
    limited: Option<i64>,
    /// Field → what to fix.
    errors: Vec<(&'static str, String)>,
}

impl FindPage {
    fn error_for(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m)
    }
}

#[derive(Deserialize)]
pub struct FindQuery {
    sent: Option<String>,
}

/// `GET /find`.
pub async fn form(page: PageLang, csrf: CsrfToken, q: web::Query<FindQuery>) -> Result<HttpResponse, AppError> {
    html(FindPage { sent: q.sent.is_some(), ..blank(page.lang, page.path, csrf.0) })
}

#[derive(Deserialize)]
pub struct FindForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    email: String,
}

/// What a lookup is given once the form is well formed.
#[derive(Debug)]
struct Wanted {
    reference: String,
    email: String,
}

/// Checks the form; the problems by field, in the page's language.
fn check(lang: Lang, f: &FindForm) -> Result<Wanted, Vec<(&'static str, String)>> {
    use validator::ValidateEmail;
    let reference = normalize_reference(&f.reference);
    let email = f.email.trim().to_string();
    let email_ok = !email.is_empty() && email.len() <= 254 && email.validate_email();
    let mut errors = Vec::new();
    if reference.is_none() {
        errors.push(("reference", lang.t("find-error-reference")));
    }
    if !email_ok {
        errors.push(("email", lang.t("find-error-email")));
    }
    match reference {
        Some(reference) if errors.is_empty() => Ok(Wanted { reference, email }),
        _ => Err(errors),
    }
}

/// `POST /find`.
pub async fn submit(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(f): CsrfForm<FindForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let mut view = FindPage {
        reference: f.reference.trim().to_string(),
        email: f.email.trim().to_string(),
        ..blank(lang, page.path, csrf.0)
    };
    let wanted = match check(lang, &f) {
        Ok(w) => w,
        Err(errors) => {
            view.errors = errors;
            return html_status(StatusCode::UNPROCESSABLE_ENTITY, view);
        }
    };
    // The filing quota per address; then this asker's wrong guesses. Only
    // failures count, and only against whoever made them: nobody can spend
    // a request's or an address's tries and lock its owner out.
    let asker = super::rate_limit::client_address(&req, &state.config);
    if let Some(wait) = asker_wait(&req, &state, &asker).await? {
        return limited(view, wait);
    }
    let reference = wanted.reference.clone();
    let ticket = state.db(move |c| Ok(store::find_by_reference(c, &reference)?)).await?;
    let ticket = ticket.filter(|t| crate::domain::text::same_email(&t.contact_email, &wanted.email));
    // A few fresh links an hour for one request, whoever asks (the owner's
    // inbox is not flooded); past that, the same answer and no mail.
    let within_quota = match &ticket {
        Some(t) => state.limits.find.check(format!("ref:{}", t.reference)).await.is_ok(),
        None => false,
    };
    match ticket {
        Some(t) if within_quota => {
            // Queued in the background: the answer does not wait for the
            // write, so a match is no slower than a miss. The worker mints
            // the link when it sends (stored hashed, as for every customer
            // email).
            let state = state.clone();
            actix_web::rt::spawn(async move {
                let queued = state
                    .write(move |c| {
                        Ok(outbox::enqueue(c, MailKind::FreshLink, &t.id, None, &t.contact_email, t.language, now())?)
                    })
                    .await;
                if let Err(e) = queued {
                    tracing::warn!(error = %e, "find my request: the fresh link was not queued");
                }
            });
        }
        Some(_) => {}
        None => state.limits.find_misses.failed(asker).await?,
    }
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/find?sent=1")).finish())
}

#[derive(Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "tracking/find_code.html")]
struct CodePage {
    lang: Lang,
    path: String,
    csrf: String,
    reference: String,
    phone: String,
    /// The code was wrong or had expired.
    wrong: bool,
    /// The link the right code opened.
    link: Option<String>,
}

/// Asked too often from this address: the find page with the calm words,
/// and how long to wait.
fn limited(mut view: FindPage, wait: i64) -> Result<HttpResponse, AppError> {
    view.limited = Some((wait + 59) / 60);
    let mut res = html_status(StatusCode::TOO_MANY_REQUESTS, view)?;
    res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
    Ok(res)
}

/// The seconds this asker must wait, if any: the filing quota per address,
/// then their wrong guesses. Only failures count, and only against whoever
/// made them: nobody can spend a request's or an address's tries and lock
/// its owner out.
async fn asker_wait(req: &HttpRequest, state: &AppState, asker: &std::net::IpAddr) -> Result<Option<i64>, AppError> {
    match state.check_intake_rate(req).await {
        Err(AppError::TooManyAttempts { retry_after_secs }) => Ok(Some(retry_after_secs)),
        Err(e) => Err(e),
        Ok(()) => Ok(state.limits.find_misses.blocked(asker).await?.map(|wait| wait as i64)),
    }
}

/// The find page, empty but for what is given.
fn blank(lang: Lang, path: String, csrf: String) -> FindPage {
    FindPage {
        lang,
        path,
        csrf,
        reference: String::new(),
        email: String::new(),
        sent: false,
        limited: None,
        errors: vec![],
    }
}

/// `POST /find/phone`: texts a code when the reference and number match.
pub async fn phone(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(f): CsrfForm<PhoneForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let reference = normalize_reference(&f.reference);
    let phone = crate::domain::sms::normalize_phone(&f.phone);
    let (Some(reference), Some(phone)) = (reference.clone(), phone.clone()) else {
        let mut errors = Vec::new();
        if reference.is_none() {
            errors.push(("reference", lang.t("find-error-reference")));
        }
        if phone.is_none() {
            errors.push(("phone", lang.t("find-error-phone")));
        }
        let view = FindPage { reference: f.reference.trim().to_string(), errors, ..blank(lang, page.path, csrf.0) };
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, view);
    };
    let asker = super::rate_limit::client_address(&req, &state.config);
    if let Some(wait) = asker_wait(&req, &state, &asker).await? {
        return limited(blank(lang, page.path, csrf.0), wait);
    }
    let wanted = reference.clone();
    let ticket = state.db(move |c| Ok(store::find_by_reference(c, &wanted)?)).await?;
    match ticket.filter(|t| !t.anonymised() && t.contact_phone == phone) {
        Some(t) => {
            // Written in the background, as the email's fresh link: a match
            // answers no slower than a miss.
            let (state, phone) = (state.clone(), phone.clone());
            actix_web::rt::spawn(async move {
                let queued = state
                    .write(move |c| Ok(crate::ops::notify::send_code(c, &t, &phone, &asker.to_string(), now())?))
                    .await;
                if let Err(e) = queued {
                    tracing::warn!(error = %e, "find by phone: the code was not queued");
                }
            });
        }
        None => state.limits.find_misses.failed(asker).await?,
    }
    html(CodePage { lang, path: page.path, csrf: csrf.0, reference, phone, wrong: false, link: None })
}

/// `POST /find/code`: the right code shows a fresh link.
pub async fn code(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(f): CsrfForm<PhoneForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let asker = super::rate_limit::client_address(&req, &state.config);
    if let Some(wait) = asker_wait(&req, &state, &asker).await? {
        return limited(blank(lang, page.path, csrf.0), wait);
    }
    let reference = normalize_reference(&f.reference).unwrap_or_default();
    let phone = crate::domain::sms::normalize_phone(&f.phone).unwrap_or_default();
    let code = f.code.trim().to_string();
    let (wanted, number) = (reference.clone(), phone.clone());
    let token = state
        .write(move |c| {
            let Some(t) =
                store::find_by_reference(c, &wanted)?.filter(|t| !t.anonymised() && t.contact_phone == number)
            else {
                return Ok(None);
            };
            if !crate::db::sms::try_code(c, &t.id, &number, &code, now())? {
                return Ok(None);
            }
            Ok(Some(store::mint_link(c, &t.id, now())?))
        })
        .await?;
    let wrong = token.is_none();
    if wrong {
        state.limits.find_misses.failed(asker).await?;
    }
    let view = CodePage {
        lang,
        path: page.path,
        csrf: csrf.0,
        reference,
        phone,
        wrong,
        link: token.map(|t| format!("{}/t/{t}", state.public_url)),
    };
    if wrong {
        html_status(StatusCode::UNPROCESSABLE_ENTITY, view)
    } else {
        html(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_needs_a_reference_and_an_email() {
        let ok = check(Lang::En, &FindForm { reference: "pd 7km3qx".into(), email: "a@b.cn".into() }).unwrap();
        assert_eq!(ok.reference, "PD-7KM3QX");
        let bad = check(Lang::En, &FindForm { reference: "12".into(), email: "nope".into() }).unwrap_err();
        assert_eq!(bad.iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["reference", "email"]);
    }
}
