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
        case_kind -> Text,
        queue -> Text,
        priority -> Text,
        assignee_id -> Nullable<Text>,
        due_at -> Timestamp,
        first_response_at -> Nullable<Timestamp>,
        screenshot_count -> Integer,
        merged_into -> Nullable<Text>,
        routing_rule -> Text,
        routing_facts -> Text,
        escalation_id -> Nullable<Text>,
        paused_at -> Nullable<Timestamp>,
        breach_notified_at -> Nullable<Timestamp>,
        incident_id -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        version -> BigInt,
        change_seq -> BigInt,
        complaint_at -> Nullable<Timestamp>,
        contact_phone -> Text,
        contact_channel -> Text,
        sms_extend_code -> Text,
        words_version -> Integer,
    }
}

diesel::table! {
    sms_messages (id) {
        id -> Text,
        kind -> Text,
        ticket_id -> Nullable<Text>,
        event_id -> Nullable<Text>,
        phone -> Text,
        language -> Text,
        params -> Nullable<Text>,
        status -> Text,
        urgent -> Bool,
        essential -> Bool,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        held_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        provider_code -> Nullable<Text>,
        biz_id -> Nullable<Text>,
        file -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        reported_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sms_codes (id) {
        id -> Text,
        ticket_id -> Text,
        phone -> Text,
        code_hash -> Text,
        tries -> Integer,
        requester -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_optouts (phone_hash) {
        phone_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_replies (id) {
        id -> Text,
        phone_hash -> Text,
        ticket_id -> Nullable<Text>,
        received_at -> Timestamp,
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
        author_id -> Nullable<Text>,
    }
}

diesel::table! {
    provider_nonces (nonce) {
        nonce -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        fingerprint -> Text,
        nonce -> Text,
        reference -> Nullable<Text>,
        status -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inbound_mail (id) {
        id -> Text,
        mailbox -> Text,
        uid_validity -> BigInt,
        uid -> BigInt,
        message_id -> Text,
        sender -> Text,
        subject -> Text,
        outcome -> Text,
        ticket_id -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    reply_addresses (token_hash) {
        token_hash -> Text,
        ticket_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    packet_reply_addresses (token_hash) {
        token_hash -> Text,
        escalation_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    escalation_mail_answers (id) {
        id -> Text,
        escalation_id -> Text,
        sender -> Text,
        from_recipient -> Bool,
        body -> Text,
        received_at -> Timestamp,
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

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        queues -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_assigned_at -> Nullable<Timestamp>,
        open_tickets -> BigInt,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    login_throttles (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        ticket_id -> Nullable<Text>,
        before_value -> Text,
        after_value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    canned_replies (id) {
        id -> Text,
        case_kind -> Text,
        language -> Text,
        title -> Text,
        body -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tracking_links (token_hash) {
        token_hash -> Text,
        ticket_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        message_id -> Text,
        kind -> Text,
        ticket_id -> Nullable<Text>,
        event_id -> Nullable<Text>,
        recipient -> Text,
        language -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        escalation_id -> Nullable<Text>,
        incident_id -> Nullable<Text>,
        mail_file -> Nullable<Text>,
        webhook_id -> Nullable<Text>,
        payload -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        secret -> Text,
        events -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        kind -> Text,
        ticket_id -> Nullable<Text>,
        escalation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    platforms (code) {
        code -> Text,
        restricted -> Bool,
        contact_email -> Text,
    }
}

diesel::table! {
    platform_scenarios (platform, scenario) {
        platform -> Text,
        scenario -> Text,
    }
}

diesel::table! {
    escalations (id) {
        id -> Text,
        target -> Text,
        platform -> Text,
        scenario -> Text,
        rule -> Text,
        status -> Text,
        created_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_note -> Text,
        answer_reference -> Text,
        answer_text -> Text,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    daily_stats (dimension, day, queue, value) {
        dimension -> Text,
        day -> Text,
        queue -> Text,
        value -> Text,
        filed -> BigInt,
        first_response_met -> BigInt,
        first_response_missed -> BigInt,
        resolved_met -> BigInt,
        resolved_missed -> BigInt,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        title -> Text,
        status -> Text,
        dimension -> Text,
        value -> Text,
        window_start -> Timestamp,
        spike_count -> BigInt,
        expected_count -> BigInt,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        accepted_by -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    incident_updates (id) {
        id -> Text,
        incident_id -> Text,
        kind -> Text,
        body_zh -> Text,
        body_en -> Text,
        recipients -> BigInt,
        author_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    routing_phrases (id) {
        id -> Text,
        phrase -> Text,
        normalized -> Text,
        kind -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    routing_decisions (id) {
        id -> Text,
        ticket_id -> Text,
        cause -> Text,
        rule -> Text,
        kind -> Text,
        queue -> Text,
        priority -> Text,
        facts -> Text,
        actor_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payment_jobs (id) {
        id -> Text,
        ticket_id -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Text,
        done_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payment_checks (id) {
        id -> Text,
        ticket_id -> Text,
        provider -> Text,
        state -> Text,
        provider_state -> Text,
        provider_description -> Text,
        amount_cents -> Nullable<BigInt>,
        paid_at -> Nullable<Timestamp>,
        bill_state -> Nullable<Text>,
        problem -> Text,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    refunds (id) {
        id -> Text,
        ticket_id -> Text,
        provider -> Text,
        refund_number -> Text,
        state -> Text,
        provider_state -> Text,
        amount_cents -> Nullable<BigInt>,
        requested_at -> Timestamp,
        due_at -> Timestamp,
        next_check_at -> Timestamp,
        checked_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ratings (id) {
        id -> Text,
        ticket_id -> Text,
        resolution -> Integer,
        good -> Bool,
        reason -> Text,
        comment -> Text,
        case_kind -> Text,
        queue -> Text,
        agent_id -> Nullable<Text>,
        created_at -> Timestamp,
        followed_up_by -> Nullable<Text>,
        followed_up_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(sms_messages -> tickets (ticket_id));
diesel::joinable!(sms_codes -> tickets (ticket_id));
diesel::joinable!(ratings -> tickets (ticket_id));
diesel::joinable!(refunds -> tickets (ticket_id));
diesel::joinable!(payment_jobs -> tickets (ticket_id));
diesel::joinable!(payment_checks -> tickets (ticket_id));
diesel::joinable!(routing_decisions -> tickets (ticket_id));
diesel::joinable!(routing_decisions -> users (actor_id));
diesel::joinable!(tickets -> incidents (incident_id));
diesel::joinable!(incident_updates -> incidents (incident_id));
diesel::joinable!(tickets -> escalations (escalation_id));
diesel::joinable!(tracking_links -> tickets (ticket_id));
diesel::joinable!(screenshots -> tickets (ticket_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(tickets -> users (assignee_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(audit_log -> tickets (ticket_id));
diesel::table! {
    calendars (name) {
        name -> Text,
        hours -> Text,
        weekdays -> Text,
        known_years -> Text,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (calendar, day) {
        calendar -> Text,
        day -> Text,
        is_open -> Bool,
        note -> Text,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        tat_us -> BigInt,
    }
}

diesel::table! {
    queue_calendars (queue) {
        queue -> Text,
        calendar -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tickets,
    ticket_events,
    screenshots,
    screenshot_drafts,
    users,
    sessions,
    login_throttles,
    api_tokens,
    audit_log,
    canned_replies,
    tracking_links,
    outbox,
    platforms,
    platform_scenarios,
    escalations,
    daily_stats,
    incidents,
    incident_updates,
    server_secrets,
    routing_phrases,
    routing_decisions,
    payment_jobs,
    payment_checks,
    refunds,
    idempotency_keys,
    provider_nonces,
    sms_messages,
    sms_codes,
    sms_optouts,
    sms_replies,
    inbound_mail,
    reply_addresses,
    packet_reply_addresses,
    escalation_mail_answers,
    ratings,
    webhooks,
    webhook_events,
    calendars,
    calendar_days,
    queue_calendars,
    leases,
    rate_limits,
);
