//! Taking over the old system's declarations (`security-action import declarations FILE`):
//! a CSV file read as a stream, checked row by row ([`row`]), written a chunk at a time in one
//! transaction each ([`write`]), with every rejected row reported by line and column.
//!
//! - A row is imported whole or not at all; a chunk's rows commit together, so a failure (the
//!   database gone) loses no more than the chunk, and running the file again finishes the work:
//!   rows already stored with the same values are counted as already there, never written twice;
//!   a row whose declaration is stored with other values is a conflict, never overwritten.
//! - Memory stays bounded whatever the file's size: one chunk (and the next, being read) at a
//!   time. A dry run keeps, besides, the numbers the file has given so far (some 100 bytes a
//!   row), to find a repeat later in the file as an import would.
//! - Imported accounts have no password. With `--invite`, each gets an activation e-mail (a
//!   password-setting link) in the outbox, paced so that the mail server is not flooded.

pub mod row;
pub mod write;

use std::fs::File;
use std::io::{BufWriter, IsTerminal as _, Read, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest as _, Sha256};

use crate::db::audit::{self, Actor};
use crate::db::schema::outbox_messages;
use crate::db::{self, Db};
use row::{Columns, ImportRow, Rejection};
use write::{Invitations, Outcome, Seen};

/// Rows per transaction.
pub const CHUNK: usize = 5_000;

/// The file's text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "shift_jis")]
    ShiftJis,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    pub encoding: Encoding,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Queue an activation e-mail for each imported account without a password.
    pub invite: bool,
    /// Activation e-mails per hour.
    pub invitations_per_hour: u32,
    /// How long an activation link works.
    pub invitation_days: u32,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// The declarer site's page that sets a password with the token in its fragment.
    pub password_page: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub imported: u64,
    pub already_there: u64,
    pub rejected: u64,
    /// Activation e-mails queued.
    pub invited: u64,
    pub report: PathBuf,
    pub elapsed: Duration,
}

/// Some rows were rejected (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0} rows rejected")]
pub struct SomeRejected(pub u64);

/// The file cannot be imported at all (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unusable(pub String);

/// Where the report of `input` goes: beside it, `NAME.report.csv`.
pub fn report_path(input: &Path) -> PathBuf {
    let mut name = input
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(".report.csv");
    input.with_file_name(name)
}

/// Counts the bytes read, for the progress bar and the file's digest.
struct Counted<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    digest: std::sync::Arc<std::sync::Mutex<Sha256>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        self.digest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .update(&buf[..n]);
        Ok(n)
    }
}

/// One chunk as read: rows that hold, rows rejected already, and the bytes read so far.
struct Chunk {
    rows: Vec<(u64, ImportRow)>,
    rejected: Vec<(u64, Rejection)>,
}

