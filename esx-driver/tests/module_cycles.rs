//! No two modules of the library import each other, directly or around a loop: the top-level
//! modules (`auth`, `uri`, `domain`, `vmx`, `driver`) and, within each module, its submodules
//! (`driver::connection`, `driver::domain::lookup`, `vmx::to_domain`...) each form an acyclic
//! graph. A cycle means two modules are one job split in two files, or that a shared piece
//! belongs in a module of its own.
//!
//! The check reads `src/` (not the command-line binary under `src/bin/`), resolves every
//! `crate::`, `super::` and `self::` path (in `use` items, grouped or not, and inline in code) to
//! the module it names, and keeps the edges between sibling modules: `a::b` using `a::c::X` is
//! the edge `b -> c` under `a`. A path that names an item of the parent itself (a re-export) is
//! not an edge between siblings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path below the crate root (`["driver", "domain", "lookup"]`; empty for the root).
type ModulePath = Vec<String>;

/// Where an import was written, for the failure message.
#[derive(Clone, Debug)]
struct Evidence {
    file: String,
    line: usize,
    path: String,
}

/// Edges between sibling modules: parent -> (from child -> (to child -> first evidence)).
type Graphs = BTreeMap<ModulePath, BTreeMap<String, BTreeMap<String, Evidence>>>;

/// A source file: its path relative to `src/`, and its text.
struct SourceFile {
    relative: String,
    text: String,
}

#[test]
fn no_two_modules_import_each_other_in_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = read_sources(&src);
    assert!(
        files.iter().any(|f| f.relative == "driver/error.rs")
            && files.iter().any(|f| f.relative == "vmx/to_domain.rs"),
        "the library's sources were not found under {}",
        src.display()
    );
    let graphs = import_graphs(&files);
    // The check sees the edges it exists for: without them it would pass on an empty graph.
    let top = graphs
        .get(&Vec::new())
        .expect("edges between top-level modules");
    assert!(
        top.get("driver").is_some_and(|to| to.contains_key("vmx")),
        "driver -> vmx not seen: {top:?}"
    );
    let driver = graphs
        .get(&vec!["driver".to_owned()])
        .expect("edges between driver modules");
    assert!(
        driver
            .get("domain")
            .is_some_and(|to| to.contains_key("connection")),
        "driver::domain -> driver::connection not seen: {driver:?}"
    );
    let cycles = find_cycles(&graphs);
    assert!(
        cycles.is_empty(),
        "modules that import each other in a cycle:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_check_finds_cycles_through_every_kind_of_path() {
    let files = [
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("a.rs", "use crate::{b::{self, Thing as _}, x};\n"),
        ("b.rs", "fn f() -> crate::c::C { crate::c::C::default() }\n"),
        // A path in a string or a comment is no import; `super` in an inline module is the file.
        (
            "c/mod.rs",
            "mod inner;\n// crate::b\nconst S: &str = \"crate::b\";\nmod tests { use super::super::a::A; }\n",
        ),
        ("c/inner.rs", "use super::super::b::B;\n"),
    ];
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(relative, text)| SourceFile {
            relative: (*relative).to_owned(),
            text: (*text).to_owned(),
        })
        .collect();
    let graphs = import_graphs(&files);
    let top = &graphs[&Vec::new()];
    let edges: BTreeSet<(&str, &str)> = top
        .iter()
        .flat_map(|(from, to)| to.keys().map(move |to| (from.as_str(), to.as_str())))
        .collect();
    assert_eq!(
        edges,
        BTreeSet::from([("a", "b"), ("b", "c"), ("c", "a"), ("c", "b")])
    );
    let cycles = find_cycles(&graphs);
    assert_eq!(cycles.len(), 2, "{cycles:#?}");
    assert!(
        cycles.iter().any(|c| c.starts_with("a -> b -> c -> a")),
        "{cycles:#?}"
    );
    assert!(
        cycles.iter().any(|c| c.starts_with("b -> c -> b")),
        "{cycles:#?}"
    );
    assert!(cycles[0].contains("a.rs:1"), "{cycles:#?}");
}

/// Every `.rs` file under `src/` except the binaries under `src/bin/`.
fn read_sources(src: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = vec![src.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                if relative != "bin" {
                    pending.push(path);
                }
            } else if relative.ends_with(".rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.push(SourceFile { relative, text });
            }
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    files
}

