//! One entry of a person's inbox: what kind of thing happened and the ids of what it is about
//! (the app opens them with `node(id:)`). Never a copy of anyone's words.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The person told.
    pub account_id: Uuid,
    /// The kind's code, e.g. `PLAN_CHANGED_BY_PRACTITIONER` (the kinds live in the api).
    pub kind: String,
    pub family_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub outcome_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
