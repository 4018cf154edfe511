//! The hand-written XML runtime under the generated code: reading, writing, primitives, unknowns.
//!
//! Generated types only list their members, values and subtypes and sequence calls into this
//! module, so namespaces, `xsi:type`, escaping, unknown elements and error paths are handled (and
//! tested) once, here. The glue every generated type of a family shares is in `macros`-defined
//! one-line invocations (`wire_enum!`, `data_object!`, `polymorphic!`...), generic code in `any`
//! (`AnyValue` and the polymorphic `Any` enums) and object-safe slots ([`ReadSlot`],
//! [`PropertySlot`]) that keep a member from costing a generic function.

mod any;
// The generated code invokes only the macros of the families its input has: an input without
// managed objects (libvirt's early files have few; a trimmed one may have none) leaves some unused.
#[allow(unused_macros)]
mod macros;
mod reader;
mod values;
mod writer;

pub use any::{read_polymorphic, write_polymorphic, FromAnyValue, MembersOf, Polymorphic};
#[allow(unused_imports)]
pub(crate) use macros::{
    any_value_variants, data_object, from_subtype, managed_object_ref, polymorphic,
    properties_from_object_content, upcast_ref, wire_enum,
};

pub use reader::{
    element_path, DecodeError, Element, Reader, MAX_DEPTH, VIM25_NAMESPACE, XSD_NAMESPACE,
    XSI_NAMESPACE,
};
pub use values::{Binary, DateTime, ManagedObjectReference};
pub use writer::{escape_into, Tag, Writer};

use std::fmt;

/// A type read from an XML element.
pub trait XmlRead: Sized {
    /// Reads the content of `e` (whose start tag was just read) and its end tag.
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError>;
}

/// A reader for one `xsi:type`, as the generated dispatch tables hold them.
pub type ReadFn<T> = fn(&mut Reader<'_>, &Element<'_>) -> Result<T, DecodeError>;

/// A type written as an XML element.
pub trait XmlWrite {
    /// Writes the value as the element `tag` (with its `xsi:type` when it has one: a subtype, or a
    /// value in an `xsd:anyType` slot).
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>);
}

/// Where one member's values accumulate while its element's children are read (see
/// [`Reader::read_members`]): `Option` keeps the last value of a single member, `Vec` collects a
/// list member. Object safe, so a generated reader lists its members as `&mut dyn ReadSlot`
/// without a generic call per member.
pub trait ReadSlot {
    /// Reads one value from `e` (whose start tag was just read) and stores it.
    fn read_slot(&mut self, r: &mut Reader<'_>, e: &Element<'_>) -> Result<(), DecodeError>;
}

// The slots and readers below match on results instead of using `?`, which would add two
// generic instances per member type (`Try::branch`, `FromResidual`) to the generated crate.

impl<T: XmlRead> ReadSlot for Option<T> {
    fn read_slot(&mut self, r: &mut Reader<'_>, e: &Element<'_>) -> Result<(), DecodeError> {
        match T::read_xml(r, e) {
            Ok(value) => {
                *self = Some(value);
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}

impl<T: XmlRead> ReadSlot for Vec<T> {
    fn read_slot(&mut self, r: &mut Reader<'_>, e: &Element<'_>) -> Result<(), DecodeError> {
        match T::read_xml(r, e) {
            Ok(value) => {
                self.push(value);
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}

/// A value of a subtype this version does not know (its `xsi:type` names no known subtype): its
/// type name, the base members parsed from it, and its raw inner XML, written back unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownSubtype<B> {
    /// The `xsi:type` local name (`VirtualNVMEController`).
    pub type_name: String,
    /// The members of the declared base type, read from the value.
    pub members: B,
    /// The raw XML between the start and end tags.
    pub raw: String,
}

impl<B> XmlWrite for UnknownSubtype<B> {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        w.start(Tag::typed(tag.name, &self.type_name));
        w.raw(&self.raw);
        w.end(tag.name);
    }
}

/// A dynamically typed value of a type this version does not know (or without `xsi:type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The `xsi:type` local name, empty when the element had none.
    pub type_name: String,
    /// The raw XML between the start and end tags.
    pub raw: String,
}

impl XmlRead for UnknownValue {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        let type_name = r.xsi_type(e)?.map(|t| t.into_owned()).unwrap_or_default();
        r.read_unknown_value(e, &type_name)
    }
}

impl XmlWrite for UnknownValue {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        let type_name = (!self.type_name.is_empty()).then_some(self.type_name.as_str());
        w.start(tag.with_type(type_name));
        w.raw(&self.raw);
        w.end(tag.name);
    }
}

/// A managed object reference of another type than the typed reference needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongObjectType {
    /// The type the typed reference needs (or a subtype of it).
    pub expected: &'static str,
    /// The reference that was given.
    pub found: ManagedObjectReference,
}

impl fmt::Display for WrongObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected a reference to a {} (or a subtype), found {}",
            self.expected, self.found
        )
    }
}

impl std::error::Error for WrongObjectType {}

/// A typed field of a generated property struct (`Option<T>`), filled from a retrieved value.
/// Object safe, so a generated property struct picks the field by name without a generic call
/// per property.
pub trait PropertySlot {
    /// Stores `value` if its type fits, or gives it back.
    fn set(&mut self, value: crate::AnyValue) -> Result<(), crate::AnyValue>;
}

impl<T: FromAnyValue> PropertySlot for Option<T> {
    fn set(&mut self, value: crate::AnyValue) -> Result<(), crate::AnyValue> {
        *self = Some(T::from_any_value(value)?);
        Ok(())
    }
}

/// Stores a retrieved property value in its typed field. A value of a type this version does not
/// know (`AnyValue::Unknown`) goes to `other` instead, so a newer server does not break the
/// conversion; a known type that does not fit is an error naming the object and the property.
pub fn set_property(
    field: &mut dyn PropertySlot,
    other: &mut std::collections::BTreeMap<String, crate::AnyValue>,
    obj: Option<&ManagedObjectReference>,
    property: &str,
    value: crate::AnyValue,
) -> Result<(), DecodeError> {
    match field.set(value) {
        Ok(()) => Ok(()),
        Err(unknown @ crate::AnyValue::Unknown(_)) => {
            other.insert(property.to_string(), unknown);
            Ok(())
        }
        Err(value) => {
            let owner = obj.map_or_else(|| "properties".to_string(), |o| o.to_string());
            Err(DecodeError::new(
                format!("{owner}/{property}"),
                format!(
                    "the value's type {} does not fit the property's declared type",
                    value.type_name()
                ),
            ))
        }
    }
}

/// Reads a standalone document whose root element is a `T`.
pub fn read_document<T: XmlRead>(xml: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(xml);
    let root = r.root()?;
    T::read_xml(&mut r, &root)
}

/// Writes `value` as a standalone document with root element `name`, declaring the vim25, `xsi`
/// and `xsd` namespaces on it.
pub fn write_document<T: XmlWrite + ?Sized>(value: &T, name: &str) -> String {
    let mut w = Writer::document();
    value.write_xml(&mut w, Tag::new(name));
    w.finish()
}
