//! Editing one finding's risk register entry, the same from the Findings screen and from the
//! control screen (the checklist and the walkthrough, PRODUCT.md "The TUI"): which finding is
//! meant, the popup that edits each field, and the commit — at once, one undo step each, with
//! the device list's Risk column, the findings and the dashboard brought up to date.

use crate::assessment::Target;
use crate::risk::register::Finding;
use crate::risk::{RiskStatus, Treatment};
use crate::tui::answer;
use crate::tui::app::{App, Overlay, SaveState};
use crate::tui::popups::acceptance::AcceptanceForm;
use crate::tui::popups::menu::{Choice, Item, Menu};
use crate::tui::popups::note::{NoteEditor, Purpose};
use crate::tui::popups::rate;
use crate::tui::screens::{finding, findings};
use crate::tui::text;
use crate::workbook::{Due, RiskEntryInput, WorkbookError};

/// Which finding: where its answer is stored and the control.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// The device, model or site the answer is stored on.
    pub target: Target,
    /// The control.
    pub control_id: String,
    /// The vulnerability finding's row ID when the risk is one (`F-0001`); `None` = an answer's.
    pub finding: Option<i64>,
}

impl Subject {
    /// The subject of a finding.
    pub fn of(f: &Finding<'_>) -> Subject {
        Subject {
            target: f.target.clone(),
            control_id: f.control.id.clone(),
            finding: f.vulnerability.as_ref().map(|v| v.finding_id),
        }
    }

    /// Whether `f` is this subject's finding: the same vulnerability finding, or the answer's
    /// finding of the same target and control.
    pub fn matches(&self, f: &Finding<'_>) -> bool {
        match (self.finding, &f.vulnerability) {
            (Some(n), Some(v)) => v.finding_id == n,
            (None, None) => f.control.id == self.control_id && f.target.matches(&self.target),
            _ => false,
        }
    }
}

/// A part of the register entry that has its own editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The inherent rating: likelihood × impact (stored on the answer).
    Rating,
    /// Mitigate, Accept, Transfer, Avoid or not decided.
    Treatment,
    /// What will be done.
    PlannedActions,
    /// Who is responsible.
    Owner,
    /// The due date (default by level, none, or a date).
    DueDate,
    /// Open, In Progress, Closed.
    Status,
    /// Residual likelihood × impact.
    Residual,
    /// Accepted by, acceptance note, accepted on, review date.
    Acceptance,
    /// When an accepted risk is looked at again.
    ReviewDate,
}

impl Field {
    /// Every field, in the order of the register (TEMPLATE.md "Risk Register").
    pub const ALL: [Field; 9] = [
        Field::Rating,
        Field::Treatment,
        Field::PlannedActions,
        Field::Owner,
        Field::DueDate,
        Field::Status,
        Field::Residual,
        Field::Acceptance,
        Field::ReviewDate,
    ];

    /// The field's name in the entry menu.
    pub fn label(self) -> &'static str {
        match self {
            Field::Rating => "Rating",
            Field::Treatment => "Treatment",
            Field::PlannedActions => "Planned actions",
            Field::Owner => "Owner",
            Field::DueDate => "Due date",
            Field::Status => "Status",
            Field::Residual => "Residual",
            Field::Acceptance => "Acceptance",
            Field::ReviewDate => "Review date",
        }
    }
}

/// The finding of `subject` in the register as last computed; `None` when its answer is not a
/// finding (not No, Partial or Unknown, or not confirmed).
pub fn find<'a>(app: &'a App, subject: &Subject) -> Option<&'a Finding<'static>> {
    findings::current(app)
        .list
        .iter()
        .find(|f| subject.matches(f))
}

/// The subject of the checklist's selected control on its device: where the answer it shows is
/// stored (the device, its model or its site).
pub fn on_control(app: &App) -> Option<Subject> {
    let device = app.current_device()?;
    let control = app.current_control()?;
    Some(Subject {
        target: answer::write_target(app, device, control),
        control_id: control.id.clone(),
        finding: None,
    })
}

/// The finding of the checklist's selected control, if its answer is one.
pub fn finding_on_control(app: &App) -> Option<&Finding<'static>> {
    on_control(app).and_then(|s| find(app, &s))
}

/// Says that the control has no register entry because its answer is not a finding.
fn not_a_finding(app: &mut App, control_id: &str) {
    app.info(format!(
        "{control_id}: only a finding (No, Partial or Unknown, confirmed) has a risk register \
         entry; answer it first"
    ));
}

