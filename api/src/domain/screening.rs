//! Screening at the hub (issue 17): the queue, oldest due first; claiming a request so that
//! two screeners never work one twice; questions for more information (the clock keeps
//! running); possible existing family records (matching, never merging); and the decision,
//! with its reason: advice and guidance, early help, or passing the family to children's
//! social care (s17 / s47, which moves the need level with its history entry).
use super::notify::{About, Kind, Notice};
use super::support_requests::{self, find};
use super::{audit, families, notify, practitioners, team, text};
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{DateTime, Datelike, Utc};
use entities::family_member::{self, MemberRelation};
use entities::support_request::{self, Column, Decision, RequestStatus};
use entities::{family, support_request_person, support_request_question};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// One page of the queue: requests in `statuses`, the one due soonest first, after the
/// request `after` (its cursor). Returns the rows and whether more follow.
pub async fn queue(
    db: &impl ConnectionTrait,
    statuses: &[RequestStatus],
    after: Option<Uuid>,
    first: u64,
) -> AppResult<(Vec<support_request::Model>, bool)> {
    let mut select = support_request::Entity::find()
        .filter(Column::Status.is_in(statuses.iter().copied()))
        .order_by_asc(Column::DueAt)
        .order_by_asc(Column::Id);
    if let Some(after) = after {
        let mark = find(db, after).await.map_err(|_| {
            AppError::BadUserInput(
                "That page cursor is not valid. Please start again from the first page.".into(),
            )
        })?;
        select = select.filter(
            Condition::any().add(Column::DueAt.gt(mark.due_at)).add(
                Condition::all()
                    .add(Column::DueAt.eq(mark.due_at))
                    .add(Column::Id.gt(mark.id)),
            ),
        );
    }
    let mut rows = select.limit(first + 1).all(db).await?;
    let more = rows.len() as u64 > first;
    rows.truncate(first as usize);
    Ok((rows, more))
}

/// Issue 14: the screening of an urgent alert ("I don't feel safe", a concern from outside
/// the team) is never shown to the family, so neither is its audit trail.
fn audit_kind(request: &support_request::Model) -> audit::Kind {
    if request.way_in == entities::support_request::WayIn::Urgent {
        audit::Kind::Alert
    } else {
        audit::Kind::Change
    }
}

fn screener(permit: &Permit) -> AppResult<Uuid> {
    permit.actor().practitioner_id().ok_or(AppError::Forbidden)
}

fn not_open() -> AppError {
    AppError::invalid(
        &["request"],
        UserErrorCode::NotAllowedNow,
        "This request has already been decided.",
    )
}

/// A hub worker takes a request. Only one claim can land: the update is conditional on the
/// request being unclaimed.
pub async fn claim(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let me = screener(permit)?;
    let now = permit.at();
    let claimed = support_request::Entity::update_many()
        .col_expr(Column::Status, Expr::value(RequestStatus::Screening))
        .col_expr(Column::ClaimedByPractitionerId, Expr::value(Some(me)))
        .col_expr(Column::ClaimedAt, Expr::value(Some(now)))
        .filter(Column::Id.eq(request_id))
        .filter(Column::Status.eq(RequestStatus::Received))
        .filter(Column::ClaimedByPractitionerId.is_null())
        .exec(db)
        .await?;
    let request = find(db, request_id).await?;
    if claimed.rows_affected == 1 {
        if let Some(family_id) = request.family_id {
            audit::record(
                db,
                family_id,
                permit.actor(),
                audit_kind(&request),
                "started screening a request for support",
                now,
            )
            .await?;
        }
        return Ok(request);
    }
    Err(match (request.status, request.claimed_by_practitioner_id) {
        (RequestStatus::Decided, _) => not_open(),
        (_, Some(by)) if by == me => AppError::invalid(
            &["request"],
            UserErrorCode::Unchanged,
            "You are already looking at this request.",
        ),
        _ => AppError::invalid(
            &["request"],
            UserErrorCode::Conflict,
            "Another hub worker is already looking at this request.",
        ),
    })
}

