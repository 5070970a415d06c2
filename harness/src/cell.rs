//! `std::cell::UnsafeCell`, in the shape loom gives it (tokio's shim has
//! the same): `with` reaches the data by a `*const T` to read it, and
//! `with_mut` by a `*mut T` to write it, so that each access has a
//! beginning a model can check. In a build without the `model` feature it
//! is std's cell behind a transparent wrapper whose methods are `get`;
//! under it, loom and shuttle's engines fail a run at an access that
//! races another (`check::DataRace`).

#[cfg(feature = "model")]
pub use crate::model::cell::UnsafeCell;

#[cfg(not(feature = "model"))]
pub use plain::UnsafeCell;

#[cfg(not(feature = "model"))]
mod plain {
    /// A cell whose data is reached by raw pointer: std's, with loom's
    /// methods.
    #[derive(Debug, Default)]
    #[repr(transparent)]
    pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A cell holding `value`.
        #[inline]
        pub const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Calls `f` with a pointer to read the data through.
        #[inline]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a pointer to write the data through.
        #[inline]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// The data, which `&mut self` proves nobody else reaches.
        #[inline]
        pub fn get_mut(&mut self) -> &mut T {
            self.0.get_mut()
        }

        /// The data, consuming the cell.
        #[inline]
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T> From<T> for UnsafeCell<T> {
        #[inline]
        fn from(value: T) -> UnsafeCell<T> {
            UnsafeCell::new(value)
        }
    }
}
