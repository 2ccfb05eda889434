//! The domain's enums as column values. They are read from `Text` columns straight into the
//! enum, so a loaded row holds a known status, star or purpose, never a string to check again
//! (the columns' CHECK constraints keep unknown codes out). Rows are written with the codes.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::pg::Pg;
use diesel::sql_types::{SingleValue, Text};
use diesel::sqlite::Sqlite;

use super::MultiBackend;
use crate::domain::declaration::{ChangeKind, Purpose, Star, Status};

/// `FromSql<Text>` on both backends and on the pool's multi-backend, through `from_code`.
macro_rules! text_column {
    ($($ty:ty => $what:literal),+ $(,)?) => {$(
        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let code = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                <$ty>::from_code(&code).ok_or_else(|| format!("unknown {} {code:?}", $what).into())
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let code = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                <$ty>::from_code(&code).ok_or_else(|| format!("unknown {} {code:?}", $what).into())
            }
        }

        impl<DB: Backend, ST: SingleValue> Queryable<ST, DB> for $ty
        where
            Self: FromSql<ST, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }
    )+};
}

text_column!(Status => "status", Star => "star", Purpose => "purpose", ChangeKind => "change kind");
