//! The command-line front end: parses arguments, opens the workbook, runs one command, and turns
//! every error into one line on stderr and an exit code.

mod args;
mod completions;
mod demo;
mod device;
mod error;
mod evidence;
mod export;
mod feed;
mod finding;
mod import;
mod import_copy;
mod json;
mod log;
mod manpage;
mod mds2;
mod merge;
mod output;
mod progress;
mod risk;
mod status;
mod trust;

use output::say;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches};

pub use args::Cli;
use args::{
    Command, DeviceCommand, EvidenceCommand, ExportCommand, FeedCommand, FindingCommand,
    ImportCommand, RiskCommand,
};
pub use error::{CliError, exit};

use crate::report::ReportFormat;
use crate::workbook::{Access, AssessmentMeta, PassphraseSources, Workbook, WorkbookError};

/// The workbook file name used in the platform data directory.
pub const DEFAULT_WORKBOOK_NAME: &str = "workbook.medsec";

/// Runs medsec with the process arguments; returns the exit code.
pub fn main() -> i32 {
    crate::panic_guard::install_hook();
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    match run(cli, &matches) {
        Ok(()) => exit::OK,
        Err(e) => {
            if !e.message.is_empty() {
                let mut stderr = std::io::stderr().lock();
                // The message may name a value from the user or a file: control characters
                // (ESC, BEL, C1) are shown escaped, never sent to the terminal.
                let _ = writeln!(
                    stderr,
                    "medsec: {}",
                    crate::device::fields::printable(&e.message)
                );
            }
            e.code
        }
    }
}

/// Prints help and version as clap does; a usage error as one line (exit 2).
fn usage_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return e.exit_code();
    }
    // clap's first paragraph, on one line: the error and what belongs to it (the missing
    // arguments, the possible values).
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let first = first.join(" ");
    let first = first.strip_prefix("error: ").unwrap_or(&first);
    let first = if first.is_empty() {
        "invalid arguments"
    } else {
        first
    };
    eprintln!(
        "medsec: {} (see --help)",
        crate::device::fields::printable(first)
    );
    exit::USAGE
}

/// The clap command with one flag per settable inventory field on `device add` / `device edit`.
pub fn command() -> clap::Command {
    Cli::command()
        .mut_subcommand("device", |d| {
            d.mut_subcommand("add", device::field_args)
                .mut_subcommand("edit", device::field_args)
        })
        .mut_subcommand("import", |i| {
            i.mut_subcommand("inventory", |c| c.after_help(inventory_help()))
        })
}

/// The help after `import inventory`: an example and every field key a column can map to.
fn inventory_help() -> String {
    let keys: Vec<&str> = crate::device::fields::settable_fields()
        .map(|f| f.key)
        .collect();
    format!(
        "Example:\n  medsec import inventory cmms.xlsx --map \"Equipo=name\" --map \"Placa=asset_tag\" --dry-run\n\n\
         Field keys for --map (also `extra` to keep a column as an extra attribute, `-` to ignore it):\n  {}",
        keys.join(", ")
    )
}

