//! Issue 14, growing up in the plan: competence assessments kept with their reason and
//! who assessed (one row per assessment, never rewritten); a young person's own outcomes and
//! ratings private to them and the team until they share them (`private`, false for every
//! row written before).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CompetenceAssessments::Table)
                .col(uuid(CompetenceAssessments::Id).primary_key())
                .col(uuid(CompetenceAssessments::FamilyId))
                .col(uuid(CompetenceAssessments::MemberId))
                .col(boolean(CompetenceAssessments::Competent))
                .col(text(CompetenceAssessments::Reason))
                .col(uuid_null(CompetenceAssessments::AssessedByPractitionerId))
                .col(timestamp_with_time_zone(CompetenceAssessments::AssessedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            CompetenceAssessments::Table,
                            CompetenceAssessments::FamilyId,
                        )
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            CompetenceAssessments::Table,
                            CompetenceAssessments::MemberId,
                        )
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            CompetenceAssessments::Table,
                            CompetenceAssessments::AssessedByPractitionerId,
                        )
                        .to(Practitioners::Table, Practitioners::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("competence_assessments_member")
                .table(CompetenceAssessments::Table)
                .col(CompetenceAssessments::MemberId)
                .to_owned(),
        )
        .await?;
        // One row per young person per age band reached: the change of what their parents
        // see is told once, whichever replica notices it first.
        m.create_table(
            Table::create()
                .table(GrowingUpNotices::Table)
                .col(uuid(GrowingUpNotices::Id).primary_key())
                .col(uuid(GrowingUpNotices::FamilyId))
                .col(uuid(GrowingUpNotices::MemberId))
                .col(string_len(GrowingUpNotices::Band, 16))
                .col(timestamp_with_time_zone(GrowingUpNotices::NoticedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(GrowingUpNotices::Table, GrowingUpNotices::MemberId)
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("growing_up_notices_once")
                .table(GrowingUpNotices::Table)
                .col(GrowingUpNotices::MemberId)
                .col(GrowingUpNotices::Band)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outcomes::Table)
                .add_column(boolean(Outcomes::Private).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ProgressRatings::Table)
                .add_column(boolean(ProgressRatings::Private).default(false))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ProgressRatings::Table)
                .drop_column(ProgressRatings::Private)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outcomes::Table)
                .drop_column(Outcomes::Private)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(GrowingUpNotices::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CompetenceAssessments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CompetenceAssessments {
    Table,
    Id,
    FamilyId,
    MemberId,
    Competent,
    Reason,
    AssessedByPractitionerId,
    AssessedAt,
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

#[derive(DeriveIden)]
enum Practitioners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    Private,
}

#[derive(DeriveIden)]
enum ProgressRatings {
    Table,
    Private,
}

#[derive(DeriveIden)]
enum GrowingUpNotices {
    Table,
    Id,
    FamilyId,
    MemberId,
    Band,
    NoticedAt,
}
