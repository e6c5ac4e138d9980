//! Requests for support: the ways in to early help (issue 17).
//!
//! - From the app: a family member asks in their own words ([`ask_from_app`]). A young
//!   person's request stays with the hub and the team unless they share it with their parents.
//! - Through the public front door: someone with no account ([`ask_anonymously`]). A small,
//!   fixed set of fields; nothing is looked up or confirmed to the caller, who gets a short
//!   reference and what happens next.
//! - A professional's referral ([`refer`]): the family's consent is required, unless the
//!   referrer records (with a reason) that a child may be at risk of significant harm.
//! - An urgent alert about a known family ([`open_urgent`]): a practitioner's concern about a
//!   family they do not work with, a young person's "I don't feel safe".
//!
//! Every request is written in the transaction that answers the caller, with its clock
//! ([`Clocks`]): 24 hours to a decision, 2 hours where a child may be at risk of significant
//! harm. Screening is `screening`; the missed-clock alert is `support_clock`.
use super::{families, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::family_member::{self, MemberRelation};
use entities::support_request::{self, RequestStatus, WayIn};
use entities::{family, support_request_person, support_request_question};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// How long the hub has to decide.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    pub decision: Duration,
    /// Where a child may be at risk of significant harm.
    pub urgent: Duration,
}

impl Clocks {
    pub fn due(&self, received: DateTime<Utc>, significant_harm: bool) -> DateTime<Utc> {
        received
            + if significant_harm {
                self.urgent
            } else {
                self.decision
            }
    }
}

/// Where a request stands against its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Decided: the clock has stopped.
    Stopped,
    OnTime,
    /// A quarter of its time or less is left.
    NearlyDue,
    Overdue,
}

pub fn clock_state(r: &support_request::Model, now: DateTime<Utc>) -> ClockState {
    if r.status == RequestStatus::Decided {
        return ClockState::Stopped;
    }
    let whole = r.due_at - r.received_at;
    if now >= r.due_at {
        ClockState::Overdue
    } else if (r.due_at - now) * 4 <= whole {
        ClockState::NearlyDue
    } else {
        ClockState::OnTime
    }
}

/// Whether the decision came within the clock.
pub fn decided_in_time(r: &support_request::Model) -> Option<bool> {
    r.decided_at.map(|at| at <= r.due_at)
}

/// What the public front door tells whoever asked.
pub const WHAT_HAPPENS_NEXT: &str = "Thank you. Your request has reached the Early Help Hub. \
Someone from the hub will look at it within one working day and will get in touch with you \
using the contact details you gave. Please keep your reference. If a child is in danger now, \
call 999.";

/// A short reference, easy to read out on the phone: `FD-` and six letters or digits
/// (no 0/O, 1/I).
fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let code: String = (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("FD-{code}")
}

/// A person the request names.
pub struct NamedPerson<'a> {
    pub name: &'a str,
    pub child: bool,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub member_id: Option<Uuid>,
}

/// Everything a new request holds; each way in fills its part.
struct NewRequest<'a> {
    way_in: WayIn,
    family_id: Option<Uuid>,
    local_area: Option<String>,
    asked_by_member: Option<Uuid>,
    referred_by: Option<(Uuid, Uuid)>,
    shared_with_parents: bool,
    contact_name: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    contact_by: Option<String>,
    postcode: Option<String>,
    what_is_happening: String,
    help_wanted: Option<String>,
    needs_level: Option<i16>,
    what_tried: Option<String>,
    consent_given: bool,
    significant_harm: bool,
    significant_harm_reason: Option<String>,
    people: Vec<NamedPerson<'a>>,
}

