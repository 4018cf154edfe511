//! The validated API model: resolved types, inheritance, ordered members, bound `_this`.
//!
//! The model knows only the API (no text, no Rust). Everything in it is checked: every type
//! reference resolves (an ignored member's type may be undescribed: a note), inheritance is
//! acyclic, names are unique. Collections are sorted by name so the emitted code is deterministic.

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
    /// The type of an ignored (`i`) member that the input does not describe (libvirt's own
    /// input names such types, e.g. `MissingProperty missingSet i`). Only ignored members have
    /// it, and ignored members are never generated.
    Undescribed(String),
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
    /// For a data object's member: a single value whose type contains the owner again (through
    /// single, non-polymorphic members), so a value would contain itself without indirection.
    pub recursive: bool,
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
    /// Whether an empty value exists: every member optional, a list, or of a type with an empty
    /// value itself (enums, `AnyType` and polymorphic values have none).
    pub defaultable: bool,
}

impl Object {
    /// Whether values declared with this type may carry a subtype (`xsi:type`).
    pub fn is_polymorphic(&self) -> bool {
        !self.descendants.is_empty() || self.name == "MethodFault"
    }

    /// Looks a member (own or inherited) up by wire name.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
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

/// Whether `name` is a built-in type (`String`, `AnyType`, `ManagedObjectReference`, ...).
pub fn is_builtin(name: &str) -> bool {
    BUILTIN_NAMES.contains(&name)
}

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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enum,
    Object,
    ManagedObject,
}

/// Builds the model from parsed blocks, reporting every semantic problem.
///
/// Phases, each its own function: index the names, then enums, data objects (with their
/// inheritance and the analyses of their values), managed objects and methods.
pub(crate) fn build(blocks: &[Block], diags: &mut Diagnostics) -> Model {
    let index = Index::collect(blocks, diags);
    let enums = build_enums(&index, diags);
    let mut objects = build_objects(&index, diags);
    check_generated_object_names(&index, &objects, diags);
    mark_recursive_members(&mut objects);
    mark_defaultable(&mut objects);
    let managed_objects = build_managed_objects(&index, diags);
    let methods = build_methods(&index, &objects, diags);
    Model {
        enums,
        objects,
        managed_objects,
        methods,
    }
}

/// Every named block of the input, by name, once each.
struct Index<'b> {
    types: BTreeMap<&'b str, (Kind, &'b Block)>,
    methods: BTreeMap<&'b str, &'b Block>,
}

impl<'b> Index<'b> {
    /// Indexes the blocks, reporting duplicates and names that are built in or reserved.
    fn collect(blocks: &'b [Block], diags: &mut Diagnostics) -> Self {
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
            if let Some(message) = reserved_name_problem(name, block.kind) {
                diags.push(block.name.location, message);
                continue;
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
                BlockKind::Method => unreachable!("methods are indexed above"),
            };
            types.insert(name, (kind, block));
        }
        Index { types, methods }
    }

    /// The blocks of one kind, by name.
    fn of_kind(&self, kind: Kind) -> impl Iterator<Item = (&'b str, &'b Block)> + '_ {
        self.types
            .iter()
            .filter(move |(_, (k, _))| *k == kind)
            .map(|(name, (_, block))| (*name, *block))
    }

    /// Resolves a type reference, reporting an unknown type (with the closest known name) or a
    /// managed object used as a data type.
    fn resolve(&self, ty: &crate::parse::Token, diags: &mut Diagnostics) -> Option<TypeRef> {
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
        match self.types.get(name) {
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
                let candidates = self
                    .types
                    .keys()
                    .copied()
                    .chain(BUILTIN_NAMES.iter().copied());
                let message = match closest(name, candidates) {
                    Some(best) => format!("unknown type `{name}` (did you mean `{best}`?)"),
                    None => format!("unknown type `{name}`"),
                };
                diags.push(ty.location, message);
                None
            }
        }
    }

    /// Whether `name` is a built-in type or a block of the input.
    fn is_described(&self, name: &str) -> bool {
        is_builtin(name) || self.types.contains_key(name)
    }

    /// Resolves member lines; a line whose type does not resolve is reported and left out. An
    /// ignored member's type need not be described: that is a note, not an error, since the
    /// member is skipped on the wire and never generated.
    fn resolve_members(&self, lines: &[MemberLine], diags: &mut Diagnostics) -> Vec<Member> {
        lines
            .iter()
            .filter_map(|line| {
                let ty = if line.occurrence == Occurrence::Ignored
                    && !self.is_described(&line.ty.text)
                {
                    diags.note(
                        line.ty.location,
                        format!(
                            "ignored member `{}` has the type `{}`, which this input does not describe; the member is skipped when read and never generated",
                            line.name.text, line.ty.text
                        ),
                    );
                    TypeRef::Undescribed(line.ty.text.clone())
                } else {
                    self.resolve(&line.ty, diags)?
                };
                Some(Member {
                    name: line.name.text.clone(),
                    ty,
                    occurrence: line.occurrence,
                    location: line.name.location,
                    recursive: false,
                })
            })
            .collect()
    }
}

