//! The hook the simulation harness plants bugs through, compiled only with
//! the non-default `planted-bugs` feature (without it, `planted!` is the
//! literal `false` and there is no hook at all).
//!
//! A [`Plant`] names one plant site: a place in the store that misbehaves,
//! on purpose, when the plant names it (`planted!(shared, "close-skips-drain")`).
//! The store knows only its sites, by name; what each bug is, where it
//! shows and which oracle catches it is the harness's catalogue.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A planted bug: the plant site that misbehaves. Clones share one closing
/// flag, which the site `state-shared-between-stores` uses in place of each
/// store's own: that bug is precisely state shared between stores.
#[derive(Clone, Debug)]
pub struct Plant {
    site: &'static str,
    shared_closing: Arc<AtomicBool>,
}

impl Plant {
    /// A plant of the site named `site`.
    pub fn at(site: &'static str) -> Plant {
        Plant {
            site,
            shared_closing: Arc::default(),
        }
    }

    /// The site's name.
    pub fn site(&self) -> &'static str {
        self.site
    }

    /// The closing flag every store planted with a clone of this plant shares.
    pub(crate) fn shared_closing(&self) -> &AtomicBool {
        &self.shared_closing
    }
}

impl PartialEq for Plant {
    fn eq(&self, other: &Plant) -> bool {
        self.site == other.site
    }
}

impl Eq for Plant {}

/// Whether `$shared` (anything with a `plant: Option<Plant>` field) plants
/// the site named `$site`.
macro_rules! planted {
    ($shared:expr, $site:literal) => {
        $shared
            .plant
            .as_ref()
            .is_some_and(|plant| plant.site() == $site)
    };
}

pub(crate) use planted;
