//! Who may do what. Every resolver that exposes family data or changes anything asks here;
//! nothing else compares roles or checks consent.
//!
//! DESIGN rule 1: a practitioner reaches a family's information only while on the family's
//! team *and* covered by an active consent for their organisation, or (rule 2) under their own
//! live safeguarding override. Hub workers screen and open records at the front door. Family
//! members reach their own family. Administrators look after accounts, not families.
pub mod facts;

pub use facts::{FamilyFacts, load_facts};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use entities::family_member::MemberRelation;
use entities::practitioner_role::Role;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List every family record (the hub's caseload view).
    ListFamilies,
    /// Read one family's record, members and need-level history.
    ReadFamily { family_id: Uuid },
    /// Open a new family record.
    CreateFamily,
    /// Add a person to a family record.
    AddFamilyMember { family_id: Uuid },
    /// Step a family's need level up or down.
    ChangeNeedLevel { family_id: Uuid },
    /// Read a family member's email address (used to invite them).
    ReadMemberEmail { family_id: Uuid },
    /// Create organisations.
    ManageOrganisations,
    /// Create practitioner accounts.
    ManagePractitioners,
    /// Read organisations and practitioners' names and roles: the directory of partners.
    ReadDirectory,
    /// Read a practitioner's work email address.
    ReadPractitionerEmail { practitioner_id: Uuid },
    /// Invite a person to sign in (sends an enrolment link). `family_id` is set for family
    /// members, so that the family's lead professional can be allowed once that role exists.
    InvitePerson { family_id: Option<Uuid> },
    /// Add, rename and remove one's own passkeys; sign out.
    ManageOwnSignIn,
    /// Read the family's consents, current and past.
    ReadConsents { family_id: Uuid },
    /// Give or withdraw consent in the app, as a member of the family.
    ManageOwnConsent { family_id: Uuid },
    /// Record a consent the family gave on paper.
    RecordPaperConsent { family_id: Uuid },
    /// Record whether a young person is competent to consent for themselves.
    AssessCompetence { family_id: Uuid },
    /// Read who is on the team around the family.
    ReadTeam { family_id: Uuid },
    /// Add a practitioner to the team, or remove one.
    ManageTeam { family_id: Uuid },
    /// Leave the family's team (one's own membership).
    LeaveTeam { family_id: Uuid },
    /// Raise a safeguarding concern and gain time-limited access without consent.
    RaiseSafeguardingConcern { family_id: Uuid },
    /// See and decide the locality's safeguarding override reviews.
    ReviewSafeguardingOverrides,
    /// Read the family's access log (override entries withheld from the family aside).
    ReadAccessLog { family_id: Uuid },
    /// Read the full trail, withheld override entries included.
    ReadFullAccessLog { family_id: Uuid },
    /// Read the family's plan: outcomes, notes, progress, actions and their history. Young
    /// people see the outcomes about them or the whole family ([`may_see_outcome`]).
    ReadPlan { family_id: Uuid },
    /// Read the assessment: the family's own section.
    ReadAssessment { family_id: Uuid },
    /// Read the organisations' sections of the assessment (not for young people: agencies
    /// write about the adults too).
    ReadAgencySections { family_id: Uuid },
    /// Start a plan (draft) or open an assessment for the family.
    StartPlanOrAssessment { family_id: Uuid },
    /// Write the family's own section of the assessment, in their words.
    WriteFamilySection { family_id: Uuid },
    /// Write one's organisation's section of the assessment.
    WriteAgencySection { family_id: Uuid },
    /// The family's own decisions about outcomes: write, amend, choose, decline, withdraw,
    /// reorder (DESIGN rule 3). `for_viewer`: the outcome is (or will be) about the viewer.
    ShapeOutcome { family_id: Uuid, for_viewer: bool },
    /// Work towards an outcome: rate progress, add and complete actions.
    WorkOnOutcome { family_id: Uuid, for_viewer: bool },
    /// Record that an outcome was achieved or not.
    SettleOutcome { family_id: Uuid, for_viewer: bool },
    /// A practitioner's contribution beside the family's words: propose an outcome, add a note.
    AdviseOnPlan { family_id: Uuid },
    /// Co-ordinate the plan: finalise the assessment, set the review date, close the plan.
    LeadPlan { family_id: Uuid },
    /// See the plans one leads, with their overdue actions.
    ReadOwnCaseload,
    /// Read the family's feedback and young people's views. Which items each viewer sees
    /// within them is [`may_see_voice`] (DESIGN rule 5).
    ReadVoice { family_id: Uuid },
    /// Give feedback about the family's plan, a meeting or the service.
    GiveFeedback { family_id: Uuid },
    /// Send "what I want my worker to know": young people of the family.
    ShareView { family_id: Uuid },
    /// Answer one's own six-month follow-up. `for_viewer`: the follow-up is the viewer's.
    AnswerFollowUp { family_id: Uuid, for_viewer: bool },
    /// See one's own follow-ups (family members).
    ReadOwnFollowUps,
    /// Read the questionnaires (questions and their codes).
    ReadQuestionnaires,
    /// Evaluation reports over an area and a period: figures only, no names.
    ReadEvaluationReports,
    /// Nominate the family's lead professional (a family adult).
    NominateLead { family_id: Uuid },
    /// Read the family's lead professional nominations, declines and their reasons.
    ReadLeadNominations { family_id: Uuid },
    /// Accept or decline a nomination. `is_nominee`: the viewer is the one nominated; to
    /// accept, the family's consent must cover their organisation.
    AnswerLeadNomination {
        family_id: Uuid,
        is_nominee: bool,
        accepting: bool,
    },
    /// See the nominations one has been sent.
    ReadOwnNominations,
    /// A locality manager's follow-up: see declines and missed deadlines, challenge a
    /// decline, or ask another practitioner.
    FollowUpLeadNominations,
    /// Schedule and record Team Around the Family meetings and reviews.
    RecordMeeting { family_id: Uuid },
    /// Give one's own views for a meeting, beforehand (a family member).
    GiveMeetingView { family_id: Uuid },
}

