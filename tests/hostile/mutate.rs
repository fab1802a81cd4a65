//! Mutations of a file's bytes, as proptest strategies: byte flips, truncation, deleted,
//! duplicated and swapped ranges, inserted garbage, NUL and control characters, terminal escape
//! sequences placed where values start, and re-encodings (UTF-16 with and without a BOM,
//! Latin-1, a UTF-8 BOM). A zip-based seed (xlsx, ods) is mutated either as raw bytes or inside
//! one of its members, which is then zipped again, so that the reader gets past the zip layer.

use std::io::{Read, Write};

use proptest::prelude::*;

/// Terminal escape sequences and other text that must never reach a terminal as it is: clear
/// screen, set the window title, a cursor report request, a C1 CSI, a bidi override, OSC 52
/// (write the clipboard).
pub const ESCAPES: [&str; 7] = [
    "\u{1b}[2J\u{1b}[H",
    "\u{1b}]0;owned\u{7}",
    "\u{1b}[6n",
    "\u{9b}31m",
    "\u{202e}evil",
    "\u{1b}]52;c;aGk=\u{7}",
    "\u{1b}P+q544e\u{1b}\\",
];

/// One change to a byte string. Positions and lengths are taken modulo the length of the
/// bytes at the time the mutation is applied, so any value is valid for any input.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// XOR one byte with `mask` (never 0).
    Flip { at: usize, mask: u8 },
    /// Keep only the first `at` bytes.
    Truncate { at: usize },
    /// Remove `len` bytes (at most 4 KiB) at `at`.
    Delete { at: usize, len: usize },
    /// Copy `len` bytes from `at` and insert them at `to`.
    Duplicate { at: usize, len: usize, to: usize },
    /// Exchange two ranges of `len` bytes.
    Swap { a: usize, b: usize, len: usize },
    /// Insert arbitrary bytes.
    Insert { at: usize, bytes: Vec<u8> },
    /// Insert a NUL, C0, DEL or (UTF-8 encoded) C1 control character where a value starts.
    Control { nth: usize, ch: char },
    /// Insert one of [`ESCAPES`] where a value starts.
    Escape { nth: usize, which: usize },
    /// Re-encode the whole text.
    Recode(Encoding),
}

/// A re-encoding of text (invalid UTF-8 is first read lossily).
#[derive(Debug, Clone, Copy)]
pub enum Encoding {
    /// UTF-16 little-endian with a BOM (what Windows Notepad writes as "Unicode").
    Utf16LeBom,
    /// UTF-16 big-endian with a BOM.
    Utf16BeBom,
    /// UTF-16 little-endian without a BOM.
    Utf16Le,
    /// Latin-1: characters above U+00FF become `?`.
    Latin1,
    /// A UTF-8 BOM in front.
    Utf8Bom,
    /// Two UTF-8 BOMs in front.
    DoubleBom,
}

/// Where a value starts in text formats: after `="`, `": "`, `":"`, `>`, `,` and a line break.
const VALUE_STARTS: [&[u8]; 6] = [b"=\"", b": \"", b"\":\"", b">", b",", b"\n"];

fn value_start(bytes: &[u8], nth: usize) -> usize {
    let mut starts = Vec::new();
    for marker in VALUE_STARTS {
        let mut i = 0;
        while i + marker.len() <= bytes.len() {
            if &bytes[i..i + marker.len()] == marker {
                starts.push(i + marker.len());
                i += marker.len();
            } else {
                i += 1;
            }
            if starts.len() > 100_000 {
                break;
            }
        }
    }
    if starts.is_empty() {
        return if bytes.is_empty() {
            0
        } else {
            nth % bytes.len()
        };
    }
    starts.sort_unstable();
    starts[nth % starts.len()]
}

fn pos(at: usize, len: usize) -> usize {
    if len == 0 { 0 } else { at % (len + 1) }
}

impl Mutation {
    /// Applies the mutation.
    pub fn apply(&self, bytes: &mut Vec<u8>) {
        let n = bytes.len();
        match self {
            Mutation::Flip { at, mask } => {
                if n > 0 {
                    bytes[at % n] ^= *mask;
                }
            }
            Mutation::Truncate { at } => bytes.truncate(pos(*at, n)),
            Mutation::Delete { at, len } => {
                let start = pos(*at, n);
                let end = (start + len % 4096).min(n);
                bytes.drain(start..end);
            }
            Mutation::Duplicate { at, len, to } => {
                let start = pos(*at, n);
                let end = (start + len % 4096).min(n);
                let copy = bytes[start..end].to_vec();
                let to = pos(*to, n);
                bytes.splice(to..to, copy);
            }
            Mutation::Swap { a, b, len } => {
                if n == 0 {
                    return;
                }
                let len = (len % 1024).min(n / 2);
                let (mut a, mut b) = (a % (n - len + 1), b % (n - len + 1));
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                if a + len <= b {
                    let first = bytes[a..a + len].to_vec();
                    let second = bytes[b..b + len].to_vec();
                    bytes[a..a + len].copy_from_slice(&second);
                    bytes[b..b + len].copy_from_slice(&first);
                }
            }
            Mutation::Insert { at, bytes: garbage } => {
                let at = pos(*at, n);
                bytes.splice(at..at, garbage.iter().copied());
            }
            Mutation::Control { nth, ch } => {
                let at = value_start(bytes, *nth);
                let mut buf = [0u8; 4];
                let enc = ch.encode_utf8(&mut buf).as_bytes().to_vec();
                bytes.splice(at..at, enc);
            }
            Mutation::Escape { nth, which } => {
                let at = value_start(bytes, *nth);
                let seq = ESCAPES[which % ESCAPES.len()].as_bytes().to_vec();
                bytes.splice(at..at, seq);
            }
            Mutation::Recode(e) => *bytes = recode(bytes, *e),
        }
    }
}

