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
    after_help = "Examples:\n  medsec init site.medsec --org \"St. Example Hospital\"\n  medsec -w site.medsec import nmap scan.xml\n  medsec -w site.medsec          (opens the TUI)\n\nPassphrase: --passphrase-file FILE, MEDSEC_PASSPHRASE_FILE, MEDSEC_PASSPHRASE, or asked on the terminal.\nExit codes: 0 ok, 1 error, 2 usage, 3 wrong passphrase, 4 invalid input file, 5 workbook in use, 6 newer workbook, 7 damage found (`verify`, or an attachment whose bytes no longer match their SHA-256), 8 merge conflicts left unresolved."
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
        /// The day "overdue" and "expired" refer to (YYYY-MM-DD; default today), as
        /// `export xlsx --as-of` uses it.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Add, edit, show, list or delete devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Answer a control for a device, a model (MODEL:maker/model) or a site (SITE, SITE:name).
    #[command(
        after_help = "Examples:\n  medsec answer DEV-0001 ENC-01 no --note \"no disk encryption\" --likelihood 4 --impact 5\n  medsec answer SITE IR-01 yes --evidence-ref \"IR plan v3\"\n  medsec answer DEV-0001 NET-01 no --impact-safety 5 --impact-phi 2\n  medsec answer DEV-0001 ENC-01 clear"
    )]
    Answer(AnswerArgs),
    /// The risk register: list, show and treat findings; the risk level grid.
    #[command(subcommand)]
    Risk(RiskCommand),
    /// Evidence files kept with answers inside the encrypted workbook: add, list, extract,
    /// remove, and the limit per file.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Vulnerability findings matched from the feeds and SBOMs: list, confirm, dismiss, reset,
    /// refresh.
    #[command(subcommand)]
    Finding(FindingCommand),
    /// Create a new workbook of realistic sample devices, answers and risks, and open it.
    #[command(
        after_help = "Examples:\n  medsec demo                          (medsec-demo.medsec here, then the TUI)\n  medsec demo /tmp/try.medsec --no-open\n  medsec demo big.medsec --devices 500 --answered 0.5 --no-open\n\nThe data is invented, and the same for the same options on the same day. The passphrase is asked\nfor as by `medsec init` (or taken from --passphrase-file, MEDSEC_PASSPHRASE_FILE,\nMEDSEC_PASSPHRASE)."
    )]
    Demo(DemoArgs),
    /// Bring devices, answers and risks in from files (scans, inventories, filled copies),
    /// and vulnerability feeds and SBOMs.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The vulnerability feeds stored in the workbook (KEV, CSAF, NVD, CVE, VEX).
    #[command(subcommand)]
    Feed(FeedCommand),
    /// The audit trail: every change, who made it and when, oldest first.
    #[command(
        after_help = "Examples:\n  medsec log --device DEV-0003 --control ENC-01\n  medsec log --json > audit.json\n\nWho: the workbook's assessor, or MEDSEC_ASSESSOR / `assessor = \"NAME\"` in config.toml for this session."
    )]
    Log {
        /// Only entries that changed this device (DEV-0003 or its asset tag; a deleted device by
        /// its DEV ID).
        #[arg(long, value_name = "DEVICE")]
        device: Option<String>,
        /// Only entries that changed this control's answer, risk entry or evidence (e.g. ENC-01).
        #[arg(long, value_name = "CONTROL")]
        control: Option<String>,
        /// Print JSON (schema: assets/schema/log.v1.json).
        #[arg(long)]
        json: bool,
    },
    /// Bring another assessor's copy of the workbook into this one (-w), field by field.
    #[command(
        after_help = "Examples:\n  medsec -w site.medsec merge colleague.medsec --dry-run\n  medsec -w site.medsec merge colleague.medsec --prefer theirs --other-passphrase-file colleague.pass\n\nA field changed on one side only since the copies diverged is taken; one changed on both is a conflict: chosen in a conflict view at a terminal, or for all with --prefer. Without either, or when the conflict view is cancelled (Esc), nothing changes and the exit code is 8.\nA workbook with another workbook ID (not a copy of this one) needs --accept-foreign; --dry-run shows it without.\nThe other passphrase: --other-passphrase-file FILE, MEDSEC_OTHER_PASSPHRASE_FILE, or asked on the terminal."
    )]
    Merge(MergeArgs),
    /// Write the assessment out (the files are NOT encrypted).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Check the workbook: SQLCipher page HMACs, SQLite integrity, foreign keys, the audit
    /// chain and every attachment's SHA-256 (read-only).
    #[command(
        after_help = "Examples:\n  medsec -w site.medsec verify\n  medsec -w site.medsec verify --expect 3f9a...c2   (the audit head from an export's Cover)\n\nPrints one line per check with what it covered. Exit 0 when all pass; 7 naming every problem\n(the audit entry by number, time and summary; the attachment by ID and name; the table and row)."
    )]
    Verify {
        /// A hash that must be the audit chain's head or one of its entries (64 hex digits, as
        /// on an export's Cover, in `_medsec` or in the report).
        #[arg(long, value_name = "HASH")]
        expect: Option<String>,
        /// Print JSON (schema: assets/schema/verify.v1.json).
        #[arg(long)]
        json: bool,
    },
    /// Change the workbook's passphrase (writes a new encrypted copy, checks it, renames it over
    /// the old file).
    #[command(
        after_help = "Example:\n  MEDSEC_NEW_PASSPHRASE_FILE=new.txt medsec -w site.medsec rekey\n\nThe new passphrase: --new-passphrase-file FILE, MEDSEC_NEW_PASSPHRASE_FILE, or asked twice on the\nterminal; at least 10 characters. Interrupted at any point, the workbook still opens with the\nold passphrase until the new copy has replaced it. Backups made earlier keep the old passphrase."
    )]
    Rekey {
        /// Read the new passphrase from this file (one trailing newline is ignored).
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Write an encrypted copy of the workbook (same passphrase) to a new file.
    #[command(
        after_help = "Example:\n  medsec -w site.medsec backup /media/usb/site-2026-11-29.medsec\n\nThe copy is owner-only, checked after writing, and never replaces an existing file (exit 1).\nOpen it like any workbook: medsec open COPY.medsec"
    )]
    Backup {
        /// The new file (must not exist).
        #[arg(value_hint = ValueHint::FilePath)]
        out: PathBuf,
    },
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
    /// Note (an N/A needs one); free text, which may start with `-`.
    #[arg(long, allow_hyphen_values = true)]
    pub note: Option<String>,
    /// Observed value, e.g. "TLS 1.2" or "-3 dB".
    #[arg(long, allow_hyphen_values = true)]
    pub observed: Option<String>,
    /// Evidence reference (photo ID, ticket).
    #[arg(long, allow_hyphen_values = true)]
    pub evidence_ref: Option<String>,
    /// Likelihood 1-5 (NIST SP 800-30 Rev. 1 scale).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub likelihood: Option<u8>,
    /// Impact 1-5 as one number (clears the per-dimension impacts).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub impact: Option<u8>,
    /// Patient-safety impact 1-5. Any of the three --impact-* flags replaces all three: those
    /// not given are cleared, and the impact is the highest given.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=5), conflicts_with = "impact")]
    pub impact_safety: Option<u8>,
    /// PHI / data impact 1-5 (see --impact-safety).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=5), conflicts_with = "impact")]
    pub impact_phi: Option<u8>,
    /// Clinical-operations impact 1-5 (see --impact-safety).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=5), conflicts_with = "impact")]
    pub impact_operations: Option<u8>,
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

