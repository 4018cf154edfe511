//! `--check FILE --against REFERENCE`: what each block of an input (typically an old libvirt
//! `esx_vi_generator.input`) disagrees with in a reference input that states VMware's schema.
//!
//! Both inputs must be valid first. Then, block by block of the input, located at its lines:
//! blocks the reference lacks or defines as another kind, a different base, members and
//! parameters the reference does not have (or has only in a base), a different type or
//! occurrence, members out of wire order, the reference's members the block lacks, types the
//! input does not describe, a different `_this` binding or result. The input's own spelling of
//! `_this` (libvirt's older `_this:<Type>`) is read as the model reads it.

use std::collections::BTreeSet;
use std::fmt;

use crate::error::{Diagnostic, Diagnostics, Error, Location};
use crate::model::{self, Member, Model, This, TypeRef};
use crate::parse::{self, Block, BlockKind, MemberLine, Occurrence};

/// The disagreements of an input with a reference, sorted by position; printed one
/// `PATH:LINE:COL: message` per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreements {
    path: String,
    items: Vec<Diagnostic>,
}

impl Disagreements {
    /// The individual disagreements, sorted by position.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Whether the input agrees with the reference in everything it describes.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl fmt::Display for Disagreements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, d.location.line, d.location.col, d.message
            )?;
        }
        Ok(())
    }
}

/// Compares `input` (called `input_name` in messages) with `reference`, block by block of the
/// input. Fails with the validation errors of whichever of the two is invalid.
pub fn check_against(
    input: &str,
    input_name: &str,
    reference: &str,
    reference_name: &str,
) -> Result<Disagreements, Error> {
    let own_model = crate::validate_named(input, input_name)?;
    let reference = crate::validate_named(reference, reference_name)?;
    let blocks = parse::parse(input, &mut Diagnostics::default());
    let described: BTreeSet<&str> = blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Method)
        .map(|b| b.name.text.as_str())
        .collect();
    let service_content: Vec<Member> = own_model
        .object("ServiceContent")
        .map(|o| o.members.clone())
        .unwrap_or_default();
    let mut cmp = Comparison {
        reference: &reference,
        described,
        service_content,
        out: Diagnostics::default(),
    };
    for block in &blocks {
        cmp.block(block);
    }
    let mut items = cmp.out.errors;
    items.sort_by_key(|d| d.location);
    items.dedup();
    Ok(Disagreements {
        path: input_name.to_string(),
        items,
    })
}

/// The kind of a named type in the reference, as a reader would call it.
fn kind_name(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Enum => "an enum",
        BlockKind::Object => "a data object",
        BlockKind::ManagedObject => "a managed object",
        BlockKind::Method => "a method",
    }
}

/// A type reference as it is spelled in an input.
fn type_text(ty: &TypeRef) -> &str {
    match ty {
        TypeRef::Primitive(p) => p.input_name(),
        TypeRef::AnyType => "AnyType",
        TypeRef::ManagedObjectReference => "ManagedObjectReference",
        TypeRef::Enum(n) | TypeRef::Object(n) | TypeRef::Undescribed(n) => n,
    }
}

/// An occurrence as it is spelled in an input.
fn occurrence_text(o: Occurrence) -> &'static str {
    match o {
        Occurrence::Required => "r",
        Occurrence::Optional => "o",
        Occurrence::RequiredList => "rl",
        Occurrence::OptionalList => "ol",
        Occurrence::Ignored => "i",
    }
}

/// `member`/`members`, `property`/`properties`.
fn plural(what: &str, n: usize) -> String {
    match (what, n) {
        (_, 1) => what.to_string(),
        ("property", _) => "properties".to_string(),
        _ => format!("{what}s"),
    }
}

struct Comparison<'r> {
    reference: &'r Model,
    /// The type names the input defines.
    described: BTreeSet<&'r str>,
    /// The input's own ServiceContent members, to read its `_this:` bindings.
    service_content: Vec<Member>,
    out: Diagnostics,
}

impl<'r> Comparison<'r> {
    fn say(&mut self, at: Location, message: String) {
        self.out.push(at, message);
    }

    /// The kind of the reference's type `name`, if it has one.
    fn reference_kind(&self, name: &str) -> Option<BlockKind> {
        let r = self.reference;
        if r.enums.iter().any(|e| e.name == name) {
            Some(BlockKind::Enum)
        } else if r.object(name).is_some() {
            Some(BlockKind::Object)
        } else if r.managed_objects.iter().any(|m| m.name == name) {
            Some(BlockKind::ManagedObject)
        } else {
            None
        }
    }