fn run(mut cli: Cli, matches: &clap::ArgMatches) -> Result<(), CliError> {
    let Some(command) = cli.command.take() else {
        return open_tui(&cli.workbook, &cli.passphrase_file, None);
    };
    match command {
        Command::Open { path } => open_tui(&cli.workbook, &cli.passphrase_file, path),
        Command::Init(a) => {
            let sources = PassphraseSources::workbook(cli.passphrase_file.clone(), &a.path);
            let pass = sources.get_new()?;
            let meta = AssessmentMeta {
                organisation: a.org.unwrap_or_default(),
                site: a.site.unwrap_or_default(),
                assessor: a.assessor.unwrap_or_default(),
                title: a.title.unwrap_or_default(),
                ..AssessmentMeta::default()
            };
            let wb = Workbook::create(&a.path, &pass, meta)?;
            say!(
                "created {} (encrypted; workbook ID {})",
                wb.path().display(),
                wb.meta().workbook_id
            );
            Ok(())
        }
        Command::Status { json, as_of } => {
            let as_of = risk::as_of(as_of.as_deref())?;
            let wb = open(&cli, Access::Read)?;
            status::run(&wb, json, as_of)
        }
        Command::Device(cmd) => {
            let sub = matches.subcommand_matches("device");
            match cmd {
                DeviceCommand::Add => {
                    let mut wb = open(&cli, Access::Write)?;
                    let m = sub.and_then(|m| m.subcommand_matches("add"));
                    device::add(&mut wb, m)
                }
                DeviceCommand::Edit { device } => {
                    let mut wb = open(&cli, Access::Write)?;
                    let m = sub.and_then(|m| m.subcommand_matches("edit"));
                    device::edit(&mut wb, &device, m)
                }
                DeviceCommand::Show { device, json } => {
                    let wb = open(&cli, Access::Read)?;
                    device::show(&wb, &device, json)
                }
                DeviceCommand::List { json } => {
                    let wb = open(&cli, Access::Read)?;
                    device::list(&wb, json)
                }
                DeviceCommand::Undelete { device } => {
                    let mut wb = open(&cli, Access::Write)?;
                    device::undelete(&mut wb, &device)
                }
                DeviceCommand::Delete { device } => {
                    let mut wb = open(&cli, Access::Write)?;
                    device::delete(&mut wb, &device)
                }
            }
        }
        Command::Answer(a) => {
            let mut wb = open(&cli, Access::Write)?;
            device::answer(&mut wb, &a)
        }
        Command::Risk(cmd) => match cmd {
            RiskCommand::List {
                open: open_only,
                device,
                level,
                json,
                as_of,
            } => {
                let as_of = risk::as_of(as_of.as_deref())?;
                let wb = open(&cli, Access::Read)?;
                risk::list(
                    &wb,
                    open_only,
                    device.as_deref(),
                    level.as_deref(),
                    json,
                    as_of,
                )
            }
            RiskCommand::Show { id, control, as_of } => {
                let as_of = risk::as_of(as_of.as_deref())?;
                let wb = open(&cli, Access::Read)?;
                risk::show(&wb, &id, control.as_deref(), as_of)
            }
            RiskCommand::Set(a) => {
                let mut wb = open(&cli, Access::Write)?;
                risk::set(&mut wb, &a)
            }
            RiskCommand::Grid { set, reset } => {
                let access = if set.is_empty() && !reset {
                    Access::Read
                } else {
                    Access::Write
                };
                let mut wb = open(&cli, access)?;
                risk::grid(&mut wb, &set, reset)
            }
        },
        Command::Finding(cmd) => match cmd {
            FindingCommand::List {
                device,
                state,
                json,
            } => {
                let wb = open(&cli, Access::Read)?;
                finding::list(&wb, device.as_deref(), state.as_deref(), json)
            }
            FindingCommand::Confirm { ids, note } => {
                let mut wb = open(&cli, Access::Write)?;
                finding::decide(
                    &mut wb,
                    &ids,
                    crate::workbook::FindingState::Confirmed,
                    note.as_deref(),
                )
            }
            FindingCommand::Dismiss { ids, note } => {
                let mut wb = open(&cli, Access::Write)?;
                finding::decide(
                    &mut wb,
                    &ids,
                    crate::workbook::FindingState::Dismissed,
                    note.as_deref(),
                )
            }
            FindingCommand::Reset { ids, note } => {
                let mut wb = open(&cli, Access::Write)?;
                finding::decide(
                    &mut wb,
                    &ids,
                    crate::workbook::FindingState::Suggested,
                    note.as_deref(),
                )
            }
            FindingCommand::Rate {
                id,
                likelihood,
                impact,
            } => {
                let mut wb = open(&cli, Access::Write)?;
                finding::rate(&mut wb, &id, likelihood.as_deref(), impact.as_deref())
            }
            FindingCommand::Refresh => {
                let mut wb = open(&cli, Access::Write)?;
                finding::refresh(&mut wb)
            }
        },
        Command::Evidence(cmd) => match cmd {
            EvidenceCommand::Add {
                target,
                control,
                file,
                caption,
            } => {
                let mut wb = open(&cli, Access::Write)?;
                evidence::add(&mut wb, &target, &control, &file, caption.as_deref())
            }
            EvidenceCommand::List {
                target,
                control,
                json,
            } => {
                let wb = open(&cli, Access::Read)?;
                evidence::list(&wb, target.as_deref(), control.as_deref(), json)
            }
            EvidenceCommand::Extract { id, out, force } => {
                let wb = open(&cli, Access::Read)?;
                evidence::extract(&wb, &id, &out, force)
            }
            EvidenceCommand::Remove { id } => {
                let mut wb = open(&cli, Access::Write)?;
                evidence::remove(&mut wb, &id)
            }
            EvidenceCommand::Limit { size } => {
                let access = if size.is_some() {
                    Access::Write
                } else {
                    Access::Read
                };
                let mut wb = open(&cli, access)?;
                evidence::limit(&mut wb, size.as_deref())
            }
        },
        Command::Demo(a) => match demo::create(&a, &cli.workbook, &cli.passphrase_file)? {
            Some(wb) => run_tui(wb),
            None => Ok(()),
        },
        Command::Import(ImportCommand::Nmap { file, options }) => {
            let access = if options.dry_run {
                Access::Read
            } else {
                Access::Write
            };
            let mut wb = open(&cli, access)?;
            import::nmap(&mut wb, &file, &options)
        }
        Command::Import(ImportCommand::Inventory {
            file,
            sheet,
            header_row,
            map,
            options,
        }) => {
            let access = if options.dry_run {
                Access::Read
            } else {
                Access::Write
            };
            let mut wb = open(&cli, access)?;
            import::inventory(&mut wb, &file, sheet, header_row, &map, &options)
        }
        Command::Import(ImportCommand::Workbook {
            file,
            copy,
            options,
        }) => {
            let mut wb = open(&cli, access_for(&options))?;
            import_copy::workbook(&mut wb, &file, &copy, &options)
        }
        Command::Import(ImportCommand::Mds2 {
            file,
            device,
            model,
            overwrite,
            dry_run,
        }) => {
            let access = if dry_run { Access::Read } else { Access::Write };
            let mut wb = open(&cli, access)?;
            mds2::import(
                &mut wb,
                &mds2::Mds2Args {
                    file: &file,
                    device: device.as_deref(),
                    model: model.as_deref(),
                    overwrite,
                    dry_run,
                },
            )
        }
        Command::Import(ImportCommand::Json {
            file,
            copy,
            options,
        }) => {
            let mut wb = open(&cli, access_for(&options))?;
            import_copy::json(&mut wb, &file, &copy, &options)
        }
        Command::Import(ImportCommand::Feed {
            path,
            dry_run,
            skip_invalid,
        }) => {
            let access = if dry_run { Access::Read } else { Access::Write };
            let mut wb = open(&cli, access)?;
            feed::import_feed(&mut wb, &path, dry_run, skip_invalid)
        }
        Command::Import(ImportCommand::Sbom {
            file,
            device,
            dry_run,
        }) => {
            let access = if dry_run { Access::Read } else { Access::Write };
            let mut wb = open(&cli, access)?;
            feed::import_sbom(&mut wb, &file, &device, dry_run)
        }
        Command::Log {
            device,
            control,
            json,
        } => {
            let wb = open(&cli, Access::Read)?;
            log::run(&wb, device.as_deref(), control.as_deref(), json)
        }
        Command::Feed(FeedCommand::List { json }) => {
            let wb = open(&cli, Access::Read)?;
            feed::list(&wb, json)
        }
        Command::Export(ExportCommand::Xlsx { out, as_of }) => {
            let wb = open(&cli, Access::Read)?;
            export::xlsx(&wb, &out, as_of.as_deref())
        }
        Command::Export(ExportCommand::Csv { out, as_of }) => {
            let wb = open(&cli, Access::Read)?;
            export::csv(&wb, &out, as_of.as_deref())
        }
        Command::Export(ExportCommand::Json { out, as_of }) => {
            let wb = open(&cli, Access::Read)?;
            export::json(&wb, &out, as_of.as_deref())
        }
        Command::Export(ExportCommand::Template { out, devices }) => {
            export::template(&out, devices)
        }
        Command::Export(ExportCommand::Evidence { out }) => {
            let wb = open(&cli, Access::Read)?;
            evidence::export_zip(&wb, &out)
        }
        Command::Export(ExportCommand::Html { out, as_of }) => {
            let wb = open(&cli, Access::Read)?;
            export::report(&wb, &out, ReportFormat::Html, as_of.as_deref())
        }
        Command::Export(ExportCommand::Markdown { out, as_of }) => {
            let wb = open(&cli, Access::Read)?;
            export::report(&wb, &out, ReportFormat::Markdown, as_of.as_deref())
        }
        Command::Merge(a) => {
            let access = if a.dry_run {
                Access::Read
            } else {
                Access::Write
            };
            let mut wb = open(&cli, access)?;
            merge::run(&mut wb, &a)
        }
        Command::Verify { expect, json } => {
            let (path, is_default) = workbook_path(&cli.workbook)?;
            trust::verify(
                &path,
                is_default,
                &cli.passphrase_file,
                expect.as_deref(),
                json,
            )
        }
        Command::Rekey {
            new_passphrase_file,
        } => {
            let (path, is_default) = workbook_path(&cli.workbook)?;
            trust::rekey(&path, is_default, &cli.passphrase_file, new_passphrase_file)
        }
        Command::Backup { out } => {
            let (path, is_default) = workbook_path(&cli.workbook)?;
            trust::backup(&path, is_default, &cli.passphrase_file, &out)
        }
        // Neither needs a workbook or a passphrase.
        Command::Completions { shell } => completions::run(shell),
        Command::Manpage => manpage::run(),
    }
}

