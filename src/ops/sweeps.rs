//! Work that time alone makes due, done by `jobs::sweeps` every little while:
//! self-service tickets nobody answered are resolved; money taken and not
//! credited for too long goes to the payment provider, through review;
//! supervisors hear of tickets past their due time, and of spikes.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::outbox;
use crate::db::schema::tickets;
use crate::db::tickets::Ticket;
use crate::db::{DbConn, DbPool};
use crate::domain::codes::{CaseKind, EscalationTarget, MailKind, Status};
use crate::domain::next_steps::closes_by_itself_at;
use crate::domain::spikes::SpikeRules;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::escalation;
use crate::ops::ticket::{current, resolve_with_message, Resolver, Seen};

/// Kinds a customer can fix alone (routing sends them to wait on the customer).
pub use crate::domain::next_steps::SELF_SERVICE;

pub struct Limits {
    /// A self-service ticket with no answer for this long is resolved.
    pub self_service_timeout: Duration,
    /// Money taken and not credited for this long goes to the provider.
    pub provider_after: Duration,
    pub spikes: SpikeRules,
    pub retention: crate::domain::retention::Policy,
    /// SLA targets and the queues' calendars.
    pub rules: std::sync::Arc<crate::routing::Rules>,
}

/// Tickets purged per transaction batch; the retention step goes on in such
/// batches for at most `RETENTION_BUDGET` a sweep, so a first run on an old
/// database drains its backlog over the following minutes.
const RETENTION_BATCH: i64 = 50;
const RETENTION_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

type Step = fn(&mut DbConn, &Limits, NaiveDateTime) -> Result<usize, AppError>;

/// Runs every sweep once; returns how many tickets it touched. Each step
/// (and each retention batch) takes the writers' connection for itself and
/// gives it back, so intake waits at most for one step, never for the
/// whole sweep.
pub fn run(writer: &DbPool, limits: &Limits, now: NaiveDateTime) -> Result<usize, String> {
    let steps: [Step; 9] = [
        resolve_silent_self_service,
        escalate_old_deductions,
        |c, limits, now| Ok(restart_clocks_past_their_refund(c, &limits.rules, now)?),
        |c, limits, now| Ok(notify_breaches(c, &limits.rules, now)?),
        |c, limits, now| Ok(crate::ops::incident::propose_for_spikes(c, &limits.spikes, now)?),
        // Sign-in failures already forgiven: their rows go (no ticket touched).
        |c, _, now| Ok(crate::db::users::forget_old_failures(c, now).map(|_| 0)?),
        // Idempotency keys are kept a day (no ticket touched).
        |c, _, now| Ok(crate::db::idempotency::purge(c, now).map(|_| 0)?),
        // Providers' answer nonces, a few minutes (no ticket touched).
        |c, _, now| Ok(crate::db::payments::forget_nonces(c, now).map(|_| 0)?),
        // One-time codes past their life (no ticket touched).
        |c, _, now| Ok(crate::db::sms::forget_codes(c, now).map(|_| 0)?),
    ];
    let mut touched = 0;
    for step in steps {
        let mut conn = writer.get().map_err(|e| e.to_string())?;
        touched += step(&mut conn, limits, now).map_err(|e| e.to_string())?;
    }
    let started = std::time::Instant::now();
    let mut purged = crate::ops::retention::Done::default();
    while started.elapsed() < RETENTION_BUDGET {
        let mut conn = writer.get().map_err(|e| e.to_string())?;
        let done = crate::ops::retention::purge(&mut conn, &limits.retention, now, RETENTION_BATCH)
            .map_err(|e| e.to_string())?;
        if done == Default::default() {
            break;
        }
        purged.add(done);
    }
    if purged != Default::default() {
        tracing::info!(
            tickets = purged.tickets_with_screenshots,
            screenshots = purged.screenshots,
            emails = purged.emails,
            mail_files = purged.mail_files,
            "retention purge"
        );
    }
    Ok(touched + purged.tickets_with_screenshots + purged.emails)
}

fn resolve_silent_self_service(conn: &mut DbConn, limits: &Limits, now: NaiveDateTime) -> Result<usize, AppError> {
    let kinds: Vec<&str> = SELF_SERVICE.iter().map(|k| k.as_str()).collect();
    let silent: Vec<Ticket> = tickets::table
        .filter(tickets::status.eq(Status::PendingCustomer.as_str()))
        .filter(tickets::case_kind.eq_any(kinds))
        .filter(tickets::paused_at.lt(now - limits.self_service_timeout))
        .select(Ticket::as_select())
        .limit(100)
        .load(conn)?;
    let mut resolved = 0;
    for t in &silent {
        // Read again under the lock: a customer who wrote in the meantime
        // has reopened it, and it stays open.
        let done = conn.transaction(|conn| {
            let locked = current(conn, &t.id, Seen::Latest)?;
            // The rule the customer pages announce (`next_steps`).
            let closes = closes_by_itself_at(
                locked.case_kind,
                locked.status,
                &locked.checks_tried,
                locked.paused_at,
                limits.self_service_timeout,
            );
            if closes.is_none_or(|at| at > now) {
                return Ok(false);
            }
            let message = locked.language.t("auto-resolved");
            resolve_with_message(conn, &t.id, &message, Resolver::System, &limits.rules, now)
        });
        if done? {
            resolved += 1;
        }
    }
    Ok(resolved)
}

