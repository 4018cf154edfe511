//! The validated API model: resolved types, inheritance, ordered members, bound `_this`.
//!
//! The model knows only the API (no text, no Rust). Everything in it is checked: every type
//! reference resolves, inheritance is acyclic, names are unique. Collections are sorted by name
//! so the emitted code is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Diagnostics, Location};
use crate::ident;
use crate::parse::{Block, BlockKind, MemberLine, Occurrence};

/// The primitive (XML Schema) built-in types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Primitive {
    /// `String` (`xsd:string`)
    String,
    /// `Boolean` (`xsd:boolean`)
    Boolean,
    /// `Byte` (`xsd:byte`)
    Byte,
    /// `Short` (`xsd:short`)
    Short,
    /// `Int` (`xsd:int`)
    Int,
    /// `Long` (`xsd:long`)
    Long,
    /// `Double` (`xsd:double`)
    Double,
    /// `DateTime` (`xsd:dateTime`)
    DateTime,
    /// `Binary` (`xsd:base64Binary`)
    Binary,
}

impl Primitive {
    /// All primitives, in a fixed order.
    pub const ALL: [Primitive; 9] = [
        Primitive::String,
        Primitive::Boolean,
        Primitive::Byte,
        Primitive::Short,
        Primitive::Int,
        Primitive::Long,
        Primitive::Double,
        Primitive::DateTime,
        Primitive::Binary,
    ];

    /// The name used in the input.
    pub fn input_name(self) -> &'static str {
        match self {
            Primitive::String => "String",
            Primitive::Boolean => "Boolean",
            Primitive::Byte => "Byte",
            Primitive::Short => "Short",
            Primitive::Int => "Int",
            Primitive::Long => "Long",
            Primitive::Double => "Double",
            Primitive::DateTime => "DateTime",
            Primitive::Binary => "Binary",
        }
    }

    fn from_input_name(s: &str) -> Option<Self> {
        Primitive::ALL.into_iter().find(|p| p.input_name() == s)
    }
}

/// A resolved type reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    /// A built-in primitive.
    Primitive(Primitive),
    /// `AnyType`: a dynamically typed value.
    AnyType,
    /// `ManagedObjectReference`.
    ManagedObjectReference,
    /// An enum of the input.
    Enum(String),
    /// A data object of the input (or the built-in `MethodFault`).
    Object(String),
}

/// A member of a data object or managed object, or a method parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The wire name.
    pub name: String,
    /// The resolved type.
    pub ty: TypeRef,
    /// How often it occurs.
    pub occurrence: Occurrence,
    /// Where the member line is.
    pub location: Location,
}

/// An enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enum {
    /// The type name.
    pub name: String,
    /// The wire values, in input order.
    pub values: Vec<String>,
}

/// A data object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The type name.
    pub name: String,
    /// The direct base type.
    pub base: Option<String>,
    /// The members it declares itself, in wire order.
    pub own_members: Vec<Member>,
    /// All members, inherited first, in wire order (ignored members included).
    pub members: Vec<Member>,
    /// Every direct and indirect subtype, sorted by name.
    pub descendants: Vec<String>,
    /// The chain of bases, nearest first.
    pub ancestors: Vec<String>,
}

impl Object {
    /// Whether values declared with this type may carry a subtype (`xsi:type`).
    pub fn is_polymorphic(&self) -> bool {
        !self.descendants.is_empty() || self.name == "MethodFault"
    }
}

/// A managed object (its members are properties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedObject {
    /// The type name.
    pub name: String,
    /// The direct base.
    pub base: Option<String>,
    /// All properties, inherited first.
    pub properties: Vec<Member>,
}

/// How a method's `_this` is supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum This {
    /// `_this:<member>`: taken from that member of ServiceContent.
    ServiceContent {
        /// The ServiceContent member name.
        member: String,
        /// Whether that member is optional in ServiceContent (absent on some hosts).
        optional: bool,
    },
    /// `_this`: the caller passes the object.
    Caller,
}

