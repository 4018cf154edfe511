//! How the built-in types and containers are read and written: xsd primitives, `DateTime`,
//! `Binary`, `ManagedObjectReference`, and `Option`/`Vec`/`Box`/slices of any type.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;

use super::{DecodeError, Element, FromAnyValue, ReadFn, Reader, Tag, Writer, XmlRead, XmlWrite};
use crate::AnyValue;

/// An `xsd:dateTime`, kept as the text the server sent (`2024-05-01T12:00:00.123Z`) and written
/// back unchanged; `parts()` splits it for callers that need the fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DateTime(String);

impl DateTime {
    /// A date-time from its `xsd:dateTime` text.
    pub fn new(text: impl Into<String>) -> Self {
        DateTime(text.into())
    }

    /// The `xsd:dateTime` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `(year, month, day, hour, minute, second)` of the text, ignoring fractions and the zone;
    /// `None` when the text is not an `xsd:dateTime`.
    pub fn parts(&self) -> Option<(i32, u32, u32, u32, u32, u32)> {
        let s = self.0.trim();
        let (date, time) = s.split_once('T')?;
        let (neg, date) = match date.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, date),
        };
        let mut d = date.splitn(3, '-');
        let year: i32 = d.next()?.parse().ok()?;
        let month: u32 = d.next()?.parse().ok()?;
        let day: u32 = d.next()?.parse().ok()?;
        let mut t = time.get(..8)?.splitn(3, ':');
        let hour: u32 = t.next()?.parse().ok()?;
        let minute: u32 = t.next()?.parse().ok()?;
        let second: u32 = t.next()?.parse().ok()?;
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 24
            || minute > 59
            || second > 60
        {
            return None;
        }
        Some((
            if neg { -year } else { year },
            month,
            day,
            hour,
            minute,
            second,
        ))
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An `xsd:base64Binary` value, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub Vec<u8>);

/// A reference to a managed object: `<obj type="VirtualMachine">vm-42</obj>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ManagedObjectReference {
    /// The managed object type (`VirtualMachine`).
    pub r#type: String,
    /// The object's id (`vm-42`).
    pub value: String,
}

impl ManagedObjectReference {
    /// A reference to the object `value` of type `type_name`.
    pub fn new(type_name: impl Into<String>, value: impl Into<String>) -> Self {
        ManagedObjectReference {
            r#type: type_name.into(),
            value: value.into(),
        }
    }
}

impl fmt::Display for ManagedObjectReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.r#type, self.value)
    }
}

impl XmlRead for ManagedObjectReference {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        let type_name = match e.attribute(b"type") {
            Some(t) => t.into_owned(),
            None => return Err(r.error(e, "a managed object reference needs a `type` attribute")),
        };
        let value = r.read_text(e)?;
        Ok(ManagedObjectReference {
            r#type: type_name,
            value: value.trim().to_string(),
        })
    }
}

impl XmlWrite for ManagedObjectReference {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        w.start_with_type_attribute(tag, &self.r#type);
        w.text(&self.value);
        w.end(tag.name);
    }
}

impl XmlRead for String {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        Ok(r.read_text(e)?.into_owned())
    }
}

impl XmlWrite for String {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        w.text_element(tag, self);
    }
}

impl XmlWrite for str {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        w.text_element(tag, self);
    }
}

impl XmlRead for bool {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        let text = r.read_text(e)?;
        match text.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(r.error(
                e,
                format!("expected a boolean (true or false), found {other:?}"),
            )),
        }
    }
}

impl XmlWrite for bool {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        w.text_element(tag, if *self { "true" } else { "false" });
    }
}

macro_rules! integer {
    ($($t:ty => $what:literal),*) => {$(
        impl XmlRead for $t {
            fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
                let text = r.read_text(e)?;
                let trimmed = text.trim();
                let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
                digits.parse::<$t>().map_err(|_| {
                    r.error(e, format!(concat!("expected an integer (", $what, "), found {:?}"), trimmed))
                })
            }
        }

        impl XmlWrite for $t {
            fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
                w.text_element(tag, &self.to_string());
            }
        }
    )*};
}

integer!(i8 => "xsd:byte", i16 => "xsd:short", i32 => "xsd:int", i64 => "xsd:long");

impl XmlRead for f64 {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        let text = r.read_text(e)?;
        let trimmed = text.trim();
        match trimmed {
            "INF" => Ok(f64::INFINITY),
            "-INF" => Ok(f64::NEG_INFINITY),
            "NaN" => Ok(f64::NAN),
            _ if trimmed.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') => {
                Err(r.error(
                    e,
                    format!("expected a number (xsd:double), found {trimmed:?}"),
                ))
            }
            _ => trimmed.parse::<f64>().map_err(|_| {
                r.error(
                    e,
                    format!("expected a number (xsd:double), found {trimmed:?}"),
                )
            }),
        }
    }
}

impl XmlWrite for f64 {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        let text: Cow<'_, str> = if self.is_nan() {
            "NaN".into()
        } else if self.is_infinite() {
            if *self > 0.0 {
                "INF".into()
            } else {
                "-INF".into()
            }
        } else {
            format!("{self:?}").into()
        };
        w.text_element(tag, &text);
    }
}

impl XmlRead for DateTime {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        Ok(DateTime(r.read_text(e)?.trim().to_string()))
    }
}

impl XmlWrite for DateTime {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        w.text_element(tag, &self.0);
    }
}

impl XmlRead for Binary {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        let text = r.read_text(e)?;
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map(Binary)
            .map_err(|err| r.error(e, format!("expected base64 data (xsd:base64Binary): {err}")))
    }
}

