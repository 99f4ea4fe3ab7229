//! The crate's modules import each other without a cycle: a test that reads the sources.
//!
//! A module imports another when its code (comments left out, tests included) names a path into
//! it from the crate root; a type re-exported at the crate root counts as its defining module's.
//! `lib.rs` itself, which declares and re-exports them all, is no module of the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The prefix of a path from the crate root.
const ROOT: &str = "crate::";

/// Every module under `dir` by its path (`export::download`), with its source.
fn modules(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("the source directory") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a file name")
            .to_owned();
        if path.is_dir() {
            modules(&path, &format!("{prefix}{name}::"), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let module = match name.as_str() {
                "lib" if prefix.is_empty() => continue,
                "mod" => prefix.trim_end_matches("::").to_owned(),
                _ => format!("{prefix}{name}"),
            };
            let text = std::fs::read_to_string(&path).expect("a source file");
            out.insert(module, text);
        }
    }
}

/// The crate root's re-exports: each name with the module it comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = &item[..item.find(';').unwrap_or(item.len())];
        let Some((module, rest)) = item.split_once("::") else {
            continue;
        };
        for name in rest.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !name.is_empty() {
                names.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    names
}

/// The module a path from the crate root (`a::b::C`) lands in: its longest prefix that is a
/// module, else the module a re-exported name comes from.
fn target(
    path: &[&str],
    modules: &BTreeMap<String, String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains_key(m))
        .or_else(|| reexports.get(*path.first()?).cloned())
}

/// Each module's imports: the modules it names, each with the first line that names it.
fn imports(
    modules: &BTreeMap<String, String>,
    reexports: &BTreeMap<String, String>,
) -> BTreeMap<String, BTreeMap<String, usize>> {
    let is_path = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut graph: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (module, text) in modules {
        let edges = graph.entry(module.clone()).or_default();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices(ROOT) {
                let rest = &line[at + ROOT.len()..];
                let end = rest.find(|c| !is_path(c)).unwrap_or(rest.len());
                let path: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
                let mut found: Vec<String> =
                    target(&path, modules, reexports).into_iter().collect();
                // `crate::{A, b::C}`: each name of the group.
                if found.is_empty() && rest[end..].starts_with('{') {
                    let group = &rest[end + 1..rest.find('}').unwrap_or(rest.len())];
                    for name in group.split(',') {
                        let inner: Vec<&str> = path
                            .iter()
                            .copied()
                            .chain(name.trim().split("::"))
                            .collect();
                        found.extend(target(&inner, modules, reexports));
                    }
                }
                for to in found {
                    if &to != module {
                        edges.entry(to).or_insert(n + 1);
                    }
                }
            }
        }
    }
    graph
}

/// A cycle of the graph, as its modules in order, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeMap<String, usize>>) -> Option<Vec<String>> {
    fn visit<'a>(
        at: &'a str,
        graph: &'a BTreeMap<String, BTreeMap<String, usize>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| *m == at) {
            let mut cycle: Vec<String> = path[start..].iter().map(|m| m.to_string()).collect();
            cycle.push(at.to_owned());
            return Some(cycle);
        }
        if !done.insert(at) {
            return None;
        }
        path.push(at);
        for next in graph.get(at).into_iter().flat_map(|edges| edges.keys()) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_import_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = BTreeMap::new();
    modules(&src, "", &mut all);
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let reexports = reexports(&lib);
    let graph = imports(&all, &reexports);
    // The check sees the imports it is meant to see.
    assert!(graph["client"].contains_key("inner"), "{graph:?}");
    assert!(graph["request"].contains_key("inner"), "{graph:?}");
    assert!(graph["paging"].contains_key("client"), "{graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("{} -> {} (line {})", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        panic!("an import cycle: {}", steps.join(", "));
    }
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeMap<String, usize>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, to)| {
        let edges = to.into_iter().map(|t| (t.to_owned(), 1)).collect();
        (m.to_owned(), edges)
    })
    .collect();
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    let mut open = graph.clone();
    open.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&open), None);
}
