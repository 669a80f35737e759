//! Relay connections over offset windows.
//!
//! Cursors are opaque (`base64("cursor:<offset>")`); `first/after/last/before` and the
//! `offset` shortcut (for tables of pages) all reduce to a [`Window`], which the store
//! turns into `LIMIT/OFFSET` at the top level or into `ROW_NUMBER()` bounds per parent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::core::error::{AppError, AppResult};

/// Paging arguments as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// `first`
    pub first: Option<i32>,
    /// `after`
    pub after: Option<String>,
    /// `last`
    pub last: Option<i32>,
    /// `before`
    pub before: Option<String>,
    /// `offset` (rows to skip; not with cursors)
    pub offset: Option<i32>,
}

/// Which rows of an ordered list a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// `limit` rows starting at 0-based `start`, possibly capped by `end` (exclusive).
    Forward {
        /// First row.
        start: u64,
        /// Row count.
        limit: u64,
    },
    /// The last `limit` rows of the whole list (`last` without `before`).
    Tail {
        /// Row count.
        limit: u64,
    },
}

/// The opaque cursor of position `offset` (every paged field uses this format).
pub fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{offset}"))
}

/// The position of a cursor made by [`encode_cursor`]; `BAD_USER_INPUT` naming `field` otherwise.
pub fn decode_cursor(field: &str, cursor: &str) -> AppResult<u64> {
    URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix("cursor:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| AppError::bad_input(field, "not a valid cursor"))
}

/// The page sizes a server allows (its configuration's).
pub trait PageSizes {
    /// The largest page.
    fn max_page_size(&self) -> u64;
    /// The page when none is asked for.
    fn default_page_size(&self) -> u64;
}

impl PageArgs {
    /// Builds the arguments from a field's `first/after/last/before/offset`.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Self {
        PageArgs {
            first,
            after,
            last,
            before,
            offset,
        }
    }

    /// Validates the arguments against the limits and reduces them to a window.
    pub fn window(&self, limits: &impl PageSizes) -> AppResult<Window> {
        let size = |field: &str, n: i32| -> AppResult<u64> {
            let max = limits.max_page_size();
            if n < 1 || n as u64 > max {
                return Err(AppError::bad_input(
                    field,
                    format!("must be between 1 and {max}, got {n}"),
                ));
            }
            Ok(n as u64)
        };
        let first = self.first.map(|n| size("first", n)).transpose()?;
        let last = self.last.map(|n| size("last", n)).transpose()?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "use either first or last, not both",
            ));
        }
        let after = self
            .after
            .as_deref()
            .map(|c| decode_cursor("after", c))
            .transpose()?;
        let before = self
            .before
            .as_deref()
            .map(|c| decode_cursor("before", c))
            .transpose()?;
        let offset = match self.offset {
            Some(o) if o < 0 => return Err(AppError::bad_input("offset", "must not be negative")),
            Some(_) if after.is_some() || before.is_some() => {
                return Err(AppError::bad_input(
                    "offset",
                    "use either offset or cursors, not both",
                ));
            }
            Some(o) => o as u64,
            None => 0,
        };
        let start = after.map_or(offset, |a| a + 1);
        Ok(match (last, before) {
            (Some(n), None) if self.offset.is_none() && after.is_none() => {
                Window::Tail { limit: n }
            }
            (Some(n), Some(b)) => {
                let lo = b.saturating_sub(n).max(start);
                Window::Forward {
                    start: lo,
                    limit: b.saturating_sub(lo),
                }
            }
            (Some(n), None) => Window::Forward { start, limit: n },
            (None, before) => {
                let n = first.unwrap_or(limits.default_page_size());
                let n = before.map_or(n, |b| n.min(b.saturating_sub(start)));
                Window::Forward { start, limit: n }
            }
        })
    }
}

/// One page of rows plus what `pageInfo` and `totalCount` need.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, in order.
    pub items: Vec<T>,
    /// 0-based position of the first row in the whole list.
    pub start: u64,
    /// Whether rows follow this page.
    pub has_next: bool,
    /// Total rows matching (when it was asked for, or came for free).
    pub total: Option<u64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            start: 0,
            has_next: false,
            total: Some(0),
        }
    }
}

impl<T> Page<T> {
    /// Converts rows with `f` (e.g. into their GraphQL wrapper).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            start: self.start,
            has_next: self.has_next,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default configuration's sizes.
    struct Sizes;

    impl PageSizes for Sizes {
        fn max_page_size(&self) -> u64 {
            100
        }
        fn default_page_size(&self) -> u64 {
            20
        }
    }

    fn w(
        first: Option<i32>,
        after: Option<u64>,
        last: Option<i32>,
        before: Option<u64>,
    ) -> AppResult<Window> {
        PageArgs::new(
            first,
            after.map(encode_cursor),
            last,
            before.map(encode_cursor),
            None,
        )
        .window(&Sizes)
    }

    #[test]
    fn windows() {
        assert_eq!(
            w(None, None, None, None).ok(),
            Some(Window::Forward {
                start: 0,
                limit: 20
            })
        );
        assert_eq!(
            w(Some(5), Some(9), None, None).ok(),
            Some(Window::Forward {
                start: 10,
                limit: 5
            })
        );
        assert_eq!(
            w(None, None, Some(3), None).ok(),
            Some(Window::Tail { limit: 3 })
        );
        assert_eq!(
            w(None, None, Some(3), Some(10)).ok(),
            Some(Window::Forward { start: 7, limit: 3 })
        );
        assert_eq!(
            w(Some(50), Some(2), None, Some(6)).ok(),
            Some(Window::Forward { start: 3, limit: 3 })
        );
        assert!(w(Some(0), None, None, None).is_err());
        assert!(w(Some(101), None, None, None).is_err());
        assert!(w(Some(1), None, Some(1), None).is_err());
    }
}
