//! Issue 14, growing up in the plan: a young person's age from their date of birth and the
//! clock, and the competence assessment (Gillick/Fraser) with its minimum age, reason and
//! assessor. What each age and assessment changes for who sees what is decided in
//! `access` (facts, rules, visibility).
use super::audit;
use super::text;
use crate::access::Permit;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use chrono::{Datelike, NaiveDate};
use entities::{competence_assessment, family_member};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

/// Whole years of age on `today` for someone born on `born`.
pub fn age_on(born: NaiveDate, today: NaiveDate) -> u32 {
    let years = today.year() - born.year();
    let had_birthday = (today.month(), today.day()) >= (born.month(), born.day());
    u32::try_from(if had_birthday { years } else { years - 1 }).unwrap_or(0)
}

/// A practitioner's assessment of whether a young person can decide for themselves.
pub struct CompetenceAssessment<'a> {
    pub member_id: Uuid,
    pub competent: bool,
    /// Why: what the young person understood, in the assessor's words.
    pub reason: &'a str,
    /// The youngest age at which an assessment may be recorded (a setting).
    pub minimum_age: u32,
}

/// Records the assessment (one row, never rewritten) and sets the member's standing. Below
/// the minimum age, without a reason, or for an adult: refused, nothing stored.
pub async fn assess_competence(
    db: &impl ConnectionTrait,
    new: CompetenceAssessment<'_>,
    permit: &Permit,
) -> AppResult<family_member::Model> {
    let (actor, now) = (permit.actor(), permit.at());
    let member = family_member::Entity::find_by_id(new.member_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if permit.family_id().is_some_and(|f| f != member.family_id) {
        return Err(AppError::NotFound);
    }
    if !Permit::decides_own_consent(member.relation) {
        return Err(AppError::invalid(
            &["member"],
            UserErrorCode::Invalid,
            "Only a child's competence to consent is assessed.",
        ));
    }
    let mut errors = vec![];
    let age = age_on(member.date_of_birth, now.date_naive());
    if age < new.minimum_age {
        errors.push(UserError::new(
            &["member"],
            UserErrorCode::OutOfRange,
            format!(
                "A young person's competence to consent for themselves is assessed from the age of {}; {} is {age}. Until then their parents' consent covers their information.",
                new.minimum_age, member.name
            ),
        ));
    }
    let reason = text::required(
        "reason",
        "the reason for your assessment",
        new.reason,
        2_000,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    competence_assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(member.family_id),
        member_id: Set(member.id),
        competent: Set(new.competent),
        reason: Set(reason),
        assessed_by_practitioner_id: Set(actor.practitioner_id()),
        assessed_at: Set(now),
    }
    .insert(db)
    .await?;
    let family_id = member.family_id;
    let mut active: family_member::ActiveModel = member.into();
    active.competent_to_consent = Set(new.competent);
    let member = active.update(db).await?;
    let what = if new.competent {
        "recorded that a young person can consent for themselves"
    } else {
        "recorded that a young person cannot yet consent for themselves"
    };
    audit::record(db, family_id, actor, audit::Kind::Change, what, now).await?;
    Ok(member)
}

#[cfg(test)]
mod tests {
    use super::age_on;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on(day(2012, 6, 2), day(2025, 6, 1)), 12);
        assert_eq!(age_on(day(2012, 6, 2), day(2025, 6, 2)), 13);
        assert_eq!(age_on(day(2008, 2, 29), day(2026, 2, 28)), 17);
        assert_eq!(age_on(day(2008, 2, 29), day(2026, 3, 1)), 18);
        assert_eq!(age_on(day(2030, 1, 1), day(2026, 3, 1)), 0);
    }
}

/// Who could see a family's items: the team (each practitioner's organisation, and whether
/// they are a hub worker), the consents in force (the family's, and each young person's who
/// decides for themselves). Read once per request for "who can see this" (`visibleTo`);
/// [`crate::access::visibility::visible_to`] answers for each item.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// (organisation id, organisation name, hub worker) for each current team member.
    pub team: Vec<(Uuid, String, bool)>,
    /// What the family's consent covers.
    pub family: Coverage,
    /// Young people assessed competent (or old enough) who have decided about their own
    /// information.
    pub own: Vec<(Uuid, Coverage)>,
    /// The family's children and how far each has grown up.
    pub children: Vec<(Uuid, crate::access::Band)>,
    /// The ages in force.
    pub ages: Option<crate::access::Ages>,
}

/// The organisations a set of consents in force covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub all_partners: bool,
    pub organisations: Vec<Uuid>,
}

