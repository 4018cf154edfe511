//! Local files to and from datastore files against the simulator (ESX and vCenter): a round trip
//! of random data with SHA-256, byte ranges, resuming a download cut off by the fault proxy,
//! writing at an offset, and sources that are not regular files refused before anything is sent.

mod common;

use std::path::Path;

use esx_tests::proxy::{Fault, FaultProxy};
use esx_tests::{Model, SimOptions, Simulator, WireStyle};
use esx_vi::{
    Client, DatastorePath, DownloadOptions, Error, Report, TransportError, UploadOptions,
};
use sha2::{Digest, Sha256};

/// Random-looking bytes (xorshift), not a multiple of any buffer size.
fn data(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The datacenter path of the simulator's model.
fn dc_path(sim: &Simulator) -> &'static str {
    match sim.options().model {
        Model::Esx => "ha-datacenter",
        Model::Vpx => "DC0",
    }
}

/// Nothing but `expected` in `dir`: no temporary file left behind.
fn assert_only(dir: &Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected, "files in {}", dir.display());
}

async fn is_missing(client: &Client, dc: &str, file: &DatastorePath) -> bool {
    matches!(
        client.datastore_file_size(dc, file).await,
        Err(Error::Transport(TransportError::HttpStatus {
            status: 404,
            ..
        }))
    )
}

#[tokio::test]
async fn random_files_round_trip_with_checksums_and_ranges_on_both_models() {
    for (model, wire) in [(Model::Esx, WireStyle::Xsi), (Model::Vpx, WireStyle::Vcsim)] {
        let sim = common::simulator(SimOptions::new(model).wire(wire));
        let client = common::connect(&sim).await;
        let dc = dc_path(&sim);
        let dir = tempfile::tempdir().unwrap();
        let payload = data(3 * 1024 * 1024 + 12345, 7);
        let source = dir.path().join("source.iso");
        std::fs::write(&source, &payload).unwrap();
        let remote = DatastorePath::new("LocalDS_0", "iso/round trip.iso");

        let summary = client
            .upload_from_path(
                dc,
                &remote,
                &source,
                UploadOptions {
                    checksum: true,
                    ..UploadOptions::default()
                },
                |_| {},
            )
            .await
            .expect("upload");
        assert_eq!(summary.transferred, payload.len() as u64, "{model:?}");
        assert_eq!(summary.sha256.as_deref(), Some(sha256(&payload).as_str()));
        assert_eq!(
            client.datastore_file_size(dc, &remote).await.unwrap(),
            payload.len() as u64
        );

        let target = dir.path().join("copy.iso");
        let mut last = None;
        let summary = client
            .download_to_path(
                dc,
                &remote,
                &target,
                DownloadOptions {
                    checksum: true,
                    ..DownloadOptions::default()
                },
                |p| last = Some(p),
            )
            .await
            .expect("download");
        assert_eq!(summary.sha256.as_deref(), Some(sha256(&payload).as_str()));
        assert!(std::fs::read(&target).unwrap() == payload, "{model:?}");
        let last = last.expect("progress");
        assert_eq!(
            (last.transferred, last.total),
            (payload.len() as u64, Some(payload.len() as u64))
        );

        // A range: offset and length, and an offset to the end.
        let part = dir.path().join("part");
        let summary = client
            .download_to_path(
                dc,
                &remote,
                &part,
                DownloadOptions {
                    offset: 1_000_001,
                    length: Some(70_000),
                    checksum: true,
                    ..DownloadOptions::default()
                },
                |_| {},
            )
            .await
            .expect("range");
        let expected = &payload[1_000_001..1_070_001];
        assert_eq!(summary.transferred, 70_000);
        assert!(std::fs::read(&part).unwrap() == expected);
        assert_eq!(summary.sha256.as_deref(), Some(sha256(expected).as_str()));
        client
            .download_to_path(
                dc,
                &remote,
                &part,
                DownloadOptions {
                    offset: payload.len() as u64 - 100,
                    ..DownloadOptions::default()
                },
                |_| {},
            )
            .await
            .expect("tail");
        assert!(std::fs::read(&part).unwrap() == payload[payload.len() - 100..]);
        assert_only(dir.path(), &["copy.iso", "part", "source.iso"]);
    }
}

