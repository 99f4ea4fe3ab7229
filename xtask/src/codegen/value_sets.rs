//! Which required bindings can be enums: expanding a ValueSet into its codes when it is enumerable.

use std::collections::BTreeSet;

use super::load::{Concept, Definitions};

/// One code of an expansion.
pub struct Code {
    pub code: String,
    pub display: Option<String>,
    /// The code system the code comes from.
    pub system: Option<String>,
}

/// The codes of the value set at `url` (a canonical, possibly with `|version`), when they can be
/// listed from the definitions alone: explicit concept lists, whole code systems whose content is
/// complete, and other value sets of that kind. Filters, excludes, and code systems the package
/// does not hold (MIME types, languages, UCUM) make a value set open: `None`.
pub fn expand(defs: &Definitions, url: &str) -> Option<Vec<Code>> {
    let mut seen = BTreeSet::new();
    let mut codes = Vec::new();
    expand_into(defs, url, &mut seen, &mut codes)?;
    // The same code may come from two includes; the enum needs it once.
    let mut unique = BTreeSet::new();
    codes.retain(|c| unique.insert(c.code.clone()));
    (!codes.is_empty()).then_some(codes)
}

fn expand_into(
    defs: &Definitions,
    url: &str,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<Code>,
) -> Option<()> {
    let url = url.split('|').next().unwrap_or(url);
    if !seen.insert(url.to_owned()) {
        return Some(());
    }
    let vs = defs.value_sets.get(url)?;
    let compose = vs.compose.as_ref()?;
    if !compose.exclude.is_empty() {
        return None;
    }
    for include in &compose.include {
        if !include.filter.is_empty() {
            return None;
        }
        for nested in &include.value_set {
            expand_into(defs, nested, seen, out)?;
        }
        if !include.concept.is_empty() {
            out.extend(include.concept.iter().map(|c| Code {
                code: c.code.clone(),
                display: c.display.clone(),
                system: include.system.clone(),
            }));
        } else if let Some(system) = &include.system {
            let cs = defs
                .code_systems
                .get(system.split('|').next().unwrap_or(system))?;
            if cs.content.as_deref() != Some("complete") {
                return None;
            }
            flatten(&cs.concept, &cs.url, out);
        }
    }
    Some(())
}

/// Every concept of a hierarchy, parents before children.
fn flatten(concepts: &[Concept], system: &str, out: &mut Vec<Code>) {
    for c in concepts {
        out.push(Code {
            code: c.code.clone(),
            display: c.display.clone().or_else(|| c.definition.clone()),
            system: Some(system.to_owned()),
        });
        flatten(&c.concept, system, out);
    }
}
