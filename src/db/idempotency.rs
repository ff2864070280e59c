//! Idempotency keys of API filings (migration 17): claim, complete in the
//! ticket's transaction, answer again, forget after a day.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::idempotency_keys as keys;
use super::DbConn;
use crate::domain::codes::Status;

/// How long a key is remembered.
pub const KEEP: Duration = Duration::hours(24);
/// A claim whose request has not finished in this long is taken to have
/// died with its server (requests time out long before).
pub const ABANDONED_AFTER: Duration = Duration::minutes(2);

/// A key this request holds: its ticket completes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub caller: String,
    pub key: String,
    /// Random, per claim: the ticket's tracking token is derived from it.
    pub nonce: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The first request with this key: go on.
    Claimed(Claim),
    /// The same request was answered before: answer it again.
    Answered { claim: Claim, reference: String, status: Status },
    /// The first request with this key is still being handled.
    InFlight,
    /// The key was used with another request.
    OtherRequest,
}

/// A key's row: fingerprint, nonce, reference, status, when claimed.
type Stored = (String, String, Option<String>, Option<String>, NaiveDateTime);

/// Claims `key` for this request, or says why not.
pub fn begin(
    conn: &mut DbConn,
    caller: &str,
    key: &str,
    fingerprint: &str,
    nonce: &str,
    now: NaiveDateTime,
) -> QueryResult<Begun> {
    for _ in 0..3 {
        let inserted = diesel::insert_into(keys::table)
            .values((
                keys::caller.eq(caller),
                keys::key.eq(key),
                keys::fingerprint.eq(fingerprint),
                keys::nonce.eq(nonce),
                keys::created_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {
                let claim = Claim { caller: caller.into(), key: key.into(), nonce: nonce.into() };
                return Ok(Begun::Claimed(claim));
            }
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
            Err(e) => return Err(e),
        }
        let row: Option<Stored> = keys::table
            .find((caller, key))
            .select((keys::fingerprint, keys::nonce, keys::reference, keys::status, keys::created_at))
            .first(conn)
            .optional()?;
        let Some((stored, stored_nonce, reference, status, created_at)) = row else { continue };
        let expired = created_at < now - KEEP;
        let abandoned = reference.is_none() && created_at < now - ABANDONED_AFTER;
        if expired || abandoned {
            // Forgotten, or its request died: the key is free again. (The
            // delete names what was read, so two requests cannot both free it.)
            diesel::delete(
                keys::table
                    .find((caller, key))
                    .filter(keys::created_at.eq(created_at))
                    .filter(keys::nonce.eq(&stored_nonce)),
            )
            .execute(conn)?;
            continue;
        }
        // Still being handled, whatever it holds; then the same request or
        // another.
        let (Some(reference), Some(status)) = (reference, status.as_deref().and_then(Status::parse)) else {
            return Ok(Begun::InFlight);
        };
        if stored != fingerprint {
            return Ok(Begun::OtherRequest);
        }
        let claim = Claim { caller: caller.into(), key: key.into(), nonce: stored_nonce };
        return Ok(Begun::Answered { claim, reference, status });
    }
    Ok(Begun::InFlight)
}

/// The claim's ticket is filed: in the ticket's transaction. A claim that
/// is no longer this request's (taken over as abandoned) rolls the ticket
/// back: the request that holds the key files it.
pub fn complete(conn: &mut DbConn, claim: &Claim, reference: &str, status: Status) -> QueryResult<()> {
    let held = diesel::update(
        keys::table
            .find((&claim.caller, &claim.key))
            .filter(keys::nonce.eq(&claim.nonce))
            .filter(keys::reference.is_null()),
    )
    .set((keys::reference.eq(reference), keys::status.eq(status.as_str())))
    .execute(conn)?;
    if held == 0 {
        return Err(DieselError::RollbackTransaction);
    }
    Ok(())
}

/// The request was refused (nothing filed): the key is free for a
/// corrected request.
pub fn release(conn: &mut DbConn, claim: &Claim) -> QueryResult<()> {
    diesel::delete(
        keys::table
            .find((&claim.caller, &claim.key))
            .filter(keys::nonce.eq(&claim.nonce))
            .filter(keys::reference.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets keys older than a day. Returns how many went.
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(keys::table.filter(keys::created_at.lt(now - KEEP))).execute(conn)
}
