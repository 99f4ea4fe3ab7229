//! `Type/id` and `Type/id/_history/version` arguments.

use crate::failure::Failure;
use crate::version::{CliVersion, Fhir};

/// A parsed reference argument.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// The resource type, one of the run's FHIR version.
    pub resource_type: String,
    /// The logical id, when given.
    pub id: Option<String>,
    /// The version id, when given.
    pub version: Option<String>,
}

impl Target {
    /// `Type`, `Type/id` or `Type/id/_history/version`, the type one of `V`'s.
    pub fn parse<V: CliVersion>(text: &str) -> Result<Target, Failure> {
        let parts: Vec<&str> = text.trim_matches('/').split('/').collect();
        let (resource_type, id, version) = match parts.as_slice() {
            [t] => (*t, None, None),
            [t, id] => (*t, Some(*id), None),
            [t, id, "_history", v] => (*t, Some(*id), Some(*v)),
            _ => {
                return Err(Failure::Usage(format!(
                    "`{text}` is not of the form Type/id or Type/id/_history/version"
                )));
            }
        };
        check_type::<V>(resource_type)?;
        for part in id.iter().chain(version.iter()) {
            check_id(part, text)?;
        }
        Ok(Target {
            resource_type: resource_type.to_owned(),
            id: id.map(str::to_owned),
            version: version.map(str::to_owned),
        })
    }

    /// `Type/id` (with an id) or a usage error naming what is missing.
    pub fn instance<V: CliVersion>(text: &str) -> Result<(String, String), Failure> {
        let target = Target::parse::<V>(text)?;
        match (target.id, target.version) {
            (Some(id), None) => Ok((target.resource_type, id)),
            (None, _) => Err(Failure::Usage(format!("`{text}` has no id: give Type/id"))),
            (Some(_), Some(_)) => Err(Failure::Usage(format!(
                "`{text}` names a version: give Type/id"
            ))),
        }
    }
}

/// A resource type of `V`, or a usage error that suggests the right spelling, or the version
/// that has the type.
pub fn check_type<V: CliVersion>(name: &str) -> Result<(), Failure> {
    if V::RESOURCE_TYPES.contains(&name) {
        return Ok(());
    }
    let near = V::RESOURCE_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(name));
    Err(Failure::Usage(
        match (near, Fhir::other_with_type(V::FHIR, name)) {
            (Some(t), _) => format!("unknown resource type `{name}`; did you mean `{t}`?"),
            (None, Some(other)) => format!(
                "`{name}` is not a resource type of FHIR {}, but of {}: --fhir {} picks the {} models",
                V::NAME,
                other.name(),
                other.flag(),
                other.name()
            ),
            (None, None) => format!("unknown resource type `{name}`"),
        },
    ))
}

/// FHIR ids: 1 to 64 of `A-Z a-z 0-9 - .`.
fn check_id(id: &str, whole: &str) -> Result<(), Failure> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Failure::Usage(format!(
            "`{id}` in `{whole}` is not a FHIR id (1 to 64 letters, digits, `-` and `.`)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_client::{R4, R5};

    #[test]
    fn forms() {
        let t = Target::parse::<R4>("Patient/123/_history/2").unwrap();
        assert_eq!(
            (
                t.resource_type.as_str(),
                t.id.as_deref(),
                t.version.as_deref()
            ),
            ("Patient", Some("123"), Some("2"))
        );
        assert_eq!(Target::instance::<R4>("Patient/a.b-1").unwrap().1, "a.b-1");
        assert!(Target::parse::<R4>("Patient").unwrap().id.is_none());
    }

    #[test]
    fn bad_forms_say_why() {
        let m = |t: &str| match Target::parse::<R4>(t) {
            Err(Failure::Usage(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            m("patient/1"),
            "unknown resource type `patient`; did you mean `Patient`?"
        );
        assert!(m("Patient/1/2").contains("not of the form"));
        assert!(m("Patient/a_b").contains("is not a FHIR id"));
        assert!(matches!(
            Target::instance::<R4>("Patient"),
            Err(Failure::Usage(_))
        ));
        assert_eq!(
            m("ActorDefinition/a1"),
            "`ActorDefinition` is not a resource type of FHIR R4, but of R5: --fhir r5 picks the \
             R5 models"
        );
        assert!(Target::parse::<R5>("ActorDefinition/a1").is_ok());
    }
}
