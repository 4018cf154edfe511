//! RetrievePropertiesEx paging as vCenter does it: pages of at most min(maxObjects, 100) objects, a
//! token to continue, ContinueRetrievePropertiesEx / CancelRetrievePropertiesEx, and InvalidArgument
//! for a token the server does not know.

use std::collections::BTreeSet;

use esx_tests::raw::{elements, text_of, RawSoap, Response};
use esx_tests::{SimOptions, Simulator, WireStyle};

/// 2 resource pools (standalone host, cluster) x 130 VMs.
fn vcenter_with_260_vms(wire: WireStyle) -> Simulator {
    let mut options = SimOptions::vpx().wire(wire).vms(130);
    options.hosts_per_cluster = Some(2);
    Simulator::start(options).unwrap()
}

fn names(r: &Response) -> Vec<String> {
    elements(&r.body, "objects")
        .iter()
        .map(|o| text_of(o, "val").unwrap())
        .collect()
}

/// Follows tokens to the end; returns the size of each page and all names.
fn all_pages(soap: &mut RawSoap, first: Response) -> (Vec<usize>, Vec<String>) {
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    let mut page = first.ok();
    loop {
        let n = names(&page);
        sizes.push(n.len());
        all.extend(n);
        // the token comes first in a RetrieveResult
        let ret = &page.body[page.body.find("<returnval>").unwrap()..];
        match text_of(&page.body, "token") {
            Some(token) => {
                assert!(
                    ret.starts_with("<returnval><token>"),
                    "token before objects: {}",
                    &ret[..80]
                );
                page = soap.continue_retrieve(&token).ok();
            }
            None => break,
        }
    }
    (sizes, all)
}

#[test]
fn pages_hold_at_most_100_objects_and_tokens_lead_to_every_object() {
    for wire in WireStyle::ALL {
        let sim = vcenter_with_260_vms(wire);
        let mut soap = RawSoap::login(&sim);
        let view = soap.container_view("VirtualMachine");

        let first = soap.retrieve_view(&view, "VirtualMachine", &["name"], None);
        let (sizes, all) = all_pages(&mut soap, first);
        assert_eq!(sizes, [100, 100, 60], "{wire:?}");
        let distinct: BTreeSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), 260, "every VM exactly once ({wire:?})");

        let first = soap.retrieve_view(&view, "VirtualMachine", &["name"], Some(1000));
        let (sizes, _) = all_pages(&mut soap, first);
        assert_eq!(
            sizes,
            [100, 100, 60],
            "maxObjects above 100 is capped ({wire:?})"
        );

        let first = soap.retrieve_view(
            &view,
            "VirtualMachine",
            &["name", "runtime.powerState"],
            Some(40),
        );
        let (sizes, all) = all_pages(&mut soap, first);
        assert_eq!(sizes, [40, 40, 40, 40, 40, 40, 20], "{wire:?}");
        assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 260);
    }
}

#[test]
fn a_result_that_fits_in_one_page_has_no_token() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let view = soap.container_view("VirtualMachine");
    let r = soap
        .retrieve_view(&view, "VirtualMachine", &["name"], None)
        .ok();
    assert_eq!(names(&r).len(), 2);
    assert!(r.text("token").is_none(), "{}", r.body);
    let r = soap
        .retrieve_view(&view, "VirtualMachine", &["name"], Some(2))
        .ok();
    assert!(r.text("token").is_none());
    let r = soap
        .retrieve_view(&view, "VirtualMachine", &["name"], Some(1))
        .ok();
    assert_eq!(names(&r).len(), 1);
    let token = r.text("token").expect("a second page");
    let last = soap.continue_retrieve(&token).ok();
    assert_eq!(names(&last).len(), 1);
    assert!(last.text("token").is_none());
}

#[test]
fn the_page_size_flag_lowers_the_cap() {
    let sim = Simulator::start(SimOptions::vpx().vms(30).page_size(25)).unwrap();
    let mut soap = RawSoap::login(&sim);
    let view = soap.container_view("VirtualMachine");
    let first = soap.retrieve_view(&view, "VirtualMachine", &["name"], Some(50));
    let (sizes, _) = all_pages(&mut soap, first);
    assert_eq!(sizes, [25, 25, 10]);
}

#[test]
fn used_cancelled_unknown_and_foreign_tokens_are_invalid_arguments() {
    for wire in WireStyle::ALL {
        let sim = vcenter_with_260_vms(wire);
        let mut soap = RawSoap::login(&sim);
        let view = soap.container_view("VirtualMachine");

        let r = soap
            .retrieve_view(&view, "VirtualMachine", &["name"], None)
            .ok();
        let token = r.text("token").unwrap();
        let next = soap.continue_retrieve(&token).ok();
        let again = soap.continue_retrieve(&token);
        assert_eq!(
            again.fault().as_deref(),
            Some("InvalidArgument"),
            "a used token ({wire:?})"
        );

        let token2 = next.text("token").unwrap();
        soap.cancel_retrieve(&token2).ok();
        let after_cancel = soap.continue_retrieve(&token2);
        assert_eq!(
            after_cancel.fault().as_deref(),
            Some("InvalidArgument"),
            "a cancelled token"
        );
        assert_eq!(
            soap.cancel_retrieve(&token2).fault().as_deref(),
            Some("InvalidArgument"),
            "cancel twice"
        );

        assert_eq!(
            soap.continue_retrieve("42").fault().as_deref(),
            Some("InvalidArgument")
        );

        let r = soap
            .retrieve_view(&view, "VirtualMachine", &["name"], None)
            .ok();
        let token3 = r.text("token").unwrap();
        let mut other = RawSoap::login(&sim);
        assert_eq!(
            other.continue_retrieve(&token3).fault().as_deref(),
            Some("InvalidArgument"),
            "another session's token"
        );
        assert_eq!(
            names(&soap.continue_retrieve(&token3).ok()).len(),
            100,
            "still valid for its own session"
        );
    }
}

#[test]
fn property_collection_needs_a_session() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let view = soap.container_view("VirtualMachine");
    soap.set_cookie(None);
    let r = soap.retrieve_view(&view, "VirtualMachine", &["name"], None);
    assert_eq!(r.fault().as_deref(), Some("NotAuthenticated"), "{}", r.body);
    assert_eq!(
        soap.continue_retrieve("1").fault().as_deref(),
        Some("NotAuthenticated")
    );

    let mut lax = SimOptions::esx();
    lax.strict_sessions = false;
    let sim = Simulator::start(lax).unwrap();
    let mut anon = RawSoap::new(&sim);
    let r = anon.properties("Folder", &anon.refs.root_folder.clone(), &["name"]);
    assert_eq!(
        r.status, 200,
        "vcsim's own laxness with -strict-sessions=false: {}",
        r.body
    );
}