/// A dry run only reads the workbook (a shared lock); a real import writes.
fn access_for(options: &args::ImportOptions) -> Access {
    if options.dry_run {
        Access::Read
    } else {
        Access::Write
    }
}

/// The workbook path: `-w/--workbook` (or `MEDSEC_WORKBOOK`), else the default workbook in the
/// platform data directory.
fn workbook_path(explicit: &Option<PathBuf>) -> Result<(PathBuf, bool), CliError> {
    if let Some(p) = explicit {
        return Ok((p.clone(), false));
    }
    // An empty variable counts as unset (PRODUCT.md "Command line").
    if let Some(p) = std::env::var_os("MEDSEC_WORKBOOK").filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(p), false));
    }
    default_workbook().map(|p| (p, true)).ok_or_else(|| {
        CliError::usage("no home directory to keep the default workbook in; give one with -w PATH")
    })
}

/// The default workbook: `<platform data dir>/medsec/workbook.medsec` (e.g.
/// `~/.local/share/medsec/workbook.medsec` on Linux).
pub fn default_workbook() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "medsec")
        .map(|d| d.data_dir().join(DEFAULT_WORKBOOK_NAME))
}

fn open(cli: &Cli, access: Access) -> Result<Workbook, CliError> {
    let (path, is_default) = workbook_path(&cli.workbook)?;
    open_path(&path, is_default, &cli.passphrase_file, access)
}

