//! Global, opaque IDs: base64url of `Kind:uuid`, so any object can be fetched with `node(id:)`.
use crate::error::{AppError, AppResult};
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organisation,
    Practitioner,
    Family,
    FamilyMember,
    NeedLevelChange,
    Consent,
    SafeguardingOverride,
    Plan,
    Outcome,
    PlanAction,
    /// Meetings come with issue 6; feedback about a meeting names one already.
    Meeting,
    Feedback,
    YoungPersonView,
    FollowUp,
    LeadNomination,
    MeetingView,
    Assessment,
    AssessmentSection,
    TeamMembership,
    OutcomeNote,
    PlanChange,
    // Issue 17.
    SupportRequest,
    InformationRequest,
    Consultation,
    LocalService,
    // Issue 13
    Notification,
    PushDevice,
    // Issue 14
    Restriction,
}

impl Kind {
    const ALL: [Kind; 28] = [
        Kind::Organisation,
        Kind::Practitioner,
        Kind::Family,
        Kind::FamilyMember,
        Kind::NeedLevelChange,
        Kind::Consent,
        Kind::SafeguardingOverride,
        Kind::Plan,
        Kind::Outcome,
        Kind::PlanAction,
        Kind::Meeting,
        Kind::Feedback,
        Kind::YoungPersonView,
        Kind::FollowUp,
        Kind::LeadNomination,
        Kind::MeetingView,
        Kind::Assessment,
        Kind::AssessmentSection,
        Kind::TeamMembership,
        Kind::OutcomeNote,
        Kind::PlanChange,
        Kind::SupportRequest,
        Kind::InformationRequest,
        Kind::Consultation,
        Kind::LocalService,
        Kind::Notification,
        Kind::PushDevice,
        Kind::Restriction,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Organisation => "Organisation",
            Kind::Practitioner => "Practitioner",
            Kind::Family => "Family",
            Kind::FamilyMember => "FamilyMember",
            Kind::NeedLevelChange => "NeedLevelChange",
            Kind::Consent => "Consent",
            Kind::SafeguardingOverride => "SafeguardingOverride",
            Kind::Plan => "Plan",
            Kind::Outcome => "Outcome",
            Kind::PlanAction => "PlanAction",
            Kind::Meeting => "Meeting",
            Kind::Feedback => "Feedback",
            Kind::YoungPersonView => "YoungPersonView",
            Kind::FollowUp => "FollowUp",
            Kind::LeadNomination => "LeadNomination",
            Kind::MeetingView => "MeetingView",
            Kind::Assessment => "Assessment",
            Kind::AssessmentSection => "AssessmentSection",
            Kind::TeamMembership => "TeamMembership",
            Kind::OutcomeNote => "OutcomeNote",
            Kind::PlanChange => "PlanChange",
            Kind::SupportRequest => "SupportRequest",
            Kind::InformationRequest => "InformationRequest",
            Kind::Consultation => "Consultation",
            Kind::LocalService => "LocalService",
            Kind::Notification => "Notification",
            Kind::PushDevice => "PushDevice",
            Kind::Restriction => "Restriction",
        }
    }
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id)))
}

/// Reads any global ID.
pub fn decode_any(id: &ID) -> AppResult<(Kind, Uuid)> {
    let not_ours = || {
        AppError::BadUserInput(format!(
            "“{}” is not an ID that this service gave out.",
            id.as_str()
        ))
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_str())
        .map_err(|_| not_ours())?;
    let text = String::from_utf8(bytes).map_err(|_| not_ours())?;
    let (name, uuid) = text.split_once(':').ok_or_else(not_ours)?;
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(not_ours)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| not_ours())?;
    Ok((kind, uuid))
}

/// Reads a global ID that must name an object of one kind (e.g. a `family` argument).
pub fn decode(id: &ID, expected: Kind) -> AppResult<Uuid> {
    match decode_any(id)? {
        (kind, uuid) if kind == expected => Ok(uuid),
        _ => Err(AppError::BadUserInput(format!(
            "“{}” is not the ID of a {}.",
            id.as_str(),
            expected.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::Family, uuid);
        assert!(!id.as_str().contains("Family"), "IDs are opaque");
        assert_eq!(decode(&id, Kind::Family).ok(), Some(uuid));
        assert!(decode(&id, Kind::Organisation).is_err());
        assert!(decode_any(&ID("not-an-id".into())).is_err());
    }
}
