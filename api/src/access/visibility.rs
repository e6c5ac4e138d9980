//! Which items of a family a viewer sees, once the rules table has let them read that part:
//! outcomes about a young person, private views, withheld override entries, the history.
//! Each function answers for one item; no caller decides these beside them.
use super::rules::{Kind, kind_of_member};
use crate::viewer::Viewer;
use uuid::Uuid;

/// Whether `viewer`, already allowed to read the plan, sees an outcome for `for_members`
/// (empty: the whole family). Young people see the outcomes about them or the whole family.
pub fn may_see_outcome(viewer: &Viewer, for_members: &[Uuid]) -> bool {
    match viewer {
        Viewer::FamilyMember(m) if kind_of_member(m.relation) == Kind::YoungPerson => {
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

/// What of the family's feedback and views a viewer, already allowed [`super::Action::ReadVoice`],
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

/// Whether `viewer` filters the plan's history down to the outcomes they see (family
/// members do; practitioners read the whole history).
pub fn history_follows_visible_outcomes(viewer: &Viewer) -> bool {
    matches!(viewer, Viewer::FamilyMember(_))
}

/// Whether `viewer` may read a safeguarding override that `raised_by` raised, without the
/// locality managers' review rights: the practitioner who raised it.
pub fn raised_override(viewer: &Viewer, raised_by: Uuid) -> bool {
    matches!(viewer, Viewer::Practitioner(p) if p.practitioner_id == raised_by)
}

/// Whether an item for `members` (a follow-up, an outcome's members) is about the viewer.
pub fn is_about_viewer(viewer: &Viewer, members: &[Uuid]) -> bool {
    matches!(viewer, Viewer::FamilyMember(m) if members.contains(&m.member_id))
}

/// Whether an item for `members` (none: the whole family) is about the viewer alone: what a
/// young person may write for themselves.
pub fn only_about_viewer(viewer: &Viewer, members: &[Uuid]) -> bool {
    !members.is_empty() && members.iter().all(|m| is_about_viewer(viewer, &[*m]))
}

/// Whether `viewer` is the practitioner `practitioner_id` (a nominee, say).
pub fn is_practitioner(viewer: &Viewer, practitioner_id: Uuid) -> bool {
    matches!(viewer, Viewer::Practitioner(p) if p.practitioner_id == practitioner_id)
}

/// Which side of the work a person giving feedback is on, for the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    YoungPerson,
    FamilyAdult,
    Practitioner,
}

pub fn side_of(viewer: &Viewer) -> Option<Side> {
    match viewer {
        Viewer::FamilyMember(m) if kind_of_member(m.relation) == Kind::YoungPerson => {
            Some(Side::YoungPerson)
        }
        Viewer::FamilyMember(_) => Some(Side::FamilyAdult),
        Viewer::Practitioner(_) => Some(Side::Practitioner),
        Viewer::Anonymous => None,
    }
}

/// A request for support, as far as what the family sees of it depends (issue 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupportRequestItem {
    /// The family member who asked from the app, if one did.
    pub asked_by_member: Option<Uuid>,
    /// A young person chose to share their request with their parents (an adult's request
    /// is shared with the other parents).
    pub shared_with_parents: bool,
    /// An urgent alert ("I don't feel safe", a concern from outside the team): never shown
    /// to the rest of the family.
    pub urgent: bool,
    /// A child may be at risk of significant harm and the hub has not decided yet.
    pub harm_undecided: bool,
    /// The hub decided that telling the family would increase the risk (child protection).
    pub withheld: bool,
}

/// Whether a member of the request's family (allowed
/// [`super::Action::ReadFamilySupportRequests`]) sees it: never when withheld; always the one
/// who asked; a young person's own request reaches parents only when shared; the others
/// (referrals, requests linked at screening) reach the parents, not while a significant-harm
/// question is undecided, and urgent alerts never.
pub fn may_see_support_request(viewer: &Viewer, item: SupportRequestItem) -> bool {
    let Viewer::FamilyMember(m) = viewer else {
        return false;
    };
    if item.withheld {
        return false;
    }
    if item.asked_by_member == Some(m.member_id) {
        return true;
    }
    if item.urgent || item.harm_undecided || kind_of_member(m.relation) != Kind::Parent {
        return false;
    }
    item.asked_by_member.is_none() || item.shared_with_parents
}
