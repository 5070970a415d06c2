//! What a panic says, and typed failures.
//!
//! A check reports a failing run by its panic's text. A component whose
//! oracles are values (an enum of the promises it keeps, say) raises them
//! with [`raise`]: the run fails with the value's `Display`, and code that
//! catches the panic (a thread wrapper re-raising in its joiner, a report
//! that counts failures by kind) gets the value back with [`raised`],
//! typed, never parsed back from the text. Available with or without the
//! `model` feature: raising is the component's test code's business, and
//! needs no engine.
//!
//! ```
//! #[derive(Debug, PartialEq)]
//! struct Lost(u32);
//!
//! impl std::fmt::Display for Lost {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "item {} was lost", self.0)
//!     }
//! }
//!
//! let payload = std::panic::catch_unwind(|| harness::panics::raise(Lost(7))).unwrap_err();
//! assert_eq!(harness::panics::raised::<Lost>(payload.as_ref()), Some(&Lost(7)));
//! assert_eq!(harness::panics::panic_message(payload.as_ref()), "item 7 was lost");
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// Ends the calling thread's part in the run with `failure` as its panic:
/// a check reports it by its `Display`, and [`raised`] gives it back (as
/// does the check's failure, `Failure::raised`). The panic is the
/// caller's: its location is where `raise` was called.
#[track_caller]
pub fn raise<F: Any + fmt::Display + Send + Sync>(failure: F) -> ! {
    Raised::new(failure).raise()
}

/// The value a panic carries, if it was [`raise`]d with a `F`.
pub fn raised<F: Any>(payload: &(dyn Any + Send)) -> Option<&F> {
    payload.downcast_ref::<Raised>().and_then(Raised::get)
}

/// A value a panic was [`raise`]d with, kept whole: a check's failure
/// carries the one its run failed by, and [`Raised::get`] reads it back
/// by its type, never from its text.
#[derive(Clone)]
pub struct Raised(Arc<dyn RaisedValue>);

impl Raised {
    pub(crate) fn new<F: Any + fmt::Display + Send + Sync>(value: F) -> Raised {
        Raised(Arc::new(value))
    }

    /// The value, if it is a `F`.
    pub fn get<F: Any>(&self) -> Option<&F> {
        // Through the `Arc` to the value: the `Arc` is a `RaisedValue` too.
        (*self.0).as_any().downcast_ref()
    }

    /// The value a panic's payload was raised with, if it was.
    pub fn of_panic(payload: &(dyn Any + Send)) -> Option<Raised> {
        payload.downcast_ref::<Raised>().cloned()
    }

    /// Panics with it: the payload is the `Raised` itself.
    #[track_caller]
    pub(crate) fn raise(self) -> ! {
        std::panic::panic_any(self)
    }
}

impl fmt::Display for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Raised({})", self.0)
    }
}

/// The message of a panic's payload: its text, or a raised value's
/// `Display`.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else if let Some(raised) = payload.downcast_ref::<Raised>() {
        raised.0.to_string()
    } else {
        "a panic with a payload that is neither text nor raised".to_owned()
    }
}

/// What a panic left: its message, and the value it was raised with, if
/// it was.
#[cfg(feature = "model")]
#[derive(Clone, Debug)]
pub(crate) struct Panicked {
    pub(crate) message: String,
    pub(crate) raised: Option<Raised>,
}

#[cfg(feature = "model")]
impl Panicked {
    /// What `payload`'s panic left.
    pub(crate) fn of(payload: &(dyn Any + Send)) -> Panicked {
        Panicked {
            message: panic_message(payload),
            raised: Raised::of_panic(payload),
        }
    }

    /// A panic raised with `raised`.
    pub(crate) fn raised(raised: Raised) -> Panicked {
        Panicked {
            message: raised.to_string(),
            raised: Some(raised),
        }
    }
}

/// A raised value: printable, and downcast back to its type.
trait RaisedValue: fmt::Display + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<F: Any + fmt::Display + Send + Sync> RaisedValue for F {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure of a component under test.
    #[derive(Debug, PartialEq)]
    struct Lost(u32);

    impl fmt::Display for Lost {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "item {} was lost", self.0)
        }
    }

    fn payload_of(body: impl FnOnce() + std::panic::UnwindSafe) -> Box<dyn Any + Send> {
        std::panic::catch_unwind(body).expect_err("the body panics")
    }

    #[test]
    fn a_raised_value_comes_back_typed() {
        let payload = payload_of(|| raise(Lost(7)));
        assert_eq!(raised::<Lost>(payload.as_ref()), Some(&Lost(7)));
    }

    #[test]
    fn a_raised_value_is_not_one_of_another_type() {
        let payload = payload_of(|| raise(Lost(7)));
        assert_eq!(raised::<u32>(payload.as_ref()), None);
    }

    #[test]
    fn a_raised_value_reads_as_its_display() {
        let payload = payload_of(|| raise(Lost(7)));
        assert_eq!(panic_message(payload.as_ref()), "item 7 was lost");
    }

    #[test]
    fn a_raised_value_is_kept_whole_beyond_its_panic() {
        let kept = Raised::of_panic(payload_of(|| raise(Lost(7))).as_ref()).expect("raised");
        assert_eq!(kept.get::<Lost>(), Some(&Lost(7)));
        assert_eq!(kept.to_string(), "item 7 was lost");
        assert_eq!(format!("{kept:?}"), "Raised(item 7 was lost)");
    }

    #[test]
    fn a_text_panic_reads_as_its_text_and_raised_nothing() {
        let payload = payload_of(|| panic!("plain {}", "words"));
        assert_eq!(panic_message(payload.as_ref()), "plain words");
        assert_eq!(raised::<Lost>(payload.as_ref()), None);
        assert!(Raised::of_panic(payload.as_ref()).is_none());
    }
}
