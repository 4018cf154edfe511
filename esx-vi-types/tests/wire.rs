//! Wire tests: hand-written SOAP responses in the real wire format, decoded through the
//! generated types and the runtime (both `xsi` and vcsim's `XMLSchema-instance` prefix).

use std::convert::Infallible;

use esx_vi_types::runtime::{self, DecodeError, FromAnyValue};
use esx_vi_types::soap::{self, MethodError};
use esx_vi_types::*;

const RESPONSE_XSI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
 xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:xsd="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body>
<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
<objects><obj type="VirtualMachine">vm-42</obj>
<propSet><name>name</name><val xsi:type="xsd:string">web &amp; db</val></propSet>
<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>
<propSet><name>config.hardware.device</name><val xsi:type="ArrayOfVirtualDevice">
<VirtualDevice xsi:type="VirtualDisk"><key>2000</key><deviceInfo><label>Hard disk 1</label><summary>16,777,216 KB</summary></deviceInfo><controllerKey>1000</controllerKey><unitNumber>0</unitNumber><capacityInKB>16777216</capacityInKB><futureElement><nested>x</nested></futureElement></VirtualDevice>
<VirtualDevice xsi:type="vim25:VirtualFutureNVMeOverFabric" xmlns:vim25="urn:vim25"><key>31000</key><controllerKey>100</controllerKey><transport>tcp</transport></VirtualDevice>
</val></propSet>
<propSet><name>guestHeartbeatStatus</name><val xsi:type="ManagedEntityStatus">purple</val></propSet>
<propSet><name>datastore</name><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore" xsi:type="ManagedObjectReference">datastore-1</ManagedObjectReference><ManagedObjectReference type="Datastore" xsi:type="ManagedObjectReference">datastore-2</ManagedObjectReference></val></propSet>
<propSet><name>summary.config.numCpu</name><val xsi:type="xsd:int">4</val></propSet>
</objects>
<objects><obj type="VirtualMachine">vm-43</obj>
<propSet><name>summary.config</name><val xsi:type="VirtualMachineConfigSummary"><name>db</name><template>false</template><vmPathName>[ds1] db/db.vmx</vmPathName><memorySizeMB>2048</memorySizeMB><numCpu>2</numCpu><uuid>4211b1c2-0000-1111-2222-333344445555</uuid><product><key>0</key><name>Appliance</name></product><tpmPresent>true</tpmPresent></val></propSet>
</objects>
</returnval></RetrievePropertiesExResponse>
</soapenv:Body></soapenv:Envelope>"#;

/// vcsim's spelling: another prefix for the XMLSchema-instance namespace, array items untyped.
const RESPONSE_VCSIM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-7</obj><propSet><name>name</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">DC0_H0_VM0</val></propSet><propSet><name>runtime.powerState</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="VirtualMachinePowerState">poweredOff</val></propSet><propSet><name>datastore</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">datastore-61</ManagedObjectReference></val></propSet><propSet><name>config.hardware.device</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfVirtualDevice"><VirtualDevice XMLSchema-instance:type="VirtualDisk"><key>204</key><capacityInKB>4096</capacityInKB></VirtualDevice><VirtualDevice><key>600</key></VirtualDevice></val></propSet><propSet><name>config.extraConfig</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfString"><string>a</string><string>b&lt;c</string></val></propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;

fn decode_retrieve(envelope: &str) -> RetrieveResult {
    soap::decode_optional::<RetrieveResult, Infallible>(
        envelope.as_bytes(),
        "RetrievePropertiesExResponse",
    )
    .expect("decodes")
    .expect("has a returnval")
}

fn prop<'a>(object: &'a ObjectContent, name: &str) -> &'a AnyValue {
    &object
        .prop_set
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("property {name}"))
        .val
}

