//! Replays every corpus entry: the current store must pass every schedule,
//! and every entry found against a planted bug must still fail with it, in
//! every stored form. One data-driven test over `corpus/`.

use std::path::Path;

use sim::corpus::{load_dir, verify};

#[test]
fn every_corpus_entry_passes_on_the_store_and_still_fails_with_its_planted_bug() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let entries = load_dir(&dir).unwrap_or_else(|error| panic!("{error}"));
    assert!(
        !entries.is_empty(),
        "the corpus at {} is empty",
        dir.display()
    );
    let problems: Vec<String> = entries
        .iter()
        .filter_map(|(path, entry)| verify(path, entry).err().map(|error| error.to_string()))
        .collect();
    assert!(
        problems.is_empty(),
        "{} of {} corpus entries no longer hold:\n{}",
        problems.len(),
        entries.len(),
        problems.join("\n")
    );
}
