//! Issue 14, "I don't feel safe": a young person (or an adult of the family) says, in a few
//! words or none, that they do not feel safe.
//!
//! In the one transaction that answers them:
//! - an urgent request for support with the 2-hour clock (`support_requests::open_urgent`):
//!   they are its asker, nobody else in the family ever sees it; the hub's screeners are
//!   told by that request's own notification (`URGENT_SUPPORT_REQUEST`);
//! - the lead professional of the family's current plan is told (`SOMEONE_DOES_NOT_FEEL_SAFE`:
//!   which family, no name, no words), only while the access rules still let them read the
//!   family's voice;
//! - an audit entry of kind `alert`, which the family's own access log never shows (only a
//!   locality manager's full trail does).
//!
//! Nobody in the family is told anything, the one who said it included: what happens next
//! and the helplines are in the answer itself (a push on a shared phone could be seen).
//! Each call is one alert; a retry with the same idempotency key gets the first answer back.
use super::support_requests::{self, Clocks, UrgentSource};
use super::{audit, notify, text};
use crate::access::{Action, Ages, Permit};
use crate::error::{AppError, AppResult, UserError};
use entities::support_request;
use sea_orm::ConnectionTrait;

/// Longest message, in characters: a few words.
pub const MAX_WORDS: usize = 2000;

/// What the audit trail says (no words, no name: the actor is recorded beside it).
const AUDITED: &str =
    "said they do not feel safe: an urgent alert went to the hub and the lead professional";

/// A number to call, shown beside the button and in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helpline {
    pub name: String,
    pub number: String,
    /// When to call it, in plain words.
    pub text: String,
    pub url: Option<String>,
}

/// The configured helplines, in the order shown (a setting, checked at start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helplines(pub Vec<Helpline>);

impl Helplines {
    /// The default: the emergency services and Childline.
    pub const DEFAULT: &str = "Emergency|999|If you or someone else is in danger right now.;\
Childline|0800 1111|Free, any time, day or night. The call does not show on the phone bill.|https://www.childline.org.uk";

    /// Parses `name|number|text|url` entries separated by `;` (the url may be left out).
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut lines = vec![];
        for entry in value.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let fields: Vec<&str> = entry.split('|').map(str::trim).collect();
            let (name, number, text, url) = match fields.as_slice() {
                [name, number, text] => (*name, *number, *text, None),
                [name, number, text, url] => (*name, *number, *text, Some(*url)),
                _ => {
                    return Err(format!(
                        "`{entry}`: give each helpline as name|number|text or name|number|text|url"
                    ));
                }
            };
            if name.is_empty() || text.is_empty() || name.len() > 100 || text.len() > 300 {
                return Err(format!(
                    "`{entry}`: a helpline needs a name (up to 100 characters) and a line of text (up to 300)"
                ));
            }
            let digits = number.chars().filter(char::is_ascii_digit).count();
            if !(3..=15).contains(&digits)
                || !number
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +()-".contains(c))
            {
                return Err(format!(
                    "`{entry}`: the number must be 3 to 15 digits (spaces, +, (, ) and - allowed)"
                ));
            }
            if let Some(url) = url
                && (!url.starts_with("https://") || url.contains(char::is_whitespace))
            {
                return Err(format!("`{entry}`: the url must start with https://"));
            }
            lines.push(Helpline {
                name: name.to_owned(),
                number: number.to_owned(),
                text: text.to_owned(),
                url: url.map(str::to_owned),
            });
        }
        if lines.is_empty() {
            return Err("give at least one helpline (e.g. Emergency|999|In danger now)".into());
        }
        Ok(Self(lines))
    }
}

/// What was done, for the answer.
#[derive(Debug, Clone)]
pub struct Said {
    pub request: support_request::Model,
    /// The lead professional was told.
    pub lead_told: bool,
    /// Hours the hub has to act (the urgent clock).
    pub within_hours: i64,
}

