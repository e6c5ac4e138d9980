//! A small fictional data set so that a newcomer can try the API at once.
//! Every name, reference and address here is invented.
use super::{families, organisations, practitioners};
use crate::error::AppResult;
use chrono::{DateTime, NaiveDate, Utc};
use entities::family_member::MemberRelation::{self, *};
use entities::organisation::OrganisationKind;
use entities::practitioner_role::Role;
use sea_orm::ConnectionTrait;

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
        who: "Sam Whitlock, practitioner (school)",
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
pub async fn load(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<bool> {
    if organisations::find_by_name(db, COUNCIL).await?.is_some() {
        return Ok(false);
    }
    let council = organisations::create(db, COUNCIL, OrganisationKind::Council, now).await?;
    let school = organisations::create(db, SCHOOL, OrganisationKind::Education, now).await?;

    let staff: [(&str, &str, uuid::Uuid, &[Role]); 4] = [
        (
            "Priya Nair",
            "hub@wrenfield.example",
            council.id,
            &[Role::Practitioner, Role::HubWorker],
        ),
        (
            "Owen Clarke",
            "manager@wrenfield.example",
            council.id,
            &[Role::LocalityManager],
        ),
        (
            "Ruth Adeyemi",
            "admin@wrenfield.example",
            council.id,
            &[Role::Admin],
        ),
        (
            "Sam Whitlock",
            "pastoral@larkhill.example",
            school.id,
            &[Role::Practitioner],
        ),
    ];
    let mut hub_worker = None;
    for (name, email, organisation_id, roles) in staff {
        let p = practitioners::create(
            db,
            practitioners::NewPractitioner {
                name,
                email,
                organisation_id,
                roles,
            },
            now,
        )
        .await?;
        hub_worker.get_or_insert(p.id);
    }

    let morgans = families::create(
        db,
        families::NewFamily {
            reference: "EH-DEMO-001",
            local_area: "Wrenfield North",
            need_level: 3,
            decided_by: hub_worker,
        },
        now,
    )
    .await?;
    add(
        db,
        morgans.id,
        "Dana Morgan",
        (1988, 3, 14),
        AdultWithParentalResponsibility,
        Some("dana@family.example"),
        now,
    )
    .await?;
    add(
        db,
        morgans.id,
        "Jordan Morgan",
        (2012, 6, 2),
        Child,
        Some("jordan@family.example"),
        now,
    )
    .await?;
    add(
        db,
        morgans.id,
        "Ellie Morgan",
        (2019, 11, 30),
        Child,
        None,
        now,
    )
    .await?;
    if let Some(hub) = hub_worker {
        families::change_need_level(
            db,
            morgans.id,
            2,
            "Assessment shows needs can be met with early help; school and family agree.",
            hub,
            now,
        )
        .await?;
    }

    let rahmans = families::create(
        db,
        families::NewFamily {
            reference: "EH-DEMO-002",
            local_area: "Wrenfield South",
            need_level: 2,
            decided_by: hub_worker,
        },
        now,
    )
    .await?;
    add(
        db,
        rahmans.id,
        "Aisha Rahman",
        (1985, 8, 21),
        AdultWithParentalResponsibility,
        Some("aisha@family.example"),
        now,
    )
    .await?;
    add(
        db,
        rahmans.id,
        "Yusuf Rahman",
        (1983, 1, 9),
        OtherAdult,
        None,
        now,
    )
    .await?;
    add(
        db,
        rahmans.id,
        "Zara Rahman",
        (2011, 4, 17),
        Child,
        None,
        now,
    )
    .await?;
    Ok(true)
}

async fn add(
    db: &impl ConnectionTrait,
    family_id: uuid::Uuid,
    name: &str,
    (y, m, d): (i32, u32, u32),
    relation: MemberRelation,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let date_of_birth = NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| crate::error::AppError::Internal(anyhow::anyhow!("bad demo date")))?;
    families::add_member(
        db,
        families::NewMember {
            family_id,
            name,
            date_of_birth,
            relation,
            email,
        },
        now,
    )
    .await?;
    Ok(())
}
