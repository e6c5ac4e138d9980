//! A person's quiet hours: no push between `quiet_from_minute` and `quiet_to_minute` (minutes
//! after local midnight in `time_zone`); what falls in them is pushed when they end. No row:
//! the defaults.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    /// Both None: no quiet hours.
    pub quiet_from_minute: Option<i32>,
    pub quiet_to_minute: Option<i32>,
    /// An IANA time zone, e.g. `Europe/London`.
    pub time_zone: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