async fn insert(
    db: &impl ConnectionTrait,
    new: NewRequest<'_>,
    clocks: &Clocks,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let now = permit.at();
    let request = support_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        reference: Set(new_reference()),
        way_in: Set(new.way_in),
        status: Set(RequestStatus::Received),
        family_id: Set(new.family_id),
        local_area: Set(new.local_area),
        requested_by_member_id: Set(new.asked_by_member),
        referred_by_practitioner_id: Set(new.referred_by.map(|r| r.0)),
        referrer_organisation_id: Set(new.referred_by.map(|r| r.1)),
        shared_with_parents: Set(new.shared_with_parents),
        contact_name: Set(new.contact_name),
        contact_email: Set(new.contact_email),
        contact_phone: Set(new.contact_phone),
        contact_by: Set(new.contact_by),
        postcode: Set(new.postcode),
        what_is_happening: Set(new.what_is_happening),
        help_wanted: Set(new.help_wanted),
        needs_level: Set(new.needs_level),
        what_tried: Set(new.what_tried),
        consent_given: Set(new.consent_given),
        significant_harm: Set(new.significant_harm),
        significant_harm_reason: Set(new.significant_harm_reason),
        received_at: Set(now),
        due_at: Set(clocks.due(now, new.significant_harm)),
        alerted_at: Set(None),
        claimed_by_practitioner_id: Set(None),
        claimed_at: Set(None),
        decision: Set(None),
        decision_reason: Set(None),
        advice: Set(None),
        decided_at: Set(None),
        decided_by_practitioner_id: Set(None),
        suggested_lead_practitioner_id: Set(None),
        withhold_from_family: Set(false),
    }
    .insert(db)
    .await?;
    for person in new.people {
        support_request_person::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(request.id),
            name: Set(person.name.trim().to_owned()),
            relation: Set(if person.child { "child" } else { "adult" }.to_owned()),
            date_of_birth: Set(person.date_of_birth),
            age: Set(person.age.and_then(|a| i16::try_from(a).ok())),
            member_id: Set(person.member_id),
        }
        .insert(db)
        .await?;
    }
    if request.significant_harm {
        // The hub is told at once (inbox, email, push; issue 14 made it a kind of its own):
        // only that something urgent waits, never what it says.
        let about = super::notify::About {
            family: request.family_id,
            ..super::notify::About::default()
        };
        if let Some(notice) =
            super::notify::Notice::of(permit, super::notify::Kind::UrgentSupportRequest, about)
        {
            let screeners = super::notify::accounts_of_roles(db, Permit::screeners()).await?;
            super::notify::tell(db, &notice, &screeners, now).await?;
        }
    }
    Ok(request)
}

fn optional(
    field: &str,
    label: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<UserError>,
) -> Option<String> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| text::required(field, label, v, max, errors))
}

/// A UK-style phone number: digits, spaces, `+`, `(`, `)`, `-`; 7 to 15 digits.
fn phone(field: &str, value: &str, errors: &mut Vec<UserError>) -> String {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +()-".contains(c));
    if !allowed || !(7..=15).contains(&digits) {
        errors.push(UserError::new(
            &[field],
            UserErrorCode::Invalid,
            "Please enter a phone number like 01632 960 123.",
        ));
    }
    value.to_owned()
}

fn postcode(value: Option<&str>, errors: &mut Vec<UserError>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    let normalised: String = value
        .to_ascii_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let compact = normalised.replace(' ', "");
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(UserError::new(
            &["postcode"],
            UserErrorCode::Invalid,
            "Please enter a postcode like TA1 1AA, or leave it empty.",
        ));
    }
    Some(normalised)
}

/// A family member asks from the app.
pub struct FromFamily<'a> {
    pub what_is_happening: &'a str,
    pub help_wanted: Option<&'a str>,
    /// The members it is about (none: the whole family).
    pub about: &'a [Uuid],
    pub contact_by: Option<&'a str>,
    /// A young person's choice; an adult's request is shared with the other parents.
    pub share_with_parents: bool,
}

pub async fn ask_from_app(
    db: &impl ConnectionTrait,
    asked: FromFamily<'_>,
    clocks: &Clocks,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let (Some(member_id), Some(family_id)) = (permit.actor().member_id(), permit.family_id())
    else {
        return Err(AppError::Forbidden);
    };
    from_member(db, family_id, member_id, asked, clocks, permit).await
}

