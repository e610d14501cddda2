//! A small builder for statements whose WHERE clause depends on the filter: it writes the
//! placeholders as arguments are pushed, so text and arguments cannot drift apart.
//!
//! PostgreSQL gets numbered `$n` placeholders. SQLite gets bare `?`: with named or numbered
//! ones, binding asks SQLite for each parameter's name, a linear search, so a multi-row
//! statement of several hundred arguments cost O(n²) to bind (15 ms for 450 decision rows).

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

use crate::Backend;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    Text(String),
    OptText(Option<String>),
    OptI64(Option<i64>),
    F64(f64),
    OptF64(Option<f64>),
}

#[derive(Debug)]
pub(crate) struct Sql {
    pub text: String,
    args: Vec<Arg>,
    backend: Backend,
}

impl Sql {
    /// A statement for `backend`, starting with `text` (which holds no placeholders itself).
    pub fn on(backend: Backend, text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
            backend,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends another SQLite statement and its arguments (SQLite's placeholders are
    /// positional, so they carry over as they are; PostgreSQL's numbered ones would not).
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        debug_assert!(self.backend == Backend::Sqlite && other.backend == Backend::Sqlite);
        self.text.push_str(&other.text);
        self.args.extend(other.args.iter().cloned());
        self
    }

    /// Appends a placeholder for `arg` and returns `self` for chaining.
    pub fn arg(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        match self.backend {
            Backend::Sqlite => self.text.push('?'),
            Backend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.args.len().to_string());
            }
        }
        self
    }

    /// Appends one parenthesised row of placeholders, `($n, $n+1, …)` or `(?, ?, …)`, for a multi-row
    /// `VALUES` list; a comma goes before every row but the first.
    pub fn row(&mut self, first: bool, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.push(if first { "(" } else { ", (" });
        for (i, a) in args.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.arg(a);
        }
        self.push(")")
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::I64(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::OptText(v) => q.bind(v.clone()),
                Arg::OptI64(v) => q.bind(*v),
                Arg::F64(v) => q.bind(*v),
                Arg::OptF64(v) => q.bind(*v),
            };
        }
        q
    }
}

/// Splits `n` rows into chunks for multi-row statements: the binary decomposition of `n` in
/// chunks of at most 64 rows, so a statement has few shapes (64, 32, …, 1 rows) and the
/// prepared-statement cache stays small whatever the group sizes. Yields `(start, len)`.
pub(crate) fn chunks(n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = 64;
    while start < n {
        while size > n - start {
            size /= 2;
        }
        out.push((start, size));
        start += size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{chunks, Arg, Sql};
    use crate::Backend;

    #[test]
    fn placeholders_are_numbered_for_postgres_and_bare_for_sqlite() {
        for (backend, want) in [
            (Backend::Postgres, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)"),
            (Backend::Sqlite, "SELECT 1 WHERE a = ? AND b IN (?, ?)"),
        ] {
            let mut q = Sql::on(backend, "SELECT 1 WHERE a = ");
            q.arg(Arg::I64(1)).push(" AND b IN ");
            q.row(true, [Arg::Text("x".into()), Arg::OptI64(None)]);
            assert_eq!(q.text, want);
        }
    }

    #[test]
    fn chunks_cover_every_row_once_in_few_shapes() {
        for n in 0..300 {
            let c = chunks(n);
            let mut next = 0;
            for (start, len) in &c {
                assert_eq!(*start, next);
                assert!(len.is_power_of_two() && *len <= 64);
                next += len;
            }
            assert_eq!(next, n);
        }
        assert_eq!(chunks(200).len(), 4); // 64 ×3, then 8
    }
}
