//! Models read from a union's row by column position rather than by name.
//!
//! sea-orm's `FromQueryResult` asks the driver for each column by name, and the driver finds
//! it through a SipHash map, for every column of every row: on the plan screen that cost more
//! than a sixth of the server's CPU. Here each model lists its columns once; the union works
//! out where they are once per statement, and rows are read by index.
//!
//! On PostgreSQL the driver also checks, for every value, that the column's type suits the
//! Rust type (comparing type names and ids): a fifth of the instructions spent reading the
//! plan screen's rows. Every row of a statement has the same column types, so the first row
//! of each branch is read with the checks ([`Checks::On`]) and the rest without (a column
//! that is NULL in the first row is not checked; the driver never checks a NULL). Unchecked,
//! a value the driver cannot decode as the Rust type is still an error, not a panic.
use sea_orm::sqlx::postgres::{PgRow, Postgres};
use sea_orm::sqlx::{Decode, Row, ValueRef};
use sea_orm::{DbErr, FromQueryResult, QueryResult, TryGetable};
use std::fmt::Debug;

/// A model that can be read from a union's row by the positions of its columns.
pub trait ByPosition: FromQueryResult + PartialEq + Debug + Sized {
    /// The model's column names, in the order [`ByPosition::read`] reads them.
    const COLUMNS: &'static [&'static str];

    /// Reads the model from `row`, where `at[i]` is the position of `COLUMNS[i]`.
    fn read(row: &QueryResult, at: &[usize], checks: Checks) -> Result<Self, DbErr>;
}

/// Whether the driver checks each value's column type as it reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// For the first row of a branch: its column types are those of every row after it.
    On,
    /// For the rows after it.
    Off,
}

impl Checks {
    /// On for a statement's (or a branch's) first row, off after it.
    pub fn for_row(index: usize) -> Self {
        if index == 0 { Checks::On } else { Checks::Off }
    }
}

fn next(at: &mut std::slice::Iter<'_, usize>) -> Result<usize, DbErr> {
    at.next()
        .copied()
        .ok_or_else(|| DbErr::Type("a union row read with too few positions".into()))
}

/// A model field's type.
pub trait Field: TryGetable {
    /// Reads the value at `at`, by sea-orm, which has the driver check the column's type.
    fn checked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        row.try_get_by_index(at)
    }

    /// Reads the value at `at` once the column's type is known to suit.
    fn unchecked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        Self::checked(row, at)
    }

    fn read(row: &QueryResult, at: usize, checks: Checks) -> Result<Self, DbErr> {
        match checks {
            Checks::On => Self::checked(row, at),
            Checks::Off => Self::unchecked(row, at),
        }
    }
}

/// A value the driver decodes itself: on PostgreSQL, decoded without the type check.
fn decoded<T>(row: &QueryResult, at: usize) -> Result<T, DbErr>
where
    T: TryGetable + for<'r> Decode<'r, Postgres>,
{
    match row.try_as_pg_row() {
        Some(row) => PgRow::try_get_unchecked::<T, _>(row, at)
            .map_err(|e| DbErr::Type(format!("could not read column {at} of a union's row: {e}"))),
        None => row.try_get_by_index(at),
    }
}

macro_rules! decoded_by_the_driver {
    ($($ty:ty),+) => {$(
        impl Field for $ty {
            fn unchecked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
                decoded(row, at)
            }
        }
    )+};
}

decoded_by_the_driver!(
    uuid::Uuid,
    String,
    i16,
    i32,
    bool,
    chrono::NaiveDate,
    chrono::DateTime<chrono::Utc>
);

/// Enumerations stored as text: the first row's are read through sea-orm (which checks the
/// column's type and maps the stored value); after it, on PostgreSQL, the text is read in
/// place and matched against the values the variants store, listed once. Through sea-orm a
/// value cost a thousand instructions, most of them copying the text into a `String` and
/// building the error it did not need.
macro_rules! stored_as_text {
    ($($ty:ty),+) => {$(
        impl Field for $ty {
            fn unchecked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
                static VALUES: std::sync::OnceLock<Vec<(String, $ty)>> =
                    std::sync::OnceLock::new();
                let values = VALUES.get_or_init(|| {
                    <$ty as sea_orm::Iterable>::iter()
                        .map(|variant| (sea_orm::ActiveEnum::to_value(&variant), variant))
                        .collect()
                });
                variant_of(row, at, values)
            }
        }
    )+};
}