impl XmlWrite for Binary {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        let text = base64::engine::general_purpose::STANDARD.encode(&self.0);
        w.text_element(tag, &text);
    }
}

impl<T: XmlRead> XmlRead for Box<T> {
    fn read_xml(r: &mut Reader<'_>, e: &Element<'_>) -> Result<Self, DecodeError> {
        T::read_xml(r, e).map(Box::new)
    }
}

impl<T: XmlWrite + ?Sized> XmlWrite for Box<T> {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        (**self).write_xml(w, tag)
    }
}

impl<T: XmlWrite + ?Sized> XmlWrite for &T {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        (**self).write_xml(w, tag)
    }
}

/// Absent values write nothing.
impl<T: XmlWrite> XmlWrite for Option<T> {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        if let Some(value) = self {
            value.write_xml(w, tag);
        }
    }
}

/// A list writes one element per item, all with the member's name.
impl<T: XmlWrite> XmlWrite for [T] {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        for item in self {
            item.write_xml(w, tag);
        }
    }
}

impl<T: XmlWrite> XmlWrite for Vec<T> {
    fn write_xml(&self, w: &mut Writer, tag: Tag<'_>) {
        for item in self {
            item.write_xml(w, tag);
        }
    }
}

macro_rules! primitive_any_value {
    ($($t:ty => $single:ident, $array:ident;)*) => {$(
        impl FromAnyValue for $t {
            fn from_any_value(value: AnyValue) -> Result<Self, AnyValue> {
                match value {
                    AnyValue::$single(v) => Ok(v),
                    other => Err(other),
                }
            }
        }

        impl FromAnyValue for Vec<$t> {
            fn from_any_value(value: AnyValue) -> Result<Self, AnyValue> {
                match value {
                    AnyValue::$array(v) => Ok(v),
                    other => Err(other),
                }
            }
        }
    )*};
}

primitive_any_value! {
    String => String, ArrayOfString;
    bool => Boolean, ArrayOfBoolean;
    i8 => Byte, ArrayOfByte;
    i16 => Short, ArrayOfShort;
    i32 => Int, ArrayOfInt;
    i64 => Long, ArrayOfLong;
    f64 => Double, ArrayOfDouble;
    DateTime => DateTime, ArrayOfDateTime;
    Binary => Binary, ArrayOfBase64Binary;
    ManagedObjectReference => ManagedObjectReference, ArrayOfManagedObjectReference;
}

impl FromAnyValue for Vec<AnyValue> {
    fn from_any_value(value: AnyValue) -> Result<Self, AnyValue> {
        match value {
            AnyValue::ArrayOfAnyType(v) => Ok(v),
            other => Err(other),
        }
    }
}

/// The readers of the `AnyValue` variants of the primitives, managed object references and
/// `ArrayOfAnyType`, by `xsi:type` local name, sorted; the generated `AnyValue::READERS` has the
/// enums and data objects.
pub(crate) static PRIMITIVE_READERS: &[(&str, ReadFn<AnyValue>)] = &[
    ("ArrayOfAnyType", |r, e| {
        Ok(AnyValue::ArrayOfAnyType(r.read_list(e)?))
    }),
    ("ArrayOfBase64Binary", |r, e| {
        Ok(AnyValue::ArrayOfBase64Binary(r.read_list(e)?))
    }),
    ("ArrayOfBoolean", |r, e| {
        Ok(AnyValue::ArrayOfBoolean(r.read_list(e)?))
    }),
    ("ArrayOfByte", |r, e| {
        Ok(AnyValue::ArrayOfByte(r.read_list(e)?))
    }),
    ("ArrayOfDateTime", |r, e| {
        Ok(AnyValue::ArrayOfDateTime(r.read_list(e)?))
    }),
    ("ArrayOfDouble", |r, e| {
        Ok(AnyValue::ArrayOfDouble(r.read_list(e)?))
    }),
    ("ArrayOfInt", |r, e| {
        Ok(AnyValue::ArrayOfInt(r.read_list(e)?))
    }),
    ("ArrayOfLong", |r, e| {
        Ok(AnyValue::ArrayOfLong(r.read_list(e)?))
    }),
    ("ArrayOfManagedObjectReference", |r, e| {
        Ok(AnyValue::ArrayOfManagedObjectReference(r.read_list(e)?))
    }),
    ("ArrayOfShort", |r, e| {
        Ok(AnyValue::ArrayOfShort(r.read_list(e)?))
    }),
    ("ArrayOfString", |r, e| {
        Ok(AnyValue::ArrayOfString(r.read_list(e)?))
    }),
    ("ManagedObjectReference", |r, e| {
        Ok(AnyValue::ManagedObjectReference(r.read(e)?))
    }),
    ("base64Binary", |r, e| Ok(AnyValue::Binary(r.read(e)?))),
    ("boolean", |r, e| Ok(AnyValue::Boolean(r.read(e)?))),
    ("byte", |r, e| Ok(AnyValue::Byte(r.read(e)?))),
    ("dateTime", |r, e| Ok(AnyValue::DateTime(r.read(e)?))),
    ("double", |r, e| Ok(AnyValue::Double(r.read(e)?))),
    ("int", |r, e| Ok(AnyValue::Int(r.read(e)?))),
    ("long", |r, e| Ok(AnyValue::Long(r.read(e)?))),
    ("short", |r, e| Ok(AnyValue::Short(r.read(e)?))),
    ("string", |r, e| Ok(AnyValue::String(r.read(e)?))),
];
