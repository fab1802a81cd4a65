//! `medsec finding list|confirm|dismiss|reset|refresh`: the vulnerability findings matched from
//! the feeds and SBOMs (TEMPLATE.md "2 CVE Findings") and the assessor's decision on each.
//! Every output names the feeds it rests on with their dates ("KEV of 2025-08-25") and flags
//! feeds older than 30 days; old feeds are never refused.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::error::CliError;
use super::output::say;
use super::risk::{fit, today};
use crate::device::fields::printable;
use crate::vuln::{FeedIndex, FeedInfo, STALE_AFTER_DAYS};
use crate::workbook::{
    FindingState, RefreshOutcome, VulnFinding, Workbook, format_finding_id, parse_finding_id,
};

/// The feeds of the workbook in at most two lines: the KEV catalog (`KEV of 2025-08-25, 461 days
/// old`) and the advisories and records by their newest; each flagged `OLD` past
/// [`STALE_AFTER_DAYS`]. Each finding names its own feeds; `medsec feed list` lists them all.
fn feed_lines(index: &FeedIndex, today: NaiveDate) -> Vec<String> {
    let age = |f: &FeedInfo| {
        let days = (today - f.feed_date).num_days();
        if f.is_stale(today) {
            format!(
                "{days} days old — OLD (over {STALE_AFTER_DAYS} days): newer data may list more"
            )
        } else {
            format!("{days} days old")
        }
    };
    let mut lines = Vec::new();
    if let Some(kev) = &index.kev {
        lines.push(format!("{}, {}", kev.dated_name(), age(kev)));
    }
    if let Some(newest) = index
        .advisories
        .iter()
        .map(|(f, _)| f)
        .max_by_key(|f| f.feed_date)
    {
        let n = index.advisories.len();
        lines.push(format!(
            "{n} advisor{} and records, the newest {}, {}",
            if n == 1 { "y" } else { "ies" },
            newest.dated_name(),
            age(newest)
        ));
    }
    lines
}

fn feed_json(index: &FeedIndex, today: NaiveDate) -> Vec<Value> {
    index
        .kev
        .iter()
        .chain(index.advisories.iter().map(|(f, _)| f))
        .map(|f| {
            json!({
                "kind": f.kind.label(),
                "name": f.name,
                "feed_date": f.feed_date.to_string(),
                "version": (!f.version.is_empty()).then(|| f.version.clone()),
                "stale": f.is_stale(today),
            })
        })
        .collect()
}

/// Says which feeds the findings rest on, one line each (none: says so).
fn say_feeds(index: &FeedIndex, today: NaiveDate) -> Result<(), CliError> {
    let lines = feed_lines(index, today);
    if lines.is_empty() {
        say!("Feeds: none imported (medsec import feed FILE_OR_DIR)");
    } else {
        say!("Feeds (medsec feed list shows each with its date):");
        for l in lines {
            say!("  {}", printable(&l));
        }
    }
    Ok(())
}

/// The row IDs of the Finding IDs given (`F-0001`, `1`).
///
/// Errors (exit 2): an argument that is not a Finding ID.
fn ids_of(args: &[String]) -> Result<Vec<i64>, CliError> {
    args.iter()
        .map(|a| {
            parse_finding_id(a).ok_or_else(|| {
                CliError::usage(format!(
                    "{:?} is not a Finding ID: give F-0001 (or 1); medsec finding list shows them",
                    printable(a)
                ))
            })
        })
        .collect()
}

fn short_ids(wb: &Workbook) -> Result<HashMap<i64, (String, String)>, CliError> {
    Ok(wb
        .devices()?
        .into_iter()
        .map(|d| (d.id, (d.short_id(), d.uuid.clone())))
        .collect())
}

