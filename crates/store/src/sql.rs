//! A small builder for statements whose WHERE clause depends on the filter: it numbers the
//! `$n` placeholders as arguments are pushed, so text and arguments cannot drift apart.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    Text(String),
    OptText(Option<String>),
    OptI64(Option<i64>),
    F64(f64),
    OptF64(Option<f64>),
}

#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg` and returns `self` for chaining.
    pub fn arg(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends one parenthesised row of placeholders, `($n, $n+1, …)`, for a multi-row
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
    use super::chunks;

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
