//! The app's screens as the app asks for them, shared by the statement-count tests and the
//! benchmarks so that both measure the same request.

/// The family's plan screen: every outcome with who it is for, who proposed it, the notes,
/// progress side by side and the actions, and what is overdue. `$id` is the family's id.
pub const PLAN_SCREEN: &str = "query($id: ID!) { node(id: $id) { ... on Family { plan { id version status leadProfessional { name } outcomes(first: 100) { nodes { id words status area { label } for { name } proposedBy { ... on FamilyMember { name } ... on Practitioner { name } } notes { nodes { body author { name } } } progress { gap largeGap family { score } practitioner { score } } actions { nodes { description done overdue assignee { ... on FamilyMember { name } ... on Practitioner { name } } service { name contact } } } } } overdueActions { nodes { id } } } } } }";
