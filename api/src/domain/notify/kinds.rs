//! **What people are told**: one row per kind of notification. A row names the kind's code
//! (stored with each notification), the line a push and the inbox show, the email sent for it
//! (DESIGN rule 8: what needs attention and a link, nothing else), what the app opens, who may
//! still see it ([`Gate`]: an action of the access table, asked again each time the
//! notification is shown), and whether email and push are on when the person has not chosen.
//!
//! A new kind is one variant, one row in [`Kind::spec`] and one entry in [`Kind::ALL`].
use crate::access::Action;
use crate::mail::{Email, messages};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    LeadNominationReceived,
    LeadNominationAnswered,
    LeadNominationOverdue,
    PlanChangedByPractitioner,
    PlanChangedByFamily,
    YoungPersonViewToRead,
    FollowUpInvitation,
    FollowUpReminder,
    SafeguardingReviewNeeded,
    HouseholdSharingChanged,
    /// An email sent through [`crate::mail::enqueue`] to someone who signs in, by code that
    /// does not name a kind yet: the inbox says something needs their attention.
    Attention,
    // Issue 14: "I don't feel safe", and changes of what parents see.
    /// To the hub's screeners: an urgent request for support (a child may be at risk of
    /// significant harm, or someone said they do not feel safe) waits for a decision.
    UrgentSupportRequest,
    /// To the lead professional: someone in a family they lead does not feel safe.
    SomeoneDoesNotFeelSafe,
    /// To a young person and their parents: what the parents see changed as the young person
    /// grew up.
    ParentsViewChanged,
    /// To parents: a young person shared something they wrote with them.
    SharedWithYou,
    // Issue 17: the front door.
    /// The family member who asked: the hub has a question about their request.
    SupportQuestionAsked,
    /// The professional who referred: the hub has a question about their referral.
    ReferralQuestionAsked,
    /// The family member who asked: the hub decided their request.
    SupportRequestDecided,
    /// The professional who referred: the hub decided their referral.
    ReferralDecided,
    /// Locality managers: a request was not decided within its clock.
    SupportClockMissed,
    /// Locality managers: an urgent request was not decided within its 2-hour clock.
    SupportClockMissedUrgent,
    /// The practitioner who asked the consultation line: the hub answered.
    ConsultationAnswered,
}

/// Who may still see a notification: asked through the access rules whenever it is shown, so
/// that a withdrawn consent (say) hides it at once.
#[derive(Debug, Clone, Copy)]
pub enum Gate {
    /// Anyone it was sent to (it points at nothing).
    Recipient,
    /// Whoever the rules allow this action.
    Action(Action),
    /// Whoever the rules allow this action on the family it is about.
    Family(fn(Uuid) -> Action),
}

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub code: &'static str,
    /// The push's title and the inbox's line: never a name or anyone's words.
    pub title: &'static str,
    /// The email for it, given the link into the app; None: the caller wrote its own.
    pub email: Option<fn(&str) -> Email>,
    /// Where the app (and the email's link) opens it.
    pub path: &'static str,
    pub gate: Gate,
    /// Sent by email when the person has not chosen.
    pub by_email: bool,
    /// Pushed when the person has not chosen.
    pub by_push: bool,
}

const fn spec(
    code: &'static str,
    title: &'static str,
    email: fn(&str) -> Email,
    path: &'static str,
    gate: Gate,
) -> Spec {
    Spec {
        code,
        title,
        email: Some(email),
        path,
        gate,
        by_email: true,
        by_push: true,
    }
}

impl Kind {
    pub const ALL: [Kind; 22] = [
        Kind::LeadNominationReceived,
        Kind::LeadNominationAnswered,
        Kind::LeadNominationOverdue,
        Kind::PlanChangedByPractitioner,
        Kind::PlanChangedByFamily,
        Kind::YoungPersonViewToRead,
        Kind::FollowUpInvitation,
        Kind::FollowUpReminder,
        Kind::SafeguardingReviewNeeded,
        Kind::HouseholdSharingChanged,
        Kind::Attention,
        // Issue 14.
        Kind::UrgentSupportRequest,
        Kind::SomeoneDoesNotFeelSafe,
        Kind::ParentsViewChanged,
        Kind::SharedWithYou,
        // Issue 17.
        Kind::SupportQuestionAsked,
        Kind::ReferralQuestionAsked,
        Kind::SupportRequestDecided,
        Kind::ReferralDecided,
        Kind::SupportClockMissed,
        Kind::SupportClockMissedUrgent,
        Kind::ConsultationAnswered,
    ];

