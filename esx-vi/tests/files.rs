//! Datastore files over /folder: a 10 MB upload/download round trip with progress, range reads,
//! MakeDirectory, DeleteDatastoreFile_Task, and the errors users see.

mod common;

use esx_tests::{SimOptions, WireStyle};
use esx_vi::{
    ByteRange, Client, ConnectOptions, DatastorePath, Error, TransferProgress, TransportError,
};

const SIZE: usize = 10 * 1024 * 1024;

/// Deterministic, non-repeating-looking test data.
fn data() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..SIZE)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[tokio::test]
async fn ten_megabytes_round_trip_with_progress_and_ranges_in_both_wire_styles() {
    let payload = data();
    for wire in WireStyle::ALL {
        let sim = common::simulator(SimOptions::esx().wire(wire));
        let client = common::connect(&sim).await;
        let context = client.host_context("").await.expect("ESX context");
        let dc_path = context.datacenter_path.clone();
        let dir: DatastorePath = "[LocalDS_0] esx-rs-test/nested".parse().unwrap();
        client
            .make_directory(&context.datacenter, &dir, true)
            .await
            .expect("MakeDirectory");

        let file = DatastorePath::new("LocalDS_0", "esx-rs-test/nested/big file.bin");
        let uploads = std::sync::Arc::new(std::sync::Mutex::new(Vec::<TransferProgress>::new()));
        let seen = uploads.clone();
        let sent = client
            .upload_file(
                &dc_path,
                &file,
                std::io::Cursor::new(payload.clone()),
                SIZE as u64,
                move |p| seen.lock().unwrap().push(p),
            )
            .await
            .expect("upload");
        assert_eq!(sent, SIZE as u64);
        let uploads = uploads.lock().unwrap().clone();
        assert!(uploads.len() > 2, "progress during the upload");
        assert_eq!(uploads.last().map(|p| p.transferred), Some(SIZE as u64));
        assert!(uploads
            .windows(2)
            .all(|w| w[0].transferred <= w[1].transferred));

        let mut downloaded = Vec::new();
        let mut progress = Vec::new();
        let n = client
            .download_file(&dc_path, &file, None, &mut downloaded, |p| progress.push(p))
            .await
            .expect("download");
        assert_eq!(n, SIZE as u64, "{wire:?}");
        assert!(
            downloaded == payload,
            "downloaded bytes equal the uploaded ones"
        );
        assert!(progress.len() > 2);
        assert_eq!(
            progress.last().map(|p| (p.transferred, p.total)),
            Some((SIZE as u64, Some(SIZE as u64)))
        );

        let mut part = Vec::new();
        let range = ByteRange {
            start: 1_000_000,
            end: Some(1_000_100),
        };
        client
            .download_file(&dc_path, &file, Some(range), &mut part, |_| {})
            .await
            .expect("range");
        assert_eq!(part, payload[1_000_000..1_000_100]);
        let mut tail = Vec::new();
        let range = ByteRange {
            start: SIZE as u64 - 10,
            end: None,
        };
        client
            .download_file(&dc_path, &file, Some(range), &mut tail, |_| {})
            .await
            .expect("tail");
        assert_eq!(tail, payload[SIZE - 10..]);

        client
            .delete_datastore_file(&context.datacenter, &file)
            .await
            .expect("DeleteDatastoreFile_Task");
        let err = client
            .download_file(&dc_path, &file, None, &mut Vec::new(), |_| {})
            .await
            .expect_err("deleted");
        assert!(
            matches!(
                err,
                Error::Transport(TransportError::HttpStatus { status: 404, .. })
            ),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_file_and_a_missing_session_are_clear_errors() {
    let sim = common::simulator(SimOptions::esx());
    let client = common::connect(&sim).await;
    let missing = DatastorePath::new("LocalDS_0", "no/such/file.vmdk");
    let err = client
        .download_file("ha-datacenter", &missing, None, &mut Vec::new(), |_| {})
        .await
        .expect_err("missing");
    let text = err.to_string();
    assert!(
        text.contains("404") && text.contains("[LocalDS_0] no/such/file.vmdk"),
        "{text}"
    );

    let anonymous = Client::connect(sim.url(), ConnectOptions::new())
        .await
        .expect("connect");
    let err = anonymous
        .download_file(
            "ha-datacenter",
            &DatastorePath::new("LocalDS_0", "x"),
            None,
            &mut Vec::new(),
            |_| {},
        )
        .await
        .expect_err("no session");
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn deleting_a_missing_file_is_a_typed_task_fault() {
    let sim = common::simulator(SimOptions::esx());
    let client = common::connect(&sim).await;
    let context = client.host_context("").await.expect("context");
    let err = client
        .delete_datastore_file(
            &context.datacenter,
            &DatastorePath::new("LocalDS_0", "nothing-here.txt"),
        )
        .await
        .expect_err("missing file");
    assert_eq!(err.fault_type(), Some("FileNotFound"), "{err}");
}