/// `medsec evidence ...`: files attached to a control of a device, a model or a site.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Attach a file (a photo of a settings screen, a configuration export, a vendor letter).
    #[command(
        after_help = "Examples:\n  medsec evidence add DEV-0003 ENC-03 IMG_0412.jpg --caption \"Settings > Security\"\n  medsec evidence add MODEL:B.Braun/Space INV-03 sbom.json\n  medsec evidence add SITE IR-01 \"IR plan v3.pdf\"\n\nThe file is stored inside the encrypted workbook with its name, media type, size and SHA-256,\nadded by the workbook's assessor. A file over the workbook's limit (25 MiB = 26,214,400 bytes\nunless changed with `medsec evidence limit`), a folder, a FIFO or a device is refused (exit 4).\nEvidence alone does not make a control assessed. One undo step."
    )]
    Add {
        /// DEV-0001 (or an asset tag), MODEL:<manufacturer>/<model>, SITE or SITE:<site>.
        target: String,
        /// Control ID, e.g. ENC-03.
        control: String,
        /// The file to attach.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        /// A caption, e.g. what the photo shows.
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
        caption: Option<String>,
    },
    /// List the attachments (all, or those shown on one device, model or site) and the limit.
    #[command(
        after_help = "Examples:\n  medsec evidence list\n  medsec evidence list DEV-0003          (its own, its model's and its site's)\n  medsec evidence list DEV-0003 --control ENC-03\n  medsec evidence list --json"
    )]
    List {
        /// DEV-0001 (or an asset tag), MODEL:<manufacturer>/<model>, SITE or SITE:<site>.
        target: Option<String>,
        /// Only this control, e.g. ENC-03.
        #[arg(long, value_name = "CONTROL")]
        control: Option<String>,
        /// Print JSON (schema: assets/schema/evidence-list.v1.json).
        #[arg(long)]
        json: bool,
    },
    /// Write an attachment to a file, after checking its bytes against their SHA-256.
    #[command(
        after_help = "Examples:\n  medsec evidence extract A-0003 ~/Desktop/photo.jpg\n  medsec evidence extract A-0003 ~/Desktop/        (a folder: the file keeps its name)\n\nThe file is written owner-only and never over an existing one unless --force is given. An\nattachment whose bytes no longer match their SHA-256 is reported and not written (exit 7)."
    )]
    Extract {
        /// The attachment: A-0003 (or 3), as `medsec evidence list` shows it.
        id: String,
        /// The file to write, or an existing folder to write it into under its own name.
        #[arg(value_hint = ValueHint::AnyPath)]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Remove an attachment: it leaves lists and exports (undo in the TUI brings it back).
    #[command(after_help = "Example:\n  medsec evidence remove A-0003")]
    Remove {
        /// The attachment: A-0003 (or 3).
        id: String,
    },
    /// Show or set the workbook's limit per attached file.
    #[command(
        after_help = "Examples:\n  medsec evidence limit\n  medsec evidence limit 50MB\n  medsec evidence limit default\n\nSizes are binary: KB, MB and GB mean 1,024, 1,024² and 1,024³ bytes. The default is 25 MB\n(26,214,400 bytes), the highest 512 MB. Files attached already are kept whatever their size."
    )]
    Limit {
        /// The new limit (e.g. 50MB, 500KB, a number of bytes) or `default`; without it the
        /// limit is shown.
        size: Option<String>,
    },
}

