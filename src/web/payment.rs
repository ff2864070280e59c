//! A ticket's payment checks as the ticket page and the API show them.

use serde_json::{json, Value};

use crate::db::payments::{self, Check};
use crate::db::DbConn;
use crate::domain::codes::CheckState;
use crate::i18n::Lang;

/// The checks of a ticket, oldest first, and whether one is under way.
#[derive(Debug, Clone, Default)]
pub struct PaymentView {
    pub waiting: bool,
    pub checks: Vec<Check>,
}

impl PaymentView {
    pub fn load(conn: &mut DbConn, ticket_id: &str) -> diesel::QueryResult<PaymentView> {
        Ok(PaymentView { waiting: payments::waiting(conn, ticket_id)?, checks: payments::history(conn, ticket_id)? })
    }

    /// The state to show: `pending` while a check is under way.
    pub fn state(&self) -> Option<CheckState> {
        if self.waiting {
            Some(CheckState::Pending)
        } else {
            self.checks.last().map(|c| c.state)
        }
    }

    /// `payment_check` (the latest, or `pending`, or null) and
    /// `payment_checks` (the history), for the API.
    pub fn json(&self) -> (Value, Value) {
        let latest = match (self.waiting, self.checks.last()) {
            (true, _) => json!({ "state": CheckState::Pending }),
            (false, Some(c)) => check_json(c),
            (false, None) => Value::Null,
        };
        (latest, Value::Array(self.checks.iter().map(check_json).collect()))
    }

    /// One line per check for the ticket page, newest first.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        self.checks.iter().rev().map(|c| line(lang, c)).collect()
    }
}

fn yuan(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub fn check_json(c: &Check) -> Value {
    json!({
        "state": c.state,
        "provider": c.provider,
        "amount": c.amount_cents.map(yuan),
        "paid_at": c.paid_at.map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "checked_at": c.checked_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "provider_state": c.provider_state,
        "provider_description": c.provider_description,
        "bill_state": c.bill_state,
        "problem": c.problem,
    })
}

/// "Paid · ¥128.50 · paid 2026-11-20 09:30 · not credited to the bill ·
/// SUCCESS 支付成功 · checked …"
fn line(lang: Lang, c: &Check) -> String {
    let mut parts = vec![c.state.label(lang)];
    if let Some(a) = c.amount_cents {
        parts.push(super::yuan(a));
    }
    if let Some(p) = c.paid_at {
        parts.push(super::china_time(p));
    }
    if let Some(b) = c.bill_state {
        parts.push(b.label(lang));
    }
    if !c.provider_state.is_empty() {
        parts.push(format!("{} {}", c.provider_state, c.provider_description).trim().to_string());
    }
    if !c.problem.is_empty() {
        parts.push(c.problem.clone());
    }
    format!("{} · {} · {}", super::china_time(c.checked_at), c.provider, parts.join(" · "))
}