/// The menu of every field of the entry with its value; choosing one opens its editor.
pub fn entry_menu(app: &mut App, subject: Subject) {
    let Some(f) = find(app, &subject) else {
        not_a_finding(app, &subject.control_id);
        return;
    };
    let today = findings::current(app).today;
    let value = |field: Field| -> String {
        match field {
            Field::Rating => finding::rating_words(f, false).unwrap_or("not rated".into()),
            Field::Treatment => f
                .entry
                .treatment
                .map(|t| t.label().to_string())
                .unwrap_or("not decided".into()),
            Field::PlannedActions => first_line(&f.entry.planned_actions),
            Field::Owner => first_line(&f.entry.owner),
            Field::DueDate => finding::due_words(f),
            Field::Status => f.entry.status.label().to_string(),
            Field::Residual => finding::residual_words(f).unwrap_or("not rated".into()),
            Field::Acceptance if f.entry.accepted_by.trim().is_empty() => "none".into(),
            Field::Acceptance => format!(
                "by {}{}",
                f.entry.accepted_by.trim(),
                f.entry
                    .accepted_on
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default()
            ),
            Field::ReviewDate => match f.entry.review_date {
                Some(d) if f.is_expired(today) => format!("{d} · EXPIRED"),
                Some(d) => d.to_string(),
                None => "none".into(),
            },
        }
    };
    let items = Field::ALL
        .into_iter()
        .map(|field| Item {
            label: format!("{:<16}{}", field.label(), value(field)),
            choice: Choice::Register {
                subject: subject.clone(),
                field,
            },
        })
        .collect();
    let title = format!(
        "Risk {} · {} on {}",
        finding::risk_id(f),
        f.control.id,
        f.label()
    );
    app.overlay = Some(Overlay::Menu(Menu {
        title,
        items,
        selected: 0,
    }));
}

/// The first line of a text, `none` when empty.
fn first_line(text: &str) -> String {
    let t = text.trim();
    match t.split_once('\n') {
        _ if t.is_empty() => "none".to_string(),
        Some((first, _)) => format!("{first} …"),
        None => t.to_string(),
    }
}

/// Opens the editor of `field` for the finding of `subject` (a popup, filled with what is
/// stored); says why not when the answer is not a finding.
pub fn edit(app: &mut App, subject: Subject, field: Field) {
    let Some(f) = find(app, &subject) else {
        not_a_finding(app, &subject.control_id);
        return;
    };
    let entry = f.entry.clone();
    let (target, control_id, finding) = (
        subject.target.clone(),
        subject.control_id.clone(),
        subject.finding,
    );
    let note =
        |purpose: Purpose, text: String| Some(Overlay::Note(NoteEditor::with(purpose, text)));
    app.overlay = match field {
        Field::Rating => {
            rate::open_inherent(app, subject);
            return;
        }
        Field::Residual => {
            rate::open_residual(app, subject);
            return;
        }
        Field::Treatment => Some(Overlay::Menu(treatment_menu(f, subject))),
        Field::Status => Some(Overlay::Menu(status_menu(f, subject))),
        Field::Acceptance => Some(Overlay::Acceptance(Box::new(AcceptanceForm::new(
            f, subject, false,
        )))),
        Field::PlannedActions => note(
            Purpose::PlannedActions {
                target,
                control_id,
                finding,
            },
            entry.planned_actions,
        ),
        Field::Owner => note(
            Purpose::Owner {
                target,
                control_id,
                finding,
            },
            entry.owner,
        ),
        Field::DueDate => {
            let text = match (entry.due_default, entry.due_date) {
                (true, _) => String::new(),
                (false, Some(d)) => d.to_string(),
                (false, None) => "none".to_string(),
            };
            note(
                Purpose::DueDate {
                    target,
                    control_id,
                    finding,
                },
                text,
            )
        }
        Field::ReviewDate => {
            let text = entry.review_date.map(|d| d.to_string()).unwrap_or_default();
            note(
                Purpose::ReviewDate {
                    target,
                    control_id,
                    finding,
                },
                text,
            )
        }
    };
}

/// The treatment choice, the current one selected.
fn treatment_menu(f: &Finding<'_>, subject: Subject) -> Menu {
    let options: [(Option<Treatment>, &str); 5] = [
        (
            Some(Treatment::Mitigate),
            "Mitigate: reduce it (patch, segment, harden, monitor)",
        ),
        (
            Some(Treatment::Accept),
            "Accept: live with it (who accepted it and why)",
        ),
        (
            Some(Treatment::Transfer),
            "Transfer: to the vendor, a service contract, insurance",
        ),
        (
            Some(Treatment::Avoid),
            "Avoid: stop it (retire, disconnect, stop the use)",
        ),
        (None, "Not decided yet"),
    ];
    let selected = options
        .iter()
        .position(|(t, _)| *t == f.entry.treatment)
        .unwrap_or(0);
    Menu {
        title: format!("Treatment of {} · {}", finding::risk_id(f), f.control.id),
        items: options
            .into_iter()
            .map(|(treatment, label)| Item {
                label: label.to_string(),
                choice: Choice::Treatment {
                    subject: subject.clone(),
                    treatment,
                },
            })
            .collect(),
        selected,
    }
}