/// Why a type may not be called `name` (built in, reserved for a generated item, `ArrayOf...`).
fn reserved_name_problem(name: &str, kind: BlockKind) -> Option<String> {
    let user_method_fault = name == "MethodFault" && kind == BlockKind::Object;
    if BUILTIN_NAMES.contains(&name) && !user_method_fault {
        return Some(format!("duplicate definition: `{name}` is a built-in type"));
    }
    if RESERVED_NAMES.contains(&name) {
        return Some(format!(
            "`{name}` is reserved for a generated item; rename the type"
        ));
    }
    match name.strip_prefix("ArrayOf") {
        Some(element) if !element.is_empty() => Some(format!(
            "`{name}` is reserved: `ArrayOf<Type>` names the generated array of `{element}` values"
        )),
        _ => None,
    }
}

/// Phase 2: enums, their values checked for duplicates and Rust-name collisions.
fn build_enums(index: &Index<'_>, diags: &mut Diagnostics) -> Vec<Enum> {
    let mut enums = Vec::new();
    for (name, block) in index.of_kind(Kind::Enum) {
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
    enums
}

/// Phase 3: data objects with their bases (cycles left out and reported), members inherited
/// first, ancestors and descendants.
fn build_objects(index: &Index<'_>, diags: &mut Diagnostics) -> Vec<Object> {
    let object_blocks: BTreeMap<&str, &Block> = index.of_kind(Kind::Object).collect();
    let bases = object_bases(index, &object_blocks, diags);
    let in_cycle = report_object_cycles(&bases, &object_blocks, diags);
    let mut own: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for (name, block) in &object_blocks {
        own.insert(name, index.resolve_members(&block.members, diags));
    }
    if !own.contains_key("MethodFault") {
        own.insert("MethodFault", builtin_method_fault_members(&object_blocks));
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
            defaultable: false,
        });
    }
    objects
}

