//! **May this person do this?** One row per action, one column per kind of person, read the
//! way the access matrix (`tests/tests/access_matrix.rs`) reads. [`decide`] interprets a row;
//! nothing else in the code compares a role or a family relation.
//!
//! DESIGN rule 1: a practitioner reaches a family's information only while on the family's
//! team *and* covered by an active consent for their organisation, or (rule 2) under their own
//! live safeguarding override ([`Cell::Consent`]). Hub workers screen and open records at the
//! front door. Family members reach their own family: decisions for the family need parental
//! responsibility; an adult of the household without it reads the plan once a parent has
//! shared it, and has a say on what is about them. Administrators look after accounts, not
//! families. Anonymous callers may do nothing here.
//!
//! Issue 14: parental responsibility is held per adult–child pair, and a restriction keeps a
//! named adult from a named child. Neither changes a row: the `parent` column is "an adult
//! recorded with parental responsibility", and what they reach within a row is the permit's
//! [`super::visibility::Reach`] (a restricted child is a stranger to them; a child they hold
//! none for is seen but not decided for, and their consent does not cover that child's items
//! for practitioners: `domain::standing::practitioner`).
use super::action::Action;
use super::facts::FamilyFacts;
use crate::error::{AppError, AppResult};
use crate::viewer::{Access, Viewer};
use entities::family_member::MemberRelation;
use entities::practitioner_role::Role;

/// What one kind of person may do with one action. For family members every cell but
/// [`Cell::No`] also requires the action to concern their own family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    No,
    Yes,
    /// When the item is about the person (`for_viewer`, `about_viewer`).
    IfAbout,
    /// An adult without parental responsibility, once a parent has shared the plan with them.
    IfShared,
    /// Shared with them, and the item is about them.
    IfSharedAndAbout,
    /// On the family's team with consent covering their organisation, or under their own live
    /// safeguarding override. On the team without consent: CONSENT_REQUIRED.
    Consent,
    /// [`Cell::Consent`], or on the team with a competent young person's own consent covering
    /// their organisation (issue 14): then they reach that young person's items only
    /// ([`super::visibility::Reach`]).
    ConsentOrOwn,
    /// The lead professional of the family's current plan, through the consent gate.
    Lead,
    /// On the family's team (consent aside: leaving needs none).
    OnTeam,
    /// On the family's team or under their own override (to record a consent given on paper).
    OnTeamOrOverride,
    /// The practitioner nominated: declining needs nothing, accepting needs the family's
    /// consent to cover their organisation.
    Nominee,
}

/// One row: the answer for each kind of person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// A parent or carer with parental responsibility.
    pub parent: Cell,
    /// An adult of the household without parental responsibility.
    pub other_adult: Cell,
    pub young_person: Cell,
    /// Practitioners by role; someone with several roles gets the best of their cells.
    pub practitioner: Cell,
    pub hub_worker: Cell,
    pub locality_manager: Cell,
    pub admin: Cell,
}

const fn row(
    parent: Cell,
    other_adult: Cell,
    young_person: Cell,
    practitioner: Cell,
    hub_worker: Cell,
    locality_manager: Cell,
    admin: Cell,
) -> Row {
    Row {
        parent,
        other_adult,
        young_person,
        practitioner,
        hub_worker,
        locality_manager,
        admin,
    }
}

