//! The layers ARCHITECTURE.md draws for `sim` and for the `harness`
//! library, checked from the source: a module may use modules of its own
//! layer or below it, never above; and every module has a layer, so a new
//! one must be placed.

use std::path::{Path, PathBuf};

/// A crate whose modules are layered.
struct Layered {
    /// Its `src` directory.
    source_dir: PathBuf,
    /// Top to bottom, as ARCHITECTURE.md draws them.
    layers: &'static [&'static [&'static str]],
    /// Items the crate root re-exports, with the module each comes from.
    root_items: &'static [(&'static str, &'static str)],
}

/// `sim`, as "The layers of `sim`" draws it.
fn sim() -> Layered {
    Layered {
        source_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        layers: &[
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
        ],
        root_items: &[],
    }
}

/// The `harness` library, as its codemap draws it: the command line on
/// the corpus, on checks, on schedules and coverage, on the facade, on
/// the model.
fn harness() -> Layered {
    Layered {
        source_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../harness/src"),
        layers: &[
            &["cli"],
            &["corpus"],
            &["check"],
            &["schedule", "coverage", "scenario"],
            &["sync", "thread", "time", "hint", "cell", "shared"],
            &["model"],
            &["panics", "process"],
        ],
        root_items: &[("Scenario", "scenario")],
    }
}

impl Layered {
    fn layer_of(&self, module: &str) -> Option<usize> {
        let module = self
            .root_items
            .iter()
            .find(|(item, _)| *item == module)
            .map_or(module, |(_, home)| home);
        self.layers.iter().position(|layer| layer.contains(&module))
    }

    /// The top-level module a file belongs to; `None` for the crate roots.
    fn module_of(&self, file: &Path) -> Option<String> {
        let relative = file.strip_prefix(&self.source_dir).expect("under src");
        let first = relative.components().next()?.as_os_str().to_str()?;
        let module = first.strip_suffix(".rs").unwrap_or(first);
        (module != "lib" && module != "main").then(|| module.to_owned())
    }

    /// The modules above `user`'s layer that `source` uses.
    fn used_above<'a>(&self, user: &str, source: &'a str) -> Vec<&'a str> {
        let user_layer = self
            .layer_of(user)
            .expect("every module has a layer: checked apart");
        crate_paths(source)
            .into_iter()
            .filter(|used| self.layer_of(used).is_some_and(|layer| layer < user_layer))
            .collect()
    }

    fn unplaced_modules(&self) -> Vec<String> {
        rust_files(&self.source_dir)
            .iter()
            .filter_map(|file| self.module_of(file))
            .filter(|module| self.layer_of(module).is_none())
            .collect()
    }

    fn upward_uses(&self) -> Vec<String> {
        let mut upward = Vec::new();
        for file in rust_files(&self.source_dir) {
            let Some(user) = self.module_of(&file) else {
                continue;
            };
            let source = std::fs::read_to_string(&file).expect("a readable source file");
            for used in self.used_above(&user, &source) {
                upward.push(format!("{user} -> {used} ({})", file.display()));
            }
        }
        upward
    }
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

#[test]
fn every_module_has_a_layer() {
    for crate_ in [sim(), harness()] {
        let unplaced = crate_.unplaced_modules();
        assert!(
            unplaced.is_empty(),
            "modules of {} with no layer in this test and ARCHITECTURE.md: {unplaced:?}",
            crate_.source_dir.display()
        );
    }
}

#[test]
fn no_module_uses_one_above_its_layer() {
    for crate_ in [sim(), harness()] {
        let upward = crate_.upward_uses();
        assert!(
            upward.is_empty(),
            "uses of a higher layer:\n{}",
            upward.join("\n")
        );
    }
}

#[test]
fn a_use_of_a_higher_layer_is_caught_and_one_below_is_not() {
    let source = "use crate::cli::Args;\nuse crate::platform::World;\ncrate::eprintln_real!();\n";
    assert_eq!(sim().used_above("engine", source), ["cli"]);
}

#[test]
fn a_root_item_counts_as_a_use_of_its_module() {
    let source = "use crate::Scenario;\nuse crate::check::Check;\n";
    assert_eq!(harness().used_above("model", source), ["Scenario", "check"]);
}
