//! A small fictional data set so that a newcomer can try the API at once.
//! Every name, reference and address here is invented.
use super::audit::Actor;
use super::{consent, families, growing_up, organisations, practitioners, team};
use crate::access::Permit;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use entities::consent::ConsentScope;
use entities::family_member::{self, MemberRelation};
use entities::organisation::OrganisationKind;
use entities::practitioner_role::Role;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

pub const COUNCIL: &str = "Wrenfield Council Early Help";
pub const SCHOOL: &str = "Larkhill Academy";

/// The people who can sign in, for the command to print.
pub struct DemoAccount {
    pub email: &'static str,
    pub who: &'static str,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "hub@wrenfield.example",
        who: "Priya Nair, hub worker (council)",
    },
    DemoAccount {
        email: "manager@wrenfield.example",
        who: "Owen Clarke, locality manager (council)",
    },
    DemoAccount {
        email: "admin@wrenfield.example",
        who: "Ruth Adeyemi, administrator (council)",
    },
    DemoAccount {
        email: "pastoral@larkhill.example",
        who: "Sam Whitlock, practitioner (school), on the Morgans' team",
    },
    DemoAccount {
        email: "dana@family.example",
        who: "Dana Morgan, parent (family EH-DEMO-001)",
    },
    DemoAccount {
        email: "jordan@family.example",
        who: "Jordan Morgan, 14 (family EH-DEMO-001)",
    },
    DemoAccount {
        email: "aisha@family.example",
        who: "Aisha Rahman, parent (family EH-DEMO-002)",
    },
];

/// Loads the data set; returns false, changing nothing, when it is already there.
pub async fn load(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    clocks: &super::support_requests::Clocks,
) -> AppResult<bool> {
    if organisations::find_by_name(db, COUNCIL).await?.is_some() {
        return Ok(false);
    }
    let council = organisations::create(db, COUNCIL, OrganisationKind::Council, now).await?;
    let school = organisations::create(db, SCHOOL, OrganisationKind::Education, now).await?;
    let staff = |name, email, organisation_id, roles| practitioners::NewPractitioner {
        name,
        email,
        organisation_id,
        roles,
    };
    let priya = practitioners::create(
        db,
        staff(
            "Priya Nair",
            "hub@wrenfield.example",
            council.id,
            &[Role::Practitioner, Role::HubWorker],
        ),
        now,
    )
    .await?;
    practitioners::create(
        db,
        staff(
            "Owen Clarke",
            "manager@wrenfield.example",
            council.id,
            &[Role::LocalityManager],
        ),
        now,
    )
    .await?;
    practitioners::create(
        db,
        staff(
            "Ruth Adeyemi",
            "admin@wrenfield.example",
            council.id,
            &[Role::Admin],
        ),
        now,
    )
    .await?;
    let sam = practitioners::create(
        db,
        staff(
            "Sam Whitlock",
            "pastoral@larkhill.example",
            school.id,
            &[Role::Practitioner],
        ),
        now,
    )
    .await?;
    let hub = &Permit::for_demo_data(
        Actor::Practitioner {
            id: priya.id,
            organisation_id: council.id,
            role: "hub worker",
            under_override: None,
        },
        now,
    );
    let teacher = &Permit::for_demo_data(
        Actor::Practitioner {
            id: sam.id,
            organisation_id: school.id,
            role: "practitioner",
            under_override: None,
        },
        now,
    );

    // The Morgans: consent for the council and the school; the school is on the team.
    let morgans = open(db, "EH-DEMO-001", "Wrenfield North", 3, hub).await?;
    let dana = add(
        db,
        morgans,
        "Dana Morgan",
        (1988, 3, 14),
        MemberRelation::AdultWithParentalResponsibility,
        Some("dana@family.example"),
        now,
    )
    .await?;
    let jordan = add(
        db,
        morgans,
        "Jordan Morgan",
        (2012, 6, 2),
        MemberRelation::Child,
        Some("jordan@family.example"),
        now,
    )
    .await?;
    add(
        db,
        morgans,
        "Ellie Morgan",
        (2019, 11, 30),
        MemberRelation::Child,
        None,
        now,
    )
    .await?;
    let new = consent::NewConsent {
        family_id: morgans,
        giver: &dana,
        for_own_information: false,
        scope: ConsentScope::NamedOrganisations,
        organisation_ids: &[council.id, school.id],
        expires_on: None,
        evidence: None,
        recorded_by: None,
        own_consent_age: 16,
    };
    consent::give(
        db,
        new,
        &Permit::for_demo_data(Actor::Member { id: dana.id }, now),
    )
    .await?;
    team::add(db, morgans, priya.id, hub).await?;
    team::add(db, morgans, sam.id, hub).await?;
    let assessed = growing_up::CompetenceAssessment {
        member_id: jordan.id,
        competent: true,
        reason: "Jordan explained what sharing means, who would see what, and that he can change his mind.",
        minimum_age: 12,
    };
    growing_up::assess_competence(db, assessed, teacher).await?;

    front_door(db, now).await?;
    let housing_advice = super::directory::search(
        db.get_database_backend(),
        &super::directory::Search {
            text: Some("Housing Advice Line"),
            local_area: Some("Wrenfield North"),
            ..Default::default()
        },
    )
    .one(db)
    .await?
    .map(|s| s.id);
    morgans_plan(
        db,
        Morgans {
            family_id: morgans,
            dana: dana.id,
            jordan: jordan.id,
            priya: priya.id,
            sam: sam.id,
            school: school.id,
            housing_advice,
        },
        hub,
        teacher,
        now,
    )
    .await?;
    // Rule 7: the step down to early help comes once the assessment is open and the lead
    // professional has accepted (both in the plan above).
    families::change_need_level(
        db,
        morgans,
        2,
        "Assessment shows needs can be met with early help; school and family agree.",
        hub,
    )
    .await?;

    // The Rahmans: just referred; no consent yet, so only the hub has their record.
    let rahmans = open(db, "EH-DEMO-002", "Wrenfield South", 2, hub).await?;
    let aisha = add(
        db,
        rahmans,
        "Aisha Rahman",
        (1985, 8, 21),
        MemberRelation::AdultWithParentalResponsibility,
        Some("aisha@family.example"),
        now,
    )
    .await?;
    add(
        db,
        rahmans,
        "Yusuf Rahman",
        (1983, 1, 9),
        MemberRelation::OtherAdult,
        None,
        now,
    )
    .await?;
    let zara = add(
        db,
        rahmans,
        "Zara Rahman",
        (2011, 4, 17),
        MemberRelation::Child,
        None,
        now,
    )
    .await?;
    demo_requests(
        db,
        DemoRequesters {
            rahmans,
            aisha: aisha.id,
            zara: zara.id,
        },
        teacher,
        clocks,
    )
    .await?;
    Ok(true)
}

