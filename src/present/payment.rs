//! A ticket's payment checks as the ticket page and the API show them.

use serde_json::{json, Value};

use super::rfc3339;
use crate::db::payments::{self, Check, Refund};
use crate::db::DbConn;
use crate::domain::codes::CheckState;
use crate::i18n::Lang;

/// The checks of a ticket, oldest first, and whether one is under way.
#[derive(Debug, Clone, Default)]
pub struct PaymentView {
    pub waiting: bool,
    pub checks: Vec<Check>,
    pub refunds: Vec<Refund>,
}

impl PaymentView {
    pub fn load(conn: &mut DbConn, ticket_id: &str) -> diesel::QueryResult<PaymentView> {
        Ok(PaymentView {
            waiting: payments::waiting(conn, ticket_id)?,
            checks: payments::history(conn, ticket_id)?,
            refunds: payments::refunds_of(conn, ticket_id)?,
        })
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

    /// The refunds, for the API.
    pub fn refunds_json(&self) -> Value {
        Value::Array(
            self.refunds
                .iter()
                .map(|r| {
                    json!({
                        "refund_number": r.refund_number,
                        "provider": r.provider,
                        "state": r.state,
                        "provider_state": r.provider_state,
                        "amount": r.amount_cents.map(super::amount),
                        "requested_at": rfc3339(r.requested_at),
                        "due_at": rfc3339(r.due_at),
                        "checked_at": r.checked_at.map(rfc3339),
                        "finished_at": r.finished_at.map(rfc3339),
                    })
                })
                .collect(),
        )
    }

    /// One line per refund, for the ticket page and the customer's page.
    pub fn refund_lines(&self, lang: Lang) -> Vec<String> {
        self.refunds
            .iter()
            .map(|r| {
                let amount = r.amount_cents.map(|c| format!(" · {}", super::yuan(c))).unwrap_or_default();
                let when = match r.finished_at {
                    Some(at) => super::china_time(at),
                    None => lang.t_with("refund-due", "date", super::china_time(r.due_at)),
                };
                format!("{} · {}{amount} · {when}", r.refund_number, r.state.label(lang))
            })
            .collect()
    }

    /// One line per check for the ticket page, newest first.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        self.checks.iter().rev().map(|c| line(lang, c)).collect()
    }
}

pub fn check_json(c: &Check) -> Value {
    json!({
        "state": c.state,
        "provider": c.provider,
        "amount": c.amount_cents.map(super::amount),
        "paid_at": c.paid_at.map(super::rfc3339),
        "checked_at": super::rfc3339(c.checked_at),
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
