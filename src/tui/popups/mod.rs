//! Popups drawn over a screen; while one is open it takes the keys (its own keymap section).

pub mod acceptance;
pub mod confirm;
pub mod filter;
pub mod form;
pub mod help;
pub mod history;
pub mod menu;
pub mod note;
pub mod palette;
pub mod picker;
pub mod rate;