/// Issue 17: a small fictional directory of local services, with Open Referral style ids
/// (so that a re-import keeps the entries' IDs).
pub const DEMO_SERVICES: &str = r#"[
  {"id": "wfd-stay-and-play", "name": "Wrenfield Family Hub stay and play", "organisation": "Wrenfield Council Early Help",
   "description": "Drop-in play sessions for babies and young children with their parents and carers; health visitors are often there.",
   "categories": ["parenting", "play"], "areas": ["Wrenfield North", "Wrenfield South"],
   "minimum_age": 0, "maximum_age": 5, "contact": "01632 960 100", "opening_times": "Tuesdays and Thursdays 9.30-11.30"},
  {"id": "wfd-housing-advice", "name": "Housing Advice Line", "organisation": "Wrenfield Housing",
   "description": "Advice on rent arrears, eviction notices and finding a home; help with the hardship fund.",
   "categories": ["housing", "money"], "areas": ["Wrenfield North", "Wrenfield South"],
   "contact": "housing.advice@wrenfield.example", "opening_times": "Monday to Friday 9-5"},
  {"id": "wfd-northside-youth", "name": "Northside Youth Club", "organisation": "Wrenfield Voluntary Action",
   "description": "Evening youth club with sport, music and a quiet room; youth workers to talk to.",
   "categories": ["youth"], "areas": ["Wrenfield North"], "minimum_age": 11, "maximum_age": 18,
   "contact": "01632 960 200", "opening_times": "Wednesdays and Fridays 6-9pm"},
  {"id": "wfd-talking-minds", "name": "Talking Minds", "organisation": "Wrenfield Health",
   "description": "Free counselling and mental health support for young people, by phone or face to face.",
   "categories": ["mental health", "youth"], "areas": ["Wrenfield North", "Wrenfield South"],
   "minimum_age": 11, "maximum_age": 25, "contact": "01632 960 300"},
  {"id": "wfd-money-matters", "name": "Money Matters", "organisation": "Wrenfield Citizens Advice",
   "description": "Debt advice, benefits checks and budgeting help for families.",
   "categories": ["money", "debt"], "areas": ["Wrenfield South"], "contact": "01632 960 400",
   "opening_times": "Mondays 10-2"},
  {"id": "wfd-safe-at-home", "name": "Safe at Home", "organisation": "Wrenfield Women's Aid",
   "description": "Confidential support for anyone experiencing domestic abuse, and their children.",
   "categories": ["domestic abuse"], "areas": ["Wrenfield North", "Wrenfield South"],
   "contact": "0808 000 0000 (24 hours)"}
]"#;

