//! The texts of every email. Rule: say what needs the reader's attention and link to the app;
//! never a name, a family's details or anything about their plan.
use super::Email;

/// An invitation to set up a passkey and sign in.
pub fn invitation(link: &str, valid_days: i64) -> Email {
    Email {
        subject: "You are invited to Family Plan".to_owned(),
        body: format!(
            "Hello,\r\n\
             \r\n\
             You have been invited to sign in to Family Plan.\r\n\
             Open this link on your phone to set up a passkey and sign in:\r\n\
             \r\n\
             {link}\r\n\
             \r\n\
             The link works once and stops working after {valid_days} days.\r\n\
             If you were not expecting this email, you can ignore it.\r\n"
        ),
    }
}

/// To locality managers: a safeguarding override waits for their review.
pub fn safeguarding_review_needed(link: &str) -> Email {
    Email {
        subject: "A safeguarding override needs your review".to_owned(),
        body: format!(
            "Hello,\r\n\
             \r\n\
             A practitioner has used the safeguarding override to see a family's information\r\n\
             without consent. Please review it in Family Plan:\r\n\
             \r\n\
             {link}\r\n"
        ),
    }
}
