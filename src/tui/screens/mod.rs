//! The full-screen views: each file holds one screen's key handling and drawing.

pub mod checklist;
pub mod detail;
pub mod devices;
