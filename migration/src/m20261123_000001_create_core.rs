//! Accounts, organisations, practitioners and roles, families, members, need levels, sessions.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Accounts::Table)
                .col(uuid(Accounts::Id).primary_key())
                .col(string(Accounts::Email).unique_key())
                .col(timestamp_with_time_zone(Accounts::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(uuid(Organisations::Id).primary_key())
                .col(string(Organisations::Name))
                .col(string_len(Organisations::Kind, 16))
                .col(timestamp_with_time_zone(Organisations::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Practitioners::Table)
                .col(uuid(Practitioners::Id).primary_key())
                .col(uuid(Practitioners::AccountId).unique_key())
                .col(uuid(Practitioners::OrganisationId))
                .col(string(Practitioners::Name))
                .col(timestamp_with_time_zone(Practitioners::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Practitioners::Table, Practitioners::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Practitioners::Table, Practitioners::OrganisationId)
                        .to(Organisations::Table, Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_practitioners_organisation")
                .table(Practitioners::Table)
                .col(Practitioners::OrganisationId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PractitionerRoles::Table)
                .col(uuid(PractitionerRoles::PractitionerId))
                .col(string_len(PractitionerRoles::Role, 24))
                .primary_key(
                    Index::create()
                        .col(PractitionerRoles::PractitionerId)
                        .col(PractitionerRoles::Role),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PractitionerRoles::Table, PractitionerRoles::PractitionerId)
                        .to(Practitioners::Table, Practitioners::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Families::Table)
                .col(uuid(Families::Id).primary_key())
                .col(string(Families::Reference).unique_key())
                .col(string(Families::LocalArea))
                .col(small_integer(Families::NeedLevel))
                .col(timestamp_with_time_zone(Families::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FamilyMembers::Table)
                .col(uuid(FamilyMembers::Id).primary_key())
                .col(uuid(FamilyMembers::FamilyId))
                .col(uuid_null(FamilyMembers::AccountId).unique_key())
                .col(string(FamilyMembers::Name))
                .col(date(FamilyMembers::DateOfBirth))
                .col(string_len(FamilyMembers::Relation, 40))
                .col(timestamp_with_time_zone(FamilyMembers::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(FamilyMembers::Table, FamilyMembers::FamilyId)
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(FamilyMembers::Table, FamilyMembers::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_family_members_family")
                .table(FamilyMembers::Table)
                .col(FamilyMembers::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(NeedLevelChanges::Table)
                .col(uuid(NeedLevelChanges::Id).primary_key())
                .col(uuid(NeedLevelChanges::FamilyId))
                .col(small_integer_null(NeedLevelChanges::FromLevel))
                .col(small_integer(NeedLevelChanges::ToLevel))
                .col(text(NeedLevelChanges::Reason))
                .col(uuid_null(NeedLevelChanges::DecidedBy))
                .col(timestamp_with_time_zone(NeedLevelChanges::DecidedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NeedLevelChanges::Table, NeedLevelChanges::FamilyId)
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NeedLevelChanges::Table, NeedLevelChanges::DecidedBy)
                        .to(Practitioners::Table, Practitioners::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_need_level_changes_family")
                .table(NeedLevelChanges::Table)
                .col(NeedLevelChanges::FamilyId)
                .col(NeedLevelChanges::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(uuid(Sessions::Id).primary_key())
                .col(string_len(Sessions::TokenHash, 64).unique_key())
                .col(uuid(Sessions::AccountId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_account")
                .table(Sessions::Table)
                .col(Sessions::AccountId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sessions::Table.into_iden(),
            NeedLevelChanges::Table.into_iden(),
            FamilyMembers::Table.into_iden(),
            Families::Table.into_iden(),
            PractitionerRoles::Table.into_iden(),
            Practitioners::Table.into_iden(),
            Organisations::Table.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Practitioners {
    Table,
    Id,
    AccountId,
    OrganisationId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PractitionerRoles {
    Table,
    PractitionerId,
    Role,
}

#[derive(DeriveIden)]
enum Families {
    Table,
    Id,
    Reference,
    LocalArea,
    NeedLevel,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FamilyMembers {
    Table,
    Id,
    FamilyId,
    AccountId,
    Name,
    DateOfBirth,
    Relation,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NeedLevelChanges {
    Table,
    Id,
    FamilyId,
    FromLevel,
    ToLevel,
    Reason,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}
