//! A value computed at most once per time-to-live, shared by every worker.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The newest value and when it was computed.
pub struct TimedCache<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> TimedCache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: Mutex::new(None),
        }
    }

    /// The cached value if it is fresh.
    pub fn fresh(&self) -> Option<Arc<T>> {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref()
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, value)| Arc::clone(value))
    }

    /// Stores a newly computed value.
    pub fn store(&self, value: T) -> Arc<T> {
        let value = Arc::new(value);
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), Arc::clone(&value)));
        value
    }

    /// How long a value stays fresh.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire() {
        let cache = TimedCache::new(Duration::from_millis(30));
        assert!(cache.fresh().is_none());
        cache.store(7);
        assert_eq!(cache.fresh().as_deref(), Some(&7));
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.fresh().is_none());
    }
}
