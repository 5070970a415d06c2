//! Failure signatures: what makes two failures "the same bug" for
//! deduplication. A signature is the oracle that broke, where it broke (the
//! violating thread's role and the message with its numbers taken out) and
//! the set of places blocked threads waited at. Seeds, offsets, lengths and
//! thread numbers differ between runs of one bug; these do not.

use std::collections::BTreeSet;
use std::fmt;

use crate::drivers::Violation;

/// Source directories of the harness: a thread blocked there waits for the
/// scenario (a join, a barrier) or inside the simulated runtime itself.
const HARNESS_SOURCES: [&str; 2] = [" at scenarios/", " at sim/"];

/// What identifies one bug among many failing runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Signature(String);

impl Signature {
    /// The signature of `violation`.
    pub fn of(violation: &Violation) -> Signature {
        let marker = format!("VIOLATION [{}] ", violation.oracle.name());
        let body = violation
            .message
            .split_once(&marker)
            .map_or(violation.message.as_str(), |(_, body)| body);
        // Blocked threads are listed separately; the message's own list of
        // them would only repeat their names.
        let body = body.split(';').next().unwrap_or_default();
        let site = match body.split_once(": ") {
            Some((thread, what)) => format!("{} {}", role(thread), skeleton(what)),
            None => skeleton(body),
        };
        let waits: BTreeSet<String> = violation
            .blocked
            .iter()
            .filter_map(|blocked| wait_site(blocked))
            .filter(|site| !HARNESS_SOURCES.iter().any(|dir| site.contains(dir)))
            .collect();
        let waits = if waits.is_empty() {
            "none".to_owned()
        } else {
            waits.into_iter().collect::<Vec<_>>().join(", ")
        };
        Signature(format!(
            "{} @ {site} | blocked: {waits}",
            violation.oracle.name()
        ))
    }

    /// A signature for a harness failure that has no violation (a crash, a
    /// replay that diverged), from its kind and how it showed.
    pub fn of_harness(kind: &str, how: &str) -> Signature {
        Signature(format!("{kind} @ {}", skeleton(how)))
    }

    /// The signature as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a signature from its text (as a child reported it).
    pub fn from_text(text: String) -> Signature {
        Signature(text)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A thread's role: its name without what tells instances apart
/// (`reader-A3` and `reader-B0` are readers, `tempfilestore-downloader#2`
/// a downloader, `stager-B` a stager).
fn role(thread: &str) -> String {
    let name = thread.split('#').next().unwrap_or(thread);
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    match name.rsplit_once('-') {
        Some((role, label)) if is_store_label(label) => role.to_owned(),
        _ => name.to_owned(),
    }
}

/// Store labels are single capital letters (`A`, `B`, …).
fn is_store_label(word: &str) -> bool {
    word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase())
}

/// `text` with every number replaced by `N`, except source locations,
/// which keep their file and line: they are where the bug shows.
fn skeleton(text: &str) -> String {
    text.split_whitespace()
        .map(|word| match source_location(word) {
            Some(location) => location,
            None if is_store_label(word.trim_end_matches([':', ',', ')', ';'])) => {
                word.replacen(|c: char| c.is_ascii_uppercase(), "L", 1)
            }
            None => numbers_out(word),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `path.rs:LINE` of a `path.rs:LINE:COLUMN` word.
fn source_location(word: &str) -> Option<String> {
    let (file, rest) = word.split_once(".rs:")?;
    let line: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!line.is_empty()).then(|| format!("{file}.rs:{line}"))
}

/// `text` with each run of digits replaced by one `N`.
pub fn numbers_out(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// `waiting at store/src/store.rs:196` of
/// `reader-A0 (waiting at store/src/store.rs:196:36)`.
fn wait_site(blocked: &str) -> Option<String> {
    let (_, inside) = blocked.split_once('(')?;
    let inside = inside.trim_end_matches(')');
    let (how, location) = inside.rsplit_once(" at ")?;
    Some(format!("{how} at {}", source_location(location)?))
}

#[cfg(test)]
mod tests {
    use scenarios::Oracle;

    use super::*;

    fn violation(oracle: Oracle, thread: &str, what: &str, blocked: &[&str]) -> Violation {
        Violation {
            oracle,
            message: oracle.violation(thread, what),
            blocked: blocked.iter().map(|b| (*b).to_owned()).collect(),
        }
    }

    #[test]
    fn runs_of_one_bug_share_a_signature() {
        let first = violation(
            Oracle::PartialReadCount,
            "reader-A0",
            "read of 417 bytes at 97 from store A: returned 0, expected 208",
            &[],
        );
        let second = violation(
            Oracle::PartialReadCount,
            "reader-A3",
            "read of 12 bytes at 3 from store A: returned 0, expected 9",
            &[],
        );
        assert_eq!(Signature::of(&first), Signature::of(&second));
    }

    #[test]
    fn other_oracles_roles_or_wait_sites_are_other_bugs() {
        let what = "waits in read_at [304, 305) of store A, but the download has ended";
        let base = violation(
            Oracle::NoNeedlessWait,
            "reader-A0",
            what,
            &["reader-A0 (waiting at store/src/store.rs:196:36)"],
        );
        let other_site = violation(
            Oracle::NoNeedlessWait,
            "reader-A1",
            what,
            &["reader-A1 (waiting at store/src/store.rs:250:9)"],
        );
        let other_role = violation(
            Oracle::NoNeedlessWait,
            "closer",
            what,
            &["reader-A0 (waiting at store/src/store.rs:196:36)"],
        );
        let signature = Signature::of(&base);
        assert_ne!(signature, Signature::of(&other_site));
        assert_ne!(signature, Signature::of(&other_role));
        assert!(
            signature
                .as_str()
                .contains("blocked: waiting at store/src/store.rs:196"),
            "{signature}"
        );
    }

    #[test]
    fn the_same_bug_in_another_store_or_beside_a_join_is_the_same_bug() {
        let in_a = violation(
            Oracle::NoAccessAfterClose,
            "reader-A0",
            "read_exact_at [0, 24) on temp file #0 of store A: the file was already closed",
            &[],
        );
        let in_b = violation(
            Oracle::NoAccessAfterClose,
            "reader-B1",
            "read_exact_at [13, 205) on temp file #1 of store B: the file was already closed",
            &["main-thread (waiting at scenarios/src/threads.rs:65:35)"],
        );
        assert_eq!(Signature::of(&in_a), Signature::of(&in_b));
    }

    #[test]
    fn source_locations_keep_their_line() {
        let lock = violation(
            Oracle::NoBlockingUnderLock,
            "main-thread",
            "waits on a condition variable at store/src/store.rs:386:33 while holding 1 other lock(s)",
            &[],
        );
        let text = Signature::of(&lock).to_string();
        assert!(text.contains("store/src/store.rs:386 "), "{text}");
        assert!(text.contains("holding N other"), "{text}");
    }

    #[test]
    fn thread_instance_numbers_are_not_part_of_the_role() {
        assert_eq!(role("reader-A12"), "reader");
        assert_eq!(role("stager-B"), "stager");
        assert_eq!(
            role("tempfilestore-downloader#2"),
            "tempfilestore-downloader"
        );
        assert_eq!(role("main-thread"), "main-thread");
        assert_eq!(role("closer-2"), "closer");
    }
}
