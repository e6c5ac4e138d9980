//! Issue 16: indexes for lookups that read a whole table (found by SQLite's plans of every
//! statement the test suite sends). Each serves a request or a background job that grows
//! with the county: the hub's screening by date of birth and postcode, a family's team and
//! nominations, the review queues, removing a device or a passkey, the reports' periods and
//! areas. Partial indexes hold only a queue's rows (both databases support them).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, the table and its columns with a partial index's condition).
const INDEXES: [(&str, &str); 17] = [
    // Screening a request: children of any family born on a day or in a year; the growing-up
    // job: young people who reach an age.
    ("ix_family_members_birth", "family_members (date_of_birth)"),
    // Screening a request: earlier requests at the same postcode.
    (
        "ix_support_requests_postcode",
        "support_requests (postcode)",
    ),
    // The requests-for-support report: requests received in the period.
    (
        "ix_support_requests_received",
        "support_requests (received_at)",
    ),
    // The deadline job: requests not yet alerted about, by due date.
    (
        "ix_support_requests_unalerted",
        "support_requests (due_at) WHERE alerted_at IS NULL",
    ),
    // The advice queue: questions not yet answered; the report: questions asked in the period.
    (
        "ix_consultations_unanswered",
        "consultations (id) WHERE answered_at IS NULL",
    ),
    ("ix_consultations_asked", "consultations (asked_at)"),
    // A family's team, past members included, and its lead nominations, newest first.
    ("ix_team_members_family", "team_members (family_id, id)"),
    (
        "ix_lead_nominations_family",
        "lead_nominations (family_id, id)",
    ),
    // The restrictions due for review, and the overrides not yet reviewed.
    (
        "ix_restrictions_review_due",
        "restrictions (id) WHERE lifted_at IS NULL AND reviewed_at IS NULL",
    ),
    (
        "ix_overrides_unreviewed",
        "safeguarding_overrides (id) WHERE reviewed_at IS NULL",
    ),
    // A family's history hides the outcomes of a member the viewer may not see.
    ("ix_outcome_members_member", "outcome_members (member_id)"),
    // Removing a passkey ends its sessions and removes its devices; removing a device removes
    // its waiting messages (ON DELETE CASCADE).
    ("ix_sessions_passkey", "sessions (passkey_id)"),
    ("ix_push_devices_passkey", "push_devices (passkey_id)"),
    ("ix_push_messages_device", "push_messages (device_id)"),
    // Who holds a role (managers to alert, say).
    ("ix_practitioner_roles_role", "practitioner_roles (role)"),
    // Pruning old rate-limit windows, on every counted request.
    ("ix_rate_limits_window", "rate_limits (window_start)"),
    // Reports and lists of one local area.
    ("ix_families_local_area", "families (local_area, id)"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, on) in INDEXES {
            m.get_connection()
                .execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            m.get_connection()
                .execute_unprepared(&format!("DROP INDEX {name}"))
                .await?;
        }
        Ok(())
    }
}
