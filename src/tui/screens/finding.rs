//! How a finding and its risk register entry are put into words on screen, the same on the
//! Findings table, its details pane, the checklist's detail pane, the walkthrough and the
//! dashboard: the Risk ID, the level (inherent, then residual: `VH→L`), the due date in force
//! (with `*` when it is the default by level, TEMPLATE.md "Default due dates"), and the flags
//! OVERDUE, EXPIRED and PS! (uncontrolled patient-safety risk). Colour is never the only
//! signal: every level and flag is written out.

use chrono::NaiveDate;
use ratatui::text::Line;

use super::detail::field;
use crate::assessment::{Response, Target};
use crate::risk::register::Finding;
use crate::risk::{Treatment, scale_label};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;

/// Something about a finding that needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Open (Open or In Progress) and past its due date.
    Overdue,
    /// Treated by Accept and its review date has passed (TEMPLATE.md "Risk Register", Expired).
    Expired,
    /// Patient-safety impact 4 or more and not controlled, whatever the level (TEMPLATE.md
    /// "Risk Matrix", FDA postmarket framing).
    UncontrolledSafety,
}

impl Flag {
    /// Every flag, in the order [`flags`] gives them (most urgent first).
    pub const ALL: [Flag; 3] = [Flag::UncontrolledSafety, Flag::Overdue, Flag::Expired];

    /// The flag as the wide table and the details write it: `OVERDUE`, `EXPIRED`, `PS!`.
    pub fn label(self) -> &'static str {
        match self {
            Flag::Overdue => "OVERDUE",
            Flag::Expired => "EXPIRED",
            Flag::UncontrolledSafety => "PS!",
        }
    }

    /// The flag in at most three letters, for the 80-column table: `OVD`, `EXP`, `PS!`.
    pub fn short(self) -> &'static str {
        match self {
            Flag::Overdue => "OVD",
            Flag::Expired => "EXP",
            Flag::UncontrolledSafety => "PS!",
        }
    }

    /// What the flag means, in words.
    pub fn meaning(self) -> &'static str {
        match self {
            Flag::Overdue => "open and past its due date",
            Flag::Expired => "accepted, and its review date has passed",
            Flag::UncontrolledSafety => {
                "uncontrolled patient-safety risk: patient-safety impact 4 or more, not closed, \
                 no residual rating of Low or below"
            }
        }
    }
}

/// The flags of a finding on `today`, most urgent first.
pub fn flags(f: &Finding<'_>, today: NaiveDate) -> Vec<Flag> {
    let mut out = Vec::new();
    if f.is_uncontrolled_safety() {
        out.push(Flag::UncontrolledSafety);
    }
    if f.is_overdue(today) {
        out.push(Flag::Overdue);
    }
    if f.is_expired(today) {
        out.push(Flag::Expired);
    }
    out
}

