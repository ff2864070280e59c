//! The customer's first steps: pick what went wrong, try the self-checks
//! that fit it, and only then ask for help.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::html;
use super::lang::PageLang;
use crate::domain::codes::{SelfCheck, Symptom};
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    lang: Lang,
    path: String,
    symptoms: &'static [Symptom],
}

pub async fn home(page: PageLang) -> Result<HttpResponse, AppError> {
    html(HomePage { lang: page.lang, path: page.path, symptoms: Symptom::ALL })
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage {
    lang: Lang,
    path: String,
    symptom: Symptom,
    checks: &'static [SelfCheck],
}

pub async fn help(page: PageLang, symptom: web::Path<String>) -> Result<HttpResponse, AppError> {
    let symptom = Symptom::parse(&symptom).ok_or(AppError::NotFound)?;
    html(HelpPage { lang: page.lang, path: page.path, symptom, checks: symptom.self_checks() })
}
