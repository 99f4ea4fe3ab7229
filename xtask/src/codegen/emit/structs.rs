//! The template for a struct: the type, its constructor, and its JSON, XML and `Debug` impls.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, field_kind, field_type, helper, ident};
use crate::codegen::ir::{Arity, Card, FieldDef, FieldType, Model, Shape, StructDef, StructKind};

pub fn emit_struct(model: &Model, s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let struct_doc = doc(&s.short);
    let fields = s.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let ty = field_type(model, f.card, &f.ty);
        let d = doc(&f.short);
        quote! { #d pub #n: #ty, }
    });
    let blanks = s.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        quote! { #n: Blank::blank(), }
    });
    let constructor = constructor(model, s);
    let complex_impl = complex_impl(model, s);
    let debug_impl = debug_impl(s);
    let xml_impl = super::xml::struct_impl(model, s);
    quote! {
        #struct_doc
        #[derive(Clone, PartialEq)]
        pub struct #name {
            #(#fields)*
            /// Properties the definitions do not know, kept by lenient reading (see [`Unknown`]).
            pub unknown: Unknown,
        }
        impl Blank for #name {
            // Out of line: every reader helper starts from a blank value, and inlining each
            // struct's full initialisation into each of them was a large share of the build.
            #[inline(never)]
            fn blank() -> Self {
                Self { #(#blanks)* unknown: Unknown::default() }
            }
        }
        #constructor
        #complex_impl
        #xml_impl
        #debug_impl
    }
}

/// `new(required...)` when the type has 1..1 elements, `Default` when it has no required ones.
fn constructor(model: &Model, s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let required: Vec<&FieldDef> = s
        .fields
        .iter()
        .filter(|f| f.card == Card::Required)
        .collect();
    let any_required = s.fields.iter().any(|f| f.card.is_required());
    let default_impl = if any_required {
        quote! {}
    } else {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Blank::blank()
                }
            }
        }
    };
    if required.is_empty() {
        return default_impl;
    }
    let params = required.iter().map(|f| {
        let n = ident(&f.rust_name);
        let ty = field_type(model, f.card, &f.ty);
        quote! { #n: impl Into<#ty> }
    });
    let inits = required.iter().map(|f| {
        let n = ident(&f.rust_name);
        quote! { #n: #n.into(), }
    });
    let names: Vec<String> = required
        .iter()
        .map(|f| format!("`{}`", f.rust_name.trim_start_matches("r#")))
        .collect();
    let new_doc = doc(&format!(
        "A new value with its required elements ({}); the rest empty.",
        names.join(", ")
    ));
    let lists = s
        .fields
        .iter()
        .filter(|f| f.card == Card::List { required: true })
        .count();
    let list_note = if lists > 0 {
        doc("Required lists (1..*) start empty: fill them before writing a valid resource.")
    } else {
        quote! {}
    };
    quote! {
        impl #name {
            #new_doc
            #list_note
            #[allow(clippy::too_many_arguments)]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits)* ..Blank::blank() }
            }
        }
        #default_impl
    }
}