/// `medsec finding ...`: vulnerability findings (TEMPLATE.md "2 CVE Findings").
#[derive(Debug, Subcommand)]
pub enum FindingCommand {
    /// List the findings with their state, confidence, reason, KEV flag and feed dates.
    #[command(
        after_help = "Examples:\n  medsec finding list\n  medsec finding list --device DEV-0003 --state suggested\n  medsec finding list --json > findings.json\n\nStates: Suggested (matched, not decided: not a risk), Confirmed (in the risk register),\nDismissed (ruled out with a reason; stays dismissed when feeds are imported again). Feeds older\nthan 30 days are flagged, never refused."
    )]
    List {
        /// Only this device's findings.
        #[arg(long, value_name = "DEVICE")]
        device: Option<String>,
        /// Only findings in this state: suggested, confirmed or dismissed.
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// Print a JSON object of feeds and findings (schema: assets/schema/finding-list.v1.json).
        #[arg(long)]
        json: bool,
    },
    /// Confirm findings: each enters the risk register (likelihood suggested from KEV and CVSS).
    #[command(
        after_help = "Examples:\n  medsec finding confirm F-0001\n  medsec finding confirm F-0001 F-0004 --note \"firmware 2.4 seen on the device\"\n\nOne undo step for all the findings given."
    )]
    Confirm {
        /// Finding IDs (F-0001 or 1).
        #[arg(required = true, value_name = "FINDING")]
        ids: Vec<String>,
        /// A note kept with the decision.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Dismiss findings that do not apply; the reason (--note) is required.
    #[command(
        after_help = "Examples:\n  medsec finding dismiss F-0002 --note \"SMBv1 disabled by the manufacturer's hardening\"\n\nA dismissed finding stays dismissed when feeds are imported again. One undo step."
    )]
    Dismiss {
        /// Finding IDs (F-0001 or 1).
        #[arg(required = true, value_name = "FINDING")]
        ids: Vec<String>,
        /// Why it does not apply (required).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Put findings back to Suggested (out of the register).
    Reset {
        /// Finding IDs (F-0001 or 1).
        #[arg(required = true, value_name = "FINDING")]
        ids: Vec<String>,
        /// A note kept with the decision.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Rate a finding's likelihood and impact (1-5, or `default`: suggested from KEV and CVSS /
    /// the device's default impacts).
    #[command(
        after_help = "Examples:\n  medsec finding rate F-0001 --likelihood 3\n  medsec finding rate F-0001 --likelihood default --impact 4\n\nOne undo step. A confirmed finding's risk follows at once."
    )]
    Rate {
        /// A Finding ID (F-0001 or 1).
        #[arg(value_name = "FINDING")]
        id: String,
        /// Likelihood 1-5, or `default`.
        #[arg(long, value_name = "1-5|default")]
        likelihood: Option<String>,
        /// Impact 1-5, or `default`.
        #[arg(long, value_name = "1-5|default")]
        impact: Option<String>,
    },
    /// Match every device again against the stored feeds and SBOMs (imports do it themselves).
    Refresh,
}

