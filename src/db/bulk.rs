//! Writing many rows at once as SQL text: multi-row `INSERT` statements of literal values,
//! for the bulk writers (seeding, importing). Values are written as literals, never
//! concatenated from unchecked text: [`push_literal`] quotes every string.

use chrono::{Datelike as _, NaiveDateTime, Timelike as _};

/// An SQL value, written as a literal.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Time(NaiveDateTime),
    Bool(bool),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Self {
        Value::Text(text)
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<NaiveDateTime> for Value<'_> {
    fn from(time: NaiveDateTime) -> Self {
        Value::Time(time)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl Value<'_> {
    /// Writes the literal. Times as diesel writes them (`%F %T%.f`, such as
    /// `2024-05-31 09:15:02.123456`), which both backends read into a `TIMESTAMP`; booleans as
    /// `TRUE`/`FALSE` (which SQLite ≥ 3.23 stores as 1/0, as diesel does).
    pub fn write(self, out: &mut String) {
        match self {
            Value::Null => out.push_str("NULL"),
            Value::Text(text) => push_literal(out, text),
            Value::Int(n) => push_number(out, n, 1),
            Value::Time(time) => {
                let (date, time) = (time.date(), time.time());
                out.push('\'');
                push_number(out, date.year(), 4);
                out.push('-');
                push_number(out, date.month(), 2);
                out.push('-');
                push_number(out, date.day(), 2);
                out.push(' ');
                push_number(out, time.hour(), 2);
                out.push(':');
                push_number(out, time.minute(), 2);
                out.push(':');
                push_number(out, time.second(), 2);
                // chrono's `%.f`: nothing, or 3, 6 or 9 digits, as few as are exact.
                match time.nanosecond() % 1_000_000_000 {
                    0 => {}
                    n if n % 1_000_000 == 0 => push_fraction(out, n / 1_000_000, 3),
                    n if n % 1_000 == 0 => push_fraction(out, n / 1_000, 6),
                    n => push_fraction(out, n, 9),
                }
                out.push('\'');
            }
            Value::Bool(b) => out.push_str(if b { "TRUE" } else { "FALSE" }),
        }
    }
}

/// Writes `n` in decimal with leading zeros to `width` digits (more if it needs more).
fn push_number(out: &mut String, n: impl Into<i64>, width: usize) {
    let n = n.into();
    if n < 0 {
        out.push('-');
    }
    let mut digits = [b'0'; 20];
    let mut rest = n.unsigned_abs();
    let mut start = digits.len();
    while rest > 0 || digits.len() - start < width {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Writes a decimal fraction: a dot and `digits` digits.
fn push_fraction(out: &mut String, n: u32, digits: usize) {
    out.push('.');
    push_number(out, n, digits);
}

/// Writes `text` as an SQL string literal: in single quotes, each single quote doubled, NUL
/// characters (which neither backend keeps in text) dropped. Both backends take backslashes
/// literally there (PostgreSQL with `standard_conforming_strings`, on by default since 9.1).
pub fn push_literal(out: &mut String, text: &str) {
    out.push('\'');
    if text.contains(['\'', '\0']) {
        for c in text.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\0' => {}
                c => out.push(c),
            }
        }
    } else {
        out.push_str(text);
    }
    out.push('\'');
}

/// Rows per `INSERT` statement.
pub const ROWS_PER_STATEMENT: usize = 1_000;

/// The multi-row `INSERT` statements of one table.
pub struct Table {
    pub head: String,
    pub sql: String,
    pub rows: usize,
}

impl Table {
    /// A table's statements, each starting with `head` (`INSERT INTO t (a, b) VALUES\n`).
    pub fn new(head: String) -> Table {
        Table {
            head,
            sql: String::new(),
            rows: 0,
        }
    }

    /// Appends a row (see [`bulk_row!`](crate::bulk_row)).
    pub fn row(&mut self, values: &[Value<'_>]) {
        if self.rows.is_multiple_of(ROWS_PER_STATEMENT) {
            if self.rows > 0 {
                self.sql.push_str(";\n");
            }
            self.sql.push_str(&self.head);
        } else {
            self.sql.push_str(",\n");
        }
        self.sql.push('(');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.sql.push(',');
            }
            value.write(&mut self.sql);
        }
        self.sql.push(')');
        self.rows += 1;
    }
}

/// Appends a row to a [`Table`]: `bulk_row!(table; value, …)`, each value made a [`Value`].
#[macro_export]
macro_rules! bulk_row {
    ($table:expr; $($value:expr),* $(,)?) => {
        $table.row(&[$($crate::db::bulk::Value::from($value)),*])
    };
}
