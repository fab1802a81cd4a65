//! medsec: an offline, keyboard-driven medical device security risk assessment in one encrypted
//! workbook file.
//!
//! The library holds everything that is not drawing: the catalog, devices, the encrypted
//! workbook, importers and exporters. The TUI (`tui`) and the CLI (`cli`) are thin front ends.
#![forbid(unsafe_code)]

pub mod assessment;
pub mod catalog;
pub mod cli;
pub mod demo;
pub mod device;
pub mod evidence;
pub mod export;
pub mod import;
pub mod mds2;
pub mod panic_guard;
pub mod progress;
pub mod report;
pub mod risk;
pub mod tui;
pub mod vuln;
pub mod workbook;
