//! The hand-kept `src/db/schema.rs` matches what the migrations made, on
//! this backend: the same tables and columns, each of the same type and
//! nullability (read from the database's own catalog), and every column it
//! names can be read.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use paydesk::db::schema::*;

/// table → column → (diesel type, nullable), as `src/db/schema.rs` declares.
type Columns = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn declared() -> Columns {
    let source = include_str!("../../src/db/schema.rs");
    let mut all = Columns::new();
    let mut table: Option<String> = None;
    for line in source.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix('{').map(str::trim).filter(|l| l.contains('(') && !l.contains('!')) {
            table = Some(name.split_whitespace().next().unwrap().to_string());
        } else if line == "}" {
            table = None;
        } else if let (Some(t), Some((column, ty))) = (&table, line.trim_end_matches(',').split_once(" -> ")) {
            let (ty, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            all.entry(t.clone()).or_default().insert(column.to_string(), (ty.to_string(), nullable));
        }
    }
    assert!(all.len() > 10 && all["tickets"].len() > 30, "parsed schema.rs: {all:?}");
    all
}

#[derive(QueryableByName)]
struct CatalogRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

/// What the migrated database holds, in diesel's type names.
fn migrated(conn: &mut paydesk::db::DbConn) -> Columns {
    let rows: Vec<CatalogRow> = match conn {
        paydesk::db::DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, upper(p.type) AS data_type, \
                    CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'",
        )
        .load(c)
        .unwrap(),
        paydesk::db::DbConn::Postgres(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                    upper(data_type::text) AS data_type, \
                    CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%'",
        )
        .load(c)
        .unwrap(),
    };
    let mut all = Columns::new();
    // The word-search index is read by its own SQL in `db/search.rs` (an
    // FTS5 table on SQLite, a tsvector on PostgreSQL): not in schema.rs.
    for r in rows.into_iter().filter(|r| !r.table_name.starts_with("ticket_words")) {
        let ty = match r.data_type.as_str() {
            "TEXT" | "CHARACTER VARYING" => "Text",
            "INTEGER" => "Integer",
            "BIGINT" => "BigInt",
            "BOOLEAN" => "Bool",
            "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => "Timestamp",
            "BLOB" | "BYTEA" => "Binary",
            other => other,
        };
        all.entry(r.table_name).or_default().insert(r.column_name, (ty.to_string(), r.nullable == 1));
    }
    all
}

#[tokio::test]
async fn schema_rs_declares_each_column_with_the_migrated_type_and_nullability() {
    let app = crate::support::spawn().await;
    let pool = paydesk::db::connect(&app.db.url(), 1).unwrap();
    let (declared, migrated) = (declared(), migrated(&mut pool.get().unwrap()));
    let names = |c: &Columns| c.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&declared), names(&migrated), "tables in schema.rs vs the migrated database");
    for (table, columns) in &declared {
        for (column, want) in columns {
            let got = migrated[table].get(column);
            assert_eq!(got, Some(want), "{table}.{column}: schema.rs says {want:?}, the database has {got:?}");
        }
        let extra: Vec<_> = migrated[table].keys().filter(|c| !columns.contains_key(*c)).collect();
        assert!(extra.is_empty(), "{table}: columns in the database but not in schema.rs: {extra:?}");
    }
}

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
        (complaint_at,),
    );
    tickets::table.select(ticket_cols).limit(1).load::<TicketCols>(&mut conn).unwrap();
    ticket_events::table.select(ticket_events::all_columns).limit(1).load::<EventCols>(&mut conn).unwrap();
    screenshots::table.select(screenshots::all_columns).limit(1).load::<ShotCols>(&mut conn).unwrap();
    screenshot_drafts::table.select(screenshot_drafts::all_columns).limit(1).load::<DraftCols>(&mut conn).unwrap();
    users::table.select(users::all_columns).limit(1).load::<UserCols>(&mut conn).unwrap();
    sessions::table.select(sessions::all_columns).limit(1).load::<SessionCols>(&mut conn).unwrap();
    login_throttles::table.select(login_throttles::all_columns).limit(1).load::<ThrottleCols>(&mut conn).unwrap();
    api_tokens::table.select(api_tokens::all_columns).limit(1).load::<TokenCols>(&mut conn).unwrap();
    server_secrets::table.select(server_secrets::all_columns).limit(1).load::<(String, String, Ts)>(&mut conn).unwrap();
    audit_log::table.select(audit_log::all_columns).limit(1).load::<AuditCols>(&mut conn).unwrap();
    canned_replies::table.select(canned_replies::all_columns).limit(1).load::<CannedCols>(&mut conn).unwrap();
    tracking_links::table.select(tracking_links::all_columns).limit(1).load::<(String, String, Ts)>(&mut conn).unwrap();
    outbox::table.select(outbox::all_columns).limit(1).load::<OutboxCols>(&mut conn).unwrap();
    webhooks::table
        .select(webhooks::all_columns)
        .limit(1)
        .load::<(String, String, String, String, bool, Ts)>(&mut conn)
        .unwrap();
    webhook_events::table
        .select(webhook_events::all_columns)
        .limit(1)
        .load::<(String, String, Option<String>, Option<String>, Ts)>(&mut conn)
        .unwrap();
    idempotency_keys::table
        .select(idempotency_keys::all_columns)
        .limit(1)
        .load::<(String, String, String, String, Option<String>, Option<String>, Ts)>(&mut conn)
        .unwrap();
    inbound_mail::table
        .select(inbound_mail::all_columns)
        .limit(1)
        .load::<(String, String, i64, i64, String, String, String, String, Option<String>, Ts)>(&mut conn)
        .unwrap();
    packet_reply_addresses::table
        .select(packet_reply_addresses::all_columns)
        .limit(1)
        .load::<(String, String, Ts)>(&mut conn)
        .unwrap();
    escalation_mail_answers::table
        .select(escalation_mail_answers::all_columns)
        .limit(1)
        .load::<(String, String, String, bool, String, Ts)>(&mut conn)
        .unwrap();
    reply_addresses::table
        .select(reply_addresses::all_columns)
        .limit(1)
        .load::<(String, String, Ts)>(&mut conn)
        .unwrap();
    ratings::table
        .select(ratings::all_columns)
        .limit(1)
        .load::<(String, String, i32, bool, String, String, String, String, Option<String>, Ts, Option<String>, Option<Ts>)>(
            &mut conn,
        )
        .unwrap();
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
    (Option<Ts>,),
);
type EventCols = (String, String, String, String, bool, String, Ts, Option<String>);
type ShotCols = (String, String, Option<String>, String, i64, i32, i32, String, Vec<u8>, Ts);
type DraftCols = (String, String, String, String, i32, i32, Vec<u8>, Ts);
type UserCols = (String, String, String, String, String, bool, String, Ts, Ts, Option<Ts>, i64);
type SessionCols = (String, String, Ts, Ts);
type ThrottleCols = (String, i32, Ts);
type TokenCols = (String, String, String, String, Ts, Option<Ts>, Option<Ts>, Option<Ts>);
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
    // mail_file
    Option<String>,
    // webhook_id, payload
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

