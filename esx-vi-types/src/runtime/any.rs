//! `AnyValue` without a line of logic per type: conversions, writing and reading by `xsi:type`.
//!
//! The generated `AnyValue` lists its variants: each one's wire type name (`type_name`), its
//! content (`content`) and, for enums and data objects, its reader (`READERS`, sorted by type
//! name; each type's `data_object!`/`wire_enum!` line defines the reader and the `FromAnyValue`
//! conversions). The primitives' readers are here. Writing is the content's own writer under the
//! variant's type name; unknown types are kept whole.

use super::values::PRIMITIVE_READERS;
use super::{DecodeError, Element, ReadFn, Reader, Tag, Writer, XmlRead, XmlWrite};
use crate::AnyValue;

/// Conversion from a dynamically typed value (a `DynamicProperty.val`), giving the value back
/// when its type does not fit.
pub trait FromAnyValue: Sized {
    /// Converts `value`, or returns it unchanged.
    fn from_any_value(value: AnyValue) -> Result<Self, AnyValue>;
}

/// A boxed value converts as the value does (the data objects of property structs are boxed).
impl<T: FromAnyValue> FromAnyValue for Box<T> {
    fn from_any_value(value: AnyValue) -> Result<Self, AnyValue> {
        T::from_any_value(value).map(Box::new)
    }
}

impl FromAnyValue for AnyValue {
    fn from_any_value(value: AnyValue) -> Result<Self, AnyValue> {
        Ok(value)
    }
}

/// The XML Schema types whose `ArrayOfX` items are named by the schema's own (lower camel case)
/// name: `ArrayOfString` holds `<string>` items. Items of every other `ArrayOfX` are named `X`.
const XSD_ARRAY_ITEMS: [(&str, &str); 10] = [
    ("AnyType", "anyType"),
    ("Base64Binary", "base64Binary"),
    ("Boolean", "boolean"),
    ("Byte", "byte"),
    ("DateTime", "dateTime"),
    ("Double", "double"),
    ("Int", "int"),
    ("Long", "long"),
    ("Short", "short"),
    ("String", "string"),
];

/// The element name of the items of an `ArrayOfX` type (`None` for a type that is not an array).
fn array_item_name(type_name: &str) -> Option<&str> {
    let item = type_name.strip_prefix("ArrayOf")?;
    Some(
        XSD_ARRAY_ITEMS
            .iter()
            .find(|(array, _)| *array == item)
            .map_or(item, |(_, xsd)| xsd),
    )
}

/// A value is written with its `xsi:type` (an array as `<name xsi:type="ArrayOfX">` around one
/// element per item); a value of an unknown type is written back as it was read.
impl XmlWrite for AnyValue {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        if let AnyValue::Unknown(unknown) = self {
            unknown.write_xml(w, tag);
            return;
        }
        let type_name = self.type_name();
        let content = self.content();
        match array_item_name(type_name) {
            Some(item) => {
                w.start(Tag::typed(tag.name, type_name));
                content.write_xml(w, Tag::new(item));
                w.end(tag.name);
            }
            None => content.write_xml(w, Tag::typed(tag.name, type_name)),
        }
    }
}

/// A value is read by its `xsi:type`; without one, or with a type this version does not know, it
/// is kept whole as `AnyValue::Unknown`.
impl XmlRead for AnyValue {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        let Some(type_name) = r.xsi_type(e)? else {
            return Ok(AnyValue::Unknown(r.read_unknown_value(e, "")?));
        };
        let reader = find_reader(PRIMITIVE_READERS, &type_name)
            .or_else(|| find_reader(AnyValue::READERS, &type_name));
        match reader {
            Some(read) => read(r, e),
            None => Ok(AnyValue::Unknown(r.read_unknown_value(e, &type_name)?)),
        }
    }
}

/// The reader for `type_name` in a table sorted by type name.
fn find_reader<T>(readers: &[(&str, ReadFn<T>)], type_name: &str) -> Option<ReadFn<T>> {
    readers
        .binary_search_by(|(name, _)| (*name).cmp(type_name))
        .ok()
        .map(|index| readers[index].1)
}

/// A polymorphic type's enum (`AnyX`): a value of the type or of one of its subtypes, chosen by
/// `xsi:type`. `polymorphic!` reads and writes it through this.
pub trait Polymorphic: FromAnyValue + MembersOf {
    /// The base type's struct (what an unknown subtype's holder keeps).
    type Base: XmlRead;
    /// The base type's name on the wire.
    const BASE_TYPE_NAME: &'static str;
    /// The wire names of the base type and every known subtype, sorted.
    const TYPE_NAMES: &'static [&'static str];

    /// The value's `xsi:type` (the base type's name for a value of the base type itself).
    fn type_name(&self) -> &str;
    /// The value inside (an unknown subtype's holder writes its raw XML back).
    fn content(&self) -> &dyn XmlWrite;
    /// The holder of a value of a subtype this version does not know.
    fn unknown(unknown: super::UnknownSubtype<Self::Base>) -> Self;
}

