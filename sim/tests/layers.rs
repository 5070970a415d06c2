//! The layers ARCHITECTURE.md draws for `sim`, checked from the source: a
//! module may use modules of its own layer or below it, never above; and
//! every module has a layer, so a new one must be placed.

use std::path::{Path, PathBuf};

/// Top to bottom, as ARCHITECTURE.md's "The layers of `sim`" draws them.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["child", "isolation", "fuzz"],
    &[
        "replay",
        "shrink",
        "corpus",
        "self_test",
        "swarm",
        "chrome_trace",
    ],
    &["budget"],
    &["engine"],
    &["platform", "coverage"],
    &["console", "flight", "interrupt"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the source directory lists") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level module a file belongs to; `None` for the crate roots.
fn module_of(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(source_dir()).expect("under src");
    let first = relative.components().next()?.as_os_str().to_str()?;
    let module = first.strip_suffix(".rs").unwrap_or(first);
    (module != "lib" && module != "main").then(|| module.to_owned())
}

/// The modules named after `crate::` in `source` (macros exported at the
/// crate root are not modules, and are skipped by the caller).
fn crate_paths(source: &str) -> Vec<&str> {
    source
        .match_indices("crate::")
        .map(|(at, prefix)| {
            let rest = &source[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// The modules above `user`'s layer that `source` uses.
fn used_above<'a>(user: &str, source: &'a str) -> Vec<&'a str> {
    let user_layer = layer_of(user).expect("every module has a layer: checked apart");
    crate_paths(source)
        .into_iter()
        .filter(|used| layer_of(used).is_some_and(|layer| layer < user_layer))
        .collect()
}

#[test]
fn every_module_of_sim_has_a_layer() {
    let unplaced: Vec<String> = rust_files(&source_dir())
        .iter()
        .filter_map(|file| module_of(file))
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules with no layer in this test and ARCHITECTURE.md: {unplaced:?}"
    );
}

#[test]
fn no_module_of_sim_uses_one_above_its_layer() {
    let mut upward = Vec::new();
    for file in rust_files(&source_dir()) {
        let Some(user) = module_of(&file) else {
            continue;
        };
        let source = std::fs::read_to_string(&file).expect("a readable source file");
        for used in used_above(&user, &source) {
            upward.push(format!("{user} -> {used} ({})", file.display()));
        }
    }
    assert!(
        upward.is_empty(),
        "uses of a higher layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn a_use_of_a_higher_layer_is_caught_and_one_below_is_not() {
    let source = "use crate::cli::Args;\nuse crate::platform::World;\ncrate::eprintln_real!();\n";
    assert_eq!(used_above("engine", source), ["cli"]);
}
