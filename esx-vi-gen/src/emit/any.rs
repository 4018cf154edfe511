//! Polymorphic data objects: the `AnyX` enum of a type's values by `xsi:type`, and the `XMembers`
//! trait that reads the members `X` declares from every subtype without a match.
//!
//! The generated code lists the variants (type names, contents, members, conversions); the
//! runtime's `polymorphic!` reads a value by `xsi:type` (through `AnyValue`'s readers), keeps
//! unknown subtypes and writes each value with its type, and `from_subtype!` adds the `From`
//! conversions. A member trait reaches the `Any` enums and the unknown-subtype holders through one
//! generic implementation (over `runtime::MembersOf`).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{any_ident, doc, fields, is_copy, lit, Ctx};
use crate::ident::{field_ident, type_ident};
use crate::model::{Member, Object, Primitive, TypeRef};
use crate::parse::Occurrence;

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    ctx.model
        .objects
        .iter()
        .filter(|o| o.is_polymorphic())
        .map(|o| {
            let mut out = emit_members_trait(ctx, o);
            out.extend(emit_any_enum(o));
            out
        })
        .collect()
}

fn members_trait(name: &str) -> Ident {
    format_ident!("{}Members", type_ident(name))
}

/// The member getter's return type, and its body reading the field `m` of a struct in which
/// the member is `recursive` (boxed) or not.
fn getter(ctx: &Ctx<'_>, m: &Member, recursive: bool) -> (TokenStream, TokenStream) {
    let f = field_ident(&m.name);
    let v = ctx.value_type(&m.ty);
    match (m.occurrence, &m.ty) {
        (Occurrence::RequiredList | Occurrence::OptionalList, _) => {
            (quote!(&[#v]), quote!(&self.#f))
        }
        (Occurrence::Required, TypeRef::Primitive(p)) if is_copy(*p) => (v, quote!(self.#f)),
        (Occurrence::Optional, TypeRef::Primitive(p)) if is_copy(*p) => {
            (quote!(::std::option::Option<#v>), quote!(self.#f))
        }
        (Occurrence::Required, TypeRef::Primitive(Primitive::String)) => {
            (quote!(&str), quote!(self.#f.as_str()))
        }
        (Occurrence::Optional, TypeRef::Primitive(Primitive::String)) => (
            quote!(::std::option::Option<&str>),
            quote!(self.#f.as_deref()),
        ),
        (Occurrence::Required, _) if recursive => (quote!(&#v), quote!(&*self.#f)),
        (Occurrence::Required, _) => (quote!(&#v), quote!(&self.#f)),
        (Occurrence::Optional, _) if recursive => (
            quote!(::std::option::Option<&#v>),
            quote!(self.#f.as_deref()),
        ),
        (Occurrence::Optional, _) => (quote!(::std::option::Option<&#v>), quote!(self.#f.as_ref())),
        (Occurrence::Ignored, _) => unreachable!("ignored members have no field"),
    }
}

/// `XMembers` and its implementations: for `X` and every subtype struct (reading the fields), and,
/// generically, for everything whose members are read through a value that has them
/// (`runtime::MembersOf`: the `Any` enums and the unknown-subtype holders).
fn emit_members_trait(ctx: &Ctx<'_>, o: &Object) -> TokenStream {
    let any = any_ident(&o.name);
    let trait_name = members_trait(&o.name);
    let own: Vec<&Member> = fields(&o.own_members).collect();
    let supertrait = match &o.base {
        Some(b) => {
            let t = members_trait(b);
            quote!(: crate::#t)
        }
        None => quote!(),
    };
    let sigs = own.iter().map(|m| {
        let f = field_ident(&m.name);
        let (ret, _) = getter(ctx, m, false);
        let d = doc(&format!("`{}`.", m.name));
        quote!(#d fn #f(&self) -> #ret;)
    });
    let trait_doc = doc(&format!(
        "The members `{}` declares, readable from `{}`, every subtype and `{}` without a match.",
        o.name, o.name, any
    ));
    let mut out = quote! {
        #trait_doc
        pub trait #trait_name #supertrait {
            #(#sigs)*
        }
    };
    let structs =
        std::iter::once(o).chain(o.descendants.iter().filter_map(|d| ctx.model.object(d)));
    for s in structs {
        let sname = type_ident(&s.name);
        let getters = own.iter().map(|m| {
            let f = field_ident(&m.name);
            let recursive = s.member(&m.name).is_some_and(|field| field.recursive);
            let (ret, body) = getter(ctx, m, recursive);
            quote!(fn #f(&self) -> #ret { #body })
        });
        out.extend(quote! {
            impl crate::#trait_name for crate::#sname {
                #(#getters)*
            }
        });
    }
    let delegates = |receiver: TokenStream| {
        own.iter()
            .map(|m| {
                let f = field_ident(&m.name);
                let (ret, _) = getter(ctx, m, false);
                quote!(fn #f(&self) -> #ret { #receiver.#f() })
            })
            .collect::<TokenStream>()
    };
    let through_members = delegates(quote!(crate::runtime::MembersOf::members(self)));
    out.extend(quote! {
        impl<T> crate::#trait_name for T
        where
            T: crate::runtime::MembersOf,
            T::Members: crate::#trait_name,
        {
            #through_members
        }
    });
    out
}

/// `AnyX`: a variant per known type (`X` itself and every subtype), and `Unknown`.
fn emit_any_enum(o: &Object) -> TokenStream {
    let base = type_ident(&o.name);
    let any = any_ident(&o.name);
    let trait_name = members_trait(&o.name);
    let variants: Vec<&String> = std::iter::once(&o.name).chain(&o.descendants).collect();
    let vidents: Vec<Ident> = variants.iter().map(|v| type_ident(v)).collect();
    let vlits: Vec<Literal> = variants.iter().map(|v| lit(v)).collect();
    let enum_doc = doc(&format!(
        "A `{}` value of any known subtype (chosen by `xsi:type`; each variant is named after its type), or an unknown subtype kept whole.",
        o.name
    ));
    let members_doc = doc(&format!(
        "Base members are readable from every variant through [`{trait_name}`] (and its supertraits) without a match."
    ));
    let base_lit = lit(&o.name);
    let mut sorted = variants.clone();
    sorted.sort();
    let sorted_lits: Vec<Literal> = sorted.iter().map(|v| lit(v)).collect();
    quote! {
        #enum_doc
        ///
        #members_doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #any {
            #( #vidents(::std::boxed::Box<crate::#vidents>), )*
            /// A subtype this version does not know: its type name, its base members and its raw
            /// XML, written back unchanged.
            Unknown(::std::boxed::Box<crate::runtime::UnknownSubtype<crate::#base>>),
        }

        impl #any {
            /// The base type's name on the wire.
            pub const BASE_TYPE_NAME: &'static str = #base_lit;

            /// The `xsi:type` of this value.
            pub fn type_name(&self) -> &str {
                match self {
                    #( Self::#vidents(_) => #vlits, )*
                    Self::Unknown(unknown) => unknown.type_name.as_str(),
                }
            }

            /// The value's base members as a trait object (what the member getters delegate to).
            pub fn as_members(&self) -> &dyn crate::#trait_name {
                crate::runtime::MembersOf::members(self)
            }
        }

        impl crate::runtime::MembersOf for crate::#any {
            type Members = dyn crate::#trait_name;

            fn members(&self) -> &Self::Members {
                match self {
                    #( Self::#vidents(value) => &**value, )*
                    Self::Unknown(unknown) => &**unknown,
                }
            }
        }

        impl crate::runtime::Polymorphic for crate::#any {
            type Base = crate::#base;
            const BASE_TYPE_NAME: &'static str = #base_lit;
            const TYPE_NAMES: &'static [&'static str] = &[ #( #sorted_lits ),* ];

            fn type_name(&self) -> &str {
                crate::#any::type_name(self)
            }

            fn content(&self) -> &dyn crate::runtime::XmlWrite {
                match self {
                    #( Self::#vidents(value) => &**value, )*
                    Self::Unknown(unknown) => &**unknown,
                }
            }

            fn unknown(unknown: crate::runtime::UnknownSubtype<crate::#base>) -> Self {
                Self::Unknown(::std::boxed::Box::new(unknown))
            }
        }

        crate::runtime::polymorphic!(#any);
        #( crate::runtime::from_subtype!(#any, #vidents); )*

        /// A value of the base type or of any known subtype converts.
        impl crate::runtime::FromAnyValue for crate::#any {
            fn from_any_value(value: crate::AnyValue) -> ::std::result::Result<Self, crate::AnyValue> {
                ::std::result::Result::Ok(match value {
                    #( crate::AnyValue::#vidents(v) => Self::#vidents(v), )*
                    other => return ::std::result::Result::Err(other),
                })
            }
        }
    }
}
