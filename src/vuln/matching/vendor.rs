//! Vendor names as devices, advisories, CPEs and KEV write them, reduced to keys that are equal
//! when the names mean the same company.
//!
//! [`vendor_keys`] applies, in order:
//! 1. Mojibake repair: text that is UTF-8 read as Latin-1 (`Innokas YhtymÃ¤ Oy`) is decoded
//!    again (the feed readers repair it too; doing it here costs nothing).
//! 2. Lists: `ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River` names five
//!    vendors; a name in parentheses (`Becton, Dickinson and Company (BD)`) is one more name of
//!    the same vendor. Each gives its own key.
//! 3. Case and accents folded (`Dräger` → `drager`, `ß` → `ss`), `&` read as `and`, every other
//!    character that is not a letter or digit is a word break (`B. Braun` → `b braun`,
//!    `general_electric` → `general electric`); a run of single letters is one word (`N.V.`).
//! 4. Legal-form words dropped wherever they stand (`inc`, `corp`, `ltd`, `llc`, `gmbh`, `ag`,
//!    `oy`, `plc`, `sa`, `bv`, `e.V.`, `co`, `company`, …) and trailing descriptive words dropped when
//!    a name is left (`healthcare`, `healthineers`, `medical`, `systems`, `software`, `group`,
//!    `international`, `technologies`): `GE Healthcare` → `ge`, `Baxter Healthcare
//!    Corporation` → `baxter`, `Siemens Healthineers AG` → `siemens`. Decided so because
//!    advisories name the same maker with and without those words; a maker whose name is only
//!    such a word keeps it.
//! 5. Words joined without spaces (`b braun` → `bbraun`), then known other spellings mapped:
//!    `phillips` → `philips`, `draeger`/`draegerwerk`/`dragerwerk` → `drager`,
//!    `generalelectric`/`gehc` → `ge`, `bectondickinson` → `bd`, `bbraunmelsungen` → `bbraun`,
//!    `koninklijkephilips` → `philips`, `windriversystems` → `windriver`.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Legal-form words, dropped wherever they stand.
const LEGAL: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "lp",
    "llp",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "se",
    "oy",
    "oyj",
    "ab",
    "as",
    "asa",
    "sa",
    "sas",
    "srl",
    "spa",
    "bv",
    "nv",
    "plc",
    "pty",
    "pte",
    "kk",
    "ltda",
    "ev",
    "the",
];

/// Descriptive words dropped from the end of a name when another word is left.
const DESCRIPTIVE: &[&str] = &[
    "healthcare",
    "healthineers",
    "health",
    "medical",
    "systems",
    "software",
    "group",
    // Finnish "group" (`Innokas Yhtymä Oy` is Innokas)
    "yhtyma",
    "international",
    "technologies",
    "technology",
    "and",
];

/// Other spellings of the same maker, after joining: (spelling, key).
const ALIASES: &[(&str, &str)] = &[
    ("phillips", "philips"),
    ("koninklijkephilips", "philips"),
    ("philipsmedical", "philips"),
    ("draeger", "drager"),
    ("draegerwerk", "drager"),
    ("dragerwerk", "drager"),
    ("generalelectric", "ge"),
    ("gehc", "ge"),
    ("gemedical", "ge"),
    ("bectondickinson", "bd"),
    ("becton", "bd"),
    ("bectondickinsonandcompany", "bd"),
    ("bbraunmelsungen", "bbraun"),
    ("braun", "bbraun"),
    ("windriversystems", "windriver"),
    ("siemensmedical", "siemens"),
    ("carefusion", "bd"),
];

/// Repairs UTF-8 that was read as Latin-1 (`YhtymÃ¤` → `Yhtymä`); other text unchanged.
pub fn repair_mojibake(text: &str) -> String {
    if !text.contains(['Ã', 'Â']) || text.chars().any(|c| u32::from(c) > 0xFF) {
        return text.to_string();
    }
    let bytes: Vec<u8> = text.chars().map(|c| u32::from(c) as u8).collect();
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => text.to_string(),
    }
}

/// Lower case, accents removed, `ß` → `ss`, `&` → ` and `, `+` → ` plus `, every other
/// non-alphanumeric character a space; then split into words.
pub fn fold_words(text: &str) -> Vec<String> {
    let text = repair_mojibake(text);
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            '&' => out.push_str(" and "),
            '+' => out.push_str(" plus "),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().map(str::to_string).collect()
}

/// The key of one vendor name (no list splitting); empty when nothing is left.
fn one_key(name: &str) -> String {
    key_and_alias(name).0
}

/// The key, and whether it came from the alias table.
fn key_and_alias(name: &str) -> (String, bool) {
    // Runs of single letters are one word: `N.V.` → `nv`, `S.p.A.` → `spa`.
    let mut merged: Vec<String> = Vec::new();
    let mut last_single = false;
    for w in fold_words(name) {
        let single = w.chars().count() == 1;
        match merged.last_mut() {
            Some(prev) if single && last_single => prev.push_str(&w),
            _ => merged.push(w),
        }
        last_single = single;
    }
    let mut words: Vec<String> = merged
        .into_iter()
        .filter(|w| !LEGAL.contains(&w.as_str()))
        .collect();
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| DESCRIPTIVE.contains(&w.as_str()))
    {
        words.pop();
    }
    let joined: String = words.concat();
    match ALIASES.iter().find(|(from, _)| *from == joined) {
        Some((_, to)) => ((*to).to_string(), true),
        None => (joined, false),
    }
}

