//! The input limits a file is read under (PRODUCT.md, "Input limits").

/// The limits applied while reading a file. [`Limits::default`] holds the values of PRODUCT.md
/// ("Input limits"); tests and special callers may tighten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (512 MiB).
    pub max_file_bytes: u64,
    /// Largest total uncompressed size of a zip-based file's members (1 GiB).
    pub max_uncompressed_bytes: u64,
    /// Largest uncompressed ÷ compressed ratio of one zip member (100).
    pub max_ratio: u64,
    /// Members smaller than this (uncompressed) are not ratio-checked: they cannot be bombs,
    /// and tiny repetitive XML parts legitimately compress very well (1 MiB).
    pub ratio_min_bytes: u64,
    /// Most members in a zip-based file (10,000).
    pub max_members: usize,
    /// Deepest XML element nesting accepted in any member (100).
    pub max_xml_depth: usize,
    /// Longest text cell, in characters (32,767, Excel's own limit).
    pub max_text_chars: usize,
    /// Last row (1-based) that may hold a value (2,000,000).
    pub max_rows: usize,
    /// Number of columns that may hold a value (16,384, i.e. up to `XFD`).
    pub max_cols: usize,
    /// Most non-empty cells kept from one sheet or CSV file (10,000,000).
    pub max_cells: usize,
    /// Most cells an ods sheet may span (rows × columns of its values' bounding box), because
    /// calamine expands ods sheets densely (5,000,000).
    pub max_dense_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 * 1024 * 1024,
            max_uncompressed_bytes: 1024 * 1024 * 1024,
            max_ratio: 100,
            ratio_min_bytes: 1024 * 1024,
            max_members: 10_000,
            max_xml_depth: 100,
            max_text_chars: 32_767,
            max_rows: 2_000_000,
            max_cols: 16_384,
            max_cells: 10_000_000,
            max_dense_cells: 5_000_000,
        }
    }
}