/// `medsec finding list`.
pub(in crate::cli) fn list(
    wb: &Workbook,
    device: Option<&str>,
    state: Option<&str>,
    as_json: bool,
) -> Result<(), CliError> {
    let state = state
        .map(|s| {
            FindingState::parse(s).ok_or_else(|| {
                CliError::usage(format!(
                    "{:?} is not a state: give suggested, confirmed or dismissed",
                    printable(s)
                ))
            })
        })
        .transpose()?;
    let device = device.map(|d| wb.find_device(d)).transpose()?;
    let today = today();
    let index = wb.feed_index()?;
    let devices = short_ids(wb)?;
    let risk_ids: HashMap<i64, String> = wb
        .finding_risk_entries()?
        .into_iter()
        .filter_map(|(f, e)| e.risk_id().map(|r| (f, r)))
        .collect();
    let list: Vec<VulnFinding> = wb
        .vuln_findings()?
        .into_iter()
        .filter(|f| device.as_ref().is_none_or(|d| d.id == f.device_id))
        .filter(|f| state.is_none_or(|s| s == f.state))
        .collect();
    if as_json {
        let out = json!({
            "feeds": feed_json(&index, today),
            "findings": list.iter().map(|f| {
                let d = devices.get(&f.device_id);
                f.to_json(d.map(|d| (d.0.as_str(), d.1.as_str())), risk_ids.get(&f.id).map(String::as_str), today)
            }).collect::<Vec<_>>(),
        });
        say!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    say_feeds(&index, today)?;
    if list.is_empty() {
        say!(
            "No vulnerability findings{}.",
            match state {
                Some(s) => format!(" in state {}", s.label()),
                None => String::new(),
            }
        );
        return Ok(());
    }
    say!(
        "{:<7} {:<8} {:<16} {:<9} {:<6} {:<3} {:<4} {}",
        "Finding",
        "Device",
        "CVE",
        "State",
        "Conf.",
        "KEV",
        "L",
        "Reason · feeds"
    );
    for f in &list {
        let mut flags = Vec::new();
        if f.stale_since.is_some() {
            flags.push("no longer matched".to_string());
        }
        if f.feed_is_old(today) {
            flags.push("old feed".to_string());
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        };
        let (l, default) = f.likelihood();
        let component = if f.component.is_empty() {
            String::new()
        } else {
            format!("{} {}: ", f.component, f.component_version)
        };
        say!(
            "{:<7} {:<8} {} {:<9} {:<6} {:<3} {:<4} {}",
            f.finding_id(),
            devices
                .get(&f.device_id)
                .map(|d| d.0.as_str())
                .unwrap_or("?"),
            fit(&f.cve, 16),
            f.state.label(),
            f.found.confidence.label(),
            if f.kev_listed() { "Yes" } else { "No" },
            format!("{l}{}", if default { "*" } else { "" }),
            printable(&format!(
                "{component}{} · {}{flags}{}",
                f.found.reason,
                f.feed_dates(),
                if f.note.is_empty() {
                    String::new()
                } else {
                    format!(" · note: {}", f.note)
                }
            )),
        );
    }
    let example = list
        .iter()
        .find(|f| f.state == FindingState::Suggested)
        .or(list.first())
        .map_or_else(|| "F-0001".to_string(), |f| format_finding_id(f.id));
    say!(
        "{} finding{}. L = likelihood (* = suggested from KEV and CVSS). Confirm with `medsec finding confirm {}`, dismiss with `medsec finding dismiss {} --note REASON`.",
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        example,
        example
    );
    Ok(())
}

/// `medsec finding confirm|dismiss|reset`: one undo step for all the findings given.
pub(in crate::cli) fn decide(
    wb: &mut Workbook,
    ids: &[String],
    state: FindingState,
    note: Option<&str>,
) -> Result<(), CliError> {
    let ids = ids_of(ids)?;
    if state == FindingState::Dismissed && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(CliError::usage(
            "dismissing a finding needs a reason: give --note TEXT (e.g. --note \"firmware 4.2 installed, not affected\")",
        ));
    }
    let stored = wb.set_finding_state(&ids, state, note)?;
    let devices = short_ids(wb)?;
    let entries = wb.finding_risk_entries()?;
    let today = today();
    for f in &stored {
        let risk = match (state, entries.get(&f.id).and_then(|e| e.risk_id())) {
            (FindingState::Confirmed, Some(r)) => format!(", in the register as {r}"),
            _ => String::new(),
        };
        let old = if f.feed_is_old(today) {
            " — feed older than 30 days"
        } else {
            ""
        };
        say!(
            "{} {} {}: {}{risk} ({}{old})",
            f.finding_id(),
            devices
                .get(&f.device_id)
                .map(|d| d.0.as_str())
                .unwrap_or("?"),
            printable(&f.subject()),
            f.state.label(),
            printable(&f.feed_dates()),
        );
    }
    Ok(())
}

