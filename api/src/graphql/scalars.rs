use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

impl Date {
    /// How a date is written, for a variable that is not one.
    pub const HOW_WRITTEN: &str = "write it as YYYY-MM-DD, for example 2015-04-30";

    fn read(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Date)
    }
}

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Date::read(s).ok_or_else(|| {
                InputValueError::custom(
                    "Please give the date as YYYY-MM-DD, for example 2015-04-30.",
                )
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Lets validation, and the check of variables before anything runs, refuse a value
    /// that is not a date (the spec's input coercion), instead of the field failing later.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if Date::read(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}
