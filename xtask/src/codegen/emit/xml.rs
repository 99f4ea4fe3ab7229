//! The XML templates: the same IR as the JSON ones, spelled for XML (behind the model's `xml`
//! cargo feature, so that a JSON-only build does not compile them).
//!
//! Differences from JSON that the templates decide: a primitive is one element (no `_name`
//! twin); `Attribute` fields (`Element.id`, `Extension.url`) are XML attributes; each child's
//! arm returns the field's position in definition order, for strict reading's order check; the
//! narrative's `xhtml` is an embedded element kept as written.

use proc_macro2::TokenStream;
use quote::quote;

use super::{cfg_feature, field_kind, helper, ident, kind};
use crate::codegen::features::feature_name;
use crate::codegen::ir::{Arity, ChoiceDef, FieldType, Model, Shape, StructDef, VariantType};

/// `#[cfg(feature = "xml")]`.
fn cfg_xml() -> TokenStream {
    quote! { #[cfg(feature = "xml")] }
}

/// `impl XmlComplex` for a struct.
pub fn struct_impl(model: &Model, s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let mut attr_arms = Vec::new();
    let mut attr_writes = Vec::new();
    let mut arms = Vec::new();
    let mut choices = Vec::new();
    let mut writes = Vec::new();
    for (order, f) in s.fields.iter().enumerate() {
        let order = u32::try_from(order).expect("fewer fields than u32::MAX");
        let n = ident(&f.rust_name);
        let key = &f.json_name;
        let (read, write) = (helper(f.shape.xml_read()), helper(f.shape.xml_write()));
        match f.shape {
            Shape::Attribute(_) => {
                attr_arms.push(quote! { #key => r.#read(&mut self.#n, value, at)?, });
                attr_writes.push(quote! { w.#write(#key, &self.#n); });
            }
            Shape::Xhtml(_) => {
                arms.push(quote! { #key => (#order, r.#read(&mut self.#n)), });
                writes.push(quote! { w.#write(&self.#n); });
            }
            Shape::Primitive(_) => {
                let k = field_kind(model, &f.ty);
                arms.push(quote! { #key => (#order, r.#read(&mut self.#n, #k)), });
                writes.push(quote! { w.#write(#key, &self.#n); });
            }
            Shape::Complex(_) | Shape::Resource(_) => {
                arms.push(quote! { #key => (#order, r.#read(&mut self.#n)), });
                writes.push(quote! { w.#write(#key, &self.#n); });
            }
            Shape::Choice(arity) => {
                let FieldType::Choice { name: choice } = &f.ty else {
                    unreachable!("a choice shape has a choice type")
                };
                let c = ident(choice);
                if arity == Arity::Req {
                    choices.push(quote! {
                        if r.#read(&mut self.#n, name)? {
                            return Ok(Some(#order));
                        }
                    });
                } else {
                    choices.push(quote! {
                        if <#c as XmlChoice>::#read(&mut self.#n, name, r)? {
                            return Ok(Some(#order));
                        }
                    });
                }
                writes.push(quote! { w.#write(&self.#n); });
            }
        }
    }
    let attr_fns = if attr_arms.is_empty() {
        quote! {}
    } else {
        quote! {
            fn read_xml_attr(
                &mut self,
                name: &str,
                value: std::borrow::Cow<'_, str>,
                at: usize,
                r: &XmlReader<'_>,
            ) -> Result<bool, Error> {
                match name {
                    #(#attr_arms)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
            fn write_xml_attrs(&self, w: &mut XmlWriter) {
                #(#attr_writes)*
            }
        }
    };
    let child_fn = if arms.is_empty() && choices.is_empty() {
        quote! {
            fn read_xml_child(&mut self, _: &str, _: &mut XmlReader<'_>) -> Result<Option<u32>, Error> {
                Ok(None)
            }
        }
    } else {
        quote! {
            fn read_xml_child(&mut self, name: &str, r: &mut XmlReader<'_>) -> Result<Option<u32>, Error> {
                let (order, read) = match name {
                    #(#arms)*
                    _ => {
                        #(#choices)*
                        return Ok(None);
                    }
                };
                read.map(|()| Some(order))
            }
        }
    };
    let cfg = cfg_xml();
    quote! {
        #cfg
        impl XmlComplex for #name {
            #attr_fns
            #child_fn
            fn write_xml_children(&self, w: &mut XmlWriter) {
                #(#writes)*
            }
        }
    }
}

/// `impl XmlChoice` for a choice enum.
pub fn choice_impl(model: &Model, c: &ChoiceDef) -> TokenStream {
    let name = ident(&c.name);
    let mut arms = Vec::new();
    let mut writes = Vec::new();
    for v in &c.variants {
        let vn = ident(&v.rust_name);
        let key = format!("{}{}", c.json_base, v.json_suffix);
        let shape = v.ty.shape();
        let (read, write) = (helper(shape.xml_read()), helper(shape.write()));
        match &v.ty {
            VariantType::Primitive { primitive } => {
                let k = kind(model, *primitive);
                arms.push(quote! { #key => r.#read(slot, #k, Self::#vn)?, });
                writes.push(quote! { Self::#vn(p) => w.#write(#key, p), });
            }
            VariantType::Complex { .. } => {
                arms.push(quote! { #key => r.#read(slot, Self::#vn)?, });
                writes.push(quote! { Self::#vn(v) => w.#write(#key, v), });
            }
        }
    }
    let cfg = cfg_xml();
    quote! {
        #cfg
        impl XmlChoice for #name {
            fn read_xml(slot: &mut Option<Self>, name: &str, r: &mut XmlReader<'_>) -> Result<bool, Error> {
                match name {
                    #(#arms)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
            fn write_xml(&self, w: &mut XmlWriter) {
                match self {
                    #(#writes)*
                }
            }
        }
    }
}

/// `impl XmlResource` and `FhirXml` for the version's `Resource` enum.
pub fn resource_impl(model: &Model) -> TokenStream {
    let resources: Vec<_> = model.resources().collect();
    let cfgs: Vec<TokenStream> = resources
        .iter()
        .map(|s| cfg_feature(Some(&feature_name(&s.name))))
        .collect();
    let read_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        let t = &s.name;
        quote! { #cfg #t => Self::#n(crate::codec::xml::read_element_boxed(r)?), }
    });
    let write_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        let t = &s.name;
        quote! { #cfg Self::#n(v) => crate::codec::xml::write_element(w, #t, &**v), }
    });
    let cfg = cfg_xml();
    quote! {
        #cfg
        impl crate::codec::xml::XmlResource for Resource {
            fn read_xml(r: &mut crate::xml::Reader<'_>) -> Result<Self, Error> {
                let Some(start) = r.pending() else {
                    unreachable!("a resource is read from a pending start tag");
                };
                let (written, at) = (start.name(r.input()), start.at);
                let name = r.local_fhir_name(written).unwrap_or(written);
                Ok(match name {
                    #(#read_arms)*
                    #[allow(unreachable_patterns)]
                    other if RESOURCE_TYPES.contains(&other) => {
                        let kind = ErrorKind::ResourceNotCompiled(other.to_owned());
                        return Err(r.error_at(kind, at));
                    }
                    other => {
                        let kind = ErrorKind::UnknownResourceType(other.to_owned());
                        return Err(r.error_at(kind, at));
                    }
                })
            }
            fn write_xml(&self, w: &mut crate::xml::Writer) {
                match self {
                    #(#write_arms)*
                    // Kept as JSON, which has no XML form here: left out and counted.
                    Self::Other(_) => w.skip(1),
                }
            }
        }

        #cfg
        impl crate::FhirXml for Resource {
            fn from_xml_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_xml_str(input, options)
            }
            fn write_xml_to(&self, w: &mut crate::xml::Writer) {
                crate::codec::xml::XmlResource::write_xml(self, w)
            }
        }
    }
}
