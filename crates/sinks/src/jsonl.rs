//! JSON Lines: each finding in its own layout (`docs/findings.md`), one per line.

use std::io::Write;

use tripline_content::Finding;

use crate::{SinkError, write_line};

/// Write `finding` as one JSON object followed by a newline.
///
/// # Errors
///
/// [`SinkError::Io`] when `out` fails.
pub fn write(finding: &Finding, out: &mut dyn Write) -> Result<(), SinkError> {
    write_line(finding, out)
}
