//! The text layer: turns `esx_vi_generator.input` lines into blocks of located tokens.
//!
//! The parser knows only the grammar (comments, block headers, member lines, `end`); it does not
//! know which types exist. Every token keeps its location so later passes can point at it.

use crate::error::{Diagnostics, Location};

/// A token with the position of its first character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token's text.
    pub text: String,
    /// Where it starts.
    pub location: Location,
}

/// How often a member occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occurrence {
    /// `r`: exactly once.
    Required,
    /// `o`: at most once.
    Optional,
    /// `rl`: one or more.
    RequiredList,
    /// `ol`: zero or more.
    OptionalList,
    /// `i`: present on the wire but not represented (skipped when read).
    Ignored,
}

impl Occurrence {
    /// Parses an occurrence keyword.
    pub fn from_keyword(s: &str) -> Option<Self> {
        Some(match s {
            "r" => Occurrence::Required,
            "o" => Occurrence::Optional,
            "rl" => Occurrence::RequiredList,
            "ol" => Occurrence::OptionalList,
            "i" => Occurrence::Ignored,
            _ => return None,
        })
    }

    /// Whether the member holds a list of values.
    pub fn is_list(self) -> bool {
        matches!(self, Occurrence::RequiredList | Occurrence::OptionalList)
    }
}

/// The kind of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `enum Name`
    Enum,
    /// `object Name [extends Base]`
    Object,
    /// `managed object Name [extends Base]`
    ManagedObject,
    /// `method Name [returns Type occurrence]`
    Method,
}

impl BlockKind {
    /// The header keyword(s) as written.
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Enum => "enum",
            BlockKind::Object => "object",
            BlockKind::ManagedObject => "managed object",
            BlockKind::Method => "method",
        }
    }
}

/// A member line: `<Type> <name> <occurrence>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    /// The type token.
    pub ty: Token,
    /// The name token (for method parameters possibly `_this` or `_this:member`).
    pub name: Token,
    /// The occurrence.
    pub occurrence: Occurrence,
    /// Where the occurrence token is.
    pub occurrence_location: Location,
}

/// A parsed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What kind of block.
    pub kind: BlockKind,
    /// Where the header starts.
    pub location: Location,
    /// The block's name.
    pub name: Token,
    /// `extends <Base>`.
    pub extends: Option<Token>,
    /// `returns <Type> <occurrence>` (methods only).
    pub returns: Option<(Token, Occurrence, Location)>,
    /// Member lines (objects, managed objects, methods).
    pub members: Vec<MemberLine>,
    /// Wire values (enums).
    pub values: Vec<Token>,
    /// How many non-blank lines the body has (well-formed or not).
    pub body_lines: usize,
}

/// Splits a line (comment already removed) into tokens with 1-based columns.
fn tokenize(line: &str, line_no: u32) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current: Option<(String, u32)> = None;
    for (i, ch) in line.chars().enumerate() {
        let col = i as u32 + 1;
        if ch.is_whitespace() {
            if let Some((text, c)) = current.take() {
                tokens.push(Token {
                    text,
                    location: Location::new(line_no, c),
                });
            }
        } else {
            match &mut current {
                Some((text, _)) => text.push(ch),
                None => current = Some((ch.to_string(), col)),
            }
        }
    }
    if let Some((text, c)) = current {
        tokens.push(Token {
            text,
            location: Location::new(line_no, c),
        });
    }
    tokens
}

fn is_type_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_header_keyword(s: &str) -> bool {
    matches!(s, "enum" | "object" | "managed" | "method")
}

