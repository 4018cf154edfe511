//! `AnyValue`: the enum of every type a dynamically typed value (`xsd:anyType`) may have.
//!
//! The generated code lists the variants: each one's wire type name (`type_name`), its content
//! (`content`) and, for enums and data objects, its reader (`READERS`; each type's
//! `wire_enum!`/`data_object!` line defines the reader and the `FromAnyValue` conversions). The
//! runtime has the primitives' readers and conversions, writes a value from its content and type
//! name, and reads one by `xsi:type`.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc, lit, primitive_type, Ctx};
use crate::ident::type_ident;
use crate::model::{Primitive, TypeRef};

/// One `AnyValue` variant.
struct Variant {
    ident: Ident,
    /// The `xsi:type` it is written with.
    wire: String,
    /// The variant's documentation, when its name does not say its wire type.
    doc: Option<String>,
    /// The payload's Rust type.
    payload: TokenStream,
    /// Whether the payload is a `Box` of the content (data objects).
    boxed: bool,
    /// The type whose `read_any_value`/`read_any_array` reads it (enums and data objects).
    reader: Option<(Ident, bool)>,
}

/// The `xsi:type` local name of a primitive and the name of its arrays (`ArrayOf` + the input's
/// name, except `Binary`, whose arrays are `ArrayOfBase64Binary`).
fn primitive_wire(p: Primitive) -> (&'static str, &'static str) {
    match p {
        Primitive::String => ("string", "String"),
        Primitive::Boolean => ("boolean", "Boolean"),
        Primitive::Byte => ("byte", "Byte"),
        Primitive::Short => ("short", "Short"),
        Primitive::Int => ("int", "Int"),
        Primitive::Long => ("long", "Long"),
        Primitive::Double => ("double", "Double"),
        Primitive::DateTime => ("dateTime", "DateTime"),
        Primitive::Binary => ("base64Binary", "Base64Binary"),
    }
}

/// Every variant but `ArrayOfAnyType` and `Unknown`, in declaration order: primitives, then
/// `ManagedObjectReference`, enums and data objects, each followed by its array.
fn variants(ctx: &Ctx<'_>) -> Vec<Variant> {
    let mut out = Vec::new();
    for p in Primitive::ALL {
        let (xsd, array) = primitive_wire(p);
        let t = primitive_type(p);
        out.push(Variant {
            ident: format_ident!("{}", p.input_name()),
            wire: format!("xsd:{xsd}"),
            doc: Some(format!("`xsd:{xsd}`")),
            payload: t.clone(),
            boxed: false,
            reader: None,
        });
        out.push(Variant {
            ident: format_ident!("ArrayOf{}", array),
            wire: format!("ArrayOf{array}"),
            doc: Some(format!("`ArrayOf{array}` (items `<{xsd}>`)")),
            payload: quote!(::std::vec::Vec<#t>),
            boxed: false,
            reader: None,
        });
    }
    let mut named: Vec<(&str, TokenStream, TokenStream, bool, bool)> = vec![(
        "ManagedObjectReference",
        quote!(crate::ManagedObjectReference),
        quote!(crate::ManagedObjectReference),
        false,
        false,
    )];
    for e in &ctx.model.enums {
        let i = type_ident(&e.name);
        named.push((&e.name, quote!(crate::#i), quote!(crate::#i), false, true));
    }
    for o in &ctx.model.objects {
        let i = type_ident(&o.name);
        let item = ctx.value_type(&TypeRef::Object(o.name.clone()));
        named.push((&o.name, quote!(crate::#i), item, true, true));
    }
    for (wire, single, item, boxed, generated) in named {
        let ident = type_ident(wire);
        out.push(Variant {
            ident: ident.clone(),
            wire: wire.to_string(),
            doc: None,
            payload: if boxed {
                quote!(::std::boxed::Box<#single>)
            } else {
                single
            },
            boxed,
            reader: generated.then(|| (ident.clone(), false)),
        });
        out.push(Variant {
            ident: format_ident!("ArrayOf{}", ident),
            wire: format!("ArrayOf{wire}"),
            doc: None,
            payload: quote!(::std::vec::Vec<#item>),
            boxed: false,
            reader: generated.then_some((ident, true)),
        });
    }
    out
}

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let variants = variants(ctx);
    let decls = variants.iter().map(|v| {
        let (i, t) = (&v.ident, &v.payload);
        let d = v.doc.as_deref().map(doc);
        quote!(#d #i(#t),)
    });
    let names = variants.iter().map(|v| {
        let (i, w) = (&v.ident, lit(&v.wire));
        quote!(Self::#i(_) => #w,)
    });
    let contents = variants.iter().map(|v| {
        let i = &v.ident;
        if v.boxed {
            quote!(Self::#i(value) => &**value,)
        } else {
            quote!(Self::#i(value) => value,)
        }
    });
    let mut readers: Vec<(&str, TokenStream)> = variants
        .iter()
        .filter_map(|v| {
            let (ty, array) = v.reader.as_ref()?;
            let read = if *array {
                quote!(crate::#ty::read_any_array)
            } else {
                quote!(crate::#ty::read_any_value)
            };
            Some((v.wire.as_str(), read))
        })
        .collect();
    readers.sort_by(|a, b| a.0.cmp(b.0));
    let reader_names: Vec<Literal> = readers.iter().map(|(n, _)| lit(n)).collect();
    let reader_fns: Vec<&TokenStream> = readers.iter().map(|(_, f)| f).collect();
    quote! {
        /// A dynamically typed value (`xsd:anyType`, e.g. `DynamicProperty.val`), chosen by its
        /// `xsi:type`: primitives, managed object references, enums, data objects and arrays of
        /// each. A variant is named after its wire type (`VirtualMachinePowerState`,
        /// `ArrayOfVirtualDevice`) unless documented otherwise.
        ///
        /// A value with an unknown `xsi:type` (or none) is kept whole in `Unknown` and written back
        /// unchanged.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum AnyValue {
            #( #decls )*
            /// `ArrayOfAnyType`
            ArrayOfAnyType(::std::vec::Vec<crate::AnyValue>),
            /// A value of a type this version does not know.
            Unknown(crate::runtime::UnknownValue),
        }

        impl AnyValue {
            /// The readers of the enums and data objects, by `xsi:type`, sorted (the runtime has
            /// the primitives').
            pub(crate) const READERS: &'static [(&'static str, crate::runtime::ReadFn<Self>)] = &[
                #( (#reader_names, #reader_fns), )*
            ];

            /// The value's `xsi:type` as written on the wire (`xsd:string`, `ArrayOfString`,
            /// `VirtualMachinePowerState`...).
            pub fn type_name(&self) -> &str {
                match self {
                    #( #names )*
                    Self::ArrayOfAnyType(_) => "ArrayOfAnyType",
                    Self::Unknown(value) => value.type_name.as_str(),
                }
            }

            /// Converts to a typed value, giving the value back when its type does not fit.
            pub fn into_typed<T: crate::runtime::FromAnyValue>(self) -> ::std::result::Result<T, crate::AnyValue> {
                T::from_any_value(self)
            }

            /// The value inside (a data object unboxed), for writing.
            pub(crate) fn content(&self) -> &dyn crate::runtime::XmlWrite {
                match self {
                    #( #contents )*
                    Self::ArrayOfAnyType(value) => value,
                    Self::Unknown(value) => value,
                }
            }
        }
    }
}
