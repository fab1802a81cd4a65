//! Small drawing pieces shared by the screens: aligned columns, the status line, the hint bar.

pub mod columns;
pub mod hint_bar;
pub mod message;
pub mod status_line;
pub mod text_field;
