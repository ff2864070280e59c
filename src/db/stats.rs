//! The supervisor dashboard's numbers. Counts per day are kept current in
//! `daily_stats` by the writes that change them (a ticket filed, its first
//! answer, its resolution), in the same transaction, so the dashboard reads
//! a few thousand rows however many tickets there are. The backlog and the
//! workload are read from open tickets through their indexes.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::backend::on_backend;
use super::schema::tickets;
use super::tickets::Ticket;
use super::DbConn;
use crate::domain::china;
use crate::domain::codes::{Queue, Status};

/// `Status::OPEN` as an SQL list (`'new', 'open', …`) for the raw queries:
/// the codes are fixed words of the program, never input.
fn open_statuses() -> String {
    Status::OPEN.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
}

/// Which row of `daily_stats` a ticket counts in.
pub struct Key<'a> {
    pub filed: NaiveDateTime,
    pub queue: &'a str,
    pub case_kind: &'a str,
    pub city: &'a str,
    pub failing_step: &'a str,
}

impl<'a> Key<'a> {
    pub fn of(t: &'a Ticket) -> Self {
        Key {
            filed: t.created_at,
            queue: t.queue.as_str(),
            case_kind: t.case_kind.as_str(),
            city: &t.city,
            failing_step: t.failing_step.as_str(),
        }
    }
}

/// What one `daily_stats` row counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub filed: i64,
    pub first_response_met: i64,
    pub first_response_missed: i64,
    pub resolved_met: i64,
    pub resolved_missed: i64,
}

impl Counts {
    /// A first answer and a resolution, each on time or late (or not yet).
    pub fn outcomes(first_response_met: Option<bool>, resolved_met: Option<bool>) -> Self {
        let one = |v: Option<bool>, met: bool| i64::from(v == Some(met));
        Counts {
            filed: 0,
            first_response_met: one(first_response_met, true),
            first_response_missed: one(first_response_met, false),
            resolved_met: one(resolved_met, true),
            resolved_missed: one(resolved_met, false),
        }
    }

    pub fn add(&mut self, other: Counts) {
        self.filed += other.filed;
        self.first_response_met += other.first_response_met;
        self.first_response_missed += other.first_response_missed;
        self.resolved_met += other.resolved_met;
        self.resolved_missed += other.resolved_missed;
    }
}

/// Adds to one row: a dimension's value on the key's day and queue.
fn bump(conn: &mut DbConn, key: &Key<'_>, dimension: &str, value: &str, c: Counts) -> QueryResult<()> {
    add(conn, dimension, china::day(key.filed), key.queue, value, c)
}

/// Adds counts to one row of `daily_stats` (creating it when absent).
pub fn add(conn: &mut DbConn, dimension: &str, day: NaiveDate, queue: &str, value: &str, c: Counts) -> QueryResult<()> {
    let q = diesel::sql_query(
        "INSERT INTO daily_stats (dimension, day, queue, value, filed, first_response_met, \
         first_response_missed, resolved_met, resolved_missed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (dimension, day, queue, value) DO UPDATE SET \
         filed = daily_stats.filed + excluded.filed, \
         first_response_met = daily_stats.first_response_met + excluded.first_response_met, \
         first_response_missed = daily_stats.first_response_missed + excluded.first_response_missed, \
         resolved_met = daily_stats.resolved_met + excluded.resolved_met, \
         resolved_missed = daily_stats.resolved_missed + excluded.resolved_missed",
    )
    .bind::<Text, _>(dimension)
    .bind::<Text, _>(day.to_string())
    .bind::<Text, _>(queue)
    .bind::<Text, _>(value)
    .bind::<BigInt, _>(c.filed)
    .bind::<BigInt, _>(c.first_response_met)
    .bind::<BigInt, _>(c.first_response_missed)
    .bind::<BigInt, _>(c.resolved_met)
    .bind::<BigInt, _>(c.resolved_missed);
    on_backend!(conn, |c| q.execute(c)).map(|_| ())
}

/// A new ticket: call in its transaction.
pub fn filed(conn: &mut DbConn, key: &Key<'_>) -> QueryResult<()> {
    let d = Counts { filed: 1, ..Counts::default() };
    bump(conn, key, "case_kind", key.case_kind, d)?;
    bump(conn, key, "city", key.city, d)?;
    bump(conn, key, "failing_step", key.failing_step, d)
}

