//! Who is asking and who acts: the leaf every layer may use. A [`Viewer`] is resolved from the
//! bearer token once per request; an [`Actor`] is who a change or a read is recorded against.
use entities::family_member::MemberRelation;
use entities::practitioner_role::Role;
use uuid::Uuid;

/// The person behind a request, resolved once per request from the bearer token.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    Practitioner(PractitionerViewer),
    FamilyMember(FamilyMemberViewer),
}

#[derive(Debug, Clone)]
pub struct PractitionerViewer {
    pub session_id: Uuid,
    pub account_id: Uuid,
    pub practitioner_id: Uuid,
    pub organisation_id: Uuid,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone)]
pub struct FamilyMemberViewer {
    pub session_id: Uuid,
    pub account_id: Uuid,
    pub member_id: Uuid,
    pub family_id: Uuid,
    pub relation: MemberRelation,
    /// Issue 14: the children of the family a restriction in force keeps from this person:
    /// to them, each is like a stranger. Read with the session, fresh on every request.
    pub restricted_from: Vec<Uuid>,
    /// Issue 14: the children of the family this adult (with parental responsibility for
    /// some) holds no parental responsibility for: they decide nothing for them.
    pub no_responsibility_for: Vec<Uuid>,
}

impl Viewer {
    pub fn account_id(&self) -> Option<Uuid> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Practitioner(p) => Some(p.account_id),
            Viewer::FamilyMember(m) => Some(m.account_id),
        }
    }

    pub fn practitioner_id(&self) -> Option<Uuid> {
        match self {
            Viewer::Practitioner(p) => Some(p.practitioner_id),
            _ => None,
        }
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Practitioner(p) => Some(p.session_id),
            Viewer::FamilyMember(m) => Some(m.session_id),
        }
    }
}

/// How access was granted: practitioners' use of a safeguarding override is audited against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Granted,
    UnderOverride(Uuid),
}

/// Whoever acts: a practitioner, a family member, or an operator at the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Practitioner {
        id: Uuid,
        organisation_id: Uuid,
        role: &'static str,
        /// Set when acting under a safeguarding override rather than consent.
        under_override: Option<Uuid>,
    },
    Member {
        id: Uuid,
    },
    Operator,
    /// Someone not signed in, at the public front door (issue 17).
    Anyone,
}

impl Actor {
    pub fn of(viewer: &Viewer) -> Option<Self> {
        match viewer {
            Viewer::Anonymous => None,
            Viewer::Practitioner(p) => Some(Actor::Practitioner {
                id: p.practitioner_id,
                organisation_id: p.organisation_id,
                role: role_label(&p.roles),
                under_override: None,
            }),
            Viewer::FamilyMember(m) => Some(Actor::Member { id: m.member_id }),
        }
    }

    /// The same actor, acting under `access` (a safeguarding override, or consent).
    pub fn with_access(self, access: Access) -> Self {
        match (self, access) {
            (
                Actor::Practitioner {
                    id,
                    organisation_id,
                    role,
                    ..
                },
                Access::UnderOverride(o),
            ) => Actor::Practitioner {
                id,
                organisation_id,
                role,
                under_override: Some(o),
            },
            (actor, _) => actor,
        }
    }

    pub fn override_id(&self) -> Option<Uuid> {
        match self {
            Actor::Practitioner { under_override, .. } => *under_override,
            _ => None,
        }
    }

    /// (family member, practitioner) ids, for "who" columns.
    pub fn ids(&self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Actor::Practitioner { id, .. } => (None, Some(*id)),
            Actor::Member { id } => (Some(*id), None),
            Actor::Operator | Actor::Anyone => (None, None),
        }
    }

    pub fn practitioner_id(&self) -> Option<Uuid> {
        match self {
            Actor::Practitioner { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn member_id(&self) -> Option<Uuid> {
        match self {
            Actor::Member { id } => Some(*id),
            _ => None,
        }
    }
}

/// The capacity a practitioner acts in, as the family will read it.
fn role_label(roles: &[Role]) -> &'static str {
    if roles.contains(&Role::HubWorker) {
        "hub worker"
    } else if roles.contains(&Role::LocalityManager) {
        "locality manager"
    } else if roles.contains(&Role::Practitioner) {
        "practitioner"
    } else {
        "administrator"
    }
}
