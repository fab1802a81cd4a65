//! The command line (PRODUCT.md "Command line": the contract scripts and tests rely on).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueHint};
use clap_complete::Shell;

/// medsec: walk medical devices through a security risk assessment, offline, in one encrypted
/// workbook file.
#[derive(Debug, Parser)]
#[command(
    name = "medsec",
    version,
    about,
    after_help = "Examples:\n  medsec init site.medsec --org \"St. Example Hospital\"\n  medsec -w site.medsec import nmap scan.xml\n  medsec -w site.medsec          (opens the TUI)\n\nPassphrase: --passphrase-file FILE, MEDSEC_PASSPHRASE_FILE, MEDSEC_PASSPHRASE, or asked on the terminal.\nExit codes: 0 ok, 1 error, 2 usage, 3 wrong passphrase, 4 invalid input file, 5 workbook in use, 6 newer workbook."
)]
pub struct Cli {
    /// The workbook file (else MEDSEC_WORKBOOK, else the one in the platform data directory).
    #[arg(
        short = 'w',
        long = "workbook",
        global = true,
        value_name = "PATH",
        value_hint = ValueHint::FilePath
    )]
    pub workbook: Option<PathBuf>,

    /// Read the passphrase from this file (one trailing newline is ignored).
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub passphrase_file: Option<PathBuf>,

    /// What to do; without a command the TUI opens on the workbook.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the TUI on a workbook (created on first use when it is the default one).
    #[command(after_help = "Example:\n  medsec open site.medsec")]
    Open {
        /// The workbook (else -w, MEDSEC_WORKBOOK, or the default).
        #[arg(value_hint = ValueHint::FilePath)]
        path: Option<PathBuf>,
    },
    /// Create a new encrypted workbook.
    #[command(
        after_help = "Example:\n  medsec init site.medsec --org \"St. Example Hospital\" --assessor \"A. Assessor\""
    )]
    Init(InitArgs),
    /// Progress per step and counts by response and risk level.
    #[command(after_help = "Example:\n  medsec -w site.medsec status")]
    Status {
        /// Print JSON (schema: assets/schema/status.v1.json).
        #[arg(long)]
        json: bool,
    },
    /// Add, edit, show, list or delete devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Answer a control for a device, a model (MODEL:maker/model) or a site (SITE, SITE:name).
    #[command(
        after_help = "Examples:\n  medsec answer DEV-0001 ENC-01 no --note \"no disk encryption\" --likelihood 4 --impact 5\n  medsec answer SITE IR-01 yes --evidence-ref \"IR plan v3\"\n  medsec answer DEV-0001 ENC-01 clear"
    )]
    Answer(AnswerArgs),
    /// Bring devices in from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the assessment out (the files are NOT encrypted).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print a completion script for a shell to stdout (no workbook needed).
    #[command(
        after_help = "Examples:\n  medsec completions bash > ~/.local/share/bash-completion/completions/medsec\n  medsec completions zsh > ~/.zfunc/_medsec      (with fpath+=~/.zfunc before compinit)\n  medsec completions fish > ~/.config/fish/completions/medsec.fish"
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff) to stdout: every command and its options (no workbook
    /// needed).
    #[command(after_help = "Example:\n  medsec manpage > medsec.1 && man -l medsec.1")]
    Manpage,
}

/// `medsec init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the workbook (must not exist).
    #[arg(value_hint = ValueHint::FilePath)]
    pub path: PathBuf,
    /// Organisation assessed.
    #[arg(long)]
    pub org: Option<String>,
    /// Site name(s).
    #[arg(long)]
    pub site: Option<String>,
    /// Assessor name(s), written on answers and exports.
    #[arg(long)]
    pub assessor: Option<String>,
    /// Assessment title.
    #[arg(long)]
    pub title: Option<String>,
}

