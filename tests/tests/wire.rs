//! The wire-style switch: real hosts' `xsi:type` (typed array items) against vcsim's own
//! `XMLSchema-instance:type`; the same calls must work in both.

use esx_tests::raw::{elements, RawSoap};
use esx_tests::{SimOptions, Simulator, WireStyle};

fn vm_properties(wire: WireStyle) -> String {
    let sim = Simulator::start(SimOptions::esx().wire(wire)).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm = soap.find_vm("ha-host_VM0").expect("VM exists");
    soap.properties(
        "VirtualMachine",
        &vm,
        &["name", "datastore", "effectiveRole", "config.extraConfig"],
    )
    .ok()
    .body
}

#[test]
fn xsi_style_types_values_and_array_items_as_real_hosts() {
    let body = vm_properties(WireStyle::Xsi);
    assert!(
        !body.contains("XMLSchema-instance:"),
        "no vcsim prefix left: {body}"
    );
    assert_eq!(
        body.matches("xmlns:xsi=").count(),
        1,
        "xsi declared once, on the envelope: {body}"
    );
    assert!(
        body.contains("<soapenv:Envelope")
            && body.contains("xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"")
    );
    assert!(
        body.contains("<val xsi:type=\"xsd:string\">ha-host_VM0</val>"),
        "{body}"
    );
    assert!(
        body.contains("<val xsi:type=\"ArrayOfManagedObjectReference\"><ManagedObjectReference type=\"Datastore\" xsi:type=\"ManagedObjectReference\">"),
        "{body}"
    );
    assert!(
        body.contains("<val xsi:type=\"ArrayOfInt\"><int xsi:type=\"xsd:int\">-1</int></val>"),
        "{body}"
    );
    // items that vcsim already types (subtypes of a base type) keep their own type
    assert!(body.contains("<OptionValue xsi:type=\"OptionValue\"><key>govcsim</key><value xsi:type=\"xsd:string\">TRUE</value>"), "{body}");
}

#[test]
fn vcsim_style_is_left_as_vcsim_writes_it() {
    let body = vm_properties(WireStyle::Vcsim);
    assert!(body.contains(
        "<val xmlns:XMLSchema-instance=\"http://www.w3.org/2001/XMLSchema-instance\" XMLSchema-instance:type=\"xsd:string\">ha-host_VM0</val>"
    ), "{body}");
    assert!(body.contains("XMLSchema-instance:type=\"ArrayOfManagedObjectReference\"><ManagedObjectReference type=\"Datastore\">"), "{body}");
    assert!(
        body.contains("XMLSchema-instance:type=\"ArrayOfInt\"><int>-1</int></val>"),
        "{body}"
    );
}

#[test]
fn both_styles_carry_the_same_values_and_typed_faults() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::esx().wire(wire)).unwrap();
        let mut soap = RawSoap::login(&sim);
        let vm = soap.find_vm("ha-host_VM1").expect("VM exists");
        let r = soap
            .properties("VirtualMachine", &vm, &["name", "runtime.powerState"])
            .ok();
        let vals: Vec<String> = elements(&r.body, "val")
            .iter()
            .map(|v| esx_tests::raw::text_of(v, "val").unwrap())
            .collect();
        assert_eq!(vals, ["ha-host_VM1", "poweredOn"], "{wire:?}");

        let fault = soap.continue_retrieve("no-such-token");
        assert_eq!(fault.status, 500);
        assert_eq!(
            fault.fault().as_deref(),
            Some("InvalidArgument"),
            "{wire:?}: {}",
            fault.body
        );
        assert!(
            fault.body.contains(
                "<InvalidArgumentFault xmlns=\"urn:vim25\" xsi:type=\"InvalidArgument\">"
            ),
            "{}",
            fault.body
        );
        assert!(
            fault
                .body
                .contains("<invalidProperty>token</invalidProperty>"),
            "{}",
            fault.body
        );
    }
}

/// Checks a document with a namespace-aware reader: every prefix is bound, and (in xsi style) every
/// child of an `ArrayOfX` value has an xsi:type. Returns how many array values were seen.
fn check_document(xml: &str, wire: WireStyle) -> usize {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    use quick_xml::reader::NsReader;

    const XSI: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";
    let mut reader = NsReader::from_str(xml);
    // per open element: is it an array value, and was it self-closing
    let mut stack: Vec<bool> = Vec::new();
    let mut arrays = 0;
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed XML");
        let (start, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        assert!(
            !matches!(ns, ResolveResult::Unknown(_)),
            "unbound element prefix in {start:?}"
        );
        let mut xsi_type = None;
        for attr in start.attributes() {
            let attr = attr.unwrap();
            let (ans, local) = reader.resolve_attribute(attr.key);
            assert!(
                !matches!(ans, ResolveResult::Unknown(_)),
                "unbound attribute prefix in {start:?}"
            );
            if ans == ResolveResult::Bound(quick_xml::name::Namespace(XSI))
                && local.as_ref() == b"type"
            {
                xsi_type = Some(String::from_utf8(attr.value.to_vec()).unwrap());
            }
        }
        if wire == WireStyle::Xsi && stack.last() == Some(&true) {
            assert!(xsi_type.is_some(), "untyped array item {start:?}");
        }
        let is_array = xsi_type
            .as_deref()
            .is_some_and(|t| t.starts_with("ArrayOf"));
        arrays += usize::from(is_array);
        if !empty {
            stack.push(is_array);
        }
    }
    arrays
}

#[test]
fn all_properties_of_every_object_are_namespace_correct_in_both_styles() {
    for wire in WireStyle::ALL {
        for options in [SimOptions::esx(), SimOptions::vpx()] {
            let sim = Simulator::start(options.wire(wire)).unwrap();
            let mut soap = RawSoap::login(&sim);
            let mut arrays = 0;
            for kind in [
                "VirtualMachine",
                "HostSystem",
                "Datastore",
                "Datacenter",
                "ResourcePool",
                "Network",
                "Folder",
            ] {
                let view = soap.container_view(kind);
                let r = soap
                    .call(&format!(
                        "<RetrievePropertiesEx xmlns=\"urn:vim25\">{}<specSet><propSet><type>{kind}</type><all>true</all></propSet>\
                         <objectSet>{}<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>v</name><type>ContainerView</type>\
                         <path>view</path><skip>false</skip></selectSet></objectSet></specSet><options/></RetrievePropertiesEx>",
                        esx_tests::raw::moref("_this", "PropertyCollector", &soap.refs.property_collector),
                        esx_tests::raw::moref("obj", "ContainerView", &view)
                    ))
                    .ok();
                if wire == WireStyle::Xsi {
                    assert!(!r.body.contains("XMLSchema-instance:"));
                }
                arrays += check_document(&r.body, wire);
            }
            assert!(arrays > 50, "many array values checked ({arrays})");
        }
    }
}
