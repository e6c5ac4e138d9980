//! The family plan: the assessment (the story told once), the plan, outcomes in the family's
//! words, practitioners' notes beside them, progress ratings, actions and their history.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Assessments::Table)
                .col(uuid(Assessments::Id).primary_key())
                .col(uuid(Assessments::FamilyId))
                .col(string_len(Assessments::Status, 16))
                .col(timestamp_with_time_zone(Assessments::OpenedAt))
                .col(uuid_null(Assessments::OpenedByMemberId))
                .col(uuid_null(Assessments::OpenedByPractitionerId))
                .col(timestamp_with_time_zone_null(Assessments::FinalisedAt))
                .col(uuid_null(Assessments::FinalisedByPractitionerId))
                .foreign_key(&mut fk(
                    Assessments::Table,
                    Assessments::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One open assessment per family at a time.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_assessments_open ON assessments (family_id) WHERE status = 'open'",
            )
            .await?;
        index(
            m,
            "ix_assessments_family",
            Assessments::Table,
            &[Assessments::FamilyId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AssessmentSections::Table)
                .col(uuid(AssessmentSections::Id).primary_key())
                .col(uuid(AssessmentSections::AssessmentId))
                .col(uuid(AssessmentSections::FamilyId))
                // "family" for the family's own section, else the organisation's id.
                .col(string_len(AssessmentSections::SectionKey, 40))
                .col(uuid_null(AssessmentSections::OrganisationId))
                .col(integer(AssessmentSections::Version))
                .col(text(AssessmentSections::GoingWell))
                .col(text(AssessmentSections::Worries))
                .col(text(AssessmentSections::NeedsToChange))
                .col(uuid_null(AssessmentSections::WrittenByMemberId))
                .col(uuid_null(AssessmentSections::WrittenByPractitionerId))
                .col(timestamp_with_time_zone(AssessmentSections::WrittenAt))
                .foreign_key(&mut fk(
                    AssessmentSections::Table,
                    AssessmentSections::AssessmentId,
                    Assessments::Table,
                    Assessments::Id,
                ))
                .to_owned(),
        )
        .await?;
        // Two writers from the same version cannot both land.
        m.create_index(
            Index::create()
                .name("ux_assessment_sections_version")
                .table(AssessmentSections::Table)
                .col(AssessmentSections::AssessmentId)
                .col(AssessmentSections::SectionKey)
                .col(AssessmentSections::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Plans::Table)
                .col(uuid(Plans::Id).primary_key())
                .col(uuid(Plans::FamilyId))
                .col(string_len(Plans::Status, 16))
                .col(integer(Plans::Version))
                .col(date_null(Plans::ReviewDate))
                .col(uuid_null(Plans::LeadProfessionalId))
                .col(timestamp_with_time_zone(Plans::CreatedAt))
                .col(uuid_null(Plans::CreatedByMemberId))
                .col(uuid_null(Plans::CreatedByPractitionerId))
                .col(timestamp_with_time_zone_null(Plans::ActivatedAt))
                .col(timestamp_with_time_zone_null(Plans::ClosedAt))
                .col(text_null(Plans::ClosingSummary))
                .col(timestamp_with_time_zone(Plans::UpdatedAt))
                .foreign_key(&mut fk(
                    Plans::Table,
                    Plans::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    Plans::Table,
                    Plans::LeadProfessionalId,
                    Practitioners::Table,
                    Practitioners::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One plan in draft or active per family; closed plans are kept.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_plans_current ON plans (family_id) WHERE status <> 'closed'",
            )
            .await?;
        index(m, "ix_plans_family", Plans::Table, &[Plans::FamilyId]).await?;
        index(
            m,
            "ix_plans_lead",
            Plans::Table,
            &[Plans::LeadProfessionalId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Outcomes::Table)
                .col(uuid(Outcomes::Id).primary_key())
                .col(uuid(Outcomes::PlanId))
                .col(uuid(Outcomes::FamilyId))
                .col(integer(Outcomes::Position))
                .col(text(Outcomes::Words))
                .col(string_len(Outcomes::AreaCode, 64))
                .col(string_len(Outcomes::AreaLabel, 200))
                .col(string_len(Outcomes::FrameworkVersion, 64))
                .col(date_null(Outcomes::TargetDate))
                .col(string_len(Outcomes::Status, 16))
                .col(uuid_null(Outcomes::ProposedByMemberId))
                .col(uuid_null(Outcomes::ProposedByPractitionerId))
                .col(text_null(Outcomes::DeclineReason))
                .col(timestamp_with_time_zone(Outcomes::CreatedAt))
                .col(timestamp_with_time_zone(Outcomes::UpdatedAt))
                .foreign_key(&mut fk(
                    Outcomes::Table,
                    Outcomes::PlanId,
                    Plans::Table,
                    Plans::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_outcomes_plan",
            Outcomes::Table,
            &[Outcomes::PlanId, Outcomes::Position],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OutcomeMembers::Table)
                .col(uuid(OutcomeMembers::OutcomeId))
                .col(uuid(OutcomeMembers::MemberId))
                .primary_key(
                    Index::create()
                        .col(OutcomeMembers::OutcomeId)
                        .col(OutcomeMembers::MemberId),
                )
                .foreign_key(&mut fk(
                    OutcomeMembers::Table,
                    OutcomeMembers::OutcomeId,
                    Outcomes::Table,
                    Outcomes::Id,
                ))
                .foreign_key(&mut fk(
                    OutcomeMembers::Table,
                    OutcomeMembers::MemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OutcomeNotes::Table)
                .col(uuid(OutcomeNotes::Id).primary_key())
                .col(uuid(OutcomeNotes::OutcomeId))
                .col(uuid(OutcomeNotes::FamilyId))
                .col(uuid(OutcomeNotes::PractitionerId))
                .col(uuid(OutcomeNotes::OrganisationId))
                .col(text(OutcomeNotes::Body))
                .col(timestamp_with_time_zone(OutcomeNotes::CreatedAt))
                .foreign_key(&mut fk(
                    OutcomeNotes::Table,
                    OutcomeNotes::OutcomeId,
                    Outcomes::Table,
                    Outcomes::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_outcome_notes_outcome",
            OutcomeNotes::Table,
            &[OutcomeNotes::OutcomeId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ProgressRatings::Table)
                .col(uuid(ProgressRatings::Id).primary_key())
                .col(uuid(ProgressRatings::OutcomeId))
                .col(uuid(ProgressRatings::FamilyId))
                .col(string_len(ProgressRatings::Source, 16))
                .col(small_integer(ProgressRatings::Score))
                .col(text_null(ProgressRatings::Comment))
                .col(uuid_null(ProgressRatings::MemberId))
                .col(uuid_null(ProgressRatings::PractitionerId))
                .col(timestamp_with_time_zone(ProgressRatings::RatedAt))
                .foreign_key(&mut fk(
                    ProgressRatings::Table,
                    ProgressRatings::OutcomeId,
                    Outcomes::Table,
                    Outcomes::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_progress_ratings_outcome",
            ProgressRatings::Table,
            &[ProgressRatings::OutcomeId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PlanActions::Table)
                .col(uuid(PlanActions::Id).primary_key())
                .col(uuid(PlanActions::OutcomeId))
                .col(uuid(PlanActions::PlanId))
                .col(uuid(PlanActions::FamilyId))
                .col(text(PlanActions::Description))
                .col(uuid_null(PlanActions::AssigneePractitionerId))
                .col(uuid_null(PlanActions::AssigneeMemberId))
                .col(date_null(PlanActions::DueDate))
                .col(timestamp_with_time_zone_null(PlanActions::DoneAt))
                .col(uuid_null(PlanActions::DoneByMemberId))
                .col(uuid_null(PlanActions::DoneByPractitionerId))
                .col(uuid_null(PlanActions::CreatedByMemberId))
                .col(uuid_null(PlanActions::CreatedByPractitionerId))
                .col(timestamp_with_time_zone(PlanActions::CreatedAt))
                .foreign_key(&mut fk(
                    PlanActions::Table,
                    PlanActions::OutcomeId,
                    Outcomes::Table,
                    Outcomes::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_plan_actions_outcome",
            PlanActions::Table,
            &[PlanActions::OutcomeId],
        )
        .await?;
        index(
            m,
            "ix_plan_actions_plan",
            PlanActions::Table,
            &[PlanActions::PlanId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PlanChanges::Table)
                .col(uuid(PlanChanges::Id).primary_key())
                .col(uuid(PlanChanges::PlanId))
                .col(uuid(PlanChanges::FamilyId))
                .col(uuid_null(PlanChanges::OutcomeId))
                .col(uuid_null(PlanChanges::ActionId))
                .col(uuid_null(PlanChanges::ByMemberId))
                .col(uuid_null(PlanChanges::ByPractitionerId))
                .col(string_len(PlanChanges::BySide, 16))
                .col(text(PlanChanges::What))
                .col(text_null(PlanChanges::Detail))
                .col(integer(PlanChanges::PlanVersion))
                .col(timestamp_with_time_zone(PlanChanges::At))
                .foreign_key(&mut fk(
                    PlanChanges::Table,
                    PlanChanges::PlanId,
                    Plans::Table,
                    Plans::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_plan_changes_outcome",
            PlanChanges::Table,
            &[PlanChanges::OutcomeId],
        )
        .await?;
        index(
            m,
            "ix_plan_changes_action",
            PlanChanges::Table,
            &[PlanChanges::ActionId],
        )
        .await?;
        index(
            m,
            "ix_plan_changes_plan",
            PlanChanges::Table,
            &[PlanChanges::PlanId],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PlanChanges::Table.into_iden(),
            PlanActions::Table.into_iden(),
            ProgressRatings::Table.into_iden(),
            OutcomeNotes::Table.into_iden(),
            OutcomeMembers::Table.into_iden(),
            Outcomes::Table.into_iden(),
            Plans::Table.into_iden(),
            AssessmentSections::Table.into_iden(),
            Assessments::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Families {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum FamilyMembers {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Practitioners {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Assessments {
    Table,
    Id,
    FamilyId,
    Status,
    OpenedAt,
    OpenedByMemberId,
    OpenedByPractitionerId,
    FinalisedAt,
    FinalisedByPractitionerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum AssessmentSections {
    Table,
    Id,
    AssessmentId,
    FamilyId,
    SectionKey,
    OrganisationId,
    Version,
    GoingWell,
    Worries,
    NeedsToChange,
    WrittenByMemberId,
    WrittenByPractitionerId,
    WrittenAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Plans {
    Table,
    Id,
    FamilyId,
    Status,
    Version,
    ReviewDate,
    LeadProfessionalId,
    CreatedAt,
    CreatedByMemberId,
    CreatedByPractitionerId,
    ActivatedAt,
    ClosedAt,
    ClosingSummary,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Outcomes {
    Table,
    Id,
    PlanId,
    FamilyId,
    Position,
    Words,
    AreaCode,
    AreaLabel,
    FrameworkVersion,
    TargetDate,
    Status,
    ProposedByMemberId,
    ProposedByPractitionerId,
    DeclineReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutcomeMembers {
    Table,
    OutcomeId,
    MemberId,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutcomeNotes {
    Table,
    Id,
    OutcomeId,
    FamilyId,
    PractitionerId,
    OrganisationId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProgressRatings {
    Table,
    Id,
    OutcomeId,
    FamilyId,
    Source,
    Score,
    Comment,
    MemberId,
    PractitionerId,
    RatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlanActions {
    Table,
    Id,
    OutcomeId,
    PlanId,
    FamilyId,
    Description,
    AssigneePractitionerId,
    AssigneeMemberId,
    DueDate,
    DoneAt,
    DoneByMemberId,
    DoneByPractitionerId,
    CreatedByMemberId,
    CreatedByPractitionerId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlanChanges {
    Table,
    Id,
    PlanId,
    FamilyId,
    OutcomeId,
    ActionId,
    ByMemberId,
    ByPractitionerId,
    BySide,
    What,
    Detail,
    PlanVersion,
    At,
}

fn fk<T: IntoIden, C: IntoIden, U: IntoIden, D: IntoIden>(
    from_table: T,
    from_col: C,
    to_table: U,
    to_col: D,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .to_owned()
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    m: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[C],
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(*col);
    }
    m.create_index(statement.to_owned()).await
}