/// A method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// The SOAP method name.
    pub name: String,
    /// How `_this` is bound.
    pub this: This,
    /// The parameters after `_this`, in wire order.
    pub params: Vec<Member>,
    /// The return type and occurrence.
    pub returns: Option<(TypeRef, Occurrence)>,
}

/// The validated model, every collection sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    /// Enums.
    pub enums: Vec<Enum>,
    /// Data objects, including the built-in `MethodFault` unless the input defines it.
    pub objects: Vec<Object>,
    /// Managed objects.
    pub managed_objects: Vec<ManagedObject>,
    /// Methods.
    pub methods: Vec<Method>,
}

impl Model {
    /// Looks a data object up by name.
    pub fn object(&self, name: &str) -> Option<&Object> {
        self.objects
            .binary_search_by(|o| o.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.objects[i])
    }
}

const BUILTIN_NAMES: [&str; 12] = [
    "String",
    "Boolean",
    "Byte",
    "Short",
    "Int",
    "Long",
    "Double",
    "DateTime",
    "Binary",
    "AnyType",
    "ManagedObjectReference",
    "MethodFault",
];

/// Names the generator itself defines next to the input's types.
const RESERVED_NAMES: [&str; 7] = [
    "Base64Binary",
    "AnyValue",
    "UnknownSubtype",
    "Transport",
    "DataObject",
    "FromAnyValue",
    "ManagedObjectType",
];

enum Kind {
    Enum,
    Object,
    ManagedObject,
}

