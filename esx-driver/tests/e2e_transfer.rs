//! End-to-end: `vol-upload` and `vol-download` of `esx-virsh` against the simulator (ESX and
//! vCenter): a random file round trip with `--checksum`, a range, `--resume`, and bad sources and
//! volume arguments failing with an `error:` line and nothing written.

mod e2e_common;

use e2e_common::{simulator, uri, virsh};
use esx_tests::{Model, WireStyle};
use sha2::{Digest, Sha256};

fn random(size: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn volumes_round_trip_through_local_files_on_both_models() {
    for (model, wire) in [(Model::Esx, WireStyle::Xsi), (Model::Vpx, WireStyle::Vcsim)] {
        let sim = simulator(model, wire);
        let uri = uri(&sim);
        let dir = tempfile::tempdir().unwrap();
        let payload = random(1_500_001);
        let src = dir.path().join("src.iso");
        std::fs::write(&src, &payload).unwrap();
        let src_arg = src.to_str().unwrap();

        let out = virsh(
            &uri,
            &[
                "-q",
                "vol-upload",
                "[LocalDS_0] iso/e2e.iso",
                src_arg,
                "--checksum",
            ],
        )
        .ok();
        assert_eq!(out, format!("{}  {src_arg}\n", hex(&payload)));

        let dst = dir.path().join("dst.iso");
        let dst_arg = dst.to_str().unwrap();
        let out = virsh(
            &uri,
            &[
                "-q",
                "vol-download",
                "iso/e2e.iso",
                dst_arg,
                "--pool",
                "LocalDS_0",
                "--checksum",
            ],
        )
        .ok();
        assert_eq!(out, format!("{}  {dst_arg}\n", hex(&payload)));
        assert!(std::fs::read(&dst).unwrap() == payload, "{model:?}");

        let part = dir.path().join("part");
        let part_arg = part.to_str().unwrap();
        virsh(
            &uri,
            &[
                "-q",
                "vol-download",
                "[LocalDS_0] iso/e2e.iso",
                part_arg,
                "--offset",
                "1000",
                "--length",
                "2000",
            ],
        )
        .ok();
        assert!(std::fs::read(&part).unwrap() == payload[1000..3000]);

        // --resume completes a partial file (here, the first 700,000 bytes).
        std::fs::write(&part, &payload[..700_000]).unwrap();
        let out = virsh(
            &uri,
            &[
                "-q",
                "vol-download",
                "[LocalDS_0] iso/e2e.iso",
                part_arg,
                "--resume",
                "--checksum",
            ],
        )
        .ok();
        assert_eq!(out, format!("{}  {part_arg}\n", hex(&payload)));
        assert!(std::fs::read(&part).unwrap() == payload);

        let err = virsh(
            &uri,
            &["vol-upload", "[LocalDS_0] iso/zero.iso", "/dev/zero"],
        )
        .failed();
        assert!(
            err.contains("error: cannot upload to volume [LocalDS_0] iso/zero.iso\n")
                && err.contains("not a regular file"),
            "{err}"
        );
        let err = virsh(&uri, &["vol-upload", "iso/x.iso", src_arg]).failed();
        assert!(err.contains("specifying --pool might help"), "{err}");
        let err = virsh(
            &uri,
            &["vol-upload", "../x.iso", src_arg, "--pool", "LocalDS_0"],
        )
        .failed();
        assert!(err.contains("'..' or '.' component"), "{err}");
        let missing = dir.path().join("missing");
        let err = virsh(
            &uri,
            &[
                "vol-download",
                "[LocalDS_0] iso/none.iso",
                missing.to_str().unwrap(),
            ],
        )
        .failed();
        assert!(
            err.contains("cannot download from volume") && err.contains("404"),
            "{err}"
        );
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["dst.iso", "part", "src.iso"]);
    }
}