    fn block(&mut self, block: &'r Block) {
        let name = block.name.text.as_str();
        let at = block.name.location;
        if block.kind == BlockKind::Method {
            match self.reference.methods.iter().find(|m| m.name == name) {
                Some(m) => self.method(block, m),
                None => self.say(at, format!("method `{name}` is not in the reference")),
            }
            return;
        }
        match self.reference_kind(name) {
            None => self.say(
                at,
                format!("{} `{name}` is not in the reference", block.kind.keyword()),
            ),
            Some(kind) if kind != block.kind => self.say(
                at,
                format!(
                    "`{name}` is {} here, {} in the reference",
                    kind_name(block.kind),
                    kind_name(kind)
                ),
            ),
            Some(BlockKind::Enum) => self.enumeration(block),
            Some(BlockKind::Object) => {
                let o = self.reference.object(name).expect("kind checked");
                self.base(block, o.base.as_deref());
                let inherited: Vec<&Member> = o.members[..o.members.len() - o.own_members.len()]
                    .iter()
                    .collect();
                self.members(block, &o.own_members, &inherited, "member");
            }
            Some(_) => {
                let mo = self
                    .reference
                    .managed_objects
                    .iter()
                    .find(|m| m.name == name)
                    .expect("kind checked");
                self.base(block, mo.base.as_deref());
                let base_properties: Vec<&Member> = mo
                    .base
                    .as_deref()
                    .and_then(|b| self.reference.managed_objects.iter().find(|m| m.name == b))
                    .map(|b| b.properties.iter().collect())
                    .unwrap_or_default();
                let own: Vec<Member> = mo
                    .properties
                    .iter()
                    .filter(|p| !base_properties.iter().any(|b| b.name == p.name))
                    .cloned()
                    .collect();
                self.members(block, &own, &base_properties, "property");
            }
        }
    }