/// Rows carry the vocabularies as enums: a code the program does not know,
/// written into the database behind its back, is an error where the row is
/// read — never a silent default such as "normal" or "open".
#[tokio::test]
async fn an_unknown_code_in_the_database_is_an_error_where_it_is_read() {
    let app = crate::support::spawn().await;
    let (reference, _) = app.file_api(&crate::support::complete_fields()).await;
    let mut conn = app.conn();
    let found = paydesk::db::tickets::find_by_reference(&mut conn, &reference).unwrap().expect("filed");
    assert_eq!(found.priority.as_str(), found.priority.to_string());

    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::priority.eq("critical"))
        .execute(&mut *conn)
        .unwrap();
    let err = paydesk::db::tickets::find_by_reference(&mut conn, &reference).unwrap_err();
    assert!(matches!(err, diesel::result::Error::DeserializationError(_)), "{err:?}");
    // Which field, and which code: enough to find the bad row.
    assert!(err.to_string().contains("priority"), "{err}");
    assert!(format!("{err:?}").contains("unknown Priority code"), "{err:?}");
}

#[tokio::test]
async fn an_unknown_code_in_a_stored_code_list_is_an_error_naming_it() {
    let app = crate::support::spawn().await;
    let (reference, _) = app.file_api(&crate::support::complete_fields()).await;
    let staff = app.add_staff("lists@example.com", "Lists", "agent", &["general", "refunds"]);
    let mut conn = app.conn();
    let found = paydesk::db::tickets::find_by_reference(&mut conn, &reference).unwrap().expect("filed");
    assert!(!found.checks_tried.is_empty());
    let user = paydesk::db::users::find(&mut conn, &staff).unwrap().expect("added");
    assert_eq!(user.queues.to_string(), "general,refunds");

    // Behind the program's back: one known code, one it does not know.
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::checks_tried.eq("switched_network,rebooted_phone"))
        .execute(&mut *conn)
        .unwrap();
    let err = paydesk::db::tickets::find_by_reference(&mut conn, &reference).unwrap_err();
    assert!(matches!(err, diesel::result::Error::DeserializationError(_)), "{err:?}");
    assert!(err.to_string().contains("checks_tried"), "{err}");
    assert!(
        format!("{err:?}").contains("unknown CheckTried code") && format!("{err:?}").contains("rebooted_phone"),
        "{err:?}"
    );

    diesel::update(users::table.filter(users::id.eq(&staff)))
        .set(users::queues.eq("general,night_shift"))
        .execute(&mut *conn)
        .unwrap();
    let err = paydesk::db::users::find(&mut conn, &staff).unwrap_err();
    assert!(matches!(err, diesel::result::Error::DeserializationError(_)), "{err:?}");
    assert!(err.to_string().contains("queues"), "{err}");
    assert!(format!("{err:?}").contains("unknown Queue code") && format!("{err:?}").contains("night_shift"), "{err:?}");
}