/// The hub asks whoever asked (or referred) for more information. The clock keeps running.
pub async fn ask_for_information(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    question: &str,
    permit: &Permit,
) -> AppResult<support_request_question::Model> {
    let me = screener(permit)?;
    let now = permit.at();
    let mut errors = vec![];
    let question = text::required("question", "your question", question, 2000, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let request = find(db, request_id).await?;
    if request.status == RequestStatus::Decided {
        return Err(not_open());
    }
    let asked = support_request_question::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(request.id),
        question: Set(question),
        asked_by_practitioner_id: Set(me),
        asked_at: Set(now),
        answer: Set(None),
        answered_at: Set(None),
        answered_by_member_id: Set(None),
        answered_by_practitioner_id: Set(None),
    }
    .insert(db)
    .await?;
    tell_asker(
        db,
        &request,
        permit,
        (Kind::SupportQuestionAsked, Kind::ReferralQuestionAsked),
    )
    .await?;
    Ok(asked)
}

/// Tells whoever asked from the app (the first kind) or referred (the second): their own
/// account each, none for the public front door (the hub contacts them itself).
async fn tell_asker(
    db: &impl ConnectionTrait,
    request: &support_request::Model,
    permit: &Permit,
    (family_kind, referrer_kind): (Kind, Kind),
) -> AppResult<()> {
    let now = permit.at();
    if let (Some(member_id), Some(family_id)) = (request.requested_by_member_id, request.family_id)
        && let Some(notice) = Notice::of(permit, family_kind, About::family(family_id))
    {
        let asker = notify::member_accounts(db, &[member_id]).await?;
        notify::tell(db, &notice, &asker, now).await?;
    }
    if let Some(practitioner) = request.referred_by_practitioner_id
        && let Some(notice) = Notice::of(permit, referrer_kind, About::default())
        && let Some(account) = notify::practitioner_account(db, practitioner).await?
    {
        notify::tell(db, &notice, &[account], now).await?;
    }
    Ok(())
}

/// Whether `actor` made the request `question_id` belongs to (asked from the app, or
/// referred). No such question: false (the rules then decide as for anyone else).
pub async fn asked_by(
    db: &impl ConnectionTrait,
    question_id: Uuid,
    actor: Option<crate::viewer::Actor>,
) -> AppResult<bool> {
    let Some(question) = support_request_question::Entity::find_by_id(question_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let request = find(db, question.request_id).await?;
    Ok(match actor {
        Some(a) if a.member_id().is_some() => a.member_id() == request.requested_by_member_id,
        Some(a) if a.practitioner_id().is_some() => {
            a.practitioner_id() == request.referred_by_practitioner_id
        }
        _ => false,
    })
}

async fn find_question(
    db: &impl ConnectionTrait,
    question_id: Uuid,
) -> AppResult<support_request_question::Model> {
    support_request_question::Entity::find_by_id(question_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["question"],
                UserErrorCode::NotFound,
                "We could not find that question.",
            )
        })
}

/// The asker answers in the app, or the hub records an answer given to it (on the phone).
pub async fn answer(
    db: &impl ConnectionTrait,
    question_id: Uuid,
    answer: &str,
    permit: &Permit,
) -> AppResult<support_request_question::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let mut errors = vec![];
    let answer = text::required("answer", "your answer", answer, 4000, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let question = find_question(db, question_id).await?;
    let updated = support_request_question::Entity::update_many()
        .col_expr(
            support_request_question::Column::Answer,
            Expr::value(Some(answer)),
        )
        .col_expr(
            support_request_question::Column::AnsweredAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            support_request_question::Column::AnsweredByMemberId,
            Expr::value(actor.member_id()),
        )
        .col_expr(
            support_request_question::Column::AnsweredByPractitionerId,
            Expr::value(actor.practitioner_id()),
        )
        .filter(support_request_question::Column::Id.eq(question.id))
        .filter(support_request_question::Column::AnsweredAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::invalid(
            &["question"],
            UserErrorCode::NotAllowedNow,
            "This question has already been answered.",
        ));
    }
    find_question(db, question_id).await
}

/// Why a family record may be the one a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchReason {
    /// A child of the record has the same name and date of birth (or first name and age).
    SameChild,
    /// An earlier request linked to the record names the same adult at the same postcode.
    SameAdultAndPostcode,
}

