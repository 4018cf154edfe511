//! Turns vSphere API type descriptions (libvirt's `esx_vi_generator.input` grammar) into Rust.
//!
//! Three passes, each its own module: [`parse`] (text to located blocks), [`model`] (blocks to a
//! validated, sorted API model) and [`emit`] (model to formatted Rust). Names are converted in one
//! place, [`ident`]. Every problem is reported as `PATH:LINE:COL: message`.

pub mod emit;
pub mod error;
pub mod ident;
pub mod model;
pub mod parse;

pub use error::{Diagnostic, Error, Location};
pub use model::Model;

/// The input name used by [`generate`] and [`validate`] in messages and the `@generated` header.
pub const DEFAULT_INPUT_NAME: &str = "esx_vi_generator.input";

/// Parses and validates an input, returning the model or every problem found.
///
/// `input_name` is what error messages call the input (usually its path).
pub fn validate_named(input: &str, input_name: &str) -> Result<Model, Error> {
    let mut diags = error::Diagnostics::default();
    let blocks = parse::parse(input, &mut diags);
    let model = model::build(&blocks, &mut diags);
    if diags.0.is_empty() {
        Ok(model)
    } else {
        Err(Error::new(input_name, diags.0))
    }
}

/// [`validate_named`] with the default input name.
pub fn validate(input: &str) -> Result<Model, Error> {
    validate_named(input, DEFAULT_INPUT_NAME)
}

/// Generates the Rust source for an input; `input_name` appears in messages and in the
/// `@generated` header.
pub fn generate_named(input: &str, input_name: &str) -> Result<String, Error> {
    let model = validate_named(input, input_name)?;
    emit::emit(&model, input_name).map_err(|message| Error::internal(input_name, message))
}

/// Generates the Rust source for an input as sections, one per family of generated items (see
/// [`emit::Section`]); joined under the `@generated` header they are what [`generate_named`]
/// returns.
pub fn generate_sections(input: &str, input_name: &str) -> Result<Vec<emit::Section>, Error> {
    let model = validate_named(input, input_name)?;
    emit::emit_sections(&model).map_err(|message| Error::internal(input_name, message))
}

/// Generates the Rust source for an input (the library entry point other tools use).
pub fn generate(input: &str) -> Result<String, Error> {
    generate_named(input, DEFAULT_INPUT_NAME)
}
