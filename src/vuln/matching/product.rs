//! Whether a device's model is the product an advisory names.
//!
//! The rule ([`ProductName::fit`]) works on tokens, never on substrings:
//! 1. Both names are folded like vendor names (case, accents, punctuation as word breaks); a
//!    `+` right after a letter or digit stays part of its token (`XR656+` → `xr656plus`, not
//!    `XR656`; `XR656 Plus` is the same); a word of up to three letters joins a number that follows it (`NM 750b` =
//!    `NM750b`, `MX 800` = `MX800`).
//! 2. Words that name the vendor (`Philips IntelliVue …`, `BD Alaris …`) and generic words
//!    (`patient`, `monitor`, `system`, `infusion`, `pump`, `software`, `firmware`, `model`,
//!    `series`, `the`, …) are dropped. Version-like tokens (`8.0.x`, `3.x`, `2.0/2.5`) are
//!    taken out of the product name as version hints ([`ProductName::version_hints`]).
//! 3. What is left splits into *model numbers* (tokens with a digit: `mx800`, `8015`,
//!    `35700bax`, `ct540`) and *words* (`intellivue`, `sigma`, `spectrum`). Model numbers in a
//!    product name may be a range (`MX400-MX850`, `MP2-MP90`: same letters, number in between)
//!    or a pattern (`IGS 5x0`: `x` stands for one digit).
//! 4. Fit:
//!    - both have model numbers: every model number of each side must be matched by one of the
//!      other side (`Optima CT580` never fits `Optima CT540` or `Optima CT580RT`). Then the
//!      words: one side's words within the other's (or one side has none) is a **model** fit;
//!      words that only overlap are a **family** fit (`Alaris 8015 PC Unit` against `Alaris
//!      Point-of-Care Unit (PCU) Model 8015`).
//!    - only the device has model numbers: the product names a line (`Alaris PC Unit`,
//!      `Spectrum Infusion System`, `IntelliVue Patient Monitors MX`); it fits as a **model**
//!      when all its words are among the device's (a word of up to three letters may be the
//!      letters of a device model number: `MX` ⊂ `MX800`).
//!    - only the product has model numbers: the device's model is vaguer than the advisory
//!      (`IntelliVue` against `IntelliVue X2`): a **family** fit when the device's words are
//!      among the product's.
//!    - neither has: the product's words within the device's is a **model** fit (`Sigma
//!      Spectrum` against `Spectrum Infusion System`); the device's words within the product's
//!      is a **family** fit (`Delta` against `Delta XL`).
//!
//!    A name left with no token after step 2 fits nothing.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::vendor::{fold_words, repair_mojibake, vendor_keys, word_key};

/// Words that say what kind of thing a product is, not which one.
const GENERIC: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "and",
    "with",
    "by",
    "all",
    "patient",
    "patients",
    "monitor",
    "monitors",
    "monitoring",
    "system",
    "systems",
    "infusion",
    "pump",
    "pumps",
    "device",
    "devices",
    "unit",
    "units",
    "software",
    "hardware",
    "firmware",
    "model",
    "models",
    "series",
    "version",
    "versions",
    "medical",
    "product",
    "products",
    "family",
    "based",
    "edition",
];

/// How well a device's model fits a product name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProductFit {
    /// The same product line, but the model is not settled (Low confidence).
    Family,
    /// The device's model is this product (Medium or High, by version).
    Model,
}

#[derive(Debug, Clone, PartialEq)]
enum ModelNumber {
    Exact(String),
    /// Same letters, number from `low` to `high` (`MX400-MX850`).
    Range {
        letters: String,
        low: u64,
        high: u64,
    },
    /// `x` stands for one digit (`igs5x0`).
    Pattern(String),
}