/// `medsec device ...`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Add a device: --name and any inventory field by its key in kebab-case.
    #[command(
        after_help = "Example:\n  medsec device add --name \"Infusion pump 3\" --manufacturer \"B. Braun\" --model \"Infusomat Space\" --serial-number 12345 --ip-addresses 10.1.2.3 --criticality Therapeutic"
    )]
    Add,
    /// Change fields of a device (--FIELD "" clears a field).
    #[command(
        after_help = "Example:\n  medsec device edit DEV-0001 --room \"ICU bed 4\" --vlan \"\""
    )]
    Edit {
        /// Device ID (DEV-0001) or asset tag.
        device: String,
    },
    /// Show one device.
    #[command(after_help = "Example:\n  medsec device show DEV-0001 --json")]
    Show {
        /// Device ID (DEV-0001) or asset tag.
        device: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the devices.
    #[command(after_help = "Example:\n  medsec device list --json")]
    List {
        /// Print a JSON array of objects keyed by the inventory keys (schema: assets/schema/device-list.v1.json).
        #[arg(long)]
        json: bool,
    },
    /// Delete a device (its ID is never reused).
    #[command(after_help = "Example:\n  medsec device delete DEV-0007")]
    Delete {
        /// Device ID (DEV-0001) or asset tag.
        device: String,
    },
    /// Bring back a deleted device, with its answers.
    #[command(after_help = "Example:\n  medsec device undelete DEV-0007")]
    Undelete {
        /// Device ID of the deleted device (DEV-0007).
        device: String,
    },
}

/// `medsec answer`.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// DEV-0001 (or an asset tag), MODEL:<manufacturer>/<model>, SITE or SITE:<site>.
    pub target: String,
    /// Control ID, e.g. ENC-03.
    pub control: String,
    /// yes, partial, no, na, unknown, or clear (not needed with --confirm).
    pub response: Option<String>,
    /// Note (an N/A needs one).
    #[arg(long)]
    pub note: Option<String>,
    /// Observed value, e.g. "TLS 1.2".
    #[arg(long)]
    pub observed: Option<String>,
    /// Evidence reference (photo ID, ticket).
    #[arg(long)]
    pub evidence_ref: Option<String>,
    /// Likelihood 1-5 (NIST SP 800-30 Rev. 1 scale).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub likelihood: Option<u8>,
    /// Impact 1-5.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub impact: Option<u8>,
    /// Recommendation.
    #[arg(long)]
    pub recommendation: Option<String>,
    /// How it was established: Observed, Interview, Document, Tested, Scan, MDS2, Spreadsheet, Bulk.
    #[arg(long)]
    pub source: Option<String>,
    /// Confirm a suggested answer.
    #[arg(long)]
    pub confirm: bool,
}

/// Options shared by importers.
#[derive(Debug, Args)]
pub struct ImportOptions {
    /// Show what would be added, updated and rejected; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply the valid rows and list the skipped ones (still one transaction).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write the full per-row report to this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub report: Option<PathBuf>,
}

/// `medsec import ...`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// An nmap -oX scan: each host that is up becomes (or updates) a device.
    #[command(after_help = "Example:\n  medsec import nmap scan.xml --dry-run")]
    Nmap {
        /// The nmap XML file.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// An inventory export: CSV, XLSX, XLS or ODS.
    Inventory {
        /// The inventory file.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        /// The sheet to read (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// The header row (1-based; default: found automatically).
        #[arg(long)]
        header_row: Option<usize>,
        /// Map a column to an inventory field: "Column header=field_key" (repeatable; field `-` ignores the column).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        #[command(flatten)]
        options: ImportOptions,
    },
}

/// `medsec export ...`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The assessment as the template workbook (.xlsx).
    #[command(after_help = "Example:\n  medsec export xlsx assessment.xlsx --as-of 2026-11-30")]
    Xlsx {
        /// Output file.
        #[arg(value_hint = ValueHint::FilePath)]
        out: PathBuf,
        /// The date every "overdue" and "expired" refers to (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// The template without data, for filling in by hand.
    #[command(after_help = "Example:\n  medsec export template blank.xlsx --devices 50")]
    Template {
        /// Output file.
        #[arg(value_hint = ValueHint::FilePath)]
        out: PathBuf,
        /// Number of blank device rows.
        #[arg(long, default_value_t = 20)]
        devices: usize,
    },
    /// The assessment report as one self-contained HTML file (prints to PDF from a browser).
    #[command(after_help = "Example:\n  medsec export html report.html --as-of 2026-11-30")]
    Html {
        /// Output file (.html); replaces only an earlier medsec report.
        #[arg(value_hint = ValueHint::FilePath)]
        out: PathBuf,
        /// The date every "overdue" and "expired" refers to (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// The assessment report as GitHub-flavoured Markdown, for editing in a word processor.
    #[command(after_help = "Example:\n  medsec export markdown report.md --as-of 2026-11-30")]
    Markdown {
        /// Output file (.md); replaces only an earlier medsec report.
        #[arg(value_hint = ValueHint::FilePath)]
        out: PathBuf,
        /// The date every "overdue" and "expired" refers to (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
}