impl Said {
    /// What happens next, in words a child understands.
    pub fn what_happens_next(&self) -> String {
        let who = if self.lead_told {
            "the Early Help team and your lead professional"
        } else {
            "the Early Help team"
        };
        let within = match self.within_hours {
            h if h <= 1 => "an hour".to_owned(),
            h => format!("{h} hours"),
        };
        format!(
            "Thank you for telling us. We have let {who} know straight away. Someone will look \
at it within {within} and get in touch with you. We have not told anyone in your family. \
If you are in danger right now, call 999."
        )
    }
}

/// Raises the alert for the member acting under `permit` (granted [`Action::SayNotSafe`] in
/// the transaction `db`). `words` may be empty.
pub async fn say(
    db: &impl ConnectionTrait,
    permit: &Permit,
    words: Option<&str>,
    clocks: &Clocks,
    ages: Ages,
) -> AppResult<Said> {
    let (Some(_), Some(family_id)) = (permit.actor().member_id(), permit.family_id()) else {
        return Err(AppError::Forbidden);
    };
    let mut errors: Vec<UserError> = vec![];
    let words = words
        .filter(|w| !w.trim().is_empty())
        .map(|w| text::required("words", "what is happening", w, MAX_WORDS, &mut errors));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let request = support_requests::open_urgent(
        db,
        permit,
        family_id,
        UrgentSource::FeelingUnsafe,
        words.as_deref(),
        clocks,
    )
    .await?;
    let lead_told = tell_lead(db, permit, family_id, ages).await?;
    audit::record(
        db,
        family_id,
        permit.actor(),
        audit::Kind::Alert,
        AUDITED,
        permit.at(),
    )
    .await?;
    Ok(Said {
        request,
        lead_told,
        within_hours: clocks.urgent.num_hours(),
    })
}

/// Tells the lead professional of the family's current plan, if there is one and the rules
/// still let them read the family's voice (on the team, covered by consent or their own
/// override): a lead whose access has gone hears nothing. Whether they were told (as the
/// lead, or already as one of the hub's screeners).
async fn tell_lead(
    db: &impl ConnectionTrait,
    permit: &Permit,
    family_id: uuid::Uuid,
    ages: Ages,
) -> AppResult<bool> {
    let Some(lead) = super::plans::current(db, family_id)
        .await?
        .and_then(|p| p.lead_professional_id)
    else {
        return Ok(false);
    };
    let about = notify::About::family(family_id);
    let Some(notice) = notify::Notice::of(permit, notify::Kind::SomeoneDoesNotFeelSafe, about)
    else {
        return Ok(false);
    };
    let read_voice = Action::ReadVoice { family_id };
    let Some(account) =
        Permit::practitioner_allowed(db, lead, read_voice, permit.at(), ages).await?
    else {
        return Ok(false);
    };
    // A lead who also screens for the hub has just been told of the urgent request: once.
    if notify::accounts_of_roles(db, Permit::screeners())
        .await?
        .contains(&account)
    {
        return Ok(true);
    }
    let told = notify::tell(db, &notice, &[account], permit.at()).await?;
    Ok(!told.is_empty())
}

#[cfg(test)]
mod tests {
    use super::Helplines;

    #[test]
    fn the_default_helplines_parse() {
        let parsed = Helplines::parse(Helplines::DEFAULT).unwrap_or(Helplines(vec![]));
        assert_eq!(parsed.0.len(), 2);
        assert_eq!(parsed.0[0].number, "999");
        assert_eq!(parsed.0[1].name, "Childline");
        assert!(parsed.0[1].url.is_some());
    }

    #[test]
    fn bad_helplines_are_refused() {
        for bad in [
            "",
            "Emergency|999",
            "Emergency|call us|In danger",
            "|999|In danger",
            "Emergency|999|In danger|http://insecure.example",
            "Emergency|12|In danger",
        ] {
            assert!(Helplines::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
