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

impl PractitionerViewer {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Debug, Clone)]
pub struct FamilyMemberViewer {
    pub session_id: Uuid,
    pub account_id: Uuid,
    pub member_id: Uuid,
    pub family_id: Uuid,
    pub relation: MemberRelation,
}

impl Viewer {
    pub fn account_id(&self) -> Option<Uuid> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Practitioner(p) => Some(p.account_id),
            Viewer::FamilyMember(m) => Some(m.account_id),
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
