//! Popups drawn over a screen; while one is open it takes the keys (its own keymap section).

pub mod help;
pub mod note;
