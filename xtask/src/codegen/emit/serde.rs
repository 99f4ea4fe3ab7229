//! The serde impls (behind the model's `serde` cargo feature): one `impl_serde!` call per file,
//! listing the file's types. Each impl delegates to the model's FHIR JSON reader and writer, so
//! nothing here depends on a type's fields.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;

/// `crate::impl_serde!(A, B, ...);` behind `cfg(feature = "serde")`, nothing for no types.
pub fn impl_serde<'a>(types: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let types: Vec<_> = types.into_iter().map(ident).collect();
    if types.is_empty() {
        return quote! {};
    }
    quote! {
        #[cfg(feature = "serde")]
        crate::impl_serde!(#(#types),*);
    }
}
