//! What makes a help request complete (DOMAIN.md, "What a complete request
//! holds"). One code path for the web form and the JSON API: both build an
//! [`IntakeInput`] and call [`validate`], which reports every problem at once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime};

use super::account::{AccountError, MaskedAccount};
use super::codes::{CheckTried, ContactChannel, FailingStep, PaymentMethod, PaymentScenario, Platform, Symptom};
use super::completeness::{need, Fact, Need};
use super::screenshot::{Screenshot, ScreenshotError};
use super::sms::normalize_phone;
use super::text::{self, TextError};
use crate::i18n::Lang;

/// Limits on free text, in characters.
pub const CITY_MAX: usize = 40;
/// Providers' codes as printed: Alipay's `ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR`
/// is 40 characters, `isv.*` sub-codes run longer.
pub const ERROR_CODE_MAX: usize = 64;
pub const ERROR_MESSAGE_MAX: usize = 500;
pub const ORDER_NUMBER_MAX: usize = 64;
pub const EMAIL_MAX: usize = 254;
pub const DESCRIPTION_MAX: usize = 4000;
/// Largest amount accepted, in cents (one million yuan): a typo guard.
const AMOUNT_MAX_CENTS: i64 = 100_000_000;

/// Every field of a help request, in page order: the names problems are
/// reported on (the form's and the API's).
pub const FIELDS: &[&str] = &[
    "symptom",
    "platform",
    "payment_scenario",
    "payment_method",
    "failing_step",
    "error_code",
    "error_message",
    "screenshot",
    "city",
    "account_number",
    "checks_tried",
    "occurred_at",
    "amount",
    "order_number",
    "contact_phone",
    "contact_email",
    "contact_channel",
    "description",
];

/// The fields typed as text (all but the screenshot and the ticked checks),
/// in page order: what a refused form shows back as it was typed.
pub fn text_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().copied().filter(|f| !matches!(*f, "screenshot" | "checks_tried"))
}

/// Everything a customer sent, as sent. Blank strings mean "not given".
#[derive(Debug, Default, Clone)]
pub struct IntakeInput {
    pub platform: String,
    pub payment_scenario: String,
    pub payment_method: String,
    pub failing_step: String,
    pub symptom: String,
    pub error_code: String,
    pub error_message: String,
    pub city: String,
    pub account_number: String,
    pub checks_tried: Vec<String>,
    pub occurred_at: String,
    pub amount: String,
    pub order_number: String,
    pub contact_phone: String,
    pub contact_email: String,
    /// `sms`, `email` or `both`; blank: SMS when a phone is given.
    pub contact_channel: String,
    pub description: String,
    /// `None`: no file chosen; `Some(Err)`: a file that is not an acceptable image.
    pub screenshot: Option<Result<Screenshot, ScreenshotError>>,
}

/// A complete, valid help request. Holds only the masked account number.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub language: Lang,
    pub platform: Platform,
    pub payment_scenario: PaymentScenario,
    pub payment_method: Option<PaymentMethod>,
    pub failing_step: FailingStep,
    pub symptom: Symptom,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub city: String,
    pub account: MaskedAccount,
    pub checks_tried: Vec<CheckTried>,
    /// UTC.
    pub occurred_at: Option<NaiveDateTime>,
    pub amount_cents: Option<i64>,
    pub order_number: Option<String>,
    /// A normalised mainland mobile number, or empty.
    pub contact_phone: String,
    /// Empty when only a phone was given.
    pub contact_email: String,
    pub contact_channel: ContactChannel,
    pub description: String,
    pub screenshot: Option<Screenshot>,
}