#[test]
fn retrieve_properties_with_xsi_prefix() {
    let result = decode_retrieve(RESPONSE_XSI);
    assert_eq!(result.objects.len(), 2);
    let vm = &result.objects[0];
    assert_eq!(
        vm.obj,
        ManagedObjectReference::new("VirtualMachine", "vm-42")
    );
    assert_eq!(prop(vm, "name"), &AnyValue::String("web & db".into()));
    assert_eq!(
        prop(vm, "runtime.powerState"),
        &AnyValue::VirtualMachinePowerState(VirtualMachinePowerState::PoweredOn)
    );
    // An unknown enum value is kept, and written back unchanged.
    let AnyValue::ManagedEntityStatus(status) = prop(vm, "guestHeartbeatStatus") else {
        panic!("status: {:?}", prop(vm, "guestHeartbeatStatus"));
    };
    assert_eq!(status, &ManagedEntityStatus::Unrecognized("purple".into()));
    assert_eq!(status.as_str(), "purple");
    let AnyValue::ArrayOfManagedObjectReference(stores) = prop(vm, "datastore") else {
        panic!("datastores");
    };
    assert_eq!(stores.len(), 2);
    assert_eq!(stores[1].value, "datastore-2");
    assert_eq!(prop(vm, "summary.config.numCpu"), &AnyValue::Int(4));

    let AnyValue::ArrayOfVirtualDevice(devices) = prop(vm, "config.hardware.device") else {
        panic!("devices");
    };
    assert_eq!(devices.len(), 2);
    let AnyVirtualDevice::VirtualDisk(disk) = &devices[0] else {
        panic!("a disk: {:?}", devices[0]);
    };
    assert_eq!(disk.capacity_in_kb, 16_777_216);
    assert_eq!(disk.unit_number, Some(0));
    // Base members without a match, through the generated member trait.
    assert_eq!(devices[0].key(), 2000);
    assert_eq!(devices[0].controller_key(), Some(1000));
    assert_eq!(
        devices[0].device_info().map(|d| d.label()),
        Some("Hard disk 1")
    );
    // The unknown subtype keeps its name, its base members and its raw XML.
    let AnyVirtualDevice::Unknown(unknown) = &devices[1] else {
        panic!("unknown subtype: {:?}", devices[1]);
    };
    assert_eq!(unknown.type_name, "VirtualFutureNVMeOverFabric");
    assert_eq!(devices[1].type_name(), "VirtualFutureNVMeOverFabric");
    assert_eq!(devices[1].key(), 31000);
    assert_eq!(devices[1].controller_key(), Some(100));
    assert!(
        unknown.raw.contains("<transport>tcp</transport>"),
        "{}",
        unknown.raw
    );

    let summary = &result.objects[1];
    let AnyValue::VirtualMachineConfigSummary(config) = prop(summary, "summary.config") else {
        panic!("summary.config");
    };
    assert_eq!(config.name, "db");
    assert!(!config.template);
    assert_eq!(config.vm_path_name, "[ds1] db/db.vmx");
    assert_eq!(config.memory_size_mb, Some(2048));
    assert_eq!(config.num_cpu, Some(2));
    assert_eq!(config.tpm_present, Some(true));
    assert_eq!(
        config.uuid.as_deref(),
        Some("4211b1c2-0000-1111-2222-333344445555")
    );
    assert_eq!(
        config.product.as_ref().and_then(|p| p.name.as_deref()),
        Some("Appliance")
    );
}

#[test]
fn retrieve_properties_with_vcsim_prefix_and_untyped_items() {
    let result = decode_retrieve(RESPONSE_VCSIM);
    let vm = &result.objects[0];
    assert_eq!(prop(vm, "name"), &AnyValue::String("DC0_H0_VM0".into()));
    assert_eq!(
        prop(vm, "runtime.powerState"),
        &AnyValue::VirtualMachinePowerState(VirtualMachinePowerState::PoweredOff)
    );
    let AnyValue::ArrayOfManagedObjectReference(stores) = prop(vm, "datastore") else {
        panic!("datastores");
    };
    assert_eq!(
        stores,
        &vec![ManagedObjectReference::new("Datastore", "datastore-61")]
    );
    let AnyValue::ArrayOfVirtualDevice(devices) = prop(vm, "config.hardware.device") else {
        panic!("devices");
    };
    assert!(matches!(&devices[0], AnyVirtualDevice::VirtualDisk(d) if d.capacity_in_kb == 4096));
    // An item without xsi:type is the declared item type.
    assert!(matches!(&devices[1], AnyVirtualDevice::VirtualDevice(d) if d.key == 600));
    assert_eq!(
        prop(vm, "config.extraConfig"),
        &AnyValue::ArrayOfString(vec!["a".into(), "b<c".into()])
    );
}

