//! Header values the client reads and writes: which headers carry credentials, and ETags.

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderName, PROXY_AUTHORIZATION};

/// Headers that carry credentials: only ever sent to the base URL's origin.
pub(crate) fn is_credential_header(name: &HeaderName) -> bool {
    name == AUTHORIZATION || name == COOKIE || name == PROXY_AUTHORIZATION
}

/// The version in an `ETag`: `W/"3"` and `"3"` both give `3`.
pub(crate) fn parse_etag(value: &str) -> Option<String> {
    let v = value.trim();
    let v = v
        .strip_prefix("W/")
        .or_else(|| v.strip_prefix("w/"))
        .unwrap_or(v);
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    (!v.is_empty()).then(|| v.to_owned())
}

/// The value for `If-Match` / `If-None-Match`: an ETag as given (`W/"3"`, `"3"`), or a bare
/// version id as a weak ETag (`3` → `W/"3"`).
pub(crate) fn etag_header_value(etag_or_version: &str) -> String {
    let v = etag_or_version.trim();
    if v.starts_with("W/\"") || v.starts_with('"') {
        v.to_owned()
    } else {
        format!("W/\"{v}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::ACCEPT;

    #[test]
    fn credential_headers() {
        assert!(is_credential_header(&AUTHORIZATION));
        assert!(is_credential_header(&COOKIE));
        assert!(!is_credential_header(&ACCEPT));
    }
}
