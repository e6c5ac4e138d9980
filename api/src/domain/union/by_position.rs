//! Models read from a union's row by column position rather than by name.
//!
//! sea-orm's `FromQueryResult` asks the driver for each column by name, and the driver finds
//! it through a SipHash map, for every column of every row: on the plan screen that cost more
//! than a sixth of the server's CPU. Here each model lists its columns once; the union works
//! out where they are once per statement, and rows are read by index.
use sea_orm::{DbErr, FromQueryResult, QueryResult, TryGetable};
use std::fmt::Debug;

/// A model that can be read from a union's row by the positions of its columns.
pub trait ByPosition: FromQueryResult + PartialEq + Debug + Sized {
    /// The model's column names, in the order [`ByPosition::read`] reads them.
    const COLUMNS: &'static [&'static str];

    /// Reads the model from `row`, where `at[i]` is the position of `COLUMNS[i]`.
    fn read(row: &QueryResult, at: &[usize]) -> Result<Self, DbErr>;
}

fn next(at: &mut std::slice::Iter<'_, usize>) -> Result<usize, DbErr> {
    at.next()
        .copied()
        .ok_or_else(|| DbErr::Type("a union row read with too few positions".into()))
}

/// A column that may be NULL. Asked for an `Option`, sea-orm reads the value, and on NULL
/// formats an error message and throws it away: a third of the nullable reads of a plan
/// screen are NULL (the union's rows name a member or a practitioner, not both). Here the
/// driver's own NULL flag is looked at first.
fn nullable<T: TryGetable>(row: &QueryResult, at: usize) -> Result<Option<T>, DbErr> {
    use sea_orm::sqlx::{Row, ValueRef};
    let null = if let Some(row) = row.try_as_pg_row() {
        row.try_get_raw(at).is_ok_and(|v| v.is_null())
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get_raw(at).is_ok_and(|v| v.is_null())
    } else {
        false
    };
    if null {
        Ok(None)
    } else {
        row.try_get_by_index(at)
    }
}

/// Lists a model's fields, each named as its column, those that may be NULL after
/// `nullable:` (a test checks the names and that none is missing; the struct literal checks
/// that none is left out, and that each nullable one is an `Option`).
macro_rules! by_position {
    ($($model:path {
        $($field:ident),+ $(,)?
        $(; nullable: $($nullable:ident),+ $(,)?)?
    })+) => {$(
        impl ByPosition for $model {
            const COLUMNS: &'static [&'static str] =
                &[$(stringify!($field)),+ $($(, stringify!($nullable))+)?];

            fn read(row: &QueryResult, at: &[usize]) -> Result<Self, DbErr> {
                let mut at = at.iter();
                // Fields are evaluated in the order written, which is the order of COLUMNS.
                Ok(Self {
                    $($field: row.try_get_by_index(next(&mut at)?)?,)+
                    $($($nullable: nullable(row, next(&mut at)?)?,)+)?
                })
            }
        }
    )+};
}

by_position! {
    entities::family::Model { id, reference, local_area, need_level, created_at }
    entities::plan::Model {
        id, family_id, status, version, created_at, updated_at;
        nullable: review_date, lead_professional_id, created_by_member_id,
        created_by_practitioner_id, activated_at, closed_at, closing_summary,
    }
    entities::outcome::Model {
        id, plan_id, family_id, position, words, area_code, area_label, framework_version,
        status, created_at, private, updated_at;
        nullable: target_date, proposed_by_member_id, proposed_by_practitioner_id,
        decline_reason,
    }
    entities::outcome_member::Model { outcome_id, member_id }
    entities::outcome_note::Model {
        id, outcome_id, family_id, practitioner_id, organisation_id, body, created_at,
    }
    entities::progress_rating::Model {
        id, outcome_id, family_id, source, score, rated_at, private;
        nullable: comment, member_id, practitioner_id,
    }
    entities::plan_action::Model {
        id, outcome_id, plan_id, family_id, description, created_at;
        nullable: assignee_practitioner_id, assignee_member_id, due_date, done_at,
        done_by_member_id, done_by_practitioner_id, created_by_member_id,
        created_by_practitioner_id, service_id,
    }
    entities::family_member::Model {
        id, family_id, name, date_of_birth, relation, competent_to_consent, created_at;
        nullable: account_id,
    }
    entities::practitioner::Model { id, account_id, organisation_id, name, created_at }
    entities::local_service::Model {
        id, local_area, name, organisation, description, categories, search_text, imported_at;
        nullable: min_age, max_age, contact, opening_times,
    }
}

#[cfg(test)]
mod tests {
    use super::ByPosition;
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    fn columns_of<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    fn same_columns<E: EntityTrait>()
    where
        E::Model: ByPosition,
    {
        let mut listed = <E::Model as ByPosition>::COLUMNS.to_vec();
        let mut declared = columns_of::<E>();
        listed.sort_unstable();
        declared.sort_unstable();
        assert_eq!(listed, declared, "{}", E::default().table_name());
    }

    /// A field named otherwise than its column would read another column, or none.
    #[test]
    fn every_model_lists_exactly_its_columns() {
        use entities::*;
        same_columns::<family::Entity>();
        same_columns::<plan::Entity>();
        same_columns::<outcome::Entity>();
        same_columns::<outcome_member::Entity>();
        same_columns::<outcome_note::Entity>();
        same_columns::<progress_rating::Entity>();
        same_columns::<plan_action::Entity>();
        same_columns::<family_member::Entity>();
        same_columns::<practitioner::Entity>();
        same_columns::<local_service::Entity>();
    }
}
