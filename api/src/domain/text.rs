//! Checks for text that people type, with messages a family can read.
use crate::error::{UserError, UserErrorCode};

/// Trims the value and checks it is present and not too long.
pub fn required(
    field: &str,
    label: &str,
    value: &str,
    max_chars: usize,
    errors: &mut Vec<UserError>,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.push(UserError::new(
            &[field],
            UserErrorCode::Required,
            format!("Please enter {label}."),
        ));
    } else if value.chars().count() > max_chars {
        errors.push(UserError::new(
            &[field],
            UserErrorCode::TooLong,
            format!("Please keep {label} to {max_chars} characters or fewer."),
        ));
    }
    value.to_owned()
}

/// A light check that an email address has a name, an `@` and a domain with a dot.
pub fn email(field: &str, value: &str, errors: &mut Vec<UserError>) -> String {
    let value = super::accounts::normalise_email(value);
    let valid = match value.split_once('@') {
        Some((name, domain)) => {
            !name.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.contains(char::is_whitespace)
                && value.len() <= 254
        }
        None => false,
    };
    if !valid {
        errors.push(UserError::new(
            &[field],
            UserErrorCode::Invalid,
            "Please enter an email address like name@example.org.",
        ));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        let mut errors = vec![];
        assert_eq!(
            email("email", "  Sam@School.Example ", &mut errors),
            "sam@school.example"
        );
        assert!(errors.is_empty());
        for bad in [
            "",
            "sam",
            "sam@",
            "@x.org",
            "sam@localhost",
            "sam@x.org.",
            "s m@x.org",
        ] {
            let mut errors = vec![];
            email("email", bad, &mut errors);
            assert_eq!(errors.len(), 1, "{bad:?} should be refused");
        }
    }

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        let mut errors = vec![];
        assert_eq!(
            required("name", "a name", "  Dana ", 10, &mut errors),
            "Dana"
        );
        assert!(errors.is_empty());
        required("name", "a name", "   ", 10, &mut errors);
        required("name", "a name", "ABCDEFGHIJK", 10, &mut errors);
        let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, [UserErrorCode::Required, UserErrorCode::TooLong]);
        assert_eq!(errors[0].field, ["input", "name"]);
    }
}