/// `medsec risk ...`: the risk register (TEMPLATE.md "Risk Register") and the level grid.
#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// List the risks: open first, then by score (L × I), patient-safety impact and device.
    #[command(
        after_help = "Examples:\n  medsec risk list --open\n  medsec risk list --device DEV-0003 --level high\n  medsec risk list --json > register.json\n\nColumns: R = response (N No, P Partial, U Unknown); L×I=S = likelihood × impact = score;\nLv / Rs = inherent / residual level (VH, H, M, L, VL); Flags: O overdue, E expired\nacceptance, S uncontrolled patient-safety risk."
    )]
    List {
        /// Only open risks (status Open or In Progress).
        #[arg(long)]
        open: bool,
        /// Only the risks shown on this device (its own, its model's and its site's).
        #[arg(long, value_name = "DEVICE")]
        device: Option<String>,
        /// Only risks of this inherent level: very-high, high, moderate, low, very-low (or VH, H, M, L, VL).
        #[arg(long, value_name = "LEVEL")]
        level: Option<String>,
        /// Print a JSON array, one object per risk (schema: assets/schema/risk-list.v1.json).
        #[arg(long)]
        json: bool,
        /// The day "overdue" and "expired" refer to (YYYY-MM-DD; default today), as
        /// `export xlsx --as-of` uses it.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Show everything about one risk.
    #[command(
        after_help = "Examples:\n  medsec risk show R-0012\n  medsec risk show 12\n  medsec risk show DEV-0003 ENC-01\n  medsec risk show MODEL:B.Braun/Space INV-03"
    )]
    Show {
        /// A Risk ID (R-0012 or 12), a Finding ID (F-0001, a confirmed vulnerability finding), or a target (DEV-0003, MODEL:maker/model, SITE, SITE:name) followed by CONTROL.
        id: String,
        /// The control, when the first argument is a target.
        control: Option<String>,
        /// The day "overdue" and "expired" refer to (YYYY-MM-DD; default today), as
        /// `export xlsx --as-of` uses it.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Set the treatment, owner, due date, status, residual rating or acceptance of a risk.
    Set(Box<RiskSetArgs>),
    /// Show or edit the 5 × 5 risk level grid (likelihood × impact → level).
    #[command(
        after_help = "Examples:\n  medsec risk grid\n  medsec risk grid --set 5,3=High --set 4,3=high\n  medsec risk grid --reset\n\nThe default is NIST SP 800-30 Rev. 1, Appendix I, Table I-2. --reset goes back to it before\nany --set is applied. Levels follow at once everywhere: register, dashboard, exports."
    )]
    Grid {
        /// Set one cell: LIKELIHOOD,IMPACT=LEVEL, each 1-5, LEVEL a level name or VH, H, M, L, VL (repeatable).
        #[arg(long = "set", value_name = "L,I=LEVEL")]
        set: Vec<String>,
        /// Back to NIST SP 800-30 Rev. 1 Table I-2.
        #[arg(long)]
        reset: bool,
    },
}

