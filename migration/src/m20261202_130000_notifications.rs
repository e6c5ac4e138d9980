//! Issue 13: the app's own channel. The inbox (`notifications`: one row per person told, a
//! kind and the ids of what it is about, never anyone's words), each person's choices
//! (`notification_preferences` per kind, `notification_settings` for quiet hours), the push
//! devices they registered, and the push outbox (`push_messages`, delivered like email).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(uuid(Notifications::Id).primary_key())
                .col(uuid(Notifications::AccountId))
                .col(string_len(Notifications::Kind, 48))
                .col(uuid_null(Notifications::FamilyId))
                .col(uuid_null(Notifications::PlanId))
                .col(uuid_null(Notifications::OutcomeId))
                .col(uuid_null(Notifications::MeetingId))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Notifications::Table, Notifications::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_notifications_account")
                .table(Notifications::Table)
                .col(Notifications::AccountId)
                .col(Notifications::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(NotificationPreferences::Table)
                .col(uuid(NotificationPreferences::AccountId))
                .col(string_len(NotificationPreferences::Kind, 48))
                .col(boolean(NotificationPreferences::Email))
                .col(boolean(NotificationPreferences::Push))
                .primary_key(
                    Index::create()
                        .col(NotificationPreferences::AccountId)
                        .col(NotificationPreferences::Kind),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            NotificationPreferences::Table,
                            NotificationPreferences::AccountId,
                        )
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(NotificationSettings::Table)
                .col(uuid(NotificationSettings::AccountId).primary_key())
                .col(integer_null(NotificationSettings::QuietFromMinute))
                .col(integer_null(NotificationSettings::QuietToMinute))
                .col(string_len(NotificationSettings::TimeZone, 64))
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationSettings::Table, NotificationSettings::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PushDevices::Table)
                .col(uuid(PushDevices::Id).primary_key())
                .col(uuid(PushDevices::AccountId))
                .col(uuid_null(PushDevices::SessionId))
                .col(uuid_null(PushDevices::PasskeyId))
                .col(string_len(PushDevices::Platform, 16))
                // The device's token (APNs, FCM) or Web Push endpoint: unique, so that a
                // device registering again replaces its old row.
                .col(string_len(PushDevices::Address, 2048).unique_key())
                .col(string_len_null(PushDevices::P256dh, 128))
                .col(string_len_null(PushDevices::Auth, 64))
                .col(string_len_null(PushDevices::AppVersion, 32))
                .col(timestamp_with_time_zone(PushDevices::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PushDevices::Table, PushDevices::AccountId)
                        .to(Accounts::Table, Accounts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_push_devices_account")
                .table(PushDevices::Table)
                .col(PushDevices::AccountId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PushMessages::Table)
                .col(uuid(PushMessages::Id).primary_key())
                .col(uuid(PushMessages::DeviceId))
                .col(uuid(PushMessages::NotificationId))
                .col(string_len(PushMessages::Title, 120))
                .col(timestamp_with_time_zone(PushMessages::CreatedAt))
                .col(integer(PushMessages::Attempts))
                .col(timestamp_with_time_zone(PushMessages::NextAttemptAt))
                .col(uuid_null(PushMessages::ClaimedBy))
                .col(timestamp_with_time_zone_null(PushMessages::ClaimedUntil))
                .col(timestamp_with_time_zone_null(PushMessages::SentAt))
                .col(text_null(PushMessages::LastError))
                .foreign_key(
                    ForeignKey::create()
                        .from(PushMessages::Table, PushMessages::DeviceId)
                        .to(PushDevices::Table, PushDevices::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PushMessages::Table, PushMessages::NotificationId)
                        .to(Notifications::Table, Notifications::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_push_messages_due")
                .table(PushMessages::Table)
                .col(PushMessages::SentAt)
                .col(PushMessages::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PushMessages::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PushDevices::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(NotificationSettings::Table).to_owned())
            .await?;
        m.drop_table(
            Table::drop()
                .table(NotificationPreferences::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    AccountId,
    Kind,
    FamilyId,
    PlanId,
    OutcomeId,
    MeetingId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    AccountId,
    Kind,
    Email,
    Push,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    AccountId,
    QuietFromMinute,
    QuietToMinute,
    TimeZone,
}

#[derive(DeriveIden)]
enum PushDevices {
    Table,
    Id,
    AccountId,
    SessionId,
    PasskeyId,
    Platform,
    Address,
    P256dh,
    Auth,
    AppVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PushMessages {
    Table,
    Id,
    DeviceId,
    NotificationId,
    Title,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    SentAt,
    LastError,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}
