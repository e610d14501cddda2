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
    /// PostgreSQL statements with their values written in as literals ([`Sql::inline`]).
    inline: bool,
    /// An argument that cannot be written as a literal (a text holding a NUL, a float).
    unwritable: Option<&'static str>,
}

impl Sql {
    /// A statement for `backend`, starting with `text` (which holds no placeholders itself).
    pub fn on(backend: Backend, text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
            backend,
            inline: false,
            unwritable: None,
        }
    }

    /// A PostgreSQL statement whose arguments are written into its text as literals, for
    /// PostgreSQL's simple query protocol: several statements in one round trip, which the
    /// extended protocol (placeholders) does not allow. Only integers and texts: a text is
    /// an escape string constant (`E'…'`, a backslash and a quote doubled), which means the
    /// same whatever `standard_conforming_strings` is; one holding a NUL, which PostgreSQL
    /// texts cannot hold, makes [`Sql::inlined`] an error.
    pub fn inline(text: &str) -> Sql {
        Sql {
            inline: true,
            ..Sql::on(Backend::Postgres, text)
        }
    }

    /// The text of an [`Sql::inline`] statement.
    pub fn inlined(self) -> crate::Result<String> {
        match self.unwritable {
            None if self.inline => Ok(self.text),
            None => Err(crate::StoreError::Unsupported(
                "a statement with placeholders has no literal text".into(),
            )),
            Some(why) => Err(crate::StoreError::Unsupported(why.into())),
        }
    }

    /// This statement's arguments as a parenthesised list of literals, as [`Sql::inline`]
    /// writes them: for `EXECUTE name(…)` of the statement prepared from this one's text.
    pub fn literal_args(&self) -> crate::Result<String> {
        let mut out = Sql::inline("(");
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                out.push(", ");
            }
            out.literal(a);
        }
        out.push(")");
        out.inlined()
    }

    fn literal(&mut self, arg: &Arg) {
        let text = match arg {
            Arg::I64(v) | Arg::OptI64(Some(v)) => {
                self.text.push_str(&v.to_string());
                return;
            }
            Arg::OptText(None) | Arg::OptI64(None) => {
                self.text.push_str("NULL");
                return;
            }
            Arg::F64(_) | Arg::OptF64(_) => {
                self.unwritable = Some("a float is not written as a literal");
                self.text.push_str("NULL");
                return;
            }
            Arg::Text(t) | Arg::OptText(Some(t)) => t,
        };
        if text.contains('\0') {
            self.unwritable = Some("a text holds a NUL character");
            self.text.push_str("NULL");
            return;
        }
        self.text.push_str("E'");
        for c in text.chars() {
            match c {
                '\\' => self.text.push_str("\\\\"),
                '\'' => self.text.push_str("''"),
                c => self.text.push(c),
            }
        }
        self.text.push('\'');
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
        if self.inline {
            self.literal(&arg);
            return self;
        }
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
    fn inline_statements_write_their_values_as_literals() {
        let mut q = Sql::inline("SELECT ");
        q.row(
            true,
            [
                Arg::I64(-7),
                Arg::Text("a'b\\c".into()),
                Arg::OptText(None),
                Arg::OptI64(Some(3)),
            ],
        );
        assert_eq!(
            q.inlined().ok().as_deref(),
            Some("SELECT (-7, E'a''b\\\\c', NULL, 3)")
        );
        for bad in [Arg::Text("a\0b".into()), Arg::F64(1.5)] {
            let mut q = Sql::inline("SELECT ");
            q.arg(bad);
            assert!(q.inlined().is_err());
        }
        let mut q = Sql::on(Backend::Postgres, "SELECT ");
        q.arg(Arg::I64(1));
        assert!(q.inlined().is_err(), "placeholders have no literal text");
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