/// The assessor name this session records changes under, when it is not the workbook's own:
/// `MEDSEC_ASSESSOR`, else `assessor = "NAME"` in `config.toml` in the platform config directory
/// (e.g. `~/.config/medsec/config.toml`). Never the operating-system login.
///
/// Errors: a config file that exists but does not read (exit 1, naming the file).
fn session_assessor() -> Result<Option<String>, CliError> {
    if let Some(name) = std::env::var("MEDSEC_ASSESSOR")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(Some(name));
    }
    let Some(file) = directories::ProjectDirs::from("", "", "medsec")
        .map(|d| d.config_dir().join("config.toml"))
    else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::general(format!("{}: {e}", file.display()))),
    };
    #[derive(serde::Deserialize)]
    struct Config {
        assessor: Option<String>,
    }
    let config: Config = toml::from_str(&text)
        .map_err(|e| CliError::general(format!("{}: {}", file.display(), e.message())))?;
    Ok(config.assessor.filter(|a| !a.trim().is_empty()))
}

fn open_path(
    path: &Path,
    is_default: bool,
    passphrase_file: &Option<PathBuf>,
    access: Access,
) -> Result<Workbook, CliError> {
    open_path_keyed(path, is_default, passphrase_file, access).map(|(wb, _)| wb)
}