/// Builds the model from parsed blocks, reporting every semantic problem.
pub(crate) fn build(blocks: &[Block], diags: &mut Diagnostics) -> Model {
    // 1. Names and duplicates.
    let mut types: BTreeMap<&str, (Kind, &Block)> = BTreeMap::new();
    let mut methods: BTreeMap<&str, &Block> = BTreeMap::new();
    for block in blocks {
        let name = block.name.text.as_str();
        if block.kind == BlockKind::Method {
            if let Some(prev) = methods.get(name) {
                diags.push(
                    block.name.location,
                    format!(
                        "duplicate definition of method `{name}` (first defined at line {})",
                        prev.location.line
                    ),
                );
            } else {
                methods.insert(name, block);
            }
            continue;
        }
        let user_method_fault = name == "MethodFault" && block.kind == BlockKind::Object;
        if BUILTIN_NAMES.contains(&name) && !user_method_fault {
            diags.push(
                block.name.location,
                format!("duplicate definition: `{name}` is a built-in type"),
            );
            continue;
        }
        if RESERVED_NAMES.contains(&name) {
            diags.push(
                block.name.location,
                format!("`{name}` is reserved for a generated item; rename the type"),
            );
            continue;
        }
        if let Some(element) = name.strip_prefix("ArrayOf") {
            if !element.is_empty() {
                diags.push(
                    block.name.location,
                    format!("`{name}` is reserved: `ArrayOf<Type>` names the generated array of `{element}` values"),
                );
                continue;
            }
        }
        if let Some((_, prev)) = types.get(name) {
            diags.push(
                block.name.location,
                format!(
                    "duplicate definition of `{name}` (first defined at line {})",
                    prev.location.line
                ),
            );
            continue;
        }
        let kind = match block.kind {
            BlockKind::Enum => Kind::Enum,
            BlockKind::Object => Kind::Object,
            BlockKind::ManagedObject => Kind::ManagedObject,
            BlockKind::Method => unreachable!(),
        };
        types.insert(name, (kind, block));
    }

    let resolve = |ty: &crate::parse::Token, diags: &mut Diagnostics| -> Option<TypeRef> {
        let name = ty.text.as_str();
        if let Some(p) = Primitive::from_input_name(name) {
            return Some(TypeRef::Primitive(p));
        }
        match name {
            "AnyType" => return Some(TypeRef::AnyType),
            "ManagedObjectReference" => return Some(TypeRef::ManagedObjectReference),
            "MethodFault" => return Some(TypeRef::Object("MethodFault".into())),
            _ => {}
        }
        match types.get(name) {
            Some((Kind::Enum, _)) => Some(TypeRef::Enum(name.to_string())),
            Some((Kind::Object, _)) => Some(TypeRef::Object(name.to_string())),
            Some((Kind::ManagedObject, _)) => {
                diags.push(
                    ty.location,
                    format!(
                        "`{name}` is a managed object, not a data type: use `ManagedObjectReference`"
                    ),
                );
                None
            }
            None => {
                let candidates = types.keys().copied().chain(BUILTIN_NAMES.iter().copied());
                let message = match closest(name, candidates) {
                    Some(best) => format!("unknown type `{name}` (did you mean `{best}`?)"),
                    None => format!("unknown type `{name}`"),
                };
                diags.push(ty.location, message);
                None
            }
        }
    };

    let resolve_members = |lines: &[MemberLine], diags: &mut Diagnostics| -> Vec<Member> {
        lines
            .iter()
            .filter_map(|line| {
                let ty = resolve(&line.ty, diags)?;
                Some(Member {
                    name: line.name.text.clone(),
                    ty,
                    occurrence: line.occurrence,
                    location: line.name.location,
                })
            })
            .collect()
    };

    // 2. Enums.
    let mut enums = Vec::new();
    for (name, (kind, block)) in &types {
        if !matches!(kind, Kind::Enum) {
            continue;
        }
        if block.values.is_empty() && block.body_lines == 0 {
            diags.push(
                block.name.location,
                format!("enum `{name}` has no values: list one wire value per line"),
            );
        }
        let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
        let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
        for value in &block.values {
            if let Some(line) = seen.get(value.text.as_str()) {
                diags.push(
                    value.location,
                    format!(
                        "duplicate value `{}` in enum `{name}` (first at line {line})",
                        value.text
                    ),
                );
                continue;
            }
            seen.insert(&value.text, value.location.line);
            let variant = ident::variant_name(&value.text);
            if variant == "Unrecognized" {
                diags.push(
                    value.location,
                    format!(
                        "enum value `{}` maps to the reserved variant `Unrecognized`",
                        value.text
                    ),
                );
            }
            if let Some(other) = rust_names.get(&variant) {
                diags.push(
                    value.location,
                    format!(
                        "enum values `{other}` and `{}` of `{name}` both map to the Rust variant `{variant}`",
                        value.text
                    ),
                );
            } else {
                rust_names.insert(variant, &value.text);
            }
        }
        enums.push(Enum {
            name: name.to_string(),
            values: block.values.iter().map(|v| v.text.clone()).collect(),
        });
    }

    // 3. Data objects: bases, cycles, members.
    let mut object_blocks: BTreeMap<&str, &Block> = BTreeMap::new();
    for (name, (kind, block)) in &types {
        if matches!(kind, Kind::Object) {
            object_blocks.insert(name, block);
        }
    }
    let mut bases: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (name, block) in &object_blocks {
        let base = match &block.extends {
            None => None,
            Some(b) => {
                let bname = b.text.as_str();
                if bname == "MethodFault" || object_blocks.contains_key(bname) {
                    Some(bname)
                } else {
                    let what = match types.get(bname) {
                        Some((Kind::Enum, _)) => {
                            format!("`{bname}` is an enum; an object can only extend an object")
                        }
                        Some((Kind::ManagedObject, _)) => format!(
                            "`{bname}` is a managed object; an object can only extend an object"
                        ),
                        _ if BUILTIN_NAMES.contains(&bname) => {
                            format!("`{bname}` is a built-in type and cannot be extended")
                        }
                        _ => format!("unknown base type `{bname}`"),
                    };
                    diags.push(b.location, what);
                    None
                }
            }
        };
        bases.insert(name, base);
    }
    if !bases.contains_key("MethodFault") {
        bases.insert("MethodFault", None);
    }
    // Cycle detection: follow bases; a chain longer than the number of types is a cycle.
    let mut in_cycle: BTreeSet<&str> = BTreeSet::new();
    for name in bases.keys() {
        let mut chain = vec![*name];
        let mut current = *name;
        while let Some(Some(base)) = bases.get(current) {
            if *base == *name {
                chain.push(base);
                if chain.iter().all(|n| !in_cycle.contains(n)) {
                    let block = object_blocks[name];
                    let at = block
                        .extends
                        .as_ref()
                        .map_or(block.location, |t| t.location);
                    diags.push(at, format!("extends cycle: {}", chain.join(" -> ")));
                }
                in_cycle.extend(chain.iter().copied());
                break;
            }
            if chain.contains(base) {
                break; // a cycle not through `name`; reported from its own members
            }
            chain.push(base);
            current = base;
        }
    }
    let mut own: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for (name, block) in &object_blocks {
        own.insert(name, resolve_members(&block.members, diags));
    }
    if !own.contains_key("MethodFault") {
        // The built-in fault root carries VMware's two MethodFault members when the input
        // describes their types.
        let mut members = Vec::new();
        if object_blocks.contains_key("LocalizedMethodFault") {
            members.push(Member {
                name: "faultCause".into(),
                ty: TypeRef::Object("LocalizedMethodFault".into()),
                occurrence: Occurrence::Optional,
                location: Location::default(),
            });
        }
        if object_blocks.contains_key("LocalizableMessage") {
            members.push(Member {
                name: "faultMessage".into(),
                ty: TypeRef::Object("LocalizableMessage".into()),
                occurrence: Occurrence::OptionalList,
                location: Location::default(),
            });
        }
        own.insert("MethodFault", members);
    }
    let ancestors_of = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut current = name;
        while let Some(Some(base)) = bases.get(current) {
            if in_cycle.contains(base) || out.iter().any(|a: &String| a == base) {
                break;
            }
            out.push(base.to_string());
            current = base;
        }
        out
    };
    let all_ancestors: BTreeMap<&str, Vec<String>> = bases
        .keys()
        .filter(|n| !in_cycle.contains(*n))
        .map(|n| (*n, ancestors_of(n)))
        .collect();
    let mut descendants_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, ancestors) in &all_ancestors {
        for a in ancestors {
            descendants_of
                .entry(a.as_str())
                .or_default()
                .push(name.to_string());
        }
    }
    let mut objects = Vec::new();
    for name in bases.keys() {
        if in_cycle.contains(name) {
            continue;
        }
        let ancestors = all_ancestors[name].clone();
        let mut members = Vec::new();
        for a in ancestors.iter().rev() {
            members.extend(own[a.as_str()].iter().cloned());
        }
        members.extend(own[name].iter().cloned());
        check_member_names(name, &members, "member", diags);
        let mut descendants = descendants_of.get(name).cloned().unwrap_or_default();
        descendants.sort();
        objects.push(Object {
            name: name.to_string(),
            base: bases[name].map(str::to_string),
            own_members: own[name].clone(),
            members,
            descendants,
            ancestors,
        });
    }
    // Generated names next to the input's names must not collide.
    let all_type_names: BTreeSet<&str> = types.keys().copied().collect();
    for o in &objects {
        if o.is_polymorphic() {
            let any = format!("Any{}", o.name);
            if let Some((_, block)) = types.get(any.as_str()) {
                diags.push(
                    block.name.location,
                    format!(
                        "`{any}` collides with the generated enum for the subtypes of `{}`",
                        o.name
                    ),
                );
            }
            let members_trait = format!("{}Members", o.name);
            if all_type_names.contains(members_trait.as_str()) {
                let (_, block) = &types[members_trait.as_str()];
                diags.push(
                    block.name.location,
                    format!(
                        "`{members_trait}` collides with the generated member trait of `{}`",
                        o.name
                    ),
                );
            }
        }
    }

    // 4. Managed objects.
    let mut mo_bases: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (name, (kind, block)) in &types {
        if !matches!(kind, Kind::ManagedObject) {
            continue;
        }
        let base = match &block.extends {
            None => None,
            Some(b) => match types.get(b.text.as_str()) {
                Some((Kind::ManagedObject, _)) => Some(b.text.as_str()),
                Some(_) => {
                    diags.push(b.location, format!("`{}` is not a managed object; a managed object can only extend a managed object", b.text));
                    None
                }
                None => {
                    diags.push(b.location, format!("unknown base type `{}`", b.text));
                    None
                }
            },
        };
        mo_bases.insert(name, base);
        for suffix in ["Ref", "Properties"] {
            let generated = format!("{name}{suffix}");
            if let Some((_, other)) = types.get(generated.as_str()) {
                diags.push(
                    other.name.location,
                    format!(
                        "`{generated}` collides with a generated item of managed object `{name}`"
                    ),
                );
            }
        }
    }
    let mut managed_objects = Vec::new();
    for name in mo_bases.keys() {
        let mut chain = vec![*name];
        let mut current = *name;
        let mut cyclic = false;
        while let Some(Some(base)) = mo_bases.get(current) {
            if chain.contains(base) {
                cyclic = true;
                if *base == *name {
                    let block = types[name].1;
                    let mut shown = chain.clone();
                    shown.push(base);
                    diags.push(
                        block
                            .extends
                            .as_ref()
                            .map_or(block.location, |t| t.location),
                        format!("extends cycle: {}", shown.join(" -> ")),
                    );
                }
                break;
            }
            chain.push(base);
            current = base;
        }
        if cyclic {
            continue;
        }
        let mut properties = Vec::new();
        for mo in chain.iter().rev() {
            properties.extend(resolve_members(
                &types[mo].1.members,
                &mut Diagnostics::default(),
            ));
        }
        // Report unresolved types once, from the declaring block.
        resolve_members(&types[name].1.members, diags);
        check_member_names(name, &properties, "property", diags);
        for p in &types[name].1.members {
            if matches!(ident::field_name(&p.name.text).as_str(), "obj" | "other") {
                diags.push(
                    p.name.location,
                    format!(
                        "property `{}` collides with a generated field of `{name}Properties`",
                        p.name.text
                    ),
                );
            }
        }
        managed_objects.push(ManagedObject {
            name: name.to_string(),
            base: mo_bases[name].map(str::to_string),
            properties,
        });
    }

    // 5. Methods.
    let service_content = object_blocks.get("ServiceContent").map(|_| {
        objects
            .iter()
            .find(|o| o.name == "ServiceContent")
            .map(|o| o.members.clone())
            .unwrap_or_default()
    });
    let mut out_methods = Vec::new();
    for (name, block) in &methods {
        let mut this = None;
        let mut saw_this = false;
        let mut params = Vec::new();
        for line in &block.members {
            let pname = line.name.text.as_str();
            if let Some(rest) = pname.strip_prefix("_this") {
                if saw_this {
                    diags.push(
                        line.name.location,
                        format!("method `{name}` has more than one `_this` parameter"),
                    );
                    continue;
                }
                saw_this = true;
                if line.ty.text != "ManagedObjectReference"
                    || line.occurrence != Occurrence::Required
                {
                    diags.push(line.ty.location, "`_this` must be declared `ManagedObjectReference _this r` (or `_this:<ServiceContent member>`)");
                }
                if rest.is_empty() {
                    this = Some(This::Caller);
                } else if let Some(member) = rest.strip_prefix(':') {
                    let col = line.name.location.col + 6;
                    let at = Location::new(line.name.location.line, col);
                    match &service_content {
                        None => diags.push(at, format!("`_this:{member}` needs a data object `ServiceContent`, which the input does not define")),
                        Some(members) => match members.iter().find(|m| m.name == member) {
                            Some(m) if m.ty == TypeRef::ManagedObjectReference && !m.occurrence.is_list() => {
                                this = Some(This::ServiceContent { member: member.to_string(), optional: m.occurrence != Occurrence::Required });
                            }
                            Some(_) => diags.push(at, format!("`_this:{member}`: ServiceContent member `{member}` is not a single ManagedObjectReference")),
                            None => diags.push(at, format!("`_this:{member}` names no ServiceContent member")),
                        },
                    }
                } else {
                    diags.push(line.name.location, format!("malformed `_this` parameter `{pname}`: expected `_this` or `_this:<ServiceContent member>`"));
                }
                continue;
            }
            if let Some(ty) = resolve(&line.ty, diags) {
                params.push(Member {
                    name: pname.to_string(),
                    ty,
                    occurrence: line.occurrence,
                    location: line.name.location,
                });
            }
        }
        check_member_names(name, &params, "parameter", diags);
        for p in &params {
            if matches!(
                ident::field_name(&p.name).as_str(),
                "transport"
                    | "service_content"
                    | "this"
                    | "soap_body"
                    | "soap_request"
                    | "soap_response"
            ) {
                diags.push(
                    p.location,
                    format!(
                        "parameter name `{}` collides with a generated stub argument",
                        p.name
                    ),
                );
            }
        }
        let returns = match &block.returns {
            None => None,
            Some((ty, occ, _)) => resolve(ty, diags).map(|t| (t, *occ)),
        };
        let Some(this) = this else {
            if saw_this {
                continue; // the `_this` line's own problem is already reported
            }
            diags.push(block.name.location, format!("method `{name}` has no `_this` parameter: add `ManagedObjectReference _this r` or `ManagedObjectReference _this:<ServiceContent member> r`"));
            continue;
        };
        out_methods.push(Method {
            name: name.to_string(),
            this,
            params,
            returns,
        });
    }
    let mut fn_names: BTreeMap<String, &str> = BTreeMap::new();
    for m in &out_methods {
        let f = ident::field_name(&m.name);
        if let Some(other) = fn_names.get(&f) {
            diags.push(
                methods[m.name.as_str()].name.location,
                format!(
                    "methods `{other}` and `{}` both map to the Rust function `{f}`",
                    m.name
                ),
            );
        } else {
            fn_names.insert(f, &m.name);
        }
    }

    Model {
        enums,
        objects,
        managed_objects,
        methods: out_methods,
    }
}

fn check_member_names(owner: &str, members: &[Member], what: &str, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<&str, Location> = BTreeMap::new();
    let mut rust: BTreeMap<String, &str> = BTreeMap::new();
    for m in members {
        if !m
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            || !m
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            diags.push(
                m.location,
                format!("`{}` is not a valid {what} name", m.name),
            );
            continue;
        }
        if let Some(first) = seen.get(m.name.as_str()) {
            diags.push(
                m.location,
                format!(
                    "duplicate {what} `{}` in `{owner}` (first at line {}, possibly inherited)",
                    m.name, first.line
                ),
            );
            continue;
        }
        seen.insert(&m.name, m.location);
        let field = ident::field_name(&m.name);
        if let Some(other) = rust.get(&field) {
            diags.push(
                m.location,
                format!(
                    "{what}s `{other}` and `{}` of `{owner}` both map to the Rust name `{field}`",
                    m.name
                ),
            );
        } else {
            rust.insert(field, &m.name);
        }
    }
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.len() / 4).clamp(1, 3);
    candidates
        .map(|c| {
            (
                edit_distance(&name.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(current[j] + 1);
        }
        prev = current;
    }
    prev[b.len()]
}
