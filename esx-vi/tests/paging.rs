//! Paging: retrieval follows RetrievePropertiesEx tokens with ContinueRetrievePropertiesEx, the
//! client's page size is honoured, without one the server's page is taken whole, typed and
//! streamed results agree, and a listing costs one call per page + 2 SOAP calls.

mod common;

use esx_tests::{SimOptions, WireStyle};
use esx_vi::types::VirtualMachineProperties;
use esx_vi::Client;
use futures_util::TryStreamExt;

#[tokio::test]
async fn listing_follows_every_page_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        // 10 VMs on the standalone host and 10 in the cluster: 20 VMs, pages of 6 -> 4 pages.
        let sim = common::simulator(SimOptions::vpx().vms(10).wire(wire));
        let client = Client::connect(sim.url(), common::login_options(&sim).page_size(6))
            .await
            .expect("connect");
        let before = client.soap_request_count();
        let rows = common::power_states(&client).await;
        let calls = client.soap_request_count() - before;
        assert_eq!(rows.len(), 20, "{wire:?}: {rows:?}");
        let mut names: Vec<&String> = rows.iter().map(|(n, _)| n).collect();
        names.dedup();
        assert_eq!(names.len(), 20, "no VM twice");
        // CreateContainerView + RetrievePropertiesEx + 3 x Continue + DestroyView.
        assert_eq!(calls, 20u64.div_ceil(6) + 2, "{wire:?}");

        let streamed: Vec<VirtualMachineProperties> = client
            .list_stream(&["name", "runtime.powerState"])
            .try_collect()
            .await
            .expect("stream");
        let mut streamed_rows: Vec<(String, String)> =
            streamed.iter().map(common::name_and_state).collect();
        streamed_rows.sort();
        assert_eq!(streamed_rows, rows, "{wire:?}");
    }
}

#[tokio::test]
async fn the_server_page_cap_is_followed_too() {
    // The client asks for 1000 a page; the server caps pages at 7.
    let sim = common::simulator(SimOptions::vpx().vms(10).page_size(7));
    let client = Client::connect(sim.url(), common::login_options(&sim).page_size(1000))
        .await
        .expect("connect");
    let before = client.soap_request_count();
    assert_eq!(common::power_states(&client).await.len(), 20);
    assert_eq!(client.soap_request_count() - before, 20u64.div_ceil(7) + 2);
}

#[tokio::test]
async fn without_a_page_size_the_server_chooses_the_page() {
    // 200 VMs in server pages of 150: a client that asked for pages of 100 (the old default)
    // would need three retrievals; one that leaves maxObjects out needs two.
    let sim = common::simulator(SimOptions::vpx().vms(100).page_size(150));
    let client = Client::connect(sim.url(), common::login_options(&sim))
        .await
        .expect("connect");
    assert_eq!(client.page_size(), None);
    let before = client.soap_request_count();
    assert_eq!(common::power_states(&client).await.len(), 200);
    assert_eq!(client.soap_request_count() - before, 2 + 2);

    // An ESX host answers the whole inventory in one page: a listing is three calls.
    let sim = common::simulator(SimOptions::esx().vms(250).page_size(10_000));
    let client = Client::connect(sim.url(), common::login_options(&sim))
        .await
        .expect("connect");
    let before = client.soap_request_count();
    assert_eq!(common::power_states(&client).await.len(), 250);
    assert_eq!(client.soap_request_count() - before, 3);
}

#[tokio::test]
async fn a_stream_dropped_early_cancels_the_rest_of_the_result_set() {
    let sim = common::simulator(SimOptions::vpx().vms(10));
    let client = Client::connect(sim.url(), common::login_options(&sim).page_size(5))
        .await
        .expect("connect");
    let before = client.soap_request_count();
    {
        let stream = client.list_stream::<VirtualMachineProperties>(&["name"]);
        futures_util::pin_mut!(stream);
        for _ in 0..7 {
            stream.try_next().await.expect("page").expect("a VM");
        }
    }
    // CreateContainerView, RetrievePropertiesEx, one Continue; then, in the background,
    // CancelRetrievePropertiesEx for the two pages never read.
    for _ in 0..100 {
        if client.soap_request_count() - before == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(client.soap_request_count() - before, 4);
    // The session is still fine for the next listing.
    assert_eq!(common::power_states(&client).await.len(), 20);
}
