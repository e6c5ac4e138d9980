//! The plan as one viewer sees it in one request: its contents read once (one statement,
//! [`plan_contents::read`], or with the family: [`plan_contents::read_with_family`]) and the outcomes this viewer may see worked out once, shared by
//! `outcomes`, `overdueActions`, `history` and everything under an outcome. Nothing here
//! waits to batch: the first resolver that needs the plan reads all of it.
use super::super::family::FamilyMember;
use super::super::organisation::Practitioner;
use super::super::{authorize, loaders, request_state, services, viewer};
use super::Person;
use crate::access::{Action, visibility};
use crate::domain::plan_contents::{self, IdSet, PlanContents};
use crate::error::AppResult;
use async_graphql::Context;
use entities::family_member::MemberRelation;
use entities::{outcome, outcome_note, plan, plan_action, progress_rating};
use std::sync::Arc;
use uuid::Uuid;

pub struct PlanView {
    contents: PlanContents,
    /// The outcomes the viewer may see.
    visible: IdSet,
}

impl PlanView {
    /// The plan's contents for this request's viewer, read on first use. Keyed by the
    /// plan's version, so a change made earlier in the same request is never hidden.
    pub async fn of(ctx: &Context<'_>, plan: &plan::Model) -> AppResult<Arc<Self>> {
        loaders(ctx)?
            .loader()
            .plan_view((plan.id, plan.version), || async {
                // The facts are the request's: asking again reads nothing more.
                let permit = authorize(
                    ctx,
                    Action::ReadPlan {
                        family_id: plan.family_id,
                    },
                )
                .await?;
                let s = services(ctx)?;
                let viewer = viewer(ctx)?;
                let state = request_state(ctx)?;
                // The plan screen's one round trip after its permits, with the audit entry
                // of what was read: in the same statement where the database can write in
                // one (PostgreSQL), or else written meanwhile. (A family's own members, whose
                // permits need nothing read, had the contents read with the family.)
                let reads = state.reads_to_record(s, viewer).await;
                let recorded_with_contents =
                    plan_contents::records_in_one_statement(s.db.get_database_backend());
                let mut contents = match (state.take_contents(plan), reads.as_slice()) {
                    (Some(read_with_the_family), _) => {
                        state.write_ahead(s, reads);
                        read_with_the_family
                    }
                    (None, [read]) if recorded_with_contents => {
                        plan_contents::read_recorded(&s.db, plan, state.ratings(), read)
                            .await
                            .inspect_err(|_| state.record_later(read.clone()))?
                    }
                    (None, _) => {
                        state.write_ahead(s, reads);
                        plan_contents::read(&s.db, plan, state.ratings()).await?
                    }
                };
                // Issue 14: an adult of the family sees each child's part as far as the
                // child has grown up; the ages come from the members read with the plan.
                let children = contents
                    .members
                    .values()
                    .filter(|m| m.relation == MemberRelation::Child)
                    .map(|m| (m.id, m.date_of_birth));
                let reach = permit.reach().with_children(
                    viewer,
                    children,
                    s.clock.now().date_naive(),
                    s.settings.ages(),
                );
                // A young person's own ratings, kept private, are for them and the team.
                // Issue 14: none by a child a restriction keeps from the reader.
                for ratings in contents.ratings_of.values_mut() {
                    ratings.retain(|r| {
                        !visibility::kept_from(
                            viewer,
                            &reach,
                            r.private.then_some(r.member_id).flatten(),
                        ) && r.member_id.is_none_or(|m| !reach.hidden().contains(&m))
                    });
                }
                let visible = contents
                    .outcomes
                    .iter()
                    .filter(|o| {
                        visibility::may_see_outcome(
                            viewer,
                            &reach,
                            members(&contents, o.id),
                            o.private.then_some(o.proposed_by_member_id).flatten(),
                        )
                    })
                    .map(|o| o.id)
                    .collect();
                Ok(Arc::new(Self { contents, visible }))
            })
            .await
    }

    /// The outcomes the viewer may see, in the family's order.
    pub fn outcomes(&self) -> impl Iterator<Item = &outcome::Model> {
        self.contents
            .outcomes
            .iter()
            .filter(|o| self.visible.contains(&o.id))
    }

    pub fn outcome_ids(&self) -> Vec<Uuid> {
        self.outcomes().map(|o| o.id).collect()
    }

    /// Whether the viewer sees every outcome of the plan.
    pub fn sees_all(&self) -> bool {
        self.visible.len() == self.contents.outcomes.len()
    }

    /// Whether the viewer sees this outcome of the plan.
    pub fn sees(&self, outcome_id: Uuid) -> bool {
        self.visible.contains(&outcome_id)
    }

    /// The actions of the outcomes the viewer may see.
    pub fn actions(&self) -> impl Iterator<Item = &plan_action::Model> {
        self.outcomes()
            .flat_map(|o| self.contents.actions_of.get(&o.id).into_iter().flatten())
    }

    pub fn members_of(&self, outcome_id: Uuid) -> &[Uuid] {
        members(&self.contents, outcome_id)
    }

    pub fn notes_of(&self, outcome_id: Uuid) -> &[outcome_note::Model] {
        self.contents
            .notes_of
            .get(&outcome_id)
            .map_or(&[][..], Vec::as_slice)
    }

    pub fn ratings_of(&self, outcome_id: Uuid) -> &[progress_rating::Model] {
        self.contents
            .ratings_of
            .get(&outcome_id)
            .map_or(&[][..], Vec::as_slice)
    }

    pub fn actions_of(&self, outcome_id: Uuid) -> &[plan_action::Model] {
        self.contents
            .actions_of
            .get(&outcome_id)
            .map_or(&[][..], Vec::as_slice)
    }

    pub fn member(&self, id: Uuid) -> Option<FamilyMember> {
        self.contents.members.get(&id).cloned().map(FamilyMember)
    }

    pub fn practitioner(&self, id: Uuid) -> Option<Practitioner> {
        self.contents
            .practitioners
            .get(&id)
            .cloned()
            .map(Practitioner)
    }

    /// A directory entry an action points at, read with the plan (issue 17).
    pub fn service(&self, id: Uuid) -> Option<entities::local_service::Model> {
        self.contents.services.get(&id).cloned()
    }

    /// A person the plan names, when it was read with the plan.
    pub fn person(&self, member: Option<Uuid>, practitioner: Option<Uuid>) -> Option<Person> {
        match (practitioner, member) {
            (Some(id), _) => self.practitioner(id).map(Person::Practitioner),
            (None, Some(id)) => self.member(id).map(Person::FamilyMember),
            (None, None) => None,
        }
    }
}

fn members(contents: &PlanContents, outcome_id: Uuid) -> &[Uuid] {
    contents
        .members_of
        .get(&outcome_id)
        .map_or(&[][..], Vec::as_slice)
}
