//! Enums: a `#[non_exhaustive]` Rust enum per input enum, keeping unknown wire values.
//!
//! The generated code lists the values (variants, `as_str`, `from_wire`); the runtime's
//! `wire_enum!` adds `FromStr`, `Display`, `XmlRead`, `XmlWrite` and the enum's `AnyValue`
//! variants (`X`, `ArrayOfX`).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc, lit, Ctx};
use crate::ident::{type_ident, variant_ident};
use crate::model::Enum;

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    ctx.model.enums.iter().map(emit_enum).collect()
}

fn emit_enum(e: &Enum) -> TokenStream {
    let name = type_ident(&e.name);
    let type_doc = doc(&format!("The vSphere enum `{}`.", e.name));
    let variants: Vec<Ident> = e.values.iter().map(|v| variant_ident(v)).collect();
    let values: Vec<Literal> = e.values.iter().map(|v| lit(v)).collect();
    let docs: Vec<TokenStream> = e.values.iter().map(|v| doc(&format!("`{v}`"))).collect();
    let name_lit = lit(&e.name);
    let array = format_ident!("ArrayOf{}", name);
    quote! {
        #type_doc
        ///
        /// Values this version does not know are kept in `Unrecognized` and written back unchanged.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #docs #variants, )*
            /// A wire value this version does not know, kept as sent.
            Unrecognized(::std::string::String),
        }

        impl #name {
            /// The type's name on the wire.
            pub const TYPE_NAME: &'static str = #name_lit;
            /// Every known wire value, in the API's order.
            pub const VALUES: &'static [&'static str] = &[ #( #values ),* ];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unrecognized(value) => value.as_str(),
                }
            }

            /// The variant for a wire value (`Unrecognized` for one this version does not know).
            pub fn from_wire(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unrecognized(::std::string::ToString::to_string(other)),
                }
            }
        }

        crate::runtime::wire_enum!(#name, #array);
    }
}
