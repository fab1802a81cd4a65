//! File sizes as people read and type them. Every unit is binary: `KB`, `MB`, `GB` (and `KiB`,
//! `MiB`, `GiB`, `K`, `M`, `G`) mean 1,024, 1,024² and 1,024³ bytes, so the default evidence
//! limit "25 MB" is 25 × 1,024 × 1,024 = 26,214,400 bytes.

/// Bytes in a KiB, MiB and GiB.
const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];

/// A size for people: `812 bytes`, `14.2 KiB`, `3.5 MiB`, `25 MiB` (one decimal, dropped when
/// it is zero).
pub fn format_size(bytes: u64) -> String {
    for (unit, size) in UNITS {
        if bytes >= size {
            let tenths = (bytes * 10 + size / 2) / size;
            return if tenths.is_multiple_of(10) {
                format!("{} {unit}", tenths / 10)
            } else {
                format!("{}.{} {unit}", tenths / 10, tenths % 10)
            };
        }
    }
    if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

/// A number of bytes with thousands separators: `26,214,400 bytes`.
pub fn format_bytes(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 6);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(if bytes == 1 { " byte" } else { " bytes" });
    out
}

/// A size with its exact number of bytes: `25 MiB (26,214,400 bytes)`; below 1 KiB only the
/// bytes (`812 bytes`).
pub fn format_size_exact(bytes: u64) -> String {
    if bytes < 1024 {
        format_bytes(bytes)
    } else {
        format!("{} ({})", format_size(bytes), format_bytes(bytes))
    }
}

/// Parses a size typed by a person: a whole or decimal number, optionally followed by a unit
/// (`B`, `K`, `KB`, `KiB`, `M`, `MB`, `MiB`, `G`, `GB`, `GiB`, any case, a space allowed), all
/// binary (see the module documentation). `Err` says what is wrong.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number = number.replace(',', "");
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?} (use bytes, KB, MB or GB; all are binary, 1 MB = 1,048,576 bytes)"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?}: not a size (e.g. 25MB, 500KB, 1048576)"))?;
    let bytes = (value * factor as f64).round();
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("{text:?}: not a size of at least 1 byte"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(1), "1 byte");
        assert_eq!(format_size(1023), "1023 bytes");
        assert_eq!(format_size(1024), "1 KiB");
        assert_eq!(format_size(14_540), "14.2 KiB");
        assert_eq!(format_size(25 * 1024 * 1024), "25 MiB");
        assert_eq!(format_size(3_670_016), "3.5 MiB");
        assert_eq!(format_size(5 << 30), "5 GiB");
        assert_eq!(format_bytes(26_214_400), "26,214,400 bytes");
        assert_eq!(format_bytes(999), "999 bytes");
        assert_eq!(format_bytes(1), "1 byte");
        assert_eq!(format_size_exact(812), "812 bytes");
        assert_eq!(format_size_exact(26_214_400), "25 MiB (26,214,400 bytes)");
    }

    #[test]
    fn typed_sizes_are_binary() {
        assert_eq!(parse_size("25MB"), Ok(26_214_400));
        assert_eq!(parse_size("25 MiB"), Ok(26_214_400));
        assert_eq!(parse_size("0.5 gb"), Ok(1 << 29));
        assert_eq!(parse_size("500k"), Ok(512_000));
        assert_eq!(parse_size("1,048,576"), Ok(1_048_576));
        assert_eq!(parse_size("10 bytes"), Ok(10));
        for bad in ["", "MB", "25 TB", "-3MB", "0", "1.2.3", "ten"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
