//! Round trips read -> write -> read for every wire type family: the value survives, and writing
//! it again gives the same XML.

use std::fmt::Debug;

use esx_vi_types::runtime::{self, Binary, DateTime, XmlRead, XmlWrite};
use esx_vi_types::*;

/// Reads `xml`, writes it back, reads that again; both reads must agree and the second write must
/// equal the first.
fn roundtrip_xml<T: XmlRead + XmlWrite + PartialEq + Debug>(xml: &str) -> T {
    let first: T = runtime::read_document(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let written = runtime::write_document(&first, "value");
    let second: T =
        runtime::read_document(written.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(first, second, "{written}");
    assert_eq!(written, runtime::write_document(&second, "value"));
    second
}

/// Writes `value`, reads it back, and compares.
fn roundtrip_value<T: XmlRead + XmlWrite + PartialEq + Debug>(value: &T) {
    let written = runtime::write_document(value, "value");
    let back: T =
        runtime::read_document(written.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(&back, value, "{written}");
}

const NS: &str = r#"xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#;

#[test]
fn enums() {
    let known: VirtualMachinePowerState = roundtrip_xml(&format!("<v {NS}>suspended</v>"));
    assert_eq!(known, VirtualMachinePowerState::Suspended);
    let unknown: VirtualMachinePowerState = roundtrip_xml(&format!("<v {NS}>hibernated</v>"));
    assert_eq!(unknown.as_str(), "hibernated");
    assert_eq!(
        "poweredOn".parse::<VirtualMachinePowerState>(),
        Ok(VirtualMachinePowerState::PoweredOn)
    );
    assert_eq!(
        VirtualMachinePowerState::PoweredOff.to_string(),
        "poweredOff"
    );
}

#[test]
fn primitives_and_references() {
    assert_eq!(
        roundtrip_xml::<String>(&format!("<v {NS}>a &lt;b&gt; &amp; &quot;c&quot;</v>")),
        "a <b> & \"c\""
    );
    assert_eq!(
        roundtrip_xml::<String>(&format!("<v {NS}><![CDATA[x<y]]></v>")),
        "x<y"
    );
    assert!(roundtrip_xml::<bool>(&format!("<v {NS}>1</v>")));
    assert_eq!(
        roundtrip_xml::<i64>(&format!("<v {NS}> -9223372036854775808 </v>")),
        i64::MIN
    );
    assert_eq!(roundtrip_xml::<i8>(&format!("<v {NS}>-128</v>")), -128);
    assert_eq!(roundtrip_xml::<f64>(&format!("<v {NS}>2.5E3</v>")), 2500.0);
    assert_eq!(
        roundtrip_xml::<f64>(&format!("<v {NS}>-INF</v>")),
        f64::NEG_INFINITY
    );
    let when = roundtrip_xml::<DateTime>(&format!("<v {NS}>2024-05-01T12:30:45.123+02:00</v>"));
    assert_eq!(when.as_str(), "2024-05-01T12:30:45.123+02:00");
    assert_eq!(when.parts(), Some((2024, 5, 1, 12, 30, 45)));
    assert_eq!(
        roundtrip_xml::<Binary>(&format!("<v {NS}>aGVs\nbG8=</v>")),
        Binary(b"hello".to_vec())
    );
    let mor = roundtrip_xml::<ManagedObjectReference>(&format!(
        r#"<v {NS} type="Datastore">datastore-1&amp;2</v>"#
    ));
    assert_eq!(
        mor,
        ManagedObjectReference::new("Datastore", "datastore-1&2")
    );

    let err =
        runtime::read_document::<i32>(format!("<v {NS}>99999999999</v>").as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/v: expected an integer (xsd:int), found \"99999999999\""
    );
    let err = runtime::read_document::<bool>(format!("<v {NS}>yes</v>").as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/v: expected a boolean (true or false), found \"yes\""
    );
}

#[test]
fn data_objects_with_lists_options_and_unknown_elements() {
    let xml = format!(
        "<v {NS}><key>session-1</key><userName>root</userName><fullName>Administrator</fullName>\
         <loginTime>2024-05-01T12:00:00Z</loginTime><lastActiveTime>2024-05-01T12:05:00Z</lastActiveTime>\
         <locale>en</locale><messageLocale>en</messageLocale><extensionSession>false</extensionSession>\
         <brandNewElement><deep>1</deep></brandNewElement></v>"
    );
    let session: UserSession = roundtrip_xml(&xml);
    assert_eq!(session.user_name, "root");
    assert_eq!(session.login_time.as_str(), "2024-05-01T12:00:00Z");
    assert_eq!(session.extension_session, Some(false));

    let spec = PropertySpec {
        r#type: "VirtualMachine".into(),
        all: Some(false),
        path_set: vec!["name".into(), "runtime.powerState".into()],
    };
    roundtrip_value(&spec);
    let written = runtime::write_document(&spec, "propSet");
    assert!(
        written.contains("<pathSet>name</pathSet><pathSet>runtime.powerState</pathSet>"),
        "{written}"
    );
}

#[test]
fn polymorphic_values_known_base_and_unknown() {
    let disk: AnyVirtualDevice = roundtrip_xml(&format!(
        r#"<v {NS} xsi:type="VirtualDisk"><key>2000</key><connectable><startConnected>true</startConnected><allowGuestControl>false</allowGuestControl><connected>true</connected></connectable><capacityInKB>1024</capacityInKB></v>"#
    ));
    assert_eq!(disk.type_name(), "VirtualDisk");
    assert_eq!(disk.connectable().map(|c| c.connected), Some(true));

    let nic: AnyVirtualDevice = roundtrip_xml(&format!(
        r#"<v {NS} xsi:type="VirtualVmxnet3"><key>4000</key><macAddress>00:50:56:aa:bb:cc</macAddress></v>"#
    ));
    let AnyVirtualDevice::VirtualVmxnet3(vmxnet3) = &nic else {
        panic!("{nic:?}")
    };
    assert_eq!(vmxnet3.mac_address.as_deref(), Some("00:50:56:aa:bb:cc"));

    let base: AnyVirtualDevice = roundtrip_xml(&format!("<v {NS}><key>1</key></v>"));
    assert!(matches!(base, AnyVirtualDevice::VirtualDevice(_)));

    // An unknown subtype is written back unchanged (type name and raw content).
    let raw = r#"<key>31000</key><fancy attr="x">new &amp; shiny</fancy>"#;
    let unknown: AnyVirtualDevice = roundtrip_xml(&format!(
        r#"<v {NS} xsi:type="VirtualHolographicDisplay">{raw}</v>"#
    ));
    let AnyVirtualDevice::Unknown(u) = &unknown else {
        panic!("{unknown:?}")
    };
    assert_eq!(u.raw, raw);
    assert_eq!(unknown.key(), 31000);
    let written = runtime::write_document(&unknown, "device");
    assert!(
        written.ends_with(&format!(
            r#"xsi:type="VirtualHolographicDisplay">{raw}</device>"#
        )),
        "{written}"
    );

    // Subtypes convert into the base enum.
    let selection: AnySelectionSpec = TraversalSpec {
        name: Some("t".into()),
        r#type: "Folder".into(),
        path: "childEntity".into(),
        skip: None,
        select_set: Vec::new(),
    }
    .into();
    roundtrip_value(&selection);
}

#[test]
fn any_values_of_every_kind() {
    let cases = [
        r#"xsi:type="xsd:string">text"#,
        r#"xsi:type="xsd:boolean">true"#,
        r#"xsi:type="xsd:byte">-3"#,
        r#"xsi:type="xsd:short">300"#,
        r#"xsi:type="xsd:int">70000"#,
        r#"xsi:type="xsd:long">7000000000"#,
        r#"xsi:type="xsd:double">0.5"#,
        r#"xsi:type="xsd:dateTime">2024-01-01T00:00:00Z"#,
        r#"xsi:type="xsd:base64Binary">AAEC"#,
        r#"xsi:type="ManagedObjectReference" type="HostSystem">host-9"#,
        r#"xsi:type="VirtualMachinePowerState">poweredOn"#,
        r#"xsi:type="ArrayOfString"><string>a</string><string>b</string>"#,
        r#"xsi:type="ArrayOfInt"><int>1</int><int>2</int>"#,
        r#"xsi:type="ArrayOfLong"><long>1</long>"#,
        r#"xsi:type="ArrayOfBoolean"><boolean>false</boolean>"#,
        r#"xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Network">network-1</ManagedObjectReference>"#,
        r#"xsi:type="Description"><label>l</label><summary>s</summary>"#,
        r#"xsi:type="ArrayOfVirtualDevice"><VirtualDevice xsi:type="VirtualDisk"><key>1</key><capacityInKB>5</capacityInKB></VirtualDevice><VirtualDevice><key>2</key></VirtualDevice>"#,
        r#"xsi:type="ArrayOfAnyType"><anyType xsi:type="xsd:int">1</anyType><anyType xsi:type="xsd:string">x</anyType>"#,
        r#"xsi:type="SomethingFromTheFuture"><a>1</a>"#,
    ];
    for case in cases {
        let xml = format!("<v {NS} {case}</v>");
        let value: AnyValue = roundtrip_xml(&xml);
        assert!(
            !matches!(value, AnyValue::Unknown(_)) || case.contains("Future"),
            "{case}: {value:?}"
        );
    }
    let value: AnyValue = roundtrip_xml(&format!(r#"<v {NS} xsi:type="xsd:int">42</v>"#));
    assert_eq!(value, AnyValue::Int(42));
    assert_eq!(value.type_name(), "xsd:int");
    assert_eq!(value.into_typed::<i32>(), Ok(42));
    // No xsi:type at all: kept raw.
    let untyped: AnyValue = roundtrip_xml(&format!("<v {NS}>plain</v>"));
    assert!(
        matches!(untyped, AnyValue::Unknown(ref u) if u.raw == "plain" && u.type_name.is_empty())
    );
}
