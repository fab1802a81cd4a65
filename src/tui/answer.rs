//! Writing answers from the Checklist: which target an answer is stored on (device, model or
//! site, PRODUCT.md "Scopes"), committing it at once, and refreshing the progress of every
//! device it shows on.

use crate::assessment::{Answer, Effective, Origin, Target, model_key, site_target};
use crate::catalog::Control;
use crate::device::Device;
use crate::tui::app::{App, SaveState};
use crate::workbook::{AnswerInput, WorkbookError};

/// Where an answer given on `device` for `control` is stored: where the answer the device shows
/// lives. Device controls on the device; model controls on the model (every unit inherits it),
/// or on the device when it overrides its model or has no manufacturer + model; site controls
/// on the device's site.
pub fn write_target(app: &App, device: &Device, control: &Control) -> Target {
    let eff = app.answers.effective(device, control);
    match eff.origin {
        Origin::Device | Origin::DeviceOverride => Target::Device(device.id),
        Origin::Model => {
            crate::assessment::model_target(device).unwrap_or(Target::Device(device.id))
        }
        Origin::Site => site_target(device),
    }
}

/// The answer `device` shows for `control`, with its origin.
pub fn effective<'a>(app: &'a App, device: &Device, control: &Control) -> Effective<'a> {
    app.answers.effective(device, control)
}

/// The answer stored where an answer for the checklist's selected control would be written.
pub fn stored<'a>(app: &'a App, control: &Control) -> Option<&'a Answer> {
    let device = app.current_device()?;
    let target = write_target(app, device, control);
    app.answers.get(&target, &control.id)
}

/// Commits a change to the selected control of the checklist's device, then updates the
/// in-memory answers and the progress of every device the target covers.
///
/// Errors: those of [`crate::workbook::Workbook::set_answer`] (`Invalid` for N/A without a
/// note, a text over the limit; `Sqlite`). The save state says "NOT SAVED" only for storage
/// errors: a refused value leaves the workbook as saved as it was.
pub fn commit(
    app: &mut App,
    control: &'static Control,
    input: &AnswerInput,
) -> Result<(), WorkbookError> {
    let Some(device) = app.current_device() else {
        return Err(WorkbookError::Invalid("no device is selected".into()));
    };
    let target = write_target(app, device, control);
    commit_on(app, &target, control, input)
}

/// Commits a change to the answer stored on `target` (a finding's, from the Findings screen),
/// then updates the in-memory answers, the progress and highest risk of every device, the
/// findings and the dashboard.
///
/// Errors: as [`commit`].
pub fn commit_on(
    app: &mut App,
    target: &Target,
    control: &'static Control,
    input: &AnswerInput,
) -> Result<(), WorkbookError> {
    match app.workbook.set_answer(target, control, input) {
        Ok(answer) => {
            // The target's rows in the dashboard's per-step counts, before and after.
            let counted = |app: &App| {
                crate::export::target_step_counts(
                    app.outline.catalog,
                    &app.devices,
                    &app.answers,
                    target,
                )
            };
            let before = app.step_counts.get().is_some().then(|| counted(app));
            if answer.is_empty() {
                // Removed from the workbook: an override falls back to its model's answer.
                app.answers.remove(target, &answer.control_id);
            } else {
                app.answers.insert(target, answer);
            }
            if let Some(before) = before {
                let after = counted(app);
                if let Some(steps) = app.step_counts.get_mut() {
                    for ((s, b), a) in steps.iter_mut().zip(&before).zip(&after) {
                        *s = s.minus(b).plus(a);
                    }
                }
            }
            let affected = affected(app, target);
            // Progress of the devices shown the answer; the target's findings, every device's
            // highest risk, and the dashboard (when next shown).
            app.refresh_progress(affected, target, &control.id);
            app.todo.invalidate();
            app.save = SaveState::Saved;
            Ok(())
        }
        Err(e) => {
            app.save = match e {
                WorkbookError::Invalid(_) => SaveState::Saved,
                ref other => SaveState::Failed(other.to_string()),
            };
            Err(e)
        }
    }
}

/// Indexes of the devices a target's answers show on.
fn affected(app: &App, target: &Target) -> Vec<usize> {
    let matches = |d: &Device| match target {
        Target::Device(id) => d.id == *id,
        Target::Model {
            manufacturer,
            model,
        } => model_key(d.get("manufacturer"), d.get("model")) == model_key(manufacturer, model),
        Target::Site(site) => d.get("site").trim().to_lowercase() == site.trim().to_lowercase(),
    };
    app.devices
        .iter()
        .enumerate()
        .filter(|(_, d)| matches(d))
        .map(|(i, _)| i)
        .collect()
}
