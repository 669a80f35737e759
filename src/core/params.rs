//! Parameters of hand-written statements, numbered in the backend's placeholder syntax
//! (`$n` on PostgreSQL, `?n` on SQLite), so that a value may be referred to several times.

use sea_orm::{DbBackend, Value};

/// The values of one statement, in order.
#[derive(Debug, Clone)]
pub struct Params {
    pg: bool,
    values: Vec<Value>,
}

impl Params {
    /// No values yet, for `backend`.
    pub fn new(backend: DbBackend) -> Params {
        Params {
            pg: backend == DbBackend::Postgres,
            values: Vec::new(),
        }
    }

    /// Adds `v`; returns its placeholder.
    pub fn push(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        if self.pg {
            format!("${}", self.values.len())
        } else {
            format!("?{}", self.values.len())
        }
    }

    /// The values so far.
    pub fn values(&self) -> Vec<Value> {
        self.values.clone()
    }
}
