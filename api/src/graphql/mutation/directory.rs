//! Organisations and practitioner accounts: the administrators' work.
use super::super::organisation::{Organisation, OrganisationKind, Practitioner, PractitionerRole};
use super::super::{authorize, services};
use super::{input_id, split};
use crate::access::Action;
use crate::db::begin_write;
use crate::domain::{organisations, practitioners};
use crate::error::{GqlResult, UserError};
use crate::graphql::ids::Kind;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

#[derive(Default)]
pub struct DirectoryMutation;

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

#[Object]
impl DirectoryMutation {
    /// Adds a partner organisation. Administrators only.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> GqlResult<CreateOrganisationPayload> {
        authorize(ctx, Action::ManageOrganisations).await?;
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
        authorize(ctx, Action::ManagePractitioners).await?;
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
}
