//! Admins keep each platform's allow-list of payment scenarios, see the
//! active routing rules, and test any ticket against them.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::audit::{self, Entry};
use crate::db::routing::{self, Platform as PlatformRow};
use crate::db::tickets as store;
use crate::domain::codes::{PaymentScenario, Platform, Role};
use crate::domain::reference::normalize_reference;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::routing::{Decision, Facts, Rule};
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

#[derive(Template)]
#[template(path = "staff/platforms.html")]
struct PlatformsPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    platforms: Vec<PlatformView>,
}

/// A platform, its name, and each scenario (code, label, allowed).
pub struct PlatformView {
    pub row: PlatformRow,
    pub name: String,
    pub scenarios: Vec<(&'static str, String, bool)>,
}

pub async fn platforms(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let list = state.db(|c| Ok(routing::platforms(c)?)).await?;
    let platforms = list
        .into_iter()
        .map(|(pl, allowed)| {
            let name = pl.code.label(lang);
            let scenarios =
                PaymentScenario::ALL.iter().map(|s| (s.as_str(), s.label(lang), allowed.contains(s))).collect();
            PlatformView { row: pl, name, scenarios }
        })
        .collect();
    crate::web::html(PlatformsPage { lang, path: p.path, me, csrf: csrf.0, platforms })
}

/// The form arrives as pairs through [`CsrfForm`] (CSRF checked first):
/// `scenarios` repeats, one per ticked box, which serde_urlencoded cannot
/// read into a `Vec` field; each is parsed strictly below.
pub async fn save_platform(
    me: Staff,
    code: web::Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let map: HashMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let code = code.into_inner();
    Platform::parse(&code).ok_or(AppError::NotFound)?;
    let restricted = map.contains_key("restricted");
    let contact = map.get("contact_email").map(|s| s.trim().to_string()).unwrap_or_default();
    if !contact.contains('@') || contact.len() > crate::domain::intake::EMAIL_MAX {
        return Err(AppError::BadRequest("contact_email"));
    }
    let scenarios: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scenarios")
        .map(|(_, v)| PaymentScenario::parse(v).map(|s| s.as_str().to_string()).ok_or(AppError::BadRequest("scenario")))
        .collect::<Result<_, _>>()?;
    let actor = me.id.clone();
    state
        .transact(move |c| {
            routing::save_platform(c, &code, restricted, &contact, &scenarios)?;
            let after = format!("{code} restricted={restricted} [{}] {contact}", scenarios.join(","));
            audit::record(
                c,
                Entry { actor_id: Some(&actor), action: "platform_edit", ticket_id: None, before: "", after: &after },
                now(),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/platforms")).finish())
}

#[derive(Template)]
#[template(path = "staff/rules.html")]
struct RulesPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    rules: Vec<(Rule, String)>,
    reference: String,
    result: Option<Decision>,
}

#[derive(Deserialize)]
pub struct TestQuery {
    reference: Option<String>,
}

/// The rules, each with its conditions in words, and `?reference=` tested.
pub async fn rules(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<TestQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = q.reference.clone().unwrap_or_default();
    let result = match normalize_reference(&reference) {
        Some(r) => {
            let rules = state.rules.clone();
            Some(
                state
                    .db(move |c| {
                        let t = store::find_by_reference(c, &r)?.ok_or(AppError::NotFound)?;
                        let allowed = routing::allows(c, t.platform, t.payment_scenario)?;
                        Ok(rules.route(&Facts {
                            symptom: t.symptom,
                            failing_step: t.failing_step,
                            error_code: t.error_code.as_deref(),
                            error_message: t.error_message.as_deref(),
                            description: &t.description,
                            checks_tried: &t.checks_tried,
                            scenario_allowed: allowed,
                        }))
                    })
                    .await?,
            )
        }
        None if !reference.trim().is_empty() => return Err(AppError::NotFound),
        None => None,
    };
    let rules = state.rules.rules.iter().map(|r| (r.clone(), describe(r))).collect();
    crate::web::html(RulesPage { lang: p.lang, path: p.path, me, csrf: csrf.0, rules, reference, result })
}

/// A rule's conditions, as written in the rules file.
fn describe(r: &Rule) -> String {
    let list = |v: &[String]| v.join(" | ");
    let mut parts = Vec::new();
    if let Some(v) = &r.symptom {
        parts.push(format!("symptom: {}", list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    }
    if let Some(v) = &r.failing_step {
        parts.push(format!("failing_step: {}", list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    }
    if let Some(v) = &r.error_code {
        parts.push(format!("error_code: {}", list(v)));
    }
    if let Some(v) = &r.text_contains {
        parts.push(format!("text contains: {}", list(v)));
    }
    if let Some(v) = r.scenario_allowed {
        parts.push(format!("scenario_allowed: {v}"));
    }
    if let Some(v) = &r.checks_not_tried {
        parts.push(format!("not tried: {}", list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join("; ")
    }
}
