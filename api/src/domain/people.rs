//! People and organisations by id, for the batch loaders of screens other than the plan.
//! Lists of ids are padded to a power of two (repeating the last id), so that the database
//! sees a few statement shapes, prepared once, instead of one per length. Plain queries:
//! they fail only as the database does.
use entities::{family_member, organisation, practitioner, practitioner_role};
use sea_orm::DbErr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// `ids`, lengthened to the next power of two with copies of the last one.
fn padded(ids: &[Uuid]) -> Vec<Uuid> {
    let mut padded = ids.to_vec();
    if let Some(last) = ids.last() {
        padded.resize(ids.len().next_power_of_two(), *last);
    }
    padded
}

pub async fn members(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<family_member::Model>, DbErr> {
    family_member::Entity::find()
        .filter(family_member::Column::Id.is_in(padded(ids)))
        .all(db)
        .await
}

/// The members of these families, oldest first.
pub async fn members_of_families(
    db: &impl ConnectionTrait,
    family_ids: &[Uuid],
) -> Result<Vec<family_member::Model>, DbErr> {
    family_member::Entity::find()
        .filter(family_member::Column::FamilyId.is_in(padded(family_ids)))
        .order_by_asc(family_member::Column::Id)
        .all(db)
        .await
}

pub async fn practitioners(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<practitioner::Model>, DbErr> {
    practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(padded(ids)))
        .all(db)
        .await
}

pub async fn organisations(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<organisation::Model>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(padded(ids)))
        .all(db)
        .await
}

/// The roles of these practitioners.
pub async fn roles(
    db: &impl ConnectionTrait,
    practitioner_ids: &[Uuid],
) -> Result<Vec<practitioner_role::Model>, DbErr> {
    practitioner_role::Entity::find()
        .filter(practitioner_role::Column::PractitionerId.is_in(padded(practitioner_ids)))
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::padded;
    use uuid::Uuid;

    #[test]
    fn id_lists_come_in_powers_of_two() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        assert!(padded(&ids[..0]).is_empty());
        assert_eq!(padded(&ids[..1]), ids[..1].to_vec());
        let five = padded(&ids);
        assert_eq!(five.len(), 8);
        assert_eq!(&five[..5], &ids[..]);
        assert!(five[5..].iter().all(|id| *id == ids[4]));
    }
}