/// Imports `input`. See the module documentation.
///
/// # Errors
///
/// [`Unusable`] when the file cannot be read as an import file; a database failure (the
/// chunks committed before it stay).
pub fn import(db: &Db, input: &Path, options: &Options) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let now = db::now();
    let file = File::open(input).map_err(|e| Unusable(format!("{}: {e}", input.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let digest = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let counted = Counted {
        inner: file,
        read: std::sync::Arc::clone(&read),
        digest: std::sync::Arc::clone(&digest),
    };
    let reader: Box<dyn Read + Send> = match options.encoding {
        Encoding::Utf8 => Box::new(counted),
        Encoding::ShiftJis => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::SHIFT_JIS))
                .build(counted),
        ),
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut header = csv::ByteRecord::new();
    let has_header = csv
        .read_byte_record(&mut header)
        .map_err(|e| Unusable(format!("the header cannot be read: {e}")))?;
    if !has_header {
        return Err(Unusable("the file is empty (it needs a header row)".into()).into());
    }
    let names: Vec<String> = header
        .iter()
        .map(|field| String::from_utf8(field.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Unusable("the header is not UTF-8 (for Shift_JIS, say --encoding shift_jis)".into())
        })?;
    let columns = Columns::from_header(names.iter().map(String::as_str))
        .map_err(|e| Unusable(e.to_string()))?;

    let report = report_path(input);
    let mut report_file = BufWriter::new(
        File::create(&report)
            .with_context(|| format!("creating the report {}", report.display()))?,
    );
    writeln!(report_file, "line,column,code,message")?;
    let bar = if options.progress {
        let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template(
            "importing {wide_bar} {binary_bytes}/{binary_total_bytes} ({eta} left)",
        )?);
        bar
    } else {
        ProgressBar::hidden()
    };
    let actor = Actor {
        kind: "secretariat",
        id: Some(format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        )),
        request_id: None,
        address: None,
    };
    let file_name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !options.dry_run {
        db.write_blocking(|conn| -> Result<(), db::DbError> {
            Ok(audit::record(
                conn,
                &actor,
                "declarations.import_started",
                "import",
                Some(&file_name),
                None,
                Some(&serde_json::json!({"file": file_name, "invite": options.invite})),
                now,
            )?)
        })?;
    }
    let mut invitations = if options.invite && !options.dry_run {
        let interval =
            TimeDelta::microseconds(3_600_000_000 / i64::from(options.invitations_per_hour.max(1)));
        let last: Option<NaiveDateTime> = db.pool().get()?.transaction(|conn| {
            outbox_messages::table
                .filter(
                    outbox_messages::kind.eq(crate::mail::templates::EmailKind::Activation.code()),
                )
                .filter(outbox_messages::status.eq("pending"))
                .select(diesel::dsl::max(outbox_messages::next_attempt_at))
                .first(conn)
        })?;
        Some(Invitations {
            valid_for: TimeDelta::days(i64::from(options.invitation_days)),
            interval,
            next_at: last.map_or(now, |at| (at + interval).max(now)),
            page: options.password_page.clone(),
        })
    } else {
        None
    };
    let mut seen = options.dry_run.then(Seen::default);
    let mut summary = Summary {
        report: report.clone(),
        ..Summary::default()
    };
    let (sender, receiver) = std::sync::mpsc::sync_channel::<anyhow::Result<Chunk>>(1);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let reading = scope.spawn(move || {
            let mut record = csv::ByteRecord::new();
            loop {
                let mut chunk = Chunk {
                    rows: Vec::with_capacity(CHUNK),
                    rejected: Vec::new(),
                };
                let mut more = true;
                while chunk.rows.len() + chunk.rejected.len() < CHUNK {
                    match csv.read_byte_record(&mut record) {
                        Ok(true) => {}
                        Ok(false) => {
                            more = false;
                            break;
                        }
                        Err(e) => {
                            let line = e.position().map_or(0, csv::Position::line);
                            chunk
                                .rejected
                                .push((line, Rejection::new(None, "unreadable", e.to_string())));
                            continue;
                        }
                    }
                    let line = record.position().map_or(0, csv::Position::line);
                    if record.iter().all(<[u8]>::is_empty) {
                        continue; // a blank line
                    }
                    chunk.push(line, &record, &columns, now);
                }
                let last = !more;
                if sender.send(Ok(chunk)).is_err() || last {
                    break;
                }
            }
        });
        for chunk in receiver {
            let chunk = chunk?;
            let mut outcomes: Vec<(u64, Outcome)> = chunk
                .rejected
                .into_iter()
                .map(|(line, r)| (line, Outcome::Rejected(r)))
                .collect();
            if !chunk.rows.is_empty() {
                let written = if let Some(seen) = seen.as_mut() {
                    let mut conn = db.pool().get()?;
                    write::write_chunk(&mut conn, &chunk.rows, now, None, Some(seen))?
                } else {
                    db.write_blocking(|conn| {
                        write::write_chunk(conn, &chunk.rows, now, invitations.as_mut(), None)
                            .map_err(|e| ChunkError(e.to_string()))
                    })
                    .map_err(|e: ChunkError| anyhow::anyhow!("{}", e.0))?
                };
                outcomes.extend(written);
            }
            outcomes.sort_by_key(|(line, _)| *line);
            for (line, outcome) in outcomes {
                summary.rows += 1;
                match outcome {
                    Outcome::Imported => summary.imported += 1,
                    Outcome::AlreadyThere => {
                        summary.already_there += 1;
                        write_report_line(
                            &mut report_file,
                            line,
                            None,
                            "already_imported",
                            "stored already with the same values; nothing written",
                        )?;
                    }
                    Outcome::Rejected(r) => {
                        summary.rejected += 1;
                        write_report_line(&mut report_file, line, r.column, r.code, &r.message)?;
                    }
                }
            }
            bar.set_position(read.load(std::sync::atomic::Ordering::Relaxed));
        }
        reading
            .join()
            .map_err(|_| anyhow::anyhow!("the reading thread failed"))?;
        Ok(())
    })?;
    report_file.flush()?;
    bar.finish_and_clear();
    let sha256 = {
        let digest = digest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        data_encoding::HEXLOWER.encode(&digest.clone().finalize())
    };
    summary.invited = if options.invite && !options.dry_run {
        count_invited(db, now)?
    } else {
        0
    };
    summary.elapsed = started.elapsed();
    if !options.dry_run {
        db.write_blocking(|conn| -> Result<(), db::DbError> {
            Ok(audit::record(
                conn,
                &actor,
                "declarations.imported",
                "import",
                Some(&file_name),
                None,
                Some(&serde_json::json!({
                    "file": file_name,
                    "sha256": sha256,
                    "rows": summary.rows,
                    "imported": summary.imported,
                    "already_there": summary.already_there,
                    "rejected": summary.rejected,
                    "invited": summary.invited,
                    "seconds": summary.elapsed.as_secs_f64(),
                })),
                db::now(),
            )?)
        })?;
        if summary.imported > 0 {
            db.refresh_statistics(summary.imported >= 10_000)?;
        }
    }
    Ok(summary)
}

