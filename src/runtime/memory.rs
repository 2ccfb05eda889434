//! Giving freed memory back to the system.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena for its next
//! allocations: building an HTTP worker's routes (and their OpenAPI description) or warming the
//! verification answers leaves megabytes that the service will not ask for again. After those
//! one-off jobs the service asks the allocator to return its free pages.

/// Returns the allocator's free pages to the system (glibc on Linux; elsewhere nothing).
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointer and only releases memory that is free; it is
    // thread-safe (it locks each arena in turn).
    unsafe {
        libc::malloc_trim(0);
    }
}
