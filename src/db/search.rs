//! The word-search index (issue 32): which tickets hold which terms. The
//! terms come from `domain::words`; SQLite keeps them in an FTS5 index,
//! PostgreSQL in a tsvector under a GIN index, each built from the terms
//! as they are (no parser, no dictionary), so both find the same tickets.

use std::collections::BTreeSet;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};

use super::schema::{ticket_events, tickets};
use super::DbConn;
use crate::domain::codes::{EventAuthor, EventKind};
use crate::domain::words::{Field, Query, Term};

type Db = <DbConn as diesel::Connection>::Backend;

/// Which SQL the search filter is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(conn: &DbConn) -> Dialect {
        match conn {
            DbConn::Sqlite(_) => Dialect::Sqlite,
            DbConn::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// Sets a ticket's terms (all of them: replaces what it held), and notes
/// the version of `domain::words` that made them.
pub fn store(conn: &mut DbConn, ticket_id: &str, terms: &BTreeSet<String>, version: i32) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query("DELETE FROM ticket_words WHERE rowid = (SELECT rowid FROM tickets WHERE id = ?)")
                .bind::<Text, _>(ticket_id)
                .execute(c)?;
            let joined = terms.iter().map(String::as_str).collect::<Vec<_>>().join(" ");
            diesel::sql_query("INSERT INTO ticket_words (rowid, terms) SELECT rowid, ? FROM tickets WHERE id = ?")
                .bind::<Text, _>(joined)
                .bind::<Text, _>(ticket_id)
                .execute(c)?;
        }
        DbConn::Postgres(c) => {
            let terms: Vec<&str> = terms.iter().map(String::as_str).collect();
            diesel::sql_query(
                "INSERT INTO ticket_words (ticket_id, terms) VALUES ($1, array_to_tsvector($2)) \
                 ON CONFLICT (ticket_id) DO UPDATE SET terms = EXCLUDED.terms",
            )
            .bind::<Text, _>(ticket_id)
            .bind::<Array<Text>, _>(terms)
            .execute(c)?;
        }
    }
    diesel::update(tickets::table.find(ticket_id).filter(tickets::words_version.ne(version)))
        .set(tickets::words_version.eq(version))
        .execute(conn)?;
    Ok(())
}

/// Whether an event's words are searched: what the customer and staff
/// wrote, not what the system noted (a mail's delivery, an SMS).
pub fn searched_event(kind: EventKind, author: EventAuthor) -> bool {
    SEARCHED_EVENTS.contains(&kind) && author != EventAuthor::System
}

/// Many tickets' terms at once, each space-joined (the demo data): tickets
/// that hold none yet, whose rows say they are indexed.
pub fn store_many(conn: &mut DbConn, rows: &[(String, String)]) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            for (id, terms) in rows {
                diesel::sql_query("INSERT INTO ticket_words (rowid, terms) SELECT rowid, ? FROM tickets WHERE id = ?")
                    .bind::<Text, _>(terms)
                    .bind::<Text, _>(id)
                    .execute(c)?;
            }
        }
        DbConn::Postgres(c) => {
            let (ids, terms): (Vec<&str>, Vec<&str>) = rows.iter().map(|(i, t)| (i.as_str(), t.as_str())).unzip();
            diesel::sql_query(
                "INSERT INTO ticket_words (ticket_id, terms) \
                 SELECT id, array_to_tsvector(string_to_array(t, ' ')) FROM unnest($1, $2) AS u(id, t)",
            )
            .bind::<Array<Text>, _>(ids)
            .bind::<Array<Text>, _>(terms)
            .execute(c)?;
        }
    }
    Ok(())
}

/// The events whose words are searched.
const SEARCHED_EVENTS: [EventKind; 5] = [
    EventKind::CustomerMessage,
    EventKind::PublicReply,
    EventKind::InternalNote,
    EventKind::InfoRequested,
    EventKind::PlatformAnswer,
];

/// What a ticket's words are indexed from: its own texts, then its
/// conversation's.
pub struct Texts {
    pub fields: Fields,
    pub conversation: Vec<String>,
}

/// A ticket's searched fields, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct Fields {
    pub id: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub description: String,
    pub city: String,
    pub account_masked: String,
    pub order_number: Option<String>,
}

