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

    const fn name(self) -> &'static str {
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

/// Room for the longest `Kind:uuid` (checked for every kind when the crate is built).
const ID_TEXT: usize = 64;
const _: () = {
    let mut i = 0;
    while i < Kind::ALL.len() {
        assert!(Kind::ALL[i].name().len() + 1 + uuid::fmt::Hyphenated::LENGTH <= ID_TEXT);
        i += 1;
    }
};

pub fn encode(kind: Kind, id: Uuid) -> ID {
    // `Kind:uuid` written into a buffer on the stack rather than through `format!`: a plan
    // screen gives out some thirty IDs, and the formatting machinery cost more than the
    // base64 (the longest name is 20 bytes, a hyphenated UUID 36).
    let name = kind.name().as_bytes();
    let mut text = [0u8; ID_TEXT];
    text[..name.len()].copy_from_slice(name);
    text[name.len()] = b':';
    let start = name.len() + 1;
    let uuid = id
        .hyphenated()
        .encode_lower(&mut text[start..start + uuid::fmt::Hyphenated::LENGTH])
        .len();
    ID(URL_SAFE_NO_PAD.encode(&text[..start + uuid]))
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

    /// IDs already given out (kept by the app, in links) stay valid: an ID is the base64url
    /// of the kind's name, a colon and the lowercase hyphenated UUID, for every kind.
    #[test]
    fn ids_are_the_base64_of_the_kind_and_the_uuid() {
        let uuid = Uuid::parse_str("0190F2A4-7C3B-7D2E-9A41-5B6C7D8E9F00").unwrap_or_default();
        for kind in Kind::ALL {
            let id = encode(kind, uuid);
            let text = format!("{}:0190f2a4-7c3b-7d2e-9a41-5b6c7d8e9f00", kind.name());
            assert_eq!(id.as_str(), URL_SAFE_NO_PAD.encode(text), "{kind:?}");
            assert_eq!(decode(&id, kind).ok(), Some(uuid));
        }
        assert_eq!(
            encode(Kind::Plan, uuid).as_str(),
            "UGxhbjowMTkwZjJhNC03YzNiLTdkMmUtOWE0MS01YjZjN2Q4ZTlmMDA"
        );
    }
}
