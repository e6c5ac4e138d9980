//! Lead professional nominations, Team Around the Family meetings with the family's views,
//! and the schedule of change digests (at most one email per family per hour).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LeadNominations::Table)
                .col(uuid(LeadNominations::Id).primary_key())
                .col(uuid(LeadNominations::PlanId))
                .col(uuid(LeadNominations::FamilyId))
                .col(uuid(LeadNominations::PractitionerId))
                .col(uuid_null(LeadNominations::NominatedByMemberId))
                .col(uuid_null(LeadNominations::NominatedByPractitionerId))
                .col(uuid_null(LeadNominations::ChallengeOfId))
                .col(text_null(LeadNominations::ManagerNote))
                .col(string_len(LeadNominations::Status, 16))
                .col(timestamp_with_time_zone(LeadNominations::NominatedAt))
                .col(timestamp_with_time_zone(LeadNominations::AnswerDueAt))
                .col(timestamp_with_time_zone_null(LeadNominations::AnsweredAt))
                .col(text_null(LeadNominations::DeclineReason))
                .col(timestamp_with_time_zone_null(
                    LeadNominations::OverdueAlertedAt,
                ))
                .col(timestamp_with_time_zone_null(LeadNominations::FollowedUpAt))
                .foreign_key(&mut fk(
                    LeadNominations::Table,
                    LeadNominations::PlanId,
                    Plans::Table,
                    Plans::Id,
                ))
                .foreign_key(&mut fk(
                    LeadNominations::Table,
                    LeadNominations::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    LeadNominations::Table,
                    LeadNominations::PractitionerId,
                    Practitioners::Table,
                    Practitioners::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One nomination waiting for an answer per plan at a time.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_lead_nominations_pending ON lead_nominations (plan_id) WHERE status = 'pending'",
            )
            .await?;
        index(
            m,
            "ix_lead_nominations_plan",
            LeadNominations::Table,
            &[LeadNominations::PlanId],
        )
        .await?;
        index(
            m,
            "ix_lead_nominations_practitioner",
            LeadNominations::Table,
            &[LeadNominations::PractitionerId],
        )
        .await?;
        // The deadline job looks for pending nominations past their date.
        index(
            m,
            "ix_lead_nominations_due",
            LeadNominations::Table,
            &[LeadNominations::Status, LeadNominations::AnswerDueAt],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Meetings::Table)
                .col(uuid(Meetings::Id).primary_key())
                .col(uuid(Meetings::FamilyId))
                .col(uuid(Meetings::PlanId))
                .col(string_len(Meetings::Kind, 16))
                .col(date(Meetings::HeldOn))
                .col(uuid(Meetings::ScheduledByPractitionerId))
                .col(timestamp_with_time_zone(Meetings::CreatedAt))
                .col(text_null(Meetings::Summary))
                .col(text_null(Meetings::Decisions))
                .col(date_null(Meetings::NextReviewDate))
                .col(uuid_null(Meetings::RecordedByPractitionerId))
                .col(timestamp_with_time_zone_null(Meetings::RecordedAt))
                .foreign_key(&mut fk(
                    Meetings::Table,
                    Meetings::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    Meetings::Table,
                    Meetings::PlanId,
                    Plans::Table,
                    Plans::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_meetings_family",
            Meetings::Table,
            &[Meetings::FamilyId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MeetingAttendees::Table)
                .col(uuid(MeetingAttendees::Id).primary_key())
                .col(uuid(MeetingAttendees::MeetingId))
                .col(uuid_null(MeetingAttendees::MemberId))
                .col(uuid_null(MeetingAttendees::PractitionerId))
                .foreign_key(&mut fk(
                    MeetingAttendees::Table,
                    MeetingAttendees::MeetingId,
                    Meetings::Table,
                    Meetings::Id,
                ))
                .foreign_key(&mut fk(
                    MeetingAttendees::Table,
                    MeetingAttendees::MemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .foreign_key(&mut fk(
                    MeetingAttendees::Table,
                    MeetingAttendees::PractitionerId,
                    Practitioners::Table,
                    Practitioners::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_meeting_attendees_meeting",
            MeetingAttendees::Table,
            &[MeetingAttendees::MeetingId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MeetingViews::Table)
                .col(uuid(MeetingViews::Id).primary_key())
                .col(uuid(MeetingViews::MeetingId))
                .col(uuid(MeetingViews::FamilyId))
                .col(uuid(MeetingViews::MemberId))
                .col(text(MeetingViews::Words))
                .col(boolean(MeetingViews::Private))
                .col(timestamp_with_time_zone(MeetingViews::GivenAt))
                .foreign_key(&mut fk(
                    MeetingViews::Table,
                    MeetingViews::MeetingId,
                    Meetings::Table,
                    Meetings::Id,
                ))
                .foreign_key(&mut fk(
                    MeetingViews::Table,
                    MeetingViews::MemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One view per person per meeting; giving it again replaces their words.
        m.create_index(
            Index::create()
                .name("ux_meeting_views_member")
                .table(MeetingViews::Table)
                .col(MeetingViews::MeetingId)
                .col(MeetingViews::MemberId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ChangeDigests::Table)
                .col(uuid(ChangeDigests::FamilyId))
                // "family" (the family adults) or "lead" (the lead professional).
                .col(string_len(ChangeDigests::Audience, 16))
                // When the latest digest was (or will be) delivered.
                .col(timestamp_with_time_zone(ChangeDigests::LastScheduledAt))
                .primary_key(
                    Index::create()
                        .col(ChangeDigests::FamilyId)
                        .col(ChangeDigests::Audience),
                )
                .foreign_key(&mut fk(
                    ChangeDigests::Table,
                    ChangeDigests::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChangeDigests::Table.into_iden(),
            MeetingViews::Table.into_iden(),
            MeetingAttendees::Table.into_iden(),
            Meetings::Table.into_iden(),
            LeadNominations::Table.into_iden(),
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
enum Plans {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum LeadNominations {
    Table,
    Id,
    PlanId,
    FamilyId,
    PractitionerId,
    NominatedByMemberId,
    NominatedByPractitionerId,
    ChallengeOfId,
    ManagerNote,
    Status,
    NominatedAt,
    AnswerDueAt,
    AnsweredAt,
    DeclineReason,
    OverdueAlertedAt,
    FollowedUpAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Meetings {
    Table,
    Id,
    FamilyId,
    PlanId,
    Kind,
    HeldOn,
    ScheduledByPractitionerId,
    CreatedAt,
    Summary,
    Decisions,
    NextReviewDate,
    RecordedByPractitionerId,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MeetingAttendees {
    Table,
    Id,
    MeetingId,
    MemberId,
    PractitionerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum MeetingViews {
    Table,
    Id,
    MeetingId,
    FamilyId,
    MemberId,
    Words,
    Private,
    GivenAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChangeDigests {
    Table,
    FamilyId,
    Audience,
    LastScheduledAt,
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