/// The table.
pub fn rule(action: Action) -> Row {
    use Action::*;
    use Cell::*;
    match action {
        //                               parent other_adult young_person practitioner hub locality_manager admin
        // Everyone signed in.
        ReadDirectory | ManageOwnSignIn => row(Yes, Yes, Yes, Yes, Yes, Yes, Yes),
        ReadQuestionnaires => row(Yes, Yes, Yes, Yes, Yes, Yes, Yes),
        ReadPractitionerEmail { .. } => row(No, No, No, Yes, Yes, Yes, Yes),
        ReadOwnFollowUps => row(Yes, Yes, Yes, No, No, No, No),
        // Accounts and the partnership.
        ManageOrganisations | ManagePractitioners => row(No, No, No, No, No, No, Yes),
        // The lead professional also invites their family's members.
        InvitePerson { family_id: Some(_) } => row(No, No, No, Lead, Yes, Lead, Yes),
        InvitePerson { family_id: None } => row(No, No, No, No, Yes, No, Yes),
        // The front door: the hub screens, opens records and assigns the first team.
        ListFamilies | CreateFamily => row(No, No, No, No, Yes, No, No),
        ReadMemberEmail { .. } => row(No, No, No, No, Yes, No, No),
        ReadFamily { .. } => row(Yes, Yes, Yes, Consent, Yes, Consent, Consent),
        AddFamilyMember { .. } => row(No, No, No, Consent, Yes, Consent, Consent),
        // The lead professional co-ordinates: the team and the need level.
        ChangeNeedLevel { .. } | ManageTeam { .. } => row(No, No, No, Lead, Yes, Lead, Lead),
        ReadTeam { .. } => row(Yes, IfShared, Yes, Consent, Yes, Consent, Consent),
        LeaveTeam { .. } => row(No, No, No, OnTeam, OnTeam, OnTeam, OnTeam),
        // Consent: the family decides (parental responsibility); a young person assessed
        // competent decides for their own information (the domain checks whose consent).
        ReadConsents { .. } => row(Yes, No, Yes, Consent, Yes, Consent, Consent),
        ManageOwnConsent { .. } => row(Yes, No, Yes, No, No, No, No),
        RecordPaperConsent { .. } => row(
            No,
            No,
            No,
            OnTeamOrOverride,
            Yes,
            OnTeamOrOverride,
            OnTeamOrOverride,
        ),
        AssessCompetence { .. } => row(No, No, No, Consent, Consent, Consent, Consent),
        DecideFamilyConsent { .. } => row(Yes, No, No, No, No, No, No),
        DecideOwnConsent { .. } => row(No, No, Yes, No, No, No, No),
        ShareWithHousehold { .. } => row(Yes, No, No, No, No, No, No),
        // Safeguarding and the trail.
        // The override is for the team (rule 2); a practitioner not working with the family
        // raises an urgent request with the hub instead (`RaiseConcernWithHub`, issue 17).
        RaiseSafeguardingConcern { .. } => row(No, No, No, OnTeam, Yes, No, No),
        ReviewSafeguardingOverrides => row(No, No, No, No, No, Yes, No),
        ReadAccessLog { .. } => row(Yes, No, Yes, No, No, Yes, No),
        ReadFullAccessLog { .. } => row(No, No, No, No, No, Yes, No),
        // The assessment: the story told once.
        // Issue 14: a competent young person's own consent opens their items (the reach).
        ReadAssessment { .. } => row(
            Yes,
            IfShared,
            Yes,
            ConsentOrOwn,
            ConsentOrOwn,
            ConsentOrOwn,
            ConsentOrOwn,
        ),
        // Agencies write about the adults too: not for young people.
        ReadAgencySections { .. } => row(Yes, No, No, Consent, Consent, Consent, Consent),
        WriteFamilySection { .. } => row(Yes, No, Yes, No, No, No, No),
        WriteAgencySection { .. } => row(No, No, No, Consent, Consent, No, No),
        StartPlanOrAssessment { .. } => row(Yes, No, No, Consent, Consent, No, No),
        // The plan. The family's own words and choices are theirs alone (DESIGN rule 3); a
        // young person, or an adult without parental responsibility, has their say on what is
        // about them.
        ReadPlan { .. } => row(
            Yes,
            IfShared,
            Yes,
            ConsentOrOwn,
            ConsentOrOwn,
            ConsentOrOwn,
            ConsentOrOwn,
        ),
        ShapeOutcome { .. } => row(Yes, IfSharedAndAbout, IfAbout, No, No, No, No),
        WorkOnOutcome { .. } => row(Yes, IfSharedAndAbout, IfAbout, Consent, Consent, No, No),
        SettleOutcome { .. } => row(Yes, IfSharedAndAbout, IfAbout, Lead, Lead, Lead, Lead),
        AdviseOnPlan { .. } => row(No, No, No, Consent, Consent, No, No),
        LeadPlan { .. } => row(No, No, No, Lead, Lead, Lead, Lead),
        ReadOwnCaseload => row(No, No, No, Yes, Yes, No, No),
        HearOfPlanChange { .. } => row(Yes, IfSharedAndAbout, No, No, No, No, No),
        // The lead professional: the family chooses, the nominee answers.
        NominateLead { .. } => row(Yes, No, No, No, No, No, No),
        ReadLeadNominations { .. } => row(Yes, IfShared, Yes, Consent, Consent, Yes, Consent),
        AnswerLeadNomination { .. } => row(No, No, No, Nominee, Nominee, Nominee, Nominee),
        ReadOwnNominations => row(No, No, No, Yes, Yes, No, No),
        TakeLead { .. } => row(No, No, No, Yes, Yes, No, No),
        FollowUpLeadNominations => row(No, No, No, No, No, Yes, No),
        // Meetings.
        RecordMeeting { .. } => row(No, No, No, Consent, Consent, No, No),
        GiveMeetingView { .. } => row(Yes, IfShared, Yes, No, No, No, No),
        // Voice: which items each reader sees is `visibility::may_see_voice` (DESIGN rule 5).
        ReadVoice { .. } => row(
            Yes,
            IfShared,
            Yes,
            ConsentOrOwn,
            ConsentOrOwn,
            ConsentOrOwn,
            ConsentOrOwn,
        ),
        GiveFeedback { .. } => row(Yes, Yes, Yes, Consent, Consent, No, No),
        ShareView { .. } => row(No, No, Yes, No, No, No, No),
        KeepViewPrivate { .. } => row(No, No, Yes, No, No, No, No),
        // Closing-related answers are the family's: parents and young people.
        AnswerFollowUp { .. } => row(IfAbout, No, IfAbout, No, No, No, No),
        ReadEvaluationReports => row(No, No, No, No, No, Yes, No),
        // Issue 17: the front door. Families ask from the app (what each member then sees of
        // the family's requests is `visibility::may_see_support_request`); anyone asks
        // through the public front door (`open_to_anyone`); professionals refer and see
        // only their own referrals; the hub screens; locality managers hear of missed clocks.
        AskForSupport { .. } => row(Yes, Yes, Yes, No, No, No, No),
        RequestSupportAnonymously => row(Yes, Yes, Yes, Yes, Yes, Yes, Yes),
        ReferFamily | ReadOwnReferrals => row(No, No, No, Yes, Yes, No, No),
        ReadFamilySupportRequests { .. } => row(Yes, Yes, Yes, No, No, No, No),
        ScreenSupportRequests => row(No, No, No, No, Yes, No, No),
        // Whoever asked answers the hub's question; the hub records an answer given to it.
        AnswerSupportQuestion { .. } => row(IfAbout, IfAbout, IfAbout, IfAbout, Yes, No, No),
        HearOfMissedSupportClock => row(No, No, No, No, No, Yes, No),
        RaiseConcernWithHub { .. } => row(No, No, No, Yes, Yes, No, No),
        // The consultation line: advice for practitioners, no access to any record.
        ConsultHub => row(No, No, No, Yes, No, No, No),
        AnswerConsultations => row(No, No, No, No, Yes, No, No),
        // The directory of local services is public information.
        SearchLocalServices => row(Yes, Yes, Yes, Yes, Yes, Yes, Yes),
        // Issue 13: everyone's own inbox, choices and devices (a young person's are theirs).
        ReadOwnNotifications | ManageOwnNotifications => row(Yes, Yes, Yes, Yes, Yes, Yes, Yes),
        // Issue 14: parental responsibility is per adult–child pair: the hub, the lead
        // professional and locality managers record changes to it. Restrictions (a court
        // order, a safeguarding decision) are kept by locality managers alone, and never
        // shown to the family: telling the restricted adult could increase the risk. What a
        // restricted adult then sees is `visibility::Reach` (the child is like a stranger).
        SetParentalResponsibility { .. } => row(No, No, No, Lead, Yes, Yes, No),
        ManageRestrictions { .. } | ReviewRestrictions => row(No, No, No, No, No, Yes, No),
        // Issue 14: "I don't feel safe" is for the family's own members, each for themselves;
        // the numbers to call are public.
        SayNotSafe { .. } => row(Yes, Yes, Yes, No, No, No, No),
        ReadHelplines => row(Yes, Yes, Yes, Yes, Yes, Yes, Yes),
    }
}

/// The actions open to a caller who is not signed in: the public front door. Every other
/// action asks them to sign in.
pub fn open_to_anyone(action: Action) -> bool {
    matches!(
        action,
        Action::RequestSupportAnonymously | Action::SearchLocalServices | Action::ReadHelplines
    )
}