#[tokio::test]
async fn an_interrupted_download_leaves_nothing_and_resumes_where_it_stopped() {
    let sim = common::simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).expect("proxy");
    let client = Client::connect(&proxy.url(), common::login_options(&sim))
        .await
        .expect("connect through the proxy");
    let dir = tempfile::tempdir().unwrap();
    let payload = data(2 * 1024 * 1024 + 7, 11);
    let source = dir.path().join("source");
    std::fs::write(&source, &payload).unwrap();
    let remote = DatastorePath::new("LocalDS_0", "resume/disk-flat.vmdk");
    client
        .upload_from_path(
            "ha-datacenter",
            &remote,
            &source,
            UploadOptions::default(),
            |_| {},
        )
        .await
        .expect("upload");

    // Cut off without --resume: no destination, no temporary file.
    let target = dir.path().join("target");
    proxy.inject_next("GET /folder", Fault::DropMidResponse);
    client
        .download_to_path(
            "ha-datacenter",
            &remote,
            &target,
            DownloadOptions::default(),
            |_| {},
        )
        .await
        .expect_err("cut off");
    assert_only(dir.path(), &["source"]);

    // Cut off with --resume: the part that arrived stays, and the next run completes it.
    proxy.inject_next("GET /folder", Fault::DropMidResponse);
    client
        .download_to_path(
            "ha-datacenter",
            &remote,
            &target,
            DownloadOptions {
                resume: true,
                ..DownloadOptions::default()
            },
            |_| {},
        )
        .await
        .expect_err("cut off");
    let partial = std::fs::read(&target).unwrap();
    assert!(
        !partial.is_empty() && partial.len() < payload.len(),
        "{} bytes kept",
        partial.len()
    );
    assert!(partial == payload[..partial.len()], "a prefix of the file");
    let summary = client
        .download_to_path(
            "ha-datacenter",
            &remote,
            &target,
            DownloadOptions {
                resume: true,
                checksum: true,
                ..DownloadOptions::default()
            },
            |_| {},
        )
        .await
        .expect("resumed");
    assert_eq!(summary.resumed_from, partial.len() as u64);
    assert_eq!(summary.transferred, (payload.len() - partial.len()) as u64);
    assert!(std::fs::read(&target).unwrap() == payload);
    assert_eq!(summary.sha256.as_deref(), Some(sha256(&payload).as_str()));

    // Complete already: nothing to fetch. Longer than the remote file: refused, untouched.
    let again = client
        .download_to_path(
            "ha-datacenter",
            &remote,
            &target,
            DownloadOptions {
                resume: true,
                checksum: true,
                ..DownloadOptions::default()
            },
            |_| {},
        )
        .await
        .expect("complete");
    assert_eq!(again.transferred, 0);
    assert_eq!(again.sha256, summary.sha256);
    let mut longer = payload.clone();
    longer.extend_from_slice(b"extra");
    std::fs::write(&target, &longer).unwrap();
    let err = client
        .download_to_path(
            "ha-datacenter",
            &remote,
            &target,
            DownloadOptions {
                resume: true,
                ..DownloadOptions::default()
            },
            |_| {},
        )
        .await
        .expect_err("longer");
    let text = Report(&err).to_string();
    assert!(text.contains("not a partial download"), "{text}");
    assert!(std::fs::read(&target).unwrap() == longer);
}

#[tokio::test]
async fn uploads_refuse_what_is_not_a_regular_file_and_write_at_offsets() {
    let sim = common::simulator(SimOptions::vpx());
    let client = common::connect(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let remote = DatastorePath::new("LocalDS_0", "bad/never-created.img");
    let fifo = dir.path().join("fifo");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut bad = vec![
        dir.path().to_path_buf(),
        Path::new("/dev/zero").to_path_buf(),
    ];
    if made_fifo {
        bad.push(fifo);
    }
    for source in &bad {
        let err = client
            .upload_from_path("DC0", &remote, source, UploadOptions::default(), |_| {})
            .await
            .expect_err("not a regular file");
        let text = Report(&err).to_string();
        assert!(
            text.contains("not a regular file") && text.contains(&source.display().to_string()),
            "{text}"
        );
    }
    let err = client
        .upload_from_path(
            "DC0",
            &remote,
            &dir.path().join("missing"),
            UploadOptions::default(),
            |_| {},
        )
        .await
        .expect_err("missing");
    assert!(Report(&err).to_string().contains("cannot upload"), "{err}");
    assert!(is_missing(&client, "DC0", &remote).await);

    // Writing at an offset keeps the bytes before and after the data.
    let original = data(100_000, 3);
    let base = dir.path().join("base");
    std::fs::write(&base, &original).unwrap();
    let remote = DatastorePath::new("LocalDS_0", "splice/floppy.flp");
    client
        .upload_from_path("DC0", &remote, &base, UploadOptions::default(), |_| {})
        .await
        .expect("upload");
    let patch = dir.path().join("patch");
    std::fs::write(&patch, [0xAAu8; 5000]).unwrap();
    let summary = client
        .upload_from_path(
            "DC0",
            &remote,
            &patch,
            UploadOptions {
                offset: 10_000,
                length: Some(3000),
                checksum: true,
            },
            |_| {},
        )
        .await
        .expect("upload at an offset");
    assert_eq!(summary.transferred, 3000);
    assert_eq!(
        summary.sha256.as_deref(),
        Some(sha256(&[0xAA; 3000]).as_str())
    );
    let copy = dir.path().join("copy");
    client
        .download_to_path("DC0", &remote, &copy, DownloadOptions::default(), |_| {})
        .await
        .expect("download");
    let mut expected = original.clone();
    expected[10_000..13_000].fill(0xAA);
    assert!(std::fs::read(&copy).unwrap() == expected);
    let err = client
        .upload_from_path(
            "DC0",
            &remote,
            &patch,
            UploadOptions {
                offset: 200_000,
                ..UploadOptions::default()
            },
            |_| {},
        )
        .await
        .expect_err("past the end");
    let text = Report(&err).to_string();
    assert!(text.contains("only 100000 bytes"), "{text}");
}