    /// The table.
    pub fn spec(self) -> Spec {
        use Gate::*;
        use Kind::*;
        match self {
            LeadNominationReceived => spec(
                "LEAD_NOMINATION_RECEIVED",
                "You have been asked to be a lead professional",
                messages::lead_nomination_received,
                "/lead-nominations",
                Action(crate::access::Action::ReadOwnNominations),
            ),
            LeadNominationAnswered => spec(
                "LEAD_NOMINATION_ANSWERED",
                "Your lead professional nomination has an answer",
                messages::lead_nomination_answered,
                "/lead-nominations",
                Family(|family_id| crate::access::Action::ReadLeadNominations { family_id }),
            ),
            LeadNominationOverdue => spec(
                "LEAD_NOMINATION_OVERDUE",
                "A lead professional nomination needs your attention",
                messages::lead_nomination_overdue,
                "/lead-nominations/follow-up",
                Action(crate::access::Action::FollowUpLeadNominations),
            ),
            PlanChangedByPractitioner => spec(
                "PLAN_CHANGED_BY_PRACTITIONER",
                "Your plan has changed",
                messages::plan_changed_by_practitioner,
                "/plan",
                Family(|family_id| crate::access::Action::ReadPlan { family_id }),
            ),
            PlanChangedByFamily => spec(
                "PLAN_CHANGED_BY_FAMILY",
                "A family you lead has changed their plan",
                messages::plan_changed_by_family,
                "/plan",
                Family(|family_id| crate::access::Action::ReadPlan { family_id }),
            ),
            YoungPersonViewToRead => spec(
                "YOUNG_PERSON_VIEW_TO_READ",
                "There is something new for you to read",
                messages::young_person_view_to_read,
                "/voice",
                Family(|family_id| crate::access::Action::ReadVoice { family_id }),
            ),
            FollowUpInvitation => spec(
                "FOLLOW_UP_INVITATION",
                "How are things now?",
                messages::follow_up_invitation,
                "/follow-up",
                Family(|family_id| crate::access::Action::AnswerFollowUp {
                    family_id,
                    for_viewer: true,
                }),
            ),
            FollowUpReminder => spec(
                "FOLLOW_UP_REMINDER",
                "A reminder: how are things now?",
                messages::follow_up_reminder,
                "/follow-up",
                Family(|family_id| crate::access::Action::AnswerFollowUp {
                    family_id,
                    for_viewer: true,
                }),
            ),
            SafeguardingReviewNeeded => spec(
                "SAFEGUARDING_REVIEW_NEEDED",
                "A safeguarding override needs your review",
                messages::safeguarding_review_needed,
                "/safeguarding/reviews",
                Action(crate::access::Action::ReviewSafeguardingOverrides),
            ),
            HouseholdSharingChanged => spec(
                "HOUSEHOLD_SHARING_CHANGED",
                "What you can see in Family Plan has changed",
                messages::household_sharing_changed,
                "/plan",
                Family(|family_id| crate::access::Action::ReadFamily { family_id }),
            ),
            Attention => Spec {
                code: "ATTENTION",
                title: "Something needs your attention",
                email: None,
                path: "/",
                gate: Recipient,
                by_email: true,
                by_push: true,
            },
            // Issue 14: the hub's screeners, through their role; the lead while they may read
            // the family's voice (consent or the young person's own); the family while they
            // may read the family's record.
            UrgentSupportRequest => spec(
                "URGENT_SUPPORT_REQUEST",
                "An urgent request for support has arrived",
                messages::urgent_support_request,
                "/hub/requests",
                Action(crate::access::Action::ScreenSupportRequests),
            ),
            SomeoneDoesNotFeelSafe => spec(
                "SOMEONE_DOES_NOT_FEEL_SAFE",
                "Urgent: someone in a family you lead does not feel safe",
                messages::someone_does_not_feel_safe,
                "/families",
                Family(|family_id| crate::access::Action::ReadVoice { family_id }),
            ),
            ParentsViewChanged => spec(
                "PARENTS_VIEW_CHANGED",
                "Who can see what in your family's plan has changed",
                messages::parents_view_changed,
                "/plan",
                Family(|family_id| crate::access::Action::ReadFamily { family_id }),
            ),
            SharedWithYou => spec(
                "SHARED_WITH_YOU",
                "Something has been shared with you",
                messages::shared_with_you,
                "/plan",
                Family(|family_id| crate::access::Action::ReadPlan { family_id }),
            ),
            SupportQuestionAsked => spec(
                "SUPPORT_QUESTION_ASKED",
                "The Early Help Hub has a question for you",
                messages::support_question_asked,
                "/support-requests",
                Family(|family_id| crate::access::Action::ReadFamilySupportRequests { family_id }),
            ),
            ReferralQuestionAsked => spec(
                "REFERRAL_QUESTION_ASKED",
                "The Early Help Hub has a question about your referral",
                messages::support_question_asked,
                "/referrals",
                Action(crate::access::Action::ReadOwnReferrals),
            ),
            SupportRequestDecided => spec(
                "SUPPORT_REQUEST_DECIDED",
                "Your request for support has an answer",
                messages::support_request_decided,
                "/support-requests",
                Family(|family_id| crate::access::Action::ReadFamilySupportRequests { family_id }),
            ),
            ReferralDecided => spec(
                "REFERRAL_DECIDED",
                "Your referral has an answer",
                messages::support_request_decided,
                "/referrals",
                Action(crate::access::Action::ReadOwnReferrals),
            ),
            SupportClockMissed => spec(
                "SUPPORT_CLOCK_MISSED",
                "A request for support was not decided in time",
                messages::support_clock_missed,
                "/hub/requests",
                Action(crate::access::Action::HearOfMissedSupportClock),
            ),
            SupportClockMissedUrgent => spec(
                "SUPPORT_CLOCK_MISSED_URGENT",
                "An urgent request for support was not decided in time",
                messages::support_clock_missed_urgent,
                "/hub/requests",
                Action(crate::access::Action::HearOfMissedSupportClock),
            ),
            ConsultationAnswered => spec(
                "CONSULTATION_ANSWERED",
                "The Early Help Hub answered your question",
                messages::consultation_answered,
                "/consultations",
                Action(crate::access::Action::ConsultHub),
            ),
        }
    }

    pub fn code(self) -> &'static str {
        self.spec().code
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The action a reader must be allowed for the notification to be shown; None: hidden
    /// (a family-gated kind without a family), or Some(None): shown to its recipient.
    pub fn gate_for(self, family_id: Option<Uuid>) -> Option<Option<crate::access::Action>> {
        match self.spec().gate {
            Gate::Recipient => Some(None),
            Gate::Action(action) => Some(Some(action)),
            Gate::Family(of) => family_id.map(|f| Some(of(f))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_with_its_own_code() {
        let mut codes: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Kind::ALL.len());
        for kind in Kind::ALL {
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
            assert!(kind.spec().title.len() <= 120);
        }
    }
}