/// The vendor key of one already folded word (see [`fold_words`]): the word itself, its alias
/// (`phillips` → `philips`), or empty for a legal-form word. Cheaper than [`vendor_keys`] for
/// checking each word of a product name.
pub fn word_key(word: &str) -> &str {
    if LEGAL.contains(&word) {
        return "";
    }
    ALIASES
        .iter()
        .find(|(from, _)| *from == word)
        .map(|(_, to)| *to)
        .unwrap_or(word)
}

/// Every key a vendor name stands for (see the module comment): one for a plain name, one per
/// listed vendor and per parenthesised other name. Empty for an empty name.
pub fn vendor_keys(name: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let name = repair_mojibake(name);
    let mut rest = name.clone();
    // Parenthesised other names.
    while let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) {
        if close < open {
            break;
        }
        let inner = rest[open + 1..close].to_string();
        let k = one_key(&inner);
        if !k.is_empty() {
            keys.insert(k);
        }
        rest = format!("{} {}", &rest[..open], &rest[close + 1..]);
    }
    let (whole, aliased) = key_and_alias(&rest);
    if !whole.is_empty() {
        keys.insert(whole);
    }
    // A list of vendors: `A, B, and C`, `A and B`, `A / B` (not a known name with a comma,
    // such as `Becton, Dickinson and Company`).
    let lower = rest.to_lowercase();
    if !aliased && (lower.contains(',') || lower.contains(" and ") || lower.contains('/')) {
        for part in lower.split([',', '/']) {
            for piece in part.split(" and ") {
                let k = one_key(piece);
                if !k.is_empty() && k != "and" {
                    keys.insert(k);
                }
            }
        }
    }
    keys
}

/// Whether two vendor names mean the same maker: they share a key. An empty name matches
/// nothing.
pub fn same_vendor(a: &str, b: &str) -> bool {
    let ka = vendor_keys(a);
    vendor_keys(b).iter().any(|k| ka.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_the_same_maker_are_the_same_vendor() {
        let same = [
            ("Dräger", "Drager"),
            ("Dräger", "Draeger"),
            ("Drägerwerk AG & Co. KGaA", "Dräger"),
            ("Phillips", "Philips"),
            ("Koninklijke Philips N.V.", "Philips"),
            ("Philips Healthcare", "philips"),
            ("Siemens Healthineers", "Siemens"),
            ("Siemens Healthineers AG", "SIEMENS"),
            ("GE Healthcare", "GE"),
            ("General Electric", "GE Healthcare"),
            ("general_electric", "GE"),
            ("B. Braun", "BBraun"),
            ("B. Braun Melsungen AG", "B Braun"),
            ("BD", "Becton Dickinson"),
            ("Becton, Dickinson and Company (BD)", "BD"),
            ("Becton, Dickinson and Company (BD)", "Becton Dickinson"),
            ("Baxter", "Baxter Healthcare"),
            ("Baxter Healthcare Corporation", "baxter"),
            ("Innokas YhtymÃ¤ Oy", "Innokas Yhtymä"),
            ("Innokas Yhtymä Oy", "innokas yhtyma"),
            ("Innokas Yhtymä Oy", "Innokas"),
            ("Medtronic plc", "Medtronic"),
            ("Medtronic, Inc.", "MEDTRONIC"),
            ("Fresenius Kabi", "fresenius_kabi"),
            ("OFFIS", "offis"),
            ("OFFIS e.V.", "offis"),
            (
                "ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River",
                "Wind River Systems",
            ),
            (
                "ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River",
                "windriver",
            ),
            (
                "ENEA, Green Hills Software, ITRON, IP Infusion, and Wind River",
                "Green Hills",
            ),
        ];
        for (a, b) in same {
            assert!(
                same_vendor(a, b),
                "{a} = {b}: {:?} {:?}",
                vendor_keys(a),
                vendor_keys(b)
            );
        }
    }

    #[test]
    fn different_makers_stay_different() {
        let different = [
            ("Philips", "Phillips 66 Company"),
            ("GE Healthcare", "Fresenius Kabi"),
            ("Baxter", "BD"),
            ("Siemens", "Siemens Energy"),
            ("Medtronic", "Medtronic MiniMed Korea"),
            ("", ""),
            ("Inc.", "Inc."),
        ];
        for (a, b) in different {
            assert!(
                !same_vendor(a, b),
                "{a} ≠ {b}: {:?} {:?}",
                vendor_keys(a),
                vendor_keys(b)
            );
        }
    }

    #[test]
    fn words_fold_accents_and_punctuation() {
        assert_eq!(
            fold_words("Dräger  Infinity-Delta"),
            ["drager", "infinity", "delta"]
        );
        assert_eq!(fold_words("Link+"), ["link", "plus"]);
        assert_eq!(repair_mojibake("YhtymÃ¤"), "Yhtymä");
        assert_eq!(
            repair_mojibake("Ã is fine when it is really Ã"),
            "Ã is fine when it is really Ã"
        );
    }
}
