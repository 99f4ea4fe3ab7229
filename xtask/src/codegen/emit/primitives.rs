//! The template for the primitive types: one alias each, fixing the version's `Extension`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident};
use crate::codegen::ir::Model;

pub fn emit_primitives(model: &Model) -> TokenStream {
    let aliases = model.primitives.iter().map(|p| {
        let alias = ident(&p.alias);
        let value: syn::Type =
            syn::parse_str(&p.value_type).expect("value types in the table parse");
        let d = doc(&p.short);
        let fhir = doc(&format!(
            "FHIR `{}`, held as `{}`.",
            p.fhir_name,
            p.value_type.trim_start_matches("crate::")
        ));
        let regex = match &p.regex {
            Some(re) => {
                let blank = doc("");
                let line = doc(&format!("Its value matches `{}`.", re.replace('`', "'")));
                quote! { #blank #line }
            }
            None => quote! {},
        };
        if p.fhir_name == "code" {
            quote! {
                #d
                ///
                #fhir
                /// A code with a required, enumerable binding holds that value set's enum as `T`.
                #regex
                pub type #alias<T = String> = crate::Primitive<T, Extension>;
            }
        } else {
            quote! {
                #d
                ///
                #fhir
                #regex
                pub type #alias = crate::Primitive<#value, Extension>;
            }
        }
    });
    quote! {
        #[allow(unused_imports)]
        use super::*;
        #(#aliases)*
    }
}