#[test]
fn properties_struct_from_object_content() {
    let result = decode_retrieve(RESPONSE_XSI);
    let props = VirtualMachineProperties::try_from(result.objects[0].clone()).expect("fits");
    assert_eq!(props.obj.as_ref().map(|o| o.value()), Some("vm-42"));
    assert_eq!(props.name.as_deref(), Some("web & db"));
    assert_eq!(props.datastore.as_ref().map(Vec::len), Some(2));
    assert!(props.config.is_none(), "not retrieved");
    // Nested paths stay dynamically typed, by path.
    let state = props
        .path("runtime.powerState")
        .cloned()
        .expect("retrieved");
    assert_eq!(
        VirtualMachinePowerState::from_any_value(state),
        Ok(VirtualMachinePowerState::PoweredOn)
    );
    assert!(props.path("summary.config.numCpu").is_some());

    // A top-level property of the wrong type names the object and the property.
    let wrong = ObjectContent {
        obj: ManagedObjectReference::new("VirtualMachine", "vm-9"),
        prop_set: vec![DynamicProperty {
            name: "name".into(),
            val: AnyValue::Int(3),
        }],
        missing_set: Vec::new(),
    };
    let err = VirtualMachineProperties::try_from(wrong).unwrap_err();
    assert_eq!(err.path(), "VirtualMachine:vm-9/name");
    assert!(err.message().contains("xsd:int"), "{err}");

    // A value of a type this version does not know goes to `other` rather than failing.
    let future = ObjectContent {
        obj: ManagedObjectReference::new("VirtualMachine", "vm-10"),
        prop_set: vec![DynamicProperty {
            name: "summary".into(),
            val: AnyValue::Unknown(runtime::UnknownValue {
                type_name: "VirtualMachineSummaryV2".into(),
                raw: "<x/>".into(),
            }),
        }],
        missing_set: Vec::new(),
    };
    let props = VirtualMachineProperties::try_from(future).expect("kept");
    assert!(props.summary.is_none());
    assert!(matches!(props.path("summary"), Some(AnyValue::Unknown(_))));

    // A reference of another type is refused.
    let host = ObjectContent {
        obj: ManagedObjectReference::new("HostSystem", "host-1"),
        prop_set: Vec::new(),
        missing_set: Vec::new(),
    };
    assert!(VirtualMachineProperties::try_from(host).is_err());
}

const FAULT_NOT_AUTHENTICATED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body>
<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId><faultMessage><key>vim.session.expired</key><message>Session expired</message></faultMessage></NotAuthenticatedFault></detail></soapenv:Fault>
</soapenv:Body>
</soapenv:Envelope>"#;

#[test]
fn soap_fault_with_typed_detail() {
    let fault = soap::parse_fault(FAULT_NOT_AUTHENTICATED.as_bytes())
        .expect("parses")
        .expect("is a fault");
    assert_eq!(fault.fault_code, "ServerFaultCode");
    assert_eq!(fault.fault_string, "The session is not authenticated.");
    assert_eq!(fault.fault_type_name(), Some("NotAuthenticated"));
    let Some(AnyMethodFault::NotAuthenticated(detail)) = &fault.detail else {
        panic!("typed detail: {:?}", fault.detail);
    };
    assert_eq!(detail.privilege_id.as_deref(), Some("System.View"));
    assert_eq!(
        detail.object.as_ref().map(|o| o.value.as_str()),
        Some("group-d1")
    );
    // MethodFault's own members, without a match.
    let any = fault.detail.as_ref().unwrap();
    assert_eq!(any.fault_message()[0].key, "vim.session.expired");
    assert!(any.fault_cause().is_none());

    // Through a stub's decoder the fault is an error.
    let err = soap::decode_optional::<RetrieveResult, Infallible>(
        FAULT_NOT_AUTHENTICATED.as_bytes(),
        "RetrievePropertiesExResponse",
    )
    .unwrap_err();
    assert!(
        matches!(err, MethodError::Fault(ref f) if f.fault_type_name() == Some("NotAuthenticated"))
    );

    // A response is not a fault.
    assert_eq!(soap::parse_fault(RESPONSE_XSI.as_bytes()), Ok(None));
}

#[test]
fn soap_fault_of_unknown_type_and_without_xsi_type() {
    let unknown = FAULT_NOT_AUTHENTICATED
        .replace("NotAuthenticatedFault", "QuantumEntanglementFault")
        .replace(
            "xsi:type=\"NotAuthenticated\"",
            "xsi:type=\"QuantumEntanglement\"",
        );
    let fault = soap::parse_fault(unknown.as_bytes()).unwrap().unwrap();
    assert_eq!(fault.fault_type_name(), Some("QuantumEntanglement"));
    assert!(
        matches!(fault.detail, Some(AnyMethodFault::Unknown(ref u)) if u.raw.contains("System.View"))
    );

    // Without xsi:type the element name (minus `Fault`) names the type.
    let untyped = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25"/></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    let fault = soap::parse_fault(untyped.as_bytes()).unwrap().unwrap();
    assert_eq!(fault.fault_type_name(), Some("InvalidLogin"));
    assert!(matches!(
        fault.detail,
        Some(AnyMethodFault::InvalidLogin(_))
    ));
}

