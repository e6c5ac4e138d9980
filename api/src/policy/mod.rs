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
            | ReadFullAccessLog { family_id } => Some(family_id),
            ListFamilies
            | CreateFamily
            | ManageOrganisations
            | ManagePractitioners
            | ReadDirectory
            | ReadPractitionerEmail { .. }
            | ReviewSafeguardingOverrides
            | InvitePerson { .. }
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
            let allowed = match action {
                ReadFamily { .. }
                | ReadConsents { .. }
                | ReadTeam { .. }
                | ReadAccessLog { .. } => own,
                ManageOwnConsent { .. } => own,
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
                // The lead professional will also invite their family's members (later issue).
                InvitePerson { .. } => granted(hub || p.has_role(Role::Admin)),
                ManageOrganisations | ManagePractitioners => granted(p.has_role(Role::Admin)),
                ReviewSafeguardingOverrides => granted(manager),
                ReadFullAccessLog { .. } => granted(manager),
                ReadAccessLog { .. } => granted(manager),
                // The front door: the hub screens, opens records and assigns the first team.
                ListFamilies | CreateFamily => granted(hub),
                ChangeNeedLevel { .. } | ReadMemberEmail { .. } | ManageTeam { .. } => granted(hub),
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
            }
        }
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
    use entities::family_member::MemberRelation;

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
    fn every_action_names_its_family_and_what_it_reads() {
        let read = Action::ReadTeam { family_id: FAMILY };
        assert_eq!(read.family_id(), Some(FAMILY));
        assert_eq!(read.read_of(), Some("team"));
        assert_eq!(Action::ManageTeam { family_id: FAMILY }.read_of(), None);
        assert_eq!(Action::ListFamilies.family_id(), None);
    }
}
