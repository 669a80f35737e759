//! The time access control reads (expiry, lockout): the system clock, or a manual clock
//! that tests set and move.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// A clock: the system's unless made [`Clock::manual`].
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands at `at` until [`Clock::advance`]d.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(at) => at.lock().map(|t| *t).unwrap_or_else(|p| *p.into_inner()),
        }
    }

    /// Moves a manual clock forward (the system clock ignores it).
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.0 {
            let mut t = at.lock().unwrap_or_else(|p| p.into_inner());
            *t += by;
        }
    }
}
