//! Forward cursor pagination over time-ordered UUIDs (v7), capped at [`MAX_PAGE`] per page.
use crate::error::{AppError, AppResult};
use async_graphql::OutputType;
use async_graphql::connection::{Connection, CursorType, Edge, OpaqueCursor};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

pub type Cursor = OpaqueCursor<Uuid>;

pub struct Page {
    first: u64,
    after: Option<Uuid>,
    newest_first: bool,
}

impl Page {
    pub fn new(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(AppError::BadUserInput(format!(
                "You can ask for between 0 and {MAX_PAGE} items at a time; you asked for {first}."
            )));
        }
        let after = after
            .map(|c| {
                Cursor::decode_cursor(&c).map(|c| c.0).map_err(|_| {
                    AppError::BadUserInput(
                        "That page cursor is not valid. Please start again from the first page."
                            .into(),
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            first: first as u64,
            after,
            newest_first: false,
        })
    }

    /// How many items the page holds at most.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// The id after which the page starts.
    pub fn after(&self) -> Option<Uuid> {
        self.after
    }

    /// Pages from the newest row back (for logs).
    pub fn newest_first(self) -> Self {
        Self {
            newest_first: true,
            ..self
        }
    }

    /// Fetches one page of `select`, ordered by `id_column`.
    pub async fn rows<E, C>(
        self,
        db: &impl ConnectionTrait,
        select: Select<E>,
        id_column: C,
    ) -> AppResult<Rows<E::Model>>
    where
        E: EntityTrait,
        C: ColumnTrait,
    {
        let mut select = if self.newest_first {
            select.order_by_desc(id_column)
        } else {
            select.order_by_asc(id_column)
        };
        if let Some(after) = self.after {
            select = select.filter(if self.newest_first {
                id_column.lt(after)
            } else {
                id_column.gt(after)
            });
        }
        let mut rows = select.limit(self.first + 1).all(db).await?;
        let has_next = rows.len() as u64 > self.first;
        rows.truncate(self.first as usize);
        Ok(Rows {
            rows,
            has_previous: self.after.is_some(),
            has_next,
        })
    }

    /// Fetches one page of `select`, ordered by `id_column`, and wraps it as a connection.
    pub async fn fetch<E, C, N>(
        self,
        db: &impl ConnectionTrait,
        select: Select<E>,
        id_column: C,
        id_of: impl Fn(&E::Model) -> Uuid,
        to_node: impl Fn(E::Model) -> N,
    ) -> AppResult<Connection<Cursor, N>>
    where
        E: EntityTrait,
        C: ColumnTrait,
        N: OutputType,
    {
        let page = self.rows(db, select, id_column).await?;
        let mut connection = Connection::new(page.has_previous, page.has_next);
        for row in page.rows {
            connection
                .edges
                .push(Edge::new(OpaqueCursor(id_of(&row)), to_node(row)));
        }
        Ok(connection)
    }
}

/// One page of rows, before they become GraphQL nodes.
pub struct Rows<M> {
    pub rows: Vec<M>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl Page {
    /// One page of a list already read, kept in its own order; an item's cursor is its id.
    pub fn slice<T, N>(
        self,
        items: Vec<T>,
        id_of: impl Fn(&T) -> Uuid,
        to_node: impl Fn(T) -> N,
    ) -> AppResult<Connection<Cursor, N>>
    where
        N: OutputType,
    {
        let start = match self.after {
            None => 0,
            Some(after) => {
                items
                    .iter()
                    .position(|item| id_of(item) == after)
                    .ok_or_else(|| {
                        AppError::BadUserInput(
                            "That page cursor is not valid. Please start again from the first page."
                                .into(),
                        )
                    })?
                    + 1
            }
        };
        let first = usize::try_from(self.first).unwrap_or(usize::MAX);
        let has_next = items.len() > start.saturating_add(first);
        let mut connection = Connection::new(start > 0, has_next);
        for item in items.into_iter().skip(start).take(first) {
            connection
                .edges
                .push(Edge::new(OpaqueCursor(id_of(&item)), to_node(item)));
        }
        Ok(connection)
    }
}