    fn enumeration(&mut self, block: &Block) {
        let name = block.name.text.as_str();
        let Some(e) = self.reference.enums.iter().find(|e| e.name == name) else {
            return;
        };
        for v in &block.values {
            if !e.values.contains(&v.text) {
                self.say(
                    v.location,
                    format!("`{}` is not a value of `{name}` in the reference", v.text),
                );
            }
        }
        let missing: Vec<&str> = e
            .values
            .iter()
            .filter(|v| !block.values.iter().any(|b| &b.text == *v))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            self.say(
                block.name.location,
                format!(
                    "`{name}` lacks {} of the reference's values: {}",
                    missing.len(),
                    missing.join(", ")
                ),
            );
        }
    }

    fn base(&mut self, block: &Block, reference_base: Option<&str>) {
        let name = block.name.text.as_str();
        let here = block.extends.as_ref().map(|t| t.text.as_str());
        if here == reference_base {
            return;
        }
        let at = block
            .extends
            .as_ref()
            .map_or(block.name.location, |t| t.location);
        let message = match (here, reference_base) {
            (Some(h), Some(r)) => {
                format!("`{name}` extends `{h}` here, `{r}` in the reference")
            }
            (Some(h), None) => format!(
                "`{name}` extends `{h}` here; in the reference it extends nothing (the implicit root)"
            ),
            (None, Some(r)) => format!("`{name}` extends nothing here, `{r}` in the reference"),
            (None, None) => return,
        };
        self.say(at, message);
    }

    /// Compares a block's member (or parameter) lines with the reference's own members, given
    /// those the reference has in a base.
    fn members(
        &mut self,
        block: &Block,
        reference_own: &[Member],
        reference_inherited: &[&Member],
        what: &str,
    ) {
        let owner = block.name.text.as_str();
        let lines: Vec<&MemberLine> = block
            .members
            .iter()
            .filter(|l| !l.name.text.starts_with("_this"))
            .collect();
        // The reference positions of the lines it knows, for the wire order.
        let mut last: Option<(usize, &str)> = None;
        for line in &lines {
            let mname = line.name.text.as_str();
            self.undescribed_type(line);
            let Some(index) = reference_own.iter().position(|m| m.name == mname) else {
                let message = if reference_inherited.iter().any(|m| m.name == mname) {
                    format!("{what} `{mname}` of `{owner}` is inherited from a base in the reference; leave it to the base")
                } else {
                    format!("the reference has no {what} `{mname}` in `{owner}`")
                };
                self.say(line.name.location, message);
                continue;
            };
            let r = &reference_own[index];
            if line.ty.text != type_text(&r.ty) {
                self.say(
                    line.ty.location,
                    format!(
                        "{what} `{mname}` of `{owner}`: type `{}` here, `{}` in the reference",
                        line.ty.text,
                        type_text(&r.ty)
                    ),
                );
            }
            if line.occurrence != r.occurrence {
                self.say(
                    line.occurrence_location,
                    format!(
                        "{what} `{mname}` of `{owner}`: `{}`{} here, `{}` in the reference",
                        occurrence_text(line.occurrence),
                        if line.occurrence == Occurrence::Ignored {
                            " (ignored)"
                        } else {
                            ""
                        },
                        occurrence_text(r.occurrence)
                    ),
                );
            }
            // Properties are read by name through the property collector: only members and
            // parameters have a wire order.
            match last {
                Some((prev_index, prev)) if index < prev_index && what != "property" => self.say(
                    line.name.location,
                    format!(
                        "{what} `{mname}` of `{owner}` is out of wire order: the reference has it before `{prev}`"
                    ),
                ),
                _ => last = Some((index, mname)),
            }
        }
        let missing: Vec<String> = reference_own
            .iter()
            .filter(|m| !lines.iter().any(|l| l.name.text == m.name))
            .map(|m| format!("{} {}", m.name, occurrence_text(m.occurrence)))
            .collect();
        if !missing.is_empty() {
            let required = reference_own
                .iter()
                .filter(|m| !lines.iter().any(|l| l.name.text == m.name))
                .filter(|m| {
                    matches!(
                        m.occurrence,
                        Occurrence::Required | Occurrence::RequiredList
                    )
                })
                .count();
            let note = if required > 0 {
                format!(" ({required} required)")
            } else {
                String::new()
            };
            self.say(
                block.name.location,
                format!(
                    "`{owner}` lacks {} {} of the reference{note}, in {}: {}",
                    missing.len(),
                    plural(what, missing.len()),
                    if what == "property" {
                        "its order"
                    } else {
                        "wire order"
                    },
                    missing.join(", ")
                ),
            );
        }
    }

    /// A member whose type the input does not describe (libvirt's ignored members).
    fn undescribed_type(&mut self, line: &MemberLine) {
        let ty = line.ty.text.as_str();
        if self.described.contains(ty) || model::is_builtin(ty) {
            return;
        }
        // A type neither describes is no disagreement (the generator's notes list it).
        if let Some(kind) = self.reference_kind(ty) {
            self.say(
                line.ty.location,
                format!(
                    "type `{ty}` is not described in this input; the reference describes it as {}",
                    kind_name(kind)
                ),
            );
        }
    }

    fn method(&mut self, block: &Block, reference: &model::Method) {
        let name = block.name.text.as_str();
        if let Some(line) = block
            .members
            .iter()
            .find(|l| l.name.text.starts_with("_this"))
        {
            let here = match line.name.text.strip_prefix("_this:") {
                None => None,
                Some(member) if self.service_content.iter().any(|m| m.name == member) => {
                    Some(member.to_string())
                }
                Some(ty) => model::service_content_member_of_type(ty),
            };
            let there = match &reference.this {
                This::Caller => None,
                This::ServiceContent { member, .. } => Some(member.clone()),
            };
            if here != there {
                let show = |b: &Option<String>| match b {
                    None => "supplied by the caller (`_this`)".to_string(),
                    Some(m) => format!("bound to ServiceContent member `{m}`"),
                };
                self.say(
                    line.name.location,
                    format!(
                        "`_this` of `{name}` is {} here, {} in the reference",
                        show(&here),
                        show(&there)
                    ),
                );
            }
        }
        let here = block
            .returns
            .as_ref()
            .map(|(t, o, _)| format!("{} {}", t.text, occurrence_text(*o)));
        let there = reference
            .returns
            .as_ref()
            .map(|(t, o)| format!("{} {}", type_text(t), occurrence_text(*o)));
        if here != there {
            let at = block
                .returns
                .as_ref()
                .map_or(block.name.location, |(t, _, _)| t.location);
            let show = |r: &Option<String>| match r {
                None => "nothing".to_string(),
                Some(r) => format!("`{r}`"),
            };
            self.say(
                at,
                format!(
                    "`{name}` returns {} here, {} in the reference",
                    show(&here),
                    show(&there)
                ),
            );
        }
        self.members(block, &reference.params, &[], "parameter");
    }
}
