//! Tripline's content model: detections, macros and the files they live in.
//!
//! This part of the crate loads rule files for `tripline lint` and friends:
//!
//! - [`discover`] finds the `.yml`/`.yaml`/`.spl` files under the paths a user names, and
//!   [`macro_dirs_for`] finds the `macros/` directories that belong with them.
//! - [`searches_from_yaml`] reads a detection's top-level `search:` into a [`SearchSource`], and
//!   [`search_from_spl_file`] takes a whole `.spl` file as one. A `SearchSource` keeps an
//!   [`OffsetMap`] from byte offsets in the search text (where SPL diagnostics point) to byte
//!   offsets in the file, for every YAML scalar style, and a [`LineIndex`] to turn those into
//!   [`LineCol`]s.
//! - [`load_macro_yaml`] reads one security_content macro file, and [`load_macros`] fills a
//!   [`MacroTable`](tripline_spl::MacroTable) from macro YAML files, `macros.conf` files and
//!   directories, reporting bad files in a [`MacroLoad`] without stopping.
//!
//! Every failure is a [`LoadError`] carrying its path and, where known, line and column.

mod builtin;
mod discover;
mod error;
mod lines;
mod macro_files;
mod offsets;
mod scalar;
mod search;
mod yaml;

pub use builtin::{BUILTIN_FILES, builtin_macros};
pub use discover::{Discovery, discover, macro_dirs_for};
pub use error::LoadError;
pub use lines::{LineCol, LineIndex};
pub use macro_files::{MacroLoad, load_macro_yaml, load_macros};
pub use offsets::OffsetMap;
pub use search::{SearchSource, search_from_spl_file, searches_from_yaml};
