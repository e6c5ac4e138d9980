//! Dates and times as SQLite holds them (text, as the driver writes them): `2027-04-07`, and
//! `2025-10-15T09:14:51.945051585+00:00`. Only that form is read here, each field by its
//! place; anything else is None, for the driver to parse as it would.
use chrono::{DateTime, NaiveDate, Utc};

/// `YYYY-MM-DD`.
pub fn date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// `YYYY-MM-DDTHH:MM:SS`, a fraction of a second of up to nine digits or none, and `Z` or
/// `+00:00`.
pub fn utc(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = date(text.get(..10)?)?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let rest = &b[19..];
    let (nanos, offset) = match rest.first() {
        Some(b'.') => {
            let figures = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&figures) {
                return None;
            }
            let fraction = digits(&rest[1..=figures])?;
            (
                fraction * 10u32.pow(9 - figures as u32),
                &rest[1 + figures..],
            )
        }
        _ => (0, rest),
    };
    if offset != b"Z" && offset != b"+00:00" {
        return None;
    }
    // A leap second (60) is left to the driver: `and_hms_nano_opt` refuses it.
    Some(day.and_hms_nano_opt(hour, minute, second, nanos)?.and_utc())
}

/// An unsigned number written with ASCII digits only.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::SecondsFormat;
    use proptest::prelude::*;

    /// As the driver parses them (`sqlx-sqlite`: RFC 3339 first, `%F` for a date).
    fn by_chrono(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
    }

    fn any_time() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..253_402_300_799, 0u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
    }

    proptest! {
        #[test]
        fn reads_every_time_as_the_driver_writes_it(time in any_time(), z in any::<bool>()) {
            for format in [SecondsFormat::AutoSi, SecondsFormat::Nanos, SecondsFormat::Micros, SecondsFormat::Secs] {
                let text = time.to_rfc3339_opts(format, z);
                prop_assert_eq!(utc(&text), by_chrono(&text), "{}", text);
                prop_assert!(utc(&text).is_some(), "{}", text);
            }
        }

        #[test]
        fn reads_every_date_as_the_driver_does(days in 0i32..3_652_059) {
            let day = NaiveDate::from_num_days_from_ce_opt(days + 1).unwrap();
            let text = day.format("%F").to_string();
            prop_assert_eq!(date(&text), Some(day));
            prop_assert_eq!(date(&text), NaiveDate::parse_from_str(&text, "%F").ok());
        }

        /// Whatever it reads, the driver reads the same; what it does not, it leaves.
        #[test]
        fn never_reads_otherwise_than_the_driver(
            time in any_time(),
            at in 0usize..40,
            with in "[0-9:.TZ+ -]",
        ) {
            let mut text = time.to_rfc3339_opts(SecondsFormat::AutoSi, false);
            if at < text.len() {
                text.replace_range(at..=at, &with);
            }
            if let Some(read) = utc(&text) {
                prop_assert_eq!(Some(read), by_chrono(&text), "{}", text);
            }
            let day = &text[..10];
            if let Some(read) = date(day) {
                prop_assert_eq!(Some(read), NaiveDate::parse_from_str(day, "%F").ok(), "{}", day);
            }
        }
    }

    #[test]
    fn leaves_other_forms_to_the_driver() {
        for text in [
            "2025-10-15 09:14:51",
            "2025-10-15T09:14:51+01:00",
            "2025-10-15T09:14:51.1234567891+00:00",
            "2025-10-15T09:14:60+00:00",
            "2025-02-30T09:14:51Z",
            "2025-10-15T24:00:00Z",
            "2025-10-15T09:14:51.+00:00",
            "",
        ] {
            assert_eq!(utc(text), None, "{text}");
        }
        for text in [
            "2025-1-05",
            "2025-02-30",
            "+2025-10-15",
            "20251015",
            "2025-10-1a",
        ] {
            assert_eq!(date(text), None, "{text}");
        }
        assert_eq!(
            utc("2025-10-15T09:14:51.945051585+00:00"),
            by_chrono("2025-10-15T09:14:51.945051585+00:00")
        );
    }
}
