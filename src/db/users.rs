//! Staff accounts, their sessions, sign-in throttling and API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::new_id;
use super::schema::{api_tokens, login_throttles, server_secrets, sessions, tickets, users};
use super::DbConn;
use crate::domain::codes::{EventAuthor, EventKind, Queue, Queues, Role, Status};
use crate::domain::reference::{hash_secret, TrackingToken};
use crate::domain::secret::Secret;

/// A session ends after this long without use…
pub const SESSION_IDLE_HOURS: i64 = 12;
/// …and after this long in any case.
pub const SESSION_MAX_DAYS: i64 = 7;

/// `Debug` prints `***` for the password hash (a [`Secret`]).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[diesel(deserialize_as = String)]
    pub password_hash: Secret<String>,
    pub active: bool,
    pub queues: Queues,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_assigned_at: Option<NaiveDateTime>,
}

impl User {
    pub fn queues(&self) -> Vec<Queue> {
        self.queues.0.clone()
    }
}

pub fn join_queues(queues: &[Queue]) -> String {
    Queues::from(queues).to_string()
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// Emails are compared without case.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub queues: &'a [Queue],
}

pub fn create(conn: &mut DbConn, u: NewUser<'_>, now: NaiveDateTime) -> Result<User, UserError> {
    let id = new_id();
    let inserted = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(normalize_email(u.email)),
            users::name.eq(u.name.trim()),
            users::role.eq(u.role.as_str()),
            users::password_hash.eq(u.password_hash),
            users::active.eq(true),
            users::queues.eq(join_queues(u.queues)),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(UserError::EmailTaken),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(find(conn, &id)?.expect("just inserted")),
    }
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(normalize_email(email))).select(User::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table.order((users::active.desc(), users::name.asc())).select(User::as_select()).load(conn)
}

/// Active staff, for assignment menus.
pub fn active(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table.filter(users::active.eq(true)).order(users::name.asc()).select(User::as_select()).load(conn)
}

pub struct UserUpdate<'a> {
    pub name: &'a str,
    pub role: Role,
    pub queues: &'a [Queue],
    pub active: bool,
}

/// Saves an admin's edit. Deactivating a user ends all their sessions at
/// once and puts their open tickets back to be assigned again.
pub fn update(conn: &mut DbConn, id: &str, u: UserUpdate<'_>, now: NaiveDateTime) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(id))
            .set((
                users::name.eq(u.name.trim()),
                users::role.eq(u.role.as_str()),
                users::queues.eq(join_queues(u.queues)),
                users::active.eq(u.active),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        if !u.active {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(conn)?;
            // Their open tickets go to whoever is next in each queue (or
            // wait unassigned when nobody serves it).
            let open: Vec<(String, Queue)> = tickets::table
                .filter(tickets::assignee_id.eq(id))
                .filter(tickets::status.eq_any(Status::OPEN))
                .select((tickets::id, tickets::queue))
                .load(conn)?;
            for (ticket_id, queue) in open {
                let next = super::routing::pick_assignee(conn, queue, now)?;
                diesel::update(tickets::table.find(&ticket_id))
                    .set((tickets::assignee_id.eq(next.as_ref().map(|u| u.id.clone())), tickets::updated_at.eq(now)))
                    .execute(conn)?;
                let name = next.map(|u| u.name).unwrap_or_default();
                let entry = super::tickets::NewEvent {
                    is_public: false,
                    ..super::tickets::NewEvent::public(EventKind::Assigned, EventAuthor::System, &name)
                };
                super::tickets::insert_event(conn, &ticket_id, entry, now)?;
            }
        }
        Ok(())
    })
}

/// Who changed a password, for the audit log and for which sessions end.
pub enum PasswordChange<'a> {
    /// The account holder, on the settings page: the session they used
    /// (this cookie's secret) stays signed in.
    Own { session: Option<&'a str> },
    /// An administrator on the users page: every session ends.
    Admin { admin_id: &'a str },
    /// `paydesk user set-password` on the server: every session ends.
    CommandLine,
}

/// What a password change ended besides the old password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ended {
    pub sessions: usize,
    pub tokens: usize,
}

