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

/// One email shape for the notifications below: a line saying what needs attention, then
/// the link. Nothing about who or which family.
fn attention(subject: &str, line: &str, link: &str) -> Email {
    Email {
        subject: subject.to_owned(),
        body: format!(
            "Hello,\r\n\
             \r\n\
             {line}\r\n\
             Please open Family Plan to see it:\r\n\
             \r\n\
             {link}\r\n"
        ),
    }
}

/// To a practitioner: a family has asked them to be its lead professional.
pub fn lead_nomination_received(link: &str) -> Email {
    attention(
        "You have been asked to be a lead professional",
        "A family has asked you to be their lead professional and is waiting for your answer.",
        link,
    )
}

/// To the family adults: the practitioner they nominated has answered.
pub fn lead_nomination_answered(link: &str) -> Email {
    attention(
        "Your lead professional nomination has an answer",
        "The practitioner you asked to be your lead professional has answered.",
        link,
    )
}

/// To locality managers: a nomination was not answered in time.
pub fn lead_nomination_overdue(link: &str) -> Email {
    attention(
        "A lead professional nomination needs your attention",
        "A family's lead professional nomination has not been answered in time.",
        link,
    )
}

/// To the family adults: a practitioner changed their plan (at most one an hour).
pub fn plan_changed_by_practitioner(link: &str) -> Email {
    attention(
        "Your family plan has changed",
        "Someone working with your family has made changes to your plan.",
        link,
    )
}

/// To the lead professional: the family changed their plan (at most one an hour).
pub fn plan_changed_by_family(link: &str) -> Email {
    attention(
        "A family you lead has changed their plan",
        "A family you are lead professional for has made changes to their plan.",
        link,
    )
}
