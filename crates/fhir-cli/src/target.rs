//! `Type/id` and `Type/id/_history/version` arguments.

use fhir_model::r4::RESOURCE_TYPES;

use crate::failure::Failure;

/// A parsed reference argument.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// The resource type, one of R4's.
    pub resource_type: String,
    /// The logical id, when given.
    pub id: Option<String>,
    /// The version id, when given.
    pub version: Option<String>,
}

impl Target {
    /// `Type`, `Type/id` or `Type/id/_history/version`.
    pub fn parse(text: &str) -> Result<Target, Failure> {
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
        check_type(resource_type)?;
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
    pub fn instance(text: &str) -> Result<(String, String), Failure> {
        let target = Target::parse(text)?;
        match (target.id, target.version) {
            (Some(id), None) => Ok((target.resource_type, id)),
            (None, _) => Err(Failure::Usage(format!("`{text}` has no id: give Type/id"))),
            (Some(_), Some(_)) => Err(Failure::Usage(format!(
                "`{text}` names a version: give Type/id"
            ))),
        }
    }
}

/// A resource type of R4, or a usage error that suggests the right spelling.
pub fn check_type(name: &str) -> Result<(), Failure> {
    if RESOURCE_TYPES.contains(&name) {
        return Ok(());
    }
    let near = RESOURCE_TYPES.iter().find(|t| t.eq_ignore_ascii_case(name));
    Err(Failure::Usage(match near {
        Some(t) => format!("unknown resource type `{name}`; did you mean `{t}`?"),
        None => format!("unknown resource type `{name}`"),
    }))
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

    #[test]
    fn forms() {
        let t = Target::parse("Patient/123/_history/2").unwrap();
        assert_eq!(
            (
                t.resource_type.as_str(),
                t.id.as_deref(),
                t.version.as_deref()
            ),
            ("Patient", Some("123"), Some("2"))
        );
        assert_eq!(Target::instance("Patient/a.b-1").unwrap().1, "a.b-1");
        assert!(Target::parse("Patient").unwrap().id.is_none());
    }

    #[test]
    fn bad_forms_say_why() {
        let m = |t: &str| match Target::parse(t) {
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
            Target::instance("Patient"),
            Err(Failure::Usage(_))
        ));
    }
}
