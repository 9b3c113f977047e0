//! Integration tests for psirt-server: each runs against a live server on SQLite and on PostgreSQL.

mod access;
mod bounty;
mod browser;
mod clocks;
mod cra;
mod csaf_provider;
mod cvss;
mod disclosure;
mod flows;
mod harness;
mod intake;
mod intel;
mod inventory;
mod metrics;
mod outbox;
mod rca;
mod releases;
mod ui;
mod webdriver;

/// Runs each `module::test(backend)` once per backend.
macro_rules! both_backends {
    ($($m:ident :: $name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { crate::$m::$name(psirt_store::testing::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { crate::$m::$name(psirt_store::testing::Backend::Postgres).await } )* }
    };
}

both_backends!(
    flows::report_intake,
    flows::report_rate_limit,
    flows::rate_limit_per_forwarded_client,
    flows::rate_limit_ignores_untrusted_forwarded_for,
    flows::login_logout_csrf,
    flows::password_change_required,
    flows::token_revocation,
    flows::triage_to_reporter_message,
    flows::openapi_document,
    flows::body_limit_and_headers,
    access::access_matrix,
    ui::ui_access_matrix,
    ui::ui_csrf_and_forms,
    ui::ui_login_password_logout,
    browser::report_to_reporter_message,
    cvss::cvss_scoring_api,
    cvss::case_assessments_suggest_and_override,
    inventory::inventory_api,
    inventory::dependency_edges_api,
    inventory::concurrent_sbom_uploads,
    inventory::sbom_body_limit_after_checks,
    inventory::sbom_bodies_wait_their_turn,
    inventory::a_stalled_sbom_upload_ends,
    inventory::version_changes_of_purl_only_versions_and_components_without_purl,
    clocks::clocks_api_and_dashboard,
    clocks::clocks_pages,
    inventory::inventory_pages,
    intel::records_the_database_cannot_hold_are_their_own_errors,
    intel::intel_api_and_queue,
    intel::an_upstream_case_opens_from_a_summary_with_control_characters,
    intel::a_second_different_copy_in_one_import_is_reported_not_stored,
    intel::engine_reloads_for_changes_it_did_not_make,
    intel::a_stale_full_rematch_changes_nothing,
    intel::a_kev_entry_leaves_the_matches_of_its_cve_alone,
    intel::kev_catalogs_delist_and_older_ones_change_nothing,
    intel::views_stay_within_one_cve_and_purl_search_says_what_findings_say,
    intel::a_vulnerability_with_an_open_case_is_added_to_it,
    intel::a_dismissal_survives_the_component_being_dropped_and_brought_back,
    intel::sbom_upload_answers_its_import_when_matching_fails,
    intel::feed_claims_are_renewed_while_a_sync_runs,
    intel::intel_pages,
    intel::feed_sync_over_http,
    intel::feed_sources_are_managed_and_report_bad_records,
    outbox::webhook_receiver_down_then_up,
    outbox::killed_mid_delivery_loses_nothing,
    outbox::slow_receiver_is_cut_off_and_retried,
    outbox::email_receiver_down_then_up,
    outbox::dead_letters_page,
    metrics::metrics_api_and_prometheus,
    metrics::prometheus_behind_proxies,
    cra::cra_reporting,
    cra::kev_entry_of_another_cve_in_the_alias_group_starts_nothing,
    bounty::bounty_awards,
    intake::duplicates_and_reporter_history,
    intake::needs_more_info_pauses_response_clocks,
    rca::escalation_checklist_and_rca,
    releases::release_plans,
    cra::kev_entry_starts_cra_clocks,
    cra::kev_record_without_cve_id_is_skipped,
    browser::dashboard_and_metrics_charts,
    disclosure::affects_and_planning,
    disclosure::advisories_publish_immutably,
    disclosure::disclosure_pages,
    csaf_provider::csaf_downloader,
    csaf_provider::csaf_import_api,
    csaf_provider::published_pages_follow_each_publication,
);
