//! The mobile client's contract: trusted documents (operations registered ahead of time, run
//! by id) and idempotency keys (a retried mutation answered with its first response), both in
//! the database so that every replica answers the same.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TrustedDocuments::Table)
                // The SHA-256 of the document, in lowercase hex.
                .col(string_len(TrustedDocuments::Hash, 64).primary_key())
                .col(text(TrustedDocuments::Document))
                .col(timestamp_with_time_zone(TrustedDocuments::RegisteredAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(uuid(IdempotencyKeys::AccountId))
                .col(string_len(IdempotencyKeys::Key, 200))
                // SHA-256 of the request (document, operation name, variables).
                .col(string_len(IdempotencyKeys::Fingerprint, 64))
                // The first response, as sent; empty while the first attempt runs.
                .col(text_null(IdempotencyKeys::Response))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::AccountId)
                        .col(IdempotencyKeys::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_idempotency_keys_created_at")
                .table(IdempotencyKeys::Table)
                .col(IdempotencyKeys::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TrustedDocuments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TrustedDocuments {
    Table,
    Hash,
    Document,
    RegisteredAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    AccountId,
    Key,
    Fingerprint,
    Response,
    CreatedAt,
}
