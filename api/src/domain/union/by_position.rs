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
//!
//! On SQLite a column has no type, each value has its own: every value is checked, here
//! rather than through sea-orm, which asks the driver for an `Option` and wraps its answer.
//! Dates and times are text there, which the driver parses through chrono's general
//! parsers (a thousand instructions a date); the forms the database holds are parsed here
//! ([`text_time`]), anything else by the driver.
use sea_orm::sqlx::postgres::{PgValueFormat, PgValueRef, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteRow};
use sea_orm::sqlx::{Decode, Row, Type, ValueRef};
use sea_orm::{DbErr, FromQueryResult, QueryResult, TryGetable};
use std::fmt::Debug;

mod pg_time;
mod text_time;

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

    /// A PostgreSQL value (the one at `at`) once its column's type is known to suit.
    fn from_pg(value: PgValueRef<'_>, at: usize) -> Result<Self, DbErr>;

    /// The value at `at` of a row of another database: on SQLite checked against the
    /// value's own type.
    fn from_other(row: &QueryResult, at: usize) -> Result<Self, DbErr>;

    /// Reads the value at `at` once the column's type is known to suit.
    fn unchecked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        match row.try_as_pg_row() {
            Some(pg) => Self::from_pg(pg.try_get_raw(at).map_err(|e| unreadable(at, e))?, at),
            None => Self::from_other(row, at),
        }
    }

    fn read(row: &QueryResult, at: usize, checks: Checks) -> Result<Self, DbErr> {
        match checks {
            Checks::On => Self::checked(row, at),
            Checks::Off => Self::unchecked(row, at),
        }
    }
}

/// A PostgreSQL value decoded by the driver.
fn from_pg<T: for<'r> Decode<'r, Postgres>>(value: PgValueRef<'_>, at: usize) -> Result<T, DbErr> {
    T::decode(value).map_err(|e| unreadable(at, e))
}

/// A value of another database than PostgreSQL: on SQLite, checked against the value's own
/// type and decoded; elsewhere read through sea-orm.
fn from_other<T>(row: &QueryResult, at: usize) -> Result<T, DbErr>
where
    T: TryGetable + for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
{
    let Some(sqlite) = row.try_as_sqlite_row() else {
        return row.try_get_by_index(at);
    };
    let value = SqliteRow::try_get_raw(sqlite, at).map_err(|e| unreadable(at, e))?;
    if value.is_null() {
        return Err(unreadable(at, "it is NULL"));
    }
    let stored = value.type_info();
    if !<T as Type<Sqlite>>::compatible(&stored) {
        let wanted = <T as Type<Sqlite>>::type_info();
        return Err(unreadable(
            at,
            format!("a {stored} value is not a {wanted}"),
        ));
    }
    <T as Decode<Sqlite>>::decode(value).map_err(|e| unreadable(at, e))
}

/// The value at `at` of a SQLite row when it is text.
fn sqlite_text(row: &SqliteRow, at: usize) -> Option<&str> {
    let value = SqliteRow::try_get_raw(row, at).ok()?;
    if value.is_null() || !<&str as Type<Sqlite>>::compatible(&value.type_info()) {
        return None;
    }
    <&str as Decode<Sqlite>>::decode(value).ok()
}

/// On SQLite, `parse` of the text at `at`, when it is text and parses.
fn parsed_on_sqlite<T>(row: &QueryResult, at: usize, parse: fn(&str) -> Option<T>) -> Option<T> {
    row.try_as_sqlite_row()
        .and_then(|row| sqlite_text(row, at))
        .and_then(parse)
}

/// A PostgreSQL value in binary form, `N` bytes long (a date's four, a time's eight), as a
/// big-endian number; None in any other form, for the driver to decode.
fn pg_binary<const N: usize>(value: &PgValueRef<'_>) -> Option<[u8; N]> {
    if value.format() != PgValueFormat::Binary {
        return None;
    }
    value.as_bytes().ok()?.try_into().ok()
}

fn unreadable(at: usize, why: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!(
        "could not read column {at} of a union's row: {why}"
    ))
}

macro_rules! decoded_by_the_driver {
    ($($ty:ty),+) => {$(
        impl Field for $ty {
            fn from_pg(value: PgValueRef<'_>, at: usize) -> Result<Self, DbErr> {
                from_pg(value, at)
            }

            fn from_other(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
                from_other(row, at)
            }
        }
    )+};
}

decoded_by_the_driver!(uuid::Uuid, String, i16, i32, bool);

/// PostgreSQL's dates and times are counted from 2000-01-01 (in days, in microseconds):
/// read here by the count, where the driver adds a `Duration` to a date it builds for each
/// value (some three hundred instructions a time), and panics on a count chrono cannot
/// hold (PostgreSQL's `infinity`), which here is an error. Any other form is the driver's.
fn counted<T, const N: usize>(
    value: PgValueRef<'_>,
    at: usize,
    what: &str,
    read: fn([u8; N]) -> Option<T>,
) -> Result<T, DbErr>
where
    T: for<'r> Decode<'r, Postgres>,
{
    match pg_binary(&value) {
        Some(count) => {
            read(count).ok_or_else(|| unreadable(at, format!("the {what} is out of range")))
        }
        None => from_pg(value, at),
    }
}