impl Action {
    pub fn family_id(self) -> Option<Uuid> {
        use Action::*;
        match self {
            ReadFamily { family_id }
            | AddFamilyMember { family_id }
            | ChangeNeedLevel { family_id }
            | ReadMemberEmail { family_id }
            | ReadConsents { family_id }
            | ManageOwnConsent { family_id }
            | RecordPaperConsent { family_id }
            | AssessCompetence { family_id }
            | ReadTeam { family_id }
            | ManageTeam { family_id }
            | LeaveTeam { family_id }
            | RaiseSafeguardingConcern { family_id }
            | ReadAccessLog { family_id }
            | ReadFullAccessLog { family_id }
            | ReadPlan { family_id }
            | ReadAssessment { family_id }
            | ReadAgencySections { family_id }
            | StartPlanOrAssessment { family_id }
            | WriteFamilySection { family_id }
            | WriteAgencySection { family_id }
            | ShapeOutcome { family_id, .. }
            | WorkOnOutcome { family_id, .. }
            | SettleOutcome { family_id, .. }
            | AdviseOnPlan { family_id }
            | LeadPlan { family_id }
            | ReadVoice { family_id }
            | GiveFeedback { family_id }
            | ShareView { family_id }
            | AnswerFollowUp { family_id, .. }
            | NominateLead { family_id }
            | ReadLeadNominations { family_id }
            | AnswerLeadNomination { family_id, .. }
            | RecordMeeting { family_id }
            | GiveMeetingView { family_id } => Some(family_id),
            InvitePerson { family_id } => family_id,
            ReadOwnFollowUps | ReadQuestionnaires | ReadEvaluationReports => None,
            ReadOwnCaseload
            | ReadOwnNominations
            | FollowUpLeadNominations
            | ListFamilies
            | CreateFamily
            | ManageOrganisations
            | ManagePractitioners
            | ReadDirectory
            | ReadPractitionerEmail { .. }
            | ReviewSafeguardingOverrides
            | ManageOwnSignIn => None,
        }
    }
}

