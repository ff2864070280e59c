//! The API's OpenAPI document, built from the code it describes: every
//! enum is the domain's own list of codes, every limit the validator's
//! constant, every text rule a pattern checked against the validator by the
//! tests below, and every path one the route table serves (tests/it). So the
//! document cannot promise what the server does not do; schemathesis
//! (`.ci/test`) then checks the server against it.

use serde_json::{json, Map, Value};

use crate::domain::codes::{
    CaseKind, CheckTried, EventAuthor, EventKind, FailingStep, PaymentMethod, PaymentScenario, Platform, Priority,
    Queue, Status, Symptom,
};
use crate::domain::completeness::{need, Fact, Need};
use crate::domain::intake::{
    CITY_MAX, DESCRIPTION_MAX, EMAIL_MAX, ERROR_CODE_MAX, ERROR_MESSAGE_MAX, ORDER_NUMBER_MAX,
};
use crate::domain::sla::SlaState;

/// Patterns for free text, in the dialect JSON Schema, Python and Rust's
/// `regex` share (`\uXXXX` escapes, classes, `{m,n}`).
pub mod patterns {
    /// What `str::trim` removes: Unicode White_Space.
    const SPACE: &str = r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
    /// What `text::clean` refuses inside the text: control characters and
    /// bidirectional overrides (a multi-line text keeps tabs and line ends).
    const FORBIDDEN: &str = r"\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069";
    const FORBIDDEN_MULTILINE: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069";

    /// Text as `text::clean` takes it: spaces around it are trimmed, what
    /// is left has no forbidden character; `required`: something is left.
    pub fn text(required: bool, multiline: bool) -> String {
        let forbidden = if multiline { FORBIDDEN_MULTILINE } else { FORBIDDEN };
        let core = format!("[^{SPACE}{forbidden}](?:[^{forbidden}]*[^{SPACE}{forbidden}])?");
        if required {
            format!("^[{SPACE}]*{core}[{SPACE}]*$")
        } else {
            format!("^[{SPACE}]*(?:{core}[{SPACE}]*)?$")
        }
    }

    /// An account number as `MaskedAccount::parse` takes it: spaces and
    /// dashes anywhere are dropped; 6 to 32 letters, digits or `*`, the
    /// last four never hidden.
    pub fn account() -> String {
        format!(r"^[{SPACE}-]*(?:[A-Za-z0-9*＊][{SPACE}-]*){{2,28}}(?:[A-Za-z0-9][{SPACE}-]*){{4}}$")
    }

    /// An order number: letters, digits, `-` and `_`, trimmed.
    pub fn order_number(required: bool) -> String {
        let core = "[A-Za-z0-9_-]+";
        if required {
            format!("^[{SPACE}]*{core}[{SPACE}]*$")
        } else {
            format!("^[{SPACE}]*(?:{core}[{SPACE}]*)?$")
        }
    }

    /// A mainland mobile number as `domain::sms::normalize_phone` takes
    /// it: `+86`, `0086` or `86` before 11 digits starting 1[3-9], with
    /// spaces, dashes, dots or brackets anywhere (full-width digits too);
    /// `required`: not blank.
    pub fn phone(required: bool) -> String {
        let s = r"[ \-.()（）\u3000]*";
        let d = "[0-9０-９]";
        let core = format!("{s}(?:[+＋]{s}8{s}6{s}|0{s}0{s}8{s}6{s}|8{s}6{s})?[1１]{s}[3-9３-９]{s}(?:{d}{s}){{9}}");
        if required {
            format!("^[{SPACE}]*{core}[{SPACE}]*$")
        } else {
            format!("^[{SPACE}]*(?:{core}[{SPACE}]*)?$")
        }
    }

    /// An email, or nothing (when a phone is given instead).
    pub fn optional_email() -> String {
        let label = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
        format!(r"^[{SPACE}]*(?:[a-zA-Z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{label}(?:\.{label})*[{SPACE}]*)?$")
    }

    /// An email address the validator takes (its plain ASCII form; the
    /// server also takes internationalised domains).
    pub fn email() -> String {
        let label = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
        format!(r"^[{SPACE}]*[a-zA-Z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{label}(?:\.{label})*[{SPACE}]*$")
    }

    /// An amount in yuan, more than zero and at most a million, with at
    /// most two decimals (the server also takes `¥` and thousands commas).
    pub fn amount(required: bool) -> String {
        let core = r"(?:0\.(?:0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,5}(?:\.[0-9]{1,2})?|1000000(?:\.00?)?)";
        if required {
            format!("^{core}$")
        } else {
            format!("^(?:{core})?$")
        }
    }