/// What is happening, in the demo's three requests (from the app, the public front door, a
/// referral), in that order.
pub const DEMO_REQUESTS: [&str; 3] = [
    "Zara has stopped eating with us and spends every evening in her room. I do not know whether to push or to give her space.",
    "We have been in one room at my sister's since the landlord ended our tenancy. The children are not sleeping and Robin keeps missing school.",
    "Tia came to school with bruises on both arms and said she was scared to go home tonight.",
];

/// Who asks in the demo's requests.
struct DemoRequesters {
    rahmans: Uuid,
    aisha: Uuid,
    zara: Uuid,
}

/// Issue 17: a few requests in the hub's queue, one per way in, as the ways in record them
/// (the demo's permits tell nobody, so no email goes): Aisha asks from the app, someone
/// with no account asks through the public front door, and the school refers a family it
/// fears for (a child may be at risk of significant harm: the 2-hour clock).
async fn demo_requests(
    db: &impl ConnectionTrait,
    who: DemoRequesters,
    teacher: &Permit,
    clocks: &super::support_requests::Clocks,
) -> AppResult<()> {
    use super::support_requests::{self as requests, NamedPerson};
    let now = teacher.at();
    let aisha = Permit::for_demo_data(Actor::Member { id: who.aisha }, now);
    let asked = requests::FromFamily {
        what_is_happening: DEMO_REQUESTS[0],
        help_wanted: Some("Someone Zara can talk to, and advice for us as parents."),
        about: &[who.zara],
        contact_by: Some("Phone, weekday mornings"),
        share_with_parents: true,
    };
    requests::from_member(db, who.rahmans, who.aisha, asked, clocks, &aisha).await?;
    let children = [("Robin".to_owned(), 6), ("Sky".to_owned(), 3)];
    let anonymous = requests::Anonymous {
        name: "Chris Pike",
        email: Some("chris.pike@mail.example"),
        phone: None,
        children: &children,
        what_is_happening: DEMO_REQUESTS[1],
        agrees_to_agency_contact: true,
        postcode: Some("WR2 4CD"),
        contact_by: Some("Email is best"),
    };
    let someone = Permit::for_demo_data(Actor::Anyone, now);
    requests::ask_anonymously(db, anonymous, clocks, &someone).await?;
    let referral = requests::Referral {
        family_id: None,
        people: vec![
            NamedPerson {
                name: "Tia Marsh",
                child: true,
                date_of_birth: NaiveDate::from_ymd_opt(2014, 9, 12),
                age: None,
                member_id: None,
            },
            NamedPerson {
                name: "Gemma Marsh",
                child: false,
                date_of_birth: None,
                age: None,
                member_id: None,
            },
        ],
        postcode: None,
        local_area: Some("Wrenfield North"),
        contact_name: Some("Gemma Marsh"),
        contact_email: None,
        contact_phone: Some("01632 960 555"),
        concerns: DEMO_REQUESTS[2],
        needs_level: Some(4),
        what_tried: Some("Tia spoke with our designated safeguarding lead this morning."),
        family_consented: false,
        significant_harm: true,
        significant_harm_reason: Some("Unexplained injuries, and a child afraid to go home."),
    };
    requests::refer(db, referral, clocks, teacher).await?;
    Ok(())
}

/// The front door's demo data (issue 17): the directory.
async fn front_door(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
    let services = super::directory::parse(DEMO_SERVICES).map_err(|bad| {
        AppError::Internal(anyhow::anyhow!(
            "the demo directory does not parse: {bad:?}"
        ))
    })?;
    super::directory::import(db, &services, now).await?;
    Ok(())
}

async fn open(
    db: &impl ConnectionTrait,
    reference: &str,
    local_area: &str,
    need_level: i16,
    hub: &Permit,
) -> AppResult<Uuid> {
    let new = families::NewFamily {
        reference,
        local_area,
        need_level,
        decided_by: hub.actor().practitioner_id(),
    };
    Ok(families::create(db, new, hub).await?.id)
}