/// The flags joined by spaces, long (`OVERDUE PS!`) or short (`OVD PS!`).
pub fn flags_text(f: &Finding<'_>, today: NaiveDate, long: bool) -> String {
    flags(f, today)
        .into_iter()
        .map(|x| if long { x.label() } else { x.short() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Columns that every flag of one finding takes at most, joined by spaces: 11 short
/// (`PS! OVD EXP`), 19 long (`PS! OVERDUE EXPIRED`); a flags column this wide never cuts one.
pub fn flags_width(long: bool) -> usize {
    let words: usize = Flag::ALL
        .iter()
        .map(|f| if long { f.label() } else { f.short() }.chars().count())
        .sum();
    words + Flag::ALL.len() - 1
}

/// The Risk ID (`R-0012`), or `·` for an entry not stored yet.
pub fn risk_id(f: &Finding<'_>) -> String {
    f.entry.risk_id().unwrap_or_else(|| "·".to_string())
}

/// The level in two letters, then the residual one when rated: `VH→L`, `VH`; `·` unrated.
pub fn levels_short(f: &Finding<'_>) -> String {
    let inherent = f.level().map(|l| l.abbreviation()).unwrap_or("·");
    match f.residual_level() {
        Some(r) => format!("{inherent}→{}", r.abbreviation()),
        None => inherent.to_string(),
    }
}

/// The due date in force (YYYY-MM-DD), with `*` when it is the default by level; `·` for none.
pub fn due_short(f: &Finding<'_>) -> String {
    match f.due_date() {
        Some(d) if f.entry.due_default => format!("{d}*"),
        Some(d) => d.to_string(),
        None => "·".to_string(),
    }
}

/// The treatment in at most six columns: `Mitig.`, `Accept`, `Transf`, `Avoid`; `·` none.
pub fn treatment_short(t: Option<Treatment>) -> &'static str {
    match t {
        Some(Treatment::Mitigate) => "Mitig.",
        Some(Treatment::Accept) => "Accept",
        Some(Treatment::Transfer) => "Transf",
        Some(Treatment::Avoid) => "Avoid",
        None => "·",
    }
}

/// The status in at most seven columns: `Open`, `In Prog`, `Closed`.
pub fn status_short(f: &Finding<'_>) -> &'static str {
    match f.entry.status {
        crate::risk::RiskStatus::InProgress => "In Prog",
        other => other.label(),
    }
}

/// Where the finding is: `DEV-0001 Infusion pump 3`, `Model B. Braun Space, shown on 4
/// devices`, `Site Main, shown on 5 devices`. Not sanitised.
pub fn target_words(app: &App, f: &Finding<'_>) -> String {
    match &f.target {
        Target::Device(_) => {
            let name = f
                .first_device
                .and_then(|i| app.devices.get(i))
                .map(|d| d.get("name").to_string())
                .unwrap_or_default();
            format!("{} {name}", f.name).trim().to_string()
        }
        Target::Model { .. } => format!("Model {}, {}", f.name, shown_on(f.covers)),
        Target::Site(_) => {
            let name = if f.name.is_empty() {
                "default site"
            } else {
                &f.name
            };
            format!("Site {name}, {}", shown_on(f.covers))
        }
    }
}

/// "shown on 1 device", "shown on 4 devices".
fn shown_on(n: usize) -> String {
    if n == 1 {
        "shown on 1 device".to_string()
    } else {
        format!("shown on {n} devices")
    }
}

/// The impact per dimension as the register shows it: `patient safety 5 · PHI / data 3 ·
/// clinical operations –`; `None` when the impact was rated as one number.
pub fn dimensions_words(f: &Finding<'_>) -> Option<String> {
    if f.dimension_impacts.iter().all(Option::is_none) {
        return None;
    }
    let parts: Vec<String> = crate::catalog::ImpactDimension::ALL
        .iter()
        .map(|d| match f.dimension_impacts[d.index()] {
            Some(v) => format!("{} {v}", d.label()),
            None => format!("{} –", d.label()),
        })
        .collect();
    Some(parts.join(" · "))
}

/// The impact per dimension in a few words: `safety 5, PHI 3, ops –`; `None` when the impact
/// was rated as one number.
pub fn dimensions_short(f: &Finding<'_>) -> Option<String> {
    if f.dimension_impacts.iter().all(Option::is_none) {
        return None;
    }
    let v = |i: usize| {
        f.dimension_impacts[i]
            .map(|v| v.to_string())
            .unwrap_or("–".into())
    };
    Some(format!("safety {}, PHI {}, ops {}", v(0), v(1), v(2)))
}

/// The inherent rating in words: `likelihood 4 High × impact 5 Very High = 20 Very High`
/// (`long`) or `L4 × I5 = 20 Very High`; `None` when not rated.
pub fn rating_words(f: &Finding<'_>, long: bool) -> Option<String> {
    let (l, i, level) = (f.likelihood?, f.impact?, f.level()?);
    let score = u16::from(l) * u16::from(i);
    Some(if long {
        format!(
            "likelihood {l} {} × impact {i} {} = {score} {}",
            scale_label(l),
            scale_label(i),
            level.label()
        )
    } else {
        format!("L{l} × I{i} = {score} {}", level.label())
    })
}

/// The residual rating in words: `L2 × I3 = 6 Low`; `None` when not rated.
pub fn residual_words(f: &Finding<'_>) -> Option<String> {
    let (l, i) = (f.entry.residual_likelihood?, f.entry.residual_impact?);
    let level = f.residual_level()?;
    Some(format!(
        "L{l} × I{i} = {} {}",
        u16::from(l) * u16::from(i),
        level.label()
    ))
}

/// The due date in words: `2026-03-02 by default (High: 30 days from 2026-01-31)`, `2027-03-31
/// set by hand`, `none`.
pub fn due_words(f: &Finding<'_>) -> String {
    match (f.due_date(), f.entry.due_default) {
        (Some(d), true) => {
            let why = match (f.level(), f.identified_on) {
                (Some(l), Some(from)) => format!(
                    " ({}: {} days from {from})",
                    l.label(),
                    l.default_due_days().unwrap_or(0)
                ),
                _ => String::new(),
            };
            format!("{d} by default{why}")
        }
        (Some(d), false) => format!("{d} set by hand"),
        (None, true) if f.level().is_some() => {
            "none by default (Very Low: at the owner's discretion)".to_string()
        }
        (None, true) => "none until the finding is rated".to_string(),
        (None, false) => "none (set by hand)".to_string(),
    }
}

/// The entry in one line for the control screen: `R-0012 · Open · Mitigate · owner Biomed ·
/// due 2026-03-02* · residual Low · OVERDUE PS!`.
pub fn entry_summary(f: &Finding<'_>, today: NaiveDate) -> String {
    let mut parts = vec![risk_id(f), f.entry.status.label().to_string()];
    parts.push(match f.entry.treatment {
        Some(t) => t.label().to_string(),
        None => "treatment not decided".to_string(),
    });
    if !f.entry.owner.trim().is_empty() {
        parts.push(format!("owner {}", f.entry.owner.trim()));
    }
    parts.push(format!("due {}", due_short(f)));
    if let Some(r) = f.residual_level() {
        parts.push(format!("residual {}", r.label()));
    }
    let flags = flags_text(f, today, true);
    if !flags.is_empty() {
        parts.push(flags);
    }
    parts.join(" · ")
}

/// The details of a finding, `width` columns wide: what the risk is, where, its rating and
/// residual, treatment, planned actions, owner, due date, status, acceptance and review,
/// when it was identified, its flags in words and the assessor's note. Values not set say
/// which key sets them.
pub fn details(app: &App, f: &Finding<'_>, today: NaiveDate, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let cols = width.saturating_sub(super::detail::LABEL).max(1);
    let plain = ratatui::style::Style::new();
    let key = |a: Action| app.keymap.key_label(Context::Findings, &a);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let put = |lines: &mut Vec<Line<'static>>, name: &str, value: &str, set: bool| {
        let style = if set { plain } else { theme.dim() };
        for (i, part) in value.split('\n').enumerate() {
            field(
                app,
                lines,
                if i == 0 { name } else { "" },
                part,
                style,
                cols,
            );
        }
    };
    put(&mut lines, "Risk", &f.description(), true);
    let mut where_ = format!("{} · {}", target_words(app, f), f.response_label());
    if f.response == Response::Unknown {
        where_.push_str(" (could not be assessed)");
    }
    if let Some(d) = f.identified_on {
        where_.push_str(&format!(" · identified {d}"));
    }
    put(&mut lines, "Where", &where_, true);
    let rating = match rating_words(f, width >= 100) {
        Some(mut r) => {
            let dims = if width >= 100 {
                dimensions_words(f)
            } else {
                dimensions_short(f)
            };
            if let Some(d) = dims {
                r.push_str(&format!(" ({d})"));
            }
            let defaults = match (f.answer.likelihood_default, f.answer.impact_default) {
                (true, true) => Some("defaults"),
                (true, false) => Some("default likelihood"),
                (false, true) => Some("default impact"),
                (false, false) => None,
            };
            if let Some(d) = defaults {
                r.push_str(&format!(" · {d}, {} to rate", key(Action::Rate)));
            }
            r
        }
        None => format!("not rated · {} to rate", key(Action::Rate)),
    };
    put(&mut lines, "Rating", &rating, f.level().is_some());
    match residual_words(f) {
        Some(r) => put(&mut lines, "Residual", &r, true),
        None => put(
            &mut lines,
            "Residual",
            &format!("not rated · {} to rate", key(Action::RateResidual)),
            false,
        ),
    }
    let mut entry = match f.entry.treatment {
        Some(t) => format!("treatment {}", t.label()),
        None => format!("treatment not decided ({})", key(Action::EditTreatment)),
    };
    entry.push_str(&format!(" · status {}", f.entry.status.label()));
    if f.entry.owner.trim().is_empty() {
        entry.push_str(&format!(" · no owner ({})", key(Action::EditOwner)));
    } else {
        entry.push_str(&format!(" · owner {}", f.entry.owner.trim()));
    }
    put(&mut lines, "Entry", &entry, true);
    let mut due = due_words(f);
    if f.is_overdue(today) {
        due.push_str(" · OVERDUE");
    }
    put(&mut lines, "Due", &due, f.due_date().is_some());
    for flag in flags(f, today) {
        let words = format!("{} {}", flag.label(), flag.meaning());
        put(&mut lines, "Flag", &words, true);
    }
    if f.entry.planned_actions.trim().is_empty() {
        let none = format!("none · {} to write them", key(Action::EditActions));
        put(&mut lines, "Actions", &none, false);
    } else {
        let clean = crate::tui::text::sanitize_multiline(f.entry.planned_actions.trim());
        put(&mut lines, "Actions", &clean, true);
    }
    let accepted = !f.entry.accepted_by.trim().is_empty() || f.entry.accepted_on.is_some();
    if accepted || f.entry.treatment == Some(Treatment::Accept) {
        let mut a = format!("by {}", f.entry.accepted_by.trim());
        if let Some(d) = f.entry.accepted_on {
            a.push_str(&format!(" on {d}"));
        }
        if !f.entry.acceptance_note.trim().is_empty() {
            a.push_str(&format!(": {}", f.entry.acceptance_note.trim()));
        }
        put(&mut lines, "Accepted", &a, true);
    }
    if let Some(d) = f.entry.review_date {
        let expired = if f.is_expired(today) {
            " · EXPIRED"
        } else {
            ""
        };
        put(&mut lines, "Review", &format!("{d}{expired}"), true);
    }
    let note = f.answer.note.trim();
    if !note.is_empty() {
        put(
            &mut lines,
            "Note",
            &crate::tui::text::sanitize_multiline(note),
            true,
        );
    }
    lines
}
