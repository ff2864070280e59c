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
use crate::db::routing::{self, LearnedPhrase, Platform as PlatformRow};
use crate::db::tickets as store;
use crate::domain::codes::{CaseKind, PaymentScenario, Platform, Role};
use crate::domain::reference::normalize_reference;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::routing::learn::{self, Group, Refusal, Unmatched};
use crate::routing::{Decision, Rule, Vocabulary};
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
    /// Recent and open tickets nothing matched, by what they said.
    groups: Vec<Group>,
    learned: Vec<LearnedPhrase>,
    /// The phrase being tested, and its kind.
    phrase: String,
    kind: String,
    kinds: Vec<(&'static str, String)>,
    test: Option<Result<PreviewView, String>>,
    /// Open tickets routed by the phrase just saved.
    saved: Option<usize>,
}

/// What testing a phrase showed.
pub struct PreviewView {
    pub before: String,
    pub after: String,
    /// "line N: expected → was → now: message".
    pub corpus_changes: Vec<String>,
    pub tickets: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct TestQuery {
    reference: Option<String>,
    saved: Option<usize>,
}

/// Recent means the last 30 days (and every open ticket).
const RECENT_DAYS: i64 = 30;
const RECENT_MAX: i64 = 2000;

/// `GET /admin/routing`: the rules, each with its conditions in words;
/// `?reference=` tested; the tickets nothing matched, grouped.
pub async fn rules(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<TestQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    rules_page(p, me, csrf, state, q.reference.unwrap_or_default(), q.saved, None).await
}

/// `POST /admin/routing/test`: the page with a phrase tested against the
/// corpus and the unmatched tickets before it may be saved. A POST with its
/// CSRF token: the test routes thousands of tickets, which no other site
/// may make a signed-in admin's browser do.
pub async fn test_phrase(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<PhraseForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    rules_page(p, me, csrf, state, String::new(), None, Some((form.phrase, form.kind))).await
}

async fn rules_page(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    reference: String,
    saved: Option<usize>,
    asked: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let result = match normalize_reference(&reference) {
        Some(r) => {
            let rules = state.rules.clone();
            Some(
                state
                    .db(move |c| {
                        let t = store::find_by_reference(c, &r)?.ok_or(AppError::NotFound)?;
                        Ok(crate::ops::routing::decide(c, &t, &rules)?)
                    })
                    .await?,
            )
        }
        None if !reference.trim().is_empty() => return Err(AppError::NotFound),
        None => None,
    };
    let since = now() - chrono::Duration::days(RECENT_DAYS);
    let (phrase, kind) = asked.clone().unwrap_or_default();
    let rules = state.rules.clone();
    // Grouping and testing route up to a few thousand tickets and the
    // corpus: done on the blocking pool with the reads, not on a worker.
    let (groups, learned_rows, test) = state
        .db(move |c| {
            let unmatched = routing::unmatched_tickets(c, since, RECENT_MAX)?;
            let learned = routing::learned_vocabulary(c)?;
            let recent = unmatched_facts(&unmatched, &learned);
            let test = asked.map(|(phrase, kind)| {
                let k = CaseKind::parse(&kind).ok_or_else(|| lang.t("learn-choose-kind"))?;
                learn::preview(&rules, &learned, &phrase, k, &recent)
                    .map(|p| preview_view(lang, &p))
                    .map_err(|r| refusal(lang, &r))
            });
            Ok((learn::groups(&recent), routing::learned_phrases(c)?, test))
        })
        .await?;
    let rules = state.rules.rules.iter().map(|r| (r.clone(), describe(r))).collect();
    crate::web::html(RulesPage {
        lang,
        path: p.path,
        me,
        csrf: csrf.0,
        rules,
        reference,
        result,
        groups,
        learned: learned_rows,
        phrase,
        kind,
        kinds: CaseKind::ALL.iter().filter(|k| **k != CaseKind::Other).map(|k| (k.as_str(), k.label(lang))).collect(),
        test,
        saved,
    })
}

fn unmatched_facts<'a>(tickets: &'a [store::Ticket], learned: &'a Vocabulary) -> Vec<Unmatched<'a>> {
    tickets
        .iter()
        .map(|t| Unmatched {
            reference: &t.reference,
            facts: crate::ops::routing::facts_of(t, true, learned),
            open: t.status.is_open(),
        })
        .collect()
}

fn preview_view(lang: Lang, p: &learn::Preview) -> PreviewView {
    let pct = |s: &crate::routing::eval::Score| format!("{}/{} ({:.1}%)", s.correct, s.cases, s.accuracy() * 100.0);
    PreviewView {
        before: pct(&p.before),
        after: pct(&p.after),
        corpus_changes: p
            .corpus_changes
            .iter()
            .map(|(c, was, now)| {
                format!(
                    "line {}: {} — {} → {}: {}",
                    c.line,
                    c.expected.label(lang),
                    was.label(lang),
                    now.label(lang),
                    c.error_message.as_deref().unwrap_or("")
                )
            })
            .collect(),
        tickets: p.tickets.iter().map(|(r, k)| (r.clone(), k.label(lang))).collect(),
    }
}

fn refusal(lang: Lang, r: &Refusal) -> String {
    match r {
        Refusal::Empty => lang.t("learn-empty"),
        Refusal::TooLong => lang.t_with("learn-too-long", "max", learn::PHRASE_MAX),
        Refusal::Other => lang.t("learn-choose-kind"),
        Refusal::Personal => lang.t("learn-personal"),
        Refusal::Known(k) => lang.t_with("learn-known", "kind", k.label(lang)),
        Refusal::Breaks(lines) => {
            lang.t_with("learn-breaks", "lines", lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", "))
        }
    }
}

