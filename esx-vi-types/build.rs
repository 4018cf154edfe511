//! Generates the API types from the input description that travels with the crate.

use std::path::PathBuf;

fn main() {
    // `esx_vi_generator.input` is a symlink to ../generator-input/ in the repository; `cargo
    // package` stores the file itself, so the published crate builds from its own copy.
    // ESX_VI_TYPES_INPUT builds the crate from another description (a newer or trimmed schema).
    println!("cargo:rerun-if-env-changed=ESX_VI_TYPES_INPUT");
    let input_path = std::env::var_os("ESX_VI_TYPES_INPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("esx_vi_generator.input"));
    println!("cargo:rerun-if-changed={}", input_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    let input = match std::fs::read_to_string(&input_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", input_path.display());
            std::process::exit(1);
        }
    };
    let code = match esx_vi_gen::generate_named(&input, "esx_vi_generator.input") {
        Ok(code) => code,
        Err(e) => {
            for line in e.to_string().lines() {
                println!("cargo:warning={line}");
                eprintln!("error: {line}");
            }
            std::process::exit(1);
        }
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("generated.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
