//! Model to Rust: token streams built with `quote!`, checked by `syn`, printed by `prettyplease`.
//!
//! The emitter knows only Rust. Generated code is thin: it declares types and sequences calls into
//! the hand-written runtime of `esx-vi-types` (`crate::runtime`, `crate::soap`), which owns XML
//! reading and writing, namespaces, `xsi:type`, unknown elements and error paths. Every path is
//! fully qualified so API names never shadow std.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::ident::{field_ident, field_name, type_ident, variant_ident};
use crate::model::{Enum, ManagedObject, Member, Method, Model, Object, Primitive, This, TypeRef};
use crate::parse::Occurrence;

/// The element names of primitive array items (`ArrayOfString` holds `<string>` items).
fn primitive_wire(p: Primitive) -> (&'static str, &'static str) {
    // (xsi:type local name, ArrayOf suffix)
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

fn primitive_type(p: Primitive) -> TokenStream {
    match p {
        Primitive::String => quote!(::std::string::String),
        Primitive::Boolean => quote!(bool),
        Primitive::Byte => quote!(i8),
        Primitive::Short => quote!(i16),
        Primitive::Int => quote!(i32),
        Primitive::Long => quote!(i64),
        Primitive::Double => quote!(f64),
        Primitive::DateTime => quote!(crate::runtime::DateTime),
        Primitive::Binary => quote!(crate::runtime::Binary),
    }
}

fn is_copy(p: Primitive) -> bool {
    matches!(
        p,
        Primitive::Boolean
            | Primitive::Byte
            | Primitive::Short
            | Primitive::Int
            | Primitive::Long
            | Primitive::Double
    )
}

struct Ctx<'m> {
    model: &'m Model,
    polymorphic: BTreeSet<&'m str>,
    /// (owner, member) pairs whose non-list data-object field must be boxed to break a cycle.
    boxed: BTreeSet<(String, String)>,
    defaultable: BTreeSet<&'m str>,
}

