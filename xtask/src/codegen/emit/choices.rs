//! The template for a choice element (`value[x]`): an enum with one variant per allowed type.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, helper, ident, kind, variant_type};
use crate::codegen::ir::{ChoiceDef, Model, VariantType};

pub fn emit_choice(model: &Model, c: &ChoiceDef) -> TokenStream {
    let name = ident(&c.name);
    let enum_doc = doc(&c.short);
    let variants = c.variants.iter().map(|v| {
        let vn = ident(&v.rust_name);
        let ty = variant_type(model, &v.ty);
        let d = doc(&format!("`{}{}`", c.json_base, v.json_suffix));
        quote! { #d #vn(#ty), }
    });
    let mut arms = Vec::new();
    let mut writes = Vec::new();
    let mut empties = Vec::new();
    for v in &c.variants {
        let vn = ident(&v.rust_name);
        let key = format!("{}{}", c.json_base, v.json_suffix);
        let ext_key = format!("_{key}");
        let shape = v.ty.shape();
        let (read, write) = (helper(shape.json_read()), helper(shape.write()));
        match (&v.ty, shape.json_read_ext()) {
            (VariantType::Primitive { primitive }, Some(read_ext)) => {
                let k = kind(model, *primitive);
                let read_ext = helper(read_ext);
                let get = quote! { |c| match c { Self::#vn(p) => Some(p), _ => None } };
                arms.push(quote! { #key => r.#read(slot, #k, #get, Self::#vn), });
                arms.push(quote! { #ext_key => r.#read_ext(slot, #get, Self::#vn), });
                writes.push(quote! { Self::#vn(p) => w.#write(#key, #ext_key, p), });
                empties.push(quote! { Self::#vn(p) => p.is_empty(), });
            }
            _ => {
                arms.push(quote! { #key => r.#read(slot, Self::#vn), });
                writes.push(quote! { Self::#vn(v) => w.#write(#key, v), });
                empties.push(quote! { Self::#vn(v) => Complex::is_empty(v), });
            }
        }
    }
    let froms = variant_froms(model, c);
    // A required choice not yet read holds a blank variant; a primitive one needs no allocation.
    let blank_variant = c
        .variants
        .iter()
        .find(|v| matches!(v.ty, VariantType::Primitive { .. }))
        .unwrap_or(&c.variants[0]);
    let bv = ident(&blank_variant.rust_name);
    let xml_impl = super::xml::choice_impl(model, c);
    quote! {
        #enum_doc
        #[derive(Clone, PartialEq, Debug)]
        pub enum #name {
            #(#variants)*
        }
        #(#froms)*
        impl Blank for #name {
            fn blank() -> Self {
                Self::#bv(Blank::blank())
            }
        }
        impl Choice for #name {
            fn read_choice(slot: &mut Option<Self>, key: &str, r: &mut Reader<'_>) -> Result<bool, Error> {
                let read = match key {
                    #(#arms)*
                    _ => return Ok(false),
                };
                read.map(|()| true)
            }
            fn is_empty(&self) -> bool {
                match self {
                    #(#empties)*
                }
            }
            fn write_json(&self, w: &mut Writer) {
                match self {
                    #(#writes)*
                }
            }
        }
        #xml_impl
    }
}

/// `From` each variant's value, boxing inside for complex types: `ObservationValue::from(quantity)`
/// or `quantity.into()`. A primitive type that two variants share (`valueString` and
/// `valueMarkdown` are both strings) gets none, since the value alone would not say which.
/// Inline, so that an impl nobody calls costs no code generation.
fn variant_froms(model: &Model, c: &ChoiceDef) -> Vec<TokenStream> {
    let name = ident(&c.name);
    // Aliases of one value type are one Rust type (`StringType`, `CodeType`, `UriType`).
    let types: Vec<&str> = c
        .variants
        .iter()
        .map(|v| match &v.ty {
            VariantType::Primitive { primitive } => model.primitive(*primitive).value_type.as_str(),
            VariantType::Complex { name } => name.as_str(),
        })
        .collect();
    c.variants
        .iter()
        .zip(&types)
        .filter(|(_, ty)| types.iter().filter(|t| t == ty).count() == 1)
        .map(|(v, _)| {
            let vn = ident(&v.rust_name);
            match &v.ty {
                VariantType::Primitive { .. } => {
                    let ty = variant_type(model, &v.ty);
                    quote! {
                        impl From<#ty> for #name {
                            #[inline]
                            fn from(v: #ty) -> Self {
                                Self::#vn(v)
                            }
                        }
                    }
                }
                VariantType::Complex { name: inner } => {
                    let inner = ident(inner);
                    quote! {
                        impl From<#inner> for #name {
                            #[inline]
                            fn from(v: #inner) -> Self {
                                Self::#vn(Box::new(v))
                            }
                        }
                    }
                }
            }
        })
        .collect()
}