/// A chunk's failure, carried through the transaction.
#[derive(Debug)]
struct ChunkError(String);

impl From<db::DbError> for ChunkError {
    fn from(e: db::DbError) -> Self {
        ChunkError(e.to_string())
    }
}

impl From<diesel::result::Error> for ChunkError {
    fn from(e: diesel::result::Error) -> Self {
        ChunkError(e.to_string())
    }
}

impl Chunk {
    fn push(&mut self, line: u64, record: &csv::ByteRecord, columns: &Columns, now: NaiveDateTime) {
        let fields: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
        let Ok(fields) = fields else {
            self.rejected.push((
                line,
                Rejection::new(
                    None,
                    "invalid_encoding",
                    "not UTF-8 (for Shift_JIS, say --encoding shift_jis)",
                ),
            ));
            return;
        };
        if fields.iter().any(|f| f.contains('\u{fffd}')) {
            self.rejected.push((
                line,
                Rejection::new(
                    None,
                    "invalid_encoding",
                    "bytes that are not text in the file's encoding",
                ),
            ));
            return;
        }
        match row::read(columns, &fields, now) {
            Ok(row) => self.rows.push((line, row)),
            Err(rejection) => self.rejected.push((line, rejection)),
        }
    }
}

fn write_report_line(
    out: &mut impl std::io::Write,
    line: u64,
    column: Option<&str>,
    code: &str,
    message: &str,
) -> std::io::Result<()> {
    let quoted = message.replace('"', "\"\"");
    writeln!(out, "{line},{},{code},\"{quoted}\"", column.unwrap_or(""))
}

/// Activation e-mails queued by this run.
fn count_invited(db: &Db, since: NaiveDateTime) -> anyhow::Result<u64> {
    let mut conn = db.pool().get()?;
    let n: i64 = outbox_messages::table
        .filter(outbox_messages::kind.eq(crate::mail::templates::EmailKind::Activation.code()))
        .filter(outbox_messages::created_at.ge(since))
        .count()
        .get_result(&mut *conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Whether standard error is a terminal (for the progress bar).
pub fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}
