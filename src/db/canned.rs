//! Canned replies per case kind and language.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::canned_replies;
use super::DbConn;
use crate::domain::codes::CaseKind;
use crate::i18n::Lang;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = canned_replies)]
pub struct Canned {
    pub id: String,
    pub case_kind: CaseKind,
    pub language: Lang,
    pub title: String,
    pub body: String,
    pub updated_at: NaiveDateTime,
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Canned>> {
    canned_replies::table
        .order((canned_replies::case_kind.asc(), canned_replies::language.asc(), canned_replies::title.asc()))
        .select(Canned::as_select())
        .load(conn)
}

/// The replies that fit a ticket: in its customer's language, those for its
/// kind of case first.
pub fn for_ticket(conn: &mut DbConn, language: Lang, case_kind: CaseKind) -> QueryResult<Vec<Canned>> {
    let mut replies: Vec<Canned> = canned_replies::table
        .filter(canned_replies::language.eq(language))
        .order((canned_replies::case_kind.asc(), canned_replies::title.asc()))
        .select(Canned::as_select())
        .load(conn)?;
    replies.sort_by_key(|c| c.case_kind != case_kind);
    Ok(replies)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Canned>> {
    canned_replies::table.find(id).select(Canned::as_select()).first(conn).optional()
}

pub fn update(conn: &mut DbConn, id: &str, title: &str, body: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(canned_replies::table.find(id))
        .set((canned_replies::title.eq(title), canned_replies::body.eq(body), canned_replies::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n > 0)
}