/// The kinds of person, as the table's columns name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Parent,
    OtherAdult,
    YoungPerson,
    Practitioner,
    HubWorker,
    LocalityManager,
    Admin,
}

/// The one place a family relation is read.
pub fn kind_of_member(relation: MemberRelation) -> Kind {
    match relation {
        MemberRelation::AdultWithParentalResponsibility => Kind::Parent,
        MemberRelation::OtherAdult => Kind::OtherAdult,
        MemberRelation::Child => Kind::YoungPerson,
    }
}

/// The one place a practitioner's role is read.
pub fn kind_of_role(role: Role) -> Kind {
    match role {
        Role::Practitioner => Kind::Practitioner,
        Role::HubWorker => Kind::HubWorker,
        Role::LocalityManager => Kind::LocalityManager,
        Role::Admin => Kind::Admin,
    }
}

impl Row {
    pub fn cell(&self, kind: Kind) -> Cell {
        match kind {
            Kind::Parent => self.parent,
            Kind::OtherAdult => self.other_adult,
            Kind::YoungPerson => self.young_person,
            Kind::Practitioner => self.practitioner,
            Kind::HubWorker => self.hub_worker,
            Kind::LocalityManager => self.locality_manager,
            Kind::Admin => self.admin,
        }
    }
}

/// The kinds of person `viewer` is (a practitioner may hold several roles).
pub fn kinds(viewer: &Viewer) -> Vec<Kind> {
    match viewer {
        Viewer::Anonymous => vec![],
        Viewer::FamilyMember(m) => vec![kind_of_member(m.relation)],
        Viewer::Practitioner(p) => p.roles.iter().map(|r| kind_of_role(*r)).collect(),
    }
}

/// Whether the answer for `viewer` depends on facts read from the database.
pub fn needs_facts(viewer: &Viewer, action: Action) -> bool {
    let row = rule(action);
    let cells: Vec<Cell> = kinds(viewer).into_iter().map(|k| row.cell(k)).collect();
    !cells.contains(&Cell::Yes)
        && cells.iter().any(|c| {
            matches!(
                c,
                Cell::IfShared
                    | Cell::IfSharedAndAbout
                    | Cell::Consent
                    | Cell::ConsentOrOwn
                    | Cell::Lead
                    | Cell::OnTeam
                    | Cell::OnTeamOrOverride
                    | Cell::Nominee
            )
        })
}

/// Decides `action` for `viewer`, given the facts about the viewer and the family (ignored
/// where the row does not need them).
pub fn decide(viewer: &Viewer, action: Action, facts: &FamilyFacts) -> AppResult<Access> {
    let row = rule(action);
    match viewer {
        Viewer::Anonymous if open_to_anyone(action) => Ok(Access::Granted),
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::FamilyMember(m) => {
            let own = action.family_id().is_none_or(|f| f == m.family_id);
            let allowed = own && member_cell(row.cell(kind_of_member(m.relation)), action, facts);
            if allowed {
                Ok(Access::Granted)
            } else {
                Err(AppError::Forbidden)
            }
        }
        Viewer::Practitioner(p) => {
            let mut refusal = AppError::Forbidden;
            for role in &p.roles {
                match practitioner_cell(row.cell(kind_of_role(*role)), action, facts) {
                    Ok(access) => return Ok(access),
                    Err(AppError::ConsentRequired) => refusal = AppError::ConsentRequired,
                    Err(_) => {}
                }
            }
            Err(refusal)
        }
    }
}

fn about(action: Action) -> bool {
    match action {
        Action::ShapeOutcome { for_viewer, .. }
        | Action::WorkOnOutcome { for_viewer, .. }
        | Action::SettleOutcome { for_viewer, .. }
        | Action::AnswerFollowUp { for_viewer, .. } => for_viewer,
        Action::HearOfPlanChange { about_viewer, .. } => about_viewer,
        Action::AnswerSupportQuestion { is_asker } => is_asker,
        _ => false,
    }
}

fn member_cell(cell: Cell, action: Action, facts: &FamilyFacts) -> bool {
    match cell {
        Cell::Yes => true,
        Cell::IfAbout => about(action),
        Cell::IfShared => facts.shared_with_viewer,
        Cell::IfSharedAndAbout => facts.shared_with_viewer && about(action),
        _ => false,
    }
}

