#!/usr/bin/env python3
"""Extract vSphere API type facts into esx_vi_generator.input blocks, and check the result.

Why this exists: generator-input/esx_vi_generator.input is written from VMware's published API
facts. Typing hundreds of blocks by hand invites silent mistakes in member order and
cardinality, so this tool reads the machine-readable facts in Debian's govmomi Go sources
(vim25/types/types.go, vim25/types/enum.go, vim25/mo/mo.go), keeps only a curated selection
(scripts/vi-facts.selection) and prints the blocks in our grammar. The output is then reviewed
and committed by hand. It also checks any input file for closure, and cross-checks it against
pyvmomi's type tables when pyvmomi is installed.

Python 3 standard library only (pyvmomi is optional and used only by `crosscheck`).

Usage:
  scripts/vi-facts.py emit [--selection FILE] [--govmomi DIR] [-o OUT]
  scripts/vi-facts.py check INPUT
  scripts/vi-facts.py crosscheck INPUT [TYPE...]
"""

import argparse
import os
import re
import sys

DEFAULT_GOVMOMI = "/usr/share/gocode/src/github.com/vmware/govmomi"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SELECTION = os.path.join(HERE, "vi-facts.selection")

BUILTINS = {
    "String", "Boolean", "Byte", "Short", "Int", "Long", "Double", "DateTime",
    "Binary", "AnyType", "ManagedObjectReference", "MethodFault",
}
OCCURRENCES = {"r", "o", "rl", "ol", "i"}

# Go scalar type -> our built-in type name.
GO_SCALARS = {
    "string": "String",
    "bool": "Boolean",
    "int8": "Byte",
    "byte": "Byte",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float32": "Double",
    "float64": "Double",
    "time.Time": "DateTime",
    "AnyType": "AnyType",
    "ManagedObjectReference": "ManagedObjectReference",
}

# Embedded Go bases that are not API types of their own in our grammar.
IMPLICIT_ROOTS = {"DynamicData"}


class Member:
    def __init__(self, name, type_, occ):
        self.name, self.type, self.occ = name, type_, occ
        self.line = 0


class Block:
    def __init__(self, kind, name, base=None):
        self.kind, self.name, self.base = kind, name, base
        self.line = 0
        self.members = []
        self.values = []
        self.returns = None  # (type, occ) for methods


# --------------------------------------------------------------------------------------------
# govmomi facts


def go_field_type(gotype, tag_opts):
    """Map a Go field type plus its xml tag options to (our type, occurrence)."""
    omit = "omitempty" in tag_opts
    if gotype == "[]byte":
        return "Binary", "o" if omit else "r"
    if gotype == "[][]byte":
        return "Binary", "ol" if omit else "rl"
    is_list = gotype.startswith("[]")
    if is_list:
        gotype = gotype[2:]
    is_ptr = gotype.startswith("*")
    if is_ptr:
        gotype = gotype[1:]
    if gotype.startswith("types."):
        gotype = gotype[len("types."):]
    if gotype in GO_SCALARS:
        name = GO_SCALARS[gotype]
    elif gotype.startswith("Base"):
        name = gotype[len("Base"):]
    elif re.fullmatch(r"[A-Z]\w*", gotype):
        name = gotype
    else:
        raise ValueError("unmapped Go type %r" % gotype)
    if is_list:
        return name, "ol" if omit else "rl"
    return name, "o" if (omit or is_ptr) else "r"


STRUCT_RE = re.compile(r"^type (\w+) struct \{\s*$")
FIELD_RE = re.compile(r'^\s*(\w+)\s+(\S+)\s+`(?:xml|mo):"([^"]*)"`\s*$')
EMBED_RE = re.compile(r"^\s*(\w+)\s*$")


