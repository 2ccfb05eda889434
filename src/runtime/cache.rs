//! A value computed at most once per time-to-live, shared by every worker. Once a value
//! exists, an expired one is still served while one caller (and only one) computes the next:
//! no caller waits for an expensive refresh, and expiry never sets off a stampede.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The newest value and when it was computed.
pub struct TimedCache<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
    refreshing: Arc<AtomicBool>,
}

/// The right to compute the next value; given to one caller at a time, released when dropped.
pub struct Refresh {
    flag: Arc<AtomicBool>,
}

impl Drop for Refresh {
    fn drop(&mut self) {
        self.flag.store(false, Ordering::Release);
    }
}

impl<T> TimedCache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: Mutex::new(None),
            refreshing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The newest value, however old.
    pub fn latest(&self) -> Option<Arc<T>> {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map(|(_, value)| Arc::clone(value))
    }

    /// The right to refresh, unless another caller holds it.
    pub fn claim_refresh(&self) -> Option<Refresh> {
        self.refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Refresh {
                flag: Arc::clone(&self.refreshing),
            })
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
        assert_eq!(cache.latest().as_deref(), Some(&7));
    }

    #[test]
    fn one_caller_at_a_time_refreshes() {
        let cache = TimedCache::<u8>::new(Duration::ZERO);
        let first = cache.claim_refresh();
        assert!(first.is_some());
        assert!(cache.claim_refresh().is_none());
        drop(first);
        assert!(cache.claim_refresh().is_some());
    }
}
