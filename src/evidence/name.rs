//! File names of evidence: the name kept with an attachment (the name as given, without folders
//! or control characters), and the names written into an evidence zip (safe on Windows, macOS
//! and Linux: no `..`, no absolute paths, no reserved characters or device names, unique within
//! their folder regardless of case).

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// Longest name kept, in bytes of UTF-8 (file systems allow 255; room is left for ` (2)`).
pub const NAME_BYTES: usize = 200;

/// The name used when nothing is left of the given one (`..`, only control characters).
pub const FALLBACK_NAME: &str = "attachment";

/// Characters that change how text is shown without being seen (bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark): a name such as `photo\u{202e}gpj.exe`
/// would otherwise show as `photoexe.jpg`.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The name kept with an attachment: the last component of `raw` (after the last `/` or `\`, so a
/// Windows path pasted on Linux works too), without control characters or invisible format
/// characters, in Unicode NFC, trimmed, at most [`NAME_BYTES`] bytes (cut before the extension,
/// which is kept); [`FALLBACK_NAME`] when nothing is left or the name is `.` or `..`.
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .nfc()
        .collect();
    let name = kept.trim();
    if name.is_empty() || name == "." || name == ".." {
        return FALLBACK_NAME.to_string();
    }
    shorten(name, NAME_BYTES)
}

/// `name` cut to at most `max` bytes on a character boundary, the extension (up to 16 bytes)
/// kept.
fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 16 => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    let room = max.saturating_sub(ext.len());
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem[..cut].trim_end())
}

/// Names Windows reserves for devices, whatever the extension (`CON.txt` is the console).
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// One component of a path inside an evidence zip, made from any text: cleaned as
/// [`clean_file_name`], then `< > : " / \ | ? *` become `_`, a leading `.` becomes `_` (no
/// hidden files, never `.` or `..`), trailing dots and spaces go (Windows drops them), and a
/// reserved device name (`CON`, `NUL`, `COM1`, …) gets a leading `_`.
pub fn zip_component(text: &str) -> String {
    // Separators are replaced, not split on: a model called "A/B" stays one folder.
    let flat: String = text
        .chars()
        .map(|c| if matches!(c, '/' | '\\') { '_' } else { c })
        .collect();
    let clean = clean_file_name(&flat);
    let mut out: String = clean
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    let trimmed = out.trim_end_matches(['.', ' ']).to_string();
    let mut out = if trimmed.is_empty() {
        "_".to_string()
    } else {
        trimmed
    };
    let stem = out.split('.').next().unwrap_or("").trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        out.insert(0, '_');
    }
    out
}

/// `name`, or `name (2)`, `name (3)`, … before the extension: the first not yet in `taken`
/// (compared case-insensitively, as Windows and macOS do), which it is then added to.
pub fn unique_name(taken: &mut HashSet<String>, name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    let mut candidate = name.to_string();
    let mut n = 1;
    while taken.contains(&candidate.to_lowercase()) {
        n += 1;
        candidate = format!("{stem} ({n}){ext}");
    }
    taken.insert(candidate.to_lowercase());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_and_control_characters() {
        assert_eq!(
            clean_file_name("/home/a/photos/IMG_0001.JPG"),
            "IMG_0001.JPG"
        );
        assert_eq!(
            clean_file_name(r"C:\Users\a\Desktop\letter.pdf"),
            "letter.pdf"
        );
        assert_eq!(clean_file_name("bad\nname\u{7}.txt"), "badname.txt");
        assert_eq!(clean_file_name("photo\u{202e}gpj.exe"), "photogpj.exe");
        assert_eq!(
            clean_file_name("  Dräger  settings.png "),
            "Dräger  settings.png"
        );
        // NFC: a decomposed ä becomes one character.
        assert_eq!(clean_file_name("Dra\u{308}ger.png"), "Dräger.png");
        for nothing in ["", "..", ".", "/", "dir/", "\u{1b}"] {
            assert_eq!(clean_file_name(nothing), FALLBACK_NAME, "{nothing:?}");
        }
        assert_eq!(clean_file_name("東芝 CT.jpg"), "東芝 CT.jpg");
    }

    #[test]
    fn long_names_are_cut_before_the_extension() {
        let long = format!("{}.jpeg", "東".repeat(100));
        let cut = clean_file_name(&long);
        assert!(cut.len() <= NAME_BYTES, "{}", cut.len());
        assert!(cut.ends_with(".jpeg"));
        assert!(cut.starts_with('東'));
    }

    #[test]
    fn zip_components_are_safe_everywhere() {
        assert_eq!(zip_component(".."), "attachment");
        assert_eq!(zip_component(".bashrc"), "_bashrc");
        assert_eq!(zip_component("a/b\\c"), "a_b_c");
        assert_eq!(zip_component("what?: <x>|\"y\"*"), "what__ _x___y__");
        assert_eq!(zip_component("name. . "), "name");
        assert_eq!(zip_component("CON"), "_CON");
        assert_eq!(zip_component("nul.txt"), "_nul.txt");
        assert_eq!(zip_component("console.txt"), "console.txt");
        assert_eq!(
            zip_component("MODEL:B. Braun/Space"),
            "MODEL_B. Braun_Space"
        );
        assert_eq!(zip_component("x\u{0}y"), "xy");
    }

    #[test]
    fn clashing_names_get_numbers_ignoring_case() {
        let mut taken = HashSet::new();
        assert_eq!(unique_name(&mut taken, "photo.jpg"), "photo.jpg");
        assert_eq!(unique_name(&mut taken, "Photo.JPG"), "Photo (2).JPG");
        assert_eq!(unique_name(&mut taken, "photo.jpg"), "photo (3).jpg");
        assert_eq!(unique_name(&mut taken, "README"), "README");
        assert_eq!(unique_name(&mut taken, "readme"), "readme (2)");
    }
}
