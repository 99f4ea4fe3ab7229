//! The template for the runtime's `Kind` enum: one variant per FHIR primitive the generator knows,
//! so that the generator's table of primitives and the runtime's strict-mode checks are one list.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident};

/// `pub enum Kind` from `(FHIR name, variant)` pairs.
pub fn emit_kind<'a>(primitives: impl Iterator<Item = (&'a str, &'a str)>) -> TokenStream {
    let variants = primitives.map(|(fhir_name, variant)| {
        let v = ident(variant);
        let d = doc(&format!("`{fhir_name}`"));
        quote! { #d #v, }
    });
    quote! {
        /// Which FHIR primitive a field holds: fields of one Rust type (say `String`) differ in
        /// what strict mode checks (an `id`, a `uri`, a `code`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            #(#variants)*
        }
    }
}
