//! Voice and evaluation: questionnaires (versioned, with the default ones), feedback and its
//! answers, young people's views, and the six-month follow-ups after a plan closes.
use sea_orm_migration::sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Fixed ids of the questionnaires shipped with the service, so every database has the same.
pub const EXPERIENCE_V1: Uuid = Uuid::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0e01);
pub const FOLLOW_UP_V1: Uuid = Uuid::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0f01);

/// The default questionnaire, drawn from what partnerships ask families and young people.
const EXPERIENCE_QUESTIONS: [(&str, &str); 6] = [
    ("listened_to", "I felt listened to"),
    ("my_words_in_plan", "My words are in my plan"),
    ("chose_what_we_work_on", "I chose what we are working on"),
    (
        "know_lead_professional",
        "I know who my lead professional is",
    ),
    (
        "know_how_to_get_help",
        "I know how to get more help if I need it",
    ),
    (
        "better_than_start",
        "Things are better for our family than when we started",
    ),
];

/// Six months after a plan closed.
const FOLLOW_UP_QUESTIONS: [(&str, &str, &str); 3] = [
    (
        "stayed_better",
        "Things have stayed better for our family since our plan ended",
        "scale",
    ),
    (
        "needed_more_help",
        "We have needed more help since our plan ended",
        "yes_no",
    ),
    (
        "knew_where_to_get_help",
        "When we needed help, we knew where to get it",
        "scale",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Questionnaires::Table)
                .col(uuid(Questionnaires::Id).primary_key())
                .col(string_len(Questionnaires::Kind, 16))
                .col(integer(Questionnaires::Version))
                .col(string_len(Questionnaires::Title, 200))
                .col(timestamp_with_time_zone(Questionnaires::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_questionnaires_version")
                .table(Questionnaires::Table)
                .col(Questionnaires::Kind)
                .col(Questionnaires::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Questions::Table)
                .col(uuid(Questions::Id).primary_key())
                .col(uuid(Questions::QuestionnaireId))
                .col(string_len(Questions::Code, 64))
                .col(integer(Questions::Position))
                .col(text(Questions::Text))
                .col(string_len(Questions::AnswerKind, 16))
                .foreign_key(&mut fk(
                    Questions::Table,
                    Questions::QuestionnaireId,
                    Questionnaires::Table,
                    Questionnaires::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_questions_code")
                .table(Questions::Table)
                .col(Questions::QuestionnaireId)
                .col(Questions::Code)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FollowUps::Table)
                .col(uuid(FollowUps::Id).primary_key())
                .col(uuid(FollowUps::FamilyId))
                .col(uuid(FollowUps::PlanId))
                .col(uuid(FollowUps::MemberId))
                .col(timestamp_with_time_zone(FollowUps::PlanClosedAt))
                .col(string_len(FollowUps::Status, 16))
                .col(timestamp_with_time_zone_null(FollowUps::InvitedAt))
                .col(timestamp_with_time_zone_null(FollowUps::RemindedAt))
                .col(timestamp_with_time_zone_null(FollowUps::AnsweredAt))
                .col(timestamp_with_time_zone_null(FollowUps::ExpiredAt))
                .foreign_key(&mut fk(
                    FollowUps::Table,
                    FollowUps::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    FollowUps::Table,
                    FollowUps::PlanId,
                    Plans::Table,
                    Plans::Id,
                ))
                .foreign_key(&mut fk(
                    FollowUps::Table,
                    FollowUps::MemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .to_owned(),
        )
        .await?;
        // One follow-up per person per closed plan, whatever happens twice.
        m.create_index(
            Index::create()
                .name("ux_follow_ups_person")
                .table(FollowUps::Table)
                .col(FollowUps::PlanId)
                .col(FollowUps::MemberId)
                .unique()
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_follow_ups_due",
            FollowUps::Table,
            &[FollowUps::Status, FollowUps::PlanClosedAt],
        )
        .await?;
        index(
            m,
            "ix_follow_ups_member",
            FollowUps::Table,
            &[FollowUps::MemberId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Feedback::Table)
                .col(uuid(Feedback::Id).primary_key())
                .col(uuid(Feedback::FamilyId))
                .col(uuid(Feedback::QuestionnaireId))
                .col(string_len(Feedback::Subject, 16))
                .col(uuid_null(Feedback::SubjectId))
                .col(string_len(Feedback::GiverSide, 16))
                // Both empty when the giver asked to be anonymous: the name is not kept at all.
                .col(uuid_null(Feedback::GiverMemberId))
                .col(uuid_null(Feedback::GiverPractitionerId))
                .col(boolean(Feedback::Anonymous))
                .col(boolean(Feedback::Private))
                .col(text_null(Feedback::FreeText))
                .col(uuid_null(Feedback::FollowUpId))
                .col(timestamp_with_time_zone(Feedback::CreatedAt))
                .foreign_key(&mut fk(
                    Feedback::Table,
                    Feedback::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    Feedback::Table,
                    Feedback::QuestionnaireId,
                    Questionnaires::Table,
                    Questionnaires::Id,
                ))
                .foreign_key(&mut fk(
                    Feedback::Table,
                    Feedback::FollowUpId,
                    FollowUps::Table,
                    FollowUps::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_feedback_family",
            Feedback::Table,
            &[Feedback::FamilyId],
        )
        .await?;
        index(
            m,
            "ix_feedback_created",
            Feedback::Table,
            &[Feedback::CreatedAt],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FeedbackAnswers::Table)
                .col(uuid(FeedbackAnswers::FeedbackId))
                .col(string_len(FeedbackAnswers::QuestionCode, 64))
                .col(small_integer(FeedbackAnswers::Score))
                .primary_key(
                    Index::create()
                        .col(FeedbackAnswers::FeedbackId)
                        .col(FeedbackAnswers::QuestionCode),
                )
                .foreign_key(&mut fk(
                    FeedbackAnswers::Table,
                    FeedbackAnswers::FeedbackId,
                    Feedback::Table,
                    Feedback::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(YoungPersonViews::Table)
                .col(uuid(YoungPersonViews::Id).primary_key())
                .col(uuid(YoungPersonViews::FamilyId))
                .col(uuid(YoungPersonViews::MemberId))
                .col(text(YoungPersonViews::Words))
                .col(boolean(YoungPersonViews::Private))
                .col(timestamp_with_time_zone(YoungPersonViews::CreatedAt))
                .foreign_key(&mut fk(
                    YoungPersonViews::Table,
                    YoungPersonViews::FamilyId,
                    Families::Table,
                    Families::Id,
                ))
                .foreign_key(&mut fk(
                    YoungPersonViews::Table,
                    YoungPersonViews::MemberId,
                    FamilyMembers::Table,
                    FamilyMembers::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_young_person_views_family",
            YoungPersonViews::Table,
            &[YoungPersonViews::FamilyId],
        )
        .await?;

        seed(
            m,
            EXPERIENCE_V1,
            "experience",
            "How is it going?",
            &EXPERIENCE_QUESTIONS.map(|(c, t)| (c, t, "scale")),
        )
        .await?;
        seed(
            m,
            FOLLOW_UP_V1,
            "follow_up",
            "Six months on",
            &FOLLOW_UP_QUESTIONS,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            YoungPersonViews::Table.into_iden(),
            FeedbackAnswers::Table.into_iden(),
            Feedback::Table.into_iden(),
            FollowUps::Table.into_iden(),
            Questions::Table.into_iden(),
            Questionnaires::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn seed(
    m: &SchemaManager<'_>,
    id: Uuid,
    kind: &str,
    title: &str,
    questions: &[(&str, &str, &str)],
) -> Result<(), DbErr> {
    let created = DateTimeUtc::UNIX_EPOCH;
    m.exec_stmt(
        Query::insert()
            .into_table(Questionnaires::Table)
            .columns([
                Questionnaires::Id,
                Questionnaires::Kind,
                Questionnaires::Version,
                Questionnaires::Title,
                Questionnaires::CreatedAt,
            ])
            .values_panic([
                id.into(),
                kind.into(),
                1.into(),
                title.into(),
                created.into(),
            ])
            .to_owned(),
    )
    .await?;
    for (position, (code, text, answer_kind)) in questions.iter().enumerate() {
        let question_id = Uuid::from_u128(id.as_u128() + 1 + position as u128);
        m.exec_stmt(
            Query::insert()
                .into_table(Questions::Table)
                .columns([
                    Questions::Id,
                    Questions::QuestionnaireId,
                    Questions::Code,
                    Questions::Position,
                    Questions::Text,
                    Questions::AnswerKind,
                ])
                .values_panic([
                    question_id.into(),
                    id.into(),
                    (*code).into(),
                    (position as i32 + 1).into(),
                    (*text).into(),
                    (*answer_kind).into(),
                ])
                .to_owned(),
        )
        .await?;
    }
    Ok(())
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
enum Plans {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Questionnaires {
    Table,
    Id,
    Kind,
    Version,
    Title,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Questions {
    Table,
    Id,
    QuestionnaireId,
    Code,
    Position,
    Text,
    AnswerKind,
}

#[derive(DeriveIden, Clone, Copy)]
enum FollowUps {
    Table,
    Id,
    FamilyId,
    PlanId,
    MemberId,
    PlanClosedAt,
    Status,
    InvitedAt,
    RemindedAt,
    AnsweredAt,
    ExpiredAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Feedback {
    Table,
    Id,
    FamilyId,
    QuestionnaireId,
    Subject,
    SubjectId,
    GiverSide,
    GiverMemberId,
    GiverPractitionerId,
    Anonymous,
    Private,
    FreeText,
    FollowUpId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FeedbackAnswers {
    Table,
    FeedbackId,
    QuestionCode,
    Score,
}

#[derive(DeriveIden, Clone, Copy)]
enum YoungPersonViews {
    Table,
    Id,
    FamilyId,
    MemberId,
    Words,
    Private,
    CreatedAt,
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
