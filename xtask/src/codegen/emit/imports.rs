//! What the generated files import from the runtime, in one table per kind of file.
//!
//! A generated file sees its version's types through `use super::*`; a name imported explicitly
//! wins over that glob, so a generated type with the same name would be shadowed. The converter
//! therefore renames code enums that would take one of these names ([`reserved`]); both sides read
//! the tables here.

use proc_macro2::TokenStream;
use quote::quote;

/// The files of resources and datatypes (their JSON code).
pub const TYPES: &[&str] = &[
    "crate::codec::Blank",
    "crate::codec::Choice",
    "crate::codec::Complex",
    "crate::codec::Kind",
    "crate::codec::fields::ReadFields as _",
    "crate::codec::fields::WriteFields as _",
    "crate::json::Reader",
    "crate::json::Writer",
    "crate::Code",
    "crate::Error",
    "crate::Unknown",
];

/// The files of resources and datatypes, behind the `xml` feature.
pub const TYPES_XML: &[&str] = &[
    "crate::codec::xml::XmlChoice",
    "crate::codec::xml::XmlComplex",
    "crate::xml::Reader as XmlReader",
    "crate::xml::Writer as XmlWriter",
];

/// The file of code enums.
pub const CODES: &[&str] = &["crate::CodeEnum", "crate::CodeInfo"];

/// The file of the `Resource` enum.
pub const RESOURCE: &[&str] = &[
    "crate::codec::read_boxed",
    "crate::codec::write_object",
    "crate::codec::Complex",
    "crate::codec::ResourceValue",
    "crate::error::ErrorKind",
    "crate::json::Reader",
    "crate::json::Writer",
    "crate::Error",
    "crate::FhirJson",
    "crate::ParseOptions",
    "crate::RawResource",
];

/// Names of Rust's prelude and of the runtime that generated code writes unqualified without an
/// import of its own.
const UNQUALIFIED: &[&str] = &[
    "Box",
    "Default",
    "Err",
    "From",
    "None",
    "Ok",
    "Option",
    "Primitive",
    "Resource",
    "Result",
    "Some",
    "String",
    "Vec",
];

/// The name an import brings into the file (`None` for `as _`).
fn local_name(import: &str) -> Option<&str> {
    let name = match import.split_once(" as ") {
        Some((_, alias)) => alias,
        None => import.rsplit("::").next().unwrap_or(import),
    };
    (name != "_").then_some(name)
}

/// Every name a generated type may not take.
pub fn reserved() -> impl Iterator<Item = &'static str> {
    [TYPES, TYPES_XML, CODES, RESOURCE]
        .into_iter()
        .flatten()
        .filter_map(|i| local_name(i))
        .chain(UNQUALIFIED.iter().copied())
}

/// The `use` items of a table, one per module (`use crate::json::{Reader, Writer};`), each
/// preceded by `attrs` (a `cfg`, `allow(unused_imports)`).
pub fn use_items(table: &[&str], attrs: &TokenStream) -> TokenStream {
    let mut modules: Vec<(&str, Vec<&str>)> = Vec::new();
    for import in table {
        let (path, _) = import.split_once(" as ").unwrap_or((import, ""));
        let (module, _) = path.rsplit_once("::").expect("an import names a module");
        let leaf = &import[module.len() + 2..];
        match modules.iter_mut().find(|(m, _)| *m == module) {
            Some((_, leaves)) => leaves.push(leaf),
            None => modules.push((module, vec![leaf])),
        }
    }
    let items = modules.iter().map(|(module, leaves)| {
        let text = match leaves.as_slice() {
            [one] => format!("{module}::{one}"),
            many => format!("{module}::{{{}}}", many.join(", ")),
        };
        let tree: syn::UseTree =
            syn::parse_str(&text).unwrap_or_else(|e| panic!("import `{text}` does not parse: {e}"));
        quote! { #attrs use #tree; }
    });
    quote! { #(#items)* }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_the_file_sees() {
        assert_eq!(local_name("crate::codec::Blank"), Some("Blank"));
        assert_eq!(
            local_name("crate::xml::Reader as XmlReader"),
            Some("XmlReader")
        );
        assert_eq!(local_name("crate::codec::fields::ReadFields as _"), None);
        let all: Vec<_> = reserved().collect();
        for name in ["Kind", "XmlReader", "RawResource", "CodeEnum", "Vec"] {
            assert!(all.contains(&name), "{name}");
        }
        assert!(!all.contains(&"ReadFields"));
    }
}
