//! The help request form: `GET /tickets/new`, `POST /tickets`. A refused
//! form comes back with every problem next to its field, every typed value,
//! and the chosen screenshot kept.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::lang::PageLang;
use super::multipart::{self, FormData};
use super::{now, AppState};
use crate::auth::csrf::CsrfToken;
use crate::db::tickets as store;
use crate::domain::account::MaskedAccount;
use crate::domain::codes::*;
use crate::domain::intake::{self, FieldErrors, IntakeInput, NewTicket, Problem};
use crate::domain::screenshot::{Screenshot, ScreenshotError, DRAFTS_MAX_BYTES};
use crate::error::AppError;
use crate::i18n::Lang;

/// The intake fields of a multipart form, as typed.
pub fn intake_input(form: &FormData, max_file: usize) -> IntakeInput {
    IntakeInput {
        platform: form.text("platform"),
        payment_scenario: form.text("payment_scenario"),
        payment_method: form.text("payment_method"),
        failing_step: form.text("failing_step"),
        symptom: form.text("symptom"),
        error_code: form.text("error_code"),
        error_message: form.text("error_message"),
        city: form.text("city"),
        account_number: form.text("account_number"),
        checks_tried: form.all("checks_tried"),
        occurred_at: form.text("occurred_at"),
        amount: form.text("amount"),
        order_number: form.text("order_number"),
        contact_phone: form.text("contact_phone"),
        contact_email: form.text("contact_email"),
        contact_channel: form.text("contact_channel"),
        description: form.text("description"),
        screenshot: form.file.as_ref().map(|file| match &file.data {
            Some(data) => Screenshot::parse(data.clone(), max_file),
            None => Err(ScreenshotError::TooLarge),
        }),
    }
}

/// A screenshot kept from an earlier, refused submit.
pub struct KeptScreenshot {
    pub token: String,
    pub file_name: String,
}

pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub errors: Vec<String>,
    pub value: String,
    /// "required" or "optional", in the page's language.
    pub marker: String,
    /// For a fact only some symptoms require: the symptom codes that make
    /// it required, and the marker's words for each case, so the form's
    /// script can follow the symptom as it is chosen (empty otherwise).
    pub required_for: String,
    pub marker_when: MarkerWords,
}

/// A fact field's marker for a chosen symptom that requires it, one that
/// does not, and no symptom chosen yet.
#[derive(Default)]
pub struct MarkerWords {
    pub required: String,
    pub optional: String,
    pub unknown: String,
}

impl FieldView {
    /// Ids of the hint and error texts, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if !self.errors.is_empty() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

pub struct OptionView {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

/// One box of "what have you tried?".
pub struct CheckOption {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
    /// The symptom codes it fits, space-separated (for the script).
    pub symptoms: String,
    pub hidden: bool,
}

#[derive(Template)]
#[template(path = "tickets/new.html")]
pub struct NewTicketPage {
    lang: Lang,
    csrf: String,
    /// Values to show, by field name.
    values: std::collections::HashMap<&'static str, String>,
    checks: Vec<String>,
    errors: FieldErrors,
    kept: Option<KeptScreenshot>,
    max_screenshot_bytes: usize,
}

impl NewTicketPage {
    fn new(lang: Lang, csrf: String, max_screenshot_bytes: usize) -> Self {
        NewTicketPage {
            lang,
            csrf,
            values: Default::default(),
            checks: Vec::new(),
            errors: FieldErrors::default(),
            kept: None,
            max_screenshot_bytes,
        }
    }

    fn field(&self, name: &'static str, required: bool) -> FieldView {
        let hint_key = format!("hint-{name}");
        let hint = match name {
            "screenshot" => self.lang.t_with(&hint_key, "max", human_size(self.max_screenshot_bytes)),
            // Fields without a hint have none in the translation files.
            _ => self.lang.try_t(&hint_key).unwrap_or_default(),
        };
        let (marker, required_for, marker_when) = match fact_of(name).filter(|_| !required) {
            None => (
                self.lang.t(if required { "form-required" } else { "form-optional" }),
                String::new(),
                MarkerWords::default(),
            ),
            Some(fact) => {
                let words = fact_marker(self.lang, name, fact);
                let now = match self.symptom() {
                    Some(s) if requires(s, fact) => words.required.clone(),
                    Some(_) => words.optional.clone(),
                    None => words.unknown.clone(),
                };
                let codes: Vec<&str> =
                    Symptom::ALL.iter().filter(|s| requires(**s, fact)).map(|s| s.as_str()).collect();
                (now, codes.join(" "), words)
            }
        };
        FieldView {
            name,
            label: self.lang.t(&format!("field-{name}")),
            hint,
            errors: self.errors.get(name).iter().map(|p| message(self.lang, *p, self.max_screenshot_bytes)).collect(),
            value: self.values.get(name).cloned().unwrap_or_default(),
            marker,
            required_for,
            marker_when,
        }
    }

