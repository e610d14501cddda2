//! Times on the wire: the API speaks RFC 3339, the store keeps milliseconds since the epoch.

/// Milliseconds since the epoch as RFC 3339 text.
pub fn rfc3339(ms: i64) -> String {
    hamnvakt_core::clock::from_millis(ms).to_string()
}

/// RFC 3339 text to milliseconds, naming the field on failure.
pub fn parse_time(field: &str, s: &str) -> Result<i64, crate::web::error::ApiError> {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            crate::web::error::ApiError::field(
                field,
                "must be an RFC 3339 time such as 2026-11-28T03:10:00Z",
            )
        })
}
