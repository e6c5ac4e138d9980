//! One error type for the whole service, mapped to GraphQL in one place.
//!
//! - `Invalid` carries problems the user can fix; resolvers turn it into a payload's `userErrors`.
//! - Everything else becomes a GraphQL error with `extensions.code`.
//! - `Internal` keeps its cause for the log; the client sees an opaque, kind message.
use async_graphql::ErrorExtensions;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("Your session has ended. Please sign in again.")]
    SessionExpired,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error(
        "The family has not given consent for your organisation to see or change this. Ask the family, or their lead professional, about consent."
    )]
    ConsentRequired,
    #[error("We could not find that. It may have been removed, or the link may be wrong.")]
    NotFound,
    #[error("{0}")]
    BadUserInput(String),
    #[error("There have been too many attempts. Please wait a few minutes and try again.")]
    RateLimited,
    /// The request asks for more than one request may (see `graphql::limits`).
    #[error("{0}")]
    TooLarge(String),
    /// The database cannot be reached or is too busy: try again shortly (HTTP 503).
    #[error("The service is busy or briefly unavailable. Please try again in a moment.")]
    Unavailable(#[source] anyhow::Error),
    #[error("Please check the details you entered.")]
    Invalid(Vec<UserError>),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::SessionExpired => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::ConsentRequired => "CONSENT_REQUIRED",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput(_) | Self::Invalid(_) => "BAD_USER_INPUT",
            Self::RateLimited => "TOO_MANY_REQUESTS",
            Self::TooLarge(_) => "QUERY_TOO_LARGE",
            Self::Unavailable(_) => SERVICE_UNAVAILABLE,
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    pub fn invalid(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![UserError::new(field, code, message)])
    }
}

/// The code of errors caused by the database being unreachable or saturated; the HTTP layer
/// answers 503 with `Retry-After` for any response that carries it.
pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::db::is_unavailable(&err) {
            Self::Unavailable(err.into())
        } else {
            Self::Internal(err.into())
        }
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        match self {
            Self::Internal(cause) => tracing::error!(error = %cause, "request failed"),
            Self::Unavailable(cause) => {
                tracing::warn!(error = %cause, "request failed: database unavailable");
            }
            _ => {}
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| e.set("code", self.code()))
    }
}

/// What a resolver returns on failure: an [`AppError`] already mapped to a GraphQL error with
/// `extensions.code`. Deliberately not `Display`: async-graphql converts any `Display` type into
/// an error without extensions, which would silently drop the code.
#[derive(Clone, Debug)]
pub struct GqlError(async_graphql::Error);

impl From<AppError> for GqlError {
    fn from(err: AppError) -> Self {
        Self(err.extend())
    }
}

impl From<GqlError> for async_graphql::Error {
    fn from(err: GqlError) -> Self {
        err.0
    }
}

impl From<sea_orm::DbErr> for GqlError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::from(err).into()
    }
}

pub type GqlResult<T> = Result<T, GqlError>;

/// A problem with the input that the person can put right.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
pub struct UserError {
    /// Path to the input field, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    pub code: UserErrorCode,
    pub message: String,
}

impl UserError {
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        let mut path = vec!["input".to_owned()];
        path.extend(field.iter().map(|f| (*f).to_owned()));
        Self {
            field: path,
            code,
            message: message.into(),
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum UserErrorCode {
    /// A required value is missing or blank.
    Required,
    /// The value is not in the expected form.
    Invalid,
    /// The value is longer than allowed.
    TooLong,
    /// The value is outside the allowed range.
    OutOfRange,
    /// Another record already uses this value.
    Taken,
    /// A referenced record does not exist.
    NotFound,
    /// The change would not change anything.
    Unchanged,
    /// Someone else changed the same thing first; look again and retry.
    Conflict,
    /// The family's consent does not cover this.
    ConsentRequired,
    /// The plan changed since the version the change was based on; nothing was changed.
    StaleVersion,
    /// The thing is not in a state that allows this (for example, a closed plan).
    NotAllowedNow,
}

pub type AppResult<T> = Result<T, AppError>;