impl ModelNumber {
    fn matches(&self, device_token: &str) -> bool {
        match self {
            ModelNumber::Exact(t) => t == device_token,
            ModelNumber::Range { letters, low, high } => device_token
                .strip_prefix(letters.as_str())
                .and_then(|rest| rest.parse::<u64>().ok())
                .is_some_and(|n| (*low..=*high).contains(&n)),
            ModelNumber::Pattern(p) => {
                p.len() == device_token.len()
                    && p.chars()
                        .zip(device_token.chars())
                        .all(|(pc, dc)| pc == dc || (pc == 'x' && dc.is_ascii_digit()))
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Tokens {
    words: BTreeSet<String>,
    models: Vec<ModelNumber>,
}

impl Tokens {
    fn is_empty(&self) -> bool {
        self.words.is_empty() && self.models.is_empty()
    }
}

/// A product name (or a device's model) read into tokens, ready for [`ProductName::fit`].
#[derive(Debug, Clone)]
pub struct ProductName {
    alternatives: Vec<Tokens>,
    hints: Vec<String>,
}

static RANGE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)\b([a-z]{1,4})(\d+)\s*-\s*([a-z]{1,4})(\d+)\b"));
static VERSION_HINT: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)(?:^|[\s/(])v?(\d+(?:\.(?:\d+|x|\*))+)(?:$|[\s/)])"));
static PLUS: LazyLock<Regex> = LazyLock::new(|| pattern(r"([A-Za-z0-9])\+"));

#[allow(clippy::expect_used)]
fn pattern(p: &str) -> Regex {
    // Constant patterns of this file; the tests compile every one.
    Regex::new(p).expect("constant pattern")
}

impl ProductName {
    /// Reads a name. `vendor` is the maker's name as written (its words are dropped from the
    /// product name); empty when unknown. A CPE product (`minimed_paradigm_523_firmware`)
    /// reads the same way once underscores are word breaks.
    pub fn new(name: &str, vendor: &str) -> ProductName {
        let name = repair_mojibake(name);
        let vendor_keys = vendor_keys(vendor);
        let mut hints = Vec::new();
        // Version hints (`IntelliSpace Portal 8.0.x`, `eNTEGRA 2.0/2.5`), taken out.
        let mut rest = name.clone();
        while let Some(caps) = VERSION_HINT.captures(&rest) {
            let (Some(whole), Some(v)) = (caps.get(0), caps.get(1)) else {
                break;
            };
            hints.push(v.as_str().to_string());
            rest = format!("{} {}", &rest[..whole.start()], &rest[whole.end()..]);
        }
        let mut texts = vec![rest.clone()];
        // `Patient Information Center iX (PICiX)`: the name without and the parenthesised one.
        let mut main = rest.clone();
        while let (Some(open), Some(close)) = (main.find('('), main.find(')')) {
            if close < open {
                break;
            }
            texts.push(main[open + 1..close].to_string());
            main = format!("{} {}", &main[..open], &main[close + 1..]);
        }
        if main != rest {
            texts[0] = main;
        }
        let alternatives = texts
            .iter()
            .map(|t| tokenize(t, &vendor_keys))
            .filter(|t| !t.is_empty())
            .collect();
        ProductName {
            alternatives,
            hints,
        }
    }

    /// Version-like tokens the product name carried (`8.0.x` of `IntelliSpace Portal 8.0.x`),
    /// as written without a leading `v`.
    pub fn version_hints(&self) -> &[String] {
        &self.hints
    }

    /// Whether the name has any token left to match on.
    pub fn is_empty(&self) -> bool {
        self.alternatives.is_empty()
    }

    /// Whether this name (a device's model) carries the model number `model` (lower case):
    /// `Some(true)` it does, `Some(false)` it carries other model numbers only, `None` it
    /// carries none.
    pub fn has_model_number(&self, model: &str) -> Option<bool> {
        let mut any = false;
        for t in &self.alternatives {
            for m in &t.models {
                any = true;
                if m.matches(model) || matches!(m, ModelNumber::Exact(e) if e == model) {
                    return Some(true);
                }
            }
        }
        any.then_some(false)
    }

    /// How `device_model` (read with [`ProductName::new`]) fits this product name; `None` when
    /// it does not (see the module comment for the rule).
    pub fn fit(&self, device_model: &ProductName) -> Option<ProductFit> {
        let mut best = None;
        for p in &self.alternatives {
            for d in &device_model.alternatives {
                let f = fit_tokens(p, d);
                if f > best {
                    best = f;
                }
            }
        }
        best
    }
}

fn tokenize(text: &str, vendor_keys: &BTreeSet<String>) -> Tokens {
    let mut text = PLUS.replace_all(text, "${1}plus").into_owned();
    let mut models = Vec::new();
    // Model ranges: `MX400-MX850`, `MP2-MP90`.
    while let Some(caps) = RANGE.captures(&text) {
        let (Some(whole), Some(l1), Some(n1), Some(l2), Some(n2)) = (
            caps.get(0),
            caps.get(1),
            caps.get(2),
            caps.get(3),
            caps.get(4),
        ) else {
            break;
        };
        let (a, b) = (l1.as_str().to_lowercase(), l2.as_str().to_lowercase());
        let replacement = if a == b
            && let (Ok(low), Ok(high)) = (n1.as_str().parse::<u64>(), n2.as_str().parse::<u64>())
            && low < high
        {
            models.push(ModelNumber::Range {
                letters: a,
                low,
                high,
            });
            " ".to_string()
        } else {
            // Not a range (`CRT-D12`): keep both tokens apart.
            format!(
                " {}{} {}{} ",
                l1.as_str(),
                n1.as_str(),
                l2.as_str(),
                n2.as_str()
            )
        };
        // The hyphen goes either way, so the same text never matches twice.
        text = format!(
            "{}{}{}",
            &text[..whole.start()],
            replacement,
            &text[whole.end()..]
        );
    }
    let words = fold_words(&text);
    // Join a short word with the number after it (`nm 750b` → `nm750b`).
    let mut joined: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w == "plus"
            && let Some(prev) = joined.last_mut()
            && prev.chars().any(|c| c.is_ascii_digit())
        {
            // `XR656 Plus` = `XR656+`.
            prev.push_str("plus");
            i += 1;
        } else if w.len() <= 3
            && w.chars().all(|c| c.is_alphabetic())
            && !GENERIC.contains(&w.as_str())
            && words
                .get(i + 1)
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        {
            joined.push(format!("{}{}", w, words[i + 1]));
            i += 2;
        } else {
            joined.push(w.clone());
            i += 1;
        }
    }
    let mut tokens = Tokens {
        words: BTreeSet::new(),
        models,
    };
    for w in joined {
        if GENERIC.contains(&w.as_str())
            || vendor_keys.contains(&w)
            || vendor_keys.contains(word_key(&w))
        {
            continue;
        }
        if w.chars().any(|c| c.is_ascii_digit()) {
            let is_pattern = w.contains('x')
                && w.char_indices().any(|(i, c)| {
                    c == 'x'
                        && i > 0
                        && w[..i].ends_with(|p: char| p.is_ascii_digit())
                        && w[i + 1..].starts_with(|n: char| n.is_ascii_digit())
                });
            tokens.models.push(if is_pattern {
                ModelNumber::Pattern(w)
            } else {
                ModelNumber::Exact(w)
            });
        } else {
            tokens.words.insert(w);
        }
    }
    tokens
}

/// Whether the device's token list has this product word (itself, or, for a word of up to
/// three letters, as the letters of a device model number: `mx` in `mx800`).
fn device_has_word(word: &str, d: &Tokens) -> bool {
    d.words.contains(word)
        || (word.len() <= 3
            && d.models.iter().any(|m| match m {
                ModelNumber::Exact(t) => t
                    .strip_prefix(word)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())),
                _ => false,
            }))
}