/// The open statuses a deduction not yet credited waits in before it goes
/// to the provider.
const AWAITING_CREDIT: [Status; 3] = [Status::New, Status::Open, Status::PendingCustomer];

fn escalate_old_deductions(conn: &mut DbConn, limits: &Limits, now: NaiveDateTime) -> Result<usize, AppError> {
    let old: Vec<String> = tickets::table
        .filter(tickets::case_kind.eq(CaseKind::DeductedNotCredited))
        .filter(tickets::status.eq_any(AWAITING_CREDIT))
        .filter(tickets::escalation_id.is_null())
        .filter(tickets::created_at.lt(now - limits.provider_after))
        .select(tickets::id)
        .limit(100)
        .load(conn)?;
    let mut escalated = 0;
    for id in &old {
        // Read again under the lock: an agent may have resolved or
        // escalated it in the meantime.
        let done = conn.transaction(|conn| {
            let t = current(conn, id, Seen::Latest)?;
            if !AWAITING_CREDIT.contains(&t.status) || t.escalation_id.is_some() {
                return Ok::<_, AppError>(false);
            }
            diesel::update(tickets::table.find(&t.id)).set(tickets::updated_at.eq(now)).execute(conn)?;
            let rule = "deducted-not-credited-too-long";
            let provider = EscalationTarget::Provider;
            escalation::join(conn, &t.id, provider, t.platform, t.payment_scenario, rule, provider.as_str(), now)?;
            Ok(true)
        })?;
        escalated += usize::from(done);
    }
    Ok(escalated)
}

/// A ticket whose clock stopped for a refund runs again once the refund is
/// past its due date (or stuck): the provider's time is up, the agent's
/// begins. (A refund that ends restarts it at once: `ops::payments`.)
fn restart_clocks_past_their_refund(
    conn: &mut DbConn,
    rules: &crate::routing::Rules,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    // Only tickets waiting on a refund are paused while active: few, and
    // each is read by its key.
    let paused: Vec<String> = tickets::table
        .filter(tickets::status.eq_any(Status::ACTIVE))
        .filter(tickets::paused_at.is_not_null())
        .select(tickets::id)
        .load(conn)?;
    let mut restarted = 0;
    for id in &paused {
        restarted += usize::from(conn.transaction(|conn| crate::ops::sla::provider_done(conn, id, rules, now))?);
    }
    Ok(restarted)
}

/// Tells every active supervisor, once per ticket, that it is past due. A
/// ticket whose clock is paused (waiting on the customer, or on a refund at
/// the provider) is not counted.
fn notify_breaches(conn: &mut DbConn, rules: &crate::routing::Rules, now: NaiveDateTime) -> QueryResult<usize> {
    let counted = [Status::New, Status::Open, Status::PendingPlatform];
    // Nobody is told in closed time: a ticket late on Friday night is told
    // of when its queue opens again (issue 30). Only open queues are read,
    // so closed ones never crowd them out of a batch.
    let calendars = crate::ops::sla::calendars(conn, rules)?;
    let open: Vec<&str> =
        calendars.iter().filter(|(_, cal)| cal.is_open_at(now)).map(|(queue, _)| queue.as_str()).collect();
    let late: Vec<String> = tickets::table
        .filter(tickets::status.eq_any(counted))
        .filter(tickets::due_at.lt(now))
        .filter(tickets::paused_at.is_null())
        .filter(tickets::breach_notified_at.is_null())
        .filter(tickets::queue.eq_any(open))
        .order(tickets::due_at.asc())
        .select(tickets::id)
        .limit(100)
        .load(conn)?;
    if late.is_empty() {
        return Ok(0);
    }
    let supervisors = crate::db::users::supervisors(conn)?;
    let mut told = 0;
    for id in &late {
        told += conn.transaction(|conn| {
            // Marked only if it is still late and not yet told (another
            // server, or an agent's answer, may have come in between): the
            // mail goes out only with the mark.
            let marked = diesel::update(
                tickets::table
                    .find(id)
                    .filter(tickets::breach_notified_at.is_null())
                    .filter(tickets::status.eq_any(counted))
                    .filter(tickets::paused_at.is_null())
                    .filter(tickets::due_at.lt(now)),
            )
            .set(tickets::breach_notified_at.eq(now))
            .execute(conn)?;
            if marked == 1 {
                for email in &supervisors {
                    outbox::enqueue(conn, MailKind::SlaBreach, id, None, email, Lang::ZhCn, now)?;
                }
            }
            Ok::<_, diesel::result::Error>(marked)
        })?;
    }
    Ok(told)
}
