//! The template for the `Resource` enum: every resource of the version, chosen by `resourceType`.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::codegen::ir::Model;

pub fn emit_resource(model: &Model) -> TokenStream {
    let resources: Vec<_> = model.resources().collect();
    let variants = resources.iter().map(|s| {
        let n = ident(&s.name);
        let d = super::doc(&s.short);
        quote! { #d #n(Box<#n>), }
    });
    let read_arms = resources.iter().map(|s| {
        let n = ident(&s.name);
        let t = &s.name;
        quote! { #t => Self::#n(read_boxed(r)?), }
    });
    let write_arms = resources.iter().map(|s| {
        let n = ident(&s.name);
        quote! { Self::#n(v) => write_object(w, &**v), }
    });
    let type_arms = resources.iter().map(|s| {
        let n = ident(&s.name);
        let t = &s.name;
        quote! { Self::#n(_) => #t, }
    });
    let id_arms = resources.iter().map(|s| {
        let n = ident(&s.name);
        quote! { Self::#n(v) => v.id.as_ref(), }
    });
    let meta_arms = resources.iter().map(|s| {
        let n = ident(&s.name);
        quote! { Self::#n(v) => v.meta.as_ref(), }
    });
    let froms = resources.iter().map(|s| {
        let n = ident(&s.name);
        quote! {
            impl From<#n> for Resource {
                fn from(v: #n) -> Self {
                    Self::#n(Box::new(v))
                }
            }
            impl crate::TypedResource for #n {
                const TYPE: &'static str = <#n as Complex>::NAME;
                fn id(&self) -> Option<&str> {
                    self.id.as_ref().and_then(|id| id.value.as_deref())
                }
                fn set_id(&mut self, id: Option<String>) {
                    self.id = id.map(IdType::from);
                }
                fn version_id(&self) -> Option<&str> {
                    self.meta.as_ref()?.version_id.as_ref()?.value.as_deref()
                }
            }
        }
    });
    let names = resources.iter().map(|s| &s.name);
    quote! {
        #[allow(unused_imports)]
        use super::*;
        use crate::codec::{read_boxed, write_object, Complex, ResourceValue};
        use crate::error::ErrorKind;
        use crate::json::{Reader, Writer};
        use crate::{Error, FhirJson, ParseOptions};

        /// Any resource of this FHIR version, chosen by its `resourceType` when read.
        #[derive(Clone, PartialEq, Debug)]
        pub enum Resource {
            #(#variants)*
        }

        /// Every resource type of this FHIR version, in alphabetical order.
        pub const RESOURCE_TYPES: &[&str] = &[#(#names),*];

        impl Resource {
            /// The `resourceType`, e.g. `"Patient"`.
            pub fn resource_type(&self) -> &'static str {
                match self {
                    #(#type_arms)*
                }
            }
            /// The logical id element, if present.
            pub fn id_element(&self) -> Option<&IdType> {
                match self {
                    #(#id_arms)*
                }
            }
            /// The logical id, if present.
            pub fn id(&self) -> Option<&str> {
                self.id_element().and_then(|id| id.value.as_deref())
            }
            /// The version id (`meta.versionId`), if present.
            pub fn version_id(&self) -> Option<&str> {
                self.meta()?.version_id.as_ref()?.value.as_deref()
            }
            /// The resource's metadata, if present.
            pub fn meta(&self) -> Option<&Meta> {
                match self {
                    #(#meta_arms)*
                }
            }
            /// Reads any resource from JSON text (same as [`FhirJson::from_json_str`]).
            pub fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_str(input, options)
            }
            /// Writes compact JSON (same as [`FhirJson::to_json_string`]).
            pub fn to_json_string(&self) -> String {
                FhirJson::to_json_string(self)
            }
            /// Writes JSON indented by two spaces (same as [`FhirJson::to_json_pretty`]).
            pub fn to_json_pretty(&self) -> String {
                FhirJson::to_json_pretty(self)
            }
        }

        impl ResourceValue for Resource {
            fn read_json(r: &mut Reader<'_>) -> Result<Self, Error> {
                let at = r.position().0;
                let resource_type = r.find_resource_type()?;
                Ok(match &*resource_type {
                    #(#read_arms)*
                    other => {
                        let kind = ErrorKind::UnknownResourceType(other.to_owned());
                        return Err(r.error_at(kind, at));
                    }
                })
            }
            fn write_json(&self, w: &mut Writer) {
                match self {
                    #(#write_arms)*
                }
            }
        }

        impl FhirJson for Resource {
            fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_str(input, options)
            }
            fn write_to(&self, w: &mut Writer) {
                self.write_json(w)
            }
        }

        #(#froms)*
    }
}
