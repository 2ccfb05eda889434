//! Password hashing (argon2id) on a bounded pool of threads of its own.
//!
//! A hash costs about 20 ms of a core at OWASP's parameters, so it never runs on the HTTP
//! workers nor on the shared blocking pool: a fixed set of threads takes jobs from a bounded
//! queue, and when the queue is full the caller is told at once (503 with `Retry-After`) instead
//! of waiting without bound. A login flood therefore cannot starve the rest of the service.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngExt;
use tokio::sync::oneshot;

use crate::config::Argon2Settings;

/// Why hashing could not be done.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every thread is busy and the queue is full: try again shortly.
    #[error("the password hashing queue is full")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, HashingError>>,
    },
    Verify {
        password: String,
        hash: Option<String>,
        reply: oneshot::Sender<Result<bool, HashingError>>,
    },
}

/// Hashing threads run at a lower CPU priority (10 nice levels below the process) than the HTTP workers: when a flood
/// of logins keeps every hashing thread busy, verifications and other requests still get the
/// cores first, and the logins wait in the bounded queue (or get 503) instead.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux a thread ID names just this thread for setpriority.
        let tid = rustix::thread::gettid();
        let current = rustix::process::getpriority_process(Some(tid)).unwrap_or(0);
        if let Err(error) = rustix::process::setpriority_process(Some(tid), (current + 10).min(19))
        {
            tracing::warn!(%error, "cannot lower the hashing thread's priority");
        }
    }
}

/// The hashing pool; cheap to clone.
#[derive(Clone)]
pub struct PasswordHashing {
    sender: SyncSender<Job>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
    /// Passwords verified so far, against a dummy hash for an unknown account included.
    verified: Arc<AtomicU64>,
}

impl PasswordHashing {
    /// Starts `threads` hashing threads behind a queue of `queue` jobs.
    pub fn start(
        settings: Argon2Settings,
        threads: usize,
        queue: usize,
    ) -> Result<Self, HashingError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| HashingError::Failed(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        // Verifying an unknown account's login against this hash takes as long as a real one.
        let dummy = hash_with(&argon2, &mut Memory::default(), "a password no account has")?;
        let (sender, receiver) = mpsc::sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let waiting = Arc::new(AtomicUsize::new(0));
        let verified = Arc::new(AtomicU64::new(0));
        for i in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let argon2 = argon2.clone();
            let dummy = dummy.clone();
            let waiting = Arc::clone(&waiting);
            let verified = Arc::clone(&verified);
            std::thread::Builder::new()
                .name(format!("password-hashing-{i}"))
                .spawn(move || {
                    lower_priority();
                    let mut memory = Memory::default();
                    loop {
                        // The lock is held only while taking the next job.
                        let job = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok(job) = job else { return };
                        waiting.fetch_sub(1, Ordering::Relaxed);
                        if matches!(job, Job::Verify { .. }) {
                            verified.fetch_add(1, Ordering::Relaxed);
                        }
                        run(&argon2, &mut memory, &dummy, job);
                    }
                })
                .map_err(|e| HashingError::Failed(e.to_string()))?;
        }
        Ok(Self {
            sender,
            waiting,
            queue,
            verified,
        })
    }

    /// Passwords verified since the start, a dummy verification for an unknown account
    /// included (for metrics: an unknown user number costs what a wrong password costs).
    pub fn verified(&self) -> u64 {
        self.verified.load(Ordering::Relaxed)
    }

    /// Jobs waiting for a thread (for metrics and logs).
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Whether the queue is full now, so that a caller can refuse before doing other work.
    pub fn is_saturated(&self) -> bool {
        self.waiting() >= self.queue
    }

    fn submit(&self, job: Job) -> Result<(), HashingError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        match self.sender.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                Err(HashingError::Busy)
            }
            Err(TrySendError::Disconnected(_)) => {
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                Err(HashingError::Failed(
                    "the hashing threads have stopped".into(),
                ))
            }
        }
    }

    /// Hashes a new password (PHC string with a random salt).
    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password, reply })?;
        answer
            .await
            .map_err(|_| HashingError::Failed("the hashing thread went away".into()))?
    }

    /// Whether `password` matches `hash`. With no hash (an unknown account) a dummy hash is
    /// verified instead, so that the answer takes the same time.
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, HashingError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password,
            hash,
            reply,
        })?;
        answer
            .await
            .map_err(|_| HashingError::Failed("the hashing thread went away".into()))?
    }
}

/// The stored "hash" of an account that has no password yet (an account taken over from the
/// old system, until its declarer sets one through the activation e-mail or a reset). No
/// password matches it.
pub const NO_PASSWORD: &str = "!none";

/// Hashes a password on the calling thread (for the command line, never for requests).
pub fn hash_now(settings: Argon2Settings, password: &str) -> Result<String, HashingError> {
    let params = Params::new(
        settings.memory_kib,
        settings.iterations,
        settings.parallelism,
        None,
    )
    .map_err(|e| HashingError::Failed(e.to_string()))?;
    hash_with(
        &Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
        &mut Memory::default(),
        password,
    )
}

