//! Methods: one async stub per input method in `methods`, generic over the transport.
//!
//! A stub binds `_this`, lists its parameters for `soap::request` (which writes the body in wire
//! order), sends it with `soap::call` and decodes the result with `soap::decode_*`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, is_copy, lit, Ctx};
use crate::ident::field_ident;
use crate::model::{Member, Method, Primitive, This, TypeRef};
use crate::parse::Occurrence;

pub(super) fn emit(ctx: &Ctx<'_>) -> TokenStream {
    let methods = ctx.model.methods.iter().map(|m| emit_method(ctx, m));
    quote! {
        /// Typed stubs for the API's methods, one async function per method.
        pub mod methods {
            #(#methods)*
        }
    }
}

/// How a parameter is passed: strings as `&str`, small primitives by value, the rest by reference.
fn param_type(ctx: &Ctx<'_>, m: &Member) -> TokenStream {
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

fn emit_method(ctx: &Ctx<'_>, m: &Method) -> TokenStream {
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
        quote!((#wire, &#pi),)
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
        None => (quote!(()), quote!(decode_none)),
        Some((ty, occ)) => {
            let v = ctx.value_type(ty);
            match occ {
                Occurrence::Required => (v, quote!(decode_required)),
                Occurrence::Optional => {
                    (quote!(::std::option::Option<#v>), quote!(decode_optional))
                }
                _ => (quote!(::std::vec::Vec<#v>), quote!(decode_list)),
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
            let soap_request = crate::soap::request(#name_lit, this, &[#(#writes)*]);
            let soap_response = crate::soap::call(transport, soap_request).await?;
            crate::soap::#decode(&soap_response.envelope, #response_lit)
        }
    }
}