/// A value whose base members are read through another value: an `Any` enum through its
/// variant's value (`Members` is the base type's `dyn XMembers`), an unknown subtype's holder
/// through the base members it parsed. Each generated member trait is implemented for every
/// `MembersOf` whose `Members` has it, so these need no getters of their own.
pub trait MembersOf {
    /// What the members are read from.
    type Members: ?Sized;
    /// The value the members are read from.
    fn members(&self) -> &Self::Members;
}

impl<B> MembersOf for super::UnknownSubtype<B> {
    type Members = B;
    fn members(&self) -> &B {
        &self.members
    }
}

/// Reads a polymorphic value whose `xsi:type` local name is `type_name` (`None`: the base type):
/// a known type is read as its `AnyValue` variant and converted; any other type is an unknown
/// subtype that keeps the base members and its raw XML.
pub fn read_polymorphic<T: Polymorphic>(
    r: &mut Reader<'_>,
    e: &Element<'_>,
    type_name: Option<&str>,
) -> Result<T, DecodeError> {
    let type_name = type_name.unwrap_or(T::BASE_TYPE_NAME);
    let known = T::TYPE_NAMES.binary_search(&type_name).is_ok();
    match find_reader(AnyValue::READERS, type_name) {
        Some(read) if known => T::from_any_value(read(r, e)?).map_err(|value| {
            r.error(
                e,
                format!(
                    "internal error: a {} value is not a {}",
                    value.type_name(),
                    T::BASE_TYPE_NAME
                ),
            )
        }),
        _ => r.read_unknown_subtype(e, type_name).map(T::unknown),
    }
}

/// Writes a polymorphic value: a value of the base type as declared (`xsi_type` as given), a
/// subtype's value with its `xsi:type`.
pub fn write_polymorphic<T: Polymorphic>(value: &T, w: &mut Writer, tag: Tag<'_>) {
    let type_name = value.type_name();
    let tag = if type_name == T::BASE_TYPE_NAME {
        tag
    } else {
        Tag::typed(tag.name, type_name)
    };
    value.content().write_xml(w, tag);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_items_are_named_by_their_type() {
        assert_eq!(array_item_name("ArrayOfString"), Some("string"));
        assert_eq!(array_item_name("ArrayOfBase64Binary"), Some("base64Binary"));
        assert_eq!(array_item_name("ArrayOfAnyType"), Some("anyType"));
        assert_eq!(
            array_item_name("ArrayOfManagedObjectReference"),
            Some("ManagedObjectReference")
        );
        assert_eq!(
            array_item_name("ArrayOfVirtualDevice"),
            Some("VirtualDevice")
        );
        assert_eq!(array_item_name("VirtualDevice"), None);
        assert_eq!(array_item_name("xsd:string"), None);
    }

    #[test]
    fn reader_tables_are_sorted() {
        for table in [PRIMITIVE_READERS, AnyValue::READERS] {
            assert!(table.windows(2).all(|w| w[0].0 < w[1].0));
        }
        let names = <crate::AnyVirtualDevice as Polymorphic>::TYPE_NAMES;
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        assert!(names.contains(&"VirtualDisk"));
    }

    #[test]
    fn values_are_read_and_written_by_type_name() {
        let xml = concat!(
            r#"<val xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"xsi:type="ArrayOfInt"><int>1</int><int>2</int></val>"#
        );
        let value: AnyValue = super::super::read_document(xml.as_bytes()).unwrap();
        assert_eq!(value, AnyValue::ArrayOfInt(vec![1, 2]));
        let mut w = Writer::new();
        value.write_xml(&mut w, Tag::new("val"));
        assert_eq!(
            w.finish(),
            r#"<val xsi:type="ArrayOfInt"><int>1</int><int>2</int></val>"#
        );
        let mut w = Writer::new();
        AnyValue::Boolean(true).write_xml(&mut w, Tag::new("val"));
        assert_eq!(w.finish(), r#"<val xsi:type="xsd:boolean">true</val>"#);
    }

    #[test]
    fn conversion_gives_the_value_back_when_the_type_does_not_fit() {
        assert_eq!(i32::from_any_value(AnyValue::Int(7)), Ok(7));
        assert_eq!(i64::from_any_value(AnyValue::Int(7)), Err(AnyValue::Int(7)));
        assert_eq!(
            Vec::<String>::from_any_value(AnyValue::ArrayOfString(vec!["a".into()])),
            Ok(vec!["a".to_string()])
        );
    }
}
