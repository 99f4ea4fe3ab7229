//! The template for the `Resource` enum: every resource of the version, chosen by `resourceType`.
//!
//! Each variant sits behind its resource's cargo feature; a resource whose feature is off is read
//! into `Resource::Other` as raw JSON, so it still round-trips.

use proc_macro2::TokenStream;
use quote::quote;

use super::{cfg_feature, ident};
use crate::codegen::features::feature_name;
use crate::codegen::ir::Model;

pub fn emit_resource(model: &Model) -> TokenStream {
    let resources: Vec<_> = model.resources().collect();
    let cfgs: Vec<TokenStream> = resources
        .iter()
        .map(|s| cfg_feature(Some(&feature_name(&s.name))))
        .collect();
    let variants = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        let d = super::doc(&s.short);
        quote! { #d #cfg #n(Box<#n>), }
    });
    let read_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        let t = &s.name;
        quote! { #cfg #t => Self::#n(read_boxed(r)?), }
    });
    let write_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => write_object(w, &**v), }
    });
    let type_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        let t = &s.name;
        quote! { #cfg Self::#n(_) => #t, }
    });
    let id_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => v.id.as_ref(), }
    });
    let set_id_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => v.id = id.map(IdType::from), }
    });
    let meta_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => v.meta.as_ref(), }
    });
    let downcast_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => crate::codec::downcast_box(v).map_err(Self::#n), }
    });
    let ref_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => (&**v as &dyn std::any::Any).downcast_ref(), }
    });
    let mut_arms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! { #cfg Self::#n(v) => (&mut **v as &mut dyn std::any::Any).downcast_mut(), }
    });
    let froms = resources.iter().zip(&cfgs).map(|(s, cfg)| {
        let n = ident(&s.name);
        quote! {
            #cfg
            impl From<#n> for Resource {
                fn from(v: #n) -> Self {
                    Self::#n(Box::new(v))
                }
            }
            #cfg
            impl TryFrom<Resource> for #n {
                /// The resource, given back when it is of another type.
                type Error = Resource;
                #[inline]
                fn try_from(r: Resource) -> Result<Self, Resource> {
                    r.downcast()
                }
            }
            #cfg
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
    let xml_impl = super::xml::resource_impl(model);
    let serde_impl = super::serde::impl_serde(["Resource"]);
    let imports = super::imports::use_items(
        super::imports::RESOURCE,
        &quote! { #[allow(unused_imports)] },
    );
    quote! {
        #[allow(unused_imports)]
        use super::*;
        #imports

        /// Any resource of this FHIR version, chosen by its `resourceType` when read.
        ///
        /// Each typed variant exists when its resource's cargo feature is on (all are, by
        /// default); a resource whose feature is off is read as [`Resource::Other`].
        #[derive(Clone, PartialEq, Debug)]
        #[non_exhaustive]
        pub enum Resource {
            #(#variants)*
            /// A resource of this version whose cargo feature is off in this build, kept as JSON
            /// (see [`RawResource::to_typed`]).
            Other(Box<RawResource>),
        }

        /// Every resource type of this FHIR version, in alphabetical order, whatever the features.
        pub const RESOURCE_TYPES: &[&str] = &[#(#names),*];

        impl Resource {
            /// The `resourceType`, e.g. `"Patient"`.
            pub fn resource_type(&self) -> &str {
                match self {
                    #(#type_arms)*
                    Self::Other(raw) => raw.resource_type(),
                }
            }
            /// The logical id element, if present (`None` for [`Resource::Other`]; see [`Resource::id`]).
            pub fn id_element(&self) -> Option<&IdType> {
                match self {
                    #(#id_arms)*
                    Self::Other(_) => None,
                }
            }
            /// The logical id, if present.
            pub fn id(&self) -> Option<&str> {
                match self {
                    Self::Other(raw) => raw.id(),
                    _ => self.id_element().and_then(|id| id.value.as_deref()),
                }
            }
            /// The version id (`meta.versionId`), if present.
            pub fn version_id(&self) -> Option<&str> {
                match self {
                    Self::Other(raw) => raw.version_id(),
                    _ => self.meta()?.version_id.as_ref()?.value.as_deref(),
                }
            }
            /// Sets or removes the logical id.
            pub fn set_id(&mut self, id: Option<String>) {
                match self {
                    #(#set_id_arms)*
                    Self::Other(raw) => raw.set_id(id),
                }
            }
            /// The resource's metadata, if present (`None` for [`Resource::Other`]).
            pub fn meta(&self) -> Option<&Meta> {
                match self {
                    #(#meta_arms)*
                    Self::Other(_) => None,
                }
            }
            /// The resource as its typed struct `T`, or itself back when it is of another type.
            ///
            /// A [`Resource::Other`] of type `T` is read into `T` (leniently).
            pub fn downcast<T: crate::TypedResource>(self) -> Result<T, Self> {
                if self.resource_type() != T::TYPE {
                    return Err(self);
                }
                match self {
                    #(#downcast_arms)*
                    Self::Other(raw) => raw.to_typed(ParseOptions::lenient()).map_err(|_| Self::Other(raw)),
                }
            }
            /// The resource as a `&T`, if it is a typed `T`.
            ///
            /// `None` for another type, and for a [`Resource::Other`] (its JSON can only be read
            /// into a new value: see [`Resource::downcast`]).
            pub fn downcast_ref<T: crate::TypedResource>(&self) -> Option<&T> {
                match self {
                    #(#ref_arms)*
                    Self::Other(_) => None,
                }
            }
            /// The resource as a `&mut T`, if it is a typed `T` (see [`Resource::downcast_ref`]).
            pub fn downcast_mut<T: crate::TypedResource>(&mut self) -> Option<&mut T> {
                match self {
                    #(#mut_arms)*
                    Self::Other(_) => None,
                }
            }
            /// Reads any resource from JSON text (same as [`FhirJson::from_json_str`]).
            pub fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_str(input, options)
            }
            /// Reads any resource from JSON bytes, which must be UTF-8 (same as
            /// [`FhirJson::from_json_slice`]).
            pub fn from_json_slice(input: &[u8], options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_slice(input, options)
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

        impl crate::AnyResource for Resource {
            fn resource_type(&self) -> &str {
                Resource::resource_type(self)
            }
            fn id(&self) -> Option<&str> {
                Resource::id(self)
            }
            fn set_id(&mut self, id: Option<String>) {
                Resource::set_id(self, id)
            }
            fn version_id(&self) -> Option<&str> {
                Resource::version_id(self)
            }
        }

        impl ResourceValue for Resource {
            fn read_json(r: &mut Reader<'_>) -> Result<Self, Error> {
                let at = r.position().0;
                let resource_type = r.find_resource_type()?;
                Ok(match &*resource_type {
                    #(#read_arms)*
                    #[allow(unreachable_patterns)]
                    other if RESOURCE_TYPES.contains(&other) => Self::Other(Box::new(RawResource::read(r)?)),
                    other => {
                        let kind = ErrorKind::UnknownResourceType(other.to_owned());
                        return Err(r.error_at(kind, at));
                    }
                })
            }
            fn is_resource_type(resource_type: &str) -> bool {
                RESOURCE_TYPES.contains(&resource_type)
            }
            fn write_json(&self, w: &mut Writer) {
                match self {
                    #(#write_arms)*
                    Self::Other(raw) => raw.write(w),
                }
            }
        }

        impl FhirJson for Resource {
            fn from_json_str(input: &str, options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_str(input, options)
            }
            fn from_json_slice(input: &[u8], options: ParseOptions) -> Result<Self, Error> {
                crate::resource_from_slice(input, options)
            }
            fn write_to(&self, w: &mut Writer) {
                self.write_json(w)
            }
        }

        #(#froms)*

        #xml_impl

        #serde_impl
    }
}
