//! The directory of local services (issue 17): imported per local area from an Open
//! Referral UK style file, searched by anyone, pointed at by the hub's advice. One row per
//! service and area served. On PostgreSQL, full-text search uses a GIN index on the
//! `tsvector` of `search_text`; on SQLite, `search_text` is matched word by word.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LocalServices::Table)
                .col(uuid(LocalServices::Id).primary_key())
                .col(string_len(LocalServices::LocalArea, 200))
                .col(text(LocalServices::Name))
                .col(text(LocalServices::Organisation))
                .col(text(LocalServices::Description))
                .col(text(LocalServices::Categories))
                .col(small_integer_null(LocalServices::MinAge))
                .col(small_integer_null(LocalServices::MaxAge))
                .col(text_null(LocalServices::Contact))
                .col(text_null(LocalServices::OpeningTimes))
                .col(text(LocalServices::SearchText))
                .col(timestamp_with_time_zone(LocalServices::ImportedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("local_services_area")
                .table(LocalServices::Table)
                .col(LocalServices::LocalArea)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "CREATE INDEX local_services_search ON local_services \
                     USING GIN (to_tsvector('english', search_text))",
                )
                .await?;
        }
        m.create_table(
            Table::create()
                .table(SupportRequestServices::Table)
                .col(uuid(SupportRequestServices::RequestId))
                .col(uuid(SupportRequestServices::ServiceId))
                .primary_key(
                    Index::create()
                        .col(SupportRequestServices::RequestId)
                        .col(SupportRequestServices::ServiceId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            SupportRequestServices::Table,
                            SupportRequestServices::RequestId,
                        )
                        .to(SupportRequests::Table, SupportRequests::Id),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(SupportRequestServices::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(LocalServices::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LocalServices {
    Table,
    Id,
    LocalArea,
    Name,
    Organisation,
    Description,
    Categories,
    MinAge,
    MaxAge,
    Contact,
    OpeningTimes,
    SearchText,
    ImportedAt,
}

/// The directory entries a decision's advice points at. No foreign key to the entry: a
/// re-import replaces an area's entries, and the advice keeps what it said (the family
/// sees the entries that still exist).
#[derive(DeriveIden)]
enum SupportRequestServices {
    Table,
    RequestId,
    ServiceId,
}

#[derive(DeriveIden)]
enum SupportRequests {
    Table,
    Id,
}