impl<'m> Ctx<'m> {
    fn new(model: &'m Model) -> Self {
        let polymorphic: BTreeSet<&str> = model
            .objects
            .iter()
            .filter(|o| o.is_polymorphic())
            .map(|o| o.name.as_str())
            .collect();
        // Direct (non-list, non-polymorphic) struct edges.
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for o in &model.objects {
            for m in &o.members {
                if let TypeRef::Object(t) = &m.ty {
                    if !m.occurrence.is_list()
                        && m.occurrence != Occurrence::Ignored
                        && !polymorphic.contains(t.as_str())
                    {
                        edges.entry(&o.name).or_default().push(t);
                    }
                }
            }
        }
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n) {
                    if let Some(next) = edges.get(n) {
                        stack.extend(next.iter().copied());
                    }
                }
            }
            false
        };
        let mut boxed = BTreeSet::new();
        for o in &model.objects {
            for m in &o.members {
                if let TypeRef::Object(t) = &m.ty {
                    if !m.occurrence.is_list()
                        && !polymorphic.contains(t.as_str())
                        && reaches(t, &o.name)
                    {
                        boxed.insert((o.name.clone(), m.name.clone()));
                    }
                }
            }
        }
        // Default: every field optional, a list, or of a type with a default; a fixpoint.
        let mut defaultable: BTreeSet<&str> =
            model.objects.iter().map(|o| o.name.as_str()).collect();
        loop {
            let before = defaultable.len();
            for o in &model.objects {
                let ok = o.members.iter().all(|m| match m.occurrence {
                    Occurrence::Required => match &m.ty {
                        TypeRef::Primitive(_) | TypeRef::ManagedObjectReference => true,
                        TypeRef::AnyType | TypeRef::Enum(_) => false,
                        TypeRef::Object(t) => {
                            !polymorphic.contains(t.as_str()) && defaultable.contains(t.as_str())
                        }
                    },
                    _ => true,
                });
                if !ok {
                    defaultable.remove(o.name.as_str());
                }
            }
            if defaultable.len() == before {
                break;
            }
        }
        Ctx {
            model,
            polymorphic,
            boxed,
            defaultable,
        }
    }

    fn is_poly(&self, name: &str) -> bool {
        self.polymorphic.contains(name)
    }

    /// The Rust type of one value of `ty` (before occurrence).
    fn value_type(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Primitive(p) => primitive_type(*p),
            TypeRef::AnyType => quote!(crate::AnyValue),
            TypeRef::ManagedObjectReference => quote!(crate::ManagedObjectReference),
            TypeRef::Enum(e) => {
                let i = type_ident(e);
                quote!(crate::#i)
            }
            TypeRef::Object(o) => {
                if self.is_poly(o) {
                    let i = format_ident!("Any{}", type_ident(o));
                    quote!(crate::#i)
                } else {
                    let i = type_ident(o);
                    quote!(crate::#i)
                }
            }
        }
    }

    /// The Rust type of a struct field.
    fn field_type(&self, owner: &str, m: &Member) -> TokenStream {
        let mut v = self.value_type(&m.ty);
        if self.boxed.contains(&(owner.to_string(), m.name.clone())) {
            v = quote!(::std::boxed::Box<#v>);
        }
        match m.occurrence {
            Occurrence::Required => v,
            Occurrence::Optional => quote!(::std::option::Option<#v>),
            Occurrence::RequiredList | Occurrence::OptionalList => quote!(::std::vec::Vec<#v>),
            Occurrence::Ignored => unreachable!("ignored members have no field"),
        }
    }
}

fn doc(text: &str) -> TokenStream {
    let lit = Literal::string(&format!(" {text}"));
    quote!(#[doc = #lit])
}

fn lit(s: &str) -> Literal {
    Literal::string(s)
}

fn byte_lit(s: &str) -> Literal {
    Literal::byte_string(s.as_bytes())
}

/// Emits the Rust source for a model, `input_name` naming the input in the `@generated` header.
pub fn emit(model: &Model, input_name: &str) -> Result<String, String> {
    let ctx = Ctx::new(model);
    let mut items = TokenStream::new();
    for e in &model.enums {
        items.extend(emit_enum(e));
    }
    for o in &model.objects {
        items.extend(emit_object(&ctx, o));
        if o.is_polymorphic() {
            items.extend(emit_polymorphic(&ctx, o));
        }
    }
    for mo in &model.managed_objects {
        items.extend(emit_managed_object(&ctx, mo));
    }
    items.extend(emit_any_value(&ctx));
    let methods: TokenStream = model.methods.iter().map(|m| emit_method(&ctx, m)).collect();
    items.extend(quote! {
        /// Typed stubs for the API's methods, one async function per method.
        pub mod methods {
            #methods
        }
    });
    let file: syn::File = syn::parse2(items)
        .map_err(|e| format!("internal error: generated code does not parse: {e}"))?;
    let body = prettyplease::unparse(&file);
    let file_name = std::path::Path::new(input_name)
        .file_name()
        .map_or(input_name.to_string(), |f| f.to_string_lossy().into_owned());
    Ok(format!(
        "// @generated by esx-vi-gen from {file_name}. Do not edit: change the input and regenerate.\n\n{body}"
    ))
}

fn emit_enum(e: &Enum) -> TokenStream {
    let name = type_ident(&e.name);
    let type_doc = doc(&format!("The vSphere enum `{}`.", e.name));
    let variants: Vec<Ident> = e.values.iter().map(|v| variant_ident(v)).collect();
    let values: Vec<Literal> = e.values.iter().map(|v| lit(v)).collect();
    let docs: Vec<TokenStream> = e.values.iter().map(|v| doc(&format!("`{v}`"))).collect();
    let name_lit = lit(&e.name);
    let from_any = emit_from_any_value(&e.name, &name, false, true);
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

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from_wire(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::runtime::XmlRead for #name {
            fn read_xml(
                r: &mut crate::runtime::Reader<'_>,
                e: &crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError> {
                let text = r.read_text(e)?;
                ::std::result::Result::Ok(Self::from_wire(text.trim()))
            }
        }

        impl crate::runtime::XmlWrite for #name {
            fn write_xml(&self, w: &mut crate::runtime::Writer, name: &str, xsi_type: ::std::option::Option<&str>) {
                w.text_element(name, xsi_type, self.as_str());
            }
        }

        #from_any
    }
}

fn emit_object(ctx: &Ctx, o: &Object) -> TokenStream {
    let name = type_ident(&o.name);
    let name_lit = lit(&o.name);
    let fields: Vec<&Member> = o
        .members
        .iter()
        .filter(|m| m.occurrence != Occurrence::Ignored)
        .collect();
    let mut type_doc = format!("The vSphere data object `{}`", o.name);
    if let Some(base) = &o.base {
        type_doc.push_str(&format!(
            " (extends `{base}`; inherited members come first)"
        ));
    }
    type_doc.push('.');
    let type_doc = doc(&type_doc);
    let field_defs = fields.iter().map(|m| {
        let f = field_ident(&m.name);
        let t = ctx.field_type(&o.name, m);
        let occ = match m.occurrence {
            Occurrence::Required => "required",
            Occurrence::Optional => "optional",
            Occurrence::RequiredList => "required list",
            Occurrence::OptionalList => "optional list",
            Occurrence::Ignored => unreachable!(),
        };
        let d = doc(&format!("`{}` ({occ}).", m.name));
        quote!(#d pub #f: #t,)
    });
    let derive = if ctx.defaultable.contains(o.name.as_str()) {
        quote!(#[derive(Debug, Clone, PartialEq, Default)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq)])
    };
    // Locals are prefixed so no member name can shadow `r`, `e` or `child`.
    let local = |m: &Member| format_ident!("m_{}", field_name(&m.name));
    let locals = fields.iter().map(|m| {
        let f = local(m);
        let t = ctx.field_type(&o.name, m);
        match m.occurrence {
            Occurrence::Required => {
                quote!(let mut #f: ::std::option::Option<#t> = ::std::option::Option::None;)
            }
            Occurrence::Optional => quote!(let mut #f: #t = ::std::option::Option::None;),
            _ => quote!(let mut #f: #t = ::std::vec::Vec::new();),
        }
    });
    let arms = fields.iter().map(|m| {
        let l = local(m);
        let wire = byte_lit(&m.name);
        quote!(#wire => r.read_into(&child, &mut #l)?,)
    });
    let inits = fields.iter().map(|m| {
        let f = field_ident(&m.name);
        let l = local(m);
        let wire = lit(&m.name);
        match m.occurrence {
            Occurrence::Required => quote!(#f: r.required(e, #l, #wire)?,),
            _ => quote!(#f: #l,),
        }
    });
    let writes = o.members.iter().map(|m| {
        if m.occurrence == Occurrence::Ignored {
            return quote!();
        }
        let f = field_ident(&m.name);
        let wire = lit(&m.name);
        quote!(w.member(&self.#f, #wire);)
    });
    let from_any = emit_from_any_value(&o.name, &name, true, !o.is_polymorphic());
    let unused_e = if fields.iter().any(|m| m.occurrence == Occurrence::Required) {
        quote!()
    } else {
        quote!(let _ = e;)
    };
    let (read_bindings, loop_body) = if fields.is_empty() {
        (
            quote!(),
            quote!(
                while let ::std::option::Option::Some(child) = r.next_child()? {
                    r.skip(&child)?;
                }
            ),
        )
    } else {
        (
            quote!(#(#locals)*),
            quote! {
                while let ::std::option::Option::Some(child) = r.next_child()? {
                    match child.local_name() {
                        #(#arms)*
                        _ => r.skip(&child)?,
                    }
                }
            },
        )
    };
    quote! {
        #type_doc
        #derive
        pub struct #name {
            #(#field_defs)*
        }

        impl #name {
            /// The type's name on the wire (its `xsi:type`).
            pub const TYPE_NAME: &'static str = #name_lit;
        }

        impl crate::runtime::XmlRead for #name {
            fn read_xml(
                r: &mut crate::runtime::Reader<'_>,
                e: &crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError> {
                #read_bindings
                #loop_body
                #unused_e
                ::std::result::Result::Ok(Self { #(#inits)* })
            }
        }

        impl crate::runtime::XmlWrite for #name {
            fn write_xml(&self, w: &mut crate::runtime::Writer, name: &str, xsi_type: ::std::option::Option<&str>) {
                w.start(name, xsi_type);
                #(#writes)*
                w.end(name);
            }
        }

        #from_any
    }
}

/// `FromAnyValue` for a type and for a list of it; `variant` is the AnyValue variant's name.
fn emit_from_any_value(type_name: &str, rust: &Ident, boxed: bool, with_list: bool) -> TokenStream {
    let variant = type_ident(type_name);
    let array = format_ident!("ArrayOf{}", type_ident(type_name));
    let unbox = if boxed { quote!(*value) } else { quote!(value) };
    let list = if with_list {
        quote! {
            impl crate::runtime::FromAnyValue for ::std::vec::Vec<crate::#rust> {
                fn from_any_value(value: crate::AnyValue) -> ::std::result::Result<Self, crate::AnyValue> {
                    match value {
                        crate::AnyValue::#array(items) => ::std::result::Result::Ok(items),
                        other => ::std::result::Result::Err(other),
                    }
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        impl crate::runtime::FromAnyValue for crate::#rust {
            fn from_any_value(value: crate::AnyValue) -> ::std::result::Result<Self, crate::AnyValue> {
                match value {
                    crate::AnyValue::#variant(value) => ::std::result::Result::Ok(#unbox),
                    other => ::std::result::Result::Err(other),
                }
            }
        }

        #list
    }
}

/// The member getter's return type, and its body reading the field of a struct `owner`.
fn getter(ctx: &Ctx, owner: &str, m: &Member) -> (TokenStream, TokenStream) {
    let f = field_ident(&m.name);
    let boxed = ctx.boxed.contains(&(owner.to_string(), m.name.clone()));
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
        (Occurrence::Required, _) => {
            if boxed {
                (quote!(&#v), quote!(&*self.#f))
            } else {
                (quote!(&#v), quote!(&self.#f))
            }
        }
        (Occurrence::Optional, _) => {
            if boxed {
                (
                    quote!(::std::option::Option<&#v>),
                    quote!(self.#f.as_deref()),
                )
            } else {
                (quote!(::std::option::Option<&#v>), quote!(self.#f.as_ref()))
            }
        }
        (Occurrence::Ignored, _) => unreachable!(),
    }
}

fn members_trait(name: &str) -> Ident {
    format_ident!("{}Members", type_ident(name))
}

fn emit_polymorphic(ctx: &Ctx, o: &Object) -> TokenStream {
    let base = type_ident(&o.name);
    let any = format_ident!("Any{}", base);
    let trait_name = members_trait(&o.name);
    let own: Vec<&Member> = o
        .own_members
        .iter()
        .filter(|m| m.occurrence != Occurrence::Ignored)
        .collect();
    let supertrait = match &o.base {
        Some(b) => {
            let t = members_trait(b);
            quote!(: crate::#t)
        }
        None => quote!(),
    };
    let sigs = own.iter().map(|m| {
        let f = field_ident(&m.name);
        let (ret, _) = getter(ctx, &o.name, m);
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
    // Implement this trait for the base struct and every descendant struct.
    let mut implementors = vec![o.name.clone()];
    implementors.extend(o.descendants.iter().cloned());
    for s in &implementors {
        let sname = type_ident(s);
        let getters = own.iter().map(|m| {
            let f = field_ident(&m.name);
            let (ret, body) = getter(ctx, s, m);
            quote!(fn #f(&self) -> #ret { #body })
        });
        out.extend(quote! {
            impl crate::#trait_name for crate::#sname {
                #(#getters)*
            }
        });
    }
    // For the Any enums of this type and of every polymorphic descendant: delegate via `as_members`.
    let mut any_implementors = vec![o.name.clone()];
    any_implementors.extend(o.descendants.iter().filter(|d| ctx.is_poly(d)).cloned());
    for s in &any_implementors {
        let any_s = format_ident!("Any{}", type_ident(s));
        let getters = own.iter().map(|m| {
            let f = field_ident(&m.name);
            let (ret, _) = getter(ctx, &o.name, m);
            quote!(fn #f(&self) -> #ret { self.as_members().#f() })
        });
        out.extend(quote! {
            impl crate::#trait_name for crate::#any_s {
                #(#getters)*
            }
        });
    }
    // The unknown-subtype holder exposes the base members it parsed.
    for s in &any_implementors {
        let sname = type_ident(s);
        let getters = own.iter().map(|m| {
            let f = field_ident(&m.name);
            let (ret, _) = getter(ctx, &o.name, m);
            quote!(fn #f(&self) -> #ret { self.members.#f() })
        });
        out.extend(quote! {
            impl crate::#trait_name for crate::runtime::UnknownSubtype<crate::#sname> {
                #(#getters)*
            }
        });
    }

    // The enum itself.
    let mut variants = vec![o.name.clone()];
    variants.extend(o.descendants.iter().cloned());
    let vidents: Vec<Ident> = variants.iter().map(|v| type_ident(v)).collect();
    let vlits: Vec<Literal> = variants.iter().map(|v| lit(v)).collect();
    let vdocs: Vec<TokenStream> = variants.iter().map(|v| doc(&format!("`{v}`"))).collect();
    let from_impls = vidents.iter().map(|v| {
        quote! {
            impl ::std::convert::From<crate::#v> for crate::#any {
                fn from(value: crate::#v) -> Self { Self::#v(::std::boxed::Box::new(value)) }
            }
        }
    });
    let enum_doc = doc(&format!(
        "A `{}` value of any known subtype (chosen by `xsi:type`), or an unknown subtype kept whole.",
        o.name
    ));
    let base_lit = lit(&o.name);
    let members_doc = doc(&format!(
        "Base members are readable from every variant through [`{trait_name}`] (and its supertraits) without a match."
    ));
    let desc_idents: Vec<Ident> = o.descendants.iter().map(|v| type_ident(v)).collect();
    let mut sorted = variants.clone();
    sorted.sort();
    let sorted_lits: Vec<Literal> = sorted.iter().map(|v| lit(v)).collect();
    let sorted_idents: Vec<Ident> = sorted.iter().map(|v| type_ident(v)).collect();
    let desc_lits: Vec<Literal> = o.descendants.iter().map(|v| lit(v)).collect();
    // FromAnyValue: any variant of a member type converts; arrays of the base type too.
    let any_value_arms = vidents
        .iter()
        .map(|v| quote!(crate::AnyValue::#v(value) => ::std::result::Result::Ok(Self::#v(value)),));
    let array_variant = format_ident!("ArrayOf{}", base);
    out.extend(quote! {
        #enum_doc
        ///
        #members_doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #any {
            #( #vdocs #vidents(::std::boxed::Box<crate::#vidents>), )*
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
                match self {
                    #( Self::#vidents(value) => &**value, )*
                    Self::Unknown(unknown) => &**unknown,
                }
            }

            /// Reads a value whose `xsi:type` local name is `type_name` (`None`: the base type).
            pub fn read_as(
                r: &mut crate::runtime::Reader<'_>,
                e: &crate::runtime::Element<'_>,
                type_name: ::std::option::Option<&str>,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError> {
                static READERS: &[(&str, crate::runtime::ReadFn<crate::#any>)] = &[
                    #( (#sorted_lits, |r, e| ::std::result::Result::Ok(crate::#any::#sorted_idents(r.read_boxed(e)?))), )*
                ];
                let ::std::option::Option::Some(type_name) = type_name else {
                    return ::std::result::Result::Ok(Self::#base(r.read_boxed(e)?));
                };
                match READERS.binary_search_by(|(name, _)| (*name).cmp(type_name)) {
                    ::std::result::Result::Ok(index) => (READERS[index].1)(r, e),
                    ::std::result::Result::Err(_) => ::std::result::Result::Ok(Self::Unknown(::std::boxed::Box::new(r.read_unknown_subtype(e, type_name)?))),
                }
            }
        }

        impl crate::runtime::XmlRead for #any {
            fn read_xml(
                r: &mut crate::runtime::Reader<'_>,
                e: &crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError> {
                let type_name = r.xsi_type(e)?;
                Self::read_as(r, e, type_name.as_deref())
            }
        }

        impl crate::runtime::XmlWrite for #any {
            fn write_xml(&self, w: &mut crate::runtime::Writer, name: &str, xsi_type: ::std::option::Option<&str>) {
                match self {
                    Self::#base(value) => value.write_xml(w, name, xsi_type),
                    #( Self::#desc_idents(value) => value.write_xml(w, name, ::std::option::Option::Some(#desc_lits)), )*
                    Self::Unknown(unknown) => unknown.write_xml(w, name, xsi_type),
                }
            }
        }

        #( #from_impls )*

        impl crate::runtime::FromAnyValue for crate::#any {
            fn from_any_value(value: crate::AnyValue) -> ::std::result::Result<Self, crate::AnyValue> {
                match value {
                    #( #any_value_arms )*
                    other => ::std::result::Result::Err(other),
                }
            }
        }

        impl crate::runtime::FromAnyValue for ::std::vec::Vec<crate::#any> {
            fn from_any_value(value: crate::AnyValue) -> ::std::result::Result<Self, crate::AnyValue> {
                match value {
                    crate::AnyValue::#array_variant(items) => ::std::result::Result::Ok(items),
                    other => ::std::result::Result::Err(other),
                }
            }
        }
    });
    out
}

fn emit_managed_object(ctx: &Ctx, mo: &ManagedObject) -> TokenStream {
    let model = ctx.model;
    let name = type_ident(&mo.name);
    let name_lit = lit(&mo.name);
    let reference = format_ident!("{}Ref", name);
    let props = format_ident!("{}Properties", name);
    // Types a reference of this kind may point at: itself and every managed object extending it.
    let mut accepted: Vec<String> = vec![mo.name.clone()];
    let mut ancestors: Vec<String> = Vec::new();
    {
        let by_name: BTreeMap<&str, &ManagedObject> = model
            .managed_objects
            .iter()
            .map(|m| (m.name.as_str(), m))
            .collect();
        for other in &model.managed_objects {
            let mut current = other.base.as_deref();
            while let Some(b) = current {
                if b == mo.name {
                    accepted.push(other.name.clone());
                    break;
                }
                current = by_name.get(b).and_then(|m| m.base.as_deref());
            }
        }
        let mut current = mo.base.as_deref();
        while let Some(b) = current {
            ancestors.push(b.to_string());
            current = by_name.get(b).and_then(|m| m.base.as_deref());
        }
    }
    accepted.sort();
    let accepted_lits: Vec<Literal> = accepted.iter().map(|a| lit(a)).collect();
    let upcasts = ancestors.iter().map(|a| {
        let a_ref = format_ident!("{}Ref", type_ident(a));
        quote! {
            impl ::std::convert::From<crate::#reference> for crate::#a_ref {
                fn from(value: crate::#reference) -> Self { crate::#a_ref(value.0) }
            }
        }
    });
    let ref_doc = doc(&format!(
        "A reference to a `{}` managed object (or one of its subtypes).",
        mo.name
    ));
    let props_doc = doc(&format!(
        "Properties of a `{}`, as a property collector returns them: one optional field per top-level property (inherited ones included), `None` when not retrieved.",
        mo.name
    ));
    let fields: Vec<&Member> = mo
        .properties
        .iter()
        .filter(|m| m.occurrence != Occurrence::Ignored)
        .collect();
    let field_defs = fields.iter().map(|m| {
        let f = field_ident(&m.name);
        let v = ctx.value_type(&m.ty);
        let t = if m.occurrence.is_list() {
            quote!(::std::option::Option<::std::vec::Vec<#v>>)
        } else {
            quote!(::std::option::Option<#v>)
        };
        let d = doc(&format!("`{}`.", m.name));
        quote!(#d pub #f: #t,)
    });
    let field_inits = fields.iter().map(|m| {
        let f = field_ident(&m.name);
        quote!(#f: ::std::option::Option::None,)
    });
    let arms = fields.iter().map(|m| {
        let f = field_ident(&m.name);
        let wire = lit(&m.name);
        quote!(#wire => crate::runtime::set_property(&mut out.#f, &mut out.other, out.obj.as_ref(), &name, value)?,)
    });
    let object_content = emit_object_content_conversion(model, &props);
    quote! {
        #ref_doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct #reference(pub(crate) crate::ManagedObjectReference);

        impl #reference {
            /// The managed object type's name.
            pub const TYPE_NAME: &'static str = #name_lit;
            /// The reference types this kind accepts (itself and its subtypes).
            pub const ACCEPTED_TYPES: &'static [&'static str] = &[ #( #accepted_lits ),* ];

            /// A reference to the object with this id (`vm-42`), of exactly this type.
            pub fn new(value: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(crate::ManagedObjectReference::new(#name_lit, value))
            }

            /// The object's id (`vm-42`).
            pub fn value(&self) -> &str { &self.0.value }

            /// The untyped reference.
            pub fn as_reference(&self) -> &crate::ManagedObjectReference { &self.0 }

            /// The untyped reference, by value.
            pub fn into_reference(self) -> crate::ManagedObjectReference { self.0 }
        }

        impl ::std::convert::TryFrom<crate::ManagedObjectReference> for #reference {
            type Error = crate::runtime::WrongObjectType;
            fn try_from(value: crate::ManagedObjectReference) -> ::std::result::Result<Self, Self::Error> {
                if Self::ACCEPTED_TYPES.contains(&value.r#type.as_str()) {
                    ::std::result::Result::Ok(Self(value))
                } else {
                    ::std::result::Result::Err(crate::runtime::WrongObjectType { expected: #name_lit, found: value })
                }
            }
        }

        impl ::std::ops::Deref for #reference {
            type Target = crate::ManagedObjectReference;
            fn deref(&self) -> &crate::ManagedObjectReference { &self.0 }
        }

        impl ::std::convert::AsRef<crate::ManagedObjectReference> for #reference {
            fn as_ref(&self) -> &crate::ManagedObjectReference { &self.0 }
        }

        impl ::std::convert::From<#reference> for crate::ManagedObjectReference {
            fn from(value: #reference) -> Self { value.0 }
        }

        impl ::std::fmt::Display for #reference {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        #( #upcasts )*

        #props_doc
        ///
        /// Values of nested property paths (`runtime.powerState`) and of properties the input does
        /// not describe stay dynamically typed in `other`, keyed by their path.
        #[derive(Debug, Clone, PartialEq)]
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
                let mut out = Self {
                    obj,
                    #( #field_inits )*
                    other: ::std::collections::BTreeMap::new(),
                };
                for (name, value) in properties {
                    match name.as_str() {
                        #( #arms )*
                        _ => { out.other.insert(name, value); }
                    }
                }
                ::std::result::Result::Ok(out)
            }

            /// The value retrieved for a nested or undescribed property path (`runtime.powerState`).
            pub fn path(&self, path: &str) -> ::std::option::Option<&crate::AnyValue> {
                self.other.get(path)
            }
        }

        #object_content
    }
}

/// `TryFrom<ObjectContent>` for a properties struct, when the input has the usual
/// `ObjectContent { obj, propSet }` and `DynamicProperty { name, val }` shapes.
fn emit_object_content_conversion(model: &Model, props: &Ident) -> TokenStream {
    let has = |obj: &str, member: &str, ty: &TypeRef, list: bool| {
        model.object(obj).is_some_and(|o| {
            o.members.iter().any(|m| {
                m.name == member
                    && &m.ty == ty
                    && m.occurrence.is_list() == list
                    && m.occurrence != Occurrence::Ignored
            }) && !o.is_polymorphic()
        })
    };
    let dp = TypeRef::Object("DynamicProperty".into());
    let shaped = has(
        "ObjectContent",
        "obj",
        &TypeRef::ManagedObjectReference,
        false,
    ) && model.object("ObjectContent").is_some_and(|o| {
        o.members
            .iter()
            .any(|m| m.name == "obj" && m.occurrence == Occurrence::Required)
    }) && has("ObjectContent", "propSet", &dp, true)
        && model.object("DynamicProperty").is_some_and(|o| {
            o.members.iter().any(|m| {
                m.name == "name"
                    && m.ty == TypeRef::Primitive(Primitive::String)
                    && m.occurrence == Occurrence::Required
            }) && o.members.iter().any(|m| {
                m.name == "val" && m.ty == TypeRef::AnyType && m.occurrence == Occurrence::Required
            })
        });
    if !shaped {
        return quote!();
    }
    quote! {
        impl ::std::convert::TryFrom<crate::ObjectContent> for #props {
            type Error = crate::runtime::DecodeError;
            fn try_from(content: crate::ObjectContent) -> ::std::result::Result<Self, Self::Error> {
                let obj = ::std::convert::TryFrom::try_from(content.obj)
                    .map_err(|e: crate::runtime::WrongObjectType| crate::runtime::DecodeError::new("ObjectContent/obj", e.to_string()))?;
                Self::from_properties(
                    ::std::option::Option::Some(obj),
                    content.prop_set.into_iter().map(|p| (p.name, p.val)),
                )
            }
        }
    }
}

fn emit_any_value(ctx: &Ctx) -> TokenStream {
    let model = ctx.model;
    let mut variants = Vec::new();
    let mut read_arms: Vec<(String, TokenStream)> = Vec::new();
    let mut write_arms = Vec::new();
    let mut name_arms = Vec::new();
    // Primitives and their arrays.
    for p in Primitive::ALL {
        let (xsd, array_suffix) = primitive_wire(p);
        let v = format_ident!("{}", p.input_name());
        let av = format_ident!("ArrayOf{}", array_suffix);
        let t = primitive_type(p);
        let xsd_lit = lit(xsd);
        let xsd_q = lit(&format!("xsd:{xsd}"));
        let av_lit = lit(&format!("ArrayOf{array_suffix}"));
        let d = doc(&format!("`xsd:{xsd}`"));
        let ad = doc(&format!("`ArrayOf{array_suffix}` (items `<{xsd}>`)"));
        variants.push(quote!(#d #v(#t), #ad #av(::std::vec::Vec<#t>),));
        read_arms.push((xsd.to_string(), quote!(crate::AnyValue::#v(r.read(e)?))));
        read_arms.push((
            format!("ArrayOf{array_suffix}"),
            quote!(crate::AnyValue::#av(r.read_array(e)?)),
        ));
        write_arms.push(quote! {
            Self::#v(value) => value.write_xml(w, name, ::std::option::Option::Some(#xsd_q)),
            Self::#av(items) => w.array(name, #av_lit, #xsd_lit, items),
        });
        name_arms.push(quote! {
            Self::#v(_) => #xsd_q,
            Self::#av(_) => #av_lit,
        });
    }
    // Named types: ManagedObjectReference, AnyType arrays, enums, data objects.
    let mut named: Vec<(String, TokenStream, TokenStream, bool)> = vec![(
        "ManagedObjectReference".to_string(),
        quote!(crate::ManagedObjectReference),
        quote!(crate::ManagedObjectReference),
        false,
    )];
    for e in &model.enums {
        let i = type_ident(&e.name);
        named.push((e.name.clone(), quote!(crate::#i), quote!(crate::#i), false));
    }
    for o in &model.objects {
        let i = type_ident(&o.name);
        let item = ctx.value_type(&TypeRef::Object(o.name.clone()));
        named.push((o.name.clone(), quote!(crate::#i), item, true));
    }
    for (wire, single, item, boxed) in &named {
        let v = type_ident(wire);
        let av = format_ident!("ArrayOf{}", v);
        let wire_lit = lit(wire);
        let av_lit = lit(&format!("ArrayOf{wire}"));
        let d = doc(&format!("`{wire}`"));
        let ad = doc(&format!("`ArrayOf{wire}`"));
        if *boxed {
            variants
                .push(quote!(#d #v(::std::boxed::Box<#single>), #ad #av(::std::vec::Vec<#item>),));
            read_arms.push((wire.clone(), quote!(crate::AnyValue::#v(r.read_boxed(e)?))));
        } else {
            variants.push(quote!(#d #v(#single), #ad #av(::std::vec::Vec<#item>),));
            read_arms.push((wire.clone(), quote!(crate::AnyValue::#v(r.read(e)?))));
        }
        read_arms.push((
            format!("ArrayOf{wire}"),
            quote!(crate::AnyValue::#av(r.read_array(e)?)),
        ));
        write_arms.push(quote! {
            Self::#v(value) => value.write_xml(w, name, ::std::option::Option::Some(#wire_lit)),
            Self::#av(items) => w.array(name, #av_lit, #wire_lit, items),
        });
        name_arms.push(quote! {
            Self::#v(_) => #wire_lit,
            Self::#av(_) => #av_lit,
        });
    }
    read_arms.push((
        "ArrayOfAnyType".to_string(),
        quote!(crate::AnyValue::ArrayOfAnyType(r.read_array(e)?)),
    ));
    read_arms.sort_by(|a, b| a.0.cmp(&b.0));
    let read_names: Vec<Literal> = read_arms.iter().map(|(n, _)| lit(n)).collect();
    let read_exprs: Vec<&TokenStream> = read_arms.iter().map(|(_, x)| x).collect();
    quote! {
        /// A dynamically typed value (`xsd:anyType`, e.g. `DynamicProperty.val`), chosen by its
        /// `xsi:type`: primitives, managed object references, enums, data objects and arrays of each.
        ///
        /// A value with an unknown `xsi:type` (or none) is kept whole in `Unknown` and written back
        /// unchanged.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum AnyValue {
            #( #variants )*
            /// `ArrayOfAnyType`
            ArrayOfAnyType(::std::vec::Vec<crate::AnyValue>),
            /// A value of a type this version does not know.
            Unknown(crate::runtime::UnknownValue),
        }

        impl AnyValue {
            /// The value's `xsi:type` as written on the wire (`xsd:string`, `ArrayOfString`,
            /// `VirtualMachinePowerState`...).
            pub fn type_name(&self) -> &str {
                match self {
                    #( #name_arms )*
                    Self::ArrayOfAnyType(_) => "ArrayOfAnyType",
                    Self::Unknown(value) => value.type_name.as_str(),
                }
            }

            /// Converts to a typed value, giving the value back when its type does not fit.
            pub fn into_typed<T: crate::runtime::FromAnyValue>(self) -> ::std::result::Result<T, crate::AnyValue> {
                T::from_any_value(self)
            }
        }

        impl crate::runtime::XmlRead for AnyValue {
            fn read_xml(
                r: &mut crate::runtime::Reader<'_>,
                e: &crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, crate::runtime::DecodeError> {
                // One small reader per type, found by binary search: the dispatch stays fast and
                // this function's stack frame small however many types there are.
                static READERS: &[(&str, crate::runtime::ReadFn<crate::AnyValue>)] = &[
                    #( (#read_names, |r, e| ::std::result::Result::Ok(#read_exprs)), )*
                ];
                let type_name = r.xsi_type(e)?;
                let ::std::option::Option::Some(type_name) = type_name else {
                    return ::std::result::Result::Ok(Self::Unknown(r.read_unknown_value(e, "")?));
                };
                match READERS.binary_search_by(|(name, _)| (*name).cmp(&*type_name)) {
                    ::std::result::Result::Ok(index) => (READERS[index].1)(r, e),
                    ::std::result::Result::Err(_) => ::std::result::Result::Ok(Self::Unknown(r.read_unknown_value(e, &type_name)?)),
                }
            }
        }

        impl crate::runtime::XmlWrite for AnyValue {
            fn write_xml(&self, w: &mut crate::runtime::Writer, name: &str, _xsi_type: ::std::option::Option<&str>) {
                match self {
                    #( #write_arms )*
                    Self::ArrayOfAnyType(items) => w.array(name, "ArrayOfAnyType", "anyType", items),
                    Self::Unknown(value) => value.write_xml(w, name, ::std::option::Option::None),
                }
            }
        }

        impl crate::runtime::FromAnyValue for crate::AnyValue {
            fn from_any_value(value: crate::AnyValue) -> ::std::result::Result<Self, crate::AnyValue> {
                ::std::result::Result::Ok(value)
            }
        }
    }
}

fn param_type(ctx: &Ctx, m: &Member) -> TokenStream {
    if m.ty == TypeRef::Primitive(Primitive::String) {
        return match m.occurrence {
            Occurrence::Required => quote!(&str),
            Occurrence::Optional => quote!(::std::option::Option<&str>),
            _ => quote!(&[::std::string::String]),
        };
    }
    let v = ctx.value_type(&m.ty);
    let by_value = matches!(m.ty, TypeRef::Primitive(p) if is_copy(p));
    match m.occurrence {
        Occurrence::Required if by_value => v,
        Occurrence::Optional if by_value => quote!(::std::option::Option<#v>),
        Occurrence::Required => quote!(&#v),
        Occurrence::Optional => quote!(::std::option::Option<&#v>),
        _ => quote!(&[#v]),
    }
}

fn emit_method(ctx: &Ctx, m: &Method) -> TokenStream {
    let f = field_ident(&m.name);
    let name_lit = lit(&m.name);
    let response_lit = lit(&format!("{}Response", m.name));
    let params = m.params.iter().map(|p| {
        let pi = field_ident(&p.name);
        let t = param_type(ctx, p);
        quote!(#pi: #t,)
    });
    let writes = m.params.iter().map(|p| {
        let pi = field_ident(&p.name);
        let wire = lit(&p.name);
        quote!(soap_body.member(&#pi, #wire);)
    });
    let (this_param, this_binding, this_doc) = match &m.this {
        This::Caller => (
            quote!(this: &crate::ManagedObjectReference,),
            quote!(),
            "`this` is the object the method is called on.".to_string(),
        ),
        This::ServiceContent { member, optional } => {
            let mi = field_ident(member);
            let member_lit = lit(member);
            let binding = if *optional {
                quote! {
                    let this = service_content.#mi.as_ref().ok_or(crate::soap::MethodError::NotAvailable { member: #member_lit })?;
                }
            } else {
                quote!(let this = &service_content.#mi;)
            };
            (
                quote!(service_content: &crate::ServiceContent,),
                binding,
                format!("`_this` is the ServiceContent's `{member}`."),
            )
        }
    };
    let (ret, decode) = match &m.returns {
        None => (
            quote!(()),
            quote!(crate::soap::decode_none(&soap_response.envelope, #response_lit)),
        ),
        Some((ty, occ)) => {
            let v = ctx.value_type(ty);
            match occ {
                Occurrence::Required => (
                    v,
                    quote!(crate::soap::decode_required(&soap_response.envelope, #response_lit)),
                ),
                Occurrence::Optional => (
                    quote!(::std::option::Option<#v>),
                    quote!(crate::soap::decode_optional(&soap_response.envelope, #response_lit)),
                ),
                _ => (
                    quote!(::std::vec::Vec<#v>),
                    quote!(crate::soap::decode_list(&soap_response.envelope, #response_lit)),
                ),
            }
        }
    };
    let method_doc = doc(&format!("Calls `{}`. {this_doc}", m.name));
    quote! {
        #method_doc
        #[allow(clippy::too_many_arguments)]
        pub async fn #f<T: crate::transport::Transport>(
            transport: &T,
            #this_param
            #(#params)*
        ) -> ::std::result::Result<#ret, crate::soap::MethodError<T::Error>> {
            #this_binding
            let mut soap_body = crate::runtime::Writer::new();
            soap_body.start_method(#name_lit);
            soap_body.member(this, "_this");
            #(#writes)*
            soap_body.end(#name_lit);
            let soap_request = crate::transport::SoapRequest { method: #name_lit, body: soap_body.finish() };
            let soap_response = transport.send(soap_request).await.map_err(crate::soap::MethodError::Transport)?;
            #decode
        }
    }
}