stored_as_text!(
    entities::plan::PlanStatus,
    entities::outcome::OutcomeStatus,
    entities::progress_rating::RatingSource,
    entities::family_member::MemberRelation
);

fn variant_of<E: Copy + TryGetable>(
    row: &QueryResult,
    at: usize,
    values: &[(String, E)],
) -> Result<E, DbErr> {
    let Some(pg) = row.try_as_pg_row() else {
        return row.try_get_by_index(at);
    };
    let text = PgRow::try_get_unchecked::<&str, _>(pg, at)
        .map_err(|e| DbErr::Type(format!("could not read column {at} of a union's row: {e}")))?;
    values
        .iter()
        .find(|(value, _)| value == text)
        .map(|(_, variant)| *variant)
        .ok_or_else(|| DbErr::Type(format!("column {at} of a union's row holds no known value")))
}

/// A column that may be NULL. Asked for an `Option`, sea-orm reads the value, and on NULL
/// formats an error message and throws it away: a third of the nullable reads of a plan
/// screen are NULL (the union's rows name a member or a practitioner, not both). Here the
/// driver's own NULL flag is looked at first.
impl<T: Field> Field for Option<T>
where
    Option<T>: TryGetable,
{
    fn checked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        nullable(row, at, T::checked)
    }

    fn unchecked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        nullable(row, at, T::unchecked)
    }
}

fn nullable<T>(
    row: &QueryResult,
    at: usize,
    read: impl FnOnce(&QueryResult, usize) -> Result<T, DbErr>,
) -> Result<Option<T>, DbErr> {
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
        read(row, at).map(Some)
    }
}

/// Lists a model's fields, each named as its column (a test checks the names and that none
/// is missing; the struct literal checks that none is left out).
macro_rules! by_position {
    ($($model:path {
        $($field:ident),+ $(,)?
    })+) => {$(
        impl ByPosition for $model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn read(row: &QueryResult, at: &[usize], checks: Checks) -> Result<Self, DbErr> {
                let mut at = at.iter();
                // Fields are evaluated in the order written, which is the order of COLUMNS.
                Ok(Self {
                    $($field: Field::read(row, next(&mut at)?, checks)?,)+
                })
            }
        }
    )+};
}

by_position! {
    entities::family::Model { id, reference, local_area, need_level, created_at }
    entities::plan::Model {
        id, family_id, status, version, created_at, updated_at,
        review_date, lead_professional_id, created_by_member_id,
        created_by_practitioner_id, activated_at, closed_at, closing_summary,
    }
    entities::outcome::Model {
        id, plan_id, family_id, position, words, area_code, area_label, framework_version,
        status, created_at, private, updated_at,
        target_date, proposed_by_member_id, proposed_by_practitioner_id,
        decline_reason,
    }
    entities::outcome_member::Model { outcome_id, member_id }
    entities::outcome_note::Model {
        id, outcome_id, family_id, practitioner_id, organisation_id, body, created_at,
    }
    entities::progress_rating::Model {
        id, outcome_id, family_id, source, score, rated_at, private,
        comment, member_id, practitioner_id,
    }
    entities::plan_action::Model {
        id, outcome_id, plan_id, family_id, description, created_at,
        assignee_practitioner_id, assignee_member_id, due_date, done_at,
        done_by_member_id, done_by_practitioner_id, created_by_member_id,
        created_by_practitioner_id, service_id,
    }
    entities::family_member::Model {
        id, family_id, name, date_of_birth, relation, competent_to_consent, created_at,
        account_id,
    }
    entities::practitioner::Model { id, account_id, organisation_id, name, created_at }
    entities::local_service::Model {
        id, local_area, name, organisation, description, categories, search_text, imported_at,
        min_age, max_age, contact, opening_times,
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