/// The module a file defines: `lib.rs` the root, `a.rs` and `a/mod.rs` module `a`, `a/b.rs`
/// module `a::b`.
fn module_of_file(relative: &str) -> ModulePath {
    let stem = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

fn import_graphs(files: &[SourceFile]) -> Graphs {
    let modules: BTreeSet<ModulePath> = files.iter().map(|f| module_of_file(&f.relative)).collect();
    let mut graphs = Graphs::new();
    for file in files {
        let file_module = module_of_file(&file.relative);
        for (inline, path, offset) in crate_paths(&file.text) {
            let from: ModulePath = file_module.iter().cloned().chain(inline).collect();
            let Some(target) = resolve(&from, &path) else {
                continue;
            };
            let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
            let (Some(from_child), Some(to_child)) = (from.get(common), target.get(common)) else {
                continue; // a module using its own descendant or ancestor
            };
            let mut sibling = target[..common].to_vec();
            sibling.push(to_child.clone());
            if !modules.contains(&sibling) {
                continue; // an item of the common parent (often a re-export), not a sibling
            }
            let line = file.text[..offset].matches('\n').count() + 1;
            graphs
                .entry(target[..common].to_vec())
                .or_default()
                .entry(from_child.clone())
                .or_default()
                .entry(to_child.clone())
                .or_insert_with(|| Evidence {
                    file: file.relative.clone(),
                    line,
                    path: path.join("::"),
                });
        }
    }
    graphs
}

/// `path` (starting with `crate`, `super` or `self`) written in module `from`, as a path from
/// the crate root.
fn resolve(from: &[String], path: &[String]) -> Option<ModulePath> {
    let mut segments = path.iter();
    let mut resolved: ModulePath = match segments.next()?.as_str() {
        "crate" => Vec::new(),
        "self" => from.to_vec(),
        "super" => from[..from.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    let mut rest = segments.peekable();
    while rest.peek().is_some_and(|s| *s == "super") {
        rest.next();
        resolved.pop()?;
    }
    resolved.extend(rest.filter(|s| *s != "self" && *s != "*").cloned());
    Some(resolved)
}

/// Every path that starts with `crate::`, `super::` or `self::` in the code of `text` (not in
/// comments or literals), with the inline modules (`mod tests { ... }`) it is written in and its
/// byte offset. A `use` tree with groups gives one path per leaf.
fn crate_paths(text: &str) -> Vec<(Vec<String>, Vec<String>, usize)> {
    let code = blank_comments_and_literals(text);
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    // Inline modules being read, with the brace depth at which each one's body opened.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'{' {
            depth += 1;
            i += 1;
        } else if c == b'}' {
            if inline.last().is_some_and(|(_, open)| *open == depth) {
                inline.pop();
            }
            depth = depth.saturating_sub(1);
            i += 1;
        } else if is_ident_start(c) && (i == 0 || !is_ident_char(bytes[i - 1])) {
            let word = identifier(bytes, i);
            let after = i + word.len();
            if word == "mod" {
                let name_at = skip_spaces(bytes, after);
                let name = identifier(bytes, name_at);
                let brace = skip_spaces(bytes, name_at + name.len());
                if !name.is_empty() && bytes.get(brace) == Some(&b'{') {
                    inline.push((name.to_owned(), depth + 1));
                }
            } else if matches!(word, "crate" | "super" | "self")
                && code[after..].starts_with("::")
                && (i < 2 || &code[i - 2..i] != "::")
            {
                let names: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
                let mut leaves = Vec::new();
                use_tree(bytes, i, &mut Vec::new(), &mut leaves);
                for leaf in leaves {
                    found.push((names.clone(), leaf, i));
                }
            }
            i = after.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// Reads the path or `use` tree at `at`, pushing one full path per leaf onto `leaves`; returns
/// the offset after it.
fn use_tree(
    bytes: &[u8],
    at: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<Vec<String>>,
) -> usize {
    let mut i = skip_spaces(bytes, at);
    if bytes.get(i) == Some(&b'{') {
        i += 1;
        loop {
            i = skip_spaces(bytes, i);
            match bytes.get(i) {
                None => return i,
                Some(b'}') => return i + 1,
                Some(b',') => i += 1,
                Some(_) => {
                    let mut inner = prefix.clone();
                    let next = use_tree(bytes, i, &mut inner, leaves);
                    i = if next > i { next } else { i + 1 };
                }
            }
        }
    }
    if bytes.get(i) == Some(&b'*') {
        leaves.push(prefix.clone());
        return i + 1;
    }
    let word = identifier(bytes, i);
    if word.is_empty() {
        if !prefix.is_empty() {
            leaves.push(prefix.clone());
        }
        return i;
    }
    prefix.push(word.to_owned());
    let after = skip_spaces(bytes, i + word.len());
    if bytes[after..].starts_with(b"::") {
        use_tree(bytes, after + 2, prefix, leaves)
    } else {
        leaves.push(prefix.clone());
        i + word.len()
    }
}

/// `text` with comments, string literals and character literals replaced by spaces (newlines
/// kept), so that braces and paths inside them are not read as code.
fn blank_comments_and_literals(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(bytes.len())] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let starts_token = i == 0 || !is_ident_char(bytes[i - 1]);
        if rest.starts_with(b"//") {
            let end = find(bytes, i, b"\n").unwrap_or(bytes.len());
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            let end = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
            blank(&mut out, i, end);
            i = end;
        } else if starts_token
            && (rest.starts_with(b"r#") || rest.starts_with(b"r\"") || rest.starts_with(b"br"))
        {
            let start = if rest[0] == b'b' { i + 2 } else { i + 1 };
            let hashes = bytes[start..].iter().take_while(|b| **b == b'#').count();
            if bytes.get(start + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let mut closing = vec![b'"'];
            closing.extend(std::iter::repeat_n(b'#', hashes));
            let end = find(bytes, start + hashes + 1, &closing)
                .map_or(bytes.len(), |e| e + closing.len());
            blank(&mut out, i, end);
            i = end;
        } else if rest[0] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if rest[0] == b'\'' {
            // A character literal ('x', '\n', '\u{..}'), else a lifetime or label.
            let end = if rest.get(1) == Some(&b'\\') {
                find(bytes, i + 2, b"'").map(|e| e + 1)
            } else {
                let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (bytes.get(i + 1 + width) == Some(&b'\'')).then_some(i + 2 + width)
            };
            match end {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced")
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn identifier(bytes: &[u8], at: usize) -> &str {
    let len = bytes.get(at..).map_or(0, |rest| {
        rest.iter().take_while(|c| is_ident_char(**c)).count()
    });
    std::str::from_utf8(&bytes[at..at + len]).unwrap_or_default()
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Every elementary cycle of every sibling graph, as `a -> b -> a (a.rs:3 crate::b::X; ...)`,
/// each reported once, starting from its smallest module name.
fn find_cycles(graphs: &Graphs) -> Vec<String> {
    let mut cycles = Vec::new();
    for (parent, graph) in graphs {
        let under = if parent.is_empty() {
            "top-level modules".to_owned()
        } else {
            format!("modules of {}", parent.join("::"))
        };
        for start in graph.keys() {
            let mut path = vec![start.clone()];
            walk(graph, start, &mut path, &mut |cycle| {
                let evidence: Vec<String> = cycle
                    .windows(2)
                    .map(|pair| {
                        let e = &graph[&pair[0]][&pair[1]];
                        format!("{}:{} uses {}", e.file, e.line, e.path)
                    })
                    .collect();
                cycles.push(format!(
                    "{} ({under}: {})",
                    cycle.join(" -> "),
                    evidence.join("; ")
                ));
            });
        }
    }
    cycles
}

/// Depth-first walk from `path`'s last node, reporting each cycle back to `path[0]` that only
/// visits nodes greater than `path[0]` (so each cycle is reported once).
fn walk(
    graph: &BTreeMap<String, BTreeMap<String, Evidence>>,
    start: &str,
    path: &mut Vec<String>,
    report: &mut dyn FnMut(&[String]),
) {
    let Some(next) = graph.get(path.last().expect("a path has a node")) else {
        return;
    };
    for to in next.keys() {
        if to == start {
            let mut cycle = path.clone();
            cycle.push(to.clone());
            report(&cycle);
        } else if to.as_str() > start && !path.contains(to) {
            path.push(to.clone());
            walk(graph, start, path, report);
            path.pop();
        }
    }
}