/// `medsec finding refresh`: matches every device again against the stored feeds.
pub(in crate::cli) fn refresh(wb: &mut Workbook) -> Result<(), CliError> {
    let out: RefreshOutcome = wb.refresh_findings()?;
    let today = today();
    say_feeds(&wb.feed_index()?, today)?;
    say!(
        "Checked {} devices: {} new, {} updated, {} no longer matched (kept, marked), {} still dismissed.",
        out.devices,
        out.new,
        out.updated,
        out.stale,
        out.still_dismissed
    );
    Ok(())
}

/// A rating flag: `Some(None)` for `default`, `Some(Some(n))` for 1–5.
///
/// Errors (exit 2): anything else, naming the flag and the value.
fn rating(flag: &str, value: Option<&str>) -> Result<Option<Option<u8>>, CliError> {
    value
        .map(|v| {
            let t = v.trim();
            if t.eq_ignore_ascii_case("default") {
                return Ok(None);
            }
            t.parse::<u8>()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "--{flag} {:?}: give a whole number from 1 to 5, or default",
                        printable(v)
                    ))
                })
        })
        .transpose()
}

/// `medsec finding rate`: one undo step.
pub(in crate::cli) fn rate(
    wb: &mut Workbook,
    id: &str,
    likelihood: Option<&str>,
    impact: Option<&str>,
) -> Result<(), CliError> {
    let ids = ids_of(&[id.to_string()])?;
    let n = ids.first().copied().unwrap_or_default();
    let l = rating("likelihood", likelihood)?;
    let i = rating("impact", impact)?;
    if l.is_none() && i.is_none() {
        return Err(CliError::usage(
            "nothing to change: give --likelihood and/or --impact (1-5 or default)",
        ));
    }
    let Some(stored) = wb.vuln_finding(n)? else {
        return Err(CliError::usage(format!(
            "no finding {} (see `medsec finding list`)",
            crate::workbook::format_finding_id(n)
        )));
    };
    let f = wb.rate_finding(
        n,
        l.unwrap_or(stored.rated_likelihood),
        i.unwrap_or(stored.rated_impact),
    )?;
    let (likelihood, default) = f.likelihood();
    let impact = f
        .rated_impact
        .map_or_else(|| "the device's default".to_string(), |i| i.to_string());
    say!(
        "{} {}: likelihood {likelihood}{}, impact {impact}",
        f.finding_id(),
        printable(&f.subject()),
        if default { " (suggested)" } else { "" }
    );
    Ok(())
}

/// After the devices `ids` (row IDs) were added or changed (`device add` / `edit`): matches them
/// again when the workbook holds feeds, so that findings follow the inventory, and says what
/// changed in one line (nothing when nothing did).
///
/// Errors: the workbook's.
pub(in crate::cli) fn refresh_after_device_change(
    wb: &mut Workbook,
    ids: &[i64],
) -> Result<(), CliError> {
    say_refreshed(wb.refresh_device_findings(ids)?)
}

/// After an import that may add or change many devices: every device is matched again when the
/// workbook holds feeds.
///
/// Errors: the workbook's.
pub(in crate::cli) fn refresh_after_import(wb: &mut Workbook) -> Result<(), CliError> {
    if wb.feeds()?.is_empty() {
        return Ok(());
    }
    say_refreshed(wb.refresh_findings()?)
}

/// Says what a refresh changed in one line; nothing when nothing did.
fn say_refreshed(out: RefreshOutcome) -> Result<(), CliError> {
    if out.new > 0 || out.stale > 0 {
        say!(
            "vulnerability findings refreshed: {} new, {} no longer matched (medsec finding list)",
            out.new,
            out.stale
        );
    }
    Ok(())
}