/// The direct base of every data object (the built-in `MethodFault` included), reporting a base
/// that is not a data object.
fn object_bases<'b>(
    index: &Index<'b>,
    object_blocks: &BTreeMap<&'b str, &'b Block>,
    diags: &mut Diagnostics,
) -> BTreeMap<&'b str, Option<&'b str>> {
    let mut bases: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (name, block) in object_blocks {
        let base = match &block.extends {
            None => None,
            Some(b) => {
                let bname = b.text.as_str();
                if bname == "MethodFault" || object_blocks.contains_key(bname) {
                    Some(bname)
                } else {
                    let what = match index.types.get(bname) {
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
    bases.entry("MethodFault").or_insert(None);
    bases
}

/// Reports every `extends` cycle once and returns the objects on one.
fn report_object_cycles<'b>(
    bases: &BTreeMap<&'b str, Option<&'b str>>,
    object_blocks: &BTreeMap<&str, &Block>,
    diags: &mut Diagnostics,
) -> BTreeSet<&'b str> {
    // Follow the bases from every object; coming back to the start is a cycle.
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
    in_cycle
}

/// The built-in fault root carries VMware's two MethodFault members when the input describes
/// their types.
fn builtin_method_fault_members(object_blocks: &BTreeMap<&str, &Block>) -> Vec<Member> {
    let mut members = Vec::new();
    if object_blocks.contains_key("LocalizedMethodFault") {
        members.push(Member {
            name: "faultCause".into(),
            ty: TypeRef::Object("LocalizedMethodFault".into()),
            occurrence: Occurrence::Optional,
            location: Location::default(),
            recursive: false,
        });
    }
    if object_blocks.contains_key("LocalizableMessage") {
        members.push(Member {
            name: "faultMessage".into(),
            ty: TypeRef::Object("LocalizableMessage".into()),
            occurrence: Occurrence::OptionalList,
            location: Location::default(),
            recursive: false,
        });
    }
    members
}

/// Names generated next to a polymorphic object (`AnyX`, `XMembers`) must not collide with the
/// input's names.
fn check_generated_object_names(index: &Index<'_>, objects: &[Object], diags: &mut Diagnostics) {
    for o in objects.iter().filter(|o| o.is_polymorphic()) {
        let any = format!("Any{}", o.name);
        if let Some((_, block)) = index.types.get(any.as_str()) {
            diags.push(
                block.name.location,
                format!(
                    "`{any}` collides with the generated enum for the subtypes of `{}`",
                    o.name
                ),
            );
        }
        let members_trait = format!("{}Members", o.name);
        if let Some((_, block)) = index.types.get(members_trait.as_str()) {
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

/// Marks the single members whose value would contain the owner again: a value of the owner's
/// type reached through single, non-polymorphic members only. Lists and polymorphic values are
/// held indirectly already, so they never make a value infinitely large.
fn mark_recursive_members(objects: &mut [Object]) {
    let polymorphic: BTreeSet<String> = objects
        .iter()
        .filter(|o| o.is_polymorphic())
        .map(|o| o.name.clone())
        .collect();
    let held_by_value = |m: &Member| -> Option<String> {
        match &m.ty {
            TypeRef::Object(t) if !m.occurrence.is_list() && !polymorphic.contains(t) => {
                Some(t.clone())
            }
            _ => None,
        }
    };
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in objects.iter() {
        for m in &o.members {
            if m.occurrence == Occurrence::Ignored {
                continue;
            }
            if let Some(t) = held_by_value(m) {
                edges.entry(o.name.clone()).or_default().push(t);
            }
        }
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                if let Some(next) = edges.get(n) {
                    stack.extend(next.iter().map(String::as_str));
                }
            }
        }
        false
    };
    for o in objects.iter_mut() {
        let owner = o.name.clone();
        for m in o.members.iter_mut() {
            m.recursive = held_by_value(m).is_some_and(|t| reaches(&t, &owner));
        }
        for m in o.own_members.iter_mut() {
            m.recursive = held_by_value(m).is_some_and(|t| reaches(&t, &owner));
        }
    }
}

/// Marks the objects that have an empty value: every member optional, a list, or of a type that
/// has one (primitives and references have one; enums, `AnyType` and polymorphic values do not).
/// A fixpoint, since objects contain objects.
fn mark_defaultable(objects: &mut [Object]) {
    let polymorphic: BTreeSet<String> = objects
        .iter()
        .filter(|o| o.is_polymorphic())
        .map(|o| o.name.clone())
        .collect();
    let mut defaultable: BTreeSet<String> = objects.iter().map(|o| o.name.clone()).collect();
    loop {
        let before = defaultable.len();
        for o in objects.iter() {
            let ok = o.members.iter().all(|m| match m.occurrence {
                Occurrence::Required => match &m.ty {
                    TypeRef::Primitive(_) | TypeRef::ManagedObjectReference => true,
                    // An undescribed type is only ever ignored, never required.
                    TypeRef::AnyType | TypeRef::Enum(_) | TypeRef::Undescribed(_) => false,
                    TypeRef::Object(t) => !polymorphic.contains(t) && defaultable.contains(t),
                },
                _ => true,
            });
            if !ok {
                defaultable.remove(&o.name);
            }
        }
        if defaultable.len() == before {
            break;
        }
    }
    for o in objects.iter_mut() {
        o.defaultable = defaultable.contains(&o.name);
    }
}

/// Phase 4: managed objects with their properties, inherited first (cycles reported and left
/// out).
fn build_managed_objects(index: &Index<'_>, diags: &mut Diagnostics) -> Vec<ManagedObject> {
    let mut mo_bases: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (name, block) in index.of_kind(Kind::ManagedObject) {
        let base = match &block.extends {
            None => None,
            Some(b) => match index.types.get(b.text.as_str()) {
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
            if let Some((_, other)) = index.types.get(generated.as_str()) {
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
        let Some(chain) = managed_object_chain(index, &mo_bases, name, diags) else {
            continue;
        };
        let block = index.types[name].1;
        let mut properties = Vec::new();
        for mo in chain.iter().rev() {
            properties.extend(
                index.resolve_members(&index.types[mo].1.members, &mut Diagnostics::default()),
            );
        }
        // Report unresolved types once, from the declaring block.
        index.resolve_members(&block.members, diags);
        check_member_names(name, &properties, "property", diags);
        for p in &block.members {
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
    managed_objects
}

/// `name` and its bases, nearest first; `None` (reported when `name` starts it) on a cycle.
fn managed_object_chain<'b>(
    index: &Index<'b>,
    mo_bases: &BTreeMap<&'b str, Option<&'b str>>,
    name: &'b str,
    diags: &mut Diagnostics,
) -> Option<Vec<&'b str>> {
    let mut chain = vec![name];
    let mut current = name;
    while let Some(Some(base)) = mo_bases.get(current) {
        if chain.contains(base) {
            if *base == name {
                let block = index.types[name].1;
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
            return None;
        }
        chain.push(base);
        current = base;
    }
    Some(chain)
}

/// Phase 5: methods, `_this` bound to the caller or to a ServiceContent member.
fn build_methods(index: &Index<'_>, objects: &[Object], diags: &mut Diagnostics) -> Vec<Method> {
    let service_content = index
        .types
        .get("ServiceContent")
        .filter(|(kind, _)| matches!(kind, Kind::Object))
        .map(|_| {
            objects
                .iter()
                .find(|o| o.name == "ServiceContent")
                .map(|o| o.members.clone())
                .unwrap_or_default()
        });
    let mut out = Vec::new();
    for (name, block) in &index.methods {
        if let Some(method) = build_method(index, name, block, service_content.as_deref(), diags) {
            out.push(method);
        }
    }
    let mut fn_names: BTreeMap<String, &str> = BTreeMap::new();
    for m in &out {
        let f = ident::field_name(&m.name);
        if let Some(other) = fn_names.get(&f) {
            diags.push(
                index.methods[m.name.as_str()].name.location,
                format!(
                    "methods `{other}` and `{}` both map to the Rust function `{f}`",
                    m.name
                ),
            );
        } else {
            fn_names.insert(f, &m.name);
        }
    }
    out
}

/// One method; `None` when it has no usable `_this` (reported).
fn build_method(
    index: &Index<'_>,
    name: &str,
    block: &Block,
    service_content: Option<&[Member]>,
    diags: &mut Diagnostics,
) -> Option<Method> {
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
            this = bind_this(line, rest, service_content, diags);
            continue;
        }
        if let Some(ty) = index.resolve(&line.ty, diags) {
            params.push(Member {
                name: pname.to_string(),
                ty,
                occurrence: line.occurrence,
                location: line.name.location,
                recursive: false,
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
        Some((ty, occ, _)) => index.resolve(ty, diags).map(|t| (t, *occ)),
    };
    let Some(this) = this else {
        if !saw_this {
            diags.push(block.name.location, format!("method `{name}` has no `_this` parameter: add `ManagedObjectReference _this r` or `ManagedObjectReference _this:<ServiceContent member> r`"));
        } // else the `_this` line's own problem is already reported
        return None;
    };
    Some(Method {
        name: name.to_string(),
        this,
        params,
        returns,
    })
}

/// Binds a `_this` line (`rest` is what follows `_this`): the caller's object, or a single
/// ManagedObjectReference member of ServiceContent.
fn bind_this(
    line: &MemberLine,
    rest: &str,
    service_content: Option<&[Member]>,
    diags: &mut Diagnostics,
) -> Option<This> {
    if line.ty.text != "ManagedObjectReference" || line.occurrence != Occurrence::Required {
        diags.push(line.ty.location, "`_this` must be declared `ManagedObjectReference _this r` (or `_this:<ServiceContent member>`)");
    }
    if rest.is_empty() {
        return Some(This::Caller);
    }
    let Some(member) = rest.strip_prefix(':') else {
        diags.push(line.name.location, format!("malformed `_this` parameter `{}`: expected `_this` or `_this:<ServiceContent member>`", line.name.text));
        return None;
    };
    let at = Location::new(line.name.location.line, line.name.location.col + 6);
    let Some(members) = service_content else {
        diags.push(at, format!("`_this:{member}` needs a data object `ServiceContent`, which the input does not define"));
        return None;
    };
    let found = members.iter().find(|m| m.name == member).or_else(|| {
        // libvirt's older inputs name the managed object type (`_this:PerformanceManager`)
        // where later ones name the ServiceContent member (`_this:perfManager`).
        let by_type = service_content_member_of_type(member)?;
        let m = members.iter().find(|m| m.name == by_type)?;
        diags.note(
            at,
            format!(
                "`_this:{member}` names the managed object type (libvirt's older spelling): bound to ServiceContent member `{by_type}`; write `_this:{by_type}`"
            ),
        );
        Some(m)
    });
    match found {
        Some(m) if m.ty == TypeRef::ManagedObjectReference && !m.occurrence.is_list() => {
            Some(This::ServiceContent {
                member: m.name.clone(),
                optional: m.occurrence != Occurrence::Required,
            })
        }
        Some(_) => {
            diags.push(at, format!("`_this:{member}`: ServiceContent member `{member}` is not a single ManagedObjectReference"));
            None
        }
        None => {
            diags.push(
                at,
                format!("`_this:{member}` names no ServiceContent member"),
            );
            None
        }
    }
}

/// The ServiceContent member that holds the one object of managed object type `ty`: the type
/// name with a lower-case first letter (`SessionManager` -> `sessionManager`), except where the
/// vSphere API names the member otherwise.
pub fn service_content_member_of_type(ty: &str) -> Option<String> {
    const IRREGULAR: [(&str, &str); 13] = [
        ("Folder", "rootFolder"),
        ("OptionManager", "setting"),
        ("PerformanceManager", "perfManager"),
        ("HostLocalAccountManager", "accountManager"),
        ("HostSnmpSystem", "snmpSystem"),
        ("VirtualMachineProvisioningChecker", "vmProvisioningChecker"),
        (
            "VirtualMachineCompatibilityChecker",
            "vmCompatibilityChecker",
        ),
        ("DistributedVirtualSwitchManager", "dvSwitchManager"),
        ("ProfileComplianceManager", "complianceManager"),
        ("VcenterVStorageObjectManager", "vStorageObjectManager"),
        ("HostSpecificationManager", "hostSpecManager"),
        ("CryptoManagerKmip", "cryptoManager"),
        (
            "VirtualMachineGuestCustomizationManager",
            "guestCustomizationManager",
        ),
    ];
    if let Some((_, member)) = IRREGULAR.iter().find(|(t, _)| *t == ty) {
        return Some((*member).to_string());
    }
    let mut chars = ty.chars();
    let first = chars.next().filter(char::is_ascii_uppercase)?;
    Some(first.to_ascii_lowercase().to_string() + chars.as_str())
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