fn complex_impl(model: &Model, s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let type_name = &s.name;
    let mut arms = Vec::new();
    let mut choices = Vec::new();
    let mut writes = Vec::new();
    for f in &s.fields {
        let n = ident(&f.rust_name);
        let key = &f.json_name;
        let ext_key = format!("_{key}");
        let (read, write) = (helper(f.shape.json_read()), helper(f.shape.json_write()));
        match f.shape {
            Shape::Primitive(_) | Shape::Xhtml(_) => {
                let k = field_kind(model, &f.ty);
                let read_ext = f
                    .shape
                    .json_read_ext()
                    .expect("a primitive shape names its `_name` reader");
                let read_ext = helper(read_ext);
                arms.push(quote! { #key => r.#read(&mut self.#n, #k), });
                arms.push(quote! { #ext_key => r.#read_ext(&mut self.#n), });
                writes.push(quote! { w.#write(#key, #ext_key, &self.#n); });
            }
            Shape::Complex(_) | Shape::Resource(_) | Shape::Attribute(_) => {
                arms.push(quote! { #key => r.#read(&mut self.#n), });
                writes.push(quote! { w.#write(#key, &self.#n); });
            }
            Shape::Choice(arity) => {
                let FieldType::Choice { name: choice } = &f.ty else {
                    unreachable!("a choice shape has a choice type")
                };
                let c = ident(choice);
                let read_choice = helper(Shape::Choice(Arity::Opt).json_read());
                if arity == Arity::Req {
                    choices.push(quote! {
                        if crate::codec::#read(&mut self.#n, |slot| #c::#read_choice(slot, key, r))? {
                            return Ok(true);
                        }
                    });
                } else {
                    choices.push(quote! {
                        if #c::#read(&mut self.#n, key, r)? {
                            return Ok(true);
                        }
                    });
                }
                writes.push(quote! { w.#write(&self.#n); });
            }
        }
    }
    let (resource_const, resource_arm) = if s.kind == StructKind::Resource {
        (
            quote! { const RESOURCE_TYPE: Option<&'static str> = Some(#type_name); },
            quote! { "resourceType" => r.resource_type(#type_name), },
        )
    } else {
        (quote! {}, quote! {})
    };
    let empties = s.fields.iter().map(|f| {
        let e = empty_expr(f);
        quote! { #e && }
    });
    let missing = s.fields.iter().filter(|f| f.card.is_required()).map(|f| {
        let e = empty_expr(f);
        let json = match f.ty {
            FieldType::Choice { .. } => format!("{}[x]", f.json_name),
            _ => f.json_name.clone(),
        };
        quote! { if #e { return Some(#json); } }
    });
    let missing_fn = if s.fields.iter().any(|f| f.card.is_required()) {
        quote! {
            fn missing_required(&self) -> Option<&'static str> {
                #(#missing)*
                None
            }
        }
    } else {
        quote! {}
    };
    quote! {
        impl Complex for #name {
            const NAME: &'static str = #type_name;
            #resource_const
            fn read_key(&mut self, key: &str, r: &mut Reader<'_>) -> Result<bool, Error> {
                let read = match key {
                    #resource_arm
                    #(#arms)*
                    _ => {
                        #(#choices)*
                        return Ok(false);
                    }
                };
                read.map(|()| true)
            }
            fn write_keys(&self, w: &mut Writer) {
                #(#writes)*
            }
            fn unknown(&self) -> &Unknown {
                &self.unknown
            }
            fn unknown_mut(&mut self) -> &mut Unknown {
                &mut self.unknown
            }
            fn is_empty(&self) -> bool {
                #(#empties)* self.unknown.is_empty()
            }
            #missing_fn
        }
    }
}

/// An expression that is true when the field holds nothing.
fn empty_expr(f: &FieldDef) -> TokenStream {
    let n = ident(&f.rust_name);
    match f.shape {
        s if s.arity() == Arity::Opt => quote! { self.#n.is_none() },
        s if s.arity() == Arity::List => quote! { self.#n.is_empty() },
        Shape::Complex(_) => quote! { Complex::is_empty(&self.#n) },
        Shape::Choice(_) => quote! { Choice::is_empty(&self.#n) },
        _ => quote! { self.#n.is_empty() },
    }
}

/// `Debug` that shows only the elements present, so that printed resources stay readable.
fn debug_impl(s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let type_name = &s.name;
    let fields = s.fields.iter().map(|f| {
        let n = ident(&f.rust_name);
        let label = f.rust_name.trim_start_matches("r#");
        if f.shape.arity() == Arity::Opt {
            quote! { if let Some(v) = &self.#n { d.field(#label, v); } }
        } else {
            let e = empty_expr(f);
            quote! { if !(#e) { d.field(#label, &self.#n); } }
        }
    });
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut d = f.debug_struct(#type_name);
                #(#fields)*
                if !self.unknown.is_empty() {
                    d.field("unknown", &self.unknown);
                }
                d.finish()
            }
        }
    }
}
