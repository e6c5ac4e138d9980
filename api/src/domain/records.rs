//! Reading one record by its id, for every kind of record: the one shape of lookup that the
//! GraphQL layer needs for `node(id:)` and for the objects an input names. Whether the reader
//! may see it is decided by the caller, through `access`.
use crate::error::AppResult;
use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait};

pub async fn by_id<E>(
    db: &impl ConnectionTrait,
    id: <E::PrimaryKey as PrimaryKeyTrait>::ValueType,
) -> AppResult<Option<E::Model>>
where
    E: EntityTrait,
{
    Ok(E::find_by_id(id).one(db).await?)
}
