//! The canonical cell text behind `sha256:<sheet>` in `_medsec` (described in [`super`]).

use rust_xlsxwriter::column_number_to_name;
use sha2::{Digest, Sha256};

/// The canonical text of a number: the shortest decimal that reads back to the same double.
pub fn number_text(n: f64) -> String {
    let mut s = String::new();
    push_number(&mut s, n);
    s
}

/// Appends [`number_text`] to a buffer.
pub(super) fn push_number(buf: &mut String, n: f64) {
    use std::fmt::Write;
    if n == 0.0 {
        // One spelling for 0 and -0.
        buf.push('0');
    } else {
        let _ = write!(buf, "{n}");
    }
}

/// The SHA-256 of a sheet's canonical cell text (see the module documentation for the form),
/// fed cell by cell in row-major order.
#[derive(Default)]
pub struct CellHasher {
    hasher: Sha256,
    buf: String,
    col_names: Vec<String>,
}

impl CellHasher {
    /// Adds one non-empty cell.
    pub fn add(&mut self, row: u32, col: u16, text: &str) {
        use std::fmt::Write;
        let c = usize::from(col);
        while self.col_names.len() <= c {
            let next = u16::try_from(self.col_names.len()).unwrap_or(u16::MAX);
            self.col_names.push(column_number_to_name(next));
        }
        self.buf.clear();
        let name = self.col_names.get(c).map_or("", String::as_str);
        let _ = write!(self.buf, "{name}{}\t{}\t", u64::from(row) + 1, text.len());
        self.hasher.update(self.buf.as_bytes());
        self.hasher.update(text.as_bytes());
        self.hasher.update(b"\n");
    }

    /// The hash, hex.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}
