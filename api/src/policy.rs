//! Who may do what. Every resolver that exposes family data or changes anything asks here;
//! nothing else compares roles.
//!
//! Until consent lands (its own issue), practitioners reach family records only through the
//! front door: hub workers and admins. Family members reach their own family.
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
}

pub fn authorize(viewer: &Viewer, action: Action) -> AppResult<()> {
    if allowed(viewer, action) {
        Ok(())
    } else if matches!(viewer, Viewer::Anonymous) {
        Err(AppError::Unauthenticated)
    } else {
        Err(AppError::Forbidden)
    }
}

fn allowed(viewer: &Viewer, action: Action) -> bool {
    use Action::*;
    match viewer {
        Viewer::Anonymous => false,
        Viewer::Practitioner(p) => {
            let front_door = p.has_role(Role::HubWorker) || p.has_role(Role::Admin);
            match action {
                ListFamilies | CreateFamily => front_door,
                ReadFamily { .. } | AddFamilyMember { .. } | ReadMemberEmail { .. } => front_door,
                // A need-level decision is a case decision: the hub's, not a system admin's.
                ChangeNeedLevel { .. } => p.has_role(Role::HubWorker),
                ManageOrganisations | ManagePractitioners => p.has_role(Role::Admin),
                ReadDirectory => true,
                // Work contact details are shared among partner agencies.
                ReadPractitionerEmail { .. } => true,
                // Lead professionals will also invite their family's members (later issue).
                InvitePerson { .. } => front_door,
                ManageOwnSignIn => true,
            }
        }
        Viewer::FamilyMember(m) => match action {
            ReadFamily { family_id } => family_id == m.family_id,
            ReadDirectory | ManageOwnSignIn => true,
            ListFamilies
            | CreateFamily
            | AddFamilyMember { .. }
            | ChangeNeedLevel { .. }
            | ReadMemberEmail { .. }
            | ManageOrganisations
            | ManagePractitioners
            | ReadPractitionerEmail { .. }
            | InvitePerson { .. } => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{FamilyMemberViewer, PractitionerViewer};
    use entities::family_member::MemberRelation;

    const OWN_FAMILY: Uuid = Uuid::from_u128(1);
    const OTHER_FAMILY: Uuid = Uuid::from_u128(2);
    const SOMEONE: Uuid = Uuid::from_u128(3);

    fn practitioner(roles: &[Role]) -> Viewer {
        Viewer::Practitioner(PractitionerViewer {
            session_id: SOMEONE,
            account_id: SOMEONE,
            practitioner_id: SOMEONE,
            organisation_id: SOMEONE,
            roles: roles.to_vec(),
        })
    }

    fn member(relation: MemberRelation) -> Viewer {
        Viewer::FamilyMember(FamilyMemberViewer {
            session_id: SOMEONE,
            account_id: SOMEONE,
            member_id: SOMEONE,
            family_id: OWN_FAMILY,
            relation,
        })
    }

    /// Expected answers, one column per viewer:
    /// anonymous, adult of this family, child of this family, practitioner,
    /// hub worker, locality manager, admin. `true` = allowed.
    /// The match is exhaustive: a new action does not compile until its row is written.
    fn expected(action: Action) -> [bool; 7] {
        use Action::*;
        match action {
            ListFamilies => [false, false, false, false, true, false, true],
            ReadFamily { family_id } if family_id == OWN_FAMILY => {
                [false, true, true, false, true, false, true]
            }
            ReadFamily { .. } => [false, false, false, false, true, false, true],
            CreateFamily => [false, false, false, false, true, false, true],
            AddFamilyMember { .. } => [false, false, false, false, true, false, true],
            ChangeNeedLevel { .. } => [false, false, false, false, true, false, false],
            ReadMemberEmail { .. } => [false, false, false, false, true, false, true],
            ManageOrganisations => [false, false, false, false, false, false, true],
            ManagePractitioners => [false, false, false, false, false, false, true],
            ReadDirectory => [false, true, true, true, true, true, true],
            ReadPractitionerEmail { .. } => [false, false, false, true, true, true, true],
            InvitePerson { .. } => [false, false, false, false, true, false, true],
            ManageOwnSignIn => [false, true, true, true, true, true, true],
        }
    }

    fn every_action() -> Vec<Action> {
        use Action::*;
        vec![
            ListFamilies,
            ReadFamily {
                family_id: OWN_FAMILY,
            },
            ReadFamily {
                family_id: OTHER_FAMILY,
            },
            CreateFamily,
            AddFamilyMember {
                family_id: OWN_FAMILY,
            },
            ChangeNeedLevel {
                family_id: OWN_FAMILY,
            },
            ReadMemberEmail {
                family_id: OWN_FAMILY,
            },
            ManageOrganisations,
            ManagePractitioners,
            ReadDirectory,
            ReadPractitionerEmail {
                practitioner_id: SOMEONE,
            },
            InvitePerson {
                family_id: Some(OWN_FAMILY),
            },
            InvitePerson { family_id: None },
            ManageOwnSignIn,
        ]
    }

    #[test]
    fn every_action_for_every_kind_of_viewer() {
        let viewers = [
            ("anonymous", Viewer::Anonymous),
            (
                "adult",
                member(MemberRelation::AdultWithParentalResponsibility),
            ),
            ("child", member(MemberRelation::Child)),
            ("practitioner", practitioner(&[Role::Practitioner])),
            (
                "hub worker",
                practitioner(&[Role::Practitioner, Role::HubWorker]),
            ),
            ("locality manager", practitioner(&[Role::LocalityManager])),
            ("admin", practitioner(&[Role::Admin])),
        ];
        for action in every_action() {
            for ((name, viewer), allowed) in viewers.iter().zip(expected(action)) {
                let result = authorize(viewer, action);
                match (allowed, &result, viewer) {
                    (true, Ok(()), _) => {}
                    (false, Err(AppError::Unauthenticated), Viewer::Anonymous) => {}
                    (false, Err(AppError::Forbidden), v) if !matches!(v, Viewer::Anonymous) => {}
                    _ => {
                        panic!("{action:?} for {name}: expected allowed={allowed}, got {result:?}")
                    }
                }
            }
        }
    }
}