/// Parses one header line; `None` (with a diagnostic) for a malformed header.
fn parse_header(tokens: &[Token], diags: &mut Diagnostics) -> Option<Block> {
    let first = &tokens[0];
    let (kind, rest) = match first.text.as_str() {
        "enum" => (BlockKind::Enum, &tokens[1..]),
        "object" => (BlockKind::Object, &tokens[1..]),
        "method" => (BlockKind::Method, &tokens[1..]),
        "managed" => {
            if tokens.get(1).map(|t| t.text.as_str()) != Some("object") {
                let at = tokens.get(1).map_or(first.location, |t| t.location);
                diags.push(
                    at,
                    "malformed header: expected `managed object <Name> [extends <Base>]`",
                );
                return None;
            }
            (BlockKind::ManagedObject, &tokens[2..])
        }
        _ => unreachable!("caller checks is_header_keyword"),
    };
    let usage = match kind {
        BlockKind::Enum => "`enum <Name>`",
        BlockKind::Object => "`object <Name> [extends <Base>]`",
        BlockKind::ManagedObject => "`managed object <Name> [extends <Base>]`",
        BlockKind::Method => "`method <Name> [returns <Type> <occurrence>]`",
    };
    let Some(name) = rest.first() else {
        diags.push(
            first.location,
            format!("malformed header: missing the name; expected {usage}"),
        );
        return None;
    };
    if !is_type_name(&name.text) {
        diags.push(
            name.location,
            format!(
                "malformed header: `{}` is not a valid name (letters, digits and `_`, not starting with a digit)",
                name.text
            ),
        );
        return None;
    }
    let mut block = Block {
        kind,
        location: first.location,
        name: name.clone(),
        extends: None,
        returns: None,
        members: Vec::new(),
        values: Vec::new(),
        body_lines: 0,
    };
    let tail = &rest[1..];
    match kind {
        BlockKind::Enum => {
            if let Some(extra) = tail.first() {
                diags.push(
                    extra.location,
                    format!(
                        "malformed header: unexpected `{}` after the enum name; expected {usage}",
                        extra.text
                    ),
                );
                return None;
            }
        }
        BlockKind::Object | BlockKind::ManagedObject => {
            match tail {
                [] => {}
                [kw] if kw.text == "extends" => {
                    diags.push(
                    kw.location,
                    format!("malformed header: missing the base type after `extends`; expected {usage}"),
                );
                    return None;
                }
                [kw, base] if kw.text == "extends" => {
                    if !is_type_name(&base.text) {
                        diags.push(
                            base.location,
                            format!("malformed header: `{}` is not a valid type name", base.text),
                        );
                        return None;
                    }
                    block.extends = Some(base.clone());
                }
                [kw, ..] => {
                    diags.push(
                        kw.location,
                        format!(
                            "malformed header: unexpected `{}`; expected {usage}",
                            kw.text
                        ),
                    );
                    return None;
                }
            }
        }
        BlockKind::Method => match tail {
            [] => {}
            [kw, ty, occ] if kw.text == "returns" => {
                let Some(o) = Occurrence::from_keyword(&occ.text) else {
                    diags.push(
                        occ.location,
                        format!(
                            "bad occurrence `{}`: expected one of r, o, rl, ol",
                            occ.text
                        ),
                    );
                    return None;
                };
                if o == Occurrence::Ignored {
                    diags.push(
                        occ.location,
                        "bad occurrence `i` for a return value: expected one of r, o, rl, ol (omit `returns` for a method without result)",
                    );
                    return None;
                }
                block.returns = Some((ty.clone(), o, occ.location));
            }
            [kw, ..] => {
                diags.push(
                    kw.location,
                    format!(
                        "malformed header: unexpected `{}`; expected {usage}",
                        kw.text
                    ),
                );
                return None;
            }
        },
    }
    Some(block)
}