/// Why a field was refused. Each has a message in every language
/// (`err-…` keys in the translation files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    Choose,
    UnknownChoice,
    ChecksRequired,
    TooLong {
        max: usize,
    },
    BadCharacters,
    Email,
    Phone,
    /// Neither a phone nor an email: no way to reach the customer.
    ContactRequired,
    /// SMS chosen without a phone number.
    ChannelNeedsPhone,
    /// Email chosen without an address.
    ChannelNeedsEmail,
    Account(AccountError),
    ErrorDetailRequired,
    ScreenshotRequired,
    Screenshot(ScreenshotError),
    ScreenshotExpired,
    /// A valid screenshot on a refused form that could not be kept for the
    /// next try (the drafts' caps, `web::tickets::refill`).
    ScreenshotNotKept,
    DateFormat,
    DateInFuture,
    AmountFormat,
    AmountRange,
    OrderNumberFormat,
    MessageRequired,
    FactsRequired,
}

impl Problem {
    pub fn message_key(self) -> &'static str {
        match self {
            Problem::Required => "err-required",
            Problem::Choose => "err-choose",
            Problem::UnknownChoice => "err-unknown-choice",
            Problem::ChecksRequired => "err-checks-required",
            Problem::TooLong { .. } => "err-too-long",
            Problem::BadCharacters => "err-bad-characters",
            Problem::Email => "err-email",
            Problem::Phone => "err-phone",
            Problem::ContactRequired => "err-contact-required",
            Problem::ChannelNeedsPhone => "err-channel-phone",
            Problem::ChannelNeedsEmail => "err-channel-email",
            Problem::Account(AccountError::Missing) => "err-required",
            Problem::Account(AccountError::BadCharacters) => "err-account-characters",
            Problem::Account(AccountError::BadLength) => "err-account-length",
            Problem::Account(AccountError::TooHidden) => "err-account-too-hidden",
            Problem::ErrorDetailRequired => "err-error-detail-required",
            Problem::ScreenshotRequired => "err-screenshot-required",
            Problem::Screenshot(ScreenshotError::Empty) => "err-screenshot-empty",
            Problem::Screenshot(ScreenshotError::TooLarge) => "err-screenshot-too-large",
            Problem::Screenshot(ScreenshotError::NotAnImage) => "err-screenshot-not-image",
            Problem::Screenshot(ScreenshotError::BadDimensions) => "err-screenshot-dimensions",
            Problem::ScreenshotExpired => "err-screenshot-expired",
            Problem::ScreenshotNotKept => "err-screenshot-not-kept",
            Problem::DateFormat => "err-date-format",
            Problem::DateInFuture => "err-date-future",
            Problem::AmountFormat => "err-amount-format",
            Problem::AmountRange => "err-amount-range",
            Problem::OrderNumberFormat => "err-order-number-format",
            Problem::MessageRequired => "err-message-required",
            Problem::FactsRequired => "err-facts-required",
        }
    }

    /// The number a message mentions, if any (`$max`).
    pub fn max(self) -> Option<usize> {
        match self {
            Problem::TooLong { max } => Some(max),
            _ => None,
        }
    }
}

impl From<TextError> for Problem {
    fn from(e: TextError) -> Self {
        match e {
            TextError::TooLong { max } => Problem::TooLong { max },
            TextError::BadCharacters => Problem::BadCharacters,
        }
    }
}

