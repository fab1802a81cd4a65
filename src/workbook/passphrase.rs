//! Passphrases: where they come from, how they are normalised, and wiping our copies.
//!
//! Order of sources (PRODUCT.md "Command line"): `--passphrase-file FILE`,
//! `MEDSEC_PASSPHRASE_FILE`, `MEDSEC_PASSPHRASE`, then a prompt on the terminal (twice when
//! creating). An empty variable counts as unset. We cannot scrub the process environment
//! (edition 2024 makes `env::remove_var` unsafe and we forbid unsafe code), so the file forms
//! are preferred.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

/// The least number of characters a new passphrase may have.
pub const MIN_NEW_PASSPHRASE_CHARS: usize = 10;

/// Environment variable naming a file that holds the passphrase.
pub const ENV_PASSPHRASE_FILE: &str = "MEDSEC_PASSPHRASE_FILE";
/// Environment variable holding the passphrase itself (the restic/borg convention).
pub const ENV_PASSPHRASE: &str = "MEDSEC_PASSPHRASE";

/// A passphrase, normalised to Unicode NFC; wiped from memory when dropped.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps text as a passphrase: one trailing newline (`\n` or `\r\n`) removed, NFC applied.
    pub fn new(mut text: String) -> Passphrase {
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        let normalised: String = text.nfc().collect();
        text.zeroize();
        Passphrase(Zeroizing::new(normalised))
    }

    /// The passphrase's bytes (UTF-8), for keying SQLCipher.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in characters (Unicode scalar values).
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(***)")
    }
}

/// Why no passphrase could be had.
#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    /// The passphrase file could not be read.
    #[error("cannot read the passphrase file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The passphrase file holds no passphrase.
    #[error("the passphrase file {0} is empty")]
    EmptyFile(PathBuf),
    /// No source was given and there is no terminal to ask on.
    #[error(
        "no passphrase: use --passphrase-file FILE, or set MEDSEC_PASSPHRASE_FILE or MEDSEC_PASSPHRASE, or run in a terminal to be asked"
    )]
    NoSource,
    /// The terminal prompt failed.
    #[error("cannot read the passphrase from the terminal: {0}")]
    Prompt(std::io::Error),
    /// The two entries of a new passphrase differ.
    #[error("the two passphrases differ; nothing was created")]
    Mismatch,
    /// A new passphrase is too short.
    #[error("a new passphrase needs at least {MIN_NEW_PASSPHRASE_CHARS} characters")]
    TooShort,
}

/// Reads a passphrase from a file (one trailing newline ignored).
///
/// Returns `PassphraseError::File` or `PassphraseError::EmptyFile`.
pub fn read_file(path: &Path) -> Result<Passphrase, PassphraseError> {
    let mut bytes = Zeroizing::new(fs::read(path).map_err(|source| PassphraseError::File {
        path: path.to_path_buf(),
        source,
    })?);
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            bytes.zeroize();
            return Err(PassphraseError::File {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
            });
        }
    };
    let pass = Passphrase::new(text);
    if pass.is_empty() {
        return Err(PassphraseError::EmptyFile(path.to_path_buf()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: the passphrase file {} can be read by other users; `chmod 600` it",
                path.display()
            );
        }
    }
    Ok(pass)
}

/// Where a passphrase is looked for, in order.
#[derive(Debug, Clone, Default)]
pub struct PassphraseSources {
    /// `--passphrase-file`.
    pub file: Option<PathBuf>,
    /// Name of the environment variable holding a file path.
    pub env_file: Option<&'static str>,
    /// Name of the environment variable holding the passphrase.
    pub env_value: Option<&'static str>,
    /// What to say at the terminal prompt, e.g. `Passphrase for w.medsec: `.
    pub prompt: String,
}

impl PassphraseSources {
    /// The workbook's sources: `--passphrase-file`, `MEDSEC_PASSPHRASE_FILE`, `MEDSEC_PASSPHRASE`.
    pub fn workbook(file: Option<PathBuf>, workbook: &Path) -> PassphraseSources {
        PassphraseSources {
            file,
            env_file: Some(ENV_PASSPHRASE_FILE),
            env_value: Some(ENV_PASSPHRASE),
            prompt: format!("Passphrase for {}: ", workbook.display()),
        }
    }

    /// Gets the passphrase of an existing workbook from the first source that is set.
    pub fn get(&self) -> Result<Passphrase, PassphraseError> {
        if let Some(p) = self.file_or_env()? {
            return Ok(p);
        }
        prompt_once(&self.prompt)
    }

    /// Gets a new passphrase: from a file or variable as is (checked for length), or asked twice.
    pub fn get_new(&self) -> Result<Passphrase, PassphraseError> {
        if let Some(pass) = self.file_or_env()? {
            if pass.chars() < MIN_NEW_PASSPHRASE_CHARS {
                return Err(PassphraseError::TooShort);
            }
            return Ok(pass);
        }
        // At the terminal a typo is worth another try; three in all.
        let mut last = PassphraseError::TooShort;
        for _ in 0..3 {
            let first = prompt_once(&self.prompt)?;
            if first.chars() < MIN_NEW_PASSPHRASE_CHARS {
                last = PassphraseError::TooShort;
                eprintln!("{last}; try again.");
                continue;
            }
            let second = prompt_once("Repeat the passphrase: ")?;
            if first.expose() != second.expose() {
                last = PassphraseError::Mismatch;
                eprintln!("the two entries differ; try again.");
                continue;
            }
            return Ok(first);
        }
        Err(last)
    }

    /// Whether the passphrase will be asked at the terminal (no file or variable is set), so a
    /// wrong one may be asked again.
    pub fn is_prompt(&self) -> bool {
        self.file.is_none()
            && self.env_file.and_then(non_empty_env).is_none()
            && self.env_value.and_then(non_empty_env).is_none()
    }

    fn file_or_env(&self) -> Result<Option<Passphrase>, PassphraseError> {
        if let Some(path) = &self.file {
            return read_file(path).map(Some);
        }
        if let Some(var) = self.env_file
            && let Some(path) = non_empty_env(var)
        {
            return read_file(Path::new(&path)).map(Some);
        }
        if let Some(var) = self.env_value
            && let Some(value) = non_empty_env(var)
        {
            return Ok(Some(Passphrase::new(value)));
        }
        Ok(None)
    }
}

fn non_empty_env(var: &str) -> Option<String> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string_lossy().into_owned())
}

fn prompt_once(prompt: &str) -> Result<Passphrase, PassphraseError> {
    if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
        return Err(PassphraseError::NoSource);
    }
    match rpassword::prompt_password(prompt) {
        Ok(text) => Ok(Passphrase::new(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(6) => {
            Err(PassphraseError::NoSource)
        }
        Err(e) => Err(PassphraseError::Prompt(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_newline_and_nfc() {
        let p = Passphrase::new("Dra\u{0308}ger pass\r\n".into());
        assert_eq!(p.expose(), "Dräger pass".as_bytes());
        let p = Passphrase::new("two\n\n".into());
        assert_eq!(p.expose(), b"two\n");
    }

    #[test]
    fn file_source() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pass");
        fs::write(&path, "correct horse battery staple\n")?;
        let p = read_file(&path)?;
        assert_eq!(p.expose(), b"correct horse battery staple");
        fs::write(&path, "\n")?;
        assert!(matches!(
            read_file(&path),
            Err(PassphraseError::EmptyFile(_))
        ));
        Ok(())
    }
}