impl Coverage {
    pub fn covers(&self, organisation_id: Uuid) -> bool {
        self.all_partners || self.organisations.contains(&organisation_id)
    }
}

const TEAM: &str = "SELECT p.organisation_id, o.name, \
  EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id AND r.role = 'hub_worker') AS hub \
  FROM team_members t JOIN practitioners p ON p.id = t.practitioner_id \
  JOIN organisations o ON o.id = p.organisation_id \
  WHERE t.family_id = $1 AND t.left_at IS NULL ORDER BY o.name, p.organisation_id";

const CONSENTS: &str = "SELECT c.subject_member_id, c.scope, o.organisation_id, c.expires_at \
  FROM consents c LEFT JOIN consent_organisations o ON o.consent_id = c.id \
  WHERE c.family_id = $1 AND c.withdrawn_at IS NULL \
    AND (c.subject_member_id IS NULL OR c.subject_member_id IN (SELECT m.id FROM family_members m \
         WHERE m.family_id = $1 AND m.relation = 'child' \
           AND (m.competent_to_consent = $2 OR m.date_of_birth <= $3))) \
  UNION ALL SELECT d.subject_member_id, NULL, NULL, NULL FROM consents d \
  JOIN family_members m ON m.id = d.subject_member_id \
  WHERE d.family_id = $1 AND m.relation = 'child' \
    AND (m.competent_to_consent = $2 OR m.date_of_birth <= $3)";

/// Reads the family's audience in two statements.
pub async fn audience(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
    ages: crate::access::Ages,
) -> AppResult<Audience> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let today = now.date_naive();
    let own_consent_born_by = crate::access::Ages::born_by(ages.own_consent_from, today);
    let backend = db.get_database_backend();
    let team_rows = db
        .query_all_raw(super::standing::statement(
            backend,
            TEAM,
            vec![family_id.into()],
        ))
        .await?;
    let mut team = vec![];
    for row in team_rows {
        team.push((
            row.try_get("", "organisation_id")?,
            row.try_get("", "name")?,
            row.try_get("", "hub")?,
        ));
    }
    let rows = db
        .query_all_raw(super::standing::statement(
            backend,
            CONSENTS,
            vec![family_id.into(), true.into(), own_consent_born_by.into()],
        ))
        .await?;
    let children = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family_id))
        .filter(family_member::Column::Relation.eq(entities::family_member::MemberRelation::Child))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, ages.band(m.date_of_birth, today)))
        .collect();
    let mut audience = Audience {
        team,
        children,
        ages: Some(ages),
        ..Audience::default()
    };
    for row in rows {
        let subject: Option<Uuid> = row.try_get("", "subject_member_id")?;
        let scope: Option<String> = row.try_get("", "scope")?;
        let organisation: Option<Uuid> = row.try_get("", "organisation_id")?;
        let expires_at: Option<chrono::DateTime<chrono::Utc>> = row.try_get("", "expires_at")?;
        let coverage = match subject {
            None => &mut audience.family,
            Some(member) => {
                let at = match audience.own.iter().position(|(m, _)| *m == member) {
                    Some(at) => at,
                    None => {
                        audience.own.push((member, Coverage::default()));
                        audience.own.len() - 1
                    }
                };
                &mut audience.own[at].1
            }
        };
        // The decision row (no scope) only names who has decided; expiry is checked here
        // (SQLite compares timestamps as text).
        let Some(scope) = scope else { continue };
        if expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        if scope == "all_partners" {
            coverage.all_partners = true;
        }
        if let Some(organisation) = organisation {
            coverage.organisations.push(organisation);
        }
    }
    Ok(audience)
}

/// Something a young person wrote themselves that they may share with their family.
#[derive(Debug, Clone, Copy)]
pub enum OwnWords {
    Outcome(Uuid),
    View(Uuid),
    MeetingView(Uuid),
    Feedback(Uuid),
}

/// An item once shared (or kept private again): its family, who it is about, and whether it
/// is now private.
#[derive(Debug, Clone)]
pub struct Shared {
    pub family_id: Uuid,
    pub about: Vec<Uuid>,
    pub private: bool,
}

/// The family an item belongs to (to ask the access rules before changing it).
pub async fn family_of(db: &impl ConnectionTrait, item: OwnWords) -> AppResult<Uuid> {
    use entities::{feedback, meeting_view, outcome, young_person_view};
    let found = match item {
        OwnWords::Outcome(id) => outcome::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|o| o.family_id),
        OwnWords::View(id) => young_person_view::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|v| v.family_id),
        OwnWords::MeetingView(id) => meeting_view::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|v| v.family_id),
        OwnWords::Feedback(id) => feedback::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|f| f.family_id),
    };
    found.ok_or(AppError::NotFound)
}