async fn add(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    name: &str,
    (y, m, d): (i32, u32, u32),
    relation: MemberRelation,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<family_member::Model> {
    let date_of_birth = NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad demo date")))?;
    let new = families::NewMember {
        family_id,
        name,
        date_of_birth,
        relation,
        email,
        parental_responsibility_with: None,
    };
    families::add_member(db, new, &Permit::for_demo_data(Actor::Operator, now)).await
}

struct Morgans {
    family_id: Uuid,
    dana: Uuid,
    jordan: Uuid,
    priya: Uuid,
    sam: Uuid,
    school: Uuid,
    /// The directory's housing advice in the Morgans' area, for the rent action.
    housing_advice: Option<Uuid>,
}

/// The Morgans' story told once and their plan: outcomes in their words, one for Jordan, a
/// school proposal they declined, ratings from both sides, a note, actions.
async fn morgans_plan(
    db: &impl ConnectionTrait,
    m: Morgans,
    hub: &Permit,
    teacher: &Permit,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use super::assessment::{self, Section, SectionText};
    use super::outcomes::{self, Move, NewOutcome};
    use super::{actions, plans};
    let dana = &Permit::for_demo_data(Actor::Member { id: m.dana }, now);
    let jordan = &Permit::for_demo_data(Actor::Member { id: m.jordan }, now);
    let framework = super::framework::OutcomeFramework::default();

    assessment::open(db, m.family_id, dana).await?;
    let family_story = SectionText {
        going_well: "We love each other and the kids are doing well at football.",
        worries: "Mornings are chaos since my shifts changed; Jordan is late for school a lot.",
        needs_to_change: "Getting out of the door on time, and some help with the rent arrears.",
    };
    assessment::write_section(db, m.family_id, Section::Family, 0, family_story, dana).await?;
    let school_view = SectionText {
        going_well: "Jordan is well liked and does well in PE and art.",
        worries: "Attendance is 86% this term, mostly late marks before registration.",
        needs_to_change: "A calmer start to the day; Jordan wants a quiet space at break.",
    };
    let school = Section::Organisation(m.school);
    assessment::write_section(db, m.family_id, school, 0, school_view, teacher).await?;

    let plan = plans::start(db, m.family_id, dana).await?;
    let mut version = plan.version;
    let mut add = async |words: &str, area: &str, for_members: &[Uuid], permit: &Permit| {
        let new = NewOutcome {
            words,
            area_code: area,
            for_members,
            target_date: None,
        };
        let outcome = outcomes::add(db, &framework, plan.id, version, new, permit).await?;
        version += 1;
        AppResult::Ok(outcome)
    };
    let school_run = add(
        "We get out of the door by 8 so Jordan is in class on time",
        "EDUCATION",
        &[],
        dana,
    )
    .await?;
    let rent = add(
        "We pay off the rent arrears and stop worrying about letters",
        "FINANCIAL_STABILITY",
        &[],
        dana,
    )
    .await?;
    let quiet = add(
        "I have somewhere quiet to go at break when it gets too much",
        "HEALTH",
        &[m.jordan],
        jordan,
    )
    .await?;
    let proposal = add(
        "Parenting course to help with routines",
        "RELATIONSHIPS",
        &[],
        teacher,
    )
    .await?;
    outcomes::move_to(
        db,
        proposal.id,
        version,
        Move::Decline,
        Some("We did one last year; what we need is the mornings sorted, not a course."),
        dana,
    )
    .await?;
    version += 1;
    outcomes::rate(
        db,
        school_run.id,
        version,
        4,
        Some("Better on the days I am not on earlies."),
        dana,
    )
    .await?;
    version += 1;
    outcomes::rate(
        db,
        school_run.id,
        version,
        7,
        Some("Late marks down to two a week."),
        teacher,
    )
    .await?;
    version += 1;
    outcomes::add_note(
        db,
        school_run.id,
        version,
        "Breakfast club has a free place from Monday if Jordan wants it.",
        teacher,
    )
    .await?;
    version += 1;
    let club = actions::add(
        db,
        school_run.id,
        version,
        actions::NewAction {
            description: "Book Jordan into breakfast club",
            assignee: actions::Assignee::Practitioner(m.sam),
            due_date: Some(now.date_naive() + chrono::Duration::days(7)),
            service: None,
        },
        teacher,
    )
    .await?;
    version += 1;
    actions::set_done(db, club.id, version, true, teacher).await?;
    version += 1;
    actions::add(
        db,
        rent.id,
        version,
        actions::NewAction {
            description: "Call the council about a repayment plan",
            assignee: actions::Assignee::Member(m.dana),
            due_date: Some(now.date_naive() + chrono::Duration::days(14)),
            service: m.housing_advice,
        },
        dana,
    )
    .await?;
    version += 1;
    actions::add(
        db,
        quiet.id,
        version,
        actions::NewAction {
            description: "Ask Mr Whitlock about the library at break",
            assignee: actions::Assignee::Member(m.jordan),
            due_date: None,
            service: None,
        },
        jordan,
    )
    .await?;
    // Priya accepted the Morgans' nomination: the plan is active with her as lead.
    plans::set_lead_professional(db, plan.id, m.priya, hub).await?;
    Ok(())
}