/// The argon2 working memory of one hashing thread (19 MiB at the default cost), kept and
/// reused for every hash. Allocating it per hash makes the allocator keep freed blocks in
/// per-thread arenas, and a busy service grows to hundreds of MiB.
#[derive(Default)]
struct Memory {
    blocks: Vec<Block>,
}

impl Memory {
    fn for_params(&mut self, params: &Params) -> &mut [Block] {
        let needed = params.block_count();
        if self.blocks.len() != needed {
            self.blocks = vec![Block::default(); needed];
        }
        &mut self.blocks
    }
}

fn failed(error: impl std::fmt::Display) -> HashingError {
    HashingError::Failed(error.to_string())
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), as the argon2 crate writes it.
fn hash_with(
    argon2: &Argon2<'_>,
    memory: &mut Memory,
    password: &str,
) -> Result<String, HashingError> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(failed)?;
    let params = argon2.params();
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(length, |out| {
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                &salt_bytes,
                out,
                memory.for_params(params),
            )
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(failed)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`, computed with the hash's own parameters.
fn verify_with(memory: &mut Memory, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut computed = vec![0u8; expected.len()];
    argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut computed,
            memory.for_params(&params),
        )
        .is_ok()
        && super::tokens::constant_time_eq(&computed, expected.as_bytes())
}

fn run(argon2: &Argon2<'_>, memory: &mut Memory, dummy: &str, job: Job) {
    match job {
        Job::Hash { password, reply } => {
            let _ = reply.send(hash_with(argon2, memory, &password));
        }
        Job::Verify {
            password,
            hash,
            reply,
        } => {
            let ok = match hash.filter(|h| h != NO_PASSWORD) {
                Some(hash) => verify_with(memory, &password, &hash),
                // No account, or one without a password yet (imported, not activated): the
                // same work, so that the answer's time tells nothing.
                None => {
                    let _ = verify_with(memory, &password, dummy);
                    false
                }
            };
            let _ = reply.send(Ok(ok));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Argon2Settings = Argon2Settings {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let pool = PasswordHashing::start(CHEAP, 1, 4).unwrap();
        let hash = pool.hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            pool.verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!pool.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!pool.verify("anything".into(), None).await.unwrap());
        assert!(
            !pool
                .verify("x".into(), Some("not a hash".into()))
                .await
                .unwrap()
        );
    }

    #[test]
    fn hashes_match_the_argon2_crates_own_format_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let params =
            Params::new(CHEAP.memory_kib, CHEAP.iterations, CHEAP.parallelism, None).unwrap();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut memory = Memory::default();
        // Ours, checked by the crate.
        let ours = hash_with(&argon2, &mut memory, "パスワード 日本語 ok").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2
                .verify_password("パスワード 日本語 ok".as_bytes(), &parsed)
                .is_ok()
        );
        assert!(argon2.verify_password(b"other", &parsed).is_err());
        // The crate's (as stored by earlier versions and the seeder), checked by ours, with
        // other parameters than the thread's memory was sized for.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 2, 1, None).unwrap(),
        );
        let theirs = other
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with(&mut memory, "correct horse", &theirs));
        assert!(!verify_with(&mut memory, "correct horse!", &theirs));
        assert!(verify_with(&mut memory, "パスワード 日本語 ok", &ours));
        assert!(!verify_with(
            &mut memory,
            "x",
            "$argon2id$v=19$m=64,t=1,p=1$bm90IGEgaGFzaA"
        ));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_yield_the_cores_to_requests() {
        let pool = PasswordHashing::start(CHEAP, 1, 4).unwrap();
        // The thread has started once it has answered.
        pool.hash("warm up".into()).await.unwrap();
        let mut niceness = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let task = task.unwrap().path();
            let name = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
            if name.starts_with("password-hashin") {
                let stat = std::fs::read_to_string(task.join("stat")).unwrap();
                // Fields after the parenthesised name: state is field 3, nice is field 19.
                let after_name = &stat[stat.rfind(')').unwrap() + 2..];
                let nice: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
                niceness.push(nice);
            }
        }
        // This thread (an HTTP worker, say) keeps the priority it was started with.
        let own = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &own[own.rfind(')').unwrap() + 2..];
        let own: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
        assert!(!niceness.is_empty());
        assert!(
            niceness.iter().all(|&n| n == (own + 10).min(19)),
            "{niceness:?} against {own}"
        );
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let slow = Argon2Settings {
            memory_kib: 8 * 1024,
            iterations: 20,
            parallelism: 1,
        };
        let pool = PasswordHashing::start(slow, 1, 1).unwrap();
        let jobs: Vec<_> = (0..6).map(|_| pool.hash("password".into())).collect();
        let results = futures_util::future::join_all(jobs).await;
        assert!(results.iter().any(|r| matches!(r, Err(HashingError::Busy))));
        assert!(results.iter().any(Result::is_ok));
    }
}
