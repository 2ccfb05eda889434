//! The table behind the verification cache: every declaration's answer in 56 bytes and its
//! name.
//!
//! - **Sorted arrays, not a hash map.** The keys (the declaration IDs as numbers) are one sorted
//!   `Vec<u64>` and the answers a `Vec<Entry>` beside it, found by binary search. A hash map of
//!   the same entries needs twice the slots for its load factor, and grows by doubling while
//!   it is filled: at a million declarations the map took about 310 MiB, these arrays 56 MB
//!   plus the names.
//! - **New declarations** go to a small map ([`Store::recent`]) and are merged into the arrays
//!   when it reaches a sixteenth of them, so that an application costs no copy of the arrays.
//!   A changed declaration is replaced where it is.
//! - **Names** are kept in one byte buffer, the name then its matching key; a replaced name
//!   leaves garbage, rewritten away when it is most of the buffer. A key that is part of its
//!   name (`株式会社サンプル` → `サンプル`: the legal form removed, nothing else folded), as most
//!   are, is not written again: the entry says where in the name it starts.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::verifications::Lookup;
use crate::domain::declaration::{Star, Status};

/// One declaration's answer, packed into 48 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    row_id: i64,
    declared_at: i64,
    /// `i64::MIN`: not accepted.
    accepted_at: i64,
    star_since: i64,
    /// The corporate number (0: none) in the low [`CORPORATE_BITS`] bits, then the status's
    /// and the star's positions in [`Status::ALL`] and [`Star::ALL`], then where the key is
    /// (see [`KEY_SHIFT`]).
    packed: u64,
    /// The name, then its matching key unless the key is part of the name, in [`Store::text`].
    text_at: u32,
    name_len: u16,
    key_len: u16,
}

/// A corporate number has 13 digits: below 2^44.
const CORPORATE_BITS: u32 = 44;
const CORPORATE_MASK: u64 = (1 << CORPORATE_BITS) - 1;
/// The status and the star take 4 bits each.
const STATUS_SHIFT: u32 = CORPORATE_BITS;
const STAR_SHIFT: u32 = CORPORATE_BITS + 4;
const CODE_MASK: u64 = 0xf;
/// The top 12 bits: 0 when the key follows the name in the text, n when the key is the name's
/// bytes from n − 1 on.
const KEY_SHIFT: u32 = STAR_SHIFT + 4;
/// The furthest into a name that a key can start and still be found there.
const KEY_IN_NAME_MAX: usize = (1 << (64 - KEY_SHIFT)) - 2;

impl Entry {
    fn corporate_number(&self) -> u64 {
        self.packed & CORPORATE_MASK
    }

    fn status(&self) -> Status {
        Status::ALL[((self.packed >> STATUS_SHIFT) & CODE_MASK) as usize]
    }

    fn star(&self) -> Star {
        Star::ALL[((self.packed >> STAR_SHIFT) & CODE_MASK) as usize]
    }

    /// Where in the name the key starts, when it is part of the name.
    fn key_in_name(&self) -> Option<usize> {
        match (self.packed >> KEY_SHIFT) as usize {
            0 => None,
            n => Some(n - 1),
        }
    }

    /// The bytes of [`Store::text`] this entry takes.
    fn text_len(&self) -> usize {
        let key = if self.key_in_name().is_some() {
            0
        } else {
            usize::from(self.key_len)
        };
        usize::from(self.name_len) + key
    }
}

/// Where `key` starts in `name`, if it is part of it (near enough to the start to be noted).
fn key_within(name: &[u8], key: &[u8]) -> Option<usize> {
    if key.is_empty() {
        return Some(0);
    }
    // A match of valid UTF-8 in valid UTF-8 starts and ends on character boundaries.
    name.windows(key.len())
        .position(|w| w == key)
        .filter(|at| *at <= KEY_IN_NAME_MAX)
}

/// New declarations are merged into the sorted arrays once they are this many, or a sixteenth
/// of the arrays, whichever is more.
const MERGE_AT_LEAST: usize = 16_384;

#[derive(Default)]
pub(super) struct Store {
    /// Sorted and distinct; `entries[i]` is the answer of `keys[i]`.
    keys: Vec<u64>,
    entries: Vec<Entry>,
    /// Declarations not in `keys`, by key, until the next merge.
    recent: HashMap<u64, Entry>,
    text: Vec<u8>,
    /// Bytes of `text` no entry points at any more (replaced names).
    garbage: usize,
}

fn nanos(t: NaiveDateTime) -> Option<i64> {
    t.and_utc().timestamp_nanos_opt()
}

fn time(n: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_nanos(n).naive_utc()
}

/// The numeric key of a declaration ID: 12 digits, or 11 for the oldest imported ones (led by
/// 4, so an 11-digit key is below every 12-digit one and the two never meet).
fn key(public_id: &str) -> Option<u64> {
    if !(11..=12).contains(&public_id.len())
        || !public_id.starts_with('4')
        || !public_id.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    public_id.parse().ok()
}

impl Store {
    /// How many declarations are held.
    pub(super) fn len(&self) -> usize {
        self.keys.len() + self.recent.len()
    }

