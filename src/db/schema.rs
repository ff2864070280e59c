// Kept by hand, portable across SQLite and PostgreSQL: only Text, BigInt,
// Integer, Bool, Timestamp and Binary columns. CI checks it against both
// migrated databases (tests/it/schema.rs).

diesel::table! {
    tickets (id) {
        id -> Text,
        reference -> Text,
        tracking_token_hash -> Text,
        status -> Text,
        language -> Text,
        platform -> Text,
        payment_scenario -> Text,
        payment_method -> Nullable<Text>,
        failing_step -> Text,
        symptom -> Text,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        city -> Text,
        account_masked -> Text,
        checks_tried -> Text,
        occurred_at -> Nullable<Timestamp>,
        amount_cents -> Nullable<BigInt>,
        order_number -> Nullable<Text>,
        contact_email -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> Text,
        ticket_id -> Text,
        kind -> Text,
        author_kind -> Text,
        is_public -> Bool,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    screenshots (id) {
        id -> Text,
        ticket_id -> Text,
        event_id -> Nullable<Text>,
        content_type -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        sha256 -> Text,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    screenshot_drafts (id) {
        id -> Text,
        token_hash -> Text,
        file_name -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(screenshots -> tickets (ticket_id));
diesel::allow_tables_to_appear_in_same_query!(
    tickets,
    ticket_events,
    screenshots,
    screenshot_drafts
);
