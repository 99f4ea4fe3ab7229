//! The template for a required value set's codes: an enum, a table of its codes, and the
//! `CodeEnum` impl that reads the table.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident};
use crate::codegen::features::enum_users;
use crate::codegen::ir::{CodeEnumDef, Model};

pub fn emit_codes(model: &Model) -> TokenStream {
    let enums = model.codes.iter().map(|c| {
        // An enum only resources use is compiled with one of them.
        let cfg = match enum_users(model, &c.name) {
            None => quote! {},
            Some(features) if features.len() == 1 => {
                let f = features.iter().next();
                quote! { #[cfg(feature = #f)] }
            }
            Some(features) => {
                let features = features.iter();
                quote! { #[cfg(any(#(feature = #features),*))] }
            }
        };
        emit_code_enum(c, &cfg)
    });
    let imports = super::imports::use_items(super::imports::CODES, &quote! {});
    quote! {
        #[allow(unused_imports)]
        use super::*;
        #imports
        #(#enums)*
    }
}

fn emit_code_enum(c: &CodeEnumDef, cfg: &TokenStream) -> TokenStream {
    let name = ident(&c.name);
    let enum_doc = doc(&c.short);
    let url_doc = doc(&format!(
        "Value set `{}` (required binding).",
        c.value_set_url
    ));
    let variants = c.codes.iter().map(|code| {
        let v = ident(&code.variant);
        let text = if code.display.is_empty() {
            format!("`{}`", code.code)
        } else {
            format!("`{}`: {}", code.code, code.display)
        };
        let d = doc(&text);
        quote! { #d #v, }
    });
    let all = c.codes.iter().map(|code| {
        let v = ident(&code.variant);
        quote! { Self::#v, }
    });
    let table = c.codes.iter().map(|code| {
        let text = &code.code;
        let system = option_str(code.system.as_deref());
        let display = option_str(code.display_text.as_deref());
        quote! { CodeInfo { code: #text, system: #system, display: #display }, }
    });
    let from = c.codes.iter().map(|code| {
        let v = ident(&code.variant);
        let s = &code.code;
        quote! { #s => Some(Self::#v), }
    });
    let vs_name = &c.value_set_name;
    let vs_url = &c.value_set_url;
    quote! {
        #enum_doc
        ///
        #url_doc
        #cfg
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum #name {
            #(#variants)*
        }
        #cfg
        impl CodeEnum for #name {
            const VALUE_SET: &'static str = #vs_name;
            const VALUE_SET_URL: &'static str = #vs_url;
            const ALL: &'static [Self] = &[#(#all)*];
            const CODES: &'static [CodeInfo] = &[#(#table)*];
            fn from_code(code: &str) -> Option<Self> {
                match code {
                    #(#from)*
                    _ => None,
                }
            }
            fn index(self) -> usize {
                self as usize
            }
        }
        #cfg
        crate::code_enum_support!(#name, Coding, CodeableConcept);
    }
}

fn option_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    }
}
