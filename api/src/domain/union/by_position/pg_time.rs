//! Dates and times as PostgreSQL sends them in binary: days (a date) and microseconds (a
//! time with its zone) from 2000-01-01, read by the count. None where chrono cannot hold
//! the value (PostgreSQL's infinities among them).
use chrono::{DateTime, NaiveDate, Utc};

/// Days from 0001-01-01 (day 1) to 2000-01-01.
const DAYS_TO_2000: i32 = 730_120;
/// Microseconds from 1970-01-01 to 2000-01-01.
const MICROS_TO_2000: i64 = 946_684_800_000_000;

pub fn date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(DAYS_TO_2000)?)
}

pub fn utc(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros.checked_add(MICROS_TO_2000)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// As the driver reads them: 2000-01-01 plus the count (where it does not overflow).
    fn epoch() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2000, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    proptest! {
        #[test]
        fn a_date_is_the_day_the_driver_reads(days in any::<i32>()) {
            let driver = epoch().date().checked_add_signed(chrono::Duration::days(days.into()));
            prop_assert_eq!(date(days), driver);
        }

        #[test]
        fn a_time_is_the_instant_the_driver_reads(micros in any::<i64>()) {
            let driver = epoch()
                .checked_add_signed(chrono::Duration::microseconds(micros))
                .map(|t| t.and_utc());
            prop_assert_eq!(utc(micros), driver);
        }

        #[test]
        fn times_of_this_age_are_read(micros in -2_000_000_000_000_000i64..4_000_000_000_000_000) {
            prop_assert!(utc(micros).is_some());
        }
    }

    #[test]
    fn the_counts_start_on_the_first_of_january_2000() {
        assert_eq!(date(0), NaiveDate::from_ymd_opt(2000, 1, 1));
        assert_eq!(date(-1), NaiveDate::from_ymd_opt(1999, 12, 31));
        assert_eq!(
            utc(1).unwrap().to_rfc3339(),
            "2000-01-01T00:00:00.000001+00:00"
        );
        assert_eq!(date(i32::MAX), None);
        assert_eq!(utc(i64::MAX), None);
        assert_eq!(utc(i64::MIN), None);
    }
}
