//! The template for a required value set's codes: an enum and its `CodeEnum` impl.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident};
use crate::codegen::ir::{CodeEnumDef, Model};

pub fn emit_codes(model: &Model) -> TokenStream {
    let enums = model.codes.iter().map(emit_code_enum);
    quote! {
        #[allow(unused_imports)]
        use crate::CodeEnum;
        #(#enums)*
    }
}

fn emit_code_enum(c: &CodeEnumDef) -> TokenStream {
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
    let from = c.codes.iter().map(|code| {
        let v = ident(&code.variant);
        let s = &code.code;
        quote! { #s => Some(Self::#v), }
    });
    let to = c.codes.iter().map(|code| {
        let v = ident(&code.variant);
        let s = &code.code;
        quote! { Self::#v => #s, }
    });
    let vs_name = &c.value_set_name;
    let vs_url = &c.value_set_url;
    quote! {
        #enum_doc
        ///
        #url_doc
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum #name {
            #(#variants)*
        }
        impl CodeEnum for #name {
            const VALUE_SET: &'static str = #vs_name;
            const VALUE_SET_URL: &'static str = #vs_url;
            const ALL: &'static [Self] = &[#(#all)*];
            fn from_code(code: &str) -> Option<Self> {
                match code {
                    #(#from)*
                    _ => None,
                }
            }
            fn as_str(&self) -> &'static str {
                match self {
                    #(#to)*
                }
            }
        }
        crate::code_enum_support!(#name);
    }
}
