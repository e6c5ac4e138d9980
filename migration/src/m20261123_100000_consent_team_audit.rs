//! Consent, the team around the family, safeguarding overrides, the audit trail, and
//! young people's competence to consent.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(FamilyMembers::Table)
                .add_column(boolean(FamilyMembers::CompetentToConsent).default(false))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(uuid(Consents::Id).primary_key())
                .col(uuid(Consents::FamilyId))
                .col(uuid(Consents::GivenByMemberId))
                .col(uuid_null(Consents::SubjectMemberId))
                .col(string_len(Consents::Scope, 24))
                .col(timestamp_with_time_zone_null(Consents::ExpiresAt))
                .col(text_null(Consents::Evidence))
                .col(uuid_null(Consents::RecordedByPractitionerId))
                .col(timestamp_with_time_zone(Consents::CreatedAt))
                .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                .col(uuid_null(Consents::WithdrawnByMemberId))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::GivenByMemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::SubjectMemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .foreign_key(&mut fk(
                    Consents::Table,
                    Consents::RecordedByPractitionerId,
                    Practitioners::Table,
                    Practitioners::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_consents_family",
            Consents::Table,
            &[Consents::FamilyId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ConsentOrganisations::Table)
                .col(uuid(ConsentOrganisations::ConsentId))
                .col(uuid(ConsentOrganisations::OrganisationId))
                .primary_key(
                    Index::create()
                        .col(ConsentOrganisations::ConsentId)
                        .col(ConsentOrganisations::OrganisationId),
                )
                .foreign_key(&mut fk(
                    ConsentOrganisations::Table,
                    ConsentOrganisations::ConsentId,
                    Consents::Table,
                    Consents::Id,
                ))
                .foreign_key(&mut fk(
                    ConsentOrganisations::Table,
                    ConsentOrganisations::OrganisationId,
                    Organisations::Table,
                    Organisations::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TeamMembers::Table)
                .col(uuid(TeamMembers::Id).primary_key())
                .col(uuid(TeamMembers::FamilyId))
                .col(uuid(TeamMembers::PractitionerId))
                .col(uuid_null(TeamMembers::AddedByPractitionerId))
                .col(timestamp_with_time_zone(TeamMembers::JoinedAt))
                .col(timestamp_with_time_zone_null(TeamMembers::LeftAt))
                .col(uuid_null(TeamMembers::RemovedByPractitionerId))
                .col(text_null(TeamMembers::LeavingReason))
                .foreign_key(&mut fk(
                    TeamMembers::Table,
                    TeamMembers::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    TeamMembers::Table,
                    TeamMembers::PractitionerId,
                    Practitioners::Table,
                    Practitioners::Id,
                ))
                .to_owned(),
        )
        .await?;
        // At most one current membership per practitioner and family (both databases support
        // partial indexes).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_team_members_current ON team_members (family_id, practitioner_id) WHERE left_at IS NULL",
            )
            .await?;

        m.create_table(
            Table::create()
                .table(SafeguardingOverrides::Table)
                .col(uuid(SafeguardingOverrides::Id).primary_key())
                .col(uuid(SafeguardingOverrides::FamilyId))
                .col(uuid(SafeguardingOverrides::PractitionerId))
                .col(text(SafeguardingOverrides::Reason))
                .col(boolean(SafeguardingOverrides::WithholdFromFamily))
                .col(timestamp_with_time_zone(SafeguardingOverrides::CreatedAt))
                .col(timestamp_with_time_zone(SafeguardingOverrides::ExpiresAt))
                .col(timestamp_with_time_zone_null(
                    SafeguardingOverrides::ReviewedAt,
                ))
                .col(uuid_null(SafeguardingOverrides::ReviewedByPractitionerId))
                .col(string_len_null(SafeguardingOverrides::ReviewOutcome, 16))
                .col(text_null(SafeguardingOverrides::ReviewNotes))
                .col(boolean(SafeguardingOverrides::KeepHiddenAfterReview).default(false))
                .foreign_key(&mut fk(
                    SafeguardingOverrides::Table,
                    SafeguardingOverrides::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    SafeguardingOverrides::Table,
                    SafeguardingOverrides::PractitionerId,
                    Practitioners::Table,
                    Practitioners::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_overrides_family",
            SafeguardingOverrides::Table,
            &[SafeguardingOverrides::FamilyId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEntries::Table)
                .col(uuid(AuditEntries::Id).primary_key())
                .col(uuid(AuditEntries::FamilyId))
                .col(uuid_null(AuditEntries::ActorPractitionerId))
                .col(uuid_null(AuditEntries::ActorMemberId))
                .col(uuid_null(AuditEntries::ActorOrganisationId))
                .col(string_len(AuditEntries::ActorRole, 32))
                .col(string_len(AuditEntries::Kind, 16))
                .col(text(AuditEntries::What))
                .col(uuid_null(AuditEntries::OverrideId))
                .col(timestamp_with_time_zone(AuditEntries::OccurredAt))
                .foreign_key(&mut fk(
                    AuditEntries::Table,
                    AuditEntries::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_audit_entries_family",
            AuditEntries::Table,
            &[AuditEntries::FamilyId, AuditEntries::Id],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEntries::Table.into_iden(),
            SafeguardingOverrides::Table.into_iden(),
            TeamMembers::Table.into_iden(),
            ConsentOrganisations::Table.into_iden(),
            Consents::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(FamilyMembers::Table)
                .drop_column(FamilyMembers::CompetentToConsent)
                .to_owned(),
        )
        .await
    }
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

#[derive(DeriveIden, Clone, Copy)]
enum Families {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum FamilyMembers {
    Table,
    Id,
    CompetentToConsent,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Practitioners {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consents {
    Table,
    Id,
    FamilyId,
    GivenByMemberId,
    SubjectMemberId,
    Scope,
    ExpiresAt,
    Evidence,
    RecordedByPractitionerId,
    CreatedAt,
    WithdrawnAt,
    WithdrawnByMemberId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsentOrganisations {
    Table,
    ConsentId,
    OrganisationId,
}

#[derive(DeriveIden, Clone, Copy)]
enum TeamMembers {
    Table,
    Id,
    FamilyId,
    PractitionerId,
    AddedByPractitionerId,
    JoinedAt,
    LeftAt,
    RemovedByPractitionerId,
    LeavingReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum SafeguardingOverrides {
    Table,
    Id,
    FamilyId,
    PractitionerId,
    Reason,
    WithholdFromFamily,
    CreatedAt,
    ExpiresAt,
    ReviewedAt,
    ReviewedByPractitionerId,
    ReviewOutcome,
    ReviewNotes,
    KeepHiddenAfterReview,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEntries {
    Table,
    Id,
    FamilyId,
    ActorPractitionerId,
    ActorMemberId,
    ActorOrganisationId,
    ActorRole,
    Kind,
    What,
    OverrideId,
    OccurredAt,
}
