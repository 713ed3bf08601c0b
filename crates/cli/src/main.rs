//! The `tripline` command-line tool.
fn main() {}
