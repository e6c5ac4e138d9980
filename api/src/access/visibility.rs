//! Which items of a family a viewer sees, once the rules table has let them read that part:
//! outcomes about a young person, private views, withheld override entries, the history.
//! Each function answers for one item; no caller decides these beside them.
use super::action::Action;
use super::facts::{Band, FamilyFacts};
use super::rules::{self, Kind, kind_of_member};
use crate::viewer::{Access, Viewer};
use uuid::Uuid;

/// Issue 14: which of a family's items a permit reaches, by whom they are about. A young
/// person assessed competent who has decided about their own information governs
/// practitioners' access to the items about them (outcomes for them, their views and
/// feedback); the family's consent governs the rest. A practitioner covered by the
/// family's consent but not by the young person's reaches the family's items without the
/// young person's, and the reverse. A child no family consent covers (none given by an adult
/// with parental responsibility for them and not restricted from them) is out of reach the
/// same way. For a family member, the children a restriction keeps from them are out of reach
/// entirely, and those they hold no parental responsibility for are seen but not decided for
/// ([`Reach::decides_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The family's items (those not about a young person who decides for themselves).
    family: bool,
    /// Young people who decide for themselves, and whether their items are reached.
    own: Vec<(Uuid, bool)>,
    /// For an adult of the family: the children and how far each has grown up (what they
    /// wrote is kept from parents from the privacy age; nothing about an adult member).
    grown: Vec<(Uuid, Band)>,
    /// Issue 14: for a family member, the children a restriction in force keeps from them:
    /// nothing about or by them is reached.
    hidden: Vec<Uuid>,
    /// Issue 14: for an adult of the family, the children they hold no parental
    /// responsibility for: they see them, but decide nothing only about them.
    no_say: Vec<Uuid>,
}

impl Reach {
    /// Everything the action allows: family members, and practitioners under an override
    /// or a row that needs no facts.
    pub const ALL: Reach = Reach {
        family: true,
        own: Vec::new(),
        grown: Vec::new(),
        hidden: Vec::new(),
        no_say: Vec::new(),
    };

    /// Issue 14: the same reach for a family member, with the children a restriction keeps
    /// from them and those they hold no parental responsibility for (read with the session).
    fn limited_for(mut self, viewer: &Viewer) -> Reach {
        if let Viewer::FamilyMember(m) = viewer {
            self.hidden.clone_from(&m.restricted_from);
            self.no_say.clone_from(&m.no_responsibility_for);
        }
        self
    }

    /// Issue 14: whether the reader may decide about an item for `members` (none: the whole
    /// family): it is reached, and unless it is about the whole family, it is about someone
    /// they have a say for (an adult with parental responsibility decides nothing only about
    /// children they hold none for).
    pub fn decides_for(&self, members: &[Uuid]) -> bool {
        self.about(members)
            && (members.is_empty() || members.iter().any(|m| !self.no_say.contains(m)))
    }

    /// Issue 14: the children kept from the reader by a restriction.
    pub fn hidden(&self) -> &[Uuid] {
        &self.hidden
    }

    /// Whether an item about `members` (none: the whole family) is reached. An item about
    /// several people needs each of them reached.
    pub fn about(&self, members: &[Uuid]) -> bool {
        if members.is_empty() {
            return self.family;
        }
        members.iter().all(|m| self.member(*m))
    }

    /// Whether an item by or about one member is reached.
    pub fn member(&self, member: Uuid) -> bool {
        if self.band(member) == Some(Band::Adult) || self.hidden.contains(&member) {
            return false;
        }
        match self.own.iter().find(|(id, _)| *id == member) {
            Some((_, covered)) => *covered,
            None => self.family,
        }
    }

    /// Whether an item given by `by_member` (none: a practitioner's, or anonymous) is reached.
    pub fn by(&self, by_member: Option<Uuid>) -> bool {
        match by_member {
            Some(member) => self.member(member),
            None => self.family,
        }
    }

