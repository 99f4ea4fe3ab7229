//! An answer the command cannot accept although the request succeeded: a Bundle of the wrong
//! type, paging that loops or does not end. It exits like a refusal by the server (1).

use std::fmt;

use crate::failure::Failure;

/// The message of an unacceptable answer, carried through [`Failure::Output`] and told apart
/// from a real output error by `main`.
#[derive(Debug)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// A failure saying `message`, exit code 1.
pub fn refused(message: String) -> Failure {
    Failure::Output(std::io::Error::other(Refused(message)))
}

/// The message when `failure` is an unacceptable answer.
pub fn message(failure: &Failure) -> Option<&str> {
    match failure {
        Failure::Output(e) => e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Refused>())
            .map(|r| r.0.as_str()),
        _ => None,
    }
}
