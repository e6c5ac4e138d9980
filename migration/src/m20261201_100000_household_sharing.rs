//! Household sharing: a parent with parental responsibility shares the family's plan with an
//! adult of the household who has none (a grandparent, a new partner), and may stop. One row
//! per time it was shared; stopping sets `stopped_at`, history is kept.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(HouseholdShares::Table)
                .col(uuid(HouseholdShares::Id).primary_key())
                .col(uuid(HouseholdShares::FamilyId))
                .col(uuid(HouseholdShares::MemberId))
                .col(uuid(HouseholdShares::SharedByMemberId))
                .col(timestamp_with_time_zone(HouseholdShares::SharedAt))
                .col(timestamp_with_time_zone_null(HouseholdShares::StoppedAt))
                .col(uuid_null(HouseholdShares::StoppedByMemberId))
                .foreign_key(
                    ForeignKey::create()
                        .from(HouseholdShares::Table, HouseholdShares::FamilyId)
                        .to(Families::Table, Families::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(HouseholdShares::Table, HouseholdShares::MemberId)
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(HouseholdShares::Table, HouseholdShares::SharedByMemberId)
                        .to(FamilyMembers::Table, FamilyMembers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("household_shares_family_member")
                .table(HouseholdShares::Table)
                .col(HouseholdShares::FamilyId)
                .col(HouseholdShares::MemberId)
                .to_owned(),
        )
        .await?;
        // At most one share in force per member: two parents sharing at once cannot both land.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX household_shares_one_in_force \
                 ON household_shares (member_id) WHERE stopped_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(HouseholdShares::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum HouseholdShares {
    Table,
    Id,
    FamilyId,
    MemberId,
    SharedByMemberId,
    SharedAt,
    StoppedAt,
    StoppedByMemberId,
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