impl Action {
    /// For reads of family data: what was read, as the access log will say it.
    pub fn read_of(self) -> Option<&'static str> {
        use Action::*;
        match self {
            ReadFamily { .. } => Some("family record"),
            ReadMemberEmail { .. } => Some("members' email addresses"),
            ReadConsents { .. } => Some("consents"),
            ReadTeam { .. } => Some("team"),
            ReadAccessLog { .. } | ReadFullAccessLog { .. } => Some("access log"),
            ReadPlan { .. } => Some("plan"),
            ReadAssessment { .. } | ReadAgencySections { .. } => Some("assessment"),
            ReadVoice { .. } => Some("feedback and views"),
            ReadLeadNominations { .. } => Some("lead professional nominations"),
            _ => None,
        }
    }
}

/// How access was granted: practitioners' use of an override is audited against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Granted,
    UnderOverride(Uuid),
}

/// Decides `action` for `viewer`, given what is known about the viewer and the family
/// (`facts` is ignored for actions that concern no family).
pub fn authorize(viewer: &Viewer, action: Action, facts: &FamilyFacts) -> AppResult<Access> {
    use Action::*;
    let family = action.family_id();
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::FamilyMember(m) => {
            let own = family == Some(m.family_id);
            let adult = m.relation != MemberRelation::Child;
            let allowed = match action {
                ReadPlan { .. } | ReadAssessment { .. } | WriteFamilySection { .. } => own,
                ReadAgencySections { .. } | StartPlanOrAssessment { .. } => own && adult,
                // A young person has their say on the outcomes about them; the adults on all.
                ShapeOutcome { for_viewer, .. }
                | WorkOnOutcome { for_viewer, .. }
                | SettleOutcome { for_viewer, .. } => own && (adult || for_viewer),
                AdviseOnPlan { .. }
                | WriteAgencySection { .. }
                | LeadPlan { .. }
                | ReadOwnCaseload => false,
                ReadFamily { .. }
                | ReadConsents { .. }
                | ReadTeam { .. }
                | ReadAccessLog { .. } => own,
                ManageOwnConsent { .. } => own,
                ReadVoice { .. } | GiveFeedback { .. } => own,
                ShareView { .. } => own && !adult,
                AnswerFollowUp { for_viewer, .. } => own && for_viewer,
                ReadOwnFollowUps | ReadQuestionnaires => true,
                ReadEvaluationReports => false,
                // The family chooses its lead professional (the adults).
                NominateLead { .. } => own && adult,
                ReadLeadNominations { .. } | GiveMeetingView { .. } => own,
                AnswerLeadNomination { .. }
                | ReadOwnNominations
                | FollowUpLeadNominations
                | RecordMeeting { .. } => false,
                ReadDirectory | ManageOwnSignIn => true,
                InvitePerson { .. }
                | AddFamilyMember { .. }
                | ListFamilies
                | CreateFamily
                | ChangeNeedLevel { .. }
                | ReadMemberEmail { .. }
                | ManageOrganisations
                | ManagePractitioners
                | ReadPractitionerEmail { .. }
                | RecordPaperConsent { .. }
                | AssessCompetence { .. }
                | ManageTeam { .. }
                | LeaveTeam { .. }
                | RaiseSafeguardingConcern { .. }
                | ReviewSafeguardingOverrides
                | ReadFullAccessLog { .. } => false,
            };
            if allowed {
                Ok(Access::Granted)
            } else {
                Err(AppError::Forbidden)
            }
        }
        Viewer::Practitioner(p) => {
            let hub = p.has_role(Role::HubWorker);
            let manager = p.has_role(Role::LocalityManager);
            let frontline = p.has_role(Role::Practitioner) || hub;
            let granted = |ok: bool| {
                if ok {
                    Ok(Access::Granted)
                } else {
                    Err(AppError::Forbidden)
                }
            };
            match action {
                ReadDirectory | ReadPractitionerEmail { .. } | ManageOwnSignIn => granted(true),
                // The lead professional also invites their family's members.
                InvitePerson { family_id } => {
                    if hub || p.has_role(Role::Admin) {
                        Ok(Access::Granted)
                    } else if family_id.is_some() && facts.lead_professional {
                        consent_gate(facts)
                    } else {
                        granted(false)
                    }
                }
                ManageOrganisations | ManagePractitioners => granted(p.has_role(Role::Admin)),
                ReviewSafeguardingOverrides => granted(manager),
                ReadFullAccessLog { .. } => granted(manager),
                ReadAccessLog { .. } => granted(manager),
                // The front door: the hub screens, opens records and assigns the first team.
                ListFamilies | CreateFamily => granted(hub),
                ReadMemberEmail { .. } => granted(hub),
                // The lead professional co-ordinates: the team and the need level.
                ChangeNeedLevel { .. } | ManageTeam { .. } => {
                    if hub {
                        Ok(Access::Granted)
                    } else if facts.lead_professional {
                        consent_gate(facts)
                    } else {
                        granted(false)
                    }
                }
                NominateLead { .. } | GiveMeetingView { .. } => granted(false),
                // The family and the locality manager read declines; so does the team.
                ReadLeadNominations { .. } => {
                    if manager {
                        Ok(Access::Granted)
                    } else {
                        consent_gate(facts)
                    }
                }
                // Only the nominee answers; anyone may say no, but taking the lead needs
                // the family's consent for their organisation.
                AnswerLeadNomination {
                    is_nominee,
                    accepting,
                    ..
                } => match (is_nominee, accepting) {
                    (false, _) => granted(false),
                    (true, false) => granted(true),
                    (true, true) if facts.consent_covers_organisation => granted(true),
                    (true, true) => Err(AppError::ConsentRequired),
                },
                ReadOwnNominations => granted(frontline),
                FollowUpLeadNominations => granted(manager),
                RecordMeeting { .. } => {
                    if frontline {
                        consent_gate(facts)
                    } else {
                        granted(false)
                    }
                }
                ManageOwnConsent { .. } => granted(false),
                RaiseSafeguardingConcern { .. } => granted(frontline),
                LeaveTeam { .. } => granted(facts.on_team),
                // A practitioner who obtained consent on paper records it, even before joining.
                RecordPaperConsent { .. } => {
                    granted(hub || facts.on_team || facts.override_id.is_some())
                }
                ReadFamily { .. }
                | ReadConsents { .. }
                | ReadTeam { .. }
                | AddFamilyMember { .. } => {
                    if hub {
                        Ok(Access::Granted)
                    } else {
                        consent_gate(facts)
                    }
                }
                AssessCompetence { .. } => consent_gate(facts),
                ReadPlan { .. } | ReadAssessment { .. } | ReadAgencySections { .. } => {
                    consent_gate(facts)
                }
                // The family's own words and choices are theirs alone (DESIGN rule 3).
                ShapeOutcome { .. } | WriteFamilySection { .. } => granted(false),
                StartPlanOrAssessment { .. }
                | WriteAgencySection { .. }
                | WorkOnOutcome { .. }
                | AdviseOnPlan { .. } => {
                    if frontline {
                        consent_gate(facts)
                    } else {
                        granted(false)
                    }
                }
                LeadPlan { .. } | SettleOutcome { .. } => {
                    if facts.lead_professional {
                        consent_gate(facts)
                    } else {
                        granted(false)
                    }
                }
                ReadOwnCaseload => granted(frontline),
                // The team reads every item, young people's private ones included (rule 5).
                ReadVoice { .. } => consent_gate(facts),
                GiveFeedback { .. } => {
                    if frontline {
                        consent_gate(facts)
                    } else {
                        granted(false)
                    }
                }
                ShareView { .. } | AnswerFollowUp { .. } | ReadOwnFollowUps => granted(false),
                ReadQuestionnaires => granted(true),
                ReadEvaluationReports => granted(manager),
            }
        }
    }
}

