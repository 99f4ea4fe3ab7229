//! The XML templates: the same IR as the JSON ones, spelled for XML (behind the model's `xml`
//! cargo feature, so that a JSON-only build does not compile them).
//!
//! Differences from JSON that the templates decide: a primitive is one element (no `_name`
//! twin); `Attribute` fields (`Element.id`, `Extension.url`) are XML attributes; each child's
//! arm returns the field's position in definition order, for strict reading's order check; the
//! narrative's `xhtml` is an embedded element kept as written.

use proc_macro2::TokenStream;
use quote::quote;

use super::{cfg_feature, ident, kind};
use crate::codegen::features::feature_name;
use crate::codegen::ir::{Card, ChoiceDef, FieldType, Model, StructDef, VariantType};

/// The FHIR primitive whose XML form is an embedded element, not a `value` attribute.
const XHTML: &str = "xhtml";

/// `#[cfg(feature = "xml")]`.
fn cfg_xml() -> TokenStream {
    quote! { #[cfg(feature = "xml")] }
}

/// The imports every generated file's XML code needs.
pub fn imports() -> TokenStream {
    let cfg = cfg_xml();
    quote! {
        #cfg
        #[allow(unused_imports)]
        use crate::codec::xml::{XmlChoice, XmlComplex};
        #cfg
        #[allow(unused_imports)]
        use crate::xml::{Reader as XmlReader, Writer as XmlWriter};
    }
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
        match &f.ty {
            FieldType::Attribute => {
                let m = match f.card {
                    Card::Required => quote!(attr_req),
                    _ => quote!(attr_opt),
                };
                attr_arms.push(quote! { #key => r.#m(&mut self.#n, value, at)?, });
                attr_writes.push(quote! { w.#m(#key, &self.#n); });
            }
            FieldType::Primitive { primitive, .. } if primitive == XHTML => {
                let m = match f.card {
                    Card::Optional => quote!(xhtml_opt),
                    Card::Required => quote!(xhtml_req),
                    Card::List { .. } => {
                        panic!("{}.{key}: a list of xhtml has no XML form", s.path)
                    }
                };
                arms.push(quote! { #key => (#order, r.#m(&mut self.#n)), });
                writes.push(quote! { w.#m(&self.#n); });
            }
            FieldType::Primitive { primitive, .. } => {
                let k = kind(model, primitive);
                let m = match f.card {
                    Card::Optional => quote!(prim_opt),
                    Card::Required => quote!(prim_req),
                    Card::List { .. } => quote!(prim_list),
                };
                arms.push(quote! { #key => (#order, r.#m(&mut self.#n, #k)), });
                writes.push(quote! { w.#m(#key, &self.#n); });
            }
            FieldType::Complex { .. } => {
                let m = match f.card {
                    Card::Optional => quote!(opt),
                    Card::Required => quote!(req),
                    Card::List { .. } => quote!(list),
                };
                arms.push(quote! { #key => (#order, r.#m(&mut self.#n)), });
                writes.push(quote! { w.#m(#key, &self.#n); });
            }
            FieldType::Resource => {
                let m = match f.card {
                    Card::List { .. } => quote!(list_resource),
                    _ => quote!(opt_resource),
                };
                arms.push(quote! { #key => (#order, r.#m(&mut self.#n)), });
                writes.push(quote! { w.#m(#key, &self.#n); });
            }
            FieldType::Choice { name: choice } => {
                let c = ident(choice);
                if f.card == Card::Required {
                    choices.push(quote! {
                        if r.choice_req(&mut self.#n, name)? {
                            return Ok(Some(#order));
                        }
                    });
                    writes.push(quote! { w.choice_req(&self.#n); });
                } else {
                    choices.push(quote! {
                        if <#c as XmlChoice>::read_xml(&mut self.#n, name, r)? {
                            return Ok(Some(#order));
                        }
                    });
                    writes.push(quote! { w.choice_opt(&self.#n); });
                }
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
        match &v.ty {
            VariantType::Primitive { primitive } => {
                let k = kind(model, primitive);
                arms.push(quote! { #key => r.choice_prim(slot, #k, Self::#vn)?, });
                writes.push(quote! { Self::#vn(p) => w.prim_req(#key, p), });
            }
            VariantType::Complex { .. } => {
                arms.push(quote! { #key => r.choice(slot, Self::#vn)?, });
                writes.push(quote! { Self::#vn(v) => w.req(#key, v), });
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