    /// The same reach for an adult of the family, with the family's children (id, date of
    /// birth) as read with the plan.
    pub fn with_children(
        &self,
        viewer: &Viewer,
        children: impl Iterator<Item = (Uuid, chrono::NaiveDate)>,
        today: chrono::NaiveDate,
        ages: super::Ages,
    ) -> Reach {
        let mut reach = self.clone();
        if matches!(viewer, Viewer::FamilyMember(m) if kind_of_member(m.relation) != Kind::YoungPerson)
        {
            reach.grown = children
                .map(|(id, born)| (id, ages.band(born, today)))
                .collect();
        }
        reach
    }

    /// How far a child of the family has grown up, when the reader is an adult of it.
    pub fn band(&self, member: Uuid) -> Option<Band> {
        self.grown
            .iter()
            .find(|(id, _)| *id == member)
            .map(|(_, band)| *band)
    }

    /// The children whose private words the reader still sees (under the privacy age), and
    /// the members about whom they see nothing (adult members; children a restriction keeps
    /// from them).
    pub fn family_split(&self) -> (Vec<Uuid>, Vec<Uuid>) {
        let young = self.grown.iter().filter(|(_, b)| *b == Band::Child);
        let adults = self.grown.iter().filter(|(_, b)| *b == Band::Adult);
        let young = young.map(|(m, _)| *m).filter(|m| !self.hidden.contains(m));
        let mut withheld: Vec<Uuid> = adults.map(|(m, _)| *m).collect();
        withheld.extend(self.hidden.iter().copied());
        (young.collect(), withheld)
    }

    /// Whether every item is reached.
    pub fn everything(&self) -> bool {
        self.family && self.own.iter().all(|(_, covered)| *covered)
    }

    /// The members whose items are out of reach, and whether the family's items are reached
    /// (for conditions on lists): `(family, withheld members, reached members)`.
    pub fn split(&self) -> (bool, Vec<Uuid>, Vec<Uuid>) {
        let withheld = self.own.iter().filter(|(_, c)| !c).map(|(m, _)| *m);
        let reached = self.own.iter().filter(|(_, c)| *c).map(|(m, _)| *m);
        (self.family, withheld.collect(), reached.collect())
    }
}

/// Whether `viewer` is an adult of a family, whose view of each child narrows as the child
/// grows up, and `action` one whose reach needs the children's ages from the facts: their
/// views and feedback, and ordering the outcomes. (A plan's reach is completed from the
/// members read with the plan, [`Reach::with_children`], so the plan screen costs no more.)
pub fn sees_children_grow_up(viewer: &Viewer, action: Action) -> bool {
    matches!(viewer, Viewer::FamilyMember(m) if kind_of_member(m.relation) != Kind::YoungPerson)
        && matches!(
            action,
            Action::ReadVoice { .. } | Action::ShapeOutcome { .. }
        )
}

/// The reach of a permit for `action`, granted as `access` on `facts`.
pub fn reach(viewer: &Viewer, action: Action, facts: &FamilyFacts, access: Access) -> Reach {
    match (viewer, access) {
        (Viewer::Practitioner(_), Access::Granted) if rules::needs_facts(viewer, action) => Reach {
            family: facts.consent_covers_organisation,
            own: facts.own_consents.clone(),
            ..Reach::ALL
        },
        (Viewer::FamilyMember(m), _) if kind_of_member(m.relation) != Kind::YoungPerson => Reach {
            grown: facts.children.clone(),
            ..Reach::ALL
        }
        .limited_for(viewer),
        _ => Reach::ALL.limited_for(viewer),
    }
}

/// Whether `viewer`, already allowed to read the plan (with `reach`), sees an outcome for
/// `for_members` (empty: the whole family). Young people see the outcomes about them or the
/// whole family. `kept_by`: the young person who wrote it and keeps it private.
pub fn may_see_outcome(
    viewer: &Viewer,
    reach: &Reach,
    for_members: &[Uuid],
    kept_by: Option<Uuid>,
) -> bool {
    let by_kind = match viewer {
        Viewer::FamilyMember(m) if kind_of_member(m.relation) == Kind::YoungPerson => {
            for_members.is_empty() || for_members.contains(&m.member_id)
        }
        _ => true,
    };
    by_kind && reach.about(for_members) && !kept_from(viewer, reach, kept_by)
}

