//! What the command-line tests share: a private HOME with a passphrase file and an initialised
//! workbook, and `medsec` commands run in it.

use std::path::PathBuf;

use assert_cmd::Command;

/// The passphrase of every test workbook.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// A temporary HOME with a passphrase file (owner-only) and an initialised workbook `w.medsec`
/// (organisation "Test Hospital", assessor "A. Assessor").
pub struct Env {
    /// The temporary folder (removed on drop).
    pub dir: tempfile::TempDir,
}

impl Env {
    /// Makes the folder, the passphrase file and the workbook.
    pub fn new() -> Result<Env, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("pass"), format!("{PASSPHRASE}\n"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                dir.path().join("pass"),
                std::fs::Permissions::from_mode(0o600),
            )?;
        }
        let env = Env { dir };
        env.cmd()
            .arg("init")
            .arg(env.workbook())
            .args(["--org", "Test Hospital", "--assessor", "A. Assessor"])
            .assert()
            .success();
        Ok(env)
    }

    /// The workbook.
    pub fn workbook(&self) -> PathBuf {
        self.dir.path().join("w.medsec")
    }

    /// A file in the folder.
    #[allow(dead_code)]
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `medsec` with a private HOME and the passphrase file; no workbook option.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("medsec").unwrap_or_else(|e| panic!("medsec binary: {e}"));
        c.env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("MEDSEC_PASSPHRASE_FILE", self.dir.path().join("pass"));
        c
    }

    /// `medsec -w <workbook> ...`.
    #[allow(dead_code)]
    pub fn wb(&self) -> Command {
        let mut c = self.cmd();
        c.arg("-w").arg(self.workbook());
        c
    }
}

/// Checks a `--json` output against its JSON Schema in `assets/schema` (e.g. `log.v1.json`);
/// fails the test listing every error with its place.
#[allow(dead_code)]
pub fn validate_schema(
    value: &serde_json::Value,
    schema: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/schema")
            .join(schema),
    )?;
    let validator = jsonschema::validator_for(&serde_json::from_str(&text)?)?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}");
    Ok(())
}