#[derive(Deserialize)]
pub struct PhraseForm {
    phrase: String,
    kind: String,
}

/// `POST /admin/routing/phrases`: teaches a phrase (tested again here), then
/// routes again the open tickets still in `other` that it now places.
pub async fn add_phrase(
    me: Staff,
    CsrfForm(form): CsrfForm<PhraseForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let phrase = crate::domain::text::clean(&form.phrase, learn::PHRASE_MAX, false)
        .map_err(|_| AppError::BadRequest("phrase"))?
        .ok_or(AppError::BadRequest("phrase"))?;
    let kind = CaseKind::parse(&form.kind).ok_or(AppError::BadRequest("kind"))?;
    let rules = state.rules.clone();
    let actor = me.id.clone();
    let since = now() - chrono::Duration::days(RECENT_DAYS);
    // Tested again first, outside the write transaction (it routes the
    // corpus and the recent tickets); the open tickets it places are noted.
    let test_rules = rules.clone();
    let test_phrase = phrase.clone();
    let to_route: Vec<String> = state
        .db(move |c| {
            let learned = routing::learned_vocabulary(c)?;
            let unmatched = routing::unmatched_tickets(c, since, RECENT_MAX)?;
            let recent = unmatched_facts(&unmatched, &learned);
            let preview = learn::preview(&test_rules, &learned, &test_phrase, kind, &recent)
                .map_err(|_| AppError::Refused(crate::error::Refusal::Phrase))?;
            Ok(preview
                .tickets
                .iter()
                .filter_map(|(r, _)| unmatched.iter().find(|t| &t.reference == r && t.status.is_open()))
                .map(|t| t.id.clone())
                .collect())
        })
        .await?;
    let rerouted = state
        .transact(move |c| {
            // The insert is the first write (SQLite takes its lock at once);
            // the same phrase saved twice at once is a 409, not a 500.
            let at = now();
            routing::insert_phrase(c, &phrase, kind, &actor, at).map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    AppError::Refused(crate::error::Refusal::Phrase)
                }
                other => other.into(),
            })?;
            audit::record(
                c,
                Entry {
                    actor_id: Some(&actor),
                    action: "routing_phrase_add",
                    ticket_id: None,
                    before: "",
                    after: &format!("{phrase} → {kind}"),
                },
                at,
            )?;
            let mut n = 0;
            for id in to_route {
                n += usize::from(crate::ops::routing::after_learning(c, &id, &rules, at)?);
            }
            Ok(n)
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/routing?saved={rerouted}#learned")))
        .finish())
}

/// `POST /admin/routing/phrases/{id}/delete`: forgets a learned phrase.
pub async fn delete_phrase(
    me: Staff,
    id: web::Path<String>,
    _form: CsrfForm<crate::auth::csrf::NoFields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = me.id.clone();
    state
        .transact(move |c| {
            let (phrase, kind) = routing::delete_phrase(c, &id)?.ok_or(AppError::NotFound)?;
            audit::record(
                c,
                Entry {
                    actor_id: Some(&actor),
                    action: "routing_phrase_delete",
                    ticket_id: None,
                    before: &format!("{phrase} → {kind}"),
                    after: "",
                },
                now(),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/routing#learned")).finish())
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
    if let Some(v) = &r.message_means {
        parts.push(format!("message means: {}", list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
    }
    if let Some(v) = &r.description_means {
        parts.push(format!("description means: {}", list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>())));
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
