//! Storage. One code path for SQLite (the embedded default) and PostgreSQL
//! (for several app instances), chosen by the scheme of `DATABASE_URL`.
//! Each file stores and reads one part's rows and decides nothing (what a
//! change means is `ops/`); what the two backends do differently is in
//! `backend.rs`. All calls are synchronous diesel; the web layer runs them
//! on its blocking pool.

pub mod audit;
pub mod backend;
pub mod calendars;
pub mod canned;
pub mod idempotency;
pub mod incidents;
pub mod leases;
pub mod limits;
pub mod outbox;
pub mod payments;
pub mod queue;
pub mod ratings;
pub mod routing;
pub mod schema;
pub mod search;
pub mod sms;
pub mod stats;
pub mod tickets;
pub mod users;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{MultiConnection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got scheme {0:?})")]
    UnknownScheme(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (created when absent).
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(DatabaseUrl::Sqlite(path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else {
            let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or(url);
            Err(DbError::UnknownScheme(scheme.to_string()))
        }
    }

    fn connection_string(&self) -> &str {
        match self {
            DatabaseUrl::Sqlite(path) | DatabaseUrl::Postgres(path) => path,
        }
    }
}

/// Settings every SQLite connection needs; they do not persist in the file.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            // Writers wait for each other instead of failing with SQLITE_BUSY.
            c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The server's connections: `write` for work that writes, `read` for the
/// rest. SQLite lets one connection write at a time and makes the others
/// poll for the lock (sleeping up to 100 ms a try), so its writes share one
/// connection, queued fairly by the pool; readers never wait for it (WAL).
/// PostgreSQL handles concurrent writers itself: both are the same pool.
#[derive(Clone)]
pub struct Pools {
    pub read: DbPool,
    pub write: DbPool,
}

impl Pools {
    pub fn open(url: &str, pool_size: u32) -> Result<Pools, DbError> {
        let read = connect(url, pool_size)?;
        let write = match DatabaseUrl::parse(url)? {
            DatabaseUrl::Sqlite(path) => build_pool(&DatabaseUrl::Sqlite(path), 1)?,
            DatabaseUrl::Postgres(_) => read.clone(),
        };
        Ok(Pools { read, write })
    }
}

/// Opens a pool, creating and migrating the database first.
pub fn connect(url: &str, pool_size: u32) -> Result<DbPool, DbError> {
    let url = DatabaseUrl::parse(url)?;
    migrate(&url)?;
    let pool = build_pool(&url, pool_size)?;
    let mut conn = pool.get().map_err(|e| DbError::Connect(e.to_string()))?;
    seed_canned_replies(&mut conn, chrono::Utc::now().naive_utc()).map_err(|e| DbError::Migrate(e.to_string()))?;
    drop(conn);
    Ok(pool)
}

/// A pool on a PostgreSQL streaming replica: read only, never migrated
/// (the primary's schema arrives with its WAL).
pub fn connect_replica(url: &str, pool_size: u32) -> Result<DbPool, DbError> {
    match DatabaseUrl::parse(url)? {
        url @ DatabaseUrl::Postgres(_) => build_pool(&url, pool_size),
        DatabaseUrl::Sqlite(_) => {
            Err(DbError::Connect("--database-read-url: a PostgreSQL replica (postgres://…)".into()))
        }
    }
}

/// A new row's id: a UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A fresh install starts with the seeded canned replies (`domain::canned`).
fn seed_canned_replies(conn: &mut DbConn, now: chrono::NaiveDateTime) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    let count: i64 = schema::canned_replies::table.count().get_result(conn)?;
    if count > 0 {
        return Ok(());
    }
    diesel::Connection::transaction(conn, |conn| {
        for s in crate::domain::canned::SEEDS {
            diesel::insert_into(schema::canned_replies::table)
                .values((
                    schema::canned_replies::id.eq(new_id()),
                    schema::canned_replies::case_kind.eq(s.case_kind.as_str()),
                    schema::canned_replies::language.eq(s.language),
                    schema::canned_replies::title.eq(s.title),
                    schema::canned_replies::body.eq(s.body),
                    schema::canned_replies::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

fn build_pool(url: &DatabaseUrl, pool_size: u32) -> Result<DbPool, DbError> {
    let manager = ConnectionManager::<DbConn>::new(url.connection_string());
    Pool::builder()
        .max_size(pool_size)
        // Fail fast (503) when the database is away instead of hanging
        // requests; a request that waits longer than this for a connection
        // is better told to retry.
        .connection_timeout(Duration::from_secs(2))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .map_err(|e| DbError::Connect(e.to_string()))
}

/// Creates the database file (SQLite) and runs pending migrations.
pub fn migrate(url: &DatabaseUrl) -> Result<(), DbError> {
    use diesel::Connection;
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| DbError::Connect(format!("{}: {e}", parent.display())))?;
            }
            let mut conn = SqliteConnection::establish(path).map_err(|e| DbError::Connect(e.to_string()))?;
            // WAL lets readers go on while one writer writes; it is a property
            // of the file, so setting it once here is enough.
            conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;")
                .map_err(|e| DbError::Migrate(e.to_string()))?;
            conn.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| DbError::Migrate(e.to_string()))?;
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(url).map_err(|e| DbError::Connect(e.to_string()))?;
            // Several servers starting at once (a rolling deploy) migrate
            // one after the other: the first does the work, the others find
            // nothing pending. The lock is the session's, so a server that
            // dies holding it lets it go.
            conn.batch_execute("SELECT pg_advisory_lock(7277310331)").map_err(|e| DbError::Migrate(e.to_string()))?;
            let migrated = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| DbError::Migrate(e.to_string()));
            let _ = conn.batch_execute("SELECT pg_advisory_unlock(7277310331)");
            migrated?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/paydesk.db").unwrap(),
            DatabaseUrl::Sqlite("data/paydesk.db".into())
        );
        assert!(matches!(DatabaseUrl::parse("postgres://postgres@127.0.0.1/x"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("postgresql://h/x"), Ok(DatabaseUrl::Postgres(_))));
        let err = DatabaseUrl::parse("mysql://root@localhost/x").unwrap_err();
        assert_eq!(err.to_string(), "DATABASE_URL must start with sqlite:// or postgres:// (got scheme \"mysql\")");
    }
}