def parse_go_structs(path, tag="xml"):
    """Return {name: (base or None, [(fieldname, gotype, tagopts)])} from a Go source file."""
    structs = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = STRUCT_RE.match(lines[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        base = None
        fields = []
        i += 1
        while i < len(lines) and lines[i] != "}":
            line = lines[i]
            i += 1
            if not line.strip() or line.strip().startswith("//"):
                continue
            em = EMBED_RE.match(line)
            if em:
                base = em.group(1)
                continue
            fm = FIELD_RE.match(line)
            if not fm:
                # fields without an API tag (e.g. mo.go's Self) are not API members
                continue
            if ("`%s:" % tag) not in line:
                continue
            tagparts = fm.group(3).split(",")
            fields.append((tagparts[0], fm.group(2), set(tagparts[1:])))
        structs[name] = (base, fields)
    return structs


def parse_go_enums(path):
    enums = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^type (\w+) string\s*$", line)
            if m:
                cur = m.group(1)
                enums[cur] = []
                continue
            m = re.match(r'^\s*\w+\s*=\s*(\w+)\("([^"]*)"\)\s*$', line)
            if m and m.group(1) in enums:
                enums[m.group(1)].append(m.group(2))
    return enums


class Facts:
    def __init__(self, govmomi):
        tdir = os.path.join(govmomi, "vim25", "types")
        self.structs = parse_go_structs(os.path.join(tdir, "types.go"))
        self.enums = parse_go_enums(os.path.join(tdir, "enum.go"))
        # `type Destroy_Task DestroyRequestType`: the wire method name -> its request struct
        self.requests = {}
        with open(os.path.join(tdir, "types.go"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^type (\w+) (\w+RequestType)\s*$", line)
                if m:
                    self.requests[m.group(1)] = m.group(2)
        self.mos = parse_go_structs(os.path.join(govmomi, "vim25", "mo", "mo.go"), tag="mo")
        self.children = {}
        for name, (base, _) in self.structs.items():
            if base:
                self.children.setdefault(base, []).append(name)
        for v in self.children.values():
            v.sort()

    def is_data(self, name):
        return (name in self.structs and not name.endswith("RequestType")
                and not name.endswith("Response") and name not in IMPLICIT_ROOTS
                and name not in BUILTINS)

    def data_block(self, name):
        base, fields = self.structs[name]
        if base in IMPLICIT_ROOTS:
            base = None
        b = Block("object", name, base)
        for fname, gotype, opts in fields:
            t, occ = go_field_type(gotype, opts)
            b.members.append(Member(fname, t, occ))
        return b

    def mo_block(self, name, base_override=None):
        base, fields = self.mos[name]
        b = Block("managed object", name, base_override or base)
        for fname, gotype, opts in fields:
            t, occ = go_field_type(gotype, opts)
            # mo.go has no omitempty: non-pointer scalars are required, lists optional.
            if occ == "rl":
                occ = "ol"
            b.members.append(Member(fname, t, occ))
        return b

    def method_block(self, name, this_binding):
        req = self.structs.get(self.requests.get(name, name + "RequestType"))
        if req is None:
            raise KeyError("no %sRequestType in govmomi" % name)
        b = Block("method", name)
        resp = self.structs.get(name + "Response")
        if resp and resp[1]:
            _, gotype, opts = resp[1][0]
            b.returns = go_field_type(gotype, opts)
        for fname, gotype, opts in req[1]:
            t, occ = go_field_type(gotype, opts)
            if fname == "_this":
                if this_binding:
                    fname = "_this:" + this_binding
            b.members.append(Member(fname, t, occ))
        return b

    def descendants(self, name):
        out = []
        for c in self.children.get(name, []):
            out.append(c)
            out.extend(self.descendants(c))
        return out


# --------------------------------------------------------------------------------------------
# selection -> blocks


def read_selection(path):
    """Sections of entries; see scripts/vi-facts.selection for the format."""
    sections = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("=="):
                sections.append((line[2:].strip(), []))
                continue
            if not sections:
                sections.append(("", []))
            sections[-1][1].append((lineno, line.split()))
    return sections


def build(facts, sections):
    """Return (ordered list of (section title, [Block])) with enums collected first."""
    selected = []  # (section, kind, name, extra)
    data_names = set()
    mo_names = set()
    skip = set()
    overrides = {}
    skip_close = set()
    errors = []
    for title, entries in sections:
        for lineno, words in entries:
            if words[0] == "skip":
                skip.update(words[1:])
            elif words[0] == "close":
                skip_close.update(words[1:])
            elif words[0] == "set":
                if len(words) not in (3, 4) or "." not in words[1] or words[-1] not in OCCURRENCES:
                    sys.exit("selection line %d: expected `set Type.member [TYPE] OCC`" % lineno)
                overrides[words[1]] = (lineno, words[2] if len(words) == 4 else None, words[-1])
            elif words[0] == "drop":
                if len(words) != 2 or "." not in words[1]:
                    sys.exit("selection line %d: expected `drop Type.member`" % lineno)
                overrides[words[1]] = (lineno, None, None)
    for title, entries in sections:
        for lineno, words in entries:
            kind = words[0]
            if kind in ("skip", "set", "drop", "close"):
                continue
            if kind == "managed":
                base = words[3] if len(words) == 4 and words[2] == "extends" else None
                selected.append((title, "managed object", words[1], base))
                mo_names.add(words[1])
            elif kind == "method":
                this = None
                for w in words[2:]:
                    if w.startswith("this="):
                        this = w[len("this="):]
                selected.append((title, "method", words[1], this))
            elif kind == "enum":
                selected.append((title, "enum", words[1], None))
            else:
                name = kind
                names = [name.rstrip("+")]
                if name.endswith("+"):
                    names += [d for d in facts.descendants(name[:-1]) if d not in skip]
                for n in names:
                    if not facts.is_data(n):
                        errors.append("selection line %d: %s is not a govmomi data object" % (lineno, n))
                        continue
                    if n not in data_names:
                        data_names.add(n)
                        selected.append((title, "object", n, None))
    if errors:
        sys.exit("\n".join(errors))
    # Every base of a selected object must be defined too; with `close`, so must every data
    # object that a selected member, property or parameter uses (then nothing is ignored).
    def member_types(kind, name, extra):
        if kind == "object":
            return [m.type for m in facts.data_block(name).members]
        if kind == "managed object":
            return [m.type for m in facts.mo_block(name, extra).members]
        if kind == "method":
            b = facts.method_block(name, extra)
            return [m.type for m in b.members] + ([b.returns[0]] if b.returns else [])
        return []

    closing = [title for title, entries in sections for _, words in entries if words[0] == "close"]
    changed = True
    while changed:
        changed = False
        for title, kind, name, extra in list(selected):
            if kind == "object":
                base = facts.structs[name][0]
                if base and base not in IMPLICIT_ROOTS and base != "MethodFault" and base not in data_names:
                    data_names.add(base)
                    idx = next(i for i, s in enumerate(selected) if s[2] == name)
                    selected.insert(idx, (title, "object", base, None))
                    changed = True
            if not closing:
                continue
            for t in member_types(kind, name, extra):
                if t not in data_names and facts.is_data(t) and t not in skip_close:
                    data_names.add(t)
                    selected.append((closing[0], "object", t, None))
                    changed = True
    # Supporting types in name order, each after its base.
    if closing:
        support = sorted(s for s in selected if s[0] == closing[0] and s[1] == "object")
        rest = [s for s in selected if not (s[0] == closing[0] and s[1] == "object")]
        ordered = []
        placed = set()

        def place(entry):
            if entry[2] in placed:
                return
            base = facts.structs[entry[2]][0]
            for other in support:
                if other[2] == base:
                    place(other)
            placed.add(entry[2])
            ordered.append(entry)

        for entry in support:
            place(entry)
        # the supporting section goes after the selected data objects, before managed objects
        at = next((i for i, e in enumerate(rest) if e[1] in ("managed object", "method")), len(rest))
        selected = rest[:at] + ordered + rest[at:]

    blocks = []
    for title, kind, name, extra in selected:
        if kind == "object":
            blocks.append((title, facts.data_block(name)))
        elif kind == "managed object":
            blocks.append((title, facts.mo_block(name, extra)))
        elif kind == "method":
            blocks.append((title, facts.method_block(name, extra)))
    for key, (lineno, type_, occ) in overrides.items():
        tname, mname = key.split(".", 1)
        hits = [(b, m) for _, b in blocks if b.name == tname for m in b.members if m.name == mname]
        if not hits:
            sys.exit("selection line %d: no member %s" % (lineno, key))
        b, m = hits[0]
        if occ is None:
            b.members.remove(m)
            continue
        m.occ = occ
        if type_:
            m.type = type_
    explicit_enums = [name for _, kind, name, _ in selected if kind == "enum"]

    # Members whose type is neither built in, selected, nor an enum are ignored (`i`).
    enum_names = set(explicit_enums)
    for _, b in blocks:
        for m in b.members:
            t = m.type
            if t in BUILTINS or t in data_names:
                continue
            if t in facts.enums:
                enum_names.add(t)
                continue
            if b.kind == "method":
                errors.append("method %s parameter %s has unselected type %s" % (b.name, m.name, t))
                continue
            if m.occ in ("r", "rl"):
                print("note: %s.%s is required but its type %s is not selected: ignored" % (
                    b.name, m.name, t), file=sys.stderr)
            m.occ = "i"
        if b.returns and b.returns[0] not in BUILTINS and b.returns[0] not in data_names:
            if b.returns[0] in facts.enums:
                enum_names.add(b.returns[0])
            else:
                errors.append("method %s returns unselected type %s" % (b.name, b.returns[0]))
    if errors:
        sys.exit("\n".join(errors))
    enum_blocks = []
    for n in sorted(enum_names):
        e = Block("enum", n)
        e.values = list(facts.enums[n])
        enum_blocks.append(("Enumerations", e))
    return enum_blocks + blocks


def render_block(b):
    out = []
    if b.kind == "enum":
        out.append("enum %s" % b.name)
        out.extend("    %s" % v for v in b.values)
    else:
        head = "%s %s" % (b.kind, b.name)
        if b.base:
            head += " extends %s" % b.base
        if b.returns:
            head += " returns %s %s" % b.returns
        out.append(head)
        width_t = max([len(m.type) for m in b.members] + [0])
        width_n = max([len(m.name) for m in b.members] + [0])
        for m in b.members:
            out.append("    %-*s %-*s %s" % (width_t, m.type, width_n, m.name, m.occ))
    out.append("end")
    return "\n".join(out)


def render(blocks, header):
    out = [header.rstrip("\n"), ""]
    last = None
    for title, b in blocks:
        if title != last:
            bar = "#" * 100
            out += ["", bar, "# " + title, bar, ""]
            last = title
        out.append(render_block(b))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


HEADER = """\
# vSphere API type descriptions for esx-vi-gen (libvirt's esx_vi_generator.input grammar).
# Grammar, conventions and how to regenerate: generator-input/README.md.
#
# Facts (names, wire order, types, cardinality) follow VMware's vSphere API as published in the
# vim25 WSDL (machine-readable copies: govmomi's vim25 types, pyvmomi's type tables). Blocks were
# produced by scripts/vi-facts.py from the curated list scripts/vi-facts.selection.
"""

HEADER_IGNORED = """\
# Members marked `i` are skipped on read and never written; scripts/vi-facts.selection says why.
"""


# --------------------------------------------------------------------------------------------
# reading an input file (our grammar) for check / crosscheck


class ParseError(Exception):
    pass


def parse_input(path):
    blocks = []
    cur = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            where = "%s:%d" % (path, lineno)
            if cur is None:
                if words[0] == "enum" and len(words) == 2:
                    cur = Block("enum", words[1])
                elif words[0] == "object" and len(words) in (2, 4):
                    if len(words) == 4 and words[2] != "extends":
                        raise ParseError("%s: malformed object header" % where)
                    cur = Block("object", words[1], words[3] if len(words) == 4 else None)
                elif words[:2] == ["managed", "object"] and len(words) in (3, 5):
                    if len(words) == 5 and words[3] != "extends":
                        raise ParseError("%s: malformed managed object header" % where)
                    cur = Block("managed object", words[2], words[4] if len(words) == 5 else None)
                elif words[0] == "method" and len(words) in (2, 5):
                    cur = Block("method", words[1])
                    if len(words) == 5:
                        if words[2] != "returns":
                            raise ParseError("%s: malformed method header" % where)
                        cur.returns = (words[3], words[4])
                else:
                    raise ParseError("%s: expected a block header, got %r" % (where, line))
                cur.line = lineno
                continue
            if words == ["end"]:
                blocks.append(cur)
                cur = None
                continue
            if cur.kind == "enum":
                if len(words) != 1:
                    raise ParseError("%s: enum value must be one word" % where)
                cur.values.append(words[0])
                continue
            if len(words) != 3:
                raise ParseError("%s: expected `<Type> <name> <occurrence>`, got %r" % (where, line))
            cur.members.append(Member(words[1], words[0], words[2]))
            cur.members[-1].line = lineno
    if cur is not None:
        raise ParseError("%s: block %s is not terminated by `end`" % (path, cur.name))
    return blocks


def check(path):
    """Closure check; returns a list of problems."""
    problems = []
    blocks = parse_input(path)
    defined = {}
    for b in blocks:
        key = b.name
        if key in defined or key in BUILTINS:
            problems.append("%s:%d: duplicate definition of %s" % (path, b.line, key))
        defined[key] = b
    types = {n: b for n, b in defined.items() if b.kind in ("enum", "object", "managed object")}
    sc = defined.get("ServiceContent")
    sc_members = {m.name for m in sc.members} if sc else set()
    for b in blocks:
        if b.kind == "enum":
            if not b.values:
                problems.append("%s:%d: enum %s has no values" % (path, b.line, b.name))
            if len(set(b.values)) != len(b.values):
                problems.append("%s:%d: enum %s repeats a value" % (path, b.line, b.name))
            continue
        if b.base:
            base = types.get(b.base)
            want = "managed object" if b.kind == "managed object" else "object"
            if b.base == "MethodFault" and b.kind == "object":
                pass
            elif base is None or base.kind != want:
                problems.append("%s:%d: %s extends unknown %s %s" % (path, b.line, b.name, want, b.base))
        seen = set()
        for m in b.members:
            if m.name in seen:
                problems.append("%s:%d: %s repeats member %s" % (path, m.line, b.name, m.name))
            seen.add(m.name)
            if m.occ not in OCCURRENCES:
                problems.append("%s:%d: bad occurrence %r" % (path, m.line, m.occ))
            if b.kind == "method" and m.occ == "i":
                problems.append("%s:%d: `i` is not allowed on method parameters" % (path, m.line))
            if m.occ == "i":
                pass  # an ignored member's type need not be described
            elif m.type not in BUILTINS and m.type not in types:
                problems.append("%s:%d: unknown type %s" % (path, m.line, m.type))
            elif m.type in types and types[m.type].kind == "managed object":
                problems.append("%s:%d: %s is a managed object; use ManagedObjectReference" % (path, m.line, m.type))
            if m.name.startswith("_this:") and m.name[6:] not in sc_members:
                problems.append("%s:%d: _this binds unknown ServiceContent member %s" % (path, m.line, m.name[6:]))
        if b.kind == "method":
            if not b.members or not b.members[0].name.startswith("_this"):
                problems.append("%s:%d: method %s must start with _this" % (path, b.line, b.name))
            if b.returns:
                t, occ = b.returns
                if occ not in OCCURRENCES - {"i"}:
                    problems.append("%s:%d: bad return occurrence %r" % (path, b.line, occ))
                if t not in BUILTINS and t not in types:
                    problems.append("%s:%d: unknown return type %s" % (path, b.line, t))
    # extends cycles
    for b in blocks:
        seen = set()
        cur = b
        while cur is not None and cur.base:
            if cur.name in seen:
                problems.append("%s:%d: extends cycle through %s" % (path, b.line, b.name))
                break
            seen.add(cur.name)
            cur = types.get(cur.base)
    return problems, blocks


# --------------------------------------------------------------------------------------------
# pyvmomi cross-check

PY_PRIMS = {
    "string": "String", "boolean": "Boolean", "byte": "Byte", "short": "Short", "int": "Int",
    "long": "Long", "float": "Double", "double": "Double", "dateTime": "DateTime",
    "base64Binary": "Binary", "anyType": "AnyType", "ManagedObjectReference": "ManagedObjectReference",
    "MethodName": "String", "TypeName": "String", "PropertyPath": "String", "anyURI": "String",
    "URI": "String", "Link": "String",
}


def py_member(V, ptype, flags):
    """pyvmomi (type, flags) -> (our type, occurrence)."""
    is_list = issubclass(ptype, V.Array) and ptype is not V.binary
    item = ptype.Item if is_list else ptype
    if isinstance(item, type) and issubclass(item, V.ManagedObject):
        name = "ManagedObjectReference"
    else:
        name = V.GetWsdlName(item)
        name = PY_PRIMS.get(name, name)
    if ptype is V.binary or name == "Binary":
        name = "Binary"
    opt = bool(flags & V.F_OPTIONAL)
    if is_list and name == "Binary" and V.GetWsdlName(item) == "byte":
        name, is_list = "Binary", False
    if is_list:
        return name, "ol" if opt else "rl"
    return name, "o" if opt else "r"


def crosscheck(path, only, verbose=False):
    try:
        from pyVmomi import VmomiSupport as V  # noqa: F401
        import pyVmomi  # noqa: F401
    except ImportError:
        sys.exit("crosscheck needs pyvmomi (pip install pyvmomi)")
    problems, blocks = check(path)
    report = []
    for b in blocks:
        if only and b.name not in only:
            continue
        try:
            if b.kind == "method":
                info = V.GetWsdlMethod("urn:vim25", b.name).info
                py = [(p.name, p.type, p.flags, p.version) for p in info.params]
                since = info.version
                ours = [m for m in b.members if not m.name.startswith("_this")]
            elif b.kind == "enum":
                t = V.GetWsdlType("urn:vim25", b.name)
                missing = [v for v in b.values if v not in t.values]
                if missing:
                    report.append("%s: values not in pyvmomi: %s" % (b.name, " ".join(missing)))
                continue
            else:
                t = V.GetWsdlType("urn:vim25", b.name)
                py = [(p.name, p.type, p.flags, p.version) for p in t._propList]
                since = t._version
                ours = b.members
                pybase = V.GetWsdlName(t.__bases__[0])
                if pybase == "DataObject":
                    pybase = "DynamicData"
                want = b.base or ("DynamicData" if b.kind == "object" else "ManagedObject")
                if b.kind == "managed object" and not b.base:
                    want = "ManagedObject"
                if pybase != want:
                    report.append("%s: base %s, pyvmomi %s" % (b.name, want, pybase))
        except Exception as e:  # type unknown to pyvmomi
            report.append("%s: not found in pyvmomi (%s)" % (b.name, e))
            continue
        pymap = {n: (ty, fl) for n, ty, fl, _ in py}
        added = {n: ver for n, _, _, ver in py if ver != since}
        order = [n for n, _, _, _ in py]
        ours_names = [m.name for m in ours]
        common = [n for n in order if n in ours_names]
        if [n for n in ours_names if n in pymap] != common:
            report.append("%s: member order differs: ours %s / pyvmomi %s" % (b.name, ours_names, order))
        for m in ours:
            if m.name not in pymap:
                report.append("%s.%s: not in pyvmomi" % (b.name, m.name))
                continue
            pt, pocc = py_member(V, *pymap[m.name])
            occ = m.occ
            if occ == "i":
                continue
            if pt == "MethodFault" and m.type == "LocalizedMethodFault":
                continue  # pyvmomi unwraps LocalizedMethodFault into the fault itself
            if pt != m.type:
                report.append("%s.%s: type %s, pyvmomi %s" % (b.name, m.name, m.type, pt))
            if (pocc, occ) in (("r", "o"), ("rl", "ol")) and m.name in added and not verbose:
                continue  # added after the type: the WSDL makes it optional for older peers
            if pocc != occ:
                report.append("%s.%s: occurrence %s, pyvmomi %s" % (b.name, m.name, occ, pocc))
        if b.kind == "method":
            rt = info.result
            if b.returns is None:
                if rt is not type(None) and V.GetWsdlName(rt) != "void":
                    report.append("%s: no return, pyvmomi returns %s" % (b.name, V.GetWsdlName(rt)))
            else:
                pt, pocc = py_member(V, rt, info.resultFlags)
                if (pt, pocc) != tuple(b.returns):
                    report.append("%s: returns %s %s, pyvmomi %s %s" % (b.name, b.returns[0], b.returns[1], pt, pocc))
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("emit", help="print input blocks for the selection")
    e.add_argument("--selection", default=DEFAULT_SELECTION)
    e.add_argument("--govmomi", default=DEFAULT_GOVMOMI)
    e.add_argument("-o", "--output")
    c = sub.add_parser("check", help="closure check of an input file")
    c.add_argument("input")
    x = sub.add_parser("crosscheck", help="compare an input file with pyvmomi")
    x.add_argument("input")
    x.add_argument("types", nargs="*")
    x.add_argument("-v", "--verbose", action="store_true", help="also list later-version members")
    args = ap.parse_args()

    if args.cmd == "emit":
        facts = Facts(args.govmomi)
        blocks = build(facts, read_selection(args.selection))
        ignored = any(m.occ == "i" for _, b in blocks for m in b.members)
        text = render(blocks, HEADER + (HEADER_IGNORED if ignored else ""))
        if args.output:
            tmp = args.output + ".tmp"
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, args.output)
        else:
            sys.stdout.write(text)
        return 0
    if args.cmd == "check":
        try:
            problems, blocks = check(args.input)
        except ParseError as err:
            print("error: %s" % err, file=sys.stderr)
            return 1
        for p in problems:
            print(p, file=sys.stderr)
        kinds = {}
        for b in blocks:
            kinds[b.kind] = kinds.get(b.kind, 0) + 1
        ignored = sum(1 for b in blocks for m in b.members if m.occ == "i")
        print("%s: %d enums, %d objects, %d managed objects, %d methods, %d ignored members%s" % (
            args.input, kinds.get("enum", 0), kinds.get("object", 0), kinds.get("managed object", 0),
            kinds.get("method", 0), ignored, "" if not problems else ", %d problems" % len(problems)))
        return 1 if problems else 0
    if args.cmd == "crosscheck":
        for line in crosscheck(args.input, set(args.types), args.verbose):
            print(line)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
