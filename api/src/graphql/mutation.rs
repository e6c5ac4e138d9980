//! Mutations: one `input` each, a payload with the result and `userErrors`.
use super::family::{Family, FamilyMember, FamilyRelation, NeedLevelChange};
use super::ids::{self, Kind};
use super::organisation::{Organisation, OrganisationKind, Practitioner, PractitionerRole};
use super::scalars::Date;
use super::{authorize, services, viewer};
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{families, organisations, practitioners};
use crate::error::{AppError, AppResult, GqlResult, UserError, UserErrorCode};
use crate::policy::Action;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use uuid::Uuid;

#[derive(Default)]
pub struct Mutation;

/// Splits a domain result into what the payload shows: the value, or the user's errors.
/// Anything else (permission, internal) stays a GraphQL error.
fn split<T>(result: AppResult<T>) -> AppResult<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), vec![])),
        Err(AppError::Invalid(errors)) => Ok((None, errors)),
        Err(other) => Err(other),
    }
}

/// Reads an ID given in an input; a malformed one is the user's to fix.
fn input_id(id: &ID, kind: Kind, field: &str) -> AppResult<Uuid> {
    ids::decode(id, kind).map_err(|e| {
        AppError::Invalid(vec![UserError::new(
            &[field],
            UserErrorCode::Invalid,
            e.to_string(),
        )])
    })
}

fn acting_practitioner(viewer: &Viewer) -> AppResult<Uuid> {
    match viewer {
        Viewer::Practitioner(p) => Ok(p.practitioner_id),
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::FamilyMember(_) => Err(AppError::Forbidden),
    }
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
}

#[derive(SimpleObject)]
pub struct CreateOrganisationPayload {
    pub organisation: Option<Organisation>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreatePractitionerInput {
    pub name: String,
    /// Work email address; the practitioner signs in with it.
    pub email: String,
    pub organisation: ID,
    /// Defaults to PRACTITIONER.
    #[graphql(default)]
    pub roles: Vec<PractitionerRole>,
}

#[derive(SimpleObject)]
pub struct CreatePractitionerPayload {
    pub practitioner: Option<Practitioner>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreateFamilyInput {
    /// The local authority's case reference; unique.
    pub reference: String,
    pub local_area: String,
    /// Starting need level, 1 to 4.
    pub need_level: i32,
}

#[derive(SimpleObject)]
pub struct CreateFamilyPayload {
    pub family: Option<Family>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct AddFamilyMemberInput {
    pub family: ID,
    pub name: String,
    pub date_of_birth: Date,
    pub relation: FamilyRelation,
    /// Give one when the person will sign in to the app.
    pub email: Option<String>,
}

#[derive(SimpleObject)]
pub struct AddFamilyMemberPayload {
    pub member: Option<FamilyMember>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ChangeNeedLevelInput {
    pub family: ID,
    /// The new level, 1 to 4.
    pub level: i32,
    /// Why: kept in the family's history for everyone who reads it later.
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct ChangeNeedLevelPayload {
    pub family: Option<Family>,
    pub change: Option<NeedLevelChange>,
    pub user_errors: Vec<UserError>,
}

/// Out-of-range numbers become the domain's range error rather than wrapping round.
fn level(value: i32) -> i16 {
    i16::try_from(value).unwrap_or(i16::MAX)
}

#[Object]
impl Mutation {
    /// Adds a partner organisation. Administrators only.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> GqlResult<CreateOrganisationPayload> {
        authorize(ctx, Action::ManageOrganisations)?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
        let (organisation, user_errors) = split(
            organisations::create(&txn, &input.name, input.kind.into(), s.clock.now()).await,
        )?;
        txn.commit().await?;
        Ok(CreateOrganisationPayload {
            organisation: organisation.map(Organisation),
            user_errors,
        })
    }

    /// Adds a practitioner account to an organisation. Administrators only.
    async fn create_practitioner(
        &self,
        ctx: &Context<'_>,
        input: CreatePractitionerInput,
    ) -> GqlResult<CreatePractitionerPayload> {
        authorize(ctx, Action::ManagePractitioners)?;
        let s = services(ctx)?;
        let roles: Vec<_> = input.roles.iter().map(|r| (*r).into()).collect();
        let txn = begin_write(&s.db).await?;
        let result = async {
            let organisation_id =
                input_id(&input.organisation, Kind::Organisation, "organisation")?;
            practitioners::create(
                &txn,
                practitioners::NewPractitioner {
                    name: &input.name,
                    email: &input.email,
                    organisation_id,
                    roles: &roles,
                },
                s.clock.now(),
            )
            .await
        }
        .await;
        let (practitioner, user_errors) = split(result)?;
        txn.commit().await?;
        Ok(CreatePractitionerPayload {
            practitioner: practitioner.map(Practitioner),
            user_errors,
        })
    }

    /// Opens a family record. Hub workers and administrators.
    async fn create_family(
        &self,
        ctx: &Context<'_>,
        input: CreateFamilyInput,
    ) -> GqlResult<CreateFamilyPayload> {
        authorize(ctx, Action::CreateFamily)?;
        let s = services(ctx)?;
        let decided_by = acting_practitioner(viewer(ctx)?)?;
        let txn = begin_write(&s.db).await?;
        let new = families::NewFamily {
            reference: &input.reference,
            local_area: &input.local_area,
            need_level: level(input.need_level),
            decided_by: Some(decided_by),
        };
        let (family, user_errors) = split(families::create(&txn, new, s.clock.now()).await)?;
        txn.commit().await?;
        let family = family.map(|f| Family::readable(ctx, f)).transpose()?;
        Ok(CreateFamilyPayload {
            family,
            user_errors,
        })
    }

    /// Adds a person to a family record. Hub workers and administrators.
    async fn add_family_member(
        &self,
        ctx: &Context<'_>,
        input: AddFamilyMemberInput,
    ) -> GqlResult<AddFamilyMemberPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        authorize(ctx, Action::AddFamilyMember { family_id })?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
        let new = families::NewMember {
            family_id,
            name: &input.name,
            date_of_birth: input.date_of_birth.0,
            relation: input.relation.into(),
            email: input.email.as_deref(),
        };
        let (member, user_errors) = split(families::add_member(&txn, new, s.clock.now()).await)?;
        txn.commit().await?;
        Ok(AddFamilyMemberPayload {
            member: member.map(FamilyMember),
            user_errors,
        })
    }

    /// Steps a family up or down the need levels, with the reason. Hub workers.
    async fn change_need_level(
        &self,
        ctx: &Context<'_>,
        input: ChangeNeedLevelInput,
    ) -> GqlResult<ChangeNeedLevelPayload> {
        let family_id = ids::decode(&input.family, Kind::Family)?;
        authorize(ctx, Action::ChangeNeedLevel { family_id })?;
        let decided_by = acting_practitioner(viewer(ctx)?)?;
        let s = services(ctx)?;
        let txn = begin_write(&s.db).await?;
        let result = families::change_need_level(
            &txn,
            family_id,
            level(input.level),
            &input.reason,
            decided_by,
            s.clock.now(),
        )
        .await;
        let (changed, user_errors) = split(result)?;
        txn.commit().await?;
        let (family, change) = match changed {
            Some((family, change)) => (
                Some(Family::readable(ctx, family)?),
                Some(NeedLevelChange(change)),
            ),
            None => (None, None),
        };
        Ok(ChangeNeedLevelPayload {
            family,
            change,
            user_errors,
        })
    }
}