/// Parses the whole input into blocks, collecting every syntax problem.
pub(crate) fn parse(input: &str, diags: &mut Diagnostics) -> Vec<Block> {
    let mut blocks = Vec::new();
    // The open block, if any; after a malformed header `skipping` holds its location and the
    // block's lines are skipped up to its `end`.
    let mut open: Option<Block> = None;
    let mut skipping: Option<Location> = None;
    for (index, raw_line) in input.lines().enumerate() {
        let line_no = index as u32 + 1;
        let line = match raw_line.find('#') {
            Some(pos) => &raw_line[..pos],
            None => raw_line,
        };
        let tokens = tokenize(line, line_no);
        if tokens.is_empty() {
            continue;
        }
        let first = &tokens[0];
        if first.text == "end" {
            if tokens.len() > 1 {
                diags.push(
                    tokens[1].location,
                    format!("unexpected `{}` after `end`", tokens[1].text),
                );
            }
            if let Some(block) = open.take() {
                blocks.push(block);
            } else if skipping.take().is_none() {
                diags.push(first.location, "`end` without an open block");
            }
            continue;
        }
        if skipping.is_some() {
            continue;
        }
        let Some(block) = &mut open else {
            if is_header_keyword(&first.text) {
                match parse_header(&tokens, diags) {
                    Some(b) => open = Some(b),
                    None => skipping = Some(first.location),
                }
            } else {
                diags.push(
                    first.location,
                    format!(
                        "expected a block header (`enum`, `object`, `managed object` or `method`), found `{}`",
                        first.text
                    ),
                );
            }
            continue;
        };
        block.body_lines += 1;
        // Inside a block: a header-looking line means a missing `end`.
        let looks_like_header = is_header_keyword(&first.text)
            && match block.kind {
                BlockKind::Enum => tokens.len() >= 2,
                _ => {
                    tokens.len() != 3
                        || first.text == "managed"
                        || Occurrence::from_keyword(&tokens[2].text).is_none()
                }
            };
        if looks_like_header {
            diags.push(
                first.location,
                format!(
                    "nested block: `{}` starts inside `{} {}` (opened at line {}); blocks do not nest, is an `end` missing?",
                    tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" "),
                    block.kind.keyword(),
                    block.name.text,
                    block.location.line
                ),
            );
            continue;
        }
        match block.kind {
            BlockKind::Enum => {
                if tokens.len() != 1 {
                    diags.push(
                        tokens[1].location,
                        format!(
                            "an enum line holds exactly one wire value, found `{}` after `{}`",
                            tokens[1].text, first.text
                        ),
                    );
                    continue;
                }
                block.values.push(first.clone());
            }
            _ => {
                if tokens.len() != 3 {
                    let what = if block.kind == BlockKind::Method {
                        "parameter"
                    } else {
                        "member"
                    };
                    let at = tokens.get(3).map_or(first.location, |t| t.location);
                    diags.push(
                        at,
                        format!(
                            "malformed {what} line: expected `<Type> <name> <occurrence>`, found {} token{}",
                            tokens.len(),
                            if tokens.len() == 1 { "" } else { "s" }
                        ),
                    );
                    continue;
                }
                let occ_token = &tokens[2];
                let Some(occurrence) = Occurrence::from_keyword(&occ_token.text) else {
                    diags.push(
                        occ_token.location,
                        format!(
                            "bad occurrence `{}`: expected one of r, o, rl, ol, i",
                            occ_token.text
                        ),
                    );
                    continue;
                };
                if occurrence == Occurrence::Ignored && block.kind == BlockKind::Method {
                    diags.push(
                        occ_token.location,
                        format!(
                            "bad occurrence `i` for method parameter `{}`: a parameter cannot be ignored, use `o` for an optional one",
                            tokens[1].text
                        ),
                    );
                    continue;
                }
                if !is_type_name(&first.text) {
                    diags.push(
                        first.location,
                        format!("`{}` is not a valid type name", first.text),
                    );
                    continue;
                }
                block.members.push(MemberLine {
                    ty: first.clone(),
                    name: tokens[1].clone(),
                    occurrence,
                    occurrence_location: occ_token.location,
                });
            }
        }
    }
    if let Some(block) = open {
        diags.push(
            block.location,
            format!(
                "unterminated block `{} {}`: add a line `end` after its last line",
                block.kind.keyword(),
                block.name.text
            ),
        );
    }
    if let Some(at) = skipping {
        diags.push(
            at,
            "unterminated block: add a line `end` after its last line",
        );
    }
    blocks
}
