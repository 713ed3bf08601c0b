//! Finding and loading the GeoIP database `iplocation` uses.
//!
//! `--geoip PATH` (a `.mmdb` file or a directory of them) wins; then `$TRIPLINE_GEOIP`, which when
//! set is the only place looked at; otherwise the first of these that holds `.mmdb` files:
//! `$XDG_DATA_HOME/tripline/geoip`, `~/.local/share/tripline/geoip` (where `scripts/fetch-geoip`
//! puts DB-IP City Lite), `/usr/local/share/tripline/geoip`, `/usr/share/GeoIP`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tripline_engine::geoip::{GeoIp, MmdbGeoIp};

/// The directories searched when no `--geoip` is given, in order.
pub(crate) fn default_dirs() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("TRIPLINE_GEOIP") {
        return vec![PathBuf::from(p)];
    }
    let mut dirs = Vec::new();
    if let Some(p) = std::env::var_os("XDG_DATA_HOME") {
        dirs.push(PathBuf::from(p).join("tripline/geoip"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".local/share/tripline/geoip"));
    }
    dirs.push(PathBuf::from("/usr/local/share/tripline/geoip"));
    dirs.push(PathBuf::from("/usr/share/GeoIP"));
    dirs
}

/// The `.mmdb` files at `path` (itself, or those directly in it, sorted).
fn mmdb_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("mmdb")))
        .collect();
    files.sort();
    files
}

/// Load the database: from `explicit` paths if any were given (an error if they hold none), else
/// from the first default directory with `.mmdb` files (`None` if there is none).
///
/// # Errors
/// A named path holds no database, or a file is not a MaxMind DB.
pub(crate) fn load(explicit: &[PathBuf]) -> anyhow::Result<Option<Arc<dyn GeoIp>>> {
    let files: Vec<PathBuf> = if explicit.is_empty() {
        default_dirs()
            .iter()
            .map(|d| mmdb_files(d))
            .find(|f| !f.is_empty())
            .unwrap_or_default()
    } else {
        let mut files = Vec::new();
        for p in explicit {
            let found = mmdb_files(p);
            anyhow::ensure!(!found.is_empty(), "--geoip {}: no .mmdb database there", p.display());
            files.extend(found);
        }
        files
    };
    if files.is_empty() {
        return Ok(None);
    }
    let mut db = MmdbGeoIp::new();
    for f in &files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        db.add(bytes)
            .with_context(|| format!("{}: not a MaxMind DB file", f.display()))?;
    }
    Ok(Some(Arc::new(db)))
}

/// The warning printed once when a search uses `iplocation` and no database was found.
pub(crate) fn missing_warning() -> String {
    format!(
        "warning: this search uses iplocation, but no GeoIP database was found (looked in {}).\n\
         iplocation adds no fields without one, so every address counts as having no location: \
         `stats ... BY Country City` drops those events and allow-lists on Country match nothing.\n\
         {FETCH_HINT}",
        looked_in()
    )
}

/// The warning printed once by `hunt` when rules use `iplocation` and no database was found.
pub(crate) fn missing_warning_for_rules(rules: &[&str]) -> String {
    format!(
        "warning: no GeoIP database was found (looked in {}), so addresses have no location in: {}.\n\
         {FETCH_HINT}",
        looked_in(),
        rules.join(", ")
    )
}

const FETCH_HINT: &str = "Run scripts/fetch-geoip to install DB-IP City Lite, or pass --geoip PATH.";

fn looked_in() -> String {
    let looked: Vec<String> = default_dirs().iter().map(|d| d.display().to_string()).collect();
    looked.join(", ")
}