/// Whether `viewer`, already allowed to read the plan, sees an outcome for `for_members`
/// (empty: the whole family). Young people see the outcomes about them or the whole family.
pub fn may_see_outcome(viewer: &Viewer, for_members: &[Uuid]) -> bool {
    match viewer {
        Viewer::FamilyMember(m) if m.relation == MemberRelation::Child => {
            for_members.is_empty() || for_members.contains(&m.member_id)
        }
        _ => true,
    }
}

/// Who gave an item of feedback or a view, as far as the policy needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceItem {
    /// The family member who gave it; `None` for practitioners and for anonymous items.
    pub by_member: Option<Uuid>,
    pub by_practitioner: bool,
    pub anonymous: bool,
    /// A young person's item kept from the rest of the family.
    pub private: bool,
}

/// What of the family's feedback and views a viewer, already allowed [`Action::ReadVoice`],
/// sees. DESIGN rule 5: a young person's private items are for the team and themselves,
/// never for other family members. Anonymous items are the team's (without the name) and
/// the evaluation's: no family member sees them, since we no longer know whose they are and
/// showing them to the family could tell the others who wrote them. Practitioners' own
/// feedback about the service is for the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceScope {
    /// Everything (the team around the family).
    Everything,
    /// The family's own items, not anonymous, not private unless by `member_id`.
    SharedWithFamily {
        member_id: Uuid,
    },
    Nothing,
}

