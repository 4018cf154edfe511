//! Data objects: a struct per input object, and its XML reader and writer.
//!
//! The reader lists one slot per member for the runtime's `Reader::read_members` (which finds
//! each child element's slot by name and skips unknown ones) and then checks the required
//! members; the writer lists the members for `Writer::members`. Neither calls a generic function
//! per member, so a new member costs a line, not a function. The runtime's `data_object!` adds
//! the wire name (`TYPE_NAME`) and the object's `AnyValue` variants (`X`, `ArrayOfX`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{any_ident, doc, fields, lit, Ctx};
use crate::ident::{field_ident, field_name, type_ident};
use crate::model::{Member, Object};
use crate::parse::Occurrence;

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    ctx.model
        .objects
        .iter()
        .map(|o| emit_object(ctx, o))
        .collect()
}

fn emit_object(ctx: &Ctx<'_>, o: &Object) -> TokenStream {
    let name = type_ident(&o.name);
    let name_lit = lit(&o.name);
    let mut type_doc = format!("The vSphere data object `{}`", o.name);
    if let Some(base) = &o.base {
        type_doc.push_str(&format!(
            " (extends `{base}`; inherited members come first)"
        ));
    }
    type_doc.push('.');
    let type_doc = doc(&type_doc);
    let field_defs = fields(&o.members).map(|m| {
        let f = field_ident(&m.name);
        let t = ctx.field_type(m);
        let occ = match m.occurrence {
            Occurrence::Required => "required",
            Occurrence::Optional => "optional",
            Occurrence::RequiredList => "required list",
            Occurrence::OptionalList => "optional list",
            Occurrence::Ignored => unreachable!("ignored members have no field"),
        };
        let d = doc(&format!("`{}` ({occ}).", m.name));
        quote!(#d pub #f: #t,)
    });
    let derive = if o.defaultable {
        quote!(#[derive(Debug, Clone, PartialEq, Default)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq)])
    };
    let read = emit_read(o);
    let array = format_ident!("ArrayOf{}", name);
    // The wire name is the type's own unless the Rust name had to differ.
    let wire = (name != o.name).then(|| quote!(= #name_lit));
    // A polymorphic type's arrays hold its `Any` enum.
    let item = o.is_polymorphic().then(|| {
        let any = any_ident(&o.name);
        quote!(, #any)
    });
    let data_object = quote!(crate::runtime::data_object!(#name #wire, #array #item););
    let writes = fields(&o.members).map(|m| {
        let f = field_ident(&m.name);
        let wire = lit(&m.name);
        quote!((#wire, &self.#f),)
    });
    quote! {
        #type_doc
        #derive
        pub struct #name {
            #(#field_defs)*
        }

        #data_object

        #read

        impl crate::runtime::XmlWrite for #name {
            fn write_xml(&self, w: &mut crate::runtime::Writer, tag: crate::runtime::Tag<'_>) {
                let members: &[(&str, &dyn crate::runtime::XmlWrite)] = &[#(#writes)*];
                w.members(tag, members);
            }
        }
    }
}

/// The reader: a slot per member (`Option` for a single value, `Vec` for a list), filled by the
/// runtime, then the struct, a missing required member being an error naming it.
fn emit_read(o: &Object) -> TokenStream {
    let name = type_ident(&o.name);
    // Slots are prefixed so no member name can shadow `r` or `e`.
    let slot = |m: &Member| format_ident!("m_{}", field_name(&m.name));
    let slots = fields(&o.members).map(|m| {
        let s = slot(m);
        if m.occurrence.is_list() {
            quote!(let mut #s = ::std::vec::Vec::new();)
        } else {
            quote!(let mut #s = ::std::option::Option::None;)
        }
    });
    let table = fields(&o.members).map(|m| {
        let s = slot(m);
        let wire = lit(&m.name);
        quote!((#wire, &mut #s),)
    });
    let inits = fields(&o.members).map(|m| {
        let f = field_ident(&m.name);
        let s = slot(m);
        let wire = lit(&m.name);
        match m.occurrence {
            Occurrence::Required => quote!(#f: r.required(e, #s, #wire)?,),
            _ => quote!(#f: #s,),
        }
    });
    quote! {
        impl crate::runtime::XmlRead for #name {
            fn read_xml(
                r: &mut crate::runtime::Reader<'_>,
                e: &crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError> {
                #(#slots)*
                let members: &mut [(&str, &mut dyn crate::runtime::ReadSlot)] = &mut [#(#table)*];
                r.read_members(e, members)?;
                ::std::result::Result::Ok(Self { #(#inits)* })
            }
        }
    }
}
