//! The tables, kept by hand so that one description fits both backends (the migrations under
//! `migrations/sqlite` and `migrations/postgres` must agree with it). A column named `star`
//! is `star_level` here: diesel reserves `star` for `*`.

diesel::table! {
    accounts (id) {
        id -> BigInt,
        user_number -> Text,
        role -> Text,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        password_changed_at -> Timestamp,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    declarers (id) {
        id -> BigInt,
        account_id -> BigInt,
        organization_name -> Text,
        organization_name_kana -> Nullable<Text>,
        organization_name_key -> Text,
        organization_type -> Text,
        corporate_number -> Nullable<Text>,
        prefecture -> Text,
        address -> Text,
        industry -> Text,
        employees -> BigInt,
        capital_yen -> Nullable<BigInt>,
        website -> Nullable<Text>,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Nullable<Text>,
        contact_department -> Nullable<Text>,
        revision -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    diagnoses (id) {
        id -> BigInt,
        public_id -> Text,
        declarer_id -> BigInt,
        questionnaire_version -> Text,
        answers -> Text,
        total_score -> Integer,
        band -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    declarations (id) {
        id -> BigInt,
        public_id -> Text,
        declarer_id -> BigInt,
        #[sql_name = "star"]
        star_level -> Text,
        status -> Text,
        corporate_number -> Nullable<Text>,
        agreed_terms_version -> Text,
        pledge_five_principles -> Bool,
        diagnosis_id -> Nullable<BigInt>,
        declared_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        star_since -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        end_note -> Nullable<Text>,
        revision -> BigInt,
        updated_at -> Timestamp,
        /// The declarer's prefecture, kept in step with it (for the registry's indexes).
        prefecture -> Text,
    }
}

diesel::table! {
    declaration_purposes (declaration_id, purpose) {
        declaration_id -> BigInt,
        purpose -> Text,
    }
}

diesel::table! {
    declaration_events (id) {
        id -> BigInt,
        declaration_id -> BigInt,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        from_star -> Nullable<Text>,
        to_star -> Text,
        actor_kind -> Text,
        actor_account_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    policy_disclosures (id) {
        id -> BigInt,
        declaration_id -> BigInt,
        methods -> Text,
        url -> Nullable<Text>,
        other_description -> Nullable<Text>,
        affirmed_information_security_policy -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (id) {
        id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        created_by_account_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        contact_email -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        account_id -> BigInt,
        declaration_id -> Nullable<BigInt>,
        #[sql_name = "star"]
        star_level -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        target_kind -> Text,
        target_id -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        client_address -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> BigInt,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        declaration_id -> Nullable<BigInt>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    verification_records (id) {
        id -> BigInt,
        api_client_id -> BigInt,
        declaration_id -> Nullable<BigInt>,
        requested_id -> Text,
        result -> Text,
        verified_at -> Timestamp,
        receipt_id -> Nullable<Text>,
        answer -> Nullable<Text>,
        receipt -> Nullable<Text>,
    }
}

diesel::table! {
    receipt_signing_keys (kid) {
        kid -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    throttles (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
        failure_times -> Text,
    }
}

diesel::table! {
    /// The name index: each pair of neighbouring characters of a declarer's name key.
    name_grams (gram, declarer_id) {
        gram -> Text,
        declarer_id -> BigInt,
    }
}

diesel::joinable!(declarers -> accounts (account_id));
diesel::joinable!(name_grams -> declarers (declarer_id));
diesel::joinable!(diagnoses -> declarers (declarer_id));
diesel::joinable!(declarations -> declarers (declarer_id));
diesel::table! {
    change_log_head (id) {
        id -> Integer,
        last_position -> BigInt,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    declaration_changes (position) {
        position -> BigInt,
        declaration_id -> BigInt,
        public_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        status -> Text,
        #[sql_name = "star"]
        star_level -> Text,
        organization_name -> Text,
        declared_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        star_since -> Timestamp,
    }
}

diesel::joinable!(declarations -> diagnoses (diagnosis_id));
diesel::joinable!(declaration_changes -> declarations (declaration_id));
diesel::joinable!(declaration_purposes -> declarations (declaration_id));
diesel::joinable!(declaration_events -> declarations (declaration_id));
diesel::joinable!(policy_disclosures -> declarations (declaration_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(one_time_tokens -> accounts (account_id));
diesel::joinable!(outbox_messages -> declarations (declaration_id));
diesel::joinable!(verification_records -> api_clients (api_client_id));
diesel::joinable!(verification_records -> declarations (declaration_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    declarers,
    name_grams,
    diagnoses,
    declarations,
    declaration_purposes,
    declaration_events,
    declaration_changes,
    change_log_head,
    policy_disclosures,
    api_clients,
    refresh_tokens,
    one_time_tokens,
    audit_events,
    outbox_messages,
    idempotency_keys,
    verification_records,
    receipt_signing_keys,
    throttles,
    webhook_endpoints,
    watchlist_entries,
    webhook_dispatch,
    webhook_deliveries,
);

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        public_id -> Text,
        api_client_id -> BigInt,
        url -> Text,
        event_types -> Text,
        description -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    watchlist_entries (api_client_id, declaration_id) {
        api_client_id -> BigInt,
        declaration_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_dispatch (id) {
        id -> Integer,
        position -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        public_id -> Text,
        endpoint_id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        position -> BigInt,
        declaration_public_id -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        last_response_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(webhook_endpoints -> api_clients (api_client_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(watchlist_entries -> declarations (declaration_id));

diesel::table! {
    /// Sign-ins under way at the OpenID provider (GビズID), consumed by its answer.
    oidc_sign_ins (id) {
        id -> BigInt,
        state_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        return_to -> Text,
        browser_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Which provider account (issuer, subject) signs in to which account.
    oidc_links (id) {
        id -> BigInt,
        issuer -> Text,
        subject -> Text,
        account_id -> BigInt,
        corporate_number -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Timestamp,
    }
}

diesel::table! {
    /// One-time codes handing a finished sign-in to the front end (digests only).
    oidc_sign_in_codes (id) {
        id -> BigInt,
        code_hash -> Text,
        account_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(oidc_links -> accounts (account_id));
diesel::joinable!(oidc_sign_in_codes -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(accounts, oidc_links, oidc_sign_in_codes);