    /// Holds `row`'s answer in place of any earlier one; false when it cannot be held (an ID,
    /// code, corporate number, time or name length out of this table's range).
    pub(super) fn put(&mut self, row: &Lookup) -> bool {
        let Some(k) = key(&row.public_id) else {
            return false;
        };
        let Some(mut entry) = Self::entry(row) else {
            return false;
        };
        let Ok(text_at) = u32::try_from(self.text.len()) else {
            return false;
        };
        entry.text_at = text_at;
        let (name, key) = (
            row.organization_name.as_bytes(),
            row.organization_name_key.as_bytes(),
        );
        let within = key_within(name, key);
        entry.packed |= (within.map_or(0, |at| at as u64 + 1)) << KEY_SHIFT;
        self.text.extend_from_slice(name);
        if within.is_none() {
            self.text.extend_from_slice(key);
        }
        let old = match self.keys.binary_search(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i], entry)),
            Err(_) => self.recent.insert(k, entry),
        };
        if let Some(old) = old {
            self.garbage += old.text_len();
        }
        true
    }

    /// The entry of `row`, its text not yet placed.
    fn entry(row: &Lookup) -> Option<Entry> {
        let status = Status::ALL.iter().position(|s| s.code() == row.status)?;
        let star = Star::ALL.iter().position(|s| s.code() == row.star_level)?;
        let corporate_number = match &row.corporate_number {
            None => 0,
            Some(n) => n
                .parse::<u64>()
                .ok()
                .filter(|n| *n != 0 && *n <= CORPORATE_MASK)?,
        };
        let accepted_at = match row.accepted_at {
            None => i64::MIN,
            Some(t) => nanos(t)?,
        };
        Some(Entry {
            row_id: row.id,
            declared_at: nanos(row.declared_at)?,
            accepted_at,
            star_since: nanos(row.star_since)?,
            packed: corporate_number
                | (status as u64) << STATUS_SHIFT
                | (star as u64) << STAR_SHIFT,
            text_at: 0,
            name_len: u16::try_from(row.organization_name.len()).ok()?,
            key_len: u16::try_from(row.organization_name_key.len()).ok()?,
        })
    }

    pub(super) fn get(&self, public_id: &str) -> Option<Lookup> {
        let k = key(public_id)?;
        let e = match self.keys.binary_search(&k) {
            Ok(i) => &self.entries[i],
            Err(_) => self.recent.get(&k)?,
        };
        let at = e.text_at as usize;
        let name_end = at + usize::from(e.name_len);
        let key_at = e.key_in_name().map_or(name_end, |within| at + within);
        let key_end = key_at + usize::from(e.key_len);
        let text =
            |from: usize, to: usize| String::from_utf8_lossy(&self.text[from..to]).into_owned();
        let corporate_number = e.corporate_number();
        Some(Lookup {
            id: e.row_id,
            public_id: public_id.to_owned(),
            status: e.status().code().to_owned(),
            star_level: e.star().code().to_owned(),
            declared_at: time(e.declared_at),
            accepted_at: (e.accepted_at != i64::MIN).then(|| time(e.accepted_at)),
            star_since: time(e.star_since),
            corporate_number: (corporate_number != 0).then(|| format!("{corporate_number:013}")),
            organization_name: text(at, name_end),
            organization_name_key: text(key_at, key_end),
        })
    }

    /// Merges the new declarations into the sorted arrays once there are enough of them, and
    /// rewrites the names when most of their buffer is garbage.
    pub(super) fn tidy(&mut self) {
        if self.recent.len() >= MERGE_AT_LEAST.max(self.keys.len() / 16) {
            self.merge();
        }
        self.compact_if_wasteful();
    }

    /// Merges everything and gives back the spare capacity: the table's size from then on.
    pub(super) fn settle(&mut self) {
        self.merge();
        self.compact_if_wasteful();
        self.keys.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.recent.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    fn merge(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        let mut recent: Vec<(u64, Entry)> = self.recent.drain().collect();
        recent.sort_unstable_by_key(|(k, _)| *k);
        let total = self.keys.len() + recent.len();
        let mut keys = Vec::with_capacity(total);
        let mut entries = Vec::with_capacity(total);
        let mut old = self.keys.iter().zip(&self.entries).peekable();
        for (k, e) in recent {
            while let Some((ok, oe)) = old.next_if(|(ok, _)| **ok < k) {
                keys.push(*ok);
                entries.push(*oe);
            }
            keys.push(k);
            entries.push(e);
        }
        for (ok, oe) in old {
            keys.push(*ok);
            entries.push(*oe);
        }
        self.keys = keys;
        self.entries = entries;
    }

    /// Rewrites the text buffer when most of it is garbage.
    fn compact_if_wasteful(&mut self) {
        if self.garbage >= 64 * 1024 * 1024 && self.garbage >= self.text.len() / 2 {
            self.compact();
        }
    }

    /// Rewrites the text buffer without its garbage.
    fn compact(&mut self) {
        let mut text = Vec::with_capacity(self.text.len() - self.garbage);
        for e in self.entries.iter_mut().chain(self.recent.values_mut()) {
            let at = e.text_at as usize;
            let len = e.text_len();
            let new_at = text.len();
            text.extend_from_slice(&self.text[at..at + len]);
            e.text_at = u32::try_from(new_at).unwrap_or(u32::MAX);
        }
        self.text = text;
        self.garbage = 0;
    }
}

#[cfg(test)]
mod tests;