/// Sets a new password and, in the same transaction, ends the account's
/// other sessions (all of them unless the holder changed it), revokes its
/// live API tokens and writes the audit row: whoever knew the old password,
/// or held a cookie or a token from before, is out.
pub fn change_password(
    conn: &mut DbConn,
    id: &str,
    password_hash: &str,
    by: PasswordChange<'_>,
    now: NaiveDateTime,
) -> QueryResult<Ended> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(id))
            .set((users::password_hash.eq(password_hash), users::updated_at.eq(now)))
            .execute(conn)?;
        let keep = match &by {
            PasswordChange::Own { session } => session.map(hash_secret),
            _ => None,
        };
        let sessions = end_sessions_except(conn, id, keep.as_deref())?;
        let tokens = revoke_all_tokens(conn, id, now)?;
        let (actor, who) = match &by {
            PasswordChange::Own { .. } => (Some(id), "self"),
            PasswordChange::Admin { admin_id } => (Some(*admin_id), "admin"),
            PasswordChange::CommandLine => (None, "command line"),
        };
        let email = users::table.find(id).select(users::email).first::<String>(conn)?;
        let after = format!("by {who}; {sessions} sessions ended, {tokens} API tokens revoked");
        let entry = super::audit::Entry {
            actor_id: actor,
            action: "password_change",
            ticket_id: None,
            before: &email,
            after: &after,
        };
        super::audit::record(conn, entry, now)?;
        Ok(Ended { sessions, tokens })
    })
}

/// Ends every session of the account but the one whose secret hashes to
/// `keep`; returns how many ended.
fn end_sessions_except(conn: &mut DbConn, user_id: &str, keep: Option<&str>) -> QueryResult<usize> {
    match keep {
        Some(keep) => {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::token_hash.ne(keep)))
                .execute(conn)
        }
        None => diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn),
    }
}

/// "Sign out everywhere": ends the account's sessions other than the one
/// holding `current` (the cookie's secret), with an audit row.
pub fn end_other_sessions(conn: &mut DbConn, user_id: &str, current: &str, now: NaiveDateTime) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let ended = end_sessions_except(conn, user_id, Some(&hash_secret(current)))?;
        let after = format!("{ended} sessions ended");
        let entry = super::audit::Entry {
            actor_id: Some(user_id),
            action: "sign_out_elsewhere",
            ticket_id: None,
            before: "",
            after: &after,
        };
        super::audit::record(conn, entry, now)?;
        Ok(ended)
    })
}

// --- Sessions -------------------------------------------------------------

/// Starts a session; returns the secret for the cookie (stored only hashed).
pub fn create_session(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> QueryResult<String> {
    let token = TrackingToken::generate();
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token.hash()),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token.as_str().to_string())
}