#[test]
fn decode_errors_name_the_element_path() {
    let bad = RESPONSE_XSI.replace(
        "<memorySizeMB>2048</memorySizeMB>",
        "<memorySizeMB>x</memorySizeMB>",
    );
    let err = soap::decode_optional::<RetrieveResult, Infallible>(
        bad.as_bytes(),
        "RetrievePropertiesExResponse",
    )
    .unwrap_err();
    let MethodError::Decode(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        err.to_string(),
        "/Envelope/Body/RetrievePropertiesExResponse/returnval/objects[1]/propSet/val/memorySizeMB: expected an integer (xsd:int), found \"x\""
    );

    let missing = RESPONSE_XSI.replace("<name>db</name>", "");
    let err: DecodeError = match soap::decode_optional::<RetrieveResult, Infallible>(
        missing.as_bytes(),
        "RetrievePropertiesExResponse",
    ) {
        Err(MethodError::Decode(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err.path(),
        "/Envelope/Body/RetrievePropertiesExResponse/returnval/objects[1]/propSet/val"
    );
    assert_eq!(err.message(), "missing required element <name>");

    let wrong_response = soap::decode_optional::<RetrieveResult, Infallible>(
        RESPONSE_XSI.as_bytes(),
        "LoginResponse",
    )
    .unwrap_err();
    assert!(
        wrong_response
            .to_string()
            .contains("expected <LoginResponse>, found <RetrievePropertiesExResponse>"),
        "{wrong_response}"
    );

    let truncated = &RESPONSE_XSI[..RESPONSE_XSI.len() / 2];
    assert!(soap::decode_optional::<RetrieveResult, Infallible>(
        truncated.as_bytes(),
        "RetrievePropertiesExResponse"
    )
    .is_err());
}

#[test]
fn envelope_wraps_a_body() {
    let env = soap::envelope("<CurrentTime xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this></CurrentTime>");
    assert!(env.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(env.contains("xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""));
    assert!(env.contains("<soapenv:Body><CurrentTime xmlns=\"urn:vim25\">"));
    assert!(env.ends_with("</soapenv:Body></soapenv:Envelope>"));
}

/// Truncated or corrupted responses are errors with a path, never panics.
#[test]
fn damaged_responses_never_panic() {
    let bytes = RESPONSE_XSI.as_bytes();
    // Once the response element is complete the rest of the envelope is not needed.
    let response_end = RESPONSE_XSI
        .find("</RetrievePropertiesExResponse>")
        .unwrap();
    for cut in (0..response_end).step_by(7) {
        let result = soap::decode_optional::<RetrieveResult, Infallible>(
            &bytes[..cut],
            "RetrievePropertiesExResponse",
        );
        assert!(result.is_err(), "cut at {cut}");
    }
    for at in (0..bytes.len()).step_by(11) {
        for replacement in [b'<', b'>', b'&', b'"', b'x', 0xff] {
            let mut damaged = bytes.to_vec();
            damaged[at] = replacement;
            let _ = soap::decode_optional::<RetrieveResult, Infallible>(
                &damaged,
                "RetrievePropertiesExResponse",
            );
            let _ = soap::parse_fault(&damaged);
        }
    }
}

/// A hostile, absurdly nested value is an error, not a stack overflow.
#[test]
fn deep_nesting_is_refused() {
    let depth = 50_000;
    let mut xml = String::from(
        r#"<v xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ArrayOfAnyType">"#,
    );
    for _ in 0..depth {
        xml.push_str(r#"<anyType xsi:type="ArrayOfAnyType">"#);
    }
    for _ in 0..depth {
        xml.push_str("</anyType>");
    }
    xml.push_str("</v>");
    let err = runtime::read_document::<AnyValue>(xml.as_bytes()).unwrap_err();
    assert!(
        err.message().contains("nest more than"),
        "{}",
        err.message()
    );

    // Fault causes nested up to the limit: the deepest structures the generated code recurses
    // through stay within a test thread's stack.
    let mut xml = String::from(
        r#"<v xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    );
    let levels = 40;
    for _ in 0..levels {
        xml.push_str(r#"<fault xsi:type="InvalidArgument"><faultCause>"#);
    }
    xml.push_str(r#"<fault xsi:type="NotFound"/>"#);
    for _ in 0..levels {
        xml.push_str("</faultCause></fault>");
    }
    xml.push_str("</v>");
    let err = runtime::read_document::<LocalizedMethodFault>(xml.as_bytes()).unwrap_err();
    assert!(
        err.message().contains("nest more than"),
        "{}",
        err.message()
    );
}
