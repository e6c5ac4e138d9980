//! Each person's own choices (a young person's are theirs, like anyone's): per kind, whether
//! it comes by email and by push (the inbox always has it), and quiet hours, local time, in
//! which nothing is pushed: what falls in them is pushed when they end.
use super::Kind;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, Utc};
use entities::{notification_preference, notification_setting};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use uuid::Uuid;

/// Quiet hours when a person has not chosen: 21:00 to 07:00, UK time.
pub const DEFAULT_QUIET: (i32, i32) = (21 * 60, 7 * 60);
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

/// How one kind reaches one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub email: bool,
    pub push: bool,
    pub quiet: Quiet,
}

impl Default for Choice {
    fn default() -> Self {
        Self {
            email: true,
            push: true,
            quiet: Quiet::default(),
        }
    }
}

/// Quiet hours: `window` is (from, to) in minutes after local midnight, None for none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiet {
    pub window: Option<(i32, i32)>,
    pub time_zone: String,
}

impl Default for Quiet {
    fn default() -> Self {
        Self {
            window: Some(DEFAULT_QUIET),
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
        }
    }
}

impl Quiet {
    fn of(row: &notification_setting::Model) -> Self {
        Self {
            window: row.quiet_from_minute.zip(row.quiet_to_minute),
            time_zone: row.time_zone.clone(),
        }
    }

    /// When a push due at `at` may go: `at` itself, or the end of the quiet hours it falls in.
    pub fn release(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let Some((from, to)) = self.window.filter(|(from, to)| from != to) else {
            return at;
        };
        let (Ok(tz), Ok(instant)) = (
            jiff::tz::TimeZone::get(&self.time_zone),
            jiff::Timestamp::from_microsecond(at.timestamp_micros()),
        ) else {
            return at;
        };
        let local = instant.to_zoned(tz.clone());
        let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
        let inside = if from < to {
            (from..to).contains(&minute)
        } else {
            minute >= from || minute < to
        };
        if !inside {
            return at;
        }
        let day = if minute < to {
            Ok(local.date())
        } else {
            local.date().tomorrow()
        };
        let end = day.and_then(|day| {
            let (hour, min) = (
                i8::try_from(to / 60).unwrap_or(0),
                i8::try_from(to % 60).unwrap_or(0),
            );
            day.at(hour, min, 0, 0).to_zoned(tz)
        });
        match end {
            Ok(end) => {
                DateTime::from_timestamp_micros(end.timestamp().as_microsecond()).unwrap_or(at)
            }
            Err(_) => at,
        }
    }
}

/// Every person's choice for `kind` (defaults where they have not chosen).
pub async fn for_accounts(
    db: &impl ConnectionTrait,
    accounts: &[Uuid],
    kind: Kind,
) -> AppResult<HashMap<Uuid, Choice>> {
    let spec = kind.spec();
    let rows = notification_preference::Entity::find()
        .filter(notification_preference::Column::AccountId.is_in(accounts.to_vec()))
        .filter(notification_preference::Column::Kind.eq(spec.code))
        .all(db)
        .await?;
    let settings = notification_setting::Entity::find()
        .filter(notification_setting::Column::AccountId.is_in(accounts.to_vec()))
        .all(db)
        .await?;
    Ok(accounts
        .iter()
        .map(|&account_id| {
            let chosen = rows.iter().find(|r| r.account_id == account_id);
            let quiet = settings
                .iter()
                .find(|s| s.account_id == account_id)
                .map(Quiet::of)
                .unwrap_or_default();
            let choice = Choice {
                email: chosen.map_or(spec.by_email, |r| r.email),
                push: chosen.map_or(spec.by_push, |r| r.push),
                quiet,
            };
            (account_id, choice)
        })
        .collect())
}

/// One person's choices: every kind, and their quiet hours.
pub struct Preferences {
    pub kinds: Vec<(Kind, bool, bool)>,
    pub quiet: Quiet,
}

pub async fn of_account(db: &impl ConnectionTrait, account_id: Uuid) -> AppResult<Preferences> {
    let rows = notification_preference::Entity::find()
        .filter(notification_preference::Column::AccountId.eq(account_id))
        .all(db)
        .await?;
    let quiet = notification_setting::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .as_ref()
        .map(Quiet::of)
        .unwrap_or_default();
    let kinds = Kind::ALL
        .into_iter()
        .map(|kind| {
            let spec = kind.spec();
            match rows.iter().find(|r| r.kind == spec.code) {
                Some(r) => (kind, r.email, r.push),
                None => (kind, spec.by_email, spec.by_push),
            }
        })
        .collect();
    Ok(Preferences { kinds, quiet })
}