/// The status choice, the current one selected.
fn status_menu(f: &Finding<'_>, subject: Subject) -> Menu {
    let selected = RiskStatus::ALL
        .iter()
        .position(|s| *s == f.entry.status)
        .unwrap_or(0);
    Menu {
        title: format!("Status of {} · {}", finding::risk_id(f), f.control.id),
        items: RiskStatus::ALL
            .into_iter()
            .map(|status| Item {
                label: status.label().to_string(),
                choice: Choice::Status {
                    subject: subject.clone(),
                    status,
                },
            })
            .collect(),
        selected,
    }
}

/// Sets the treatment. Accept needs who accepted the risk and why (PRODUCT.md): when the entry
/// has neither, the acceptance form opens and the treatment is set when it is saved.
pub fn set_treatment(app: &mut App, subject: Subject, treatment: Option<Treatment>) {
    if treatment == Some(Treatment::Accept) {
        let Some(f) = find(app, &subject) else {
            not_a_finding(app, &subject.control_id);
            return;
        };
        if f.entry.accepted_by.trim().is_empty() || f.entry.acceptance_note.trim().is_empty() {
            let form = AcceptanceForm::new(f, subject, true);
            app.overlay = Some(Overlay::Acceptance(Box::new(form)));
            app.info("Accept needs who accepted the risk and why");
            return;
        }
    }
    let input = RiskEntryInput {
        treatment: Some(treatment),
        ..RiskEntryInput::default()
    };
    commit(app, &subject, &input);
}

/// Commits a change to a register entry; `true` when it was saved. On success the Risk column,
/// the findings and the dashboard are recomputed, the Findings cursor stays on the finding, and
/// the status line says what changed; otherwise it says why nothing was saved (the popup that
/// asked stays open then).
pub fn commit(app: &mut App, subject: &Subject, input: &RiskEntryInput) -> bool {
    let stored = match subject.finding {
        Some(n) => app.workbook.set_finding_risk_entry(n, input),
        None => app
            .workbook
            .set_risk_entry(&subject.target, &subject.control_id, input),
    };
    match stored {
        Ok(_) => {
            app.save = SaveState::Saved;
            match subject.finding {
                // A vulnerability finding's entry: the register is computed again.
                Some(_) => app.refresh_risks(),
                None => app.refresh_target(&subject.target, &subject.control_id),
            }
            findings::follow(app, subject);
            let (label, what) = match find(app, subject) {
                Some(f) => (
                    format!("{} {} · {}", finding::risk_id(f), f.label(), f.control.id),
                    changed(f, input),
                ),
                None => (subject.control_id.clone(), input.parts().join(", ")),
            };
            app.info(format!(
                "{}: {}",
                text::sanitize(&label),
                text::sanitize(&what)
            ));
            true
        }
        Err(e) => {
            app.save = match e {
                WorkbookError::Invalid(_) => SaveState::Saved,
                ref other => SaveState::Failed(other.to_string()),
            };
            app.error(format!("Not saved: {e}"));
            false
        }
    }
}

/// What an input changed, in words, as the entry now stands.
fn changed(f: &Finding<'_>, input: &RiskEntryInput) -> String {
    let e = &f.entry;
    let mut out: Vec<String> = Vec::new();
    if input.treatment.is_some() {
        out.push(match e.treatment {
            Some(t) => format!("treatment {}", t.label()),
            None => "treatment not decided".into(),
        });
    }
    if input.planned_actions.is_some() {
        out.push(if e.planned_actions.is_empty() {
            "no planned actions".into()
        } else {
            "planned actions saved".into()
        });
    }
    if input.owner.is_some() {
        out.push(if e.owner.is_empty() {
            "no owner".into()
        } else {
            format!("owner {}", e.owner)
        });
    }
    if let Some(due) = input.due {
        out.push(match (due, f.due_date()) {
            (Due::Default, Some(d)) => format!("due {d} (default by level)"),
            (Due::Default, None) => "no due date (default by level)".into(),
            (_, Some(d)) => format!("due {d}"),
            (_, None) => "no due date".into(),
        });
    }
    if input.status.is_some() {
        out.push(format!("status {}", e.status.label()));
    }
    if input.residual_likelihood.is_some() || input.residual_impact.is_some() {
        out.push(match finding::residual_words(f) {
            Some(r) => format!("residual {r}"),
            None => "no residual rating".into(),
        });
    }
    if input.accepted_by.is_some() || input.acceptance_note.is_some() {
        let on = e
            .accepted_on
            .map(|d| format!(" on {d}"))
            .unwrap_or_default();
        out.push(format!("accepted by {}{on}", e.accepted_by));
    }
    if input.review_date.is_some() {
        out.push(match e.review_date {
            Some(d) => format!("review {d}"),
            None => "no review date".into(),
        });
    }
    out.join(", ")
}
