//! Evidence on the control screens (Checklist and Walkthrough): the selected control's
//! attachments in the detail pane (name, size, short SHA-256, caption), attaching a file (the
//! picker, `popups/picker`) and removing one after a question (which one first, when there are
//! several).

use ratatui::text::Line;

use super::checklist::key_name;
use super::detail::field;
use crate::catalog::Control;
use crate::device::Device;
use crate::evidence::size::format_size;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, SaveState};
use crate::tui::popups::confirm::{Confirm, Pending};
use crate::tui::popups::menu::{Choice, Item, Menu};
use crate::tui::popups::picker::target_label;
use crate::tui::text;

/// Most attachments listed in the detail pane (the rest are counted).
const SHOWN: usize = 5;

/// The `Evidence` lines of the detail pane, `cols` columns for the text: one per attachment
/// (`photo.jpg · 1.2 MiB · 3f2a9b1c0d4e — caption`), or how to attach one.
pub fn lines(
    app: &App,
    lines: &mut Vec<Line<'static>>,
    device: &Device,
    control: &Control,
    cols: usize,
) {
    let list = app.attachments_on(device, control);
    if list.is_empty() {
        let hint = format!(
            "none · {} to attach a file",
            key_name(app, &Action::AttachFile)
        );
        field(app, lines, "Evidence", &hint, app.theme.dim(), cols);
        return;
    }
    for (i, (a, device_only)) in list.iter().take(SHOWN).enumerate() {
        let mut row = format!(
            "{} · {} · {}",
            a.file_name,
            format_size(a.size),
            a.short_hash()
        );
        if *device_only {
            row.push_str(" · this device");
        }
        if !a.caption.is_empty() {
            row.push_str(" — ");
            row.push_str(&a.caption);
        }
        let label = if i == 0 { "Evidence" } else { "" };
        field(app, lines, label, &row, ratatui::style::Style::new(), cols);
    }
    if list.len() > SHOWN {
        let more = format!("… and {} more (medsec evidence list)", list.len() - SHOWN);
        field(app, lines, "", &more, app.theme.dim(), cols);
    }
}

/// Removes an attachment of the selected control: says there is none, asks about the only one,
/// or asks which one first.
pub fn remove(app: &mut App) {
    let (Some(device), Some(control)) = (app.current_device(), app.current_control()) else {
        return;
    };
    let list: Vec<(i64, String)> = app
        .attachments_on(device, control)
        .into_iter()
        .map(|(a, _)| {
            (
                a.id,
                format!(
                    "{} · {} · {}",
                    a.file_name,
                    format_size(a.size),
                    a.short_hash()
                ),
            )
        })
        .collect();
    match list.as_slice() {
        [] => app.info(format!("{}: no evidence attached to remove", control.id)),
        [(id, _)] => ask(app, *id),
        _ => {
            app.overlay = Some(Overlay::Menu(Menu {
                title: format!("Remove which attachment of {}?", control.id),
                items: list
                    .into_iter()
                    .map(|(id, label)| Item {
                        label,
                        choice: Choice::RemoveAttachment { id },
                    })
                    .collect(),
                selected: 0,
            }));
        }
    }
}

/// Asks before removing the attachment `id`.
pub fn ask(app: &mut App, id: i64) {
    let Some(a) = app.attachments.iter().find(|a| a.id == id) else {
        return;
    };
    let whose = format!("{} {}", target_label(app, &a.target), a.control_id);
    let undo = app
        .keymap
        .key_for(app.screen_context(), &Action::Undo)
        .map(|k| format!("{k} (undo) brings it back."))
        .unwrap_or_else(|| "Undo brings it back.".to_string());
    let label = format!("{} from {whose}", a.file_name);
    app.overlay = Some(Overlay::Confirm(Confirm {
        title: format!("Remove {}?", a.file_name),
        lines: vec![
            format!(
                "{} · {} · {} · SHA-256 {}",
                whose,
                a.media_type,
                format_size(a.size),
                a.short_hash()
            ),
            "It leaves the lists, the exports and the evidence zip; the answer is kept.".into(),
            undo,
        ],
        pending: Pending::RemoveAttachment { id, label },
        scroll: 0,
    }));
}

/// Removes the attachment `id` (after "yes") and says so.
pub fn run_remove(app: &mut App, id: i64, label: &str) {
    match app.workbook.remove_attachment(id) {
        Ok(_) => {
            app.save = SaveState::Saved;
            app.reload_attachments();
            let undo = app
                .keymap
                .key_for(app.screen_context(), &Action::Undo)
                .map(|k| format!(" · {k} to undo"))
                .unwrap_or_default();
            app.info(format!("Removed {}{undo}", text::sanitize(label)));
        }
        Err(e) => {
            if let crate::workbook::AttachmentError::Workbook(w) = &e {
                app.save = SaveState::Failed(w.to_string());
            }
            app.reload_attachments();
            app.error(e.to_string());
        }
    }
}