/// `bytes` re-encoded.
pub fn recode(bytes: &[u8], e: Encoding) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let utf16 = |big: bool, bom: bool| -> Vec<u8> {
        let units = (if bom { Some(0xFEFFu16) } else { None })
            .into_iter()
            .chain(text.encode_utf16());
        units
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    };
    match e {
        Encoding::Utf16LeBom => utf16(false, true),
        Encoding::Utf16BeBom => utf16(true, true),
        Encoding::Utf16Le => utf16(false, false),
        Encoding::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), bytes].concat(),
        Encoding::DoubleBom => [b"\xEF\xBB\xBF\xEF\xBB\xBF".as_slice(), bytes].concat(),
    }
}

fn control_char() -> impl Strategy<Value = char> {
    prop_oneof![
        Just('\0'),
        (1u8..0x20).prop_map(char::from),
        Just('\u{7f}'),
        (0x80u32..0xA0).prop_map(|c| char::from_u32(c).unwrap_or('\u{85}')),
        Just('\u{feff}'),
        Just('\u{fffe}'),
    ]
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Utf16LeBom),
        Just(Encoding::Utf16BeBom),
        Just(Encoding::Utf16Le),
        Just(Encoding::Latin1),
        Just(Encoding::Utf8Bom),
        Just(Encoding::DoubleBom),
    ]
}

/// One mutation of any kind.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        4 => (at, 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        2 => at.prop_map(|at| Mutation::Truncate { at }),
        2 => (at, any::<usize>()).prop_map(|(at, len)| Mutation::Delete { at, len }),
        2 => (at, any::<usize>(), any::<usize>())
            .prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
        1 => (at, any::<usize>(), any::<usize>())
            .prop_map(|(a, b, len)| Mutation::Swap { a, b, len }),
        2 => (at, prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        3 => (any::<usize>(), control_char()).prop_map(|(nth, ch)| Mutation::Control { nth, ch }),
        3 => (any::<usize>(), any::<usize>())
            .prop_map(|(nth, which)| Mutation::Escape { nth, which }),
        1 => encoding().prop_map(Mutation::Recode),
    ]
}

/// One to four mutations, applied in order.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..=4)
}

/// `seed` with `muts` applied.
pub fn mutated(seed: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for m in muts {
        m.apply(&mut bytes);
    }
    bytes
}

/// The members of a zip archive (name, bytes), in order; `None` when it is no readable zip.
pub fn unzip(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).ok()?;
        let mut data = Vec::new();
        f.read_to_end(&mut data).ok()?;
        members.push((f.name().to_string(), data));
    }
    Some(members)
}

/// A zip archive of `members`, deflated (an ods `mimetype` stored, first, as ODF wants).
pub fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let method = if name == "mimetype" || data.len() < 64 {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        if w.start_file(name.as_str(), opts).is_err() || w.write_all(data).is_err() {
            return Vec::new();
        }
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// `seed` (a zip) with `muts` applied to its member number `member` (modulo the number of XML
/// members); the seed itself mutated when it is no zip.
pub fn mutated_member(seed: &[u8], member: usize, muts: &[Mutation]) -> Vec<u8> {
    let Some(mut members) = unzip(seed) else {
        return mutated(seed, muts);
    };
    let xml: Vec<usize> = members
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| name.ends_with(".xml") || name.ends_with(".rels"))
        .map(|(i, _)| i)
        .collect();
    if xml.is_empty() {
        return mutated(seed, muts);
    }
    let i = xml[member % xml.len()];
    for m in muts {
        m.apply(&mut members[i].1);
    }
    zip_of(&members)
}