pub struct PossibleMatch {
    pub family: family::Model,
    pub reason: MatchReason,
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

fn age_on(born: chrono::NaiveDate, day: chrono::NaiveDate) -> i32 {
    let mut age = day.year() - born.year();
    if (day.month(), day.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// Possible existing family records for a request: shown to the hub, who chooses to link
/// one or open a new record. Nothing is merged.
pub async fn possible_matches(
    db: &impl ConnectionTrait,
    request: &support_request::Model,
) -> AppResult<Vec<PossibleMatch>> {
    let people = support_requests::people_of(db, &[request.id]).await?;
    let mut found = possible_matches_of(db, std::slice::from_ref(request), &people).await?;
    Ok(found.remove(&request.id).unwrap_or_default())
}

/// The birth dates a child named with an age could have on `day`: (oldest, youngest).
fn born_between(day: chrono::NaiveDate, age: i32) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let youngest = day
        .checked_sub_months(chrono::Months::new(12 * u32::try_from(age).unwrap_or(0)))
        .unwrap_or(day);
    let oldest = youngest
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(youngest);
    (oldest, youngest)
}

/// Possible matches for every request of a page of the queue, given the people they name:
/// the same four statements however many requests there are (children who could be the
/// same child; earlier requests at the same postcodes; the people those name; the families
/// found).
pub async fn possible_matches_of(
    db: &impl ConnectionTrait,
    requests: &[support_request::Model],
    people: &HashMap<Uuid, Vec<support_request_person::Model>>,
) -> AppResult<HashMap<Uuid, Vec<PossibleMatch>>> {
    let none = Vec::new();
    let named = |r: &support_request::Model| people.get(&r.id).unwrap_or(&none);
    // Children of any family who could be a child a request names: born on the day given,
    // or in the year the age given allows (each a lookup of the index by date of birth).
    let mut could_be = Condition::any();
    for request in requests {
        let day = request.received_at.date_naive();
        for child in named(request).iter().filter(|p| p.relation == "child") {
            could_be = match (child.date_of_birth, child.age) {
                (Some(born), _) => could_be.add(family_member::Column::DateOfBirth.eq(born)),
                (None, Some(age)) => {
                    let (oldest, youngest) = born_between(day, i32::from(age));
                    could_be.add(
                        Condition::all()
                            .add(family_member::Column::DateOfBirth.lte(youngest))
                            .add(family_member::Column::DateOfBirth.gte(oldest)),
                    )
                }
                (None, None) => could_be,
            };
        }
    }
    let children = if could_be.is_empty() {
        vec![]
    } else {
        family_member::Entity::find()
            .filter(family_member::Column::Relation.eq(MemberRelation::Child))
            .filter(could_be)
            .all(db)
            .await?
    };
    // Earlier requests linked to a family, at the postcodes the page's requests give.
    let postcodes: Vec<String> = requests.iter().filter_map(|r| r.postcode.clone()).collect();
    let earlier = if postcodes.is_empty() {
        vec![]
    } else {
        support_request::Entity::find()
            .filter(Column::Postcode.is_in(postcodes))
            .filter(Column::FamilyId.is_not_null())
            .all(db)
            .await?
    };
    let earlier_ids: Vec<Uuid> = earlier.iter().map(|r| r.id).collect();
    let earlier_people = support_requests::people_of(db, &earlier_ids).await?;

    let mut found: HashMap<Uuid, Vec<(Uuid, MatchReason)>> = HashMap::new();
    for request in requests {
        let day = request.received_at.date_naive();
        let mut of_request = vec![];
        for child in named(request).iter().filter(|p| p.relation == "child") {
            for m in &children {
                let same = match (child.date_of_birth, child.age) {
                    (Some(born), _) => m.date_of_birth == born && same_name(&m.name, &child.name),
                    (None, Some(age)) => {
                        age_on(m.date_of_birth, day) == i32::from(age)
                            && first_name(&m.name) == first_name(&child.name)
                    }
                    (None, None) => false,
                };
                if same && request.family_id != Some(m.family_id) {
                    of_request.push((m.family_id, MatchReason::SameChild));
                }
            }
        }
        let adults: Vec<&support_request_person::Model> = named(request)
            .iter()
            .filter(|p| p.relation == "adult")
            .collect();
        if let Some(postcode) = &request.postcode
            && !adults.is_empty()
        {
            for other in earlier
                .iter()
                .filter(|o| o.id != request.id && o.postcode.as_ref() == Some(postcode))
            {
                let same_adult = earlier_people.get(&other.id).is_some_and(|named| {
                    named.iter().any(|p| {
                        p.relation == "adult" && adults.iter().any(|a| same_name(&a.name, &p.name))
                    })
                });
                if let (true, Some(family_id)) = (same_adult, other.family_id)
                    && request.family_id != Some(family_id)
                {
                    of_request.push((family_id, MatchReason::SameAdultAndPostcode));
                }
            }
        }
        found.insert(request.id, of_request);
    }
    let mut family_ids: Vec<Uuid> = found.values().flatten().map(|(id, _)| *id).collect();
    family_ids.sort_unstable();
    family_ids.dedup();
    let families: HashMap<Uuid, family::Model> = if family_ids.is_empty() {
        HashMap::new()
    } else {
        family::Entity::find()
            .filter(family::Column::Id.is_in(family_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect()
    };
    Ok(found
        .into_iter()
        .map(|(request_id, candidates)| {
            let mut seen = vec![];
            let mut matches = vec![];
            for (family_id, reason) in candidates {
                if seen.contains(&family_id) {
                    continue;
                }
                seen.push(family_id);
                if let Some(family) = families.get(&family_id) {
                    matches.push(PossibleMatch {
                        family: family.clone(),
                        reason,
                    });
                }
            }
            (request_id, matches)
        })
        .collect())
}

/// A new family record opened at the decision.
pub struct NewRecord<'a> {
    pub reference: &'a str,
    pub local_area: &'a str,
}

/// The hub's decision on a request.
pub struct Decide<'a> {
    pub request_id: Uuid,
    pub decision: Decision,
    pub reason: &'a str,
    /// Advice and guidance, for the family to read.
    pub advice: Option<&'a str>,
    /// Directory entries the advice points at.
    pub services: &'a [Uuid],
    /// Link this existing family record (found by matching)...
    pub family_id: Option<Uuid>,
    /// ...or open a new one.
    pub new_family: Option<NewRecord<'a>>,
    /// Early help: the first team members.
    pub team: &'a [Uuid],
    pub suggested_lead: Option<Uuid>,
    /// Child protection: telling the family would increase the risk.
    pub withhold_from_family: bool,
}

/// The need level each decision puts the family at, at least.
fn level_of(decision: Decision) -> Option<i16> {
    match decision {
        Decision::Advice => None,
        Decision::EarlyHelp => Some(2),
        Decision::Section17 => Some(3),
        Decision::Section47 => Some(4),
    }
}

fn label(decision: Decision) -> &'static str {
    match decision {
        Decision::Advice => "advice and guidance",
        Decision::EarlyHelp => "early help",
        Decision::Section17 => "a child and family assessment (s17) by children's social care",
        Decision::Section47 => "a child protection enquiry (s47) by children's social care",
    }
}

pub async fn decide(
    db: &impl ConnectionTrait,
    d: Decide<'_>,
    permit: &Permit,
) -> AppResult<support_request::Model> {
    let me = screener(permit)?;
    let now = permit.at();
    let mut errors = vec![];
    let reason = text::required(
        "reason",
        "the reason for the decision",
        d.reason,
        4000,
        &mut errors,
    );
    let advice = d
        .advice
        .filter(|a| !a.trim().is_empty())
        .map(|a| text::required("advice", "the advice", a, 4000, &mut errors));
    let request = find(db, d.request_id).await?;
    if request.status == RequestStatus::Decided {
        return Err(not_open());
    }
    if request.claimed_by_practitioner_id != Some(me) {
        return Err(AppError::invalid(
            &["request"],
            UserErrorCode::NotAllowedNow,
            "Please claim this request before deciding it.",
        ));
    }
    let invalid = |field: &str, message: &str, errors: &mut Vec<UserError>| {
        errors.push(UserError::new(&[field], UserErrorCode::Invalid, message));
    };
    if d.decision == Decision::Advice && advice.is_none() {
        errors.push(UserError::new(
            &["advice"],
            UserErrorCode::Required,
            "Please write the advice the family will read.",
        ));
    }
    if d.decision != Decision::EarlyHelp && (!d.team.is_empty() || d.suggested_lead.is_some()) {
        invalid(
            "team",
            "A team and a suggested lead professional come with early help only.",
            &mut errors,
        );
    }
    if d.withhold_from_family && d.decision != Decision::Section47 {
        invalid(
            "withholdFromFamily",
            "Only a child protection enquiry can be withheld from the family.",
            &mut errors,
        );
    }
    if d.family_id.is_some() && d.new_family.is_some() {
        invalid(
            "newFamily",
            "Please either link an existing family record or open a new one, not both.",
            &mut errors,
        );
    }
    if let (Some(linked), Some(given)) = (request.family_id, d.family_id)
        && linked != given
    {
        invalid(
            "family",
            "This request is already about a family record.",
            &mut errors,
        );
    }
    if request.family_id.is_some() && d.new_family.is_some() {
        invalid(
            "newFamily",
            "This request is already about a family record.",
            &mut errors,
        );
    }
    let needs_family = level_of(d.decision).is_some();
    if needs_family
        && request.family_id.is_none()
        && d.family_id.is_none()
        && d.new_family.is_none()
    {
        errors.push(UserError::new(
            &["family"],
            UserErrorCode::Required,
            "Please link the family's existing record, or open a new one.",
        ));
    }
    if let Some(lead) = d.suggested_lead
        && !Permit::may_lead(&practitioners::roles_of(db, lead).await?)
    {
        invalid(
            "suggestedLead",
            "This person cannot be a lead professional.",
            &mut errors,
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let family_id = match (request.family_id.or(d.family_id), d.new_family) {
        (Some(id), _) => {
            family::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        &["family"],
                        UserErrorCode::NotFound,
                        "We could not find that family record.",
                    )
                })?;
            super::standing::hold_for_change(db, id).await?;
            Some(id)
        }
        (None, Some(new)) => {
            let opened = families::create(
                db,
                families::NewFamily {
                    reference: new.reference,
                    local_area: new.local_area,
                    need_level: level_of(d.decision).unwrap_or(1),
                    decided_by: Some(me),
                },
                permit,
            )
            .await
            .map_err(|e| nest(e, "newFamily"))?;
            Some(opened.id)
        }
        (None, None) => None,
    };
    if let (Some(family_id), Some(level)) = (family_id, level_of(d.decision)) {
        let current = family::Entity::find_by_id(family_id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        if current.need_level < level {
            let why = format!("Front door decision: {}. {reason}", label(d.decision));
            families::change_need_level(db, family_id, level, &why, permit).await?;
        }
    }
    if let Some(family_id) = family_id {
        for practitioner in d.team {
            team::add(db, family_id, *practitioner, permit)
                .await
                .map_err(|e| nest(e, "team"))?;
        }
    }
    let local_area = match family_id {
        Some(id) => family::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|f| f.local_area),
        None => None,
    };
    let mut active: support_request::ActiveModel = request.clone().into();
    active.status = Set(RequestStatus::Decided);
    active.decision = Set(Some(d.decision));
    active.decision_reason = Set(Some(reason));
    active.advice = Set(advice);
    active.decided_at = Set(Some(now));
    active.decided_by_practitioner_id = Set(Some(me));
    active.suggested_lead_practitioner_id = Set(d.suggested_lead);
    active.withhold_from_family = Set(d.withhold_from_family);
    active.family_id = Set(family_id);
    if local_area.is_some() {
        active.local_area = Set(local_area);
    }
    let decided = active.update(db).await?;
    super::directory::signpost(db, decided.id, d.services).await?;
    if let Some(family_id) = family_id {
        let what = format!("decided a request for support: {}", label(d.decision));
        audit::record(
            db,
            family_id,
            permit.actor(),
            audit_kind(&decided),
            &what,
            now,
        )
        .await?;
    }
    if !decided.withhold_from_family {
        tell_asker(
            db,
            &decided,
            permit,
            (Kind::SupportRequestDecided, Kind::ReferralDecided),
        )
        .await?;
    }
    Ok(decided)
}

/// Puts user errors of a nested step (opening the record, adding the team) under `field`.
fn nest(error: AppError, field: &str) -> AppError {
    match error {
        AppError::Invalid(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field.insert(1, field.to_owned());
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

/// Who will contact the family after an early help decision: the suggested lead, else the
/// first of the team.
pub async fn contact_after(
    db: &impl ConnectionTrait,
    request: &support_request::Model,
) -> AppResult<Option<Uuid>> {
    if request.decision != Some(Decision::EarlyHelp) {
        return Ok(None);
    }
    if let Some(lead) = request.suggested_lead_practitioner_id {
        return Ok(Some(lead));
    }
    let Some(family_id) = request.family_id else {
        return Ok(None);
    };
    Ok(team::of_family(family_id, false)
        .order_by_asc(entities::team_member::Column::JoinedAt)
        .one(db)
        .await?
        .map(|m| m.practitioner_id))
}

/// Requests whose clock ran out undecided and whose alert has not gone.
pub fn missed_clock(now: DateTime<Utc>) -> sea_orm::Select<support_request::Entity> {
    support_request::Entity::find()
        .filter(Column::Status.ne(RequestStatus::Decided))
        .filter(Column::AlertedAt.is_null())
        .filter(Column::DueAt.lte(now))
}
