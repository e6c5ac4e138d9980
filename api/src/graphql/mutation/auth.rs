//! Signing in: invitations, passkey ceremonies, passkeys, signing out.
use super::super::passkey::{Passkey, SessionToken};
use super::super::{authorize, services, viewer};
use super::split;
use crate::access::Action;
use crate::auth::passkeys::{self, Registrant};
use crate::auth::{ClientAddress, invitations, session};
use crate::db::begin_write;
use crate::error::{AppError, AppResult, GqlResult, UserError, UserErrorCode};
use crate::graphql::ids::{self, Kind};
use crate::viewer::Viewer;
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use uuid::Uuid;

#[derive(Default)]
pub struct AuthMutation;

#[derive(InputObject)]
pub struct InvitePersonInput {
    /// A practitioner or a family member with an email address.
    pub person: ID,
}

/// An invitation sent by email. The link itself is only in the email.
#[derive(SimpleObject)]
pub struct Invitation {
    pub expires_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct InvitePersonPayload {
    pub invitation: Option<Invitation>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct StartPasskeyRegistrationInput {
    /// The token from the invitation link. Leave out when signed in, to add another passkey.
    pub invitation_token: Option<String>,
}

#[derive(InputObject)]
pub struct StartPasskeySignInInput {
    /// Leave out to let the device offer its passkeys for this service.
    pub email: Option<String>,
}

/// A started ceremony: pass `publicKey` to the platform's WebAuthn API, then finish with
/// `ceremonyId` within 5 minutes.
#[derive(SimpleObject)]
pub struct PasskeyCeremony {
    pub ceremony_id: ID,
    /// WebAuthn `PublicKeyCredentialCreationOptions` or `…RequestOptions`, as JSON.
    pub public_key: Json<serde_json::Value>,
}

#[derive(SimpleObject)]
pub struct StartPasskeyCeremonyPayload {
    pub ceremony: Option<PasskeyCeremony>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct FinishPasskeyRegistrationInput {
    pub ceremony_id: ID,
    /// The platform's `PublicKeyCredential` (attestation), as JSON.
    pub credential: Json<serde_json::Value>,
    /// A name to tell this passkey apart, e.g. "My phone".
    pub name: String,
}

#[derive(SimpleObject)]
pub struct FinishPasskeyRegistrationPayload {
    pub passkey: Option<Passkey>,
    pub session: Option<SessionToken>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct FinishPasskeySignInInput {
    pub ceremony_id: ID,
    /// The platform's `PublicKeyCredential` (assertion), as JSON.
    pub credential: Json<serde_json::Value>,
}

#[derive(SimpleObject)]
pub struct FinishPasskeySignInPayload {
    pub session: Option<SessionToken>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct SignOutPayload {
    /// How many sessions were ended.
    pub ended_sessions: u64,
    /// Always empty today (signing out cannot go wrong in a way you can put right); here so
    /// that every mutation's payload has the same shape.
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RenamePasskeyInput {
    pub passkey: ID,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct RenamePasskeyPayload {
    pub passkey: Option<Passkey>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RemovePasskeyInput {
    pub passkey: ID,
}

#[derive(SimpleObject)]
pub struct RemovePasskeyPayload {
    pub removed_passkey_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

fn uuid_input(id: &ID, field: &str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        AppError::invalid(&[field], UserErrorCode::NotFound, "We could not find that.")
    })
}

fn client(ctx: &Context<'_>) -> String {
    ctx.data_opt::<ClientAddress>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.clone())
}

async fn signed_in(ctx: &Context<'_>) -> AppResult<(Uuid, Uuid)> {
    authorize(ctx, Action::ManageOwnSignIn).await?;
    let viewer = viewer(ctx)?;
    match (viewer.account_id(), viewer.session_id()) {
        (Some(account), Some(session)) => Ok((account, session)),
        _ => Err(AppError::Unauthenticated),
    }
}

/// The account of a practitioner or family member, and the family for the policy check.
async fn invitee(ctx: &Context<'_>, person: &ID) -> AppResult<(Option<Uuid>, Option<Uuid>)> {
    let db = &services(ctx)?.db;
    let bad = || {
        AppError::invalid(
            &["person"],
            UserErrorCode::Invalid,
            "Please choose a practitioner or a family member.",
        )
    };
    let (kind, id) = ids::decode_any(person).map_err(|_| bad())?;
    match kind {
        Kind::Practitioner => {
            let p = crate::domain::records::by_id::<entities::practitioner::Entity>(db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok((Some(p.account_id), None))
        }
        Kind::FamilyMember => {
            let m = crate::domain::records::by_id::<entities::family_member::Entity>(db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok((m.account_id, Some(m.family_id)))
        }
        _ => Err(bad()),
    }
}

#[Object]
impl AuthMutation {
    /// Emails a person a single-use link to set up a passkey, valid for 7 days; an earlier
    /// link stops working. Hub workers and administrators.
    async fn invite_person(
        &self,
        ctx: &Context<'_>,
        input: InvitePersonInput,
    ) -> GqlResult<InvitePersonPayload> {
        if matches!(viewer(ctx)?, Viewer::Anonymous) {
            return Err(AppError::Unauthenticated.into());
        }
        let found = match invitee(ctx, &input.person).await {
            Err(AppError::Invalid(user_errors)) => {
                return Ok(InvitePersonPayload {
                    invitation: None,
                    user_errors,
                });
            }
            other => other?,
        };
        let (account_id, family_id) = found;
        authorize(ctx, Action::InvitePerson { family_id }).await?;
        let Some(account_id) = account_id else {
            return Ok(InvitePersonPayload {
                invitation: None,
                user_errors: vec![UserError::new(
                    &["person"],
                    UserErrorCode::Invalid,
                    "This person has no email address, so they cannot be invited to sign in.",
                )],
            });
        };
        let s = services(ctx)?;
        let invited_by = match viewer(ctx)? {
            Viewer::Practitioner(p) => Some(p.practitioner_id),
            _ => None,
        };
        let account = crate::domain::records::by_id::<entities::account::Entity>(&s.db, account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let txn = begin_write(&s.db).await?;
        let sent = invitations::invite(
            &txn,
            &account,
            invited_by,
            &s.settings.public_url,
            s.clock.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(InvitePersonPayload {
            invitation: Some(Invitation {
                expires_at: sent.invitation.expires_at,
            }),
            user_errors: vec![],
        })
    }

    /// Starts setting up a passkey: with an invitation token, or signed in to add another.
    async fn start_passkey_registration(
        &self,
        ctx: &Context<'_>,
        input: StartPasskeyRegistrationInput,
    ) -> GqlResult<StartPasskeyCeremonyPayload> {
        let s = services(ctx)?;
        let registrant = match &input.invitation_token {
            Some(token) => Registrant::Invitation(token),
            None => Registrant::Account(signed_in(ctx).await?.0),
        };
        let started = passkeys::start_registration(
            &s.db,
            &s.settings,
            registrant,
            &client(ctx),
            s.clock.now(),
        )
        .await;
        ceremony_payload(started)
    }

    /// Finishes setting up a passkey and signs in with it.
    async fn finish_passkey_registration(
        &self,
        ctx: &Context<'_>,
        input: FinishPasskeyRegistrationInput,
    ) -> GqlResult<FinishPasskeyRegistrationPayload> {
        let s = services(ctx)?;
        let ceremony_id = uuid_input(&input.ceremony_id, "ceremonyId");
        let result = match ceremony_id {
            Ok(id) => {
                passkeys::finish_registration(
                    &s.db,
                    &s.settings,
                    id,
                    input.credential.0,
                    &input.name,
                    s.clock.now(),
                )
                .await
            }
            Err(e) => Err(e),
        };
        let (registered, user_errors) = split(result)?;
        let (passkey, session) = match registered {
            Some(r) => (Some(Passkey(r.passkey)), Some(r.session.into())),
            None => (None, None),
        };
        Ok(FinishPasskeyRegistrationPayload {
            passkey,
            session,
            user_errors,
        })
    }

    /// Starts signing in with a passkey.
    async fn start_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        input: StartPasskeySignInInput,
    ) -> GqlResult<StartPasskeyCeremonyPayload> {
        let s = services(ctx)?;
        let started = passkeys::start_sign_in(
            &s.db,
            &s.settings,
            input.email.as_deref(),
            &client(ctx),
            s.clock.now(),
        )
        .await;
        ceremony_payload(started)
    }

    /// Finishes signing in: a new session.
    async fn finish_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        input: FinishPasskeySignInInput,
    ) -> GqlResult<FinishPasskeySignInPayload> {
        let s = services(ctx)?;
        let result = match uuid_input(&input.ceremony_id, "ceremonyId") {
            Ok(id) => {
                passkeys::finish_sign_in(&s.db, &s.settings, id, input.credential.0, s.clock.now())
                    .await
            }
            Err(e) => Err(e),
        };
        let (session, user_errors) = split(result)?;
        Ok(FinishPasskeySignInPayload {
            session: session.map(Into::into),
            user_errors,
        })
    }

    /// Ends this session.
    async fn sign_out(&self, ctx: &Context<'_>) -> GqlResult<SignOutPayload> {
        let (_, session_id) = signed_in(ctx).await?;
        let s = services(ctx)?;
        let ended = session::revoke(&s.db, session_id, s.clock.now()).await?;
        Ok(SignOutPayload {
            ended_sessions: ended,
            user_errors: vec![],
        })
    }

    /// Ends every session of the signed-in person, on every device.
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> GqlResult<SignOutPayload> {
        let (account_id, _) = signed_in(ctx).await?;
        let s = services(ctx)?;
        let ended = session::revoke_all(&s.db, account_id, s.clock.now()).await?;
        Ok(SignOutPayload {
            ended_sessions: ended,
            user_errors: vec![],
        })
    }

    /// Renames one of the signed-in person's passkeys.
    async fn rename_passkey(
        &self,
        ctx: &Context<'_>,
        input: RenamePasskeyInput,
    ) -> GqlResult<RenamePasskeyPayload> {
        let (account_id, _) = signed_in(ctx).await?;
        let s = services(ctx)?;
        let result = match uuid_input(&input.passkey, "passkey") {
            Ok(id) => passkeys::rename(&s.db, account_id, id, &input.name).await,
            Err(e) => Err(e),
        };
        let (passkey, user_errors) = split(result)?;
        Ok(RenamePasskeyPayload {
            passkey: passkey.map(Passkey),
            user_errors,
        })
    }

    /// Removes one of the signed-in person's passkeys (not the last) and ends the sessions
    /// signed in with it.
    async fn remove_passkey(
        &self,
        ctx: &Context<'_>,
        input: RemovePasskeyInput,
    ) -> GqlResult<RemovePasskeyPayload> {
        let (account_id, _) = signed_in(ctx).await?;
        let s = services(ctx)?;
        let result = match uuid_input(&input.passkey, "passkey") {
            Ok(id) => {
                let txn = begin_write(&s.db).await?;
                let removed = passkeys::remove(&txn, account_id, id, s.clock.now()).await;
                if removed.is_ok() {
                    txn.commit().await?;
                }
                removed
            }
            Err(e) => Err(e),
        };
        let (removed, user_errors) = split(result)?;
        Ok(RemovePasskeyPayload {
            removed_passkey_id: removed.map(|p| ID(p.id.to_string())),
            user_errors,
        })
    }
}

fn ceremony_payload(
    started: AppResult<passkeys::Started>,
) -> GqlResult<StartPasskeyCeremonyPayload> {
    let (started, user_errors) = split(started)?;
    Ok(StartPasskeyCeremonyPayload {
        ceremony: started.map(|s| PasskeyCeremony {
            ceremony_id: ID(s.ceremony_id.to_string()),
            public_key: Json(s.public_key),
        }),
        user_errors,
    })
}