/// Issue 14: whether what `viewer` writes themselves starts private to them and the team
/// (young people; DESIGN rule 5). Everything they write: views, meeting views, feedback,
/// their own outcomes' words and ratings.
pub fn starts_private(viewer: &Viewer) -> bool {
    matches!(viewer, Viewer::FamilyMember(m) if rules::member_may(m.relation, false, Action::KeepViewPrivate { family_id: m.family_id }))
}

/// Whether an item that `kept_by` (a young person) keeps private is kept from `viewer`:
/// from every other member of the family once the young person has reached the privacy age
/// (before it, parents see it: `reach`); never from the team.
pub fn kept_from(viewer: &Viewer, reach: &Reach, kept_by: Option<Uuid>) -> bool {
    match (viewer, kept_by) {
        (Viewer::FamilyMember(m), Some(author)) => {
            m.member_id != author && reach.band(author) != Some(Band::Child)
        }
        (Viewer::Anonymous, Some(_)) => true,
        _ => false,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceScope {
    /// Everything (the team around the family, with everything in reach).
    Everything,
    /// The team, with some young people's items out of reach (issue 14): items given by
    /// `reached` members, and when `family`, every other item not given by `withheld`.
    Reached {
        family: bool,
        withheld: Vec<Uuid>,
        reached: Vec<Uuid>,
    },
    /// The family's own items, not anonymous, not private unless by `member_id` (or by a
    /// child in `sees_private_of`, under the privacy age), none by the adult members in
    /// `withheld` (issue 14).
    SharedWithFamily {
        member_id: Uuid,
        sees_private_of: Vec<Uuid>,
        withheld: Vec<Uuid>,
    },
    Nothing,
}

pub fn voice_scope(viewer: &Viewer, reach: &Reach) -> VoiceScope {
    match viewer {
        Viewer::Practitioner(_) if reach.everything() => VoiceScope::Everything,
        Viewer::Practitioner(_) => {
            let (family, withheld, reached) = reach.split();
            VoiceScope::Reached {
                family,
                withheld,
                reached,
            }
        }
        Viewer::FamilyMember(m) => {
            let (sees_private_of, withheld) = reach.family_split();
            VoiceScope::SharedWithFamily {
                member_id: m.member_id,
                sees_private_of,
                withheld,
            }
        }
        Viewer::Anonymous => VoiceScope::Nothing,
    }
}

/// Whether `viewer` sees `item` (the same rule as [`voice_scope`], for one item).
pub fn may_see_voice(viewer: &Viewer, reach: &Reach, item: VoiceItem) -> bool {
    match voice_scope(viewer, reach) {
        VoiceScope::Everything => true,
        VoiceScope::Reached { .. } => reach.by(item.by_member),
        VoiceScope::SharedWithFamily { member_id, .. } => {
            !item.anonymous
                && !item.by_practitioner
                && (!item.private
                    || item.by_member == Some(member_id)
                    || !kept_from(viewer, reach, item.by_member))
                && reach.by(item.by_member)
        }
        VoiceScope::Nothing => false,
    }
}

/// Whether `viewer`, already allowed to read the family's meetings, reads a view that
/// `author` gave. DESIGN rule 5: a young person's private view is for the team (and
/// themselves), not for other family members.
pub fn may_see_meeting_view(viewer: &Viewer, reach: &Reach, author: Uuid, private: bool) -> bool {
    match viewer {
        Viewer::FamilyMember(_) => {
            !kept_from(viewer, reach, private.then_some(author)) && reach.member(author)
        }
        Viewer::Practitioner(_) => reach.member(author),
        Viewer::Anonymous => false,
    }
}

/// Issue 14: whether `viewer` sees a member of a family they may read: not a child a
/// restriction in force keeps from them (to them the child is like a stranger).
pub fn may_see_member(viewer: &Viewer, member_id: Uuid) -> bool {
    !matches!(viewer, Viewer::FamilyMember(m) if m.restricted_from.contains(&member_id))
}

/// Issue 14: whether `viewer` sees every one of `members` ([`may_see_member`]).
pub fn may_see_members(viewer: &Viewer, members: &[Uuid]) -> bool {
    members.iter().all(|m| may_see_member(viewer, *m))
}

/// Issue 14: the children a restriction in force keeps from `viewer` (none but for family
/// members).
pub fn hidden_from(viewer: &Viewer) -> &[Uuid] {
    match viewer {
        Viewer::FamilyMember(m) => &m.restricted_from,
        _ => &[],
    }
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

/// An item a young person can read about themselves, for "who can see this".
#[derive(Debug, Clone, Copy)]
pub struct OwnItem<'a> {
    /// Who it is about (none: the whole family).
    pub about: &'a [Uuid],
    /// Kept from the rest of the family by the young person who wrote it.
    pub private: bool,
}

/// Who can see an item: the family (parents and carers), and which organisations'
/// practitioners on the team (and whether the hub is among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub family: bool,
    /// (organisation id, name), each once.
    pub organisations: Vec<(Uuid, String)>,
    pub hub: bool,
    /// Kept private, but the young person is under the privacy age: their parents see it
    /// until this age.
    pub parents_until: Option<u32>,
}

/// Issue 14: who sees `item`, by the same rules as the reads: the team's practitioners
/// whose organisation the governing consent covers (the young person's own, once they decide
/// for themselves; the family's for the rest), and the family unless it is kept private.
pub fn visible_to(known: &crate::domain::growing_up::Audience, item: OwnItem<'_>) -> Audience {
    let covers = |organisation: Uuid| {
        let member_covers = |member: &Uuid| match known.own.iter().find(|(m, _)| m == member) {
            Some((_, own)) => own.covers(organisation),
            None => known.family.covers(organisation),
        };
        if item.about.is_empty() {
            known.family.covers(organisation)
        } else {
            item.about.iter().all(member_covers)
        }
    };
    let mut organisations: Vec<(Uuid, String)> = vec![];
    let mut hub = false;
    for (organisation, name, is_hub) in &known.team {
        if covers(*organisation) {
            hub |= *is_hub;
            if !organisations.iter().any(|(o, _)| o == organisation) {
                organisations.push((*organisation, name.clone()));
            }
        }
    }
    let band = |m: &Uuid| known.children.iter().find(|(c, _)| c == m).map(|(_, b)| *b);
    let adult = item.about.iter().any(|m| band(m) == Some(Band::Adult));
    let under_privacy_age =
        !item.about.is_empty() && item.about.iter().all(|m| band(m) == Some(Band::Child));
    Audience {
        family: !adult && (!item.private || under_privacy_age),
        organisations,
        hub,
        parents_until: (item.private && under_privacy_age)
            .then(|| known.ages.map(|a| a.private_from))
            .flatten(),
    }
}

impl Audience {
    /// In plain words, for the person the item is about.
    pub fn summary(&self) -> String {
        let family = if self.family {
            "You, your parents or carers and the rest of your family"
        } else {
            "You"
        };
        let team = match self.organisations.as_slice() {
            [] => String::new(),
            [(_, one)] => format!(" and the practitioners on your team from {one}"),
            [rest @ .., (_, last)] => format!(
                " and the practitioners on your team from {} and {last}",
                rest.iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut words = format!("{family}{team} can see this.");
        if self.hub {
            words.push_str(" That includes the Early Help hub.");
        }
        if let Some(age) = self.parents_until {
            words.push_str(&format!(
                " Your parents or carers can see what you write until you are {age}; from then on, only what you share."
            ));
        } else if !self.family {
            words.push_str(" Your parents or carers cannot see it unless you share it.");
        }
        if self.organisations.is_empty() {
            words.push_str(" No practitioner can see it at the moment.");
        }
        words
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
    if item.withheld
        || item
            .asked_by_member
            .is_some_and(|a| !may_see_member(viewer, a))
    {
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
