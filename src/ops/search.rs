//! Keeping the word-search index (issue 32) up to date: a ticket's terms
//! are written with it, again whenever someone writes on it, and for every
//! ticket an older version of `domain::words` indexed when the server
//! starts.

use diesel::prelude::*;

use crate::db::search::{self, Fields};
use crate::db::DbConn;
use crate::domain::intake::NewTicket;
use crate::domain::words;

/// Indexes a ticket's words again, inside the caller's transaction.
pub fn index(conn: &mut DbConn, ticket_id: &str) -> QueryResult<()> {
    let Some(texts) = search::texts(conn, ticket_id)? else { return Ok(()) };
    let own = texts.fields.searched();
    let terms = words::terms(own.iter().map(|(_, t)| *t).chain(texts.conversation.iter().map(String::as_str)));
    search::store(conn, ticket_id, &terms, words::VERSION)
}

/// Indexes a ticket being filed from what the customer sent (no read
/// back: it has no conversation yet).
pub fn index_filed(conn: &mut DbConn, ticket_id: &str, t: &NewTicket) -> QueryResult<()> {
    let fields = Fields {
        id: ticket_id.to_string(),
        error_code: t.error_code.clone(),
        error_message: t.error_message.clone(),
        description: t.description.clone(),
        city: t.city.clone(),
        account_masked: t.account.as_str().to_string(),
        order_number: t.order_number.clone(),
    };
    let terms = words::terms(fields.searched().iter().map(|(_, t)| *t));
    search::store(conn, ticket_id, &terms, words::VERSION)
}

/// Indexes every ticket an older `domain::words` indexed, 500 to a
/// transaction; returns how many. Run when the server starts (and by the
/// demo data): several servers doing it at once only write the same terms
/// twice.
pub fn index_stale(conn: &mut DbConn) -> QueryResult<u64> {
    let mut after = String::new();
    let mut done = 0;
    loop {
        let ids = search::unindexed(conn, words::VERSION, &after, 500)?;
        let Some(last) = ids.last() else { return Ok(done) };
        after = last.clone();
        conn.transaction(|conn| ids.iter().try_for_each(|id| index(conn, id)))?;
        done += ids.len() as u64;
    }
}