    /// The symptom chosen so far (from the help page's link or the last try).
    fn symptom(&self) -> Option<Symptom> {
        self.values.get("symptom").and_then(|s| Symptom::parse(s))
    }

    /// Whether the money-taken section opens: the symptom requires it, or
    /// something in it was typed or needs fixing. Otherwise it folds away,
    /// so most customers see a shorter form.
    fn money_open(&self) -> bool {
        const FIELDS: [&str; 3] = ["occurred_at", "amount", "order_number"];
        self.symptom().is_some_and(|s| requires(s, Fact::Amount))
            || FIELDS
                .iter()
                .any(|f| self.values.get(f).is_some_and(|v| !v.is_empty()) || !self.errors.get(f).is_empty())
    }

    /// The symptom codes that require the money-taken facts (for the script).
    fn money_required_for(&self) -> String {
        Symptom::ALL.iter().filter(|s| requires(**s, Fact::Amount)).map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Whether this form was refused: a language switch then shows its
    /// problems again.
    fn refused(&self) -> bool {
        !self.errors.0.is_empty()
    }

    fn options(&self, name: &str) -> Vec<OptionView> {
        let current = self.values.get(name).map(String::as_str).unwrap_or("");
        choices(name)
            .into_iter()
            .map(|(code, key)| OptionView { code, label: self.lang.t(&key), selected: code == current })
            .collect()
    }

    /// How to reach the customer; none chosen until they choose (SMS when a
    /// number is given, else email).
    fn channel_options(&self) -> Vec<OptionView> {
        self.options("contact_channel")
    }

    /// The boxes "what have you tried?": the advice of the help page for
    /// the chosen symptom plus "none of these yet" (issue 29, 2). Every box
    /// is sent, each naming the symptoms it fits, so the script can follow
    /// the symptom as it changes; the ones that do not fit the symptom
    /// chosen so far are hidden — never one the customer ticked.
    fn check_options(&self) -> Vec<CheckOption> {
        let chosen = self.symptom().map(Symptom::checks_offered);
        let offered: Vec<CheckTried> = Symptom::ALL.iter().flat_map(|s| s.checks_offered()).collect();
        CheckTried::ALL
            .iter()
            .map(|c| (c, self.checks.iter().any(|v| v == c.as_str())))
            .filter(|(c, selected)| offered.contains(c) || *selected)
            .map(|(c, selected)| {
                let fits: Vec<&str> =
                    Symptom::ALL.iter().filter(|s| s.checks_offered().contains(c)).map(|s| s.as_str()).collect();
                CheckOption {
                    code: c.as_str(),
                    label: self.lang.t(&c.label_key()),
                    selected,
                    symptoms: fits.join(" "),
                    hidden: !selected && chosen.as_ref().is_some_and(|list| !list.contains(c)),
                }
            })
            .collect()
    }

    /// Problems for the summary at the top, in page order: (field, label, message).
    fn summary(&self) -> Vec<(&'static str, String, String)> {
        intake::FIELDS
            .iter()
            .flat_map(|name| {
                self.errors.get(name).iter().map(move |p| {
                    (*name, self.lang.t(&format!("field-{name}")), message(self.lang, *p, self.max_screenshot_bytes))
                })
            })
            .collect()
    }

    fn kept_note(&self) -> String {
        match &self.kept {
            Some(k) => self.lang.t_with("form-screenshot-kept", "name", &k.file_name),
            None => String::new(),
        }
    }
}

/// The (code, label key) pairs of a choice field.
fn choices(name: &str) -> Vec<(&'static str, String)> {
    fn pairs<T: Copy>(all: &[T], code: fn(T) -> &'static str, key: fn(T) -> String) -> Vec<(&'static str, String)> {
        all.iter().map(|v| (code(*v), key(*v))).collect()
    }
    match name {
        "platform" => pairs(Platform::ALL, Platform::as_str, Platform::label_key),
        "payment_scenario" => pairs(PaymentScenario::ALL, PaymentScenario::as_str, PaymentScenario::label_key),
        "payment_method" => pairs(PaymentMethod::ALL, PaymentMethod::as_str, PaymentMethod::label_key),
        "failing_step" => pairs(FailingStep::ALL, FailingStep::as_str, FailingStep::label_key),
        "symptom" => pairs(Symptom::ALL, Symptom::as_str, Symptom::label_key),
        "contact_channel" => pairs(ContactChannel::ALL, ContactChannel::as_str, ContactChannel::label_key),
        _ => Vec::new(),
    }
}

/// `5 MB`, `64 KB`.
pub fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes / 1024)
    }
}

