//! Database migrations. One file per change; a migration is never edited after it lands.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_core;
mod m20261123_000002_passkeys_and_outbox;
mod m20261123_100000_consent_team_audit;
mod m20261123_200000_family_plan;
mod m20261123_300000_lead_meetings;
pub mod m20261123_400000_voice_evaluation;
mod m20261201_100000_household_sharing;
mod m20261201_500000_trusted_documents_idempotency;
mod m20261202_130000_notifications;
mod m20261202_140000_growing_up;
mod m20261202_170000_consultations;
mod m20261202_170000_local_services;
mod m20261202_170000_support_requests;
mod m20261203_140000_parental_responsibility;
mod m20261203_170000_action_services;
mod m20261206_120000_lookup_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_core::Migration),
            Box::new(m20261123_000002_passkeys_and_outbox::Migration),
            Box::new(m20261123_100000_consent_team_audit::Migration),
            Box::new(m20261123_200000_family_plan::Migration),
            Box::new(m20261123_300000_lead_meetings::Migration),
            Box::new(m20261123_400000_voice_evaluation::Migration),
            Box::new(m20261201_100000_household_sharing::Migration),
            Box::new(m20261201_500000_trusted_documents_idempotency::Migration),
            Box::new(m20261202_130000_notifications::Migration),
            Box::new(m20261202_140000_growing_up::Migration),
            Box::new(m20261202_170000_support_requests::Migration),
            Box::new(m20261202_170000_consultations::Migration),
            Box::new(m20261202_170000_local_services::Migration),
            Box::new(m20261203_140000_parental_responsibility::Migration),
            Box::new(m20261203_170000_action_services::Migration),
            Box::new(m20261206_120000_lookup_indexes::Migration),
        ]
    }
}