fn device_model_tokens(d: &Tokens) -> Vec<&str> {
    d.models
        .iter()
        .filter_map(|m| match m {
            ModelNumber::Exact(t) | ModelNumber::Pattern(t) => Some(t.as_str()),
            ModelNumber::Range { .. } => None,
        })
        .collect()
}

fn fit_tokens(p: &Tokens, d: &Tokens) -> Option<ProductFit> {
    if p.is_empty() || d.is_empty() {
        return None;
    }
    let d_models = device_model_tokens(d);
    let p_words_in_d = p.words.iter().all(|w| device_has_word(w, d));
    let d_words_in_p = d.words.iter().all(|w| p.words.contains(w));
    let words_overlap = p.words.iter().any(|w| device_has_word(w, d));
    match (p.models.is_empty(), d_models.is_empty()) {
        (false, false) => {
            let p_ok = p
                .models
                .iter()
                .all(|pm| d_models.iter().any(|dm| pm.matches(dm)));
            let d_ok = d_models
                .iter()
                .all(|dm| p.models.iter().any(|pm| pm.matches(dm)));
            if !(p_ok && d_ok) {
                return None;
            }
            if p.words.is_empty() || d.words.is_empty() || p_words_in_d || d_words_in_p {
                Some(ProductFit::Model)
            } else if words_overlap {
                Some(ProductFit::Family)
            } else {
                None
            }
        }
        (true, false) => (!p.words.is_empty() && p_words_in_d).then_some(ProductFit::Model),
        (false, true) => (!d.words.is_empty() && d_words_in_p).then_some(ProductFit::Family),
        (true, true) => {
            if p_words_in_d {
                Some(ProductFit::Model)
            } else if d_words_in_p {
                Some(ProductFit::Family)
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(product: &str, vendor: &str, model: &str) -> Option<ProductFit> {
        ProductName::new(product, vendor).fit(&ProductName::new(model, vendor))
    }

    #[test]
    fn the_model_of_a_listed_product_fits() {
        use ProductFit::Model;
        let cases = [
            (
                "IntelliVue Patient Monitors MX",
                "Philips",
                "IntelliVue MX800",
            ),
            (
                "IntelliVue patient monitor MX400-MX850",
                "Philips",
                "IntelliVue MX800",
            ),
            (
                "IntelliVue patient monitor MX400-MX850",
                "Philips",
                "MX 450",
            ),
            ("Spectrum Infusion System", "Baxter", "Sigma Spectrum"),
            ("Sigma Spectrum", "Baxter", "Sigma Spectrum"),
            ("Baxter Spectrum", "Baxter", "Sigma Spectrum 35700BAX2"),
            ("Alaris 8015 PC unit", "BD", "Alaris PC Unit 8015"),
            ("Alaris PC Unit", "GE Healthcare", "Alaris 8015 PC Unit"),
            (
                "minimed_paradigm_523_firmware",
                "medtronic",
                "MiniMed Paradigm 523",
            ),
            ("minimed_paradigm_523", "medtronic", "MiniMed 523"),
            ("Discovery NM 750b", "GE Healthcare", "Discovery NM750b"),
            ("Innova IGS 5x0", "GE Healthcare", "Innova IGS 540"),
            ("Discovery XR656+", "GE Healthcare", "Discovery XR656 Plus"),
            (
                "Philips IntelliVue Information Center iX",
                "Philips",
                "IntelliVue Information Center iX",
            ),
            ("Patient Information Center iX (PICiX)", "Philips", "PICiX"),
            (
                "IntelliSpace Portal 8.0.x",
                "Phillips",
                "IntelliSpace Portal",
            ),
            ("Delta XL", "Dräger", "Delta XL"),
            ("DCMTK", "OFFIS", "dcmtk"),
            (
                "Welch Allyn Connex Spot Monitor",
                "Baxter",
                "Connex Spot Monitor Welch Allyn",
            ),
        ];
        for (product, vendor, model) in cases {
            assert_eq!(
                fit(product, vendor, model),
                Some(Model),
                "{model} ~ {product}"
            );
        }
    }

    #[test]
    fn another_model_of_the_same_vendor_does_not_fit() {
        let cases = [
            ("Optima CT540", "GE Healthcare", "Optima CT580"),
            ("Optima CT580RT", "GE Healthcare", "Optima CT580"),
            ("Optima 520", "GE Healthcare", "Optima CT580"),
            ("Optima Advance", "GE Healthcare", "Optima CT580"),
            ("Discovery XR656+", "GE Healthcare", "Discovery XR656"),
            ("IntelliVue X2", "Philips", "IntelliVue MX800"),
            (
                "IntelliVue patient monitor MP2-MP90",
                "Philips",
                "IntelliVue MX800",
            ),
            (
                "IntelliVue patient monitor MX100",
                "Philips",
                "IntelliVue MX800",
            ),
            (
                "IntelliVue patient monitor MX400-MX850",
                "Philips",
                "IntelliVue MX900",
            ),
            (
                "minimed_paradigm_523k_firmware",
                "medtronic",
                "MiniMed Paradigm 523",
            ),
            ("minimed_508", "medtronic", "MiniMed Paradigm 523"),
            ("Evera ICD", "Medtronic", "Mirro ICD"),
            ("Kappa", "Dräger", "Delta XL"),
            ("Infinity Delta", "Dräger", "Delta XL"),
            (
                "GE Imaging and Ultrasound Products",
                "GE Healthcare",
                "LOGIQ E9",
            ),
            ("Innova IGS 5x0", "GE Healthcare", "Innova IGS 640"),
        ];
        for (product, vendor, model) in cases {
            assert_eq!(fit(product, vendor, model), None, "{model} !~ {product}");
        }
    }

    #[test]
    fn vague_models_fit_only_as_a_family() {
        use ProductFit::Family;
        assert_eq!(fit("IntelliVue X2", "Philips", "IntelliVue"), Some(Family));
        assert_eq!(fit("Delta XL", "Dräger", "Delta"), Some(Family));
        assert_eq!(
            fit(
                "BD Alaris Point-of-Care Unit (PCU) Model 8015",
                "Becton, Dickinson and Company (BD)",
                "Alaris 8015 PC Unit"
            ),
            Some(Family)
        );
    }

    #[test]
    fn version_hints_leave_the_product_name() {
        let p = ProductName::new("IntelliSpace Portal 8.0.x", "Phillips");
        assert_eq!(p.version_hints(), ["8.0.x"]);
        let p = ProductName::new("eNTEGRA 2.0/2.5 Processing and Review Workstation", "GE");
        assert_eq!(p.version_hints(), ["2.0", "2.5"]);
        let p = ProductName::new("3.0T Signa HDXx", "GE");
        assert!(p.version_hints().is_empty());
        assert!(ProductName::new("Medical Device System", "").is_empty());
    }
}