/// `member_id` of `family_id` asks (the app's request; the demo loader's too).
pub(super) async fn from_member(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    member_id: Uuid,
    asked: FromFamily<'_>,
    clocks: &Clocks,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let asker = families::member(db, member_id).await?;
    let mut errors = vec![];
    let what = text::required(
        "whatIsHappening",
        "what is happening",
        asked.what_is_happening,
        4000,
        &mut errors,
    );
    let help = optional(
        "helpWanted",
        "what you would like help with",
        asked.help_wanted,
        4000,
        &mut errors,
    );
    let contact_by = optional(
        "contactBy",
        "how and when to contact you",
        asked.contact_by,
        500,
        &mut errors,
    );
    let members = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family_id))
        .all(db)
        .await?;
    let mut people = vec![];
    for id in asked.about {
        match members.iter().find(|m| m.id == *id) {
            Some(m) => people.push(NamedPerson {
                name: &m.name,
                child: m.relation == MemberRelation::Child,
                date_of_birth: Some(m.date_of_birth),
                age: None,
                member_id: Some(m.id),
            }),
            None => errors.push(UserError::new(
                &["about"],
                UserErrorCode::NotFound,
                "Please choose people from your own family.",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let family = family::Entity::find_by_id(family_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let shared = !Permit::keeps_views_private(asker.relation) || asked.share_with_parents;
    let new = NewRequest {
        way_in: WayIn::App,
        family_id: Some(family_id),
        local_area: Some(family.local_area),
        asked_by_member: Some(member_id),
        referred_by: None,
        shared_with_parents: shared,
        contact_name: Some(asker.name.clone()),
        contact_email: None,
        contact_phone: None,
        contact_by,
        postcode: None,
        what_is_happening: what,
        help_wanted: help,
        needs_level: None,
        what_tried: None,
        consent_given: true,
        significant_harm: false,
        significant_harm_reason: None,
        people,
    };
    insert(db, new, clocks, permit).await
}

/// Someone with no account, through the public front door.
pub struct Anonymous<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The children's first names and ages.
    pub children: &'a [(String, i32)],
    pub what_is_happening: &'a str,
    pub agrees_to_agency_contact: bool,
    pub postcode: Option<&'a str>,
    pub contact_by: Option<&'a str>,
}

/// Most children one anonymous request may name.
const MAX_CHILDREN: usize = 12;

pub async fn ask_anonymously(
    db: &impl ConnectionTrait,
    asked: Anonymous<'_>,
    clocks: &Clocks,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let mut errors = vec![];
    let name = text::required("name", "your name", asked.name, 200, &mut errors);
    let email = asked
        .email
        .filter(|e| !e.trim().is_empty())
        .map(|e| text::email("email", e, &mut errors));
    let phone = asked
        .phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| phone("phone", p, &mut errors));
    if email.is_none() && phone.is_none() {
        errors.push(UserError::new(
            &["email"],
            UserErrorCode::Required,
            "Please give an email address or a phone number so that the hub can reply.",
        ));
    }
    let what = text::required(
        "whatIsHappening",
        "what is happening",
        asked.what_is_happening,
        4000,
        &mut errors,
    );
    let contact_by = optional(
        "contactBy",
        "how and when to contact you",
        asked.contact_by,
        500,
        &mut errors,
    );
    let postcode = postcode(asked.postcode, &mut errors);
    if asked.children.len() > MAX_CHILDREN {
        errors.push(UserError::new(
            &["children"],
            UserErrorCode::OutOfRange,
            format!("Please name at most {MAX_CHILDREN} children."),
        ));
    }
    let mut people = vec![];
    for (first_name, age) in asked.children.iter().take(MAX_CHILDREN) {
        text::required(
            "children",
            "each child's first name",
            first_name,
            100,
            &mut errors,
        );
        if !(0..=18).contains(age) {
            errors.push(UserError::new(
                &["children"],
                UserErrorCode::OutOfRange,
                "Please give each child's age, from 0 to 18.",
            ));
        }
        people.push(NamedPerson {
            name: first_name,
            child: true,
            date_of_birth: None,
            age: Some(*age),
            member_id: None,
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    people.push(NamedPerson {
        name: &name,
        child: false,
        date_of_birth: None,
        age: None,
        member_id: None,
    });
    let new = NewRequest {
        way_in: WayIn::Anonymous,
        family_id: None,
        local_area: None,
        asked_by_member: None,
        referred_by: None,
        shared_with_parents: true,
        contact_name: Some(name.clone()),
        contact_email: email,
        contact_phone: phone,
        contact_by,
        postcode,
        what_is_happening: what,
        help_wanted: None,
        needs_level: None,
        what_tried: None,
        consent_given: asked.agrees_to_agency_contact,
        significant_harm: false,
        significant_harm_reason: None,
        people,
    };
    insert(db, new, clocks, permit).await
}

/// A professional's referral.
pub struct Referral<'a> {
    /// A family already known to the service.
    pub family_id: Option<Uuid>,
    pub people: Vec<NamedPerson<'a>>,
    pub postcode: Option<&'a str>,
    pub local_area: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub concerns: &'a str,
    pub needs_level: Option<i16>,
    pub what_tried: Option<&'a str>,
    pub family_consented: bool,
    pub significant_harm: bool,
    pub significant_harm_reason: Option<&'a str>,
}

pub async fn refer(
    db: &impl ConnectionTrait,
    referral: Referral<'_>,
    clocks: &Clocks,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let actor = permit.actor();
    let crate::viewer::Actor::Practitioner {
        id,
        organisation_id,
        ..
    } = actor
    else {
        return Err(AppError::Forbidden);
    };
    let mut errors = vec![];
    let concerns = text::required(
        "concerns",
        "your concerns",
        referral.concerns,
        4000,
        &mut errors,
    );
    let what_tried = optional(
        "whatHasBeenTried",
        "what has been tried",
        referral.what_tried,
        4000,
        &mut errors,
    );
    let harm_reason = if referral.significant_harm {
        Some(text::required(
            "significantHarmReason",
            "why a child may be at risk of significant harm",
            referral.significant_harm_reason.unwrap_or_default(),
            4000,
            &mut errors,
        ))
    } else {
        None
    };
    if !referral.family_consented && !referral.significant_harm {
        errors.push(UserError::new(
            &["familyConsented"],
            UserErrorCode::ConsentRequired,
            "A referral needs the family's consent, unless a child may be at risk of significant harm (then say why).",
        ));
    }
    if let Some(level) = referral.needs_level
        && !(families::LOWEST_LEVEL..=families::HIGHEST_LEVEL).contains(&level)
    {
        errors.push(UserError::new(
            &["needsLevel"],
            UserErrorCode::OutOfRange,
            "Need levels go from 1 (universal) to 4 (child protection).",
        ));
    }
    let email = referral
        .contact_email
        .filter(|e| !e.trim().is_empty())
        .map(|e| text::email("contactEmail", e, &mut errors));
    let phone = referral
        .contact_phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| phone("contactPhone", p, &mut errors));
    let contact_name = optional(
        "contactName",
        "the family's contact name",
        referral.contact_name,
        200,
        &mut errors,
    );
    let postcode = postcode(referral.postcode, &mut errors);
    let local_area = optional(
        "localArea",
        "the local area",
        referral.local_area,
        200,
        &mut errors,
    );
    check_people(&referral.people, permit.at(), &mut errors);
    let family = match referral.family_id {
        Some(family_id) => Some(
            family::Entity::find_by_id(family_id)
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        &["family"],
                        UserErrorCode::NotFound,
                        "We could not find that family record.",
                    )
                })?,
        ),
        None => {
            if referral.people.is_empty() {
                errors.push(UserError::new(
                    &["people"],
                    UserErrorCode::Required,
                    "Please name the children (and adults) the referral is about.",
                ));
            }
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let new = NewRequest {
        way_in: WayIn::Referral,
        family_id: family.as_ref().map(|f| f.id),
        local_area: family.map(|f| f.local_area).or(local_area),
        asked_by_member: None,
        referred_by: Some((id, organisation_id)),
        shared_with_parents: true,
        contact_name,
        contact_email: email,
        contact_phone: phone,
        contact_by: None,
        postcode,
        what_is_happening: concerns,
        help_wanted: None,
        needs_level: referral.needs_level,
        what_tried,
        consent_given: referral.family_consented,
        significant_harm: referral.significant_harm,
        significant_harm_reason: harm_reason,
        people: referral.people,
    };
    insert(db, new, clocks, permit).await
}

fn check_people(people: &[NamedPerson<'_>], now: DateTime<Utc>, errors: &mut Vec<UserError>) {
    if people.len() > 20 {
        errors.push(UserError::new(
            &["people"],
            UserErrorCode::OutOfRange,
            "Please name at most 20 people.",
        ));
    }
    for person in people {
        text::required("people", "each person's name", person.name, 200, errors);
        if person.date_of_birth.is_some_and(|d| d > now.date_naive()) {
            errors.push(UserError::new(
                &["people"],
                UserErrorCode::OutOfRange,
                "A date of birth cannot be in the future.",
            ));
        }
    }
}

/// What raised an urgent request about a known family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrgentSource {
    /// A practitioner not working with the family raised a safeguarding concern.
    PractitionerConcern,
    /// A family member's "I don't feel safe" (issue 14).
    FeelingUnsafe,
}

/// Opens an urgent request (the 2-hour clock) for a known family: a practitioner's
/// safeguarding concern from outside the team, or a family member's "I don't feel safe".
/// Call inside the caller's write transaction with the caller's permit (a practitioner's or
/// a family member's); `summary` is what they said, if anything. Never shown to the rest of
/// the family; the hub is emailed at once.
pub async fn open_urgent(
    db: &impl ConnectionTrait,
    permit: &Permit,
    family_id: Uuid,
    source: UrgentSource,
    summary: Option<&str>,
    clocks: &Clocks,
) -> AppResult<support_request::Model> {
    let actor = permit.actor();
    let mut errors = vec![];
    let summary = match source {
        UrgentSource::PractitionerConcern => text::required(
            "reason",
            "why a child may be at risk of significant harm",
            summary.unwrap_or_default(),
            4000,
            &mut errors,
        ),
        UrgentSource::FeelingUnsafe => summary
            .filter(|s| !s.trim().is_empty())
            .map(|s| text::required("summary", "what is happening", s, 4000, &mut errors))
            .unwrap_or_else(|| "A family member said they do not feel safe.".to_owned()),
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let family = family::Entity::find_by_id(family_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let referred_by = match actor {
        crate::viewer::Actor::Practitioner {
            id,
            organisation_id,
            ..
        } => Some((id, organisation_id)),
        _ => None,
    };
    let new = NewRequest {
        way_in: WayIn::Urgent,
        family_id: Some(family_id),
        local_area: Some(family.local_area),
        asked_by_member: actor.member_id(),
        referred_by,
        shared_with_parents: false,
        contact_name: None,
        contact_email: None,
        contact_phone: None,
        contact_by: None,
        postcode: None,
        what_is_happening: summary.clone(),
        help_wanted: None,
        needs_level: None,
        what_tried: None,
        consent_given: false,
        significant_harm: true,
        significant_harm_reason: Some(summary),
        people: vec![],
    };
    insert(db, new, clocks, permit).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<support_request::Model> {
    support_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["request"],
                UserErrorCode::NotFound,
                "We could not find that request for support.",
            )
        })
}

/// The people a request names.
pub async fn people(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> AppResult<Vec<support_request_person::Model>> {
    Ok(support_request_person::Entity::find()
        .filter(support_request_person::Column::RequestId.eq(request_id))
        .order_by_asc(support_request_person::Column::Id)
        .all(db)
        .await?)
}

/// The people each of `requests` names, in one statement (a page of the hub's queue).
pub async fn people_of(
    db: &impl ConnectionTrait,
    requests: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<support_request_person::Model>>> {
    let mut named: HashMap<Uuid, Vec<support_request_person::Model>> = HashMap::new();
    if requests.is_empty() {
        return Ok(named);
    }
    for person in support_request_person::Entity::find()
        .filter(support_request_person::Column::RequestId.is_in(requests.to_vec()))
        .order_by_asc(support_request_person::Column::Id)
        .all(db)
        .await?
    {
        named.entry(person.request_id).or_default().push(person);
    }
    Ok(named)
}

/// The hub's questions about each of `requests`, oldest first, in one statement.
pub async fn questions_of(
    db: &impl ConnectionTrait,
    requests: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<support_request_question::Model>>> {
    let mut asked: HashMap<Uuid, Vec<support_request_question::Model>> = HashMap::new();
    if requests.is_empty() {
        return Ok(asked);
    }
    for question in support_request_question::Entity::find()
        .filter(support_request_question::Column::RequestId.is_in(requests.to_vec()))
        .order_by_asc(support_request_question::Column::Id)
        .all(db)
        .await?
    {
        asked.entry(question.request_id).or_default().push(question);
    }
    Ok(asked)
}

/// The family records `family_ids` name, in one statement.
pub async fn families_of(
    db: &impl ConnectionTrait,
    family_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, family::Model>> {
    if family_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(family::Entity::find()
        .filter(family::Column::Id.is_in(family_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}

/// The hub's questions about a request, oldest first.
pub async fn questions(
    db: &impl ConnectionTrait,
    request_id: Uuid,
) -> AppResult<Vec<support_request_question::Model>> {
    Ok(support_request_question::Entity::find()
        .filter(support_request_question::Column::RequestId.eq(request_id))
        .order_by_asc(support_request_question::Column::Id)
        .all(db)
        .await?)
}

/// The family's requests, oldest first (what each member sees of them:
/// `visibility::may_see_support_request`).
pub fn of_family(family_id: Uuid) -> sea_orm::Select<support_request::Entity> {
    support_request::Entity::find().filter(support_request::Column::FamilyId.eq(family_id))
}

/// A practitioner's own referrals (and urgent concerns they raised with the hub).
pub fn referred_by(practitioner_id: Uuid) -> sea_orm::Select<support_request::Entity> {
    support_request::Entity::find()
        .filter(support_request::Column::ReferredByPractitionerId.eq(practitioner_id))
}

/// What the family sees of a request, for the policy.
/// Issue 14: the family members each of `requests` names (as the people it is about).
pub async fn members_named(
    db: &impl ConnectionTrait,
    requests: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<Uuid>>> {
    let mut named: std::collections::HashMap<Uuid, Vec<Uuid>> = Default::default();
    if requests.is_empty() {
        return Ok(named);
    }
    for person in support_request_person::Entity::find()
        .filter(support_request_person::Column::RequestId.is_in(requests.to_vec()))
        .all(db)
        .await?
    {
        if let Some(member) = person.member_id {
            named.entry(person.request_id).or_default().push(member);
        }
    }
    Ok(named)
}

pub fn family_item(r: &support_request::Model) -> crate::access::visibility::SupportRequestItem {
    crate::access::visibility::SupportRequestItem {
        asked_by_member: r.requested_by_member_id,
        shared_with_parents: r.shared_with_parents,
        urgent: r.way_in == WayIn::Urgent,
        harm_undecided: r.significant_harm && r.status != RequestStatus::Decided,
        withheld: r.withhold_from_family,
    }
}
