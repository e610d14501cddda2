//! Field-level validation errors: every rejection of outside input names the field and why.

use std::fmt;

/// One reason a value was refused, with the path of the field it concerns (`subjects[2].kind`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Checks a free-text field: not empty and not made only of invisible characters (spaces,
/// zero-width and format characters, see [`invisible`]), at most `max` characters, no control
/// characters but line breaks and tabs (they break logs and CSV exports).
pub fn text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.chars().all(invisible) {
        return Err(FieldError::new(
            field,
            "must hold a visible character, not only spaces or invisible characters",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks a name, label, title, code or number: what [`text`] checks, on one line, and no
/// bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069):
/// they make a name display as something else than it is (U+202E before `gnp.exe` shows it as `exe.png`).
pub fn name(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    text(field, value, max)?;
    if value.chars().any(bidi_control) {
        return Err(FieldError::new(
            field,
            "must not contain bidirectional override characters (U+202A–U+202E, U+2066–U+2069)",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must be one line, without tabs or line breaks",
        ));
    }
    Ok(())
}

/// The bidirectional embeddings, overrides and isolates, and their terminators.
pub fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a character shows nothing on its own: white space (Unicode `Zs`, `Zl`, `Zp`),
/// control characters (`Cc`), format characters (`Cf`: zero-width space and joiners,
/// direction marks and overrides, the word joiner, invisible operators, the byte-order mark,
/// interlinear annotation marks, tags …) and the characters that render as blanks though
/// Unicode files them elsewhere (the combining grapheme joiner, variation selectors, Hangul
/// fillers, the braille blank).
pub fn invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            // Cf, Unicode 15.1
            '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
                // Blank though not Cf or Zs
                | '\u{034F}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180D}'
                | '\u{180F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FFA0}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_invisible_characters_only_is_refused() {
        for v in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}\u{2060}",
            "\u{FEFF}",
            "\u{00A0}\u{3000}\u{2007}",
            "\u{202E}\u{202C}",
            "\u{2066}\u{2069}",
            "\u{E0041}\u{E0042}",
            "\u{3164}\u{115F}",
            "\u{2800}",
            "\u{FE0F}\u{034F}",
        ] {
            let e = text("name", v, 200).expect_err(v);
            assert_eq!(e.field, "name");
            // White space alone is "empty"; the rest is "not visible".
            assert!(
                e.reason.contains("visible") || e.reason.contains("empty"),
                "{v:?}: {e}"
            );
            assert!(name("name", v, 200).is_err(), "{v:?}");
        }
        assert_eq!(text("name", "Anna\u{200B}", 200), Ok(()));
    }

    #[test]
    fn names_refuse_direction_overrides_and_line_breaks() {
        for v in [
            "Anna\u{202E}greB",
            "\u{202A}x",
            "x\u{202B}",
            "\u{202D}VHA-G3",
            "\u{2066}Anna\u{2069}",
            "\u{2067}x",
            "\u{2068}x",
        ] {
            let e = name("name", v, 200).expect_err(v);
            assert!(e.reason.contains("bidirectional"), "{v:?}: {e}");
        }
        assert!(name("name", "Anna\nBerg", 200).is_err());
        assert!(name("name", "Anna\tBerg", 200).is_err());
        // Free text keeps its line breaks; names in any script are names.
        assert_eq!(text("note", "two\nlines", 200), Ok(()));
        for v in ["Åsa Öberg", "محمد", "שרה", "王小明", "Zoë-Léa O'Neil"] {
            assert_eq!(name("name", v, 200), Ok(()), "{v:?}");
        }
    }
}
