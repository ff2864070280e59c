//! Rate limits kept in PostgreSQL, so that several servers count one
//! quota (issue 31). The algorithm is the in-memory limiter's (GCRA, as
//! `governor` implements it): each key remembers the theoretical arrival
//! time (TAT) of its next request; a request costing `cost` is allowed
//! when `max(TAT, now) + cost - now <= period`, and moves the TAT there.
//! One statement does the check and the count under the row's lock, on the
//! database's clock (servers' clocks may differ; the database's is one).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;

/// Where a key stands after a check: the TAT and now, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Standing {
    #[diesel(sql_type = BigInt)]
    pub tat_us: i64,
    #[diesel(sql_type = BigInt)]
    pub now_us: i64,
}

/// Counts `cost_us` against `key` if the bucket (`period_us` deep) has
/// room: `Ok(Ok(standing))` when allowed, `Ok(Err(standing))` when not
/// (nothing counted). PostgreSQL only.
pub fn spend(conn: &mut DbConn, key: &str, cost_us: i64, period_us: i64) -> QueryResult<Result<Standing, Standing>> {
    let DbConn::Postgres(c) = conn else {
        return Err(diesel::result::Error::QueryBuilderError("shared rate limits need PostgreSQL".into()));
    };
    // EXCLUDED.tat_us - cost is "now" in the update branch.
    let allowed = diesel::sql_query(
        "WITH clock AS (SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS us) \
         INSERT INTO rate_limits AS r (key, tat_us) SELECT $1, clock.us + $2 FROM clock \
         ON CONFLICT (key) DO UPDATE SET tat_us = GREATEST(r.tat_us, EXCLUDED.tat_us - $2) + $2 \
         WHERE GREATEST(r.tat_us, EXCLUDED.tat_us - $2) + $2 - (EXCLUDED.tat_us - $2) <= $3 \
         RETURNING r.tat_us, (SELECT us FROM clock) AS now_us",
    )
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(cost_us)
    .bind::<BigInt, _>(period_us)
    .get_result::<Standing>(c)
    .optional()?;
    match allowed {
        Some(s) => Ok(Ok(s)),
        None => standing(conn, key).map(Err),
    }
}

/// Counts `cost_us` against `key` whatever room is left (a failure that
/// happened), moving its TAT on; PostgreSQL only.
pub fn count(conn: &mut DbConn, key: &str, cost_us: i64) -> QueryResult<Standing> {
    let DbConn::Postgres(c) = conn else {
        return Err(diesel::result::Error::QueryBuilderError("shared rate limits need PostgreSQL".into()));
    };
    diesel::sql_query(
        "WITH clock AS (SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS us) \
         INSERT INTO rate_limits AS r (key, tat_us) SELECT $1, clock.us + $2 FROM clock \
         ON CONFLICT (key) DO UPDATE SET tat_us = GREATEST(r.tat_us, EXCLUDED.tat_us - $2) + $2 \
         RETURNING r.tat_us, (SELECT us FROM clock) AS now_us",
    )
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(cost_us)
    .get_result::<Standing>(c)
}

/// Where `key` stands, without counting (a key never seen: a full bucket).
pub fn standing(conn: &mut DbConn, key: &str) -> QueryResult<Standing> {
    let DbConn::Postgres(c) = conn else {
        return Err(diesel::result::Error::QueryBuilderError("shared rate limits need PostgreSQL".into()));
    };
    diesel::sql_query(
        "SELECT COALESCE((SELECT tat_us FROM rate_limits WHERE key = $1), 0) AS tat_us, \
         (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS now_us",
    )
    .bind::<Text, _>(key)
    .get_result::<Standing>(c)
}

/// Forgets keys whose bucket is full again (their TAT has passed): they
/// would allow a whole quota anyway. The sweeper runs it.
pub fn prune(conn: &mut DbConn) -> QueryResult<usize> {
    match conn {
        DbConn::Postgres(c) => diesel::sql_query(
            "DELETE FROM rate_limits WHERE tat_us < (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT",
        )
        .execute(c),
        DbConn::Sqlite(_) => Ok(0),
    }
}
