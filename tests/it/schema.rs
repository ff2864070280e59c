//! The hand-kept `src/db/schema.rs` matches what the migrations made: every
//! column it names can be read, on this backend.

use diesel::prelude::*;
use paydesk::db::schema::*;

#[tokio::test]
async fn schema_rs_matches_the_migrated_database() {
    let app = crate::support::spawn().await;
    let pool = paydesk::db::connect(&app.db.url(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    use tickets::*;
    let ticket_cols = (
        (
            id,
            reference,
            tracking_token_hash,
            status,
            language,
            platform,
            payment_scenario,
            payment_method,
            failing_step,
            symptom,
            error_code,
        ),
        (
            error_message,
            city,
            account_masked,
            checks_tried,
            occurred_at,
            amount_cents,
            order_number,
            contact_email,
            description,
            created_at,
            updated_at,
        ),
        (case_kind, queue, priority, assignee_id, due_at, first_response_at, screenshot_count, merged_into),
        (routing_rule, routing_facts, escalation_id, paused_at, breach_notified_at, incident_id, resolved_at),
    );
    tickets::table.select(ticket_cols).limit(1).load::<TicketCols>(&mut conn).unwrap();
    ticket_events::table.select(ticket_events::all_columns).limit(1).load::<EventCols>(&mut conn).unwrap();
    screenshots::table.select(screenshots::all_columns).limit(1).load::<ShotCols>(&mut conn).unwrap();
    screenshot_drafts::table.select(screenshot_drafts::all_columns).limit(1).load::<DraftCols>(&mut conn).unwrap();
    users::table.select(users::all_columns).limit(1).load::<UserCols>(&mut conn).unwrap();
    sessions::table.select(sessions::all_columns).limit(1).load::<SessionCols>(&mut conn).unwrap();
    login_throttles::table.select(login_throttles::all_columns).limit(1).load::<ThrottleCols>(&mut conn).unwrap();
    api_tokens::table.select(api_tokens::all_columns).limit(1).load::<TokenCols>(&mut conn).unwrap();
    audit_log::table.select(audit_log::all_columns).limit(1).load::<AuditCols>(&mut conn).unwrap();
    canned_replies::table.select(canned_replies::all_columns).limit(1).load::<CannedCols>(&mut conn).unwrap();
    tracking_links::table.select(tracking_links::all_columns).limit(1).load::<(String, String, Ts)>(&mut conn).unwrap();
    outbox::table.select(outbox::all_columns).limit(1).load::<OutboxCols>(&mut conn).unwrap();
    platforms::table.select(platforms::all_columns).limit(1).load::<(String, bool, String)>(&mut conn).unwrap();
    platform_scenarios::table
        .select(platform_scenarios::all_columns)
        .limit(1)
        .load::<(String, String)>(&mut conn)
        .unwrap();
    escalations::table.select(escalations::all_columns).limit(1).load::<EscalationCols>(&mut conn).unwrap();
    daily_stats::table.select(daily_stats::all_columns).limit(1).load::<StatsCols>(&mut conn).unwrap();
    incidents::table.select(incidents::all_columns).limit(1).load::<IncidentCols>(&mut conn).unwrap();
    incident_updates::table
        .select(incident_updates::all_columns)
        .limit(1)
        .load::<(String, String, String, String, String, i64, Option<String>, Ts)>(&mut conn)
        .unwrap();
}

type StatsCols = (String, String, String, String, i64, i64, i64, i64, i64);
type IncidentCols = (
    String,
    String,
    String,
    String,
    String,
    Ts,
    i64,
    i64,
    Ts,
    Option<String>,
    Option<String>,
    Option<Ts>,
    Option<String>,
    Option<Ts>,
);

type Ts = chrono::NaiveDateTime;
type TicketCols = (
    (String, String, String, String, String, String, String, Option<String>, String, String, Option<String>),
    (Option<String>, String, String, String, Option<Ts>, Option<i64>, Option<String>, String, String, Ts, Ts),
    (String, String, String, Option<String>, Ts, Option<Ts>, i32, Option<String>),
    (String, String, Option<String>, Option<Ts>, Option<Ts>, Option<String>, Option<Ts>),
);
type EventCols = (String, String, String, String, bool, String, Ts, Option<String>);
type ShotCols = (String, String, Option<String>, String, i64, i32, i32, String, Vec<u8>, Ts);
type DraftCols = (String, String, String, String, i32, i32, Vec<u8>, Ts);
type UserCols = (String, String, String, String, String, bool, String, Ts, Ts, Option<Ts>, i64);
type SessionCols = (String, String, Ts, Ts);
type ThrottleCols = (String, i32, Ts);
type TokenCols = (String, String, String, String, Ts, Option<Ts>, Option<Ts>);
type AuditCols = (String, Option<String>, String, Option<String>, String, String, Ts);
type CannedCols = (String, String, String, String, String, Ts);
type OutboxCols = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i32,
    Ts,
    Option<Ts>,
    Option<String>,
    Ts,
    Option<Ts>,
    Option<String>,
    Option<String>,
);
type EscalationCols = (
    String,
    String,
    String,
    String,
    String,
    String,
    Ts,
    Option<String>,
    Option<Ts>,
    String,
    String,
    String,
    Option<Ts>,
);
