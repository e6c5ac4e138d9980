//! A permit: proof that the rules allowed one action, carried into the domain command that
//! performs it. Its fields are private and only [`super::grant`] (or [`super::operator`] for the
//! command line and background jobs) makes one, so no domain command can run unasked.
use super::action::Action;
use super::rules;
use super::visibility::Reach;
use crate::domain::notify::ChangeScope;
use crate::viewer::{Access, Actor};
use chrono::{DateTime, Utc};
use entities::family_member::MemberRelation;
use entities::practitioner_role::Role;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone)]
pub struct Permit {
    actor: Actor,
    access: Access,
    action: Option<Action>,
    at: DateTime<Utc>,
    told: Option<Arc<ChangeScope>>,
    reach: Reach,
    writes_privately: bool,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("actor", &self.actor)
            .field("access", &self.access)
            .field("action", &self.action)
            .field("at", &self.at)
            .finish()
    }
}

impl Permit {
    pub(super) fn new(
        actor: Actor,
        access: Access,
        action: Option<Action>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            actor: actor.with_access(access),
            access,
            action,
            at,
            told: None,
            reach: Reach::ALL,
            writes_privately: false,
        }
    }

    pub(super) fn writing_privately(mut self, private: bool) -> Self {
        self.writes_privately = private;
        self
    }

    /// Issue 14: whether an item that `kept_by` (a young person) keeps private is kept from
    /// the actor: from every other member of the family; never from the team.
    pub fn kept_from_actor(&self, kept_by: Option<Uuid>) -> bool {
        match (self.actor, kept_by) {
            (Actor::Member { id }, Some(author)) => {
                id != author && self.reach.band(author) != Some(super::Band::Child)
            }
            _ => false,
        }
    }

    /// Issue 14: what the actor writes themselves starts private to them and the team (a
    /// young person: DESIGN rule 5); they choose what to share with their family.
    pub fn writes_privately(&self) -> bool {
        self.writes_privately
    }

    pub(super) fn reaching(mut self, reach: Reach) -> Self {
        self.reach = reach;
        self
    }

    /// Which of the family's items, by whom they are about, the action reaches
    /// ([`super::visibility::Reach`]).
    pub fn reach(&self) -> &Reach {
        &self.reach
    }

    /// Who acts, as the audit trail and the history record them.
    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// Granted outright, or under the practitioner's own safeguarding override.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The family the action concerns, if any.
    pub fn family_id(&self) -> Option<Uuid> {
        self.action.and_then(Action::family_id)
    }

    /// The time of the act: every row it writes carries it.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who gets told about the change this permit makes (emails, live events). A permit
    /// without one tells nobody: a data load, say.
    pub fn telling(mut self, scope: &Arc<ChangeScope>) -> Self {
        self.told = Some(scope.clone());
        self
    }

    pub fn told(&self) -> Option<&ChangeScope> {
        self.told.as_deref()
    }

    /// For the demo loader only: a data set recorded as if `actor` had acted at `now`. It
    /// tells nobody and never comes from a request.
    pub fn for_demo_data(actor: Actor, now: DateTime<Utc>) -> Self {
        Self::new(actor, Access::Granted, None, now)
    }
}

/// Questions the domain asks the rules table about people other than the one acting (who is
/// told, who is asked, who may be chosen), answered from the table's rows so that no domain
/// module compares a role or a relation itself. A member's own family is assumed.
impl Permit {
    fn member_may(relation: MemberRelation, shared: bool, action: Action) -> bool {
        rules::member_may(relation, shared, action)
    }

    /// Told (email, inbox) of a change to the plan; `about_them`: the change is for them.
    pub fn told_of_plan_change(relation: MemberRelation, shared: bool, about_them: bool) -> bool {
        let action = Action::HearOfPlanChange {
            family_id: Uuid::nil(),
            about_viewer: about_them,
        };
        Self::member_may(relation, shared, action)
    }

    /// Asked the six-month follow-up questions when a plan closes.
    pub fn asked_to_follow_up(relation: MemberRelation) -> bool {
        let action = Action::AnswerFollowUp {
            family_id: Uuid::nil(),
            for_viewer: true,
        };
        Self::member_may(relation, false, action)
    }

