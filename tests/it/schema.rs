//! The hand-kept `src/db/schema.rs` matches what the migrations made: every
//! column it names can be read, on this backend.

use diesel::prelude::*;
use paydesk::db::schema::*;

#[tokio::test]
async fn schema_rs_matches_the_migrated_database() {
    let app = crate::support::spawn().await;
    let pool = paydesk::db::connect(&app.db.url(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    tickets::table
        .select(tickets::all_columns)
        .limit(1)
        .load::<TicketCols>(&mut conn)
        .unwrap();
    ticket_events::table
        .select(ticket_events::all_columns)
        .limit(1)
        .load::<EventCols>(&mut conn)
        .unwrap();
    screenshots::table
        .select(screenshots::all_columns)
        .limit(1)
        .load::<ShotCols>(&mut conn)
        .unwrap();
    screenshot_drafts::table
        .select(screenshot_drafts::all_columns)
        .limit(1)
        .load::<DraftCols>(&mut conn)
        .unwrap();
}

type Ts = chrono::NaiveDateTime;
type TicketCols = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<Ts>,
    Option<i64>,
    Option<String>,
    String,
    String,
    Ts,
    Ts,
);
type EventCols = (String, String, String, String, bool, String, Ts);
type ShotCols = (
    String,
    String,
    Option<String>,
    String,
    i64,
    i32,
    i32,
    String,
    Vec<u8>,
    Ts,
);
type DraftCols = (String, String, String, String, i32, i32, Vec<u8>, Ts);
