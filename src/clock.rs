//! The time every part of paydesk agrees on. Operations take `now` as an
//! argument (so a test can file a ticket "yesterday"); what starts work on
//! its own (a handler, a worker's round) asks here once.

use chrono::{NaiveDateTime, SubsecRound};

/// Now, in UTC, as stored: to the microsecond, the precision both databases
/// keep, so a time read back equals the time written.
pub fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
