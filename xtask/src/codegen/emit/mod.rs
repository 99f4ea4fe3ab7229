//! Step 3: the IR → token streams, one small template per shape, grouped into files.

mod choices;
mod codes;
pub mod imports;
mod kind;
mod primitives;
mod resource;
mod serde;
mod structs;
mod xml;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::features::{feature_name, resource_owner};
use super::ir::{Card, FieldType, Model, PrimitiveId, VariantType};
use super::names::snake_case;

/// A generated file: its path relative to the version's folder, and its items.
pub struct GeneratedFile {
    pub name: String,
    pub tokens: TokenStream,
    /// The cargo feature that compiles it, for a resource's file.
    pub feature: Option<String>,
}

/// Every file of one version's model.
pub fn emit(model: &Model) -> Vec<GeneratedFile> {
    let mut by_owner: BTreeMap<&str, Vec<TokenStream>> = BTreeMap::new();
    for s in &model.structs {
        let items = by_owner.entry(s.owner.as_str()).or_default();
        items.push(structs::emit_struct(model, s));
        let choice_parent = |path: &str| path.rsplit_once('.').map(|(p, _)| p.to_owned());
        for c in model
            .choices
            .iter()
            .filter(|c| choice_parent(&c.path).as_deref() == Some(&s.path))
        {
            items.push(choices::emit_choice(model, c));
        }
    }
    let allow = quote! { #[allow(unused_imports)] };
    let type_imports = imports::use_items(imports::TYPES, &allow);
    let xml_allow = quote! { #[cfg(feature = "xml")] #[allow(unused_imports)] };
    let xml_imports = imports::use_items(imports::TYPES_XML, &xml_allow);
    let use_all = quote! {
        #[allow(unused_imports)]
        use super::*;
        #type_imports
        #xml_imports
    };
    let mut files: Vec<GeneratedFile> = by_owner
        .into_iter()
        .map(|(owner, items)| {
            let serde_impl = serde::impl_serde(
                model
                    .structs
                    .iter()
                    .filter(|s| s.owner == owner)
                    .map(|s| s.name.as_str()),
            );
            GeneratedFile {
                name: format!("{}.rs", module_name(owner)),
                tokens: quote! { #use_all #(#items)* #serde_impl },
                feature: resource_owner(model, owner).map(feature_name),
            }
        })
        .collect();
    for (name, tokens) in [
        ("codes.rs", codes::emit_codes(model)),
        ("primitives.rs", primitives::emit_primitives(model)),
        ("resource.rs", resource::emit_resource(model)),
    ] {
        files.push(GeneratedFile {
            name: name.into(),
            tokens,
            feature: None,
        });
    }
    let tokens = emit_mod(model, &files);
    files.push(GeneratedFile {
        name: "mod.rs".into(),
        tokens,
        feature: None,
    });
    files
}

/// The runtime's `Kind` enum, from the generator's table of primitives (not per version).
pub fn kind_file() -> GeneratedFile {
    GeneratedFile {
        name: "kind.rs".into(),
        tokens: kind::emit_kind(super::convert::PRIMITIVES.iter().map(|(f, k, _)| (*f, *k))),
        feature: None,
    }
}

/// The file (and module) name of a resource or datatype.
pub fn module_name(owner: &str) -> String {
    snake_case(owner)
}

fn emit_mod(model: &Model, files: &[GeneratedFile]) -> TokenStream {
    let mods = files.iter().map(|f| {
        let m = ident(f.name.trim_end_matches(".rs"));
        let cfg = cfg_feature(f.feature.as_deref());
        quote! {
            #cfg
            mod #m;
            #cfg
            pub use #m::*;
        }
    });
    let version = &model.fhir_version;
    let doc_version = doc(&format!("The FHIR version of this model: `{version}`."));
    quote! {
        #(#mods)*
        #doc_version
        pub const FHIR_VERSION: &str = #version;
    }
}

/// `#[cfg(feature = "...")]` for a resource's items, nothing for the rest.
pub fn cfg_feature(feature: Option<&str>) -> TokenStream {
    match feature {
        Some(f) => quote! { #[cfg(feature = #f)] },
        None => quote! {},
    }
}

/// The `Kind` of a field's primitive (`Kind::String` for fields that are not primitives).
pub fn field_kind(model: &Model, ty: &FieldType) -> TokenStream {
    match ty {
        FieldType::Primitive { primitive, .. } => kind(model, *primitive),
        _ => quote! { Kind::String },
    }
}

/// A runtime helper's name as an identifier.
pub fn helper(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// An identifier, raw when the name is a keyword (`r#type`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// A `///` doc line.
pub fn doc(text: &str) -> TokenStream {
    let text = format!(" {text}");
    quote! { #[doc = #text] }
}

/// The Rust type of one value of a field (without its cardinality).
pub fn value_type(model: &Model, ty: &FieldType) -> TokenStream {
    match ty {
        FieldType::Primitive {
            primitive,
            code_enum,
        } => primitive_type(model, *primitive, code_enum.as_deref()),
        FieldType::Complex { name, boxed } => {
            let n = ident(name);
            if *boxed {
                quote! { Box<#n> }
            } else {
                quote! { #n }
            }
        }
        FieldType::Resource => quote! { Resource },
        FieldType::Choice { name } => {
            let n = ident(name);
            quote! { #n }
        }
        FieldType::Attribute => quote! { String },
    }
}

pub fn primitive_type(
    model: &Model,
    primitive: PrimitiveId,
    code_enum: Option<&str>,
) -> TokenStream {
    let alias = ident(&model.primitive(primitive).alias);
    match code_enum {
        Some(e) => {
            let e = ident(e);
            quote! { #alias<Code<#e>> }
        }
        None => quote! { #alias },
    }
}

pub fn variant_type(model: &Model, ty: &VariantType) -> TokenStream {
    match ty {
        VariantType::Primitive { primitive } => primitive_type(model, *primitive, None),
        VariantType::Complex { name } => {
            let n = ident(name);
            quote! { Box<#n> }
        }
    }
}

/// The field's full type, cardinality included.
pub fn field_type(model: &Model, card: Card, ty: &FieldType) -> TokenStream {
    let v = value_type(model, ty);
    match card {
        Card::Optional => quote! { Option<#v> },
        Card::Required => v,
        Card::List { .. } => quote! { Vec<#v> },
    }
}

/// The `Kind` strict mode checks a primitive as.
pub fn kind(model: &Model, primitive: PrimitiveId) -> TokenStream {
    let k = ident(&model.primitive(primitive).kind);
    quote! { Kind::#k }
}