/// `medsec risk set`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  medsec risk set R-0012 --treatment mitigate --owner \"Biomed: J. Smith\" --actions \"Enable disk encryption\"\n  medsec risk set R-0012 --status \"in progress\" --due 2027-01-31\n  medsec risk set R-0012 --status closed --residual-likelihood 1 --residual-impact 4\n  medsec risk set R-0007 --treatment accept --accepted-by \"Dr. Ruiz (CMIO)\" --note \"Isolated VLAN; replaced 2027\" --review 2027-06-30\n  medsec risk set DEV-0003 ENC-01 --owner \"\"      (clears the owner)\n\nAn empty value clears a field; --due default (or \"\") puts the due date back to the level's\ndefault (Very High 14 days, High 30, Moderate 90, Low 180, Very Low none, from the date the\nfinding was identified). Accepting a risk needs --accepted-by and --note."
)]
pub struct RiskSetArgs {
    /// A Risk ID (R-0012 or 12), a Finding ID (F-0001, a confirmed vulnerability finding), or a target (DEV-0003, MODEL:maker/model, SITE, SITE:name) followed by CONTROL.
    pub id: String,
    /// The control, when the first argument is a target.
    pub control: Option<String>,
    /// Mitigate, Accept, Transfer or Avoid ("" clears).
    #[arg(long, value_name = "T")]
    pub treatment: Option<String>,
    /// Planned actions.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub actions: Option<String>,
    /// Who is responsible for treating it.
    #[arg(long, value_name = "O", allow_hyphen_values = true)]
    pub owner: Option<String>,
    /// Due date: YYYY-MM-DD, "default" (follows the level) or "none".
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// Open, "In Progress" (or in-progress) or Closed.
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Residual likelihood after treatment, 1-5 ("" clears).
    #[arg(long, value_name = "N")]
    pub residual_likelihood: Option<String>,
    /// Residual impact after treatment, 1-5 ("" clears).
    #[arg(long, value_name = "N")]
    pub residual_impact: Option<String>,
    /// Who accepted the risk.
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub accepted_by: Option<String>,
    /// When it was accepted (YYYY-MM-DD; default: today when first accepted).
    #[arg(long, value_name = "DATE")]
    pub accepted_on: Option<String>,
    /// The acceptance note: why the risk is accepted.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub note: Option<String>,
    /// When an accepted risk must be reviewed again (YYYY-MM-DD); past it, it shows as expired.
    #[arg(long, value_name = "DATE")]
    pub review: Option<String>,
    /// When the finding was first identified (YYYY-MM-DD; default due dates count from it; ""
    /// falls back to the date the answer was given).
    #[arg(long, value_name = "DATE")]
    pub identified: Option<String>,
}

/// `medsec demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to create the demo workbook; it must not exist (default: -w, else
    /// medsec-demo.medsec in the current directory).
    #[arg(value_hint = ValueHint::FilePath)]
    pub path: Option<PathBuf>,
    /// How many devices (default 24: one mid-size hospital; more repeat its models).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub devices: Option<u32>,
    /// The share of controls answered, 0 to 1 (default 0.8).
    #[arg(long, value_name = "FRACTION")]
    pub answered: Option<f64>,
    /// Only create it and print the summary; do not open the TUI.
    #[arg(long)]
    pub no_open: bool,
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

