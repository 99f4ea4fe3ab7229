//! What a caller's names may be before they become part of a request's path.

use crate::error::RawError;

/// A resource type name as the REST API spells it: a capital letter, then letters and digits.
/// Checked so that a name from outside cannot change the request's path.
pub(crate) fn check_resource_type(name: &str) -> Result<(), RawError> {
    let ok = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(RawError::invalid_input(format!(
            "`{name}` is not a resource type name"
        )))
    }
}

/// An id or version must not be empty.
pub(crate) fn check_id(id: &str) -> Result<(), RawError> {
    if id.is_empty() {
        Err(RawError::invalid_input("an empty id"))
    } else {
        Ok(())
    }
}