/// Problems by field name (the form's and the API's field names).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, Vec<Problem>>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, problem: Problem) {
        let list = self.0.entry(field).or_default();
        if !list.contains(&problem) {
            list.push(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> &[Problem] {
        self.0.get(field).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Runs a field check, recording its problem; the value if it passed.
    fn check<T>(&mut self, field: &'static str, result: Result<T, Problem>) -> Option<T> {
        result.map_err(|p| self.add(field, p)).ok()
    }
}

/// Checks a help request for completeness and validity, reporting every
/// problem at once. `now` is UTC.
pub fn validate(input: IntakeInput, language: Lang, now: NaiveDateTime) -> Result<NewTicket, FieldErrors> {
    let mut errors = FieldErrors::default();

    let platform = errors.check("platform", choice(&input.platform, Platform::parse));
    let payment_scenario = errors.check("payment_scenario", choice(&input.payment_scenario, PaymentScenario::parse));
    let payment_method = errors.check("payment_method", optional_choice(&input.payment_method, PaymentMethod::parse));
    let failing_step = errors.check("failing_step", choice(&input.failing_step, FailingStep::parse));
    let symptom = errors.check("symptom", choice(&input.symptom, Symptom::parse));
    let error_code = errors.check("error_code", optional_text(&input.error_code, ERROR_CODE_MAX, false));
    let error_message = errors.check("error_message", optional_text(&input.error_message, ERROR_MESSAGE_MAX, false));
    // One value however the city is written (上海, 上海市, Shanghai).
    let city = errors.check("city", required_text(&input.city, CITY_MAX)).map(|c| super::cities::canonical(&c));
    let account = errors.check("account_number", MaskedAccount::parse(&input.account_number).map_err(Problem::Account));
    let checks_tried = errors.check("checks_tried", checks(&input.checks_tried));
    let occurred_at = errors.check("occurred_at", occurred_at(&input.occurred_at, now));
    let amount_cents = errors.check("amount", amount(&input.amount));
    let order_number = errors.check("order_number", order_number(&input.order_number));
    let contact = contact(&input, &mut errors);
    let description = errors.check("description", optional_text(&input.description, DESCRIPTION_MAX, true));
    let screenshot = match input.screenshot {
        None => Some(None),
        Some(Ok(shot)) => Some(Some(shot)),
        Some(Err(e)) => errors.check("screenshot", Err(Problem::Screenshot(e))),
    };

    // What the symptom requires before an agent can act on it (the
    // completeness model; routing has not run, so the kind is unknown). A
    // value that failed its own check already has its problem.
    if let Some(symptom) = symptom {
        for fact in Fact::ALL {
            if need(symptom, None, fact) != Need::Required {
                continue;
            }
            let (absent, field, problem) = match fact {
                Fact::Screenshot => (matches!(screenshot, Some(None)), "screenshot", Problem::ScreenshotRequired),
                Fact::ErrorDetail => (
                    matches!((&error_code, &error_message), (Some(None), Some(None))),
                    "error_message",
                    Problem::ErrorDetailRequired,
                ),
                Fact::PaymentMethod => (matches!(payment_method, Some(None)), "payment_method", Problem::Required),
                Fact::OccurredAt => (matches!(occurred_at, Some(None)), "occurred_at", Problem::Required),
                Fact::Amount => (matches!(amount_cents, Some(None)), "amount", Problem::Required),
                Fact::OrderNumber => (matches!(order_number, Some(None)), "order_number", Problem::Required),
            };
            if absent {
                errors.add(field, problem);
            }
        }
    }

    // A failed check recorded a problem and left its value `None`, so
    // whenever a value is missing `errors` is not empty.
    let (
        Some(platform),
        Some(payment_scenario),
        Some(payment_method),
        Some(failing_step),
        Some(symptom),
        Some(error_code),
        Some(error_message),
        Some(city),
        Some(account),
        Some(checks_tried),
        Some(occurred_at),
        Some(amount_cents),
        Some(order_number),
        Some((contact_phone, contact_email, contact_channel)),
        Some(description),
        Some(screenshot),
    ) = (
        platform,
        payment_scenario,
        payment_method,
        failing_step,
        symptom,
        error_code,
        error_message,
        city,
        account,
        checks_tried,
        occurred_at,
        amount_cents,
        order_number,
        contact,
        description,
        screenshot,
    )
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewTicket {
        language,
        platform,
        payment_scenario,
        payment_method,
        failing_step,
        symptom,
        error_code,
        error_message,
        city,
        account,
        checks_tried,
        occurred_at,
        amount_cents,
        order_number,
        contact_phone,
        contact_email,
        contact_channel,
        description: description.unwrap_or_default(),
        screenshot,
    })
}

fn choice<T>(value: &str, parse: fn(&str) -> Option<T>) -> Result<T, Problem> {
    match value.trim() {
        "" => Err(Problem::Choose),
        code => parse(code).ok_or(Problem::UnknownChoice),
    }
}

fn optional_choice<T>(value: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>, Problem> {
    match value.trim() {
        "" => Ok(None),
        code => parse(code).map(Some).ok_or(Problem::UnknownChoice),
    }
}

fn optional_text(value: &str, max: usize, multiline: bool) -> Result<Option<String>, Problem> {
    text::clean(value, max, multiline).map_err(Problem::from)
}

fn required_text(value: &str, max: usize) -> Result<String, Problem> {
    optional_text(value, max, false)?.ok_or(Problem::Required)
}

fn checks(values: &[String]) -> Result<Vec<CheckTried>, Problem> {
    let mut checks = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let check = CheckTried::parse(value).ok_or(Problem::UnknownChoice)?;
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    if checks.is_empty() {
        return Err(Problem::ChecksRequired);
    }
    // "None of these yet" beside a check ticked is a slip: what they ticked
    // is what they did.
    if checks.len() > 1 {
        checks.retain(|c| *c != CheckTried::NoneYet);
    }
    checks.sort();
    Ok(checks)
}

/// How we reach the customer: a mobile number, an email, or both (at least
/// one), and the channel they chose (SMS by default when a phone is given).
fn contact(input: &IntakeInput, errors: &mut FieldErrors) -> Option<(String, String, ContactChannel)> {
    let phone = match input.contact_phone.trim() {
        "" => Some(String::new()),
        typed => errors.check("contact_phone", normalize_phone(typed).ok_or(Problem::Phone)),
    };
    let email = match input.contact_email.trim() {
        "" => Some(String::new()),
        _ => errors.check("contact_email", email(&input.contact_email)),
    };
    let given = |v: &Option<String>| v.as_ref().is_some_and(|v| !v.is_empty());
    let channel = match input.contact_channel.trim() {
        "" if given(&phone) => Some(ContactChannel::Sms),
        "" => Some(ContactChannel::Email),
        code => errors.check("contact_channel", ContactChannel::parse(code).ok_or(Problem::UnknownChoice)),
    };
    let (phone, email, channel) = (phone?, email?, channel?);
    if phone.is_empty() && email.is_empty() {
        errors.add("contact_phone", Problem::ContactRequired);
        return None;
    }
    if channel.by_sms() && phone.is_empty() {
        errors.add("contact_phone", Problem::ChannelNeedsPhone);
        return None;
    }
    if channel.by_email() && email.is_empty() {
        errors.add("contact_email", Problem::ChannelNeedsEmail);
        return None;
    }
    Some((phone, email, channel))
}

fn email(value: &str) -> Result<String, Problem> {
    use validator::ValidateEmail;
    let email = required_text(value, EMAIL_MAX)?;
    if email.validate_email() {
        Ok(email)
    } else {
        Err(Problem::Email)
    }
}

/// Accepts what a `datetime-local` input sends (`2026-11-21T09:30`, China
/// time), with or without seconds, or an RFC 3339 time with its own offset.
/// Returns UTC.
fn occurred_at(value: &str, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, Problem> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let utc = if let Ok(with_offset) = DateTime::parse_from_rfc3339(value) {
        with_offset.naive_utc()
    } else {
        let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
            .ok_or(Problem::DateFormat)?;
        // Customers state local times, and our customers are in China.
        crate::domain::china::from_china_time(local)
    };
    // A phone's clock may run a little fast; more than that is a typo.
    if utc > now + Duration::minutes(10) {
        return Err(Problem::DateInFuture);
    }
    Ok(Some(utc))
}

/// `128`, `128.5`, `¥1,280.00` → cents.
pub(crate) fn amount(value: &str) -> Result<Option<i64>, Problem> {
    // As people write money: `¥128.50`, `128.5元`, `RMB 128`, `1,280块`,
    // full-width digits and point from a Chinese keyboard.
    let halfwidth: String = value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            other => other,
        })
        .collect();
    let mut s = halfwidth.trim();
    for prefix in ["¥", "￥", "RMB", "rmb", "CNY", "cny"] {
        s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
    }
    for suffix in ["元", "块", "圆", "RMB", "rmb", "CNY", "cny", "yuan", "Yuan"] {
        s = s.strip_suffix(suffix).unwrap_or(s).trim_end();
    }
    let cleaned: String = s.chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 9 || fraction.len() > 2 || !digits_only(whole) || !digits_only(fraction) {
        return Err(Problem::AmountFormat);
    }
    let whole: i64 = whole.parse().map_err(|_| Problem::AmountFormat)?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| Problem::AmountFormat)?;
    let cents = whole * 100 + fraction;
    if cents == 0 || cents > AMOUNT_MAX_CENTS {
        return Err(Problem::AmountRange);
    }
    Ok(Some(cents))
}