/// A zip archive of `members` in which the member named `bomb` holds 16 MiB of `<row/>`
/// (about 1000:1 under deflate). The deflated bomb is made once and copied raw, because
/// deflating 16 MiB in a debug build takes seconds.
pub fn zip_with_bomb(members: &[(String, Vec<u8>)], bomb: &str) -> Vec<u8> {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let source = BOMB
        .get_or_init(|| zip_of(&[("bomb".to_string(), b"<row/>".repeat(16 * 1024 * 1024 / 6))]));
    let Ok(mut from) = zip::ZipArchive::new(std::io::Cursor::new(source.as_slice())) else {
        return Vec::new();
    };
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        if name == bomb {
            let Ok(raw) = from.by_index_raw(0) else {
                return Vec::new();
            };
            if w.raw_copy_file_rename(raw, name.as_str()).is_err() {
                return Vec::new();
            }
            continue;
        }
        let method = if name == "mimetype" || data.len() < 64 {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        if w.start_file(name.as_str(), opts).is_err() || w.write_all(data).is_err() {
            return Vec::new();
        }
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A change to a parsed JSON document, at its node number `nth` (depth-first, modulo the
/// number of nodes): replace it with `with`, remove it from its parent, or duplicate it in its
/// parent array (or, in an object, under the key `with` names when `with` is a string).
#[derive(Debug, Clone)]
pub enum TreeMutation {
    /// Replace the node.
    Replace { nth: usize, with: serde_json::Value },
    /// Remove the node.
    Remove { nth: usize },
    /// Duplicate the node 1 to 3 times.
    Duplicate { nth: usize, times: u8 },
}

fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    if out.len() >= 200_000 {
        return;
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

impl TreeMutation {
    /// Applies the mutation.
    pub fn apply(&self, doc: &mut serde_json::Value) {
        let mut all = Vec::new();
        pointers(doc, String::new(), &mut all);
        let nth = match self {
            TreeMutation::Replace { nth, .. }
            | TreeMutation::Remove { nth }
            | TreeMutation::Duplicate { nth, .. } => *nth,
        };
        let ptr = all[nth % all.len()].clone();
        let (parent, last) = match ptr.rfind('/') {
            Some(i) => (
                ptr[..i].to_string(),
                ptr[i + 1..].replace("~1", "/").replace("~0", "~"),
            ),
            None => (String::new(), String::new()),
        };
        match self {
            TreeMutation::Replace { with, .. } => {
                if let Some(node) = doc.pointer_mut(&ptr) {
                    *node = with.clone();
                }
            }
            TreeMutation::Remove { .. } => match doc.pointer_mut(&parent) {
                Some(serde_json::Value::Object(m)) => {
                    m.remove(&last);
                }
                Some(serde_json::Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < a.len()
                    {
                        a.remove(i);
                    }
                }
                _ => {}
            },
            TreeMutation::Duplicate { times, .. } => {
                let node = doc.pointer(&ptr).cloned();
                if let (Some(node), Some(serde_json::Value::Array(a))) =
                    (node, doc.pointer_mut(&parent))
                {
                    for _ in 0..(*times % 3) + 1 {
                        a.push(node.clone());
                    }
                }
            }
        }
    }
}

/// One to three tree mutations, with replacement values from `values`.
pub fn tree_mutations(
    values: impl Strategy<Value = serde_json::Value>,
) -> impl Strategy<Value = Vec<TreeMutation>> {
    let one = prop_oneof![
        5 => (any::<usize>(), values).prop_map(|(nth, with)| TreeMutation::Replace { nth, with }),
        2 => any::<usize>().prop_map(|nth| TreeMutation::Remove { nth }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(nth, times)| TreeMutation::Duplicate { nth, times }),
    ];
    prop::collection::vec(one, 1..=3)
}

/// `seed` parsed as JSON, mutated and written again (compact or pretty); the seed unchanged
/// when it is no JSON.
pub fn mutated_tree(seed: &[u8], muts: &[TreeMutation], pretty: bool) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(seed) else {
        return seed.to_vec();
    };
    for m in muts {
        m.apply(&mut doc);
    }
    if pretty {
        serde_json::to_vec_pretty(&doc).unwrap_or_default()
    } else {
        serde_json::to_vec(&doc).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_apply_to_empty_and_short_input() {
        let all = [
            Mutation::Flip { at: 9, mask: 1 },
            Mutation::Truncate { at: 3 },
            Mutation::Delete { at: 1, len: 9 },
            Mutation::Duplicate {
                at: 0,
                len: 5,
                to: 2,
            },
            Mutation::Swap { a: 0, b: 3, len: 2 },
            Mutation::Insert {
                at: 7,
                bytes: vec![0],
            },
            Mutation::Control { nth: 2, ch: '\0' },
            Mutation::Escape { nth: 1, which: 0 },
            Mutation::Recode(Encoding::Utf16LeBom),
        ];
        for m in &all {
            let mut empty = Vec::new();
            m.apply(&mut empty);
            let mut short = b"a=\"b\">c,d".to_vec();
            m.apply(&mut short);
        }
        assert_eq!(recode(b"\xC3\xA9", Encoding::Latin1), vec![0xE9]);
        assert_eq!(
            mutated(b"<a x=\"1\"/>", &[Mutation::Escape { nth: 0, which: 2 }]),
            b"<a x=\"\x1b[6n1\"/>".to_vec()
        );
    }
}
