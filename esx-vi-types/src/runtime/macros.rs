//! The glue every generated type of a family shares, as one-line macro invocations: the generated
//! code says which family a type belongs to, the behaviour is written (and tested) once, here.
//!
//! Each macro takes only type names; what differs between types (wire values, members, accepted
//! subtypes) stays in the generated code, where a formatter lays it out.

/// `FromStr`, `Display`, `XmlRead` and `XmlWrite` for a generated string enum, from its inherent
/// `as_str` and `from_wire` (an unknown wire value becomes `Unrecognized` and is written back
/// unchanged), and its `AnyValue` variants (`$name` and `$array`).
macro_rules! wire_enum {
    ($name:ident, $array:ident) => {
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from_wire(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::runtime::XmlRead for $name {
            fn read_xml(
                r: &mut $crate::runtime::Reader<'_>,
                e: &$crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, $crate::runtime::DecodeError> {
                let text = r.read_text(e)?;
                ::std::result::Result::Ok(Self::from_wire(text.trim()))
            }
        }

        impl $crate::runtime::XmlWrite for $name {
            fn write_xml(&self, w: &mut $crate::runtime::Writer, tag: $crate::runtime::Tag<'_>) {
                w.text_element(tag, self.as_str());
            }
        }

        $crate::runtime::any_value_variants!($name, $array, $name);
    };
}

/// A data object's wire name (`TYPE_NAME`: the type's name, or the literal after `=` when the
/// Rust name differs) and its `AnyValue` variants (`$name`, holding it boxed, and `$array`,
/// holding a list of `$item`: the type itself, or its `Any` enum when it has subtypes).
macro_rules! data_object {
    ($name:ident, $array:ident $(, $item:ident)?) => {
        $crate::runtime::data_object!(@impl $name, stringify!($name), $array, [$($item)? $name]);
    };
    ($name:ident = $wire:literal, $array:ident $(, $item:ident)?) => {
        $crate::runtime::data_object!(@impl $name, $wire, $array, [$($item)? $name]);
    };
    (@impl $name:ident, $wire:expr, $array:ident, [$item:ident $($rest:ident)?]) => {
        impl $name {
            /// The type's name on the wire (its `xsi:type`).
            pub const TYPE_NAME: &'static str = $wire;
        }

        $crate::runtime::any_value_variants!($name, $array, $item, boxed);
    };
}

/// The `AnyValue` variants of a type: `$name` (holding it, boxed for a data object) and `$array`
/// (holding a list of `$item`): their readers for `AnyValue::READERS`, and `FromAnyValue` for the
/// type and for the list.
macro_rules! any_value_variants {
    ($name:ident, $array:ident, $item:ident $(, $boxed:ident)?) => {
        impl $name {
            /// Reads a value of this type as its `AnyValue` variant.
            pub(crate) fn read_any_value(
                r: &mut $crate::runtime::Reader<'_>,
                e: &$crate::runtime::Element<'_>,
            ) -> ::std::result::Result<$crate::AnyValue, $crate::runtime::DecodeError> {
                match $crate::runtime::any_value_variants!(@read r, e $(, $boxed)?) {
                    ::std::result::Result::Ok(value) => {
                        ::std::result::Result::Ok($crate::AnyValue::$name(value))
                    }
                    ::std::result::Result::Err(error) => ::std::result::Result::Err(error),
                }
            }

            /// Reads an `ArrayOf` this type as its `AnyValue` variant.
            pub(crate) fn read_any_array(
                r: &mut $crate::runtime::Reader<'_>,
                e: &$crate::runtime::Element<'_>,
            ) -> ::std::result::Result<$crate::AnyValue, $crate::runtime::DecodeError> {
                match r.read_list(e) {
                    ::std::result::Result::Ok(items) => {
                        ::std::result::Result::Ok($crate::AnyValue::$array(items))
                    }
                    ::std::result::Result::Err(error) => ::std::result::Result::Err(error),
                }
            }
        }

        // The conversions are `#[inline]`: they are compiled where a caller uses them, not for
        // every type in this crate.
        impl $crate::runtime::FromAnyValue for $name {
            #[inline]
            fn from_any_value(
                value: $crate::AnyValue,
            ) -> ::std::result::Result<Self, $crate::AnyValue> {
                match value {
                    $crate::AnyValue::$name(value) => ::std::result::Result::Ok(
                        $crate::runtime::any_value_variants!(@unbox value $(, $boxed)?),
                    ),
                    other => ::std::result::Result::Err(other),
                }
            }
        }

        impl $crate::runtime::FromAnyValue for ::std::vec::Vec<$item> {
            #[inline]
            fn from_any_value(
                value: $crate::AnyValue,
            ) -> ::std::result::Result<Self, $crate::AnyValue> {
                match value {
                    $crate::AnyValue::$array(items) => ::std::result::Result::Ok(items),
                    other => ::std::result::Result::Err(other),
                }
            }
        }
    };
    (@read $r:ident, $e:ident, boxed) => {
        $r.read_boxed($e)
    };
    (@read $r:ident, $e:ident) => {
        $r.read($e)
    };
    (@unbox $value:ident, boxed) => {
        *$value
    };
    (@unbox $value:ident) => {
        $value
    };
}

/// Reading and writing a polymorphic type's enum `$any` through its `runtime::Polymorphic`
/// implementation: the reader by `xsi:type` (unknown subtypes kept whole), each value written
/// with its `xsi:type`.
macro_rules! polymorphic {
    ($any:ident) => {
        impl $any {
            /// Reads a value whose `xsi:type` local name is `type_name` (`None`: the base type).
            pub fn read_as(
                r: &mut $crate::runtime::Reader<'_>,
                e: &$crate::runtime::Element<'_>,
                type_name: ::std::option::Option<&str>,
            ) -> ::std::result::Result<Self, $crate::runtime::DecodeError> {
                $crate::runtime::read_polymorphic(r, e, type_name)
            }
        }

        impl $crate::runtime::XmlRead for $any {
            fn read_xml(
                r: &mut $crate::runtime::Reader<'_>,
                e: &$crate::runtime::Element<'_>,
            ) -> ::std::result::Result<Self, $crate::runtime::DecodeError> {
                let type_name = r.xsi_type(e)?;
                Self::read_as(r, e, type_name.as_deref())
            }
        }

        impl $crate::runtime::XmlWrite for $any {
            fn write_xml(&self, w: &mut $crate::runtime::Writer, tag: $crate::runtime::Tag<'_>) {
                $crate::runtime::write_polymorphic(self, w, tag);
            }
        }
    };
}

/// `From<$variant> for $any`: a value of a known subtype (or of the base type itself) as the
/// polymorphic enum's variant of the same name.
macro_rules! from_subtype {
    ($any:ident, $variant:ident) => {
        impl ::std::convert::From<$crate::$variant> for $crate::$any {
            #[inline]
            fn from(value: $crate::$variant) -> Self {
                Self::$variant(::std::boxed::Box::new(value))
            }
        }
    };
}

/// The accessors and conversions of a typed managed object reference `$name(ManagedObjectReference)`
/// whose inherent `TYPE_NAME` and `ACCEPTED_TYPES` say which object types it may point at.
macro_rules! managed_object_ref {
    ($name:ident) => {
        impl $name {
            /// A reference to the object with this id (`vm-42`), of exactly this type.
            pub fn new(value: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self($crate::ManagedObjectReference::new(Self::TYPE_NAME, value))
            }

            /// The object's id (`vm-42`).
            pub fn value(&self) -> &str {
                &self.0.value
            }

            /// The untyped reference.
            pub fn as_reference(&self) -> &$crate::ManagedObjectReference {
                &self.0
            }

            /// The untyped reference, by value.
            pub fn into_reference(self) -> $crate::ManagedObjectReference {
                self.0
            }
        }

        /// Accepts a reference to this type or one of its subtypes.
        impl ::std::convert::TryFrom<$crate::ManagedObjectReference> for $name {
            type Error = $crate::runtime::WrongObjectType;
            fn try_from(
                value: $crate::ManagedObjectReference,
            ) -> ::std::result::Result<Self, Self::Error> {
                if Self::ACCEPTED_TYPES.contains(&value.r#type.as_str()) {
                    ::std::result::Result::Ok(Self(value))
                } else {
                    ::std::result::Result::Err($crate::runtime::WrongObjectType {
                        expected: Self::TYPE_NAME,
                        found: value,
                    })
                }
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = $crate::ManagedObjectReference;
            fn deref(&self) -> &$crate::ManagedObjectReference {
                &self.0
            }
        }

        impl ::std::convert::AsRef<$crate::ManagedObjectReference> for $name {
            fn as_ref(&self) -> &$crate::ManagedObjectReference {
                &self.0
            }
        }

        impl ::std::convert::From<$name> for $crate::ManagedObjectReference {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        /// `VirtualMachine:vm-42`.
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

/// `From<$from> for $to`: a typed reference as a reference to one of its type's bases.
macro_rules! upcast_ref {
    ($from:ident => $to:ident) => {
        impl ::std::convert::From<$crate::$from> for $crate::$to {
            fn from(value: $crate::$from) -> Self {
                Self(value.0)
            }
        }
    };
}

/// `TryFrom<ObjectContent>` for a property struct: the object from `obj` (which must be of the
/// struct's managed object type or a subtype), the properties from `propSet`.
macro_rules! properties_from_object_content {
    ($props:ident) => {
        impl ::std::convert::TryFrom<$crate::ObjectContent> for $props {
            type Error = $crate::runtime::DecodeError;
            fn try_from(
                content: $crate::ObjectContent,
            ) -> ::std::result::Result<Self, Self::Error> {
                let obj = ::std::convert::TryFrom::try_from(content.obj).map_err(
                    |e: $crate::runtime::WrongObjectType| {
                        $crate::runtime::DecodeError::new("ObjectContent/obj", e.to_string())
                    },
                )?;
                Self::from_properties(
                    ::std::option::Option::Some(obj),
                    content.prop_set.into_iter().map(|p| (p.name, p.val)),
                )
            }
        }
    };
}

pub(crate) use {
    any_value_variants, data_object, from_subtype, managed_object_ref, polymorphic,
    properties_from_object_content, upcast_ref, wire_enum,
};

#[cfg(test)]
mod tests {
    //! The macros through generated types of each family.

    use crate::runtime::{read_document, write_document, FromAnyValue, WrongObjectType};
    use crate::*;

    #[test]
    fn wire_enum_parses_prints_and_keeps_unknown_values() {
        let state: VirtualMachinePowerState = "poweredOn".parse().unwrap();
        assert_eq!(state, VirtualMachinePowerState::PoweredOn);
        assert_eq!(state.to_string(), "poweredOn");
        let unknown: VirtualMachinePowerState = "hibernating".parse().unwrap();
        assert_eq!(
            write_document(&unknown, "state"),
            concat!(
                r#"<state xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
                r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema">hibernating</state>"#
            )
        );
        let read: VirtualMachinePowerState = read_document(b"<state> suspended </state>").unwrap();
        assert_eq!(read, VirtualMachinePowerState::Suspended);
    }

    #[test]
    fn wire_enum_and_data_object_convert_from_their_any_value_variants() {
        let state = AnyValue::VirtualMachinePowerState(VirtualMachinePowerState::PoweredOff);
        assert_eq!(
            VirtualMachinePowerState::from_any_value(state.clone()),
            Ok(VirtualMachinePowerState::PoweredOff)
        );
        assert_eq!(AboutInfo::from_any_value(state.clone()), Err(state));
        let about = AboutInfo {
            name: "VMware ESXi".into(),
            ..AboutInfo::default()
        };
        let value = AnyValue::AboutInfo(Box::new(about.clone()));
        assert_eq!(AboutInfo::from_any_value(value), Ok(about));
        assert_eq!(AboutInfo::TYPE_NAME, "AboutInfo");
        let devices = AnyValue::ArrayOfVirtualDevice(vec![AnyVirtualDevice::from(VirtualDisk {
            key: 2000,
            ..VirtualDisk::default()
        })]);
        let devices = Vec::<AnyVirtualDevice>::from_any_value(devices).unwrap();
        assert_eq!(devices[0].type_name(), "VirtualDisk");
        assert_eq!(devices[0].key(), 2000);
    }

    #[test]
    fn managed_object_ref_accepts_its_type_and_subtypes_only() {
        let vm = VirtualMachineRef::new("vm-42");
        assert_eq!(vm.value(), "vm-42");
        assert_eq!(vm.to_string(), "VirtualMachine:vm-42");
        let entity = ManagedEntityRef::from(vm.clone());
        assert_eq!(entity.as_reference(), vm.as_reference());
        assert_eq!(
            ManagedEntityRef::try_from(vm.clone().into_reference()),
            Ok(entity)
        );
        let folder = ManagedObjectReference::new("Folder", "group-d1");
        assert_eq!(
            VirtualMachineRef::try_from(folder.clone()),
            Err(WrongObjectType {
                expected: "VirtualMachine",
                found: folder
            })
        );
    }

    #[test]
    fn polymorphic_reads_by_type_and_writes_subtypes_with_their_type() {
        let xml = concat!(
            r#"<device xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"xsi:type="VirtualDisk"><key>2000</key><capacityInKB>1024</capacityInKB></device>"#
        );
        let device: AnyVirtualDevice = read_document(xml.as_bytes()).unwrap();
        assert!(matches!(&device, AnyVirtualDevice::VirtualDisk(disk) if disk.key == 2000));
        assert!(write_document(&device, "device").contains(r#"xsi:type="VirtualDisk""#));
        let base: AnyVirtualDevice = read_document(b"<device><key>1</key></device>").unwrap();
        assert_eq!(base.type_name(), "VirtualDevice");
        assert!(!write_document(&base, "device").contains("xsi:type"));
        let unknown = concat!(
            r#"<device xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"xsi:type="VirtualFutureDevice"><key>7</key><flux>on</flux></device>"#
        );
        let unknown: AnyVirtualDevice = read_document(unknown.as_bytes()).unwrap();
        assert_eq!(unknown.type_name(), "VirtualFutureDevice");
        assert_eq!(unknown.key(), 7);
        assert!(write_document(&unknown, "device").contains("<flux>on</flux>"));
    }
}
