//! Issue 17: a plan action may point at a directory entry (a local service the family is
//! signposted to). No foreign key, as for the advice's links: a re-import removes the
//! entries no longer in the file, and an action pointing at one then shows no service.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PlanActions::Table)
                .add_column(uuid_null(PlanActions::ServiceId))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PlanActions::Table)
                .drop_column(PlanActions::ServiceId)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum PlanActions {
    Table,
    ServiceId,
}