/// SLA outcomes are kept on the kind-of-case rows.
fn sla(conn: &mut DbConn, key: &Key<'_>, d: Counts) -> QueryResult<()> {
    bump(conn, key, "case_kind", key.case_kind, d)
}

/// A ticket's first answer, `due` being its first-response due time.
pub fn first_response(conn: &mut DbConn, t: &Ticket, due: NaiveDateTime, now: NaiveDateTime) -> QueryResult<()> {
    sla(conn, &Key::of(t), Counts::outcomes(Some(now <= due), None))
}

/// A ticket resolved, `due` being the time it was due then (paused time
/// included). Only the first resolution counts: a reopened ticket resolved
/// again keeps its first outcome.
pub fn resolved(conn: &mut DbConn, t: &Ticket, due: NaiveDateTime, now: NaiveDateTime) -> QueryResult<()> {
    let first = diesel::update(tickets::table.find(&t.id).filter(tickets::resolved_at.is_null()))
        .set(tickets::resolved_at.eq(now))
        .execute(conn)?;
    if first == 0 {
        return Ok(());
    }
    sla(conn, &Key::of(t), Counts::outcomes(None, Some(now <= due)))
}

/// What the dashboard shows: China calendar days, both ends included, and
/// one queue or all.
#[derive(Debug, Clone)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub queue: Option<Queue>,
}

