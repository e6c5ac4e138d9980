//! Issue 14: "I don't feel safe" — the numbers to call, shown before anyone presses the
//! button (the mutation is `mutation::feeling_unsafe`).
use super::{authorize, services};
use crate::access::Action;
use crate::domain::feeling_unsafe;
use crate::error::GqlResult;
use async_graphql::{Context, Object, SimpleObject};

/// A number to call for help, from the local authority's settings.
#[derive(SimpleObject, Clone)]
pub struct Helpline {
    /// E.g. "Childline".
    pub name: String,
    /// The number to call, as it is dialled, e.g. "0800 1111".
    pub number: String,
    /// When to call it, in plain words.
    pub text: String,
    /// Its website, if it has one.
    pub url: Option<String>,
}

impl Helpline {
    pub fn all(configured: &feeling_unsafe::Helplines) -> Vec<Helpline> {
        configured
            .0
            .iter()
            .map(|h| Helpline {
                name: h.name.clone(),
                number: h.number.clone(),
                text: h.text.clone(),
                url: h.url.clone(),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct SafetyQuery;

#[Object]
impl SafetyQuery {
    /// The emergency and helpline numbers (e.g. 999, Childline), in the order to show them.
    /// Open to anyone, signed in or not: someone in danger should never have to sign in to
    /// see who to call.
    async fn helplines(&self, ctx: &Context<'_>) -> GqlResult<Vec<Helpline>> {
        authorize(ctx, Action::ReadHelplines).await?;
        Ok(Helpline::all(&services(ctx)?.settings.helplines))
    }
}