/// A young person shares what they wrote with their family (`shared`), or keeps it private
/// again. Only the young person who wrote it; audited.
pub async fn share_with_family(
    db: &impl ConnectionTrait,
    item: OwnWords,
    shared: bool,
    ages: crate::access::Ages,
    permit: &Permit,
) -> AppResult<Shared> {
    use entities::{feedback, meeting_view, outcome, outcome_member, young_person_view};
    use sea_orm::{ColumnTrait, QueryFilter};
    let (actor, now) = (permit.actor(), permit.at());
    let me = actor.member_id().ok_or(AppError::Forbidden)?;
    let private = !shared;
    // Whether the item was private before: sharing what is already shared changes nothing.
    let was_private;
    let not_yours = || {
        AppError::invalid(
            &["item"],
            UserErrorCode::Invalid,
            "Only the young person who wrote this can share it or keep it private.",
        )
    };
    let result = match item {
        OwnWords::Outcome(id) => {
            let found = outcome::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            if found.proposed_by_member_id != Some(me) {
                return Err(not_yours());
            }
            let about = outcome_member::Entity::find()
                .filter(outcome_member::Column::OutcomeId.eq(id))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.member_id)
                .collect();
            was_private = found.private;
            let family_id = found.family_id;
            let mut active: outcome::ActiveModel = found.into();
            active.private = Set(private);
            active.update(db).await?;
            Shared {
                family_id,
                about,
                private,
            }
        }
        OwnWords::View(id) => {
            let found = young_person_view::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            if found.member_id != me {
                return Err(not_yours());
            }
            was_private = found.private;
            let family_id = found.family_id;
            let mut active: young_person_view::ActiveModel = found.into();
            active.private = Set(private);
            active.update(db).await?;
            Shared {
                family_id,
                about: vec![me],
                private,
            }
        }
        OwnWords::MeetingView(id) => {
            let found = meeting_view::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            if found.member_id != me {
                return Err(not_yours());
            }
            was_private = found.private;
            let family_id = found.family_id;
            let mut active: meeting_view::ActiveModel = found.into();
            active.private = Set(private);
            active.update(db).await?;
            Shared {
                family_id,
                about: vec![me],
                private,
            }
        }
        OwnWords::Feedback(id) => {
            let found = feedback::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            if found.giver_member_id != Some(me) || found.anonymous {
                return Err(not_yours());
            }
            was_private = found.private;
            let family_id = found.family_id;
            let mut active: feedback::ActiveModel = found.into();
            active.private = Set(private);
            active.update(db).await?;
            Shared {
                family_id,
                about: vec![me],
                private,
            }
        }
    };
    if permit.family_id().is_some_and(|f| f != result.family_id) {
        return Err(AppError::NotFound);
    }
    let what = if shared {
        "shared something they wrote with their family"
    } else {
        "kept something they wrote from their family"
    };
    audit::record(db, result.family_id, actor, audit::Kind::Change, what, now).await?;
    if shared && was_private {
        tell_shared(db, me, &result, ages, permit).await?;
    }
    Ok(result)
}

/// Issue 14: what a parent can see changed, so they are told (no words, no item: "something
/// has been shared with you") — when the young person's private words were kept from them,
/// that is from the privacy age until they are an adult member (before it parents saw them
/// anyway; after it, nothing about them reaches their parents). Taking something back tells
/// nobody: a notice then would only point a parent at what their child chose to keep.
async fn tell_shared(
    db: &impl ConnectionTrait,
    young_person: Uuid,
    shared: &Shared,
    ages: crate::access::Ages,
    permit: &Permit,
) -> AppResult<()> {
    use crate::access::Band;
    let member = super::families::member(db, young_person).await?;
    let band = ages.band(member.date_of_birth, permit.at().date_naive());
    if !matches!(band, Band::Private | Band::OwnConsent) {
        return Ok(());
    }
    let about = super::notify::About::family(shared.family_id);
    let Some(notice) = super::notify::Notice::of(permit, super::notify::Kind::SharedWithYou, about)
    else {
        return Ok(());
    };
    let parents =
        super::notify::family_accounts(db, shared.family_id, &shared.about, permit.at()).await?;
    super::notify::tell(db, &notice, &parents, permit.at()).await?;
    Ok(())
}

