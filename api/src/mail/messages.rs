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

/// To a lead professional: a young person they work with has sent a view to read.
pub fn young_person_view_to_read(link: &str) -> Email {
    Email {
        subject: "There is something new for you to read".to_owned(),
        body: format!(
            "Hello,\r\n\
             \r\n\
             A young person you work with has sent you something to read in Family Plan:\r\n\
             \r\n\
             {link}\r\n"
        ),
    }
}

/// Six months after a plan closed: an invitation to say how things are.
pub fn follow_up_invitation(link: &str) -> Email {
    Email {
        subject: "How are things now?".to_owned(),
        body: format!(
            "Hello,\r\n\
             \r\n\
             We would like to hear how things are for you now. There are three short\r\n\
             questions for you in Family Plan:\r\n\
             \r\n\
             {link}\r\n\
             \r\n\
             Answering is up to you.\r\n"
        ),
    }
}

/// Two weeks on, when the follow-up is still unanswered.
pub fn follow_up_reminder(link: &str) -> Email {
    Email {
        subject: "A reminder: how are things now?".to_owned(),
        body: format!(
            "Hello,\r\n\
             \r\n\
             A little while ago we asked how things are for you now. If you would like to tell\r\n\
             us, the three short questions are still in Family Plan:\r\n\
             \r\n\
             {link}\r\n\
             \r\n\
             Answering is up to you.\r\n"
        ),
    }
}

/// To an adult of the household: a parent has shared the family's plan with them, or stopped.
pub fn household_sharing_changed(link: &str) -> Email {
    attention(
        "What you can see in Family Plan has changed",
        "A parent in your household has changed what you can see of your family's plan.",
        link,
    )
}

/// Issue 14: to a young person and their parents: as the young person grew up, what their
/// parents see of their part of the plan changed. No names, no ages.
pub fn parents_view_changed(link: &str) -> Email {
    attention(
        "Who can see what in Family Plan has changed",
        "As a young person in your family grows up, what their parents or carers can see of their part of the plan has changed.",
        link,
    )
}

// Issue 17: the front door.

/// To hub workers: a request where a child may be at risk of significant harm has arrived.
pub fn urgent_support_request(link: &str) -> Email {
    attention(
        "An urgent request for support has arrived",
        "A request for support where a child may be at risk of significant harm is waiting for an urgent decision.",
        link,
    )
}

/// To whoever asked or referred: the hub has a question about their request.
pub fn support_question_asked(link: &str) -> Email {
    attention(
        "The Early Help Hub has a question for you",
        "The Early Help Hub has asked a question about a request for support.",
        link,
    )
}

/// To whoever asked or referred: the hub has decided.
pub fn support_request_decided(link: &str) -> Email {
    attention(
        "Your request for support has an answer",
        "The Early Help Hub has decided what help is right for a request for support.",
        link,
    )
}

/// To locality managers: a request for support was not decided in time.
pub fn support_clock_missed(link: &str) -> Email {
    attention(
        "A request for support needs your attention",
        "A request for support has not been decided within its time.",
        link,
    )
}

/// To locality managers: an urgent request (significant harm) was not decided in time.
pub fn support_clock_missed_urgent(link: &str) -> Email {
    attention(
        "An urgent request for support needs your attention",
        "An urgent request for support (a child may be at risk of significant harm) has not been decided within its time.",
        link,
    )
}

/// To a practitioner: the hub answered their consultation.
pub fn consultation_answered(link: &str) -> Email {
    attention(
        "The Early Help Hub has answered your consultation",
        "The Early Help Hub has given its advice on a situation you asked about.",
        link,
    )
}

// Issue 14: "I don't feel safe", and changes of what parents see.

/// To the lead professional: someone in a family they lead said they do not feel safe. No
/// name, no family, no words: the app shows the rest to whoever may see it.
pub fn someone_does_not_feel_safe(link: &str) -> Email {
    attention(
        "Urgent: someone in a family you lead does not feel safe",
        "Someone in a family you lead has said, through Family Plan, that they do not feel safe. The Early Help Hub has been alerted too. Please open Family Plan now.",
        link,
    )
}

/// To parents: a young person in the family shared something they wrote with them.
pub fn shared_with_you(link: &str) -> Email {
    attention(
        "Something has been shared with you in Family Plan",
        "A young person in your family has shared something they wrote with you.",
        link,
    )
}
