//! Sign-in with passkeys: invitations, passkeys, ceremonies between their two steps, rate-limit
//! counters, session idle tracking; and the email outbox.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(uuid(Invitations::Id).primary_key())
                .col(uuid(Invitations::AccountId))
                .col(string_len(Invitations::TokenHash, 64).unique_key())
                .col(uuid_null(Invitations::InvitedBy))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone_null(Invitations::UsedAt))
                .col(timestamp_with_time_zone_null(Invitations::VoidedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Invitations::Table, Invitations::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invitations_account")
                .table(Invitations::Table)
                .col(Invitations::AccountId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Passkeys::Table)
                .col(uuid(Passkeys::Id).primary_key())
                .col(uuid(Passkeys::AccountId))
                .col(string_len(Passkeys::CredentialId, 1400).unique_key())
                .col(string_len(Passkeys::Name, 60))
                .col(text(Passkeys::Credential))
                .col(big_integer(Passkeys::SignCount))
                .col(boolean(Passkeys::BackupState))
                .col(timestamp_with_time_zone(Passkeys::CreatedAt))
                .col(timestamp_with_time_zone_null(Passkeys::LastUsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Passkeys::Table, Passkeys::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_passkeys_account")
                .table(Passkeys::Table)
                .col(Passkeys::AccountId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PasskeyCeremonies::Table)
                .col(uuid(PasskeyCeremonies::Id).primary_key())
                .col(string_len(PasskeyCeremonies::Kind, 24))
                .col(uuid_null(PasskeyCeremonies::AccountId))
                .col(uuid_null(PasskeyCeremonies::InvitationId))
                .col(text(PasskeyCeremonies::State))
                .col(timestamp_with_time_zone(PasskeyCeremonies::CreatedAt))
                .col(timestamp_with_time_zone(PasskeyCeremonies::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_passkey_ceremonies_expires")
                .table(PasskeyCeremonies::Table)
                .col(PasskeyCeremonies::ExpiresAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RateLimits::Table)
                .col(string_len(RateLimits::Key, 200))
                .col(big_integer(RateLimits::WindowStart))
                .col(integer(RateLimits::Hits))
                .primary_key(
                    Index::create()
                        .col(RateLimits::Key)
                        .col(RateLimits::WindowStart),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OutboxMessages::Table)
                .col(uuid(OutboxMessages::Id).primary_key())
                .col(string(OutboxMessages::Recipient))
                .col(string(OutboxMessages::Subject))
                .col(text(OutboxMessages::Body))
                .col(timestamp_with_time_zone(OutboxMessages::CreatedAt))
                .col(integer(OutboxMessages::Attempts))
                .col(timestamp_with_time_zone(OutboxMessages::NextAttemptAt))
                .col(uuid_null(OutboxMessages::ClaimedBy))
                .col(timestamp_with_time_zone_null(OutboxMessages::ClaimedUntil))
                .col(timestamp_with_time_zone_null(OutboxMessages::SentAt))
                .col(text_null(OutboxMessages::LastError))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_messages_due")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::SentAt)
                .col(OutboxMessages::NextAttemptAt)
                .to_owned(),
        )
        .await?;

        // SQLite takes one change per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(timestamp_with_time_zone_null(Sessions::LastSeenAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(uuid_null(Sessions::PasskeyId))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .drop_column(Sessions::PasskeyId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .drop_column(Sessions::LastSeenAt)
                .to_owned(),
        )
        .await?;
        for table in [
            OutboxMessages::Table.into_iden(),
            RateLimits::Table.into_iden(),
            PasskeyCeremonies::Table.into_iden(),
            Passkeys::Table.into_iden(),
            Invitations::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    AccountId,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    VoidedAt,
}

#[derive(DeriveIden)]
enum Passkeys {
    Table,
    Id,
    AccountId,
    CredentialId,
    Name,
    Credential,
    SignCount,
    BackupState,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum PasskeyCeremonies {
    Table,
    Id,
    Kind,
    AccountId,
    InvitationId,
    State,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    WindowStart,
    Hits,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    Recipient,
    Subject,
    Body,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    SentAt,
    LastError,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    LastSeenAt,
    PasskeyId,
}
