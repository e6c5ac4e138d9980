//! The consultation line (issue 17): a practitioner describes a situation to the hub, without
//! naming the family or naming it only with consent; a hub worker answers with advice. Kept
//! for the evaluation, and turned into a referral in one step when that is the advice.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Consultations::Table)
                .col(uuid(Consultations::Id).primary_key())
                .col(uuid(Consultations::AskedByPractitionerId))
                .col(uuid(Consultations::OrganisationId))
                .col(text(Consultations::Situation))
                .col(uuid_null(Consultations::FamilyId))
                .col(boolean(Consultations::FamilyConsented))
                .col(timestamp_with_time_zone(Consultations::AskedAt))
                .col(uuid_null(Consultations::AnsweredByPractitionerId))
                .col(text_null(Consultations::Advice))
                .col(boolean_null(Consultations::AdvisedReferral))
                .col(timestamp_with_time_zone_null(Consultations::AnsweredAt))
                .col(uuid_null(Consultations::ReferralId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Consultations::Table, Consultations::FamilyId)
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Consultations::Table, Consultations::ReferralId)
                        .to(SupportRequests::Table, SupportRequests::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("consultations_asked_by")
                .table(Consultations::Table)
                .col(Consultations::AskedByPractitionerId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Consultations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    AskedByPractitionerId,
    OrganisationId,
    Situation,
    FamilyId,
    FamilyConsented,
    AskedAt,
    AnsweredByPractitionerId,
    Advice,
    AdvisedReferral,
    AnsweredAt,
    ReferralId,
}

#[derive(DeriveIden)]
enum Families {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SupportRequests {
    Table,
    Id,
}