pub fn voice_scope(viewer: &Viewer) -> VoiceScope {
    match viewer {
        Viewer::Practitioner(_) => VoiceScope::Everything,
        Viewer::FamilyMember(m) => VoiceScope::SharedWithFamily {
            member_id: m.member_id,
        },
        Viewer::Anonymous => VoiceScope::Nothing,
    }
}

/// Whether `viewer` sees `item` (the same rule as [`voice_scope`], for one item).
pub fn may_see_voice(viewer: &Viewer, item: VoiceItem) -> bool {
    match voice_scope(viewer) {
        VoiceScope::Everything => true,
        VoiceScope::SharedWithFamily { member_id } => {
            !item.anonymous
                && !item.by_practitioner
                && (!item.private || item.by_member == Some(member_id))
        }
        VoiceScope::Nothing => false,
    }
}

/// Whether `viewer`, already allowed to read the family's meetings, reads a view that
/// `author` gave. DESIGN rule 5: a young person's private view is for the team (and
/// themselves), not for other family members.
pub fn may_see_meeting_view(viewer: &Viewer, author: Uuid, private: bool) -> bool {
    match viewer {
        Viewer::FamilyMember(m) => !private || m.member_id == author,
        Viewer::Practitioner(_) => true,
        Viewer::Anonymous => false,
    }
}