/// The active user of a live session, marking it used.
pub fn session_user(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<User>> {
    let hash = hash_secret(token);
    let found: Option<(NaiveDateTime, NaiveDateTime, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(&hash))
        .filter(users::active.eq(true))
        .select((sessions::created_at, sessions::last_seen_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((created, last_seen, user)) = found else { return Ok(None) };
    if last_seen < now - chrono::Duration::hours(SESSION_IDLE_HOURS)
        || created < now - chrono::Duration::days(SESSION_MAX_DAYS)
    {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(None);
    }
    // Written at most every few minutes: not a write per page view.
    if last_seen < now - chrono::Duration::minutes(5) {
        diesel::update(sessions::table.find(&hash)).set(sessions::last_seen_at.eq(now)).execute(conn)?;
    }
    Ok(Some(user))
}

pub fn end_session(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(hash_secret(token))).execute(conn)?;
    Ok(())
}

// --- Sign-in throttling ---------------------------------------------------

/// Failures recorded for a key, if not yet forgotten.
/// Counts a sign-in attempt for `key` before its password is checked, in
/// one statement, so that attempts racing each other each see a different
/// count (a burst gets no more password checks than the limit allows).
/// Returns the failures counted before this attempt (the ones still being
/// checked included) and when the last one was. The attempt stays counted
/// as a failure unless `attempt_not_made` takes it back.
pub fn begin_attempt(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<(i32, NaiveDateTime)> {
    use login_throttles::dsl as lt;
    let forgotten = now - crate::auth::throttle::FORGET_AFTER;
    // Old failures are forgiven: start again at this attempt.
    let reset = diesel::update(lt::login_throttles.find(key).filter(lt::last_failure_at.lt(forgotten)))
        .set((lt::failures.eq(1), lt::last_failure_at.eq(now)))
        .execute(conn)?;
    if reset > 0 {
        return Ok((0, now));
    }
    let bumped: Option<(i32, NaiveDateTime)> = diesel::update(lt::login_throttles.find(key))
        .set(lt::failures.eq(lt::failures + 1))
        .returning((lt::failures, lt::last_failure_at))
        .get_result(conn)
        .optional()?;
    if let Some((failures, last)) = bumped {
        return Ok((failures - 1, last));
    }
    let inserted = diesel::insert_into(lt::login_throttles)
        .values((lt::key.eq(key), lt::failures.eq(1), lt::last_failure_at.eq(now)))
        .execute(conn);
    match inserted {
        // Another attempt for the same key got there first.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => begin_attempt(conn, key, now),
        other => other.map(|_| (0, now)),
    }
}

/// The attempt counted by `begin_attempt` failed: its time is the last
/// failure's.
pub fn attempt_failed(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<()> {
    use login_throttles::dsl as lt;
    diesel::update(lt::login_throttles.find(key)).set(lt::last_failure_at.eq(now)).execute(conn)?;
    Ok(())
}

/// The attempt counted by `begin_attempt` was not a failure (it was
/// throttled before any check, or it succeeded): take it back.
pub fn attempt_not_made(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    use login_throttles::dsl as lt;
    diesel::update(lt::login_throttles.find(key).filter(lt::failures.gt(0)))
        .set(lt::failures.eq(lt::failures - 1))
        .execute(conn)?;
    Ok(())
}

pub fn clear_failures(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttles::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes the counts whose last failure is forgiven already (older than
/// `throttle::FORGET_AFTER`): without this the table keeps a row for every
/// email anyone ever tried. Returns how many went.
pub fn forget_old_failures(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let forgotten = now - crate::auth::throttle::FORGET_AFTER;
    diesel::delete(login_throttles::table.filter(login_throttles::last_failure_at.lt(forgotten))).execute(conn)
}

// --- Server secrets -------------------------------------------------------

/// The server's own secret of that name (64 hex digits, 256 random bits),
/// made and stored on first use: nothing to configure, and every process
/// on the same database agrees on it.
pub fn server_secret(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> QueryResult<Secret<String>> {
    let stored = |conn: &mut DbConn| {
        server_secrets::table.find(name).select(server_secrets::value).first::<String>(conn).optional()
    };
    if let Some(value) = stored(conn)? {
        return Ok(Secret::new(value));
    }
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    let inserted = diesel::insert_into(server_secrets::table)
        .values((server_secrets::name.eq(name), server_secrets::value.eq(&fresh), server_secrets::created_at.eq(now)))
        .execute(conn);
    match inserted {
        // Another process made it first: theirs is the one.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        other => {
            other?;
        }
    }
    stored(conn)?.map(Secret::new).ok_or(DieselError::NotFound)
}

// --- API tokens -----------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// None: never.
    pub expires_at: Option<NaiveDateTime>,
}

impl ApiToken {
    /// Whether the token still opens the API at `now`.
    pub fn live(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|t| t > now)
    }

    pub fn expired(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// How long a token lives unless its creator chooses otherwise.
pub const TOKEN_DEFAULT_DAYS: i64 = 90;

/// Creates a personal API token that ends after the default
/// `TOKEN_DEFAULT_DAYS`; returns it (shown once) and stores its hash.
pub fn create_token(conn: &mut DbConn, user_id: &str, name: &str, now: NaiveDateTime) -> QueryResult<String> {
    let expires = now + chrono::Duration::days(TOKEN_DEFAULT_DAYS);
    create_token_until(conn, user_id, name, Some(expires), now)
}

/// Creates a personal API token that ends at `expires_at` (None: never).
pub fn create_token_until(
    conn: &mut DbConn,
    user_id: &str,
    name: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let token = TrackingToken::generate();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(new_id()),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token.hash()),
            api_tokens::created_at.eq(now),
            api_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(format!("pdk_{}", token.as_str()))
}

pub fn tokens(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)
}

/// Revokes one of the user's own tokens; false if there is no such token.
pub fn revoke_token(conn: &mut DbConn, user_id: &str, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n > 0)
}

/// Revokes every live token of the account (a password change); returns
/// how many.
fn revoke_all_tokens(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_tokens::table.filter(api_tokens::user_id.eq(user_id)).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(now))
        .execute(conn)
}

/// The active user holding a live token: not revoked, not expired.
pub fn token_user(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<User>> {
    let Some(secret) = token.strip_prefix("pdk_") else { return Ok(None) };
    let hash = hash_secret(secret);
    let found: Option<(String, Option<NaiveDateTime>, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(&hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(now)))
        .filter(users::active.eq(true))
        .select((api_tokens::id, api_tokens::last_used_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, last_used, user)) = found else { return Ok(None) };
    if last_used.is_none_or(|t| t < now - chrono::Duration::minutes(1)) {
        diesel::update(api_tokens::table.find(&id)).set(api_tokens::last_used_at.eq(now)).execute(conn)?;
    }
    Ok(Some(user))
}

/// Active supervisors' addresses (admins included: they can do all a
/// supervisor can).
pub fn supervisors(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::Supervisor, Role::Admin]))
        .select(users::email)
        .load(conn)
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_password_hash() {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let user = User {
            id: "u1".into(),
            email: "agent@paydesk.test".into(),
            name: "Agent".into(),
            role: Role::Agent,
            password_hash: Secret::new("$argon2id$v=19$secret-hash".into()),
            active: true,
            queues: Queues(vec![Queue::General]),
            created_at: at,
            updated_at: at,
            last_assigned_at: None,
        };
        let printed = format!("{user:?} {:#?}", Some(&user));
        assert!(!printed.contains("argon2") && !printed.contains("secret-hash"), "{printed}");
        assert!(printed.contains("password_hash: ***") && printed.contains("agent@paydesk.test"), "{printed}");
    }
}