impl Fields {
    /// The texts searched, and where each sits (the order number is found
    /// whole, by its own column).
    pub fn searched(&self) -> [(Field, &str); 5] {
        [
            (Field::Screen, self.error_code.as_deref().unwrap_or("")),
            (Field::Screen, self.error_message.as_deref().unwrap_or("")),
            (Field::Description, &self.description),
            (Field::Facts, &self.city),
            (Field::Facts, &self.account_masked),
        ]
    }
}

/// The searched fields of these tickets (to index or rank them), in no order.
pub fn fields(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Fields>> {
    tickets::table
        .filter(tickets::id.eq_any(ids))
        .select((
            tickets::id,
            tickets::error_code,
            tickets::error_message,
            tickets::description,
            tickets::city,
            tickets::account_masked,
            tickets::order_number,
        ))
        .load(conn)
}

/// The texts of one ticket, for indexing it.
pub fn texts(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Option<Texts>> {
    let Some(fields) = fields(conn, &[ticket_id.to_string()])?.pop() else { return Ok(None) };
    let conversation = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .filter(ticket_events::kind.eq_any(SEARCHED_EVENTS.map(|k| k.as_str())))
        // What the system noted (a mail's delivery, an SMS) is not searched.
        .filter(ticket_events::author_kind.ne(EventAuthor::System.as_str()))
        .select(ticket_events::body)
        .load(conn)?;
    Ok(Some(Texts { fields, conversation }))
}

/// Tickets not yet indexed by `version`, after `after` in id order.
pub fn unindexed(conn: &mut DbConn, version: i32, after: &str, limit: i64) -> QueryResult<Vec<String>> {
    tickets::table
        .filter(tickets::id.gt(after))
        .filter(tickets::words_version.ne(version))
        .select(tickets::id)
        .order(tickets::id.asc())
        .limit(limit)
        .load(conn)
}

/// How many tickets an older `domain::words` indexed (or none did).
pub fn stale(conn: &mut DbConn, version: i32) -> QueryResult<i64> {
    tickets::table.filter(tickets::words_version.ne(version)).count().get_result(conn)
}

/// The queue's filter "holds every term of the search, or has this order
/// number": one set of tickets, which the database can walk (an `OR` of
/// the two would make it read every ticket of the view).
pub fn holds(
    dialect: Dialect,
    query: &Query,
    order_number: &str,
) -> Box<dyn BoxableExpression<tickets::table, Db, SqlType = Bool>> {
    match dialect {
        Dialect::Sqlite => Box::new(
            sql::<Bool>("tickets.rowid IN (SELECT rowid FROM ticket_words WHERE ticket_words MATCH ")
                .bind::<Text, _>(fts5_match(&query.terms))
                .sql(" UNION ALL SELECT rowid FROM tickets WHERE order_number = ")
                .bind::<Text, _>(order_number.to_string())
                .sql(")"),
        ),
        Dialect::Postgres => Box::new(
            sql::<Bool>("tickets.id IN (SELECT ticket_id FROM ticket_words WHERE terms @@ CAST(")
                .bind::<Text, _>(tsquery(&query.terms))
                .sql(" AS tsquery) UNION ALL SELECT id FROM tickets WHERE order_number = ")
                .bind::<Text, _>(order_number.to_string())
                .sql(")"),
        ),
    }
}

/// FTS5's query: each term quoted (`"余额"`), a prefix starred, all of
/// them required. Terms hold only letters and digits, so nothing needs
/// escaping; a quote is doubled all the same.
fn fts5_match(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"{}", t.text.replace('"', "\"\""), if t.prefix { "*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// PostgreSQL's tsquery, read as lexemes as they are (`'余额' & '扣':*`).
fn tsquery(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| {
            let text = t.text.replace('\\', "\\\\").replace('\'', "''");
            format!("'{text}'{}", if t.prefix { ":*" } else { "" })
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Which version of `domain::words` indexed a ticket (0: none yet).
pub fn indexed_version(conn: &mut DbConn, ticket_id: &str) -> QueryResult<i32> {
    tickets::table.find(ticket_id).select(tickets::words_version).first(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_quote_each_term_and_star_prefixes() {
        let q = Query::parse("扣 余额 pay").unwrap();
        assert_eq!(fts5_match(&q.terms), "\"扣\"* AND \"余额\" AND \"pay\"");
        assert_eq!(tsquery(&q.terms), "'扣':* & '余额' & 'pay'");
    }
}
