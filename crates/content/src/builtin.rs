//! The built-in rule pack, embedded at build time from `content/` (see `build.rs`).

use std::path::Path;

use tripline_spl::MacroTable;

use crate::{LoadError, load_macro_yaml};

include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// The built-in macro definitions (`content/macros/*.yml`), e.g. `kube_audit`.
///
/// # Errors
/// Never for the shipped pack (a test checks it); a broken embedded file is reported rather than
/// skipped so it cannot go unnoticed.
pub fn builtin_macros() -> Result<MacroTable, LoadError> {
    let mut table = MacroTable::new();
    for (path, text) in BUILTIN_FILES {
        if path.starts_with("macros/") && (path.ends_with(".yml") || path.ends_with(".yaml")) {
            let def = load_macro_yaml(Path::new(&format!("builtin:content/{path}")), text)?;
            table.insert(def);
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_macros_load() {
        let table = builtin_macros().unwrap();
        assert!(table.get("kube_audit", 0).is_some());
        assert!(table.get("security_content_ctime", 1).is_some());
        assert!(BUILTIN_FILES.iter().any(|(p, _)| p.starts_with("detections/")));
    }
}
