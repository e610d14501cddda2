//! Container numbers (ISO 6346) and bills of lading as the release names them.

use hamnvakt_core::validate::FieldError;

/// Normalises and checks an ISO 6346 container number: spaces and dashes dropped, then owner
/// code (three capital letters), category (U, J or Z), six-digit serial and the check digit
/// computed from the other ten characters (letters valued 10–38 skipping multiples of 11,
/// each weighted 2^position, sum mod 11, 10 → 0). Returns the normalised number.
pub fn container_number(field: &str, number: &str) -> Result<String, FieldError> {
    let s: String = number.chars().filter(|c| *c != ' ' && *c != '-').collect();
    let bytes = s.as_bytes();
    if bytes.len() != 11 || !s.is_ascii() {
        return Err(FieldError::new(
            field,
            "must be an ISO 6346 container number: 4 letters and 7 digits",
        ));
    }
    let (letters, digits) = bytes.split_at(4);
    if !letters.iter().all(u8::is_ascii_uppercase) {
        return Err(FieldError::new(
            field,
            "must start with four capital letters",
        ));
    }
    if !matches!(letters.get(3), Some(b'U' | b'J' | b'Z')) {
        return Err(FieldError::new(
            field,
            "the fourth letter is the equipment category: U, J or Z",
        ));
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(FieldError::new(field, "must end with seven digits"));
    }
    let expected = check_digit(bytes);
    let given = bytes.get(10).map(|d| u32::from(d - b'0'));
    if given != Some(expected) {
        return Err(FieldError::new(
            field,
            format!("the check digit does not hold: it should be {expected}"),
        ));
    }
    Ok(s)
}

/// The check digit of the first ten characters of an (already shape-checked) number.
fn check_digit(bytes: &[u8]) -> u32 {
    let value = |c: u8| -> u32 {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            // A = 10, counting on and skipping 11, 22 and 33.
            let mut v = 10;
            let mut l = b'A';
            while l < c {
                v += 1;
                if v % 11 == 0 {
                    v += 1;
                }
                l += 1;
            }
            v
        }
    };
    let sum: u32 = bytes
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, c)| value(*c) << i)
        .sum();
    (sum % 11) % 10
}

/// Checks a bill of lading number: 1 to 35 characters (EDIFACT's an..35), letters, digits,
/// dashes and slashes. Returns it upper-cased.
pub fn bill_of_lading(field: &str, bl: &str) -> Result<String, FieldError> {
    let s = bl.trim().to_ascii_uppercase();
    if s.is_empty() || s.chars().count() > 35 {
        return Err(FieldError::new(field, "must be 1 to 35 characters"));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
    {
        return Err(FieldError::new(
            field,
            "must hold only letters, digits, '-' and '/'",
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_hold_and_fail() {
        assert_eq!(
            container_number("c", "CSQU3054383").ok().as_deref(),
            Some("CSQU3054383")
        );
        assert_eq!(
            container_number("c", "CSQU 305438-3").ok().as_deref(),
            Some("CSQU3054383")
        );
        let e = container_number("c", "CSQU3054384").err();
        assert!(e.is_some_and(|e| e.reason.contains("should be 3") && e.field == "c"));
        assert!(container_number("c", "CSQX3054383").is_err());
        assert!(container_number("c", "csqu3054383").is_err());
        assert!(container_number("c", "CSQU305438").is_err());
        assert!(container_number("c", "ÅSQU3054383").is_err());
        // Of the ten possible last digits exactly one holds.
        let good = (0..10)
            .filter(|d| container_number("c", &format!("MSKU483921{d}")).is_ok())
            .count();
        assert_eq!(good, 1);
    }

    #[test]
    fn bills_of_lading() {
        assert_eq!(
            bill_of_lading("b", " gye123/45 ").ok().as_deref(),
            Some("GYE123/45")
        );
        assert!(bill_of_lading("b", "").is_err());
        assert!(bill_of_lading("b", "a b").is_err());
        assert!(bill_of_lading("b", &"A".repeat(36)).is_err());
    }
}