/// A change of one's own choices. `quiet`: None leaves the quiet hours as they are,
/// Some(None) turns them off.
pub struct Change {
    pub kinds: Vec<(Kind, bool, bool)>,
    pub quiet: Option<Option<QuietChange>>,
}

pub struct QuietChange {
    /// "HH:MM"
    pub from: String,
    pub to: String,
    pub time_zone: Option<String>,
}

/// Reads "HH:MM" as minutes after midnight.
fn minutes(text: &str) -> Option<i32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// "HH:MM" of minutes after midnight.
pub fn clock_time(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Saves `change` as `account_id`'s own choices; bad times or an unknown time zone are the
/// user's to fix, and nothing is stored then.
pub async fn set(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    change: Change,
) -> AppResult<Preferences> {
    let mut errors = vec![];
    let quiet = match &change.quiet {
        None => None,
        Some(None) => Some((None, None, DEFAULT_TIME_ZONE.to_owned())),
        Some(Some(q)) => {
            let from = minutes(&q.from);
            let to = minutes(&q.to);
            if from.is_none() {
                errors.push(time_error("from"));
            }
            if to.is_none() {
                errors.push(time_error("to"));
            }
            let zone = q
                .time_zone
                .clone()
                .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
            if jiff::tz::TimeZone::get(&zone).is_err() {
                errors.push(UserError::new(
                    &["quietHours", "timeZone"],
                    UserErrorCode::Invalid,
                    "We do not know that time zone. Please use a name such as Europe/London.",
                ));
            }
            Some((from, to, zone))
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    for (kind, email, push) in change.kinds {
        let code = kind.code().to_owned();
        let found = notification_preference::Entity::find_by_id((account_id, code.clone()))
            .one(db)
            .await?;
        let row = notification_preference::ActiveModel {
            account_id: Set(account_id),
            kind: Set(code),
            email: Set(email),
            push: Set(push),
        };
        if found.is_some() {
            row.update(db).await?;
        } else {
            row.insert(db).await?;
        }
    }
    if let Some((from, to, zone)) = quiet {
        let found = notification_setting::Entity::find_by_id(account_id)
            .one(db)
            .await?;
        let row = notification_setting::ActiveModel {
            account_id: Set(account_id),
            quiet_from_minute: Set(from),
            quiet_to_minute: Set(to),
            time_zone: Set(zone),
        };
        if found.is_some() {
            row.update(db).await?;
        } else {
            row.insert(db).await?;
        }
    }
    of_account(db, account_id).await
}

fn time_error(field: &str) -> UserError {
    UserError::new(
        &["quietHours", field],
        UserErrorCode::Invalid,
        "Please give a time of day as HH:MM, for example 21:00.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn pushes_in_quiet_hours_wait_for_the_morning_in_uk_time() {
        let quiet = Quiet::default();
        // 22:30 UTC in December is 22:30 in London: held until 07:00 the next day.
        let night = Utc.with_ymd_and_hms(2026, 12, 2, 22, 30, 0).unwrap();
        assert_eq!(
            quiet.release(night),
            Utc.with_ymd_and_hms(2026, 12, 3, 7, 0, 0).unwrap()
        );
        // 05:00 is before the end of the same night.
        let early = Utc.with_ymd_and_hms(2026, 12, 3, 5, 0, 0).unwrap();
        assert_eq!(
            quiet.release(early),
            Utc.with_ymd_and_hms(2026, 12, 3, 7, 0, 0).unwrap()
        );
        // In June, London is an hour ahead: 20:30 UTC is 21:30 local, released at 06:00 UTC.
        let summer = Utc.with_ymd_and_hms(2026, 6, 2, 20, 30, 0).unwrap();
        assert_eq!(
            quiet.release(summer),
            Utc.with_ymd_and_hms(2026, 6, 3, 6, 0, 0).unwrap()
        );
        let day = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
        assert_eq!(quiet.release(day), day);
        let none = Quiet {
            window: None,
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
        };
        assert_eq!(none.release(night), night);
    }

    #[test]
    fn times_of_day_are_hh_mm() {
        assert_eq!(minutes("21:00"), Some(1260));
        assert_eq!(minutes("07:05"), Some(425));
        assert_eq!(minutes("24:00"), None);
        assert_eq!(minutes("7:00"), None);
        assert_eq!(clock_time(425), "07:05");
    }
}