/// `medsec merge OTHER`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The other workbook (opened read-only with its own passphrase).
    #[arg(value_hint = ValueHint::FilePath)]
    pub other: PathBuf,
    /// Resolve every conflict for this side (else a conflict view at a terminal, or exit 8).
    #[arg(long, value_enum, value_name = "SIDE")]
    pub prefer: Option<PreferSide>,
    /// Show what would be taken, kept, added and in conflict; change nothing (exit 8 when
    /// conflicts would be left without --prefer).
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON (schema: assets/schema/merge.v1.json).
    #[arg(long)]
    pub json: bool,
    /// Read the other workbook's passphrase from this file (else MEDSEC_OTHER_PASSPHRASE_FILE,
    /// else the terminal).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub other_passphrase_file: Option<PathBuf>,
    /// Merge a workbook with another workbook ID (not a copy of this one): no common history,
    /// so every differing field is a conflict and devices match by serial, asset tag, MAC or IP.
    #[arg(long)]
    pub accept_foreign: bool,
}

/// Which side `merge --prefer` resolves conflicts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PreferSide {
    /// Keep the open workbook's values.
    Ours,
    /// Take the other workbook's values.
    Theirs,
}

/// Options of importing a filled copy of an export (`import workbook`, `import json`).
#[derive(Debug, Args)]
pub struct CopyOptions {
    /// Import a copy exported from another workbook: its devices are matched by asset tag,
    /// serial number or name, and its blank cells leave stored values alone.
    #[arg(long)]
    pub accept_foreign: bool,
    /// Also apply edits of the Risk Matrix level grid (otherwise listed as ignored). Like
    /// `risk grid --set`, the grid is not part of the undo step.
    #[arg(long)]
    pub with_matrix: bool,
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
    /// A filled copy of `export xlsx` or `export template` (.xlsx, .xls or .ods): answers,
    /// register entries and inventory edits, in one step that undo takes back.
    #[command(
        after_help = "Examples:\n  medsec import workbook assessment-filled.xls --dry-run\n  medsec import workbook assessment-filled.xls --report changes.txt\n  medsec import workbook blank-filled.xlsx --dry-run\n\nRead: the white columns of the template (control sheets: Response, Suggested, Observed Value,\nNote, Evidence Reference, Answer Source, Likelihood, Impact, Rating, Recommendation, Deferred\nUntil, Deferral Reason; Risk Register: Treatment to Review Date; 1 Inventory: every field).\nGrey columns are derived: never applied, and listed as ignored when edited. A copy of this\nworkbook matches rows by their hidden IDs, and a blank cell clears the value. A template filled\nby hand, or another workbook's copy (--accept-foreign), matches devices by asset tag, serial\nnumber or name, adds the devices it does not find, and its blank cells change nothing.\nClearing a Suggested cell confirms the suggestion; Rating `default` keeps default ratings."
    )]
    Workbook {
        /// The filled copy.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        #[command(flatten)]
        copy: CopyOptions,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// Vulnerability feeds: a file, or every .json and .csv file of a folder (not its
    /// subfolders), stored in one transaction: CISA KEV (JSON or CSV), CSAF 2.0 advisories, NVD
    /// CVE API 2.0 records, CVE JSON 5.x records, CycloneDX VEX.
    #[command(
        after_help = "Examples:\n  medsec import feed known_exploited_vulnerabilities.json\n  medsec import feed csaf/ --dry-run\n  medsec import feed usb/feeds/ --skip-invalid\n\nThe format is recognised from the content. Each document keeps its own date (KEV dateReleased,\nthe advisory's current_release_date, the record's lastModified); a newer one replaces the stored\none of the same name, an older one is kept out. Feeds over 30 days old are flagged, never refused.\nA file that cannot be read stops the import (nothing is stored) unless --skip-invalid is given."
    )]
    Feed {
        /// A feed file or a folder of them.
        #[arg(value_hint = ValueHint::AnyPath)]
        path: PathBuf,
        /// Show what would be stored, replaced and kept out; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Store the readable files and list the unreadable ones (still one transaction).
        #[arg(long)]
        skip_invalid: bool,
    },
    /// A device's SBOM: CycloneDX 1.4–1.6 JSON or SPDX 2.2/2.3 JSON; replaces the one it had
    /// (one undo step).
    #[command(
        after_help = "Example:\n  medsec import sbom pump-fw-4.2.cdx.json --device DEV-0003 --dry-run"
    )]
    Sbom {
        /// The SBOM file.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        /// Device ID (DEV-0001) or asset tag.
        #[arg(long, value_name = "ID")]
        device: String,
        /// Show what the SBOM holds; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A manufacturer disclosure (MDS2, HN 1-2019) as .xlsx, .xls, .ods or text: fills the
    /// device's empty DOC and inventory fields and suggests answers ("MDS2 (unconfirmed)")
    /// that the assessor confirms; one step that undo takes back.
    #[command(
        after_help = "Examples:\n  medsec import mds2 vendor-mds2.xlsx --model \"Acme/Pump 5\" --dry-run\n  medsec import mds2 vendor-mds2.txt --device DEV-0003\n\nThe form may be laid out in any way: the question IDs (DOC-1 ... RMOT-3) find the rows, the\nanswer words (Yes, No, N/A, See Note, Hidden) the answer column. A PDF is not read: copy its\ntext into a .txt file and import that. Only empty fields are filled unless --overwrite;\nanswers the assessor gave are never replaced."
    )]
    #[command(group(clap::ArgGroup::new("mds2_target").required(true).multiple(false)))]
    Mds2 {
        /// The MDS2 file (.xlsx, .xls, .ods, or UTF-8 text such as .txt / .md).
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        /// The device it describes (short ID or asset tag).
        #[arg(long, group = "mds2_target")]
        device: Option<String>,
        /// Every device of this model, and the model's answers: "MANUFACTURER/MODEL".
        #[arg(long, value_name = "MANUFACTURER/MODEL", group = "mds2_target")]
        model: Option<String>,
        /// Replace device fields that already hold a value.
        #[arg(long)]
        overwrite: bool,
        /// Show what would be read, filled and suggested; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// An `export json` file: answers, register entries and inventory, by the same rules as
    /// `import workbook`.
    #[command(
        after_help = "Examples:\n  medsec import json assessment.json --dry-run\n  medsec import json other-site.json --accept-foreign --report changes.txt"
    )]
    Json {
        /// The JSON file.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
        #[command(flatten)]
        copy: CopyOptions,
        #[command(flatten)]
        options: ImportOptions,
    },
}