impl Field for chrono::NaiveDate {
    fn from_pg(value: PgValueRef<'_>, at: usize) -> Result<Self, DbErr> {
        counted(value, at, "date", |days| {
            pg_time::date(i32::from_be_bytes(days))
        })
    }

    fn from_other(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        parsed_on_sqlite(row, at, text_time::date).map_or_else(|| from_other(row, at), Ok)
    }
}

impl Field for chrono::DateTime<chrono::Utc> {
    fn from_pg(value: PgValueRef<'_>, at: usize) -> Result<Self, DbErr> {
        counted(value, at, "time", |micros| {
            pg_time::utc(i64::from_be_bytes(micros))
        })
    }

    fn from_other(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        parsed_on_sqlite(row, at, text_time::utc).map_or_else(|| from_other(row, at), Ok)
    }
}

/// Enumerations stored as text: the first row's are read through sea-orm (which checks the
/// column's type and maps the stored value); after it, on PostgreSQL, and on SQLite where the
/// value is text, the text is read in place and matched against the values the variants
/// store, listed once. Through sea-orm a value cost a thousand instructions, most of them
/// copying the text into a `String` and building the error it did not need.
macro_rules! stored_as_text {
    ($($ty:ty),+) => {$(
        impl StoredAsText for $ty {
            fn stored() -> &'static [(String, $ty)] {
                static VALUES: std::sync::OnceLock<Vec<(String, $ty)>> =
                    std::sync::OnceLock::new();
                VALUES.get_or_init(|| {
                    <$ty as sea_orm::Iterable>::iter()
                        .map(|variant| (sea_orm::ActiveEnum::to_value(&variant), variant))
                        .collect()
                })
            }
        }

        impl Field for $ty {
            fn from_pg(value: PgValueRef<'_>, at: usize) -> Result<Self, DbErr> {
                let text = <&str as Decode<Postgres>>::decode(value)
                    .map_err(|e| unreadable(at, e))?;
                variant_of(text, at, Self::stored())
            }

            fn from_other(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
                match row.try_as_sqlite_row().and_then(|r| sqlite_text(r, at)) {
                    Some(text) => variant_of(text, at, Self::stored()),
                    None => row.try_get_by_index(at),
                }
            }
        }
    )+};
}

/// An enumeration's variants with the text each is stored as.
trait StoredAsText: Sized + 'static {
    fn stored() -> &'static [(String, Self)];
}

stored_as_text!(
    entities::plan::PlanStatus,
    entities::outcome::OutcomeStatus,
    entities::progress_rating::RatingSource,
    entities::family_member::MemberRelation
);

fn variant_of<E: Copy>(text: &str, at: usize, values: &[(String, E)]) -> Result<E, DbErr> {
    values
        .iter()
        .find(|(value, _)| value == text)
        .map(|(_, variant)| *variant)
        .ok_or_else(|| DbErr::Type(format!("column {at} of a union's row holds no known value")))
}