/// A problem's message in a language.
pub fn message(lang: Lang, problem: Problem, max_screenshot_bytes: usize) -> String {
    match problem {
        Problem::Screenshot(ScreenshotError::TooLarge) => {
            lang.t_with(problem.message_key(), "max", human_size(max_screenshot_bytes))
        }
        _ => match problem.max() {
            Some(max) => lang.t_with(problem.message_key(), "max", max),
            None => lang.t(problem.message_key()),
        },
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    symptom: Option<String>,
}

/// `GET /tickets/new?symptom=…`: the form, with the symptom picked on the
/// help page already chosen.
pub async fn new_form(
    page: PageLang,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let mut view = NewTicketPage::new(page.lang, csrf.0, state.config.max_screenshot_bytes);
    if let Some(symptom) = query.symptom.as_deref().and_then(Symptom::parse) {
        view.values.insert("symptom", symptom.as_str().to_string());
    }
    super::html(view)
}

/// `POST /tickets`: stores a complete request and sends the customer to its
/// confirmation page, or shows the form again with what to fix.
pub async fn create(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let max_file = state.config.max_screenshot_bytes;
    let form = multipart::read(&req, payload, state.config.max_body_bytes(), max_file).await?;
    csrf.check(&form.text(crate::auth::csrf::FIELD))?;
    // The language button in the header submits this form too: the page
    // comes back in the other language with everything typed (and the
    // chosen screenshot) kept, and nothing is filed — so, without a new
    // file, it does not count against the filing limit (a refused page
    // there would lose the form).
    let switch_to = Lang::parse(&form.text("switch_lang"));
    // A switch that carries a newly chosen screenshot keeps it on disk for a
    // day (a draft): that counts, so the button cannot be used to fill it.
    let uploads = form.file.as_ref().is_some_and(|f| f.data.is_some());
    if switch_to.is_none() || uploads {
        state.check_intake_rate(&req).await?;
    }
    let lang = switch_to.or_else(|| Lang::parse(&form.text("lang"))).unwrap_or(page.lang);
    let mut input = intake_input(&form, max_file);
    let upload = match &input.screenshot {
        Some(Ok(shot)) => form.file.as_ref().map(|f| (f.file_name.clone(), shot.clone())),
        _ => None,
    };

    // No new file chosen: use the one kept from the last try, if any.
    let draft_token = form.text("screenshot_token");
    let mut kept = None;
    let mut draft_lost = false;
    if input.screenshot.is_none() && !draft_token.is_empty() {
        let token = draft_token.clone();
        match state.write(move |c| Ok(store::load_draft(c, &token, now())?)).await? {
            Some((file_name, shot)) => {
                input.screenshot = Some(Ok(shot));
                kept = Some(KeptScreenshot { token: draft_token.clone(), file_name });
            }
            None => draft_lost = true,
        }
    }

    let screenshot_problem = match &input.screenshot {
        Some(Err(e)) => Some(Problem::Screenshot(*e)),
        _ => None,
    };
    let mut result = intake::validate(input, lang, now());
    if let Some(lang) = switch_to {
        // Problems are shown again only on a form that was already refused
        // (the customer has seen them); a fresh form stays clean, except
        // for a screenshot that cannot be kept, which they must know.
        let mut errors = match result {
            Err(errors) if form.text("refused") == "1" => errors,
            _ => FieldErrors::default(),
        };
        if let Some(problem) = screenshot_problem {
            errors.0.remove("screenshot");
            errors.add("screenshot", problem);
        }
        if draft_lost {
            errors.0.remove("screenshot");
            errors.add("screenshot", Problem::ScreenshotExpired);
        }
        let status = if errors.0.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        let client = super::rate_limit::client_address(&req, &state.config);
        let view = refill(&state, client, &form, lang, csrf.0, errors, kept, upload).await?;
        let status = if view.errors.0.is_empty() { status } else { StatusCode::UNPROCESSABLE_ENTITY };
        let mut response = super::html_status(status, view)?;
        response.add_cookie(&super::lang::cookie(lang)).map_err(|e| AppError::Internal(e.to_string()))?;
        return Ok(response);
    }
    if draft_lost {
        // Say why the screenshot they believe attached is missing, rather
        // than file the ticket without it.
        let mut errors = result.err().unwrap_or_default();
        errors.0.remove("screenshot");
        errors.add("screenshot", Problem::ScreenshotExpired);
        result = Err(errors);
    }
    match result {
        Ok(ticket) => {
            let used_draft = kept.as_ref().map(|k| k.token.clone());
            let created = store_ticket(&state, ticket, used_draft, None).await?;
            let location = format!("/t/{}/created", created.token.as_str());
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
        Err(errors) => {
            let client = super::rate_limit::client_address(&req, &state.config);
            let view = refill(&state, client, &form, lang, csrf.0, errors, kept, upload).await?;
            super::html_status(StatusCode::UNPROCESSABLE_ENTITY, view)
        }
    }
}

/// The form shown again with everything typed, its problems, and the
/// screenshot kept (a newly chosen, valid one is saved as a draft for the
/// next try). Drafts are capped — by what one address may leave an hour,
/// in bytes, and by what they hold in all — so nobody fills the disk with
/// refused forms; past either, the screenshot is not kept, and the form
/// says to choose it again.
#[allow(clippy::too_many_arguments)]
async fn refill(
    state: &AppState,
    client: std::net::IpAddr,
    form: &FormData,
    lang: Lang,
    csrf: String,
    mut errors: FieldErrors,
    mut kept: Option<KeptScreenshot>,
    upload: Option<(String, Screenshot)>,
) -> Result<NewTicketPage, AppError> {
    if let Some((file_name, shot)) = upload {
        let size = shot.data.len();
        let allowed = state.limits.draft_kib.check_n(client, size.div_ceil(1024) as u32).await?;
        let name = file_name.clone();
        let token = state
            .write(move |c| {
                if !allowed || store::drafts_bytes(c)? + size as i64 > DRAFTS_MAX_BYTES {
                    return Ok(None);
                }
                Ok(Some(store::save_draft(c, &name, &shot, now())?))
            })
            .await?;
        match token {
            Some(token) => kept = Some(KeptScreenshot { token, file_name }),
            None => {
                errors.0.remove("screenshot");
                errors.add("screenshot", Problem::ScreenshotNotKept);
            }
        }
    }
    let mut view = NewTicketPage::new(lang, csrf, state.config.max_screenshot_bytes);
    for name in intake::text_fields() {
        view.values.insert(name, form.text(name));
    }
    // A full account number is never shown back: its masked form is, and it
    // is accepted again as it stands. One that could not be read is shown
    // as typed, to be corrected rather than typed again.
    let typed = form.text("account_number");
    let account = MaskedAccount::parse(&typed).map(|m| m.to_string()).unwrap_or(typed);
    view.values.insert("account_number", account);
    view.checks = form.all("checks_tried");
    view.errors = errors;
    view.kept = kept;
    Ok(view)
}

/// Stores a validated ticket; shared by the form and the API.
pub async fn store_ticket(
    state: &AppState,
    ticket: NewTicket,
    draft_token: Option<String>,
    claim: Option<crate::db::idempotency::Claim>,
) -> Result<crate::ops::intake::Created, AppError> {
    let rules = state.rules.clone();
    let payments = state.payments.clone();
    let (created, decision) = state
        .write(move |c| {
            let filing = crate::ops::intake::Filing { draft_token: draft_token.as_deref(), claim: claim.as_ref() };
            Ok(crate::ops::intake::file(c, &ticket, &rules, &payments, filing, now())?)
        })
        .await?;
    tracing::info!(reference = %created.reference, kind = %decision.kind, rule = %decision.rule, "ticket filed");
    state.metrics.filed.with_label_values(&[decision.kind.as_str()]).inc();
    Ok(created)
}

use crate::domain::completeness::Fact;

/// The completeness model's fact a form field gives, if any.
fn fact_of(name: &str) -> Option<Fact> {
    Fact::ALL.into_iter().find(|f| f.fields().contains(&name))
}

/// Whether the symptom alone requires a fact: all the form can know.
fn requires(symptom: Symptom, fact: Fact) -> bool {
    use crate::domain::completeness::{need, Need};
    need(symptom, None, fact) == Need::Required
}

/// A fact field's marker words, as the completeness model says: required
/// (for the error detail: this or the other field), optional, or — before a
/// symptom is chosen — required for the symptoms that need it.
fn fact_marker(lang: Lang, name: &str, fact: Fact) -> MarkerWords {
    let when: Vec<String> = Symptom::ALL.iter().filter(|s| requires(**s, fact)).map(|s| s.label(lang)).collect();
    let optional = lang.t("form-optional");
    if when.is_empty() {
        return MarkerWords { required: optional.clone(), unknown: optional.clone(), optional };
    }
    let when = when.join(" / ");
    let (required, unknown) = match fact {
        // One of the two will do.
        Fact::ErrorDetail if name == "error_code" => {
            (lang.t("form-required-or-message"), lang.t_with("form-required-or-message-when", "when", when))
        }
        Fact::ErrorDetail => (lang.t("form-required-or-code"), lang.t_with("form-required-or-code-when", "when", when)),
        _ => (lang.t("form-required"), lang.t_with("form-required-when", "when", when)),
    };
    MarkerWords { required, optional, unknown }
}
