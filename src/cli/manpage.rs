//! `medsec manpage`: one manual page, medsec(1), in roff, generated with clap_mangen from the
//! same [`command`](super::command) that parses the arguments. It holds the global options, a
//! COMMANDS section with every command and subcommand (its description, synopsis, options and
//! example), and the notes of `medsec --help` (passphrase sources, exit codes).

use std::io;

use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};

use super::error::CliError;
use super::output::write_bytes;

/// The two lines roff writes before every rendered piece; kept once, after `.TH`.
const APOSTROPHE_LINES: [&str; 2] = [r".ie \n(.g .ds Aq \(aq", r".el .ds Aq '"];

/// The manual section: user commands.
const SECTION: &str = "1";

/// Prints the manual page to stdout.
///
/// Errors: stdout closed ([`BROKEN_PIPE`](super::output::BROKEN_PIPE)) or not writable.
pub(super) fn run() -> Result<(), CliError> {
    let page = page(super::command())
        .map_err(|e| CliError::general(format!("cannot render the manual page: {e}")))?;
    write_bytes(page.as_bytes())
}

/// The manual page of `cmd` (section 1) as roff source; its first line is the `.TH` header.
///
/// Errors: none in practice (the page is rendered into memory); an `io::Error` from clap_mangen
/// is passed on.
pub fn page(cmd: clap::Command) -> io::Result<String> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let man = Man::new(cmd.clone()).section(SECTION);
    let mut out = Vec::new();
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    let mut heading = Roff::new();
    heading.control("SH", ["COMMANDS"]);
    heading.to_writer(&mut out)?;
    for sub in shown_subcommands(&cmd) {
        entry(sub, &mut out)?;
    }
    if let Some(help) = cmd.get_after_help() {
        let mut notes = Roff::new();
        notes.control("SH", ["NOTES"]);
        after_help(&mut notes, &help.to_string());
        notes.to_writer(&mut out)?;
    }
    man.render_version_section(&mut out)?;
    Ok(tidy(&cmd, &String::from_utf8_lossy(&out)))
}

/// One command under COMMANDS: `.SS medsec import nmap`, its description, synopsis, options
/// (without the global ones, listed once under OPTIONS) and example; then its subcommands.
fn entry(cmd: &clap::Command, out: &mut Vec<u8>) -> io::Result<()> {
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let mut head = Roff::new();
    head.control("SS", [name]);
    head.to_writer(out)?;
    let own = cmd.clone().mut_args(|a| {
        if a.is_global_set() || a.get_id() == "help" {
            a.hide(true)
        } else {
            a
        }
    });
    let man = Man::new(own);
    let mut body = Vec::new();
    man.render_description_section(&mut body)?;
    Roff::new().control("PP", []).to_writer(&mut body)?;
    man.render_synopsis_section(&mut body)?;
    man.render_options_section(&mut body)?;
    // The pieces come as sections; here they are parts of one subsection.
    for line in String::from_utf8_lossy(&body).lines() {
        if !line.starts_with(".SH") {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    if let Some(help) = cmd.get_after_help() {
        let mut example = Roff::new();
        example.control("PP", []);
        after_help(&mut example, &help.to_string());
        example.to_writer(out)?;
    }
    for sub in shown_subcommands(cmd) {
        entry(sub, out)?;
    }
    Ok(())
}

/// The subcommands that are not hidden, in the order `--help` lists them.
fn shown_subcommands(cmd: &clap::Command) -> Vec<&clap::Command> {
    let mut subs: Vec<&clap::Command> =
        cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    subs.sort_by_key(|s| s.get_display_order());
    subs
}

/// The text after a command's help: example command lines (`medsec …`) kept as typed, indented;
/// other lines one per line; a blank line starts a paragraph.
fn after_help(roff: &mut Roff, text: &str) {
    let mut in_example = false;
    for line in text.lines() {
        let t = line.trim();
        let example = t.starts_with("medsec ");
        if in_example && !example {
            roff.control("fi", []).control("RE", []);
            in_example = false;
        }
        if t.is_empty() {
            roff.control("PP", []);
        } else if example {
            if !in_example {
                roff.control("RS", ["4"]).control("nf", []);
                in_example = true;
            }
            roff.text([roman(t)]);
        } else {
            roff.text([roman(t)]).control("br", []);
        }
    }
    if in_example {
        roff.control("fi", []).control("RE", []);
    }
}

/// The `.TH` line (no date, so the page is the same on every build; clap_mangen would drop
/// the empty date and shift the other fields), the apostrophe definitions once, then `body`.
fn tidy(cmd: &clap::Command, body: &str) -> String {
    let name = cmd.get_name();
    let version = cmd.get_version().unwrap_or_default();
    let mut page = format!(
        ".TH {} {SECTION} \"\" \"{name} {version}\" \"User Commands\"\n",
        name.to_uppercase()
    );
    let lines = body.lines().filter(|l| !APOSTROPHE_LINES.contains(l));
    for line in APOSTROPHE_LINES.iter().copied().chain(lines) {
        page.push_str(line);
        page.push('\n');
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_starts_with_its_header_and_covers_every_command() -> io::Result<()> {
        let page = page(super::super::command())?;
        assert!(page.starts_with(".TH MEDSEC 1"), "{}", &page[..80]);
        assert_eq!(page.matches(APOSTROPHE_LINES[0]).count(), 1);
        for heading in [
            ".SS \"medsec import nmap\"",
            ".SS \"medsec device add\"",
            ".SS \"medsec export template\"",
            ".SS \"medsec completions\"",
        ] {
            assert!(page.contains(heading), "{heading} missing");
        }
        // Global options are listed once, under OPTIONS, not again per command.
        let nmap = page
            .split(".SS \"medsec import nmap\"")
            .nth(1)
            .and_then(|rest| rest.split(".SS").next())
            .unwrap_or_default();
        assert!(nmap.contains(r"\fB\-\-dry\-run\fR"), "{nmap}");
        assert!(!nmap.contains("passphrase"), "{nmap}");
        // Examples are kept as typed.
        assert!(page.contains(".nf\nmedsec import nmap scan.xml \\-\\-dry\\-run\n.fi"));
        Ok(())
    }
}
