//! Issue 14, parental responsibility per adult–child pair and restrictions:
//! - `parental_responsibilities`: one row per (adult, child) pair where the adult holds
//!   parental responsibility, backfilled with every pair of each family's adults with
//!   parental responsibility and its children, so nothing changes for existing families;
//! - `restrictions`: a court order or a safeguarding decision that stops a named adult
//!   seeing anything about a named child, until its end date or its lifting; never rewritten
//!   but for lifting and review;
//! - `audit_entries.outcome_id` / `about_member_id`: what an entry is about, so that an
//!   adult restricted from a child does not see the entries about the child's items.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ParentalResponsibilities::Table)
                .col(uuid(ParentalResponsibilities::FamilyId))
                .col(uuid(ParentalResponsibilities::AdultMemberId))
                .col(uuid(ParentalResponsibilities::ChildMemberId))
                .primary_key(
                    Index::create()
                        .col(ParentalResponsibilities::AdultMemberId)
                        .col(ParentalResponsibilities::ChildMemberId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            ParentalResponsibilities::Table,
                            ParentalResponsibilities::FamilyId,
                        )
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            ParentalResponsibilities::Table,
                            ParentalResponsibilities::AdultMemberId,
                        )
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            ParentalResponsibilities::Table,
                            ParentalResponsibilities::ChildMemberId,
                        )
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("parental_responsibilities_family")
                .table(ParentalResponsibilities::Table)
                .col(ParentalResponsibilities::FamilyId)
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO parental_responsibilities (family_id, adult_member_id, child_member_id) \
                 SELECT a.family_id, a.id, c.id FROM family_members a \
                 JOIN family_members c ON c.family_id = a.family_id AND c.relation = 'child' \
                 WHERE a.relation = 'adult_with_parental_responsibility'",
            )
            .await?;
        // Who gave or took away parental responsibility for a pair, when and why.
        m.create_table(
            Table::create()
                .table(ParentalResponsibilityChanges::Table)
                .col(uuid(ParentalResponsibilityChanges::Id).primary_key())
                .col(uuid(ParentalResponsibilityChanges::FamilyId))
                .col(uuid(ParentalResponsibilityChanges::AdultMemberId))
                .col(uuid(ParentalResponsibilityChanges::ChildMemberId))
                .col(boolean(ParentalResponsibilityChanges::Holds))
                .col(text(ParentalResponsibilityChanges::Reason))
                .col(uuid_null(ParentalResponsibilityChanges::ByPractitionerId))
                .col(timestamp_with_time_zone(ParentalResponsibilityChanges::At))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            ParentalResponsibilityChanges::Table,
                            ParentalResponsibilityChanges::FamilyId,
                        )
                        .to(Families::Table, Families::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Restrictions::Table)
                .col(uuid(Restrictions::Id).primary_key())
                .col(uuid(Restrictions::FamilyId))
                .col(uuid(Restrictions::AdultMemberId))
                .col(uuid(Restrictions::ChildMemberId))
                .col(string_len(Restrictions::Kind, 24))
                .col(text(Restrictions::Reason))
                .col(text_null(Restrictions::Evidence))
                .col(date(Restrictions::EndsOn))
                .col(uuid_null(Restrictions::RecordedByPractitionerId))
                .col(timestamp_with_time_zone(Restrictions::RecordedAt))
                .col(timestamp_with_time_zone_null(Restrictions::LiftedAt))
                .col(uuid_null(Restrictions::LiftedByPractitionerId))
                .col(text_null(Restrictions::LiftReason))
                .col(timestamp_with_time_zone_null(Restrictions::ReviewedAt))
                .col(uuid_null(Restrictions::ReviewedByPractitionerId))
                .col(text_null(Restrictions::ReviewNote))
                .foreign_key(
                    ForeignKey::create()
                        .from(Restrictions::Table, Restrictions::FamilyId)
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Restrictions::Table, Restrictions::AdultMemberId)
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Restrictions::Table, Restrictions::ChildMemberId)
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("restrictions_adult")
                .table(Restrictions::Table)
                .col(Restrictions::AdultMemberId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("restrictions_family")
                .table(Restrictions::Table)
                .col(Restrictions::FamilyId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditEntries::Table)
                .add_column(uuid_null(AuditEntries::OutcomeId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditEntries::Table)
                .add_column(uuid_null(AuditEntries::AboutMemberId))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuditEntries::Table)
                .drop_column(AuditEntries::AboutMemberId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditEntries::Table)
                .drop_column(AuditEntries::OutcomeId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Restrictions::Table).to_owned())
            .await?;
        m.drop_table(
            Table::drop()
                .table(ParentalResponsibilityChanges::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table(ParentalResponsibilities::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum ParentalResponsibilities {
    Table,
    FamilyId,
    AdultMemberId,
    ChildMemberId,
}

#[derive(DeriveIden)]
enum Restrictions {
    Table,
    Id,
    FamilyId,
    AdultMemberId,
    ChildMemberId,
    Kind,
    Reason,
    Evidence,
    EndsOn,
    RecordedByPractitionerId,
    RecordedAt,
    LiftedAt,
    LiftedByPractitionerId,
    LiftReason,
    ReviewedAt,
    ReviewedByPractitionerId,
    ReviewNote,
}

#[derive(DeriveIden)]
enum ParentalResponsibilityChanges {
    Table,
    Id,
    FamilyId,
    AdultMemberId,
    ChildMemberId,
    Holds,
    Reason,
    ByPractitionerId,
    At,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    OutcomeId,
    AboutMemberId,
}

#[derive(DeriveIden)]
enum Families {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FamilyMembers {
    Table,
    Id,
}