/// How long after a young person reaches an age the change is still told (a replica that
/// was down for a while still tells it; a record opened years later does not).
const NOTICE_WITHIN_DAYS: i64 = 31;

/// Tells each young person who has just reached one of the ages, and their parents, that
/// what their parents see has changed: once per young person and age, whichever replica
/// notices first (the unique notice row is written in the same transaction as the emails).
/// Returns how many changes this call told.
pub async fn notice_grown_up(
    db: &sea_orm::DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
    ages: crate::access::Ages,
    link: &str,
) -> AppResult<usize> {
    use crate::access::{Ages, Band};
    use entities::family_member::MemberRelation;
    use entities::growing_up_notice;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
    use sea_orm::{ColumnTrait, QueryFilter};
    let today = now.date_naive();
    let earliest = today - chrono::Duration::days(NOTICE_WITHIN_DAYS);
    // Born between these dates: reached `age` within the notice window.
    let reached = |age: u32| (Ages::born_by(age, earliest), Ages::born_by(age, today));
    // Only the young people who reached an age within the window and were not told of it
    // yet: every poll used to read every child of the county (200,000 at 100,000 families)
    // and open a write transaction for each one in a window, told or not.
    // Each age that changes what parents see: its band, the notice's name, the age.
    let changes = [
        (Band::Private, "private", ages.private_from),
        (Band::OwnConsent, "own_consent", ages.own_consent_from),
        (Band::Adult, "adult", ages.adult_from),
    ];
    let mut due = Condition::any();
    for (_, band, age) in changes {
        let (after, by) = reached(age);
        let told = Query::select()
            .expr(Expr::val(1))
            .from(growing_up_notice::Entity)
            .and_where(
                Expr::col((
                    growing_up_notice::Entity,
                    growing_up_notice::Column::MemberId,
                ))
                .equals((family_member::Entity, family_member::Column::Id)),
            )
            .and_where(growing_up_notice::Column::Band.eq(band))
            .to_owned();
        due = due.add(
            Condition::all()
                .add(family_member::Column::DateOfBirth.gt(after))
                .add(family_member::Column::DateOfBirth.lte(by))
                .add(Expr::exists(told).not()),
        );
    }
    let children = family_member::Entity::find()
        .filter(family_member::Column::Relation.eq(MemberRelation::Child))
        .filter(due)
        .all(db)
        .await?;
    let mut told = 0;
    for child in children {
        let current = ages.band(child.date_of_birth, today);
        let Some(&(_, name, age)) = changes.iter().find(|(b, _, _)| *b == current) else {
            continue;
        };
        let (after, by) = reached(age);
        if !(child.date_of_birth > after && child.date_of_birth <= by) {
            continue;
        }
        let txn = crate::db::begin_write(db).await?;
        let inserted = growing_up_notice::Entity::insert(growing_up_notice::ActiveModel {
            id: Set(Uuid::now_v7()),
            family_id: Set(child.family_id),
            member_id: Set(child.id),
            band: Set(name.to_owned()),
            noticed_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                growing_up_notice::Column::MemberId,
                growing_up_notice::Column::Band,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 1 {
            // The young person and their parents: in the inbox, by email and push.
            let mut to =
                super::notify::family_accounts(&txn, child.family_id, &[child.id], now).await?;
            to.extend(child.account_id);
            let notice = super::notify::Notice::new(
                super::notify::Kind::ParentsViewChanged,
                super::notify::About::family(child.family_id),
                link,
            );
            super::notify::tell(&txn, &notice, &to, now).await?;
            audit::record(
                &txn,
                child.family_id,
                audit::Actor::Operator,
                audit::Kind::Change,
                "told a young person and their parents that what their parents see changed as they grew up",
                now,
            )
            .await?;
            told += 1;
        }
        txn.commit().await?;
    }
    Ok(told)
}

/// Looks for young people who reached an age every poll interval, until `shutdown`.
pub async fn run(
    db: sea_orm::DatabaseConnection,
    clock: crate::clock::Clock,
    settings: std::sync::Arc<crate::config::Settings>,
    shutdown: impl Future<Output = ()>,
) {
    let link = format!("{}/plan", settings.public_url.trim_end_matches('/'));
    tokio::pin!(shutdown);
    loop {
        match notice_grown_up(&db, clock.now(), settings.ages(), &link).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(told = n, "young people's age changes told"),
            Err(err) => tracing::error!(error = ?err, "could not look for age changes"),
        }
        tokio::select! {
            () = tokio::time::sleep(settings.growing_up_poll_interval) => {}
            () = &mut shutdown => return,
        }
    }
}
