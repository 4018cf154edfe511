//! Managed objects: a typed reference (`XRef`) and a property struct (`XProperties`) per input
//! managed object.
//!
//! The generated code lists what differs per type (the accepted subtypes, the upcasts, the
//! properties); the runtime's `managed_object_ref!`, `upcast_ref!` and
//! `properties_from_object_content!` add the accessors and conversions every reference and
//! property struct shares, and `runtime::set_property` types each retrieved value into the field
//! the generated code picks by name.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc, fields, lit, Ctx};
use crate::ident::{field_ident, type_ident};
use crate::model::{ManagedObject, Model, Primitive, TypeRef};
use crate::parse::Occurrence;

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let by_name: BTreeMap<&str, &ManagedObject> = ctx
        .model
        .managed_objects
        .iter()
        .map(|m| (m.name.as_str(), m))
        .collect();
    let object_content = has_object_content_shape(ctx.model);
    ctx.model
        .managed_objects
        .iter()
        .map(|mo| {
            let mut out = emit_reference(&by_name, mo);
            out.extend(emit_properties(ctx, mo, object_content));
            out
        })
        .collect()
}

/// The bases of a managed object, nearest first.
fn ancestors<'m>(
    by_name: &BTreeMap<&str, &'m ManagedObject>,
    mo: &'m ManagedObject,
) -> Vec<&'m str> {
    let mut out = Vec::new();
    let mut current = mo.base.as_deref();
    while let Some(b) = current {
        out.push(b);
        current = by_name.get(b).and_then(|m| m.base.as_deref());
    }
    out
}

