//! Turns vSphere API type descriptions (libvirt's `esx_vi_generator.input` grammar) into Rust.
