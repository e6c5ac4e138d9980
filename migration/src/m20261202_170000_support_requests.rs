//! Requests for support (issue 17): the ways in (the app, the anonymous front door, a
//! professional's referral, an urgent concern), screened by the hub against a clock.
//! `support_request_people` are the people a request names (for matching, never merging);
//! `support_request_questions` the hub's questions for more information and their answers.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SupportRequests::Table)
                .col(uuid(SupportRequests::Id).primary_key())
                .col(string_len_uniq(SupportRequests::Reference, 16))
                .col(string_len(SupportRequests::WayIn, 16))
                .col(string_len(SupportRequests::Status, 16))
                .col(uuid_null(SupportRequests::FamilyId))
                .col(string_len_null(SupportRequests::LocalArea, 200))
                .col(uuid_null(SupportRequests::RequestedByMemberId))
                .col(uuid_null(SupportRequests::ReferredByPractitionerId))
                .col(uuid_null(SupportRequests::ReferrerOrganisationId))
                .col(boolean(SupportRequests::SharedWithParents))
                .col(text_null(SupportRequests::ContactName))
                .col(text_null(SupportRequests::ContactEmail))
                .col(text_null(SupportRequests::ContactPhone))
                .col(text_null(SupportRequests::ContactBy))
                .col(string_len_null(SupportRequests::Postcode, 16))
                .col(text(SupportRequests::WhatIsHappening))
                .col(text_null(SupportRequests::HelpWanted))
                .col(small_integer_null(SupportRequests::NeedsLevel))
                .col(text_null(SupportRequests::WhatTried))
                .col(boolean(SupportRequests::ConsentGiven))
                .col(boolean(SupportRequests::SignificantHarm))
                .col(text_null(SupportRequests::SignificantHarmReason))
                .col(timestamp_with_time_zone(SupportRequests::ReceivedAt))
                .col(timestamp_with_time_zone(SupportRequests::DueAt))
                .col(timestamp_with_time_zone_null(SupportRequests::AlertedAt))
                .col(uuid_null(SupportRequests::ClaimedByPractitionerId))
                .col(timestamp_with_time_zone_null(SupportRequests::ClaimedAt))
                .col(string_len_null(SupportRequests::Decision, 16))
                .col(text_null(SupportRequests::DecisionReason))
                .col(text_null(SupportRequests::Advice))
                .col(timestamp_with_time_zone_null(SupportRequests::DecidedAt))
                .col(uuid_null(SupportRequests::DecidedByPractitionerId))
                .col(uuid_null(SupportRequests::SuggestedLeadPractitionerId))
                .col(boolean(SupportRequests::WithholdFromFamily))
                .foreign_key(
                    ForeignKey::create()
                        .from(SupportRequests::Table, SupportRequests::FamilyId)
                        .to(Families::Table, Families::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, column) in [
            ("support_requests_status_due", SupportRequests::Status),
            ("support_requests_family", SupportRequests::FamilyId),
            (
                "support_requests_referrer",
                SupportRequests::ReferredByPractitionerId,
            ),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(SupportRequests::Table)
                    .col(column)
                    .col(SupportRequests::DueAt)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(SupportRequestPeople::Table)
                .col(uuid(SupportRequestPeople::Id).primary_key())
                .col(uuid(SupportRequestPeople::RequestId))
                .col(text(SupportRequestPeople::Name))
                .col(string_len(SupportRequestPeople::Relation, 16))
                .col(date_null(SupportRequestPeople::DateOfBirth))
                .col(small_integer_null(SupportRequestPeople::Age))
                .col(uuid_null(SupportRequestPeople::MemberId))
                .foreign_key(
                    ForeignKey::create()
                        .from(SupportRequestPeople::Table, SupportRequestPeople::RequestId)
                        .to(SupportRequests::Table, SupportRequests::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("support_request_people_request")
                .table(SupportRequestPeople::Table)
                .col(SupportRequestPeople::RequestId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SupportRequestQuestions::Table)
                .col(uuid(SupportRequestQuestions::Id).primary_key())
                .col(uuid(SupportRequestQuestions::RequestId))
                .col(text(SupportRequestQuestions::Question))
                .col(uuid(SupportRequestQuestions::AskedByPractitionerId))
                .col(timestamp_with_time_zone(SupportRequestQuestions::AskedAt))
                .col(text_null(SupportRequestQuestions::Answer))
                .col(timestamp_with_time_zone_null(
                    SupportRequestQuestions::AnsweredAt,
                ))
                .col(uuid_null(SupportRequestQuestions::AnsweredByMemberId))
                .col(uuid_null(SupportRequestQuestions::AnsweredByPractitionerId))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            SupportRequestQuestions::Table,
                            SupportRequestQuestions::RequestId,
                        )
                        .to(SupportRequests::Table, SupportRequests::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("support_request_questions_request")
                .table(SupportRequestQuestions::Table)
                .col(SupportRequestQuestions::RequestId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(SupportRequestQuestions::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(SupportRequestPeople::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SupportRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SupportRequests {
    Table,
    Id,
    Reference,
    WayIn,
    Status,
    FamilyId,
    LocalArea,
    RequestedByMemberId,
    ReferredByPractitionerId,
    ReferrerOrganisationId,
    SharedWithParents,
    ContactName,
    ContactEmail,
    ContactPhone,
    ContactBy,
    Postcode,
    WhatIsHappening,
    HelpWanted,
    NeedsLevel,
    WhatTried,
    ConsentGiven,
    SignificantHarm,
    SignificantHarmReason,
    ReceivedAt,
    DueAt,
    AlertedAt,
    ClaimedByPractitionerId,
    ClaimedAt,
    Decision,
    DecisionReason,
    Advice,
    DecidedAt,
    DecidedByPractitionerId,
    SuggestedLeadPractitionerId,
    WithholdFromFamily,
}

#[derive(DeriveIden)]
enum SupportRequestPeople {
    Table,
    Id,
    RequestId,
    Name,
    Relation,
    DateOfBirth,
    Age,
    MemberId,
}

#[derive(DeriveIden)]
enum SupportRequestQuestions {
    Table,
    Id,
    RequestId,
    Question,
    AskedByPractitionerId,
    AskedAt,
    Answer,
    AnsweredAt,
    AnsweredByMemberId,
    AnsweredByPractitionerId,
}

#[derive(DeriveIden)]
enum Families {
    Table,
    Id,
}
