//! Relay connections: a storage page (`core::paging::Page`) as the GraphQL connection
//! every list and to-many field answers, with its `totalCount`.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{OutputType, SimpleObject};

use crate::core::paging::{Page, encode_cursor};

/// Fields every connection has besides `edges` and `pageInfo`.
#[derive(SimpleObject, Debug, Clone)]
pub struct ConnectionTotals {
    /// Number of rows matching the filter, across all pages.
    pub total_count: i64,
}

/// A Relay connection of `T`.
pub type Conn<T> = Connection<String, T, ConnectionTotals, EmptyFields>;

/// Builds the GraphQL connection for a page.
pub fn connection<T: OutputType>(page: Page<T>) -> Conn<T> {
    let total = page.total.unwrap_or(0) as i64;
    let mut conn = Connection::with_additional_fields(
        page.start > 0,
        page.has_next,
        ConnectionTotals { total_count: total },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .enumerate()
            .map(|(i, node)| Edge::new(encode_cursor(page.start + i as u64), node)),
    );
    conn
}