/// `XRef`: the reference, the types it accepts (itself and every managed object extending it),
/// and an upcast to each base's reference.
fn emit_reference(by_name: &BTreeMap<&str, &ManagedObject>, mo: &ManagedObject) -> TokenStream {
    let name = type_ident(&mo.name);
    let name_lit = lit(&mo.name);
    let reference = format_ident!("{}Ref", name);
    let mut accepted: Vec<&str> = by_name
        .values()
        .filter(|other| {
            other.name == mo.name || ancestors(by_name, other).contains(&mo.name.as_str())
        })
        .map(|other| other.name.as_str())
        .collect();
    accepted.sort_unstable();
    let accepted_lits: Vec<Literal> = accepted.iter().map(|a| lit(a)).collect();
    let upcasts = ancestors(by_name, mo).into_iter().map(|a| {
        let a_ref = format_ident!("{}Ref", type_ident(a));
        quote!(crate::runtime::upcast_ref!(#reference => #a_ref);)
    });
    let ref_doc = doc(&format!(
        "A reference to a `{}` managed object (or one of its subtypes).",
        mo.name
    ));
    quote! {
        #ref_doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct #reference(pub(crate) crate::ManagedObjectReference);

        impl #reference {
            /// The managed object type's name.
            pub const TYPE_NAME: &'static str = #name_lit;
            /// The reference types this kind accepts (itself and its subtypes).
            pub const ACCEPTED_TYPES: &'static [&'static str] = &[ #( #accepted_lits ),* ];
        }

        crate::runtime::managed_object_ref!(#reference);
        #( #upcasts )*
    }
}

/// `XProperties`: one optional field per top-level property, filled from `(path, value)` pairs.
fn emit_properties(ctx: &Ctx<'_>, mo: &ManagedObject, object_content: bool) -> TokenStream {
    let name = type_ident(&mo.name);
    let reference = format_ident!("{}Ref", name);
    let props = format_ident!("{}Properties", name);
    let props_doc = doc(&format!(
        "Properties of a `{}`, as a property collector returns them: one optional field per top-level property (inherited ones included), `None` when not retrieved.",
        mo.name
    ));
    let field_defs = fields(&mo.properties).map(|m| {
        let f = field_ident(&m.name);
        let v = ctx.value_type(&m.ty);
        let t = if m.occurrence.is_list() {
            quote!(::std::option::Option<::std::vec::Vec<#v>>)
        } else if matches!(m.ty, TypeRef::Object(_)) {
            // Boxed: a property struct holds every property a managed object has, most of them
            // `None`; inline data objects would make it kilobytes (6.8 KB for a
            // VirtualMachine's), copied at every step of a stream of thousands.
            quote!(::std::option::Option<::std::boxed::Box<#v>>)
        } else {
            quote!(::std::option::Option<#v>)
        };
        let d = doc(&format!("`{}`.", m.name));
        quote!(#d pub #f: #t,)
    });
    let arms = fields(&mo.properties).map(|m| {
        let f = field_ident(&m.name);
        let wire = lit(&m.name);
        quote!(#wire => &mut out.#f,)
    });
    let conversion = object_content.then(|| properties_from_object_content(&props));
    let fill = if mo
        .properties
        .iter()
        .any(|m| m.occurrence != Occurrence::Ignored)
    {
        quote! {
            for (name, value) in properties {
                let field: &mut dyn crate::runtime::PropertySlot = match name.as_str() {
                    #( #arms )*
                    _ => {
                        out.other.insert(name, value);
                        continue;
                    }
                };
                crate::runtime::set_property(field, &mut out.other, out.obj.as_deref(), &name, value)?;
            }
        }
    } else {
        quote!(out.other.extend(properties);)
    };
    quote! {
        #props_doc
        ///
        /// Values of nested property paths (`runtime.powerState`) and of properties the input does
        /// not describe stay dynamically typed in `other`, keyed by their path.
        #[derive(Debug, Clone, PartialEq, Default)]
        #[non_exhaustive]
        pub struct #props {
            /// The object these properties belong to (`None` when built from bare properties).
            pub obj: ::std::option::Option<crate::#reference>,
            #( #field_defs )*
            /// Nested paths and undescribed properties, by path.
            pub other: ::std::collections::BTreeMap<::std::string::String, crate::AnyValue>,
        }

        impl #props {
            /// Builds the properties from `(path, value)` pairs (a property collector's `propSet`).
            ///
            /// A top-level property whose value has the wrong type is an error naming the object
            /// and the property.
            pub fn from_properties<I>(
                obj: ::std::option::Option<crate::#reference>,
                properties: I,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError>
            where
                I: ::std::iter::IntoIterator<Item = (::std::string::String, crate::AnyValue)>,
            {
                let mut out = Self { obj, ..::std::default::Default::default() };
                #fill
                ::std::result::Result::Ok(out)
            }

            /// The value retrieved for a nested or undescribed property path (`runtime.powerState`).
            pub fn path(&self, path: &str) -> ::std::option::Option<&crate::AnyValue> {
                self.other.get(path)
            }
        }

        #conversion
    }
}

fn properties_from_object_content(props: &Ident) -> TokenStream {
    quote!(crate::runtime::properties_from_object_content!(#props);)
}

/// Whether the input has the usual `ObjectContent { obj, propSet }` and
/// `DynamicProperty { name, val }` shapes, which `TryFrom<ObjectContent>` for a property struct
/// reads.
fn has_object_content_shape(model: &Model) -> bool {
    let has = |obj: &str, member: &str, ty: &TypeRef, occurrence: &[Occurrence]| {
        model.object(obj).is_some_and(|o| {
            !o.is_polymorphic()
                && o.members
                    .iter()
                    .any(|m| m.name == member && &m.ty == ty && occurrence.contains(&m.occurrence))
        })
    };
    let lists = [Occurrence::RequiredList, Occurrence::OptionalList];
    has(
        "ObjectContent",
        "obj",
        &TypeRef::ManagedObjectReference,
        &[Occurrence::Required],
    ) && has(
        "ObjectContent",
        "propSet",
        &TypeRef::Object("DynamicProperty".into()),
        &lists,
    ) && has(
        "DynamicProperty",
        "name",
        &TypeRef::Primitive(Primitive::String),
        &[Occurrence::Required],
    ) && has(
        "DynamicProperty",
        "val",
        &TypeRef::AnyType,
        &[Occurrence::Required],
    )
}
