//! Bulk answers: the selected control's answer on this device (response, note, rating)
//! applied to every device of the same manufacturer and model, or to the marked devices,
//! after a question that says how many devices it means and which answers it would
//! overwrite. The whole change is one step of the undo history.

use crate::assessment::{Response, Target, model_key};
use crate::tui::answer;
use crate::tui::app::{App, Overlay};
use crate::tui::popups::confirm::{Confirm, Pending};
use crate::tui::popups::menu::{Choice, Item, Menu};
use crate::tui::text;
use crate::workbook::AnswerInput;

/// Offers where the selected answer can go (same model, marked devices).
pub fn choose(app: &mut App) {
    let (Some(device), Some(control)) = (app.current_device(), app.current_control()) else {
        return;
    };
    let has_answer = answer::stored(app, control).is_some_and(|a| a.response.is_some());
    if !has_answer {
        app.info(format!(
            "{}: answer it on this device first, then apply it to others",
            control.id
        ));
        return;
    }
    let mut items = Vec::new();
    let (make, model) = (device.get("manufacturer"), device.get("model"));
    if !make.trim().is_empty() && !model.trim().is_empty() {
        let key = model_key(make, model);
        let same: Vec<i64> = app
            .devices
            .iter()
            .filter(|d| {
                d.id != device.id && model_key(d.get("manufacturer"), d.get("model")) == key
            })
            .map(|d| d.id)
            .collect();
        if !same.is_empty() {
            let label = format!(
                "every other {} {} ({})",
                make.trim(),
                model.trim(),
                count(same.len())
            );
            items.push(Item {
                label: format!("To {label}"),
                choice: Choice::Bulk {
                    devices: same,
                    label,
                },
            });
        }
    }
    let marked: Vec<i64> = app
        .list
        .marked
        .iter()
        .copied()
        .filter(|id| *id != device.id)
        .collect();
    if !marked.is_empty() {
        let label = format!("the marked devices ({})", count(marked.len()));
        items.push(Item {
            label: format!("To {label}"),
            choice: Choice::Bulk {
                devices: marked,
                label,
            },
        });
    }
    if items.is_empty() {
        app.info(
            "No other device to apply it to: give devices the same manufacturer and model, or mark them (space on the device list)",
        );
        return;
    }
    app.overlay = Some(Overlay::Menu(Menu {
        title: format!("Apply {} to…", control.id),
        items,
        selected: 0,
    }));
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 device".into()
    } else {
        format!("{n} devices")
    }
}

/// Builds the question for applying the selected answer to `devices` (workbook IDs): the
/// targets (a model or site answer is one target for all its devices), what would be
/// overwritten, and opens it.
pub fn ask(app: &mut App, devices: &[i64], what: &str) {
    let (Some(source_device), Some(control)) = (app.current_device(), app.current_control()) else {
        return;
    };
    let source_target = answer::write_target(app, source_device, control);
    let Some(source) = answer::stored(app, control).cloned() else {
        return;
    };
    let Some(response) = source.response else {
        return;
    };
    let mut targets: Vec<Target> = Vec::new();
    for id in devices {
        if let Some(d) = app.devices.iter().find(|d| d.id == *id) {
            let t = answer::write_target(app, d, control);
            if t != source_target && !targets.contains(&t) {
                targets.push(t);
            }
        }
    }
    if targets.is_empty() {
        app.info(format!(
            "{}: this answer is stored on the model or the site, so it already applies to {what}",
            control.id
        ));
        return;
    }
    let input = AnswerInput {
        response: Some(Some(response)),
        note: (!source.note.trim().is_empty()).then(|| source.note.to_string()),
        likelihood: source.likelihood.filter(|_| !source.likelihood_default),
        impact: source.impact.filter(|_| !source.impact_default),
        source: Some(crate::assessment::AnswerSource::Bulk),
        ..AnswerInput::default()
    };
    let preview = match app.workbook.preview_bulk(&targets, control, &input) {
        Ok(p) => p,
        Err(e) => {
            app.error(e.to_string());
            return;
        }
    };
    let label = format!(
        "bulk {} {} on {}",
        control.id,
        response.label(),
        count(preview.targets)
    );
    let mut lines = vec![format!(
        "{} {} goes to {what}{}{}.",
        control.id,
        response.label(),
        if input.note.is_some() {
            " with this device's note"
        } else {
            ""
        },
        if input.likelihood.is_some() || input.impact.is_some() {
            " and rating"
        } else {
            ""
        }
    )];
    if preview.targets != devices.len() {
        lines.push(format!(
            "That is {} answer{} (a model or site answer counts once).",
            preview.targets,
            if preview.targets == 1 { "" } else { "s" }
        ));
    }
    if preview.overwritten.is_empty() {
        lines.push("No answer given before is overwritten.".into());
    } else {
        lines.push(match preview.overwritten.len() {
            1 => "This answer given before is overwritten:".to_string(),
            n => format!("These {n} answers given before are overwritten:"),
        });
        for (target, old) in &preview.overwritten {
            let who = target_name(app, target);
            let was = old.response.map(Response::label).unwrap_or("not assessed");
            let note = if old.note.trim().is_empty() {
                String::new()
            } else {
                format!(" (note: {})", text::truncate(old.note.trim(), 40))
            };
            lines.push(format!("· {who}: {was} → {}{note}", response.label()));
        }
    }
    lines.push("It is one step: undo takes all of it back.".into());
    app.overlay = Some(Overlay::Confirm(Confirm {
        title: format!("Apply {} {} to {what}?", control.id, response.label()),
        lines,
        pending: Pending::Bulk {
            targets,
            control,
            input,
            label,
        },
        scroll: 0,
    }));
}

/// A target as a person reads it: `DEV-0004 Pump`, `model B. Braun Space`, `site Main`.
pub fn target_name(app: &App, target: &Target) -> String {
    match target {
        Target::Device(id) => app
            .devices
            .iter()
            .find(|d| d.id == *id)
            .map(|d| {
                format!("{} {}", d.short_id(), d.get("name"))
                    .trim()
                    .to_string()
            })
            .unwrap_or_else(|| format!("device {id}")),
        Target::Model {
            manufacturer,
            model,
        } => format!("model {manufacturer} {model}"),
        Target::Site(s) if s.trim().is_empty() => "the default site".into(),
        Target::Site(s) => format!("site {s}"),
    }
}
