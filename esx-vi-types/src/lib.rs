//! vSphere (VI) API types generated from `generator-input/esx_vi_generator.input`, their XML
//! (de)serializers and typed method stubs, on a small hand-written XML runtime.

pub mod transport;
