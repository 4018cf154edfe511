//! Turns vSphere API type descriptions (libvirt's `esx_vi_generator.input` grammar) into Rust.
//!
//! Three passes, each its own module: [`parse`] (text to located blocks), [`model`] (blocks to a
//! validated, sorted API model) and [`emit`] (model to formatted Rust). Names are converted in one
//! place, [`ident`]. Every problem is reported as `PATH:LINE:COL: message`.

pub mod compare;
pub mod emit;
pub mod error;
pub mod ident;
pub mod model;
pub mod parse;

pub use compare::{check_against, Disagreements};
pub use error::{Diagnostic, Error, Location, Notes};
pub use model::Model;

/// The input name used by [`generate`] and [`validate`] in messages and the `@generated` header.
pub const DEFAULT_INPUT_NAME: &str = "esx_vi_generator.input";

/// Parses and validates an input, returning the model or every problem found.
///
/// `input_name` is what error messages call the input (usually its path).
pub fn validate_named(input: &str, input_name: &str) -> Result<Model, Error> {
    validate_with_notes(input, input_name).map(|(model, _)| model)
}

/// [`validate_named`], also returning the notes about an accepted input (what `--verbose`
/// prints): ignored members whose types the input does not describe, libvirt's older spellings.
pub fn validate_with_notes(input: &str, input_name: &str) -> Result<(Model, Notes), Error> {
    let mut diags = error::Diagnostics::default();
    let blocks = parse::parse(input, &mut diags);
    let model = model::build(&blocks, &mut diags);
    if diags.errors.is_empty() {
        Ok((model, Notes::new(input_name, diags.notes)))
    } else {
        Err(Error::new(input_name, diags.errors))
    }
}

/// [`validate_named`] with the default input name.
pub fn validate(input: &str) -> Result<Model, Error> {
    validate_named(input, DEFAULT_INPUT_NAME)
}

/// Generates the Rust source for an input; `input_name` appears in messages and in the
/// `@generated` header.
pub fn generate_named(input: &str, input_name: &str) -> Result<String, Error> {
    generate_with_notes(input, input_name).map(|(code, _)| code)
}

/// [`generate_named`], also returning the notes about the input (see [`validate_with_notes`]).
pub fn generate_with_notes(input: &str, input_name: &str) -> Result<(String, Notes), Error> {
    let (model, notes) = validate_with_notes(input, input_name)?;
    let code =
        emit::emit(&model, input_name).map_err(|message| Error::internal(input_name, message))?;
    Ok((code, notes))
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
