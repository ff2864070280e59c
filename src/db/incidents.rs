//! Incidents: many tickets with one cause, handled together. What is read
//! about them: the rows, spike detection, the tickets an incident matches
//! or holds, its updates. What is done to them (propose, accept, link,
//! update, resolve, …) is in `ops::incident`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{incident_updates, incidents, tickets};
use super::tickets::Ticket;
use super::DbConn;
use crate::domain::codes::{IncidentStatus, Status};
use crate::domain::spikes::{self, Count, Dimension, Spike, SpikeRules};

/// `incidents.dimension`: what an incident matches tickets by, or nothing
/// (stored as the empty text) for one opened by hand without a match. Any
/// other code is an error where the row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct Matching(pub Option<Dimension>);

impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for Matching
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let code = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
        match code.as_str() {
            "" => Ok(Matching(None)),
            c => Dimension::parse(c)
                .map(|d| Matching(Some(d)))
                .ok_or_else(|| format!("unknown Dimension code {c:?}").into()),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incidents)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub status: crate::domain::codes::IncidentStatus,
    pub dimension: Matching,
    pub value: String,
    pub window_start: NaiveDateTime,
    pub spike_count: i64,
    pub expected_count: i64,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
}

impl Incident {
    pub fn dimension(&self) -> Option<Dimension> {
        self.dimension.0
    }

    pub fn is_active(&self) -> bool {
        self.status == IncidentStatus::Proposed || self.status == IncidentStatus::Open
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incident_updates)]
pub struct Update {
    pub id: String,
    pub kind: crate::domain::codes::UpdateKind,
    pub body_zh: String,
    pub body_en: String,
    pub recipients: i64,
    pub created_at: NaiveDateTime,
}

/// Tickets filed in [from, to), counted per kind of case, city and step.
pub fn counts_between(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<Count>> {
    let in_window = tickets::created_at.ge(from).and(tickets::created_at.lt(to));
    let mut out = Vec::new();
    let mut add = |dimension: Dimension, rows: Vec<(String, i64)>| {
        out.extend(rows.into_iter().map(|(value, count)| Count { dimension, value, count }))
    };
    let count = diesel::dsl::count_star();
    add(
        Dimension::CaseKind,
        tickets::table.filter(in_window).group_by(tickets::case_kind).select((tickets::case_kind, count)).load(conn)?,
    );
    add(
        Dimension::City,
        tickets::table.filter(in_window).group_by(tickets::city).select((tickets::city, count)).load(conn)?,
    );
    add(
        Dimension::FailingStep,
        tickets::table
            .filter(in_window)
            .group_by(tickets::failing_step)
            .select((tickets::failing_step, count))
            .load(conn)?,
    );
    Ok(out)
}

/// Spikes in the window ending at `now`, against both baselines.
pub fn detect(conn: &mut DbConn, rules: &SpikeRules, now: NaiveDateTime) -> QueryResult<Vec<Spike>> {
    let current = counts_between(conn, now - rules.window(), now)?;
    if current.iter().all(|c| c.count < rules.min_count) {
        return Ok(Vec::new());
    }
    let (weekly, monthly) = spikes::baseline_windows(now, rules);
    let load = |conn: &mut DbConn, ws: Vec<spikes::Window>| -> QueryResult<Vec<Vec<Count>>> {
        ws.into_iter().map(|(from, to)| counts_between(conn, from, to)).collect()
    };
    let weekly = load(conn, weekly)?;
    let monthly = load(conn, monthly)?;
    Ok(spikes::detect(&current, &weekly, &monthly, rules))
}

/// Open tickets that match an incident and were filed since its window
/// began, not yet in any incident.
pub fn matching(conn: &mut DbConn, i: &Incident, limit: i64) -> QueryResult<Vec<Ticket>> {
    let Some(d) = i.dimension() else { return Ok(Vec::new()) };
    let open = [Status::New, Status::Open, Status::PendingCustomer, Status::PendingPlatform].map(|s| s.as_str());
    let q = tickets::table
        .filter(tickets::status.eq_any(open))
        .filter(tickets::created_at.ge(i.window_start))
        .filter(tickets::incident_id.is_null())
        .select(Ticket::as_select())
        .order(tickets::created_at)
        .limit(limit);
    match d {
        Dimension::CaseKind => q.filter(tickets::case_kind.eq(&i.value)).load(conn),
        Dimension::City => q.filter(tickets::city.eq(&i.value)).load(conn),
        Dimension::FailingStep => q.filter(tickets::failing_step.eq(&i.value)).load(conn),
    }
}

/// The open tickets in an incident, oldest first (unlocked: an operation
/// locks each before it changes it).
pub fn open_linked(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<Ticket>> {
    let open = Status::OPEN.map(|s| s.as_str());
    tickets::table
        .filter(tickets::incident_id.eq(incident_id))
        .filter(tickets::status.eq_any(open))
        .select(Ticket::as_select())
        .order(tickets::created_at)
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Incident>> {
    incidents::table.find(id).select(Incident::as_select()).first(conn).optional()
}

/// Newest first; active ones (proposed, open) before the rest.
pub fn list(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Incident>> {
    let mut all: Vec<Incident> =
        incidents::table.select(Incident::as_select()).order(incidents::created_at.desc()).limit(limit).load(conn)?;
    all.sort_by_key(|i| !i.is_active());
    Ok(all)
}

/// Proposals waiting for a supervisor: the banner on staff pages.
pub fn proposed_count(conn: &mut DbConn) -> QueryResult<i64> {
    incidents::table.filter(incidents::status.eq(IncidentStatus::Proposed)).count().get_result(conn)
}

/// Whether an incident already covers a spike: one proposed or open for the
/// same value, or one dismissed since `quiet_since`.
pub fn covers(conn: &mut DbConn, dimension: Dimension, value: &str, quiet_since: NaiveDateTime) -> QueryResult<bool> {
    let n: i64 = incidents::table
        .filter(incidents::dimension.eq(dimension.as_str()))
        .filter(incidents::value.eq(value))
        .filter(
            incidents::status
                .eq_any([IncidentStatus::Proposed, IncidentStatus::Open])
                .or(incidents::status.eq(IncidentStatus::Dismissed).and(incidents::created_at.gt(quiet_since))),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Proposals waiting for a supervisor in one dimension.
pub fn proposed_in(conn: &mut DbConn, dimension: Dimension) -> QueryResult<i64> {
    incidents::table
        .filter(incidents::dimension.eq(dimension.as_str()))
        .filter(incidents::status.eq(IncidentStatus::Proposed))
        .count()
        .get_result(conn)
}

/// The first `limit` linked tickets, and how many there are.
pub fn linked_tickets(conn: &mut DbConn, id: &str, limit: i64) -> QueryResult<(Vec<Ticket>, i64)> {
    let all = tickets::table.filter(tickets::incident_id.eq(id));
    let shown = all.select(Ticket::as_select()).order(tickets::created_at).limit(limit).load(conn)?;
    let count = all.count().get_result(conn)?;
    Ok((shown, count))
}

pub fn updates(conn: &mut DbConn, id: &str) -> QueryResult<Vec<Update>> {
    incident_updates::table
        .filter(incident_updates::incident_id.eq(id))
        .select(Update::as_select())
        .order(incident_updates::created_at)
        .load(conn)
}