/// `medsec feed ...`.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// The stored feeds: kind, name, feed date, age in days, stale flag (over 30 days), items,
    /// file.
    #[command(after_help = "Example:\n  medsec feed list --json")]
    List {
        /// Print JSON (schema: assets/schema/feed-list.v1.json).
        #[arg(long)]
        json: bool,
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
    /// The sheets of the xlsx export as CSV files (UTF-8 with a BOM), one per sheet, in a folder.
    #[command(
        after_help = "Example:\n  medsec export csv assessment-csv --as-of 2026-11-30\n\nFiles are named by position and sheet (07-3 Encryption.csv); text that a spreadsheet\nwould run as a formula gets a leading '. A new folder is created owner-only; in an existing\none only the files of an earlier medsec CSV export are replaced."
    )]
    Csv {
        /// Output folder (created if it does not exist).
        #[arg(value_hint = ValueHint::DirPath)]
        out: PathBuf,
        /// The date every "overdue" and "expired" refers to (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// The whole assessment as one JSON document (schema: assets/schema/assessment.v1.json).
    #[command(
        after_help = "Example:\n  medsec export json assessment.json --as-of 2026-11-30\n\nDevices, answers, risk register entries and the level grid; `medsec import json` reads it\nback. Replaces only an earlier medsec JSON export."
    )]
    Json {
        /// Output file (.json).
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
    /// Every evidence attachment in one zip: a folder per device (model, site) and control,
    /// with manifest.csv and manifest.json (names, sizes, SHA-256).
    #[command(
        after_help = "Example:\n  medsec export evidence evidence.zip\n\nEach file's SHA-256 is checked while writing (a damaged attachment stops the export, exit 7)\nand recomputed from the zip afterwards. Replaces only an earlier evidence export."
    )]
    Evidence {
        /// Output file (.zip).
        #[arg(value_hint = ValueHint::FilePath)]
        out: PathBuf,
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
