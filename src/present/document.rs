//! A ticket as integrations read it: what `GET /api/v1/tickets/{reference}`
//! returns and every webhook delivery carries, written once for both.

use serde_json::{json, Value};

use super::payment::PaymentView;
use super::{amount, rfc3339};
use crate::db::routing::{self, Escalation};
use crate::db::tickets::Ticket;
use crate::db::{users, DbConn};

/// A ticket as JSON, from its row and what [`details`] read beside it.
pub fn ticket_json(
    t: &Ticket,
    assignee_name: Option<String>,
    escalation: Option<Escalation>,
    pay: &PaymentView,
    public_url: &str,
) -> Value {
    let (payment_check, payment_checks) = pay.json();
    json!({
        "reference": t.reference,
        "status": t.status,
        "case_kind": t.case_kind,
        "queue": t.queue,
        "priority": t.priority,
        "assignee": t.assignee_id.as_ref().map(|id| json!({ "id": id, "name": assignee_name })),
        "due_at": rfc3339(t.due_at),
        "first_response_at": t.first_response_at.map(rfc3339),
        "complaint_at": t.complaint_at.map(rfc3339),
        "created_at": rfc3339(t.created_at),
        "updated_at": rfc3339(t.updated_at),
        "language": t.language,
        "platform": t.platform,
        "payment_scenario": t.payment_scenario,
        "payment_method": t.payment_method,
        "failing_step": t.failing_step,
        "symptom": t.symptom,
        "error_code": t.error_code,
        "error_message": t.error_message,
        "city": t.city,
        "account_number": t.account_masked,
        "checks_tried": t.checks_tried.codes().collect::<Vec<_>>(),
        "occurred_at": t.occurred_at.map(rfc3339),
        "amount": t.amount_cents.map(amount),
        "order_number": t.order_number,
        "contact_email": t.contact_email,
        // Masked: staff who need to call reveal it on the ticket's page (audited).
        "contact_phone": crate::domain::sms::mask_phone(&t.contact_phone),
        "contact_channel": t.contact_channel,
        "description": t.description,
        "missing_facts": t.missing_facts().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "screenshot_count": t.screenshot_count,
        "routing": { "rule": t.routing_rule, "facts": t.routing_facts },
        "escalation": escalation.map(|e| json!({ "id": e.id, "target": e.target, "status": e.status })),
        "payment_check": payment_check,
        "payment_checks": payment_checks,
        "refunds": pay.refunds_json(),
        "url": format!("{public_url}/agent/tickets/{}", t.reference),
    })
}

/// What the API shows of a ticket besides its row: the assignee's name, its
/// escalation and its payment.
pub fn details(c: &mut DbConn, t: &Ticket) -> diesel::QueryResult<(Option<String>, Option<Escalation>, PaymentView)> {
    let name = match &t.assignee_id {
        Some(id) => users::find(c, id)?.map(|u| u.name),
        None => None,
    };
    let escalation = match &t.escalation_id {
        Some(id) => routing::escalation(c, id)?,
        None => None,
    };
    Ok((name, escalation, PaymentView::load(c, &t.id)?))
}

/// A ticket as `GET /api/v1/tickets/{reference}` shows it (what webhooks
/// send).
pub fn ticket_document(c: &mut DbConn, t: &Ticket, public_url: &str) -> diesel::QueryResult<Value> {
    let (name, escalation, pay) = details(c, t)?;
    Ok(ticket_json(t, name, escalation, &pay, public_url))
}