pub(crate) fn order_number(value: &str) -> Result<Option<String>, Problem> {
    let Some(order) = optional_text(value, ORDER_NUMBER_MAX, false)? else {
        return Ok(None);
    };
    if order.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(Some(order))
    } else {
        Err(Problem::OrderNumberFormat)
    }
}

/// What a customer adds to their request afterwards, from the tracking
/// page: the facts asked for, as typed. Blank means "not given".
#[derive(Debug, Default, Clone)]
pub struct AddedInput {
    pub payment_method: String,
    pub error_code: String,
    pub error_message: String,
    pub occurred_at: String,
    pub amount: String,
    pub order_number: String,
}

/// The facts added, each checked as the intake form checks it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Added {
    pub payment_method: Option<PaymentMethod>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// UTC.
    pub occurred_at: Option<NaiveDateTime>,
    pub amount_cents: Option<i64>,
    pub order_number: Option<String>,
}

impl Added {
    pub fn is_empty(&self) -> bool {
        *self == Added::default()
    }
}

/// The names the added facts are reported on (the intake form's).
pub const ADDED_FIELDS: [&str; 6] =
    ["payment_method", "error_code", "error_message", "occurred_at", "amount", "order_number"];

/// Checks added facts with the intake form's own rules; at least one must
/// be given (reported on the form as a whole: `facts`).
pub fn validate_added(input: &AddedInput, now: NaiveDateTime) -> Result<Added, FieldErrors> {
    let mut errors = FieldErrors::default();
    let added = Added {
        payment_method: errors
            .check("payment_method", optional_choice(&input.payment_method, PaymentMethod::parse))
            .flatten(),
        error_code: errors.check("error_code", optional_text(&input.error_code, ERROR_CODE_MAX, false)).flatten(),
        error_message: errors
            .check("error_message", optional_text(&input.error_message, ERROR_MESSAGE_MAX, false))
            .flatten(),
        occurred_at: errors.check("occurred_at", occurred_at(&input.occurred_at, now)).flatten(),
        amount_cents: errors.check("amount", amount(&input.amount)).flatten(),
        order_number: errors.check("order_number", order_number(&input.order_number)).flatten(),
    };
    if errors.is_empty() && added.is_empty() {
        errors.add("facts", Problem::FactsRequired);
    }
    if errors.is_empty() {
        Ok(added)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::screenshot::samples;

    fn now() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-11-21 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn complete() -> IntakeInput {
        IntakeInput {
            platform: "wechat".into(),
            payment_scenario: "electricity_bill".into(),
            failing_step: "tap_pay".into(),
            symptom: "stuck_loading".into(),
            city: "上海".into(),
            account_number: "310012344821".into(),
            checks_tried: vec!["switched_network".into()],
            contact_email: "li@example.com".into(),
            ..Default::default()
        }
    }

    fn problems(input: IntakeInput) -> FieldErrors {
        validate(input, Lang::En, now()).unwrap_err()
    }

    #[test]
    fn a_complete_request_is_accepted_with_the_account_masked() {
        let ticket = validate(complete(), Lang::ZhCn, now()).unwrap();
        assert_eq!(ticket.account.as_str(), "31******4821");
        assert_eq!(ticket.checks_tried, vec![CheckTried::SwitchedNetwork]);
        assert_eq!(ticket.city, "上海");
    }

    #[test]
    fn every_missing_required_field_is_reported_at_once() {
        let errors = problems(IntakeInput::default());
        let fields: Vec<_> = errors.0.keys().copied().collect();
        assert_eq!(
            fields,
            [
                "account_number",
                "checks_tried",
                "city",
                "contact_phone",
                "failing_step",
                "payment_scenario",
                "platform",
                "symptom"
            ]
        );
        assert_eq!(errors.get("checks_tried"), [Problem::ChecksRequired]);
        assert_eq!(errors.get("platform"), [Problem::Choose]);
    }

    #[test]
    fn a_mobile_number_alone_is_enough_and_sms_is_then_the_default() {
        let mut input = complete();
        input.contact_email = String::new();
        input.contact_phone = "+86 138-0013-8000".into();
        let t = validate(input.clone(), Lang::ZhCn, now()).unwrap();
        assert_eq!((t.contact_phone.as_str(), t.contact_email.as_str()), ("13800138000", ""));
        assert_eq!(t.contact_channel, ContactChannel::Sms);
        // Email chosen, none given.
        input.contact_channel = "email".into();
        assert_eq!(problems(input.clone()).get("contact_email"), [Problem::ChannelNeedsEmail]);
        // Neither.
        input.contact_phone = String::new();
        input.contact_channel = String::new();
        assert_eq!(problems(input.clone()).get("contact_phone"), [Problem::ContactRequired]);
        // SMS chosen with only an email.
        input.contact_email = "li@example.com".into();
        input.contact_channel = "sms".into();
        assert_eq!(problems(input.clone()).get("contact_phone"), [Problem::ChannelNeedsPhone]);
        // A number that is not a mainland mobile, and a channel we do not know.
        input.contact_phone = "12345".into();
        input.contact_channel = "fax".into();
        let errors = problems(input);
        assert_eq!(errors.get("contact_phone"), [Problem::Phone]);
        assert_eq!(errors.get("contact_channel"), [Problem::UnknownChoice]);
        // Only an email: by email, as before.
        assert_eq!(validate(complete(), Lang::En, now()).unwrap().contact_channel, ContactChannel::Email);
    }

    #[test]
    fn an_error_shown_needs_the_error_and_a_screenshot() {
        let mut input = complete();
        input.symptom = "error_shown".into();
        let errors = problems(input.clone());
        assert_eq!(errors.get("error_message"), [Problem::ErrorDetailRequired]);
        assert_eq!(errors.get("screenshot"), [Problem::ScreenshotRequired]);

        input.error_code = "101".into();
        input.screenshot = Some(Screenshot::parse(samples::png(), 1 << 20));
        assert!(validate(input, Lang::En, now()).is_ok());
    }

    #[test]
    fn money_taken_needs_time_amount_and_order() {
        let mut input = complete();
        input.symptom = "money_taken_not_paid".into();
        let errors = problems(input.clone());
        assert_eq!(errors.0.keys().copied().collect::<Vec<_>>(), ["amount", "occurred_at", "order_number"]);

        input.occurred_at = "2026-11-21T09:30".into();
        input.amount = "¥1,280.5".into();
        input.order_number = "WX2026112100123".into();
        let ticket = validate(input, Lang::En, now()).unwrap();
        assert_eq!(ticket.amount_cents, Some(128_050));
        // 09:30 in China is 01:30 UTC.
        assert_eq!(ticket.occurred_at.unwrap().to_string(), "2026-11-21 01:30:00");
    }

    #[test]
    fn none_yet_is_an_answer_and_a_ticked_box_beats_it() {
        let mut input = complete();
        input.checks_tried = vec!["none_yet".into()];
        assert_eq!(validate(input.clone(), Lang::En, now()).unwrap().checks_tried, [CheckTried::NoneYet]);
        input.checks_tried = vec!["none_yet".into(), "retried_later".into()];
        assert_eq!(validate(input, Lang::En, now()).unwrap().checks_tried, [CheckTried::RetriedLater]);
    }

    #[test]
    fn bad_values_are_named() {
        let mut input = complete();
        input.platform = "myspace".into();
        input.contact_email = "not an email".into();
        input.amount = "12.345".into();
        input.occurred_at = "2027-01-01T00:00".into();
        input.order_number = "<script>".into();
        input.checks_tried = vec!["prayed".into()];
        input.screenshot = Some(Err(ScreenshotError::NotAnImage));
        let errors = problems(input);
        assert_eq!(errors.get("platform"), [Problem::UnknownChoice]);
        assert_eq!(errors.get("contact_email"), [Problem::Email]);
        assert_eq!(errors.get("amount"), [Problem::AmountFormat]);
        assert_eq!(errors.get("occurred_at"), [Problem::DateInFuture]);
        assert_eq!(errors.get("order_number"), [Problem::OrderNumberFormat]);
        assert_eq!(errors.get("checks_tried"), [Problem::UnknownChoice]);
        assert_eq!(errors.get("screenshot"), [Problem::Screenshot(ScreenshotError::NotAnImage)]);
    }

    #[test]
    fn amounts() {
        assert_eq!(amount("128"), Ok(Some(12_800)));
        assert_eq!(amount("0.5"), Ok(Some(50)));
        assert_eq!(amount("0"), Err(Problem::AmountRange));
        assert_eq!(amount("-5"), Err(Problem::AmountFormat));
        assert_eq!(amount("1e5"), Err(Problem::AmountFormat));
        for written in ["128.5元", "¥128.50", "￥ 128.50", "RMB 128.5", "128.50 CNY", "１２８．５元", "128.5 yuan"]
        {
            assert_eq!(amount(written), Ok(Some(12_850)), "{written}");
        }
        assert_eq!(amount("1,280块"), Ok(Some(128_000)));
        assert_eq!(amount("元"), Ok(None), "nothing but the unit: not given");
        assert_eq!(amount(""), Ok(None));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use proptest::strategy::ValueTree;

        /// A value as a customer, a bug or an attacker might send it: a valid
        /// code, something close, or any Unicode at all (controls, bidi
        /// overrides, markup, very long).
        fn value(valid: &'static [&'static str]) -> impl Strategy<Value = String> {
            prop_oneof![
                30 => proptest::sample::select(valid).prop_map(str::to_string),
                1 => Just(String::new()),
                1 => "[ -~]{0,40}",
                1 => any::<String>(),
                1 => "[\u{0}-\u{1f}\u{202a}-\u{202e}\u{2066}-\u{2069}<>\"'&;a-z0-9]{1,20}",
            ]
        }

        fn codes<T: Copy>(all: &'static [T], code: fn(T) -> &'static str) -> &'static [&'static str] {
            Box::leak(all.iter().map(|v| code(*v)).collect::<Vec<_>>().into_boxed_slice())
        }

        fn input() -> impl Strategy<Value = IntakeInput> {
            let choices = (
                value(codes(Platform::ALL, Platform::as_str)),
                value(codes(PaymentScenario::ALL, PaymentScenario::as_str)),
                value(codes(PaymentMethod::ALL, PaymentMethod::as_str)),
                value(codes(FailingStep::ALL, FailingStep::as_str)),
                value(codes(Symptom::ALL, Symptom::as_str)),
                proptest::collection::vec(value(codes(CheckTried::ALL, CheckTried::as_str)), 0..4),
            );
            let texts = (
                value(&["101", "202", "E1003"]),
                value(&["余额不足", "系统繁忙", "支付失败"]),
                value(&["上海", "北京", "乌鲁木齐"]),
                value(&["310012344821", "31******4821", "3100-1234-4821"]),
                value(&["2026-11-21T08:30", "2026-11-20T23:59"]),
                value(&["128", "0.5", "99.99"]),
                value(&["4200001234567890", "A-1"]),
                value(&["li@example.com", "wang.fang@example.cn"]),
                value(&["Tried twice.", "换了网络也不行"]),
            );
            (choices, texts).prop_map(|(c, t)| IntakeInput {
                platform: c.0,
                payment_scenario: c.1,
                payment_method: c.2,
                failing_step: c.3,
                symptom: c.4,
                checks_tried: c.5,
                error_code: t.0,
                error_message: t.1,
                city: t.2,
                account_number: t.3,
                occurred_at: t.4,
                amount: t.5,
                order_number: t.6,
                contact_email: t.7,
                description: t.8,
                screenshot: Some(Screenshot::parse(samples::png(), 1 << 20)),
                ..IntakeInput::default()
            })
        }

        fn clean_text(s: &str) -> bool {
            !s.chars().any(|c| {
                (c.is_control() && c != '\n' && c != '\t')
                    || ('\u{202A}'..='\u{202E}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Whatever arrives, validation answers: a ticket whose every
            /// value is clean and whose account number is masked, or
            /// problems named on known fields. It never panics.
            #[test]
            fn any_input_is_a_clean_ticket_or_named_problems(input in input()) {
                let typed_account: String =
                    input.account_number.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                match validate(input, Lang::En, now()) {
                    Ok(t) => {
                        let shown = t.account.as_str();
                        prop_assert!(shown.chars().filter(|c| *c != '*').count() <= 6, "{shown}");
                        if typed_account.len() >= 10 {
                            prop_assert!(!shown.contains(&typed_account), "{shown}");
                        }
                        for text in [&t.city, &t.contact_email, &t.description] {
                            prop_assert!(clean_text(text), "{text:?}");
                        }
                        for text in [&t.error_code, &t.error_message, &t.order_number].into_iter().flatten() {
                            prop_assert!(clean_text(text), "{text:?}");
                        }
                    }
                    Err(errors) => {
                        prop_assert!(!errors.0.is_empty());
                        for field in errors.0.keys() {
                            prop_assert!(FIELDS.contains(field), "{field}");
                        }
                    }
                }
            }
        }

        /// The generator reaches both answers, so the property above says
        /// something about accepted tickets too.
        #[test]
        fn the_generator_also_makes_acceptable_requests() {
            let mut runner = proptest::test_runner::TestRunner::deterministic();
            let accepted = (0..500)
                .filter(|_| {
                    let input = input().new_tree(&mut runner).unwrap().current();
                    validate(input, Lang::En, now()).is_ok()
                })
                .count();
            assert!(accepted >= 10, "only {accepted} of 500 generated requests were acceptable");
        }
    }

    #[test]
    fn added_facts_are_checked_like_the_form_and_one_is_needed() {
        let ok = validate_added(
            &AddedInput { order_number: " 4200001234 ".into(), amount: "¥88.5".into(), ..Default::default() },
            now(),
        )
        .unwrap();
        assert_eq!((ok.order_number.as_deref(), ok.amount_cents), (Some("4200001234"), Some(8850)));
        let e = validate_added(&AddedInput::default(), now()).unwrap_err();
        assert_eq!(e.get("facts"), [Problem::FactsRequired]);
        let e = validate_added(
            &AddedInput { amount: "abc".into(), order_number: "no spaces!".into(), ..Default::default() },
            now(),
        )
        .unwrap_err();
        assert_eq!(e.get("amount"), [Problem::AmountFormat]);
        assert_eq!(e.get("order_number"), [Problem::OrderNumberFormat]);
    }
}