fn practitioner_cell(cell: Cell, action: Action, facts: &FamilyFacts) -> AppResult<Access> {
    let refuse = Err(AppError::Forbidden);
    match cell {
        Cell::Yes => Ok(Access::Granted),
        Cell::IfAbout if about(action) => Ok(Access::Granted),
        Cell::Consent => consent_gate(facts),
        Cell::ConsentOrOwn => match consent_gate(facts) {
            Err(AppError::ConsentRequired) if facts.own_consent_covers_someone() => {
                Ok(Access::Granted)
            }
            other => other,
        },
        Cell::Lead if facts.lead_professional => consent_gate(facts),
        Cell::OnTeam if facts.on_team => Ok(Access::Granted),
        Cell::OnTeamOrOverride if facts.on_team || facts.override_id.is_some() => {
            Ok(Access::Granted)
        }
        Cell::Nominee => match action {
            Action::AnswerLeadNomination {
                is_nominee: true,
                accepting,
                ..
            } => {
                if !accepting || facts.consent_covers_organisation {
                    Ok(Access::Granted)
                } else {
                    Err(AppError::ConsentRequired)
                }
            }
            _ => refuse,
        },
        _ => refuse,
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

/// The family-member column for `relation`, their own family assumed.
pub fn member_may(relation: MemberRelation, shared: bool, action: Action) -> bool {
    let facts = FamilyFacts {
        shared_with_viewer: shared,
        ..FamilyFacts::NONE
    };
    member_cell(rule(action).cell(kind_of_member(relation)), action, &facts)
}

/// The roles whose cell for `action` is a plain yes.
pub fn roles_allowed(action: Action) -> Vec<Role> {
    let row = rule(action);
    [
        Role::Practitioner,
        Role::HubWorker,
        Role::LocalityManager,
        Role::Admin,
    ]
    .into_iter()
    .filter(|r| row.cell(kind_of_role(*r)) == Cell::Yes)
    .collect()
}

/// Whether a practitioner holding `roles` may `action` with no facts about the family (e.g.
/// whether they can be nominated at all).
pub fn roles_may(roles: &[Role], action: Action) -> bool {
    let row = rule(action);
    roles
        .iter()
        .any(|r| row.cell(kind_of_role(*r)) == Cell::Yes)
}

#[cfg(test)]
mod tests {
    //! The rules as a pure function. The same matrix, over HTTP against a real database and
    //! every GraphQL operation, is in `tests/tests/access_matrix.rs`.
    use super::*;
    use crate::access::visibility::{
        Reach, VoiceItem, may_see_meeting_view, may_see_outcome, may_see_voice, reach,
        starts_private,
    };
    use crate::viewer::{FamilyMemberViewer, PractitionerViewer, Viewer};
    use uuid::Uuid;

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
            restricted_from: vec![],
            no_responsibility_for: vec![],
        })
    }

    fn facts(on_team: bool, consent: bool, override_id: Option<Uuid>) -> FamilyFacts {
        FamilyFacts {
            on_team,
            consent_covers_organisation: consent,
            override_id,
            lead_professional: false,
            shared_with_viewer: false,
            own_consents: vec![],
            children: vec![],
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
        assert_eq!(code(decide(&worker, read, &facts(true, true, None))), "ok");
        assert_eq!(
            code(decide(&worker, read, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        assert_eq!(
            code(decide(&worker, read, &facts(false, true, None))),
            "FORBIDDEN"
        );
        assert_eq!(
            code(decide(&worker, read, &facts(false, false, None))),
            "FORBIDDEN"
        );
        assert_eq!(
            code(decide(&worker, read, &facts(false, false, Some(OTHER)))),
            "override"
        );
        assert_eq!(
            code(decide(&Viewer::Anonymous, read, &facts(true, true, None))),
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
                code(decide(&parent, action, &FamilyFacts::NONE)),
                "ok",
                "{action:?}"
            );
            assert_eq!(
                code(decide(&stranger, action, &FamilyFacts::NONE)),
                "FORBIDDEN",
                "{action:?}"
            );
        }
        let full = Action::ReadFullAccessLog { family_id: FAMILY };
        assert_eq!(code(decide(&parent, full, &FamilyFacts::NONE)), "FORBIDDEN");
    }

    #[test]
    fn administrators_and_managers_do_not_read_families() {
        let read = Action::ReadFamily { family_id: FAMILY };
        for roles in [&[Role::Admin][..], &[Role::LocalityManager][..]] {
            let viewer = practitioner(roles);
            assert_eq!(
                code(decide(&viewer, read, &facts(false, true, None))),
                "FORBIDDEN"
            );
        }
        let manager = practitioner(&[Role::LocalityManager]);
        let review = Action::ReviewSafeguardingOverrides;
        assert_eq!(code(decide(&manager, review, &FamilyFacts::NONE)), "ok");
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
            restricted_from: vec![],
            no_responsibility_for: vec![],
        });
        let author = member(FAMILY, MemberRelation::Child);
        let worker = practitioner(&[Role::Practitioner]);
        assert!(!may_see_voice(&parent, &Reach::ALL, private));
        assert!(may_see_voice(&parent, &Reach::ALL, shared));
        assert!(!may_see_voice(&parent, &Reach::ALL, anonymous));
        assert!(may_see_voice(&author, &Reach::ALL, private));
        assert!(may_see_voice(&worker, &Reach::ALL, private));
        assert!(may_see_voice(&worker, &Reach::ALL, anonymous));
        // The team reads them only through the consent gate.
        let read = Action::ReadVoice { family_id: FAMILY };
        assert_eq!(code(decide(&worker, read, &facts(true, true, None))), "ok");
        assert_eq!(
            code(decide(&worker, read, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        let share = Action::ShareView { family_id: FAMILY };
        assert_eq!(code(decide(&author, share, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(decide(&parent, share, &FamilyFacts::NONE)),
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
            code(decide(&parent, shape(false), &FamilyFacts::NONE)),
            "ok"
        );
        assert_eq!(code(decide(&young, shape(true), &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(decide(&young, shape(false), &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        // Consent lets a practitioner read and contribute, never rewrite the family's words.
        assert_eq!(
            code(decide(&worker, shape(false), &facts(true, true, None))),
            "FORBIDDEN"
        );
        let advise = Action::AdviseOnPlan { family_id: FAMILY };
        assert_eq!(
            code(decide(&worker, advise, &facts(true, true, None))),
            "ok"
        );
        assert_eq!(
            code(decide(&worker, advise, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
    }

    #[test]
    fn only_the_lead_professional_leads_the_plan_and_still_needs_consent() {
        let lead = Action::LeadPlan { family_id: FAMILY };
        let worker = practitioner(&[Role::Practitioner]);
        let mut as_lead = facts(true, true, None);
        as_lead.lead_professional = true;
        assert_eq!(code(decide(&worker, lead, &as_lead)), "ok");
        assert_eq!(
            code(decide(&worker, lead, &facts(true, true, None))),
            "FORBIDDEN"
        );
        as_lead.consent_covers_organisation = false;
        assert_eq!(code(decide(&worker, lead, &as_lead)), "CONSENT_REQUIRED");
        let hub = practitioner(&[Role::HubWorker]);
        assert_eq!(
            code(decide(&hub, lead, &facts(true, true, None))),
            "FORBIDDEN"
        );
    }

    #[test]
    fn evaluation_reports_are_for_locality_managers() {
        let reports = Action::ReadEvaluationReports;
        let manager = practitioner(&[Role::LocalityManager]);
        assert_eq!(code(decide(&manager, reports, &FamilyFacts::NONE)), "ok");
        for viewer in [
            practitioner(&[Role::Practitioner, Role::HubWorker]),
            practitioner(&[Role::Admin]),
            member(FAMILY, MemberRelation::AdultWithParentalResponsibility),
        ] {
            assert_eq!(
                code(decide(&viewer, reports, &FamilyFacts::NONE)),
                "FORBIDDEN"
            );
        }
    }

    #[test]
    fn young_people_see_the_outcomes_about_them() {
        let young = member(FAMILY, MemberRelation::Child);
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let sibling = Uuid::from_u128(3);
        assert!(may_see_outcome(&young, &Reach::ALL, &[], None));
        assert!(may_see_outcome(&young, &Reach::ALL, &[OTHER], None));
        assert!(!may_see_outcome(&young, &Reach::ALL, &[sibling], None));
        assert!(may_see_outcome(&parent, &Reach::ALL, &[sibling], None));
        let agency_sections = Action::ReadAgencySections { family_id: FAMILY };
        assert_eq!(
            code(decide(&young, agency_sections, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        assert_eq!(
            code(decide(&parent, agency_sections, &FamilyFacts::NONE)),
            "ok"
        );
    }

    #[test]
    fn a_competent_young_persons_own_consent_governs_the_items_about_them() {
        let jordan = Uuid::from_u128(7);
        let dana = Uuid::from_u128(8);
        let worker = practitioner(&[Role::Practitioner]);
        let read = Action::ReadPlan { family_id: FAMILY };
        let with = |family: bool, jordan_covers: bool| FamilyFacts {
            own_consents: vec![(jordan, jordan_covers)],
            ..facts(true, family, None)
        };
        let reach_of = |f: &FamilyFacts| {
            let access = decide(&worker, read, f).unwrap_or(Access::Granted);
            reach(&worker, read, f, access)
        };
        // The family consents, Jordan does not: the family's items, not Jordan's.
        let family_only = with(true, false);
        assert_eq!(code(decide(&worker, read, &family_only)), "ok");
        let r = reach_of(&family_only);
        assert!(may_see_outcome(&worker, &r, &[], None));
        assert!(may_see_outcome(&worker, &r, &[dana], None));
        assert!(!may_see_outcome(&worker, &r, &[jordan], None));
        assert!(!may_see_outcome(&worker, &r, &[jordan, dana], None));
        assert!(!may_see_meeting_view(&worker, &r, jordan, false));
        assert!(may_see_meeting_view(&worker, &r, dana, false));
        // The reverse: Jordan consents, the family does not. Jordan's items only; the
        // family record itself stays behind the family's consent.
        let jordan_only = with(false, true);
        assert_eq!(code(decide(&worker, read, &jordan_only)), "ok");
        let r = reach_of(&jordan_only);
        assert!(!may_see_outcome(&worker, &r, &[], None));
        assert!(may_see_outcome(&worker, &r, &[jordan], None));
        assert!(!may_see_outcome(&worker, &r, &[jordan, dana], None));
        let family = Action::ReadFamily { family_id: FAMILY };
        assert_eq!(
            code(decide(&worker, family, &jordan_only)),
            "CONSENT_REQUIRED"
        );
        // Neither: refused as before; both: everything.
        assert_eq!(
            code(decide(&worker, read, &with(false, false))),
            "CONSENT_REQUIRED"
        );
        assert!(reach_of(&with(true, true)).everything());
        // An override reaches everything (safeguarding, DESIGN rule 2).
        let under_override = FamilyFacts {
            own_consents: vec![(jordan, false)],
            ..facts(false, false, Some(OTHER))
        };
        assert_eq!(code(decide(&worker, read, &under_override)), "override");
        assert!(reach_of(&under_override).everything());
        // Not on the team: the young person's consent opens nothing.
        let outsider = FamilyFacts {
            own_consents: vec![(jordan, true)],
            ..facts(false, false, None)
        };
        assert_eq!(code(decide(&worker, read, &outsider)), "FORBIDDEN");
        // What Jordan keeps private: the team and Jordan, not his parent.
        let parent_viewer = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let jordan_viewer = Viewer::FamilyMember(FamilyMemberViewer {
            session_id: OTHER,
            account_id: OTHER,
            member_id: jordan,
            family_id: FAMILY,
            relation: MemberRelation::Child,
            restricted_from: vec![],
            no_responsibility_for: vec![],
        });
        let all = Reach::ALL;
        assert!(!may_see_outcome(
            &parent_viewer,
            &all,
            &[jordan],
            Some(jordan)
        ));
        assert!(may_see_outcome(
            &jordan_viewer,
            &all,
            &[jordan],
            Some(jordan)
        ));
        assert!(may_see_outcome(&worker, &all, &[jordan], Some(jordan)));
        assert!(may_see_outcome(&parent_viewer, &all, &[jordan], None));
        assert!(starts_private(&jordan_viewer));
        assert!(!starts_private(&parent_viewer));
        assert!(!starts_private(&worker));
        // Family members are not narrowed by consent.
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        assert!(reach(&parent, read, &family_only, Access::Granted).everything());
    }

    /// One of every action. The match below does not compile when an action is added and
    /// not listed here, so the test covers every action.
    fn every_action() -> Vec<Action> {
        use Action::*;
        let f = FAMILY;
        let all = vec![
            ListFamilies,
            ReadFamily { family_id: f },
            CreateFamily,
            AddFamilyMember { family_id: f },
            ChangeNeedLevel { family_id: f },
            ReadMemberEmail { family_id: f },
            ManageOrganisations,
            ManagePractitioners,
            ReadDirectory,
            ReadPractitionerEmail {
                practitioner_id: OTHER,
            },
            InvitePerson { family_id: Some(f) },
            InvitePerson { family_id: None },
            ManageOwnSignIn,
            ReadConsents { family_id: f },
            ManageOwnConsent { family_id: f },
            RecordPaperConsent { family_id: f },
            AssessCompetence { family_id: f },
            ReadTeam { family_id: f },
            ManageTeam { family_id: f },
            LeaveTeam { family_id: f },
            RaiseSafeguardingConcern { family_id: f },
            ReviewSafeguardingOverrides,
            ReadAccessLog { family_id: f },
            ReadFullAccessLog { family_id: f },
            ReadPlan { family_id: f },
            ReadAssessment { family_id: f },
            ReadAgencySections { family_id: f },
            StartPlanOrAssessment { family_id: f },
            WriteFamilySection { family_id: f },
            WriteAgencySection { family_id: f },
            ShapeOutcome {
                family_id: f,
                for_viewer: true,
            },
            WorkOnOutcome {
                family_id: f,
                for_viewer: true,
            },
            SettleOutcome {
                family_id: f,
                for_viewer: true,
            },
            AdviseOnPlan { family_id: f },
            LeadPlan { family_id: f },
            ReadOwnCaseload,
            ReadVoice { family_id: f },
            GiveFeedback { family_id: f },
            ShareView { family_id: f },
            AnswerFollowUp {
                family_id: f,
                for_viewer: true,
            },
            ReadOwnFollowUps,
            ReadQuestionnaires,
            ReadEvaluationReports,
            NominateLead { family_id: f },
            ReadLeadNominations { family_id: f },
            AnswerLeadNomination {
                family_id: f,
                is_nominee: true,
                accepting: true,
            },
            ReadOwnNominations,
            FollowUpLeadNominations,
            RecordMeeting { family_id: f },
            GiveMeetingView { family_id: f },
            DecideFamilyConsent { family_id: f },
            DecideOwnConsent { family_id: f },
            TakeLead { family_id: f },
            ShareWithHousehold { family_id: f },
            HearOfPlanChange {
                family_id: f,
                about_viewer: true,
            },
            // Issue 17.
            AskForSupport { family_id: f },
            RequestSupportAnonymously,
            ReferFamily,
            ReadOwnReferrals,
            ReadFamilySupportRequests { family_id: f },
            ScreenSupportRequests,
            AnswerSupportQuestion { is_asker: true },
            AnswerSupportQuestion { is_asker: false },
            HearOfMissedSupportClock,
            RaiseConcernWithHub { family_id: f },
            ConsultHub,
            AnswerConsultations,
            SearchLocalServices,
            // Issue 13
            ReadOwnNotifications,
            ManageOwnNotifications,
            // Issue 14
            SetParentalResponsibility { family_id: f },
            ManageRestrictions { family_id: f },
            ReviewRestrictions,
            SayNotSafe { family_id: f },
            ReadHelplines,
        ];
        for action in &all {
            match action {
                ListFamilies
                | ReadFamily { .. }
                | CreateFamily
                | AddFamilyMember { .. }
                | ChangeNeedLevel { .. }
                | ReadMemberEmail { .. }
                | ManageOrganisations
                | ManagePractitioners
                | ReadDirectory
                | ReadPractitionerEmail { .. }
                | InvitePerson { .. }
                | ManageOwnSignIn
                | ReadConsents { .. }
                | ManageOwnConsent { .. }
                | RecordPaperConsent { .. }
                | AssessCompetence { .. }
                | ReadTeam { .. }
                | ManageTeam { .. }
                | LeaveTeam { .. }
                | RaiseSafeguardingConcern { .. }
                | ReviewSafeguardingOverrides
                | ReadAccessLog { .. }
                | ReadFullAccessLog { .. }
                | ReadPlan { .. }
                | ReadAssessment { .. }
                | ReadAgencySections { .. }
                | StartPlanOrAssessment { .. }
                | WriteFamilySection { .. }
                | WriteAgencySection { .. }
                | ShapeOutcome { .. }
                | WorkOnOutcome { .. }
                | SettleOutcome { .. }
                | AdviseOnPlan { .. }
                | LeadPlan { .. }
                | ReadOwnCaseload
                | ReadVoice { .. }
                | GiveFeedback { .. }
                | ShareView { .. }
                | AnswerFollowUp { .. }
                | ReadOwnFollowUps
                | ReadQuestionnaires
                | ReadEvaluationReports
                | NominateLead { .. }
                | ReadLeadNominations { .. }
                | AnswerLeadNomination { .. }
                | ReadOwnNominations
                | FollowUpLeadNominations
                | RecordMeeting { .. }
                | GiveMeetingView { .. }
                | DecideFamilyConsent { .. }
                | DecideOwnConsent { .. }
                | TakeLead { .. }
                | ShareWithHousehold { .. }
                | HearOfPlanChange { .. }
                | KeepViewPrivate { .. }
                | AskForSupport { .. }
                | RequestSupportAnonymously
                | ReferFamily
                | ReadOwnReferrals
                | ReadFamilySupportRequests { .. }
                | ScreenSupportRequests
                | AnswerSupportQuestion { .. }
                | HearOfMissedSupportClock
                | RaiseConcernWithHub { .. }
                | ConsultHub
                | AnswerConsultations
                | SearchLocalServices => {}
                // Issue 13
                ReadOwnNotifications | ManageOwnNotifications => {}
                // Issue 14
                SetParentalResponsibility { .. }
                | ManageRestrictions { .. }
                | ReviewRestrictions => {}
                SayNotSafe { .. } | ReadHelplines => {}
            }
        }
        all
    }

    #[test]
    fn every_action_names_its_family_and_what_it_reads() {
        let not_of_a_family = [
            Action::ListFamilies,
            Action::CreateFamily,
            Action::ManageOrganisations,
            Action::ManagePractitioners,
            Action::ReadDirectory,
            Action::ReadPractitionerEmail {
                practitioner_id: OTHER,
            },
            Action::InvitePerson { family_id: None },
            Action::ManageOwnSignIn,
            Action::ReviewSafeguardingOverrides,
            Action::ReadOwnCaseload,
            Action::ReadOwnFollowUps,
            Action::ReadQuestionnaires,
            Action::ReadEvaluationReports,
            Action::ReadOwnNominations,
            Action::FollowUpLeadNominations,
            Action::RequestSupportAnonymously,
            Action::ReferFamily,
            Action::ReadOwnReferrals,
            Action::ScreenSupportRequests,
            Action::AnswerSupportQuestion { is_asker: false },
            Action::AnswerSupportQuestion { is_asker: true },
            Action::HearOfMissedSupportClock,
            Action::ConsultHub,
            Action::AnswerConsultations,
            Action::SearchLocalServices,
            // Issue 13
            Action::ReadOwnNotifications,
            Action::ManageOwnNotifications,
            Action::ReviewRestrictions,
            // Issue 14
            Action::ReadHelplines,
        ];
        let reads = [
            ("ReadFamily", "family record"),
            ("ReadMemberEmail", "members' email addresses"),
            ("ReadConsents", "consents"),
            ("ReadTeam", "team"),
            ("ReadAccessLog", "access log"),
            ("ReadFullAccessLog", "access log"),
            ("ReadPlan", "plan"),
            ("ReadAssessment", "assessment"),
            ("ReadAgencySections", "assessment"),
            ("ReadVoice", "feedback and views"),
            ("ReadLeadNominations", "lead professional nominations"),
        ];
        for action in every_action() {
            let expected_family = (!not_of_a_family.contains(&action)).then_some(FAMILY);
            assert_eq!(action.family_id(), expected_family, "{action:?}");
            let name = format!("{action:?}");
            let name = name.split([' ', '{']).next().unwrap_or_default();
            let expected_read = reads
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, what)| *what);
            assert_eq!(action.read_of(), expected_read, "{action:?}");
        }
    }

    #[test]
    fn anonymous_callers_may_do_nothing_but_ask_for_help_and_no_row_lets_a_stranger_in() {
        let stranger = member(OTHER, MemberRelation::AdultWithParentalResponsibility);
        let outsider = practitioner(&[Role::Practitioner]);
        for action in every_action() {
            let expected = if open_to_anyone(action) {
                "ok"
            } else {
                "UNAUTHENTICATED"
            };
            assert_eq!(
                code(decide(&Viewer::Anonymous, action, &facts(true, true, None))),
                expected,
                "{action:?}"
            );
            if action.family_id().is_some() {
                assert_eq!(
                    code(decide(&stranger, action, &FamilyFacts::NONE)),
                    "FORBIDDEN",
                    "{action:?}: a member of another family"
                );
                let answer = code(decide(&outsider, action, &FamilyFacts::NONE));
                let allowed_without_facts = matches!(
                    action,
                    Action::RaiseConcernWithHub { .. }
                        | Action::TakeLead { .. }
                        | Action::AnswerLeadNomination { .. }
                );
                assert!(
                    answer != "ok" || allowed_without_facts,
                    "{action:?}: a practitioner not working with the family"
                );
            }
        }
    }

    #[test]
    fn an_adult_without_parental_responsibility_decides_nothing_and_reads_once_shared() {
        let grandmother = member(FAMILY, MemberRelation::OtherAdult);
        let shared = FamilyFacts {
            shared_with_viewer: true,
            ..FamilyFacts::NONE
        };
        let f = FAMILY;
        for decision in [
            Action::ManageOwnConsent { family_id: f },
            Action::DecideFamilyConsent { family_id: f },
            Action::NominateLead { family_id: f },
            Action::ShapeOutcome {
                family_id: f,
                for_viewer: false,
            },
            Action::WorkOnOutcome {
                family_id: f,
                for_viewer: false,
            },
            Action::SettleOutcome {
                family_id: f,
                for_viewer: false,
            },
            Action::AnswerFollowUp {
                family_id: f,
                for_viewer: true,
            },
            Action::ShareWithHousehold { family_id: f },
            Action::StartPlanOrAssessment { family_id: f },
            Action::WriteFamilySection { family_id: f },
        ] {
            assert_eq!(
                code(decide(&grandmother, decision, &shared)),
                "FORBIDDEN",
                "{decision:?}"
            );
        }
        for read in [
            Action::ReadPlan { family_id: f },
            Action::ReadAssessment { family_id: f },
            Action::ReadTeam { family_id: f },
            Action::ReadVoice { family_id: f },
            Action::GiveMeetingView { family_id: f },
        ] {
            assert_eq!(
                code(decide(&grandmother, read, &FamilyFacts::NONE)),
                "FORBIDDEN",
                "{read:?}"
            );
            assert_eq!(code(decide(&grandmother, read, &shared)), "ok", "{read:?}");
        }
        // Her own outcomes, once she sees the plan.
        let hers = Action::ShapeOutcome {
            family_id: f,
            for_viewer: true,
        };
        assert_eq!(
            code(decide(&grandmother, hers, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        assert_eq!(code(decide(&grandmother, hers, &shared)), "ok");
        // Told only about what concerns her.
        let told = |about_viewer| Action::HearOfPlanChange {
            family_id: f,
            about_viewer,
        };
        assert!(!member_may(MemberRelation::OtherAdult, true, told(false)));
        assert!(member_may(MemberRelation::OtherAdult, true, told(true)));
        assert!(!member_may(MemberRelation::OtherAdult, false, told(true)));
        assert!(member_may(
            MemberRelation::AdultWithParentalResponsibility,
            false,
            told(false)
        ));
        // The parent keeps every decision.
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        assert_eq!(
            code(decide(
                &parent,
                Action::ShareWithHousehold { family_id: f },
                &FamilyFacts::NONE
            )),
            "ok"
        );
        assert_eq!(
            code(decide(
                &parent,
                Action::NominateLead { family_id: f },
                &FamilyFacts::NONE
            )),
            "ok"
        );
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
                code(decide(&worker, action, &lead(true, true))),
                "ok",
                "{action:?}"
            );
            assert_eq!(
                code(decide(&worker, action, &lead(true, false))),
                "CONSENT_REQUIRED",
                "{action:?}"
            );
            assert_eq!(
                code(decide(&worker, action, &facts(true, true, None))),
                "FORBIDDEN",
                "{action:?}: not the lead"
            );
        }
        // Inviting someone who is not of a family stays with the hub and administrators.
        let invite = Action::InvitePerson { family_id: None };
        assert_eq!(
            code(decide(&worker, invite, &lead(true, true))),
            "FORBIDDEN"
        );
    }

    #[test]
    fn the_family_adults_nominate_and_only_the_nominee_answers() {
        let nominate = Action::NominateLead { family_id: FAMILY };
        let parent = member(FAMILY, MemberRelation::AdultWithParentalResponsibility);
        let young = member(FAMILY, MemberRelation::Child);
        assert_eq!(code(decide(&parent, nominate, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(decide(&young, nominate, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        let hub = practitioner(&[Role::HubWorker]);
        assert_eq!(
            code(decide(&hub, nominate, &facts(true, true, None))),
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
            code(decide(&worker, answer(true, false), &FamilyFacts::NONE)),
            "ok"
        );
        assert_eq!(
            code(decide(
                &worker,
                answer(true, true),
                &facts(false, true, None)
            )),
            "ok"
        );
        assert_eq!(
            code(decide(
                &worker,
                answer(true, true),
                &facts(true, false, None)
            )),
            "CONSENT_REQUIRED"
        );
        assert_eq!(
            code(decide(
                &worker,
                answer(false, false),
                &facts(true, true, None)
            )),
            "FORBIDDEN"
        );
        assert_eq!(
            code(decide(&parent, answer(true, true), &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
    }

    #[test]
    fn managers_read_declines_and_follow_them_up() {
        let manager = practitioner(&[Role::LocalityManager]);
        let read = Action::ReadLeadNominations { family_id: FAMILY };
        assert_eq!(code(decide(&manager, read, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(decide(
                &manager,
                Action::FollowUpLeadNominations,
                &FamilyFacts::NONE
            )),
            "ok"
        );
        let worker = practitioner(&[Role::Practitioner]);
        assert_eq!(
            code(decide(
                &worker,
                Action::FollowUpLeadNominations,
                &FamilyFacts::NONE
            )),
            "FORBIDDEN"
        );
        assert_eq!(
            code(decide(&worker, read, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        let stranger = member(OTHER, MemberRelation::AdultWithParentalResponsibility);
        assert_eq!(
            code(decide(&stranger, read, &FamilyFacts::NONE)),
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
            restricted_from: vec![],
            no_responsibility_for: vec![],
        });
        let worker = practitioner(&[Role::Practitioner]);
        assert!(may_see_meeting_view(&young, &Reach::ALL, author, true));
        assert!(may_see_meeting_view(&worker, &Reach::ALL, author, true));
        assert!(!may_see_meeting_view(&parent, &Reach::ALL, author, true));
        assert!(may_see_meeting_view(&parent, &Reach::ALL, author, false));
        assert!(!may_see_meeting_view(
            &Viewer::Anonymous,
            &Reach::ALL,
            author,
            false
        ));
    }

    #[test]
    fn meetings_are_recorded_by_the_team_and_views_given_by_the_family() {
        let record = Action::RecordMeeting { family_id: FAMILY };
        let view = Action::GiveMeetingView { family_id: FAMILY };
        let worker = practitioner(&[Role::Practitioner]);
        let young = member(FAMILY, MemberRelation::Child);
        assert_eq!(
            code(decide(&worker, record, &facts(true, true, None))),
            "ok"
        );
        assert_eq!(
            code(decide(&worker, record, &facts(true, false, None))),
            "CONSENT_REQUIRED"
        );
        assert_eq!(
            code(decide(&young, record, &FamilyFacts::NONE)),
            "FORBIDDEN"
        );
        assert_eq!(code(decide(&young, view, &FamilyFacts::NONE)), "ok");
        assert_eq!(
            code(decide(&worker, view, &facts(true, true, None))),
            "FORBIDDEN"
        );
        let manager = practitioner(&[Role::LocalityManager]);
        assert_eq!(
            code(decide(&manager, record, &facts(true, true, None))),
            "FORBIDDEN"
        );
    }

    #[test]
    fn the_front_door_is_the_hubs_and_askers_answer_their_own_questions() {
        let hub = practitioner(&[Role::HubWorker]);
        let worker = practitioner(&[Role::Practitioner]);
        let manager = practitioner(&[Role::LocalityManager]);
        let young = member(FAMILY, MemberRelation::Child);
        let none = &FamilyFacts::NONE;
        let screen = Action::ScreenSupportRequests;
        assert_eq!(code(decide(&hub, screen, none)), "ok");
        for other in [&worker, &manager, &young] {
            assert_eq!(code(decide(other, screen, none)), "FORBIDDEN");
        }
        assert_eq!(
            code(decide(&Viewer::Anonymous, screen, none)),
            "UNAUTHENTICATED"
        );
        let ask = Action::AskForSupport { family_id: FAMILY };
        assert_eq!(code(decide(&young, ask, none)), "ok");
        assert_eq!(code(decide(&worker, ask, none)), "FORBIDDEN");
        let stranger = member(OTHER, MemberRelation::AdultWithParentalResponsibility);
        assert_eq!(code(decide(&stranger, ask, none)), "FORBIDDEN");
        assert_eq!(code(decide(&worker, Action::ReferFamily, none)), "ok");
        assert_eq!(code(decide(&young, Action::ReferFamily, none)), "FORBIDDEN");
        let answer = |is_asker| Action::AnswerSupportQuestion { is_asker };
        assert_eq!(code(decide(&worker, answer(true), none)), "ok");
        assert_eq!(code(decide(&worker, answer(false), none)), "FORBIDDEN");
        assert_eq!(code(decide(&young, answer(true), none)), "ok");
        assert_eq!(code(decide(&young, answer(false), none)), "FORBIDDEN");
        assert_eq!(code(decide(&hub, answer(false), none)), "ok");
        assert_eq!(
            roles_allowed(Action::HearOfMissedSupportClock),
            vec![Role::LocalityManager]
        );
        // A concern from outside the team goes to the hub; the override is the team's.
        let concern = Action::RaiseSafeguardingConcern { family_id: FAMILY };
        let to_hub = Action::RaiseConcernWithHub { family_id: FAMILY };
        assert_eq!(code(decide(&worker, concern, none)), "FORBIDDEN");
        assert_eq!(code(decide(&worker, to_hub, none)), "ok");
        let on_team = facts(true, false, None);
        assert_eq!(code(decide(&worker, concern, &on_team)), "ok");
        assert_eq!(code(decide(&manager, to_hub, none)), "FORBIDDEN");
    }

    #[test]
    fn a_restricted_child_is_a_stranger_and_a_child_without_responsibility_is_not_decided_for() {
        let (jordan, ellie) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let chris = Viewer::FamilyMember(FamilyMemberViewer {
            session_id: OTHER,
            account_id: OTHER,
            member_id: OTHER,
            family_id: FAMILY,
            relation: MemberRelation::AdultWithParentalResponsibility,
            restricted_from: vec![jordan],
            no_responsibility_for: vec![ellie],
        });
        let read = Action::ReadPlan { family_id: FAMILY };
        let reach =
            crate::access::visibility::reach(&chris, read, &FamilyFacts::NONE, Access::Granted);
        assert!(!reach.about(&[jordan]));
        assert!(
            !reach.about(&[jordan, ellie]),
            "an item about both is about Jordan"
        );
        assert!(reach.about(&[ellie]));
        assert!(reach.about(&[]));
        assert!(!reach.decides_for(&[ellie]), "only about Ellie");
        assert!(
            reach.decides_for(&[ellie, OTHER]),
            "about Ellie and himself"
        );
        assert!(reach.decides_for(&[]), "the whole family");
        assert!(!reach.decides_for(&[jordan]));
        assert!(!may_see_outcome(&chris, &reach, &[jordan], None));
        assert!(reach.family_split().1.contains(&jordan));
        // The rows themselves do not change: he still reads the plan.
        assert_eq!(code(decide(&chris, read, &FamilyFacts::NONE)), "ok");
        // A practitioner's reach is untouched by a family member's restrictions.
        let worker = practitioner(&[Role::Practitioner]);
        let reach = crate::access::visibility::reach(
            &worker,
            read,
            &facts(true, true, None),
            Access::Granted,
        );
        assert!(reach.about(&[jordan]));
    }
}
