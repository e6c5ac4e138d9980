//! What someone may ask to do: one variant per kind of act, naming the family it concerns.
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
    /// Raise a safeguarding concern and gain time-limited access without consent: for
    /// practitioners on the family's team (others raise [`Action::RaiseConcernWithHub`]).
    RaiseSafeguardingConcern { family_id: Uuid },
    /// See and decide the locality's safeguarding override reviews.
    ReviewSafeguardingOverrides,
    /// Read the family's access log (override entries withheld from the family aside).
    ReadAccessLog { family_id: Uuid },
    /// Read the full trail, withheld override entries included.
    ReadFullAccessLog { family_id: Uuid },
    /// Read the family's plan: outcomes, notes, progress, actions and their history. Young
    /// people see the outcomes about them or the whole family ([`super::visibility::may_see_outcome`]).
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
    /// within them is [`super::visibility::may_see_voice`] (DESIGN rule 5).
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
    /// Give or withdraw consent for the family's information (parental responsibility).
    DecideFamilyConsent { family_id: Uuid },
    /// Give or withdraw consent for one's own information (a young person assessed
    /// competent; the assessment is checked where the consent is given).
    DecideOwnConsent { family_id: Uuid },
    /// Keep one's own view from the rest of the family (young people, DESIGN rule 5).
    KeepViewPrivate { family_id: Uuid },
    /// Be nominated as a family's lead professional.
    TakeLead { family_id: Uuid },
    /// Share the plan with an adult of the household who has no parental responsibility, or
    /// stop sharing it.
    ShareWithHousehold { family_id: Uuid },
    /// Be told (email, inbox) that the family's plan changed. `about_viewer`: the change is
    /// about an outcome for the person told. Not something anyone asks for: who is told.
    HearOfPlanChange { family_id: Uuid, about_viewer: bool },
    // Issue 17: the front door — requests for support and their screening.
    /// Ask the hub for help from the app, as a member of the family.
    AskForSupport { family_id: Uuid },
    /// Ask for help through the public front door: open to anyone, with or without an
    /// account ([`super::rules::open_to_anyone`]).
    RequestSupportAnonymously,
    /// Refer a family to the hub, known to the service or not (a professional).
    ReferFamily,
    /// See the status and outcome of one's own referrals, nothing more.
    ReadOwnReferrals,
    /// See the family's requests for support in the app. Which ones each member sees is
    /// [`super::visibility::may_see_support_request`].
    ReadFamilySupportRequests { family_id: Uuid },
    /// The hub's screening: the queue, a request's details and possible matches, claiming,
    /// asking for more information, deciding.
    ScreenSupportRequests,
    /// Answer the hub's question about a request. `is_asker`: the viewer made the request.
    AnswerSupportQuestion { is_asker: bool },
    /// Be told (email) that a request's clock was missed. Not asked for: who is told.
    HearOfMissedSupportClock,
    /// A safeguarding concern about a family the practitioner does not work with: an urgent
    /// request to the hub (2-hour clock), no access to the family's record (DESIGN rule 2).
    RaiseConcernWithHub { family_id: Uuid },
    /// Ask the hub's consultation line for advice, and read one's own consultations. Grants
    /// no access to any family's record.
    ConsultHub,
    /// The hub's side of the consultation line: the questions waiting, and the answers.
    AnswerConsultations,
    /// Search the directory of local services: public information, open to anyone
    /// ([`super::rules::open_to_anyone`]).
    SearchLocalServices,
    // Issue 13: the app's own channel (inbox and push).
    /// Read one's own inbox, one's choices of how to be told, and one's push devices. Which
    /// notifications each reader sees is each kind's gate (`domain::notify::kinds`).
    ReadOwnNotifications,
    /// Mark one's own notifications read, choose how one is told, register and unregister
    /// one's own push devices.
    ManageOwnNotifications,
    // Issue 14: parental responsibility per adult–child pair, and restrictions.
    /// Record that an adult holds (or no longer holds) parental responsibility for a child.
    SetParentalResponsibility { family_id: Uuid },
    /// Record, lift, review and read a family's restrictions (court orders, safeguarding
    /// decisions keeping a named adult from a named child). Never the family's.
    ManageRestrictions { family_id: Uuid },
    /// See the restrictions of every family that wait for review.
    ReviewRestrictions,
    // Issue 14: "I don't feel safe".
    /// Say that one does not feel safe: an urgent alert to the hub and the lead professional,
    /// never shown to the rest of the family. Members of the family, for themselves.
    SayNotSafe { family_id: Uuid },
    /// Read the emergency and helpline numbers: public, open to anyone
    /// ([`super::rules::open_to_anyone`]).
    ReadHelplines,
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
            | GiveMeetingView { family_id }
            | ShareWithHousehold { family_id }
            | DecideFamilyConsent { family_id }
            | DecideOwnConsent { family_id }
            | TakeLead { family_id }
            | KeepViewPrivate { family_id }
            | HearOfPlanChange { family_id, .. }
            | AskForSupport { family_id }
            | ReadFamilySupportRequests { family_id }
            | RaiseConcernWithHub { family_id }
            | SetParentalResponsibility { family_id }
            | ManageRestrictions { family_id } => Some(family_id),
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
            RequestSupportAnonymously
            | ReferFamily
            | ReadOwnReferrals
            | ScreenSupportRequests
            | AnswerSupportQuestion { .. }
            | HearOfMissedSupportClock
            | ConsultHub
            | AnswerConsultations
            | SearchLocalServices => None,
            ReadOwnNotifications | ManageOwnNotifications => None,
            ReviewRestrictions => None,
            SayNotSafe { family_id } => Some(family_id),
            ReadHelplines => None,
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
