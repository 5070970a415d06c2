//! Failure signatures: what makes two failures "the same bug" for
//! deduplication. A signature is read off the typed violation: what broke,
//! the violating thread's role, the kind of breach, where in the source it
//! happened (for a panic, or a wait under a lock), and the set of places
//! blocked threads waited at. Seeds, offsets, lengths, store labels and
//! thread numbers differ between runs of one bug; these do not.

use std::collections::BTreeSet;
use std::fmt;

use super::Violation;
use crate::platform::Blocking;

/// Source directories of the harness: a thread blocked there waits for the
/// scenario (a join, a barrier) or inside the simulated runtime itself.
const HARNESS_SOURCES: [&str; 2] = ["scenarios/", "sim/"];

/// What identifies one bug among many failing runs: a key, compared
/// whole, never read apart.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Signature(String);

impl Signature {
    /// The signature of `violation`.
    pub fn of(violation: &Violation) -> Signature {
        let at = violation
            .site
            .as_ref()
            .map(|site| format!(" at {}:{}", site.file, site.line))
            .unwrap_or_default();
        let waits: BTreeSet<String> = violation
            .blocked
            .iter()
            .filter(|blocked| {
                !HARNESS_SOURCES
                    .iter()
                    .any(|dir| blocked.at.file.starts_with(dir))
            })
            .map(|blocked| {
                let how = match blocked.how {
                    Blocking::Waiting => "waiting",
                    Blocking::TimedWait => "timed wait",
                    Blocking::AcquiringLock => "acquiring a lock",
                };
                format!("{how} at {}:{}", blocked.at.file, blocked.at.line)
            })
            .collect();
        let waits = if waits.is_empty() {
            "none".to_owned()
        } else {
            waits.into_iter().collect::<Vec<_>>().join(", ")
        };
        Signature(format!(
            "{} @ {} {}{at} | blocked: {waits}",
            violation.breach,
            role(&violation.thread),
            violation.kind
        ))
    }

    /// A signature for a harness failure that has no violation (a crash, a
    /// replay that diverged): its kind, and a category fixed for the kind
    /// (how the process died, without its timings).
    pub fn of_harness(kind: &str, category: &str) -> Signature {
        Signature(format!("{kind} @ {category}"))
    }

    /// The signature as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A thread's role: its name without what tells instances apart
/// (`reader-A3` and `reader-B0` are readers, `tempfilestore-downloader#2`
/// a downloader, `stager-B` a stager, `closer-2` a closer).
pub fn role(thread: &str) -> &str {
    let name = thread.split('#').next().unwrap_or(thread);
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    match name.rsplit_once('-') {
        Some((role, label)) if is_store_label(label) => role,
        _ => name,
    }
}

/// Store labels are single capital letters (`A`, `B`, …).
fn is_store_label(word: &str) -> bool {
    word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use scenarios::Oracle;

    use super::*;
    use crate::engine::Breach;
    use crate::platform::{BlockedThread, SourceSite};

    fn violation(oracle: Oracle, thread: &str, kind: &'static str) -> Violation {
        Violation {
            breach: Breach::Oracle(oracle),
            thread: thread.to_owned(),
            kind,
            what: format!("{thread} did something ({kind})"),
            site: None,
            blocked: Vec::new(),
        }
    }

    fn site(file: &str, line: u32) -> SourceSite {
        SourceSite {
            file: file.to_owned(),
            line,
            column: 36,
        }
    }

    fn waiting_at(thread: &str, at: SourceSite) -> BlockedThread {
        BlockedThread {
            thread: thread.to_owned(),
            how: Blocking::Waiting,
            at,
        }
    }

    #[test]
    fn runs_of_one_bug_share_a_signature() {
        let first = violation(Oracle::PartialReadCount, "reader-A0", "wrong byte count");
        let second = Violation {
            what: "another run's numbers".to_owned(),
            ..violation(Oracle::PartialReadCount, "reader-B3", "wrong byte count")
        };
        assert_eq!(Signature::of(&first), Signature::of(&second));
    }

    #[test]
    fn other_breaches_roles_kinds_or_wait_sites_are_other_bugs() {
        let base = Violation {
            blocked: vec![waiting_at("reader-A0", site("store/src/store.rs", 196))],
            ..violation(
                Oracle::NoNeedlessWait,
                "reader-A0",
                "reader waits for bytes that arrived",
            )
        };
        let signature = Signature::of(&base);
        let other_site = Violation {
            blocked: vec![waiting_at("reader-A0", site("store/src/store.rs", 250))],
            ..base.clone()
        };
        let other_role = Violation {
            thread: "closer".to_owned(),
            ..base.clone()
        };
        let other_kind = Violation {
            kind: "reader waits for a download that ended",
            ..base.clone()
        };
        let other_breach = Violation {
            breach: Breach::StorePanicked,
            ..base.clone()
        };
        for other in [other_site, other_role, other_kind, other_breach] {
            assert_ne!(signature, Signature::of(&other), "{other:?}");
        }
        assert!(
            signature
                .as_str()
                .contains("blocked: waiting at store/src/store.rs:196"),
            "{signature}"
        );
    }

    #[test]
    fn threads_blocked_in_the_harness_are_left_out() {
        let joining = Violation {
            blocked: vec![waiting_at(
                "main-thread",
                site("scenarios/src/threads.rs", 65),
            )],
            ..violation(
                Oracle::NoAccessAfterClose,
                "reader-B1",
                "read of a closed file",
            )
        };
        let alone = violation(
            Oracle::NoAccessAfterClose,
            "reader-A0",
            "read of a closed file",
        );
        assert_eq!(Signature::of(&joining), Signature::of(&alone));
    }

    #[test]
    fn where_it_happened_keeps_its_file_and_line() {
        let lock = |line| Violation {
            site: Some(site("store/src/store.rs", line)),
            ..violation(
                Oracle::NoBlockingUnderLock,
                "main-thread",
                "wait while holding another lock",
            )
        };
        let text = Signature::of(&lock(386)).to_string();
        assert!(text.contains("at store/src/store.rs:386 "), "{text}");
        assert_ne!(Signature::of(&lock(386)), Signature::of(&lock(390)));
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