/// DESIGN rules 1 and 2: team membership and consent, or the practitioner's own override.
fn consent_gate(facts: &FamilyFacts) -> AppResult<Access> {
    match (
        facts.on_team,
        facts.consent_covers_organisation,
        facts.override_id,
    ) {
        (true, true, _) => Ok(Access::Granted),
        (_, _, Some(id)) => Ok(Access::UnderOverride(id)),
        (true, false, None) => Err(AppError::ConsentRequired),
        (false, _, None) => Err(AppError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    //! The rules as a pure function. The same matrix, over HTTP against a real database and
    //! every GraphQL operation, is in `tests/tests/access_matrix.rs`.
    use super::*;
    use crate::auth::{FamilyMemberViewer, PractitionerViewer};

    const FAMILY: Uuid = Uuid::from_u128(1);
    const OTHER: Uuid = Uuid::from_u128(2);

    fn practitioner(roles: &[Role]) -> Viewer {
        Viewer::Practitioner(PractitionerViewer {
            session_id: OTHER,
            account_id: OTHER,
            practitioner_id: OTHER,
            organisation_id: OTHER,
            roles: roles.to_vec(),
        })
    }

    fn member(family_id: Uuid, relation: MemberRelation) -> Viewer {
        Viewer::FamilyMember(FamilyMemberViewer {
            session_id: OTHER,
            account_id: OTHER,
            member_id: OTHER,
            family_id,
            relation,
        })
    }

    fn facts(on_team: bool, consent: bool, override_id: Option<Uuid>) -> FamilyFacts {
        FamilyFacts {
            on_team,
            consent_covers_organisation: consent,
            override_id,
            lead_professional: false,
        }
    }

    fn code(result: AppResult<Access>) -> &'static str {
        match result {
            Ok(Access::Granted) => "ok",
            Ok(Access::UnderOverride(_)) => "override",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn consent_and_team_gate_practitioners() {
        let read = Action::ReadFamily { family_id: FAMILY };
        let worker = practitioner(&[Role::Practitioner]);
        assert_eq!(
            code(authorize(&worker, read, &facts(true, true, None))),
            "ok"
        );
        assert_eq!(
            code(authorize(&worker, read, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        assert_eq!(
            code(authorize(&worker, read, &facts(false, true, None))),
            "FORBIDDEN"
        );
        assert_eq!(
            code(authorize(&worker, read, &facts(false, false, None))),
            "FORBIDDEN"
        );
        assert_eq!(
            code(authorize(&worker, read, &facts(false, false, Some(OTHER)))),
            "override"
        );
        assert_eq!(
            code(authorize(
                &Viewer::Anonymous,
                read,
                &facts(true, true, None)
            )),
            "UNAUTHENTICATED"
        );
    }

    #[test]
    fn families_reach_their_own_family_only() {
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let stranger = member(OTHER, MemberRelation::AdultWithParentalResponsibility);
        for action in [
            Action::ReadFamily { family_id: FAMILY },
            Action::ReadConsents { family_id: FAMILY },
            Action::ReadAccessLog { family_id: FAMILY },
            Action::ManageOwnConsent { family_id: FAMILY },
        ] {
            assert_eq!(
                code(authorize(&parent, action, &FamilyFacts::NONE)),
                "ok",
                "{action:?}"
            );
            assert_eq!(
                code(authorize(&stranger, action, &FamilyFacts::NONE)),
                "FORBIDDEN",
                "{action:?}"
            );
        }
        let full = Action::ReadFullAccessLog { family_id: FAMILY };
        assert_eq!(
            code(authorize(&parent, full, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
    }

    #[test]
    fn administrators_and_managers_do_not_read_families() {
        let read = Action::ReadFamily { family_id: FAMILY };
        for roles in [&[Role::Admin][..], &[Role::LocalityManager][..]] {
            let viewer = practitioner(roles);
            assert_eq!(
                code(authorize(&viewer, read, &facts(false, true, None))),
                "FORBIDDEN"
            );
        }
        let manager = practitioner(&[Role::LocalityManager]);
        let review = Action::ReviewSafeguardingOverrides;
        assert_eq!(code(authorize(&manager, review, &FamilyFacts::NONE)), "ok");
    }

    #[test]
    fn young_peoples_private_views_are_for_the_team_and_themselves() {
        let young_person = OTHER;
        let private = VoiceItem {
            by_member: Some(young_person),
            by_practitioner: false,
            anonymous: false,
            private: true,
        };
        let shared = VoiceItem {
            private: false,
            ..private
        };
        let anonymous = VoiceItem {
            by_member: None,
            anonymous: true,
            ..shared
        };
        let parent = Viewer::FamilyMember(FamilyMemberViewer {
            session_id: OTHER,
            account_id: OTHER,
            member_id: Uuid::from_u128(3),
            family_id: FAMILY,
            relation: MemberRelation::AdultWithParentalResponsibility,
        });
        let author = member(FAMILY, MemberRelation::Child);
        let worker = practitioner(&[Role::Practitioner]);
        assert!(!may_see_voice(&parent, private));
        assert!(may_see_voice(&parent, shared));
        assert!(!may_see_voice(&parent, anonymous));
        assert!(may_see_voice(&author, private));
        assert!(may_see_voice(&worker, private));
        assert!(may_see_voice(&worker, anonymous));
        // The team reads them only through the consent gate.
        let read = Action::ReadVoice { family_id: FAMILY };
        assert_eq!(
            code(authorize(&worker, read, &facts(true, true, None))),
            "ok"
        );
        assert_eq!(
            code(authorize(&worker, read, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        let share = Action::ShareView { family_id: FAMILY };
        assert_eq!(code(authorize(&author, share, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(authorize(&parent, share, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
    }

    #[test]
    fn the_familys_words_are_the_familys() {
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let young = member(FAMILY, MemberRelation::Child);
        let worker = practitioner(&[Role::Practitioner]);
        let shape = |for_viewer| Action::ShapeOutcome {
            family_id: FAMILY,
            for_viewer,
        };
        assert_eq!(
            code(authorize(&parent, shape(false), &FamilyFacts::NONE)),
            "ok"
        );
        assert_eq!(
            code(authorize(&young, shape(true), &FamilyFacts::NONE)),
            "ok"
        );
        assert_eq!(
            code(authorize(&young, shape(false), &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        // Consent lets a practitioner read and contribute, never rewrite the family's words.
        assert_eq!(
            code(authorize(&worker, shape(false), &facts(true, true, None))),
            "FORBIDDEN"
        );
        let advise = Action::AdviseOnPlan { family_id: FAMILY };
        assert_eq!(
            code(authorize(&worker, advise, &facts(true, true, None))),
            "ok"
        );
        assert_eq!(
            code(authorize(&worker, advise, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
    }

    #[test]
    fn only_the_lead_professional_leads_the_plan_and_still_needs_consent() {
        let lead = Action::LeadPlan { family_id: FAMILY };
        let worker = practitioner(&[Role::Practitioner]);
        let mut as_lead = facts(true, true, None);
        as_lead.lead_professional = true;
        assert_eq!(code(authorize(&worker, lead, &as_lead)), "ok");
        assert_eq!(
            code(authorize(&worker, lead, &facts(true, true, None))),
            "FORBIDDEN"
        );
        as_lead.consent_covers_organisation = false;
        assert_eq!(code(authorize(&worker, lead, &as_lead)), "CONSENT_REQUIRED");
        let hub = practitioner(&[Role::HubWorker]);
        assert_eq!(
            code(authorize(&hub, lead, &facts(true, true, None))),
            "FORBIDDEN"
        );
    }

    #[test]
    fn evaluation_reports_are_for_locality_managers() {
        let reports = Action::ReadEvaluationReports;
        let manager = practitioner(&[Role::LocalityManager]);
        assert_eq!(code(authorize(&manager, reports, &FamilyFacts::NONE)), "ok");
        for viewer in [
            practitioner(&[Role::Practitioner, Role::HubWorker]),
            practitioner(&[Role::Admin]),
            member(FAMILY, MemberRelation::AdultWithParentalResponsibility),
        ] {
            assert_eq!(
                code(authorize(&viewer, reports, &FamilyFacts::NONE)),
                "FORBIDDEN"
            );
        }
    }

    #[test]
    fn young_people_see_the_outcomes_about_them() {
        let young = member(FAMILY, MemberRelation::Child);
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let sibling = Uuid::from_u128(3);
        assert!(may_see_outcome(&young, &[]));
        assert!(may_see_outcome(&young, &[OTHER]));
        assert!(!may_see_outcome(&young, &[sibling]));
        assert!(may_see_outcome(&parent, &[sibling]));
        let agency_sections = Action::ReadAgencySections { family_id: FAMILY };
        assert_eq!(
            code(authorize(&young, agency_sections, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        assert_eq!(
            code(authorize(&parent, agency_sections, &FamilyFacts::NONE)),
            "ok"
        );
    }

    #[test]
    fn every_action_names_its_family_and_what_it_reads() {
        let read = Action::ReadTeam { family_id: FAMILY };
        assert_eq!(read.family_id(), Some(FAMILY));
        assert_eq!(read.read_of(), Some("team"));
        assert_eq!(Action::ManageTeam { family_id: FAMILY }.read_of(), None);
        assert_eq!(Action::ListFamilies.family_id(), None);
    }

    fn lead(on_team: bool, consent: bool) -> FamilyFacts {
        FamilyFacts {
            lead_professional: true,
            ..facts(on_team, consent, None)
        }
    }

    #[test]
    fn the_lead_professional_co_ordinates_with_consent() {
        let worker = practitioner(&[Role::Practitioner]);
        for action in [
            Action::ChangeNeedLevel { family_id: FAMILY },
            Action::ManageTeam { family_id: FAMILY },
            Action::InvitePerson {
                family_id: Some(FAMILY),
            },
        ] {
            assert_eq!(
                code(authorize(&worker, action, &lead(true, true))),
                "ok",
                "{action:?}"
            );
            assert_eq!(
                code(authorize(&worker, action, &lead(true, false))),
                "CONSENT_REQUIRED",
                "{action:?}"
            );
            assert_eq!(
                code(authorize(&worker, action, &facts(true, true, None))),
                "FORBIDDEN",
                "{action:?}: not the lead"
            );
        }
        // Inviting someone who is not of a family stays with the hub and administrators.
        let invite = Action::InvitePerson { family_id: None };
        assert_eq!(
            code(authorize(&worker, invite, &lead(true, true))),
            "FORBIDDEN"
        );
    }

    #[test]
    fn the_family_adults_nominate_and_only_the_nominee_answers() {
        let nominate = Action::NominateLead { family_id: FAMILY };
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let young = member(FAMILY, MemberRelation::Child);
        assert_eq!(code(authorize(&parent, nominate, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(authorize(&young, nominate, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        let hub = practitioner(&[Role::HubWorker]);
        assert_eq!(
            code(authorize(&hub, nominate, &facts(true, true, None))),
            "FORBIDDEN"
        );

        let worker = practitioner(&[Role::Practitioner]);
        let answer = |is_nominee, accepting| Action::AnswerLeadNomination {
            family_id: FAMILY,
            is_nominee,
            accepting,
        };
        // Saying no needs nothing; taking the lead needs consent for one's organisation.
        assert_eq!(
            code(authorize(&worker, answer(true, false), &FamilyFacts::NONE)),
            "ok"
        );
        assert_eq!(
            code(authorize(
                &worker,
                answer(true, true),
                &facts(false, true, None)
            )),
            "ok"
        );
        assert_eq!(
            code(authorize(
                &worker,
                answer(true, true),
                &facts(true, false, None)
            )),
            "CONSENT_REQUIRED"
        );
        assert_eq!(
            code(authorize(
                &worker,
                answer(false, false),
                &facts(true, true, None)
            )),
            "FORBIDDEN"
        );
        assert_eq!(
            code(authorize(&parent, answer(true, true), &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
    }

    #[test]
    fn managers_read_declines_and_follow_them_up() {
        let manager = practitioner(&[Role::LocalityManager]);
        let read = Action::ReadLeadNominations { family_id: FAMILY };
        assert_eq!(code(authorize(&manager, read, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(authorize(
                &manager,
                Action::FollowUpLeadNominations,
                &FamilyFacts::NONE
            )),
            "ok"
        );
        let worker = practitioner(&[Role::Practitioner]);
        assert_eq!(
            code(authorize(
                &worker,
                Action::FollowUpLeadNominations,
                &FamilyFacts::NONE
            )),
            "FORBIDDEN"
        );
        assert_eq!(
            code(authorize(&worker, read, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        let stranger = member(OTHER, MemberRelation::AdultWithParentalResponsibility);
        assert_eq!(
            code(authorize(&stranger, read, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
    }

    #[test]
    fn a_young_persons_private_view_is_for_the_team_and_themselves() {
        let author = OTHER; // `member()` viewers have member id OTHER.
        let young = member(FAMILY, MemberRelation::Child);
        let parent = Viewer::FamilyMember(FamilyMemberViewer {
            session_id: OTHER,
            account_id: OTHER,
            member_id: FAMILY,
            family_id: FAMILY,
            relation: MemberRelation::AdultWithParentalResponsibility,
        });
        let worker = practitioner(&[Role::Practitioner]);
        assert!(may_see_meeting_view(&young, author, true));
        assert!(may_see_meeting_view(&worker, author, true));
        assert!(!may_see_meeting_view(&parent, author, true));
        assert!(may_see_meeting_view(&parent, author, false));
        assert!(!may_see_meeting_view(&Viewer::Anonymous, author, false));
    }

    #[test]
    fn meetings_are_recorded_by_the_team_and_views_given_by_the_family() {
        let record = Action::RecordMeeting { family_id: FAMILY };
        let view = Action::GiveMeetingView { family_id: FAMILY };
        let worker = practitioner(&[Role::Practitioner]);
        let young = member(FAMILY, MemberRelation::Child);
        assert_eq!(
            code(authorize(&worker, record, &facts(true, true, None))),
            "ok"
        );
        assert_eq!(
            code(authorize(&worker, record, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        assert_eq!(
            code(authorize(&young, record, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        assert_eq!(code(authorize(&young, view, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(authorize(&worker, view, &facts(true, true, None))),
            "FORBIDDEN"
        );
        let manager = practitioner(&[Role::LocalityManager]);
        assert_eq!(
            code(authorize(&manager, record, &facts(true, true, None))),
            "FORBIDDEN"
        );
    }
}