    /// A time in the past: RFC 3339 or a local China time, with the years
    /// the schema can promise are past (the server takes any time up to ten
    /// minutes ahead).
    pub fn occurred_at(required: bool) -> String {
        let core = r"20(?:0[0-9]|1[0-9]|2[0-5])-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])?)?";
        if required {
            format!("^{core}$")
        } else {
            format!("^(?:{core})?$")
        }
    }

    /// The `next` cursor of a page: the queue's (due time ~ id) or the
    /// feed's (horizon . change . since . id).
    pub const CURSOR: &str = "^(?:-?[0-9]{1,16}~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]{1,18}\\.-?[0-9]{1,18}\\.-?[0-9]{1,16}\\.(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?)?$";

    /// An RFC 3339 time with seconds and an offset (empty: none).
    pub const TIMESTAMP: &str = "^(?:(?:19[7-9][0-9]|20[0-9][0-9])-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,6})?(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9]))?$";

    /// An idempotency key: 1 to 255 visible ASCII characters, quoted or not.
    pub const IDEMPOTENCY_KEY: &str = "^(?:[!#-~]{1,255}|\"[!#-~]{1,255}\")$";

    /// A filter's words: no control character.
    pub const FILTER: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Value {
    Value::Array(all.iter().map(|v| Value::String(code(*v).to_string())).collect())
}

/// The codes and the empty string (what a form sends for "none chosen").
fn or_empty(mut values: Value) -> Value {
    if let Value::Array(values) = &mut values {
        values.push(Value::String(String::new()));
    }
    values
}

/// A filter of the list: one of the codes, or empty for any (what the
/// queue page's "any" sends).
fn filter<T: Copy>(name: &str, all: &[T], code: fn(T) -> &'static str) -> Value {
    json!({ "name": name, "in": "query", "schema": { "type": "string", "enum": or_empty(codes(all, code)) }, "description": "Empty: any." })
}

fn choice<T: Copy>(all: &[T], code: fn(T) -> &'static str, description: &str) -> Value {
    json!({ "type": "string", "enum": codes(all, code), "description": description })
}

fn text(max: usize, required: bool, multiline: bool) -> Value {
    json!({ "type": "string", "maxLength": max, "pattern": patterns::text(required, multiline) })
}

/// A problem response (RFC 9457).
fn problem(description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

fn rate_headers() -> Value {
    json!({
        "RateLimit-Limit": { "description": "Requests allowed a minute", "schema": { "type": "integer" } },
        "RateLimit-Remaining": { "description": "Requests left now", "schema": { "type": "integer" } },
        "RateLimit-Reset": { "description": "Seconds until the quota is whole again", "schema": { "type": "integer" } }
    })
}

fn too_many() -> Value {
    let mut r = problem("Too many requests: wait the seconds in Retry-After");
    let mut headers = rate_headers();
    headers["Retry-After"] = json!({ "description": "Seconds to wait", "schema": { "type": "integer" } });
    r["headers"] = headers;
    r
}

/// The responses every staff operation can give besides its own.
fn staff_errors(responses: &mut Map<String, Value>) {
    let mut unauthorized = problem("No valid token (WWW-Authenticate says which scheme)");
    unauthorized["headers"] =
        json!({ "WWW-Authenticate": { "schema": { "type": "string" }, "description": "Bearer realm=\"paydesk\"" } });
    responses.insert("401".into(), unauthorized);
    responses.insert("403".into(), problem("The token's user may not do this"));
    responses.insert("429".into(), too_many());
    responses.insert("503".into(), problem("The database cannot be reached; nothing was changed"));
}

/// The intake: what every request holds, then what its symptom adds (from
/// the completeness model, one condition per symptom).
fn intake_schema() -> Value {
    let properties = json!({
        "platform": choice(Platform::ALL, Platform::as_str, "The app the payment ran in."),
        "payment_scenario": choice(PaymentScenario::ALL, PaymentScenario::as_str, "What was being paid."),
        "payment_method": { "type": "string", "enum": or_empty(codes(PaymentMethod::ALL, PaymentMethod::as_str)), "description": "How it was paid; empty: not given." },
        "failing_step": choice(FailingStep::ALL, FailingStep::as_str, "Where in the payment it failed."),
        "symptom": choice(Symptom::ALL, Symptom::as_str, "What the customer saw; decides what else is required."),
        "error_code": text(ERROR_CODE_MAX, false, false),
        "error_message": text(ERROR_MESSAGE_MAX, false, false),
        "city": text(CITY_MAX, true, false),
        "account_number": { "type": "string", "pattern": patterns::account(), "description": "The bill's account number, whole or partly hidden with *; only a masked form is kept." },
        "screenshot": { "type": "string", "format": "binary", "description": "A PNG, JPEG or WebP image of the error, at most 5 MiB." },
        "checks_tried": { "type": "array", "minItems": 1, "items": { "type": "string", "enum": codes(CheckTried::ALL, CheckTried::as_str) }, "description": "One part per check." },
        "occurred_at": { "type": "string", "pattern": patterns::occurred_at(false), "description": "When it happened: RFC 3339, or China time YYYY-MM-DDTHH:MM; not in the future." },
        "amount": { "type": "string", "pattern": patterns::amount(false), "description": "Yuan, e.g. 128.50." },
        "order_number": { "type": "string", "maxLength": ORDER_NUMBER_MAX, "pattern": patterns::order_number(false) },
        "contact_phone": { "type": "string", "maxLength": 24, "pattern": patterns::phone(false), "description": "A mainland China mobile number (+86 138 0013 8000 and the like); stored as its 11 digits. A phone, an email, or both." },
        "contact_email": { "type": "string", "maxLength": EMAIL_MAX, "pattern": patterns::optional_email(), "description": "A phone, an email, or both." },
        "contact_channel": { "type": "string", "enum": ["sms", "email", "both", ""], "description": "How we reach the customer; empty or absent: SMS when a phone is given, else email. SMS needs the phone, email the email." },
        "description": text(DESCRIPTION_MAX, false, true),
        "lang": { "type": "string", "enum": ["zh-CN", "en", ""], "description": "The language of the answers and emails (empty or absent: Accept-Language)." }
    });
    let branches: Vec<Value> = Symptom::ALL
        .iter()
        .map(|&symptom| {
            let mut required: Vec<&str> = Vec::new();
            let mut props = Map::new();
            let mut either = None;
            for fact in Fact::ALL {
                if need(symptom, None, fact) != Need::Required {
                    continue;
                }
                match fact {
                    Fact::ErrorDetail => {
                        // Either one, with something in it: without a code,
                        // the message. (Said as a condition: alternatives
                        // would let a fuzzer break one and keep the other.)
                        let filled = patterns::text(true, false);
                        either = Some(json!({
                            "if": { "not": { "required": ["error_code"], "properties": { "error_code": { "pattern": filled } } } },
                            "then": { "required": ["error_message"], "properties": { "error_message": { "pattern": filled } } }
                        }));
                    }
                    Fact::Screenshot => required.push("screenshot"),
                    Fact::PaymentMethod => required.push("payment_method"),
                    Fact::OccurredAt => {
                        required.push("occurred_at");
                        props.insert("occurred_at".into(), json!({ "pattern": patterns::occurred_at(true) }));
                    }
                    Fact::Amount => {
                        required.push("amount");
                        props.insert("amount".into(), json!({ "pattern": patterns::amount(true) }));
                    }
                    Fact::OrderNumber => {
                        required.push("order_number");
                        props.insert("order_number".into(), json!({ "pattern": patterns::order_number(true) }));
                    }
                }
            }
            // "If the symptom is this, then…": a condition, not alternatives
            // (with `oneOf` branches a fuzzer changing one branch's symptom
            // may land on another valid request).
            let mut then = json!({ "required": required, "properties": props });
            if let Some(Value::Object(either)) = either {
                then.as_object_mut().expect("an object").extend(either);
            }
            json!({ "if": { "properties": { "symptom": { "const": symptom.as_str() } }, "required": ["symptom"] }, "then": then })
        })
        .collect();
    // A way to reach the customer, and the one they chose, given.
    let phone_given = json!({ "required": ["contact_phone"], "properties": { "contact_phone": { "pattern": patterns::phone(true) } } });
    let email_given =
        json!({ "required": ["contact_email"], "properties": { "contact_email": { "pattern": patterns::email() } } });
    let chosen = |codes: [&str; 2]| json!({ "required": ["contact_channel"], "properties": { "contact_channel": { "enum": codes } } });
    let mut branches = branches;
    // At least one (as alternatives: a generator takes one branch and fills
    // it, where "if not this then that" would be mostly filtered out).
    branches.push(json!({ "anyOf": [phone_given.clone(), email_given.clone()] }));
    branches.push(json!({ "if": chosen(["sms", "both"]), "then": phone_given }));
    branches.push(json!({ "if": chosen(["email", "both"]), "then": email_given }));
    json!({
        "description": "A help request. What else is required depends on the symptom (one condition each): an error shown needs its code or message and a screenshot; money taken but not credited needs when, how much and the order number.",
        "type": "object",
        "required": ["platform", "payment_scenario", "failing_step", "symptom", "city", "account_number", "checks_tried"],
        "properties": properties,
        "additionalProperties": false,
        "allOf": branches
    })
}

fn ticket_schema() -> Value {
    let nullable_string = json!({ "type": ["string", "null"] });
    let mut methods_or_null = codes(PaymentMethod::ALL, PaymentMethod::as_str);
    if let Value::Array(codes) = &mut methods_or_null {
        codes.push(Value::Null);
    }
    json!({
        "type": "object",
        "required": ["reference", "status", "case_kind", "queue", "priority", "due_at", "created_at", "updated_at", "missing_facts"],
        "properties": {
            "reference": { "type": "string", "example": "PD-7KM3QX" },
            "status": choice(Status::ALL, Status::as_str, "Where the ticket is."),
            "case_kind": choice(CaseKind::ALL, CaseKind::as_str, "The kind of case routing decided."),
            "queue": { "type": "string", "enum": codes(Queue::ALL, Queue::as_str) },
            "priority": { "type": "string", "enum": codes(Priority::ALL, Priority::as_str) },
            "assignee": { "$ref": "#/components/schemas/Assignee" },
            "due_at": { "type": "string", "format": "date-time" },
            "first_response_at": { "type": ["string", "null"], "format": "date-time" },
            "complaint_at": { "type": ["string", "null"], "format": "date-time", "description": "When the customer asked for a supervisor (a complaint, with its own SLA); null once a public answer or resolving ended it, or if never asked." },
            "created_at": { "type": "string", "format": "date-time" },
            "updated_at": { "type": "string", "format": "date-time" },
            "language": { "type": "string", "enum": ["zh-CN", "en"] },
            "platform": { "type": "string", "enum": codes(Platform::ALL, Platform::as_str) },
            "payment_scenario": { "type": "string", "enum": codes(PaymentScenario::ALL, PaymentScenario::as_str) },
            "payment_method": { "type": ["string", "null"], "enum": methods_or_null },
            "failing_step": { "type": "string", "enum": codes(FailingStep::ALL, FailingStep::as_str) },
            "symptom": { "type": "string", "enum": codes(Symptom::ALL, Symptom::as_str) },
            "error_code": nullable_string,
            "error_message": nullable_string,
            "city": { "type": "string" },
            "account_number": { "type": "string", "description": "Masked: never the whole number." },
            "checks_tried": { "type": "array", "items": { "type": "string", "enum": codes(CheckTried::ALL, CheckTried::as_str) } },
            "occurred_at": { "type": ["string", "null"], "format": "date-time" },
            "amount": nullable_string,
            "order_number": nullable_string,
            "contact_email": { "type": "string", "description": "Empty when only a phone was given, or once the retention purge anonymised the ticket." },
            "contact_phone": { "type": "string", "description": "Masked (138****8000); empty when not given or anonymised." },
            "contact_channel": { "type": "string", "enum": ["sms", "email", "both"] },
            "description": { "type": "string" },
            "missing_facts": { "type": "array", "items": { "type": "string" }, "description": "Facts this kind of case needs that the request lacks." },
            "screenshot_count": { "type": "integer", "minimum": 0 },
            "routing": { "type": "object", "required": ["rule", "facts"], "properties": { "rule": { "type": "string" }, "facts": { "type": "string" } }, "description": "The routing rule that decided, and the facts it matched." },
            "escalation": { "type": ["object", "null"], "required": ["id", "target", "status"], "properties": { "id": { "type": "string" }, "target": { "type": "string" }, "status": { "type": "string" } } },
            "payment_check": { "description": "The latest check of the payment at its provider; `{\"state\": \"pending\"}` while one is under way; null when never checked.", "anyOf": [{ "$ref": "#/components/schemas/PaymentCheck" }, { "type": "null" }] },
            "payment_checks": { "type": "array", "description": "Every check, oldest first.", "items": { "$ref": "#/components/schemas/PaymentCheck" } },
            "refunds": { "type": "array", "items": { "type": "object" }, "description": "Refunds followed at the provider." },
            "url": { "type": "string", "description": "The ticket's page for staff." }
        }
    })
}

/// The whole document.
pub fn document() -> Value {
    let reference = json!({ "$ref": "#/components/parameters/reference" });
    let if_match = json!({ "$ref": "#/components/parameters/IfMatch" });
    let ticket_ok = |description: &str, status: &str| {
        let mut responses = Map::new();
        responses.insert(
            status.into(),
            json!({ "description": description, "headers": { "ETag": { "$ref": "#/components/headers/ETag" } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Ticket" } } } }),
        );
        responses
    };
    let list_params = json!([
        { "name": "view", "in": "query", "schema": { "type": "string", "enum": ["mine", "unassigned", "waiting", "open", "all", ""] }, "description": "Which tickets: mine, nobody's yet, mine waiting on the customer, every open one, or every one. Empty or absent: open (the feed: all)." },
        filter("status", Status::ALL, Status::as_str),
        filter("case_kind", CaseKind::ALL, CaseKind::as_str),
        filter("queue", Queue::ALL, Queue::as_str),
        { "name": "city", "in": "query", "schema": { "type": "string", "pattern": patterns::FILTER } },
        filter("priority", Priority::ALL, Priority::as_str),
        { "name": "assignee", "in": "query", "schema": { "type": "string", "pattern": patterns::FILTER }, "description": "A user id, or none" },
        filter("sla", SlaState::ALL, SlaState::as_str),
        { "name": "complaint", "in": "query", "schema": { "type": "string", "enum": ["open", ""] }, "description": "open: only tickets whose customer asked for a supervisor, not yet answered" },
        { "name": "q", "in": "query", "schema": { "type": "string", "pattern": patterns::FILTER }, "description": "Reference, masked account number, order number or words" },
        { "name": "after", "in": "query", "schema": { "type": "string", "pattern": patterns::CURSOR }, "description": "The `next` cursor of the previous page (of the queue or of the feed)" },
        { "name": "updated_since", "in": "query", "schema": { "type": "string", "pattern": patterns::TIMESTAMP }, "description": "The change feed: tickets changed after this time, every status, in the order the changes were committed. Follow `next` from then on: it pages up to a horizon fixed at the first page (so no ticket is skipped or listed twice while others write), and at the end (`caught_up`) resumes later from there." },
        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": super::staff::MAX_LIMIT, "default": crate::web::staff::queue::PAGE_SIZE } }
    ]);

    let mut create_responses = Map::new();
    create_responses.insert(
        "201".into(),
        json!({
            "description": "Filed (or, for a key sent before with the same request, the first answer again)",
            "headers": {
                "Location": { "description": "The ticket in the staff API", "schema": { "type": "string" } },
                "Idempotent-Replayed": { "description": "true: the answer to an earlier request with this Idempotency-Key", "schema": { "type": "string", "enum": ["true"] } }
            },
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Created" } } },
            "links": {
                "GetTicket": { "operationId": "getTicket", "parameters": { "reference": "$response.body#/reference" } },
                "GetEvents": { "operationId": "listTicketEvents", "parameters": { "reference": "$response.body#/reference" } },
                "UpdateTicket": { "operationId": "updateTicket", "parameters": { "reference": "$response.body#/reference" } },
                "ReplyToTicket": { "operationId": "replyToTicket", "parameters": { "reference": "$response.body#/reference" } }
            }
        }),
    );
    create_responses.insert(
        "400".into(),
        problem("The body could not be read, or the Idempotency-Key is not 1 to 255 visible characters"),
    );
    create_responses
        .insert("409".into(), problem("A request with this Idempotency-Key is still being handled (Retry-After)"));
    create_responses.insert("413".into(), problem("Body over the limit"));
    create_responses.insert("415".into(), problem("Not multipart/form-data"));
    // 422 also when the Idempotency-Key was used with another request.
    create_responses.insert("422".into(), json!({ "$ref": "#/components/responses/Invalid" }));
    create_responses.insert("429".into(), too_many());
    create_responses.insert("503".into(), problem("The database cannot be reached; nothing was stored"));

    let mut list_responses = Map::new();
    list_responses.insert(
        "200".into(),
        json!({ "description": "A page", "content": { "application/json": { "schema": { "type": "object", "required": ["tickets", "next"], "properties": {
            "tickets": { "type": "array", "items": { "$ref": "#/components/schemas/QueueRow" } },
            "next": { "type": ["string", "null"], "description": "The cursor of the next page (the queue: null after the last; the feed: always, to resume)" },
            "caught_up": { "type": "boolean", "description": "The feed only: this page reached the horizon; follow `next` later for what changes meanwhile" }
        } } } } }),
    );
    list_responses.insert("400".into(), problem("A filter value or cursor that is not one of the documented ones"));
    staff_errors(&mut list_responses);

    let mut show_responses = ticket_ok("The ticket", "200");
    show_responses.insert("404".into(), problem("No such ticket"));
    staff_errors(&mut show_responses);

    let mut patch_responses = ticket_ok("The ticket after the change", "200");
    for (code, description) in [
        ("400", "The body could not be read as JSON"),
        ("404", "No such ticket"),
        ("409", "Not allowed from the current status"),
        ("412", "If-Match named a version the ticket is no longer at; nothing was changed"),
        ("413", "The body is over 128 KiB"),
        ("415", "The body is not JSON"),
    ] {
        patch_responses.insert(code.into(), problem(description));
    }
    patch_responses.insert("422".into(), json!({ "$ref": "#/components/responses/Invalid" }));
    staff_errors(&mut patch_responses);

    let mut reply_responses = ticket_ok("Added; the ticket after it", "201");
    for (code, description) in [
        ("400", "The body could not be read as JSON"),
        ("404", "No such ticket"),
        ("409", "The ticket is closed"),
        ("412", "If-Match named a version the ticket is no longer at; nothing was changed"),
        ("413", "The body is over 128 KiB"),
        ("415", "The body is not JSON"),
    ] {
        reply_responses.insert(code.into(), problem(description));
    }
    reply_responses.insert("422".into(), json!({ "$ref": "#/components/responses/Invalid" }));
    staff_errors(&mut reply_responses);

    let mut events_responses = Map::new();
    events_responses.insert(
        "200".into(),
        json!({ "description": "The conversation", "content": { "application/json": { "schema": { "type": "object", "required": ["reference", "events"], "properties": {
            "reference": { "type": "string" },
            "events": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } }
        } } } } }),
    );
    events_responses.insert("404".into(), problem("No such ticket"));
    staff_errors(&mut events_responses);

    let mut screenshot_responses = Map::new();
    let image = json!({ "schema": { "type": "string", "format": "binary" } });
    screenshot_responses.insert(
        "200".into(),
        json!({ "description": "The image", "content": { "image/png": image, "image/jpeg": image, "image/webp": image } }),
    );
    screenshot_responses.insert("404".into(), problem("No such ticket, or no such screenshot of it"));
    staff_errors(&mut screenshot_responses);

    let then_statuses: Vec<&str> = vec!["open", "pending_customer", "resolved"];
    let staff_message = crate::domain::text::limits::STAFF_MESSAGE;

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "paydesk API",
            "version": "1",
            "description": "File payment-failure help requests, and work the queue. Staff operations take a personal API token as a Bearer token (create one on the Settings page or with `paydesk token create`). Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`; a 422 adds `errors`, the problems of each field."
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "intake", "description": "Filing a help request, without an account" },
            { "name": "tickets", "description": "The queue and its tickets, for staff" },
            { "name": "meta", "description": "This document" }
        ],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail", "code"],
                    "properties": {
                        "type": { "type": "string", "description": "about:blank: the status says what the problem is; `code` says which" },
                        "title": { "type": "string" },
                        "status": { "type": "integer" },
                        "detail": { "type": "string" },
                        "code": { "type": "string", "description": "Stable; match on this" },
                        "retry_after": { "type": "integer", "description": "Seconds to wait (429)" },
                        "errors": { "type": "object", "additionalProperties": { "type": "array", "items": { "type": "string" } }, "description": "Each field's problems, in the request's language (422)" }
                    }
                },
                "Intake": intake_schema(),
                "Created": {
                    "type": "object",
                    "required": ["reference", "tracking_url", "status"],
                    "properties": {
                        "reference": { "type": "string", "example": "PD-7KM3QX" },
                        "tracking_url": { "type": "string", "description": "The customer's private link to follow and answer the request" },
                        "status": choice(Status::ALL, Status::as_str, "What the request became: new, or waiting on the customer when self-service steps were sent.")
                    }
                },
                "Assignee": { "type": ["object", "null"], "required": ["id"], "properties": { "id": { "type": "string" }, "name": { "type": ["string", "null"],  } } },
                "QueueRow": {
                    "type": "object",
                    "required": ["reference", "status", "case_kind", "queue", "priority", "created_at", "due_at", "missing_facts"],
                    "properties": {
                        "reference": { "type": "string" },
                        "status": { "type": "string", "enum": codes(Status::ALL, Status::as_str) },
                        "case_kind": { "type": "string", "enum": codes(CaseKind::ALL, CaseKind::as_str) },
                        "queue": { "type": "string", "enum": codes(Queue::ALL, Queue::as_str) },
                        "priority": { "type": "string", "enum": codes(Priority::ALL, Priority::as_str) },
                        "city": { "type": "string" },
                        "failing_step": { "type": "string", "enum": codes(FailingStep::ALL, FailingStep::as_str) },
                        "assignee": { "$ref": "#/components/schemas/Assignee" },
                        "created_at": { "type": "string", "format": "date-time" },
                        "updated_at": { "type": "string", "format": "date-time" },
                        "due_at": { "type": "string", "format": "date-time" },
                        "version": { "type": "integer", "description": "The ticket's ETag without quotes" },
                        "missing_facts": { "type": "array", "items": { "type": "string" } }
                    }
                },
                "Event": {
                    "type": "object",
                    "required": ["id", "kind", "author_kind", "internal", "body", "created_at", "screenshots"],
                    "properties": {
                        "id": { "type": "string" },
                        "kind": { "type": "string", "enum": codes(EventKind::ALL, EventKind::as_str) },
                        "author_kind": { "type": "string", "enum": codes(EventAuthor::ALL, EventAuthor::as_str) },
                        "author": { "$ref": "#/components/schemas/Assignee" },
                        "internal": { "type": "boolean", "description": "Staff only: never shown to the customer" },
                        "body": { "type": "string" },
                        "created_at": { "type": "string", "format": "date-time" },
                        "screenshots": { "type": "array", "items": { "type": "object", "required": ["id", "url", "content_type"], "properties": {
                            "id": { "type": "string" }, "url": { "type": "string" }, "content_type": { "type": "string" },
                            "width": { "type": "integer" }, "height": { "type": "integer" }, "byte_size": { "type": "integer" }
                        } } }
                    }
                },
                "Ticket": ticket_schema(),
                "PaymentCheck": {
                    "type": "object",
                    "required": ["state"],
                    "properties": {
                        "state": { "type": "string", "enum": ["pending", "paid", "not_paid", "refunding", "refunded", "not_found", "unverified", "error"] },
                        "provider": { "type": "string", "example": "wechat_pay" },
                        "amount": { "type": ["string", "null"], "description": "Yuan, as the provider recorded it.", "example": "128.50" },
                        "paid_at": { "type": ["string", "null"], "format": "date-time" },
                        "checked_at": { "type": "string", "format": "date-time" },
                        "provider_state": { "type": "string", "example": "SUCCESS" },
                        "provider_description": { "type": "string" },
                        "bill_state": { "type": ["string", "null"], "enum": ["credited", "not_credited", "unknown", null] },
                        "problem": { "type": "string", "description": "Why the last try gave no verified answer." }
                    }
                },
                "Patch": {
                    "type": "object",
                    "properties": {
                        "status": { "type": "string", "enum": codes(Status::ALL, Status::as_str) },
                        "priority": { "type": "string", "enum": codes(Priority::ALL, Priority::as_str) },
                        "assignee": { "type": ["string", "null"], "description": "A user id, or null to unassign" }
                    }
                },
                "Reply": {
                    "type": "object",
                    "required": ["body"],
                    "properties": {
                        "body": { "type": "string", "maxLength": staff_message, "pattern": patterns::text(true, true) },
                        "internal": { "type": "boolean", "default": false, "description": "An internal note instead of a reply to the customer" },
                        "status": { "type": "string", "enum": then_statuses, "default": "pending_customer", "description": "The status after a reply" }
                    }
                }
            },
            "responses": {
                "Invalid": problem("Invalid values: `errors` names each field's problems")
            },
            "parameters": {
                "reference": { "name": "reference", "in": "path", "required": true, "schema": { "type": "string" }, "example": "PD-7KM3QX" },
                "IfMatch": { "name": "If-Match", "in": "header", "required": false, "description": "An ETag from a read (or *): the change applies only if the ticket is still at that version, else 412.", "schema": { "type": "string" } }
            },
            "headers": {
                "ETag": { "description": "The ticket's version; send it back as If-Match to change only that version.", "schema": { "type": "string" } }
            }
        },
        "paths": {
            "/api/v1/tickets": {
                "post": {
                    "operationId": "fileTicket",
                    "tags": ["intake"],
                    "summary": "File a help request (no token needed)",
                    "description": "Send an Idempotency-Key to retry safely: the same key with the same request within 24 hours answers the first answer again (Idempotent-Replayed: true), with another request 422, while the first is still being handled 409.",
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "pattern": patterns::IDEMPOTENCY_KEY }, "description": "A unique value per request (a UUID, say), kept per caller for 24 hours" }],
                    "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "$ref": "#/components/schemas/Intake" }, "encoding": { "screenshot": { "contentType": "image/png, image/jpeg, image/webp" }, "checks_tried": { "style": "form", "explode": true } } } } },
                    "responses": create_responses
                },
                "get": {
                    "operationId": "listTickets",
                    "tags": ["tickets"],
                    "summary": "The queue: a view, filtered, most urgent first",
                    "security": [{ "bearer": [] }],
                    "parameters": list_params,
                    "responses": list_responses
                }
            },
            "/api/v1/tickets/{reference}": {
                "parameters": [reference],
                "get": {
                    "operationId": "getTicket",
                    "tags": ["tickets"],
                    "summary": "Every fact of a ticket",
                    "security": [{ "bearer": [] }],
                    "responses": show_responses
                },
                "patch": {
                    "operationId": "updateTicket",
                    "tags": ["tickets"],
                    "summary": "Change status, priority or assignee",
                    "description": "All changes apply in one transaction, each on the ticket as the one before left it. With If-Match (the ETag of a read), they apply only if the ticket is still at that version.",
                    "security": [{ "bearer": [] }],
                    "parameters": [if_match],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Patch" } } } },
                    "responses": patch_responses
                }
            },
            "/api/v1/tickets/{reference}/replies": {
                "parameters": [reference],
                "post": {
                    "operationId": "replyToTicket",
                    "tags": ["tickets"],
                    "summary": "Reply to the customer, or add an internal note",
                    "security": [{ "bearer": [] }],
                    "parameters": [if_match],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reply" } } } },
                    "responses": reply_responses
                }
            },
            "/api/v1/tickets/{reference}/events": {
                "parameters": [reference],
                "get": {
                    "operationId": "listTicketEvents",
                    "tags": ["tickets"],
                    "summary": "The ticket's conversation, oldest first, internal notes marked",
                    "security": [{ "bearer": [] }],
                    "responses": events_responses
                }
            },
            "/api/v1/tickets/{reference}/screenshots/{id}": {
                "parameters": [reference, { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "get": {
                    "operationId": "getScreenshot",
                    "tags": ["tickets"],
                    "summary": "One screenshot of the ticket (links in its events)",
                    "security": [{ "bearer": [] }],
                    "responses": screenshot_responses
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "tags": ["meta"],
                    "summary": "This document",
                    "responses": { "200": { "description": "OpenAPI 3", "content": { "application/json": { "schema": { "type": "object" } } } } }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::patterns;
    use crate::domain::account::MaskedAccount;
    use crate::domain::text;
    use proptest::prelude::*;
    use regex::Regex;

    fn re(p: &str) -> Regex {
        Regex::new(p).unwrap()
    }

    /// Characters where the rules differ: spaces of every kind, controls,
    /// bidi marks, separators, letters, digits, Chinese.
    fn tricky() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{a0}', '\u{3000}', '\u{2028}', '\u{0}', '\u{1f}',
            '\u{7f}', '\u{9f}', '\u{202e}', '\u{2067}', '\u{200b}', '\u{feff}', 'a', 'Z', '0', '9', '*', '＊', '-',
            '_', '.', '@', ',', '¥', '上', '海',
        ]);
        prop::collection::vec(chars, 0..12).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn text_patterns_agree_with_the_validator(s in tricky()) {
            for multiline in [false, true] {
                let clean = text::clean(&s, 1000, multiline);
                prop_assert_eq!(re(&patterns::text(false, multiline)).is_match(&s), clean.is_ok(), "{:?} multiline {}", s, multiline);
                prop_assert_eq!(re(&patterns::text(true, multiline)).is_match(&s), matches!(clean, Ok(Some(_))), "{:?} multiline {}", s, multiline);
            }
        }

        #[test]
        fn the_account_pattern_agrees_with_the_parser(s in tricky()) {
            prop_assert_eq!(re(&patterns::account()).is_match(&s), MaskedAccount::parse(&s).is_ok(), "{:?}", s);
        }

        #[test]
        fn the_phone_pattern_agrees_with_the_normaliser(
            s in "[ +＋()（）.\\-]{0,2}(0086|86|\\+86)?[ -]?1[0-9３８]{2}[ -]?[0-9]{3,5}[ .-]?[0-9]{3,5}[ ]?",
        ) {
            let normalised = crate::domain::sms::normalize_phone(&s);
            prop_assert_eq!(re(&patterns::phone(true)).is_match(&s), normalised.is_some(), "{:?}", s);
        }

        #[test]
        fn the_strict_patterns_take_only_what_the_validator_takes(
            amount in "[0-9]{1,8}(\\.[0-9]{0,3})?",
            order in tricky(),
        ) {
            if re(&patterns::amount(true)).is_match(&amount) {
                prop_assert!(matches!(crate::domain::intake::amount(&amount), Ok(Some(_))), "{}", amount);
            }
            if re(&patterns::order_number(true)).is_match(&order) {
                prop_assert!(matches!(crate::domain::intake::order_number(&order), Ok(Some(_))), "{:?}", order);
            }
        }
    }

    #[test]
    fn the_intake_schema_names_exactly_the_fields_the_server_reads() {
        let doc = super::document();
        let documented: Vec<&str> = doc["components"]["schemas"]["Intake"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(documented.len(), crate::domain::intake::FIELDS.len() + 1);
        assert!(documented.iter().all(|f| crate::web::api::is_intake_field(f)), "{documented:?}");
    }

    #[test]
    fn amounts_at_the_edges() {
        let required = re(&patterns::amount(true));
        for ok in ["0.01", "0.1", "1", "128.50", "999999.99", "1000000", "1000000.00"] {
            assert!(required.is_match(ok), "{ok}");
        }
        for bad in ["0", "0.00", "0.0", "1000000.01", "1000001", "01", "1.234", "", "-1"] {
            assert!(!required.is_match(bad), "{bad}");
        }
    }
}
