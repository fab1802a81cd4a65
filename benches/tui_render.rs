//! Placeholder replaced by the TUI render benchmark.
fn main() {}