impl Range {
    fn queue(&self) -> &'static str {
        self.queue.map(Queue::as_str).unwrap_or_default()
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DayKind {
    #[diesel(sql_type = Text)]
    pub day: String,
    #[diesel(sql_type = Text)]
    pub case_kind: String,
    #[diesel(sql_type = BigInt)]
    pub filed: i64,
}

/// Tickets filed per day and kind of case.
pub fn per_day_and_kind(conn: &mut DbConn, r: &Range) -> QueryResult<Vec<DayKind>> {
    let q = diesel::sql_query(
        "SELECT day, value AS case_kind, CAST(SUM(filed) AS BIGINT) AS filed FROM daily_stats \
         WHERE dimension = 'case_kind' AND day >= $1 AND day <= $2 AND ($3 = '' OR queue = $3) \
         GROUP BY day, value ORDER BY day, value",
    )
    .bind::<Text, _>(r.from.to_string())
    .bind::<Text, _>(r.to.to_string())
    .bind::<Text, _>(r.queue());
    on_backend!(conn, |c| q.load(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Tally {
    #[diesel(sql_type = Text)]
    pub value: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Which dimension to rank by.
#[derive(Debug, Clone, Copy)]
pub enum By {
    City,
    FailingStep,
}

/// The values with most tickets filed, most first.
pub fn top(conn: &mut DbConn, r: &Range, by: By, limit: i64) -> QueryResult<Vec<Tally>> {
    let column = match by {
        By::City => "city",
        By::FailingStep => "failing_step",
    };
    let q = diesel::sql_query(
        "SELECT value, CAST(SUM(filed) AS BIGINT) AS count FROM daily_stats \
         WHERE dimension = $1 AND day >= $2 AND day <= $3 AND ($4 = '' OR queue = $4) \
         GROUP BY value ORDER BY count DESC, value LIMIT $5",
    )
    // SQLite numbers parameters in the order they first appear: keep $n in order.
    .bind::<Text, _>(column)
    .bind::<Text, _>(r.from.to_string())
    .bind::<Text, _>(r.to.to_string())
    .bind::<Text, _>(r.queue())
    .bind::<BigInt, _>(limit);
    on_backend!(conn, |c| q.load(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct SlaRow {
    #[diesel(sql_type = Text)]
    pub queue: String,
    #[diesel(sql_type = BigInt)]
    pub first_response_met: i64,
    #[diesel(sql_type = BigInt)]
    pub first_response_missed: i64,
    #[diesel(sql_type = BigInt)]
    pub resolved_met: i64,
    #[diesel(sql_type = BigInt)]
    pub resolved_missed: i64,
}

impl SlaRow {
    /// Share met, in percent; none when nothing was judged yet.
    pub fn percent(met: i64, missed: i64) -> Option<i64> {
        let all = met + missed;
        (all > 0).then(|| (met * 100 + all / 2) / all)
    }
}

/// SLA attainment per queue, for tickets filed in the range.
pub fn sla_by_queue(conn: &mut DbConn, r: &Range) -> QueryResult<Vec<SlaRow>> {
    let q = diesel::sql_query(
        "SELECT queue, CAST(SUM(first_response_met) AS BIGINT) AS first_response_met, \
         CAST(SUM(first_response_missed) AS BIGINT) AS first_response_missed, \
         CAST(SUM(resolved_met) AS BIGINT) AS resolved_met, \
         CAST(SUM(resolved_missed) AS BIGINT) AS resolved_missed FROM daily_stats \
         WHERE dimension = 'case_kind' AND day >= $1 AND day <= $2 AND ($3 = '' OR queue = $3) \
         GROUP BY queue ORDER BY queue",
    )
    .bind::<Text, _>(r.from.to_string())
    .bind::<Text, _>(r.to.to_string())
    .bind::<Text, _>(r.queue());
    on_backend!(conn, |c| q.load(c))
}

/// Age buckets of the open backlog, youngest first: (key, upper bound).
pub const AGE_BUCKETS: [(&str, Option<Duration>); 5] = [
    ("age-4h", Some(Duration::hours(4))),
    ("age-1d", Some(Duration::days(1))),
    ("age-3d", Some(Duration::days(3))),
    ("age-7d", Some(Duration::days(7))),
    ("age-older", None),
];

#[derive(QueryableByName)]
struct Buckets {
    #[diesel(sql_type = Nullable<BigInt>)]
    b0: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    b1: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    b2: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    b3: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    b4: Option<i64>,
}

/// Open tickets of a queue whose running clock falls due from `from` to
/// `until`: what will be late unless someone answers (a paused clock is
/// not counted).
pub fn due_between(conn: &mut DbConn, queue: Queue, from: NaiveDateTime, until: NaiveDateTime) -> QueryResult<i64> {
    tickets::table
        .filter(tickets::queue.eq(queue.as_str()))
        .filter(tickets::status.eq_any(Status::OPEN))
        .filter(tickets::paused_at.is_null())
        .filter(tickets::due_at.ge(from))
        .filter(tickets::due_at.lt(until))
        .count()
        .get_result(conn)
}

/// Open tickets by age now, per `AGE_BUCKETS`; one scan of the open
/// tickets' (status, queue, created_at) index.
pub fn backlog_by_age(conn: &mut DbConn, queue: Option<Queue>, now: NaiveDateTime) -> QueryResult<Vec<(String, i64)>> {
    let at = |i: usize| now - AGE_BUCKETS[i].1.unwrap_or_default();
    let q = diesel::sql_query(format!(
        "SELECT CAST(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END) AS BIGINT) AS b0, \
         CAST(SUM(CASE WHEN created_at < $1 AND created_at >= $2 THEN 1 ELSE 0 END) AS BIGINT) AS b1, \
         CAST(SUM(CASE WHEN created_at < $2 AND created_at >= $3 THEN 1 ELSE 0 END) AS BIGINT) AS b2, \
         CAST(SUM(CASE WHEN created_at < $3 AND created_at >= $4 THEN 1 ELSE 0 END) AS BIGINT) AS b3, \
         CAST(SUM(CASE WHEN created_at < $4 THEN 1 ELSE 0 END) AS BIGINT) AS b4 \
         FROM tickets WHERE status IN ({}) \
         AND ($5 = '' OR queue = $5)",
        open_statuses()
    ))
    .bind::<Timestamp, _>(at(0))
    .bind::<Timestamp, _>(at(1))
    .bind::<Timestamp, _>(at(2))
    .bind::<Timestamp, _>(at(3))
    .bind::<Text, _>(queue.map(Queue::as_str).unwrap_or_default());
    let rows: Vec<Buckets> = on_backend!(conn, |c| q.load(c))?;
    let b = rows.into_iter().next().map(|b| [b.b0, b.b1, b.b2, b.b3, b.b4]).unwrap_or_default();
    Ok(AGE_BUCKETS.iter().zip(b).map(|((key, _), n)| (key.to_string(), n.unwrap_or(0))).collect())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Workload {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub breached: i64,
}

/// Open tickets per active staff member, and how many are past due (a
/// ticket whose clock is paused — waiting on the customer, or on a refund
/// — is never past due).
pub fn workload(conn: &mut DbConn, queue: Option<Queue>, now: NaiveDateTime) -> QueryResult<Vec<Workload>> {
    let q = diesel::sql_query(format!(
        "SELECT u.name AS name, CAST(COUNT(t.id) AS BIGINT) AS open, \
         CAST(SUM(CASE WHEN t.due_at < $1 AND t.paused_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS breached \
         FROM users u JOIN tickets t ON t.assignee_id = u.id \
         WHERE t.status IN ({open}) AND ($2 = '' OR t.queue = $2) \
         GROUP BY u.id, u.name ORDER BY open DESC, name",
        open = open_statuses(),
    ))
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(queue.map(Queue::as_str).unwrap_or_default());
    on_backend!(conn, |c| q.load(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct EscalationRow {
    #[diesel(sql_type = Text)]
    pub platform: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Escalations created in the range, per platform and state.
pub fn escalations_by_state(conn: &mut DbConn, r: &Range) -> QueryResult<Vec<EscalationRow>> {
    let q = diesel::sql_query(
        "SELECT platform, status, CAST(COUNT(*) AS BIGINT) AS count FROM escalations \
         WHERE created_at >= $1 AND created_at < $2 GROUP BY platform, status ORDER BY platform, status",
    )
    .bind::<Timestamp, _>(china::start_of(r.from))
    .bind::<Timestamp, _>(china::start_of(r.to) + Duration::days(1));
    on_backend!(conn, |c| q.load(c))
}

/// Each platform's answers to escalations created in the range: (platform,
/// answers, median hours from sending to the answer).
pub fn platform_answer_times(conn: &mut DbConn, r: &Range) -> QueryResult<Vec<(String, i64, f64)>> {
    use super::schema::escalations as e;
    let rows: Vec<(String, Option<NaiveDateTime>, Option<NaiveDateTime>)> = e::table
        .filter(e::created_at.ge(china::start_of(r.from)))
        .filter(e::created_at.lt(china::start_of(r.to) + Duration::days(1)))
        .filter(e::answered_at.is_not_null())
        .select((e::platform, e::reviewed_at, e::answered_at))
        .order(e::platform)
        .load(conn)?;
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    for (platform, sent, answered) in rows {
        let (Some(sent), Some(answered)) = (sent, answered) else { continue };
        let hours = (answered - sent).num_minutes() as f64 / 60.0;
        match out.last_mut() {
            Some((p, hs)) if *p == platform => hs.push(hours),
            _ => out.push((platform, vec![hours])),
        }
    }
    Ok(out.into_iter().map(|(p, hs)| (p, hs.len() as i64, median(hs))).collect())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => 0.0,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// The headline numbers at the top of the dashboard, now (in one queue, or
/// all): open tickets, those of them past their due time (a ticket waiting
/// on the customer is paused, never late: as the queue's `sla=breached`),
/// those waiting on the customer, tickets filed since the start of today
/// (China), and escalations waiting for a supervisor's review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Headline {
    pub open: i64,
    pub overdue: i64,
    pub waiting: i64,
    pub filed_today: i64,
    pub to_review: i64,
    /// Tickets whose customer asked for a supervisor, not yet answered.
    pub complaints: i64,
}

pub fn headline(conn: &mut DbConn, queue: Option<Queue>, now: NaiveDateTime) -> QueryResult<Headline> {
    use super::schema::escalations;
    let in_queue = |q: Option<Queue>| {
        let mut b = tickets::table.into_boxed();
        if let Some(q) = q {
            b = b.filter(tickets::queue.eq(q.as_str()));
        }
        b
    };
    let open = in_queue(queue).filter(tickets::status.eq_any(Status::OPEN)).count().get_result(conn)?;
    let overdue = in_queue(queue)
        .filter(tickets::status.eq_any(Status::OPEN))
        .filter(tickets::paused_at.is_null())
        .filter(tickets::due_at.lt(now))
        .count()
        .get_result(conn)?;
    let waiting =
        in_queue(queue).filter(tickets::status.eq(Status::PendingCustomer.as_str())).count().get_result(conn)?;
    let filed_today =
        in_queue(queue).filter(tickets::created_at.ge(china::start_of(china::day(now)))).count().get_result(conn)?;
    let to_review = escalations::table
        .filter(escalations::status.eq(crate::domain::codes::EscalationStatus::PendingReview))
        .count()
        .get_result(conn)?;
    let complaints = in_queue(queue).filter(tickets::complaint_at.is_not_null()).count().get_result(conn)?;
    Ok(Headline { open, overdue, waiting, filed_today, to_review, complaints })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_and_knows_nothing_judged() {
        assert_eq!(SlaRow::percent(2, 1), Some(67));
        assert_eq!(SlaRow::percent(0, 0), None);
        assert_eq!(SlaRow::percent(5, 0), Some(100));
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }
}