/// A column that may be NULL. Asked for an `Option`, sea-orm reads the value, and on NULL
/// formats an error message and throws it away: a third of the nullable reads of a plan
/// screen are NULL (the union's rows name a member or a practitioner, not both). Here the
/// driver's own NULL flag is looked at first (on PostgreSQL, of the value then decoded).
impl<T: Field> Field for Option<T>
where
    Option<T>: TryGetable,
{
    fn checked(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        nullable(row, at, T::checked)
    }

    fn from_pg(value: PgValueRef<'_>, at: usize) -> Result<Self, DbErr> {
        if value.is_null() {
            return Ok(None);
        }
        T::from_pg(value, at).map(Some)
    }

    fn from_other(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        nullable(row, at, T::from_other)
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

    /// On SQLite each value has its own type: read without sea-orm, a value is still read
    /// only as what it is (no text taken for a number, no NULL for a date), and dates and
    /// times in any form the driver reads come out as it reads them.
    #[tokio::test]
    async fn on_sqlite_each_value_is_read_only_as_its_own_type() {
        use super::{Checks, Field};
        use chrono::{DateTime, NaiveDate, Utc};
        use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "SELECT 'abc', 5, NULL, '2027-04-07', '2025-10-15T09:14:51.945051585+00:00', \
                 '2025-10-15 09:14:51', 'active', X'00112233445566778899aabbccddeeff'",
            ))
            .await
            .unwrap();
        let row = &rows[0];
        let off = Checks::Off;
        assert!(<i32 as Field>::read(row, 0, off).is_err());
        assert_eq!(<i32 as Field>::read(row, 1, off).unwrap(), 5);
        assert!(<String as Field>::read(row, 1, off).is_err());
        assert!(<i32 as Field>::read(row, 2, off).is_err());
        assert_eq!(<Option<i32> as Field>::read(row, 2, off).unwrap(), None);
        assert!(<NaiveDate as Field>::read(row, 2, off).is_err());
        assert!(<NaiveDate as Field>::read(row, 0, off).is_err());
        assert_eq!(
            <NaiveDate as Field>::read(row, 3, off).unwrap(),
            NaiveDate::from_ymd_opt(2027, 4, 7).unwrap()
        );
        let at =
            |text: &str| -> DateTime<Utc> { DateTime::parse_from_rfc3339(text).unwrap().to_utc() };
        assert_eq!(
            <DateTime<Utc> as Field>::read(row, 4, off).unwrap(),
            at("2025-10-15T09:14:51.945051585+00:00")
        );
        // Not the form written here: the driver's own parsing.
        assert_eq!(
            <DateTime<Utc> as Field>::read(row, 5, off).unwrap(),
            at("2025-10-15T09:14:51Z")
        );
        assert!(<DateTime<Utc> as Field>::read(row, 0, off).is_err());
        assert_eq!(
            <entities::plan::PlanStatus as Field>::read(row, 6, off).unwrap(),
            entities::plan::PlanStatus::Active
        );
        assert!(<entities::plan::PlanStatus as Field>::read(row, 0, off).is_err());
        assert_eq!(
            <uuid::Uuid as Field>::read(row, 7, off).unwrap(),
            uuid::Uuid::from_u128(0x0011_2233_4455_6677_8899_aabb_ccdd_eeff)
        );
        assert!(<uuid::Uuid as Field>::read(row, 0, off).is_err());
    }

    /// On PostgreSQL (when the suite has one) a value read without the driver's checks is
    /// what the driver reads with them: dates and times counted from 2000 either side of
    /// it, a NULL only as `None`, an enumeration by its text; a date chrono cannot hold
    /// (`infinity`) is an error, where the driver would panic.
    #[tokio::test]
    async fn on_postgres_each_value_is_read_as_the_driver_reads_it() {
        use super::{Checks, Field};
        use chrono::{DateTime, NaiveDate, Utc};
        use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
        let Ok(url) = std::env::var("FAMILY_PLAN_TEST_DATABASE_URL") else {
            eprintln!("no FAMILY_PLAN_TEST_DATABASE_URL: PostgreSQL not tried");
            return;
        };
        let db = Database::connect(url).await.unwrap();
        let id = uuid::Uuid::now_v7();
        // A bound value, so that the answer comes in binary, as the union's does.
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT $1::uuid, 'abc'::text, 5::int4, 7::int2, true, NULL::uuid, \
                 '2027-04-07'::date, '1999-12-31'::date, \
                 '2025-10-15 09:14:51.945051+00'::timestamptz, \
                 '1969-07-20 20:17:40+00'::timestamptz, 'active'::text, 'infinity'::date, \
                 NULL::timestamptz",
                [id.into()],
            ))
            .await
            .unwrap();
        let row = &rows[0];
        fn same<T: Field + PartialEq + std::fmt::Debug>(
            row: &sea_orm::QueryResult,
            at: usize,
        ) -> T {
            let unchecked = T::read(row, at, Checks::Off).unwrap();
            assert_eq!(
                unchecked,
                T::read(row, at, Checks::On).unwrap(),
                "column {at}"
            );
            unchecked
        }
        assert_eq!(same::<uuid::Uuid>(row, 0), id);
        assert_eq!(same::<String>(row, 1), "abc");
        assert_eq!(same::<i32>(row, 2), 5);
        assert_eq!(same::<i16>(row, 3), 7);
        assert!(same::<bool>(row, 4));
        assert_eq!(same::<Option<uuid::Uuid>>(row, 5), None);
        assert_eq!(same::<Option<uuid::Uuid>>(row, 0), Some(id));
        assert!(<uuid::Uuid as Field>::read(row, 5, Checks::Off).is_err());
        assert_eq!(
            same::<NaiveDate>(row, 6),
            NaiveDate::from_ymd_opt(2027, 4, 7).unwrap()
        );
        assert_eq!(
            same::<Option<NaiveDate>>(row, 7),
            NaiveDate::from_ymd_opt(1999, 12, 31)
        );
        let at =
            |text: &str| -> DateTime<Utc> { DateTime::parse_from_rfc3339(text).unwrap().to_utc() };
        assert_eq!(
            same::<DateTime<Utc>>(row, 8),
            at("2025-10-15T09:14:51.945051+00:00")
        );
        assert_eq!(same::<DateTime<Utc>>(row, 9), at("1969-07-20T20:17:40Z"));
        assert_eq!(same::<Option<DateTime<Utc>>>(row, 12), None);
        assert_eq!(
            same::<entities::plan::PlanStatus>(row, 10),
            entities::plan::PlanStatus::Active
        );
        assert!(<entities::plan::PlanStatus as Field>::read(row, 1, Checks::Off).is_err());
        assert!(<NaiveDate as Field>::read(row, 11, Checks::Off).is_err());
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