    /// Gives or withdraws consent for the family's information.
    pub fn decides_family_consent(relation: MemberRelation) -> bool {
        let action = Action::DecideFamilyConsent {
            family_id: Uuid::nil(),
        };
        Self::member_may(relation, false, action)
    }

    /// Gives or withdraws consent for their own information (once assessed competent).
    pub fn decides_own_consent(relation: MemberRelation) -> bool {
        let action = Action::DecideOwnConsent {
            family_id: Uuid::nil(),
        };
        Self::member_may(relation, false, action)
    }

    /// Keeps their own views from the rest of the family.
    pub fn keeps_views_private(relation: MemberRelation) -> bool {
        let action = Action::KeepViewPrivate {
            family_id: Uuid::nil(),
        };
        Self::member_may(relation, false, action)
    }

    /// Sends "what I want my worker to know".
    pub fn shares_views_with_the_team(relation: MemberRelation) -> bool {
        let action = Action::ShareView {
            family_id: Uuid::nil(),
        };
        Self::member_may(relation, false, action)
    }

    /// Reads the plan only once a parent has shared it with them.
    pub fn reads_the_plan_once_shared(relation: MemberRelation) -> bool {
        let read = Action::ReadPlan {
            family_id: Uuid::nil(),
        };
        Self::member_may(relation, true, read) && !Self::member_may(relation, false, read)
    }

    /// Issue 14: an adult who may hold parental responsibility for the family's children
    /// (recorded as such); holding it is per child (`parental_responsibilities`).
    pub fn may_hold_responsibility(relation: MemberRelation) -> bool {
        rules::kind_of_member(relation) == rules::Kind::Parent
    }

    /// Issue 14: a child of the family: someone parental responsibility and restrictions are
    /// about.
    pub fn is_child(relation: MemberRelation) -> bool {
        rules::kind_of_member(relation) == rules::Kind::YoungPerson
    }

    /// May be nominated as a family's lead professional.
    pub fn may_lead(roles: &[Role]) -> bool {
        rules::roles_may(
            roles,
            Action::TakeLead {
                family_id: Uuid::nil(),
            },
        )
    }

    /// The roles told that a safeguarding override waits for review.
    pub fn override_reviewers() -> Vec<Role> {
        rules::roles_allowed(Action::ReviewSafeguardingOverrides)
    }

    /// The roles told that a lead professional nomination went unanswered.
    pub fn nomination_followers() -> Vec<Role> {
        rules::roles_allowed(Action::FollowUpLeadNominations)
    }

    /// Issue 17: the roles told that a request for support missed its clock.
    pub fn support_clock_followers() -> Vec<Role> {
        rules::roles_allowed(Action::HearOfMissedSupportClock)
    }

    /// The roles who screen requests for support (told when an urgent one arrives).
    pub fn screeners() -> Vec<Role> {
        rules::roles_allowed(Action::ScreenSupportRequests)
    }

    /// Issue 14: whether the rules allow `action` to a practitioner other than the one acting,
    /// now (their team, consent and override facts read on `db`, the acting transaction):
    /// their account when they are, so that who is told follows the same row as who reads.
    pub async fn practitioner_allowed(
        db: &impl sea_orm::ConnectionTrait,
        practitioner_id: Uuid,
        action: Action,
        now: DateTime<Utc>,
        ages: super::Ages,
    ) -> crate::error::AppResult<Option<Uuid>> {
        use crate::error::AppError;
        use crate::viewer::{PractitionerViewer, Viewer};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let Some(found) = entities::practitioner::Entity::find_by_id(practitioner_id)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let roles = entities::practitioner_role::Entity::find()
            .filter(entities::practitioner_role::Column::PractitionerId.eq(practitioner_id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.role)
            .collect();
        let viewer = Viewer::Practitioner(PractitionerViewer {
            session_id: Uuid::nil(),
            account_id: found.account_id,
            practitioner_id,
            organisation_id: found.organisation_id,
            roles,
        });
        let facts = match (rules::needs_facts(&viewer, action), action.family_id()) {
            (true, Some(family_id)) => {
                super::facts::load(db, &viewer, family_id, now, ages).await?
            }
            _ => super::FamilyFacts::NONE,
        };
        match rules::decide(&viewer, action, &facts) {
            Ok(_) => Ok(Some(found.account_id)),
            Err(AppError::Forbidden | AppError::ConsentRequired) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