/// [`open_path`], also returning the passphrase that opened the workbook (for `backup` and
/// `rekey`, which write copies under it; wiped when dropped).
fn open_path_keyed(
    path: &Path,
    is_default: bool,
    passphrase_file: &Option<PathBuf>,
    access: Access,
) -> Result<(Workbook, crate::workbook::Passphrase), CliError> {
    open_path_keyed_by(path, is_default, passphrase_file, &|p, k| {
        Workbook::open(p, k, access)
    })
}

/// [`open_path_keyed`] opening with `open` (e.g. [`Workbook::open_as_is`] for `verify` and
/// `backup`, which must not upgrade an older workbook).
fn open_path_keyed_by(
    path: &Path,
    is_default: bool,
    passphrase_file: &Option<PathBuf>,
    open: &dyn Fn(&Path, &crate::workbook::Passphrase) -> Result<Workbook, WorkbookError>,
) -> Result<(Workbook, crate::workbook::Passphrase), CliError> {
    if !path.exists() {
        let hint = if is_default {
            format!(
                "no workbook yet at the default location {}; run `medsec` to create it, or use -w PATH",
                path.display()
            )
        } else {
            WorkbookError::NotFound(path.to_path_buf()).to_string()
        };
        return Err(CliError::general(hint));
    }
    let sources = PassphraseSources::workbook(passphrase_file.clone(), path);
    // At the terminal, a mistyped passphrase is asked again (a fresh connection each time).
    let attempts = if sources.is_prompt() { 3 } else { 1 };
    let mut attempt = 1;
    loop {
        let pass = sources.get()?;
        match open(path, &pass) {
            Err(WorkbookError::WrongPassphrase(_)) if attempt < attempts => {
                eprintln!("wrong passphrase; try again.");
                attempt += 1;
            }
            result => {
                let mut wb = result?;
                if let Some(name) = session_assessor()? {
                    wb.set_actor(&name);
                }
                // Said once, when it happens: where the copy made before the upgrade is.
                if let Some(backup) = wb.pre_migration_backup() {
                    eprintln!(
                        "upgraded {} to schema {}; the encrypted copy made before is {}",
                        path.display(),
                        crate::workbook::schema::SCHEMA_VERSION,
                        backup.display()
                    );
                }
                // Said once, when it happens: the answers whose question changed are now
                // suggestions awaiting review (see `workbook::catalog_upgrade`).
                if let Some(up) = wb.catalog_upgrade() {
                    for line in up.lines(20) {
                        eprintln!("{line}");
                    }
                }
                return Ok((wb, pass));
            }
        }
    }
}

fn open_tui(
    workbook: &Option<PathBuf>,
    passphrase_file: &Option<PathBuf>,
    path: Option<PathBuf>,
) -> Result<(), CliError> {
    let (path, is_default) = match path {
        Some(p) => (p, false),
        None => workbook_path(workbook)?,
    };
    if !std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "the TUI needs a terminal; use a command such as `medsec device list` in scripts",
        ));
    }
    let sources = PassphraseSources::workbook(passphrase_file.clone(), &path);
    let wb = if is_default && !path.exists() {
        eprintln!(
            "Creating your workbook at {} (encrypted). Choose a passphrase of at least 10 characters.",
            path.display()
        );
        let pass = sources.get_new()?;
        let mut wb = Workbook::create(&path, &pass, AssessmentMeta::default())?;
        if let Some(name) = session_assessor()? {
            wb.set_actor(&name);
        }
        wb
    } else {
        open_path(&path, is_default, passphrase_file, Access::Write)?
    };
    run_tui(wb)
}

/// Runs the TUI on an open workbook; a signal or a closed terminal is exit 130.
fn run_tui(wb: Workbook) -> Result<(), CliError> {
    crate::tui::run(wb).map_err(|e| match e {
        crate::tui::TuiError::Interrupted | crate::tui::TuiError::HungUp => CliError {
            code: exit::INTERRUPTED,
            message: e.to_string(),
        },
        e => CliError::general(e.to_string()),
    })
}
