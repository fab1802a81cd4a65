//! The vocabulary of the TUI: every user-visible operation is one [`Action`]. The keymap
//! (`assets/keymap.toml`) names them in snake_case (`answer_yes`), and the help overlay and the
//! hint bar are generated from the same bindings, so they never disagree with the keys.

use serde::Deserialize;

/// One thing the user can ask the TUI to do. What an action does can depend on the active
/// screen or popup (e.g. `move_down` moves the device cursor on Devices, the control cursor on
/// Checklist and scrolls the help overlay).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave medsec. Every answer is already committed, so there is nothing to save.
    Quit,
    /// Go back: close the popup (a note being edited is discarded) or return to the previous
    /// screen (Checklist → Devices).
    Back,
    /// Show the keys of the active screen (or hide them again).
    Help,
    /// Turn mouse capture off or on. Off lets the terminal select and copy text (an IP, a MAC).
    ToggleMouse,
    /// Move the cursor one row up (scroll up in the help overlay).
    MoveUp,
    /// Move the cursor one row down (scroll down in the help overlay).
    MoveDown,
    /// Move the cursor one page up.
    PageUp,
    /// Move the cursor one page down.
    PageDown,
    /// Move the cursor to the first row.
    First,
    /// Move the cursor to the last row.
    Last,
    /// Open the selected row: on Devices, the device's Checklist.
    Open,
    /// Answer the selected control `Yes`, commit, move to the next control.
    AnswerYes,
    /// Answer the selected control `Partial`, commit, move to the next control.
    AnswerPartial,
    /// Answer the selected control `No`, commit, move to the next control.
    AnswerNo,
    /// Answer the selected control `N/A`. N/A needs a note: when the answer has none, the note
    /// popup opens first and N/A is set with the note when it is saved.
    AnswerNa,
    /// Answer the selected control `Unknown`, commit, move to the next control.
    AnswerUnknown,
    /// Clear the selected control's response (back to not assessed), commit.
    AnswerClear,
    /// Confirm the selected control's suggested answer (e.g. from an MDS2), so that it counts.
    Confirm,
    /// Edit the selected control's note in a popup; committed when the popup is saved.
    EditNote,
    /// Rate the selected finding: likelihood 1–5 and impact 1–5 per dimension (patient safety,
    /// PHI / data, clinical operations) or as one number, with the device-anchored guidance.
    Rate,
    /// Defer the selected (unanswered) control with a reason — device in use on a patient,
    /// room locked, waiting for the vendor; walks pass over it. On a deferred control: edit or
    /// lift the deferral.
    Defer,
    /// Jump to the next control that is not assessed (unconfirmed suggestions count as not
    /// assessed, deferred controls are skipped), wrapping round to the first.
    NextUnanswered,
    /// Show the next device's checklist (same control selected).
    NextDevice,
    /// Show the previous device's checklist (same control selected).
    PreviousDevice,
    /// In a text field: save (the note popup commits the note and closes).
    Submit,
    /// In a text field: move the cursor one character left.
    CursorLeft,
    /// In a text field: move the cursor one character right.
    CursorRight,
    /// In a text field: move the cursor to the start.
    CursorStart,
    /// In a text field: move the cursor to the end.
    CursorEnd,
    /// In a text field: delete the character before the cursor.
    DeleteBack,
    /// In a text field: delete the character under the cursor.
    DeleteForward,
    /// In a text field: delete everything.
    ClearText,
    /// Undo the last change (answers, device edits, deletions, imports, bulk answers); the
    /// history is kept in the workbook, so undo works after a restart.
    Undo,
    /// Redo the change undone last.
    Redo,
    /// Open the command palette: every action of the screen by name.
    Palette,
    /// Start an incremental search of the device list (name, manufacturer, model, serial,
    /// asset tag, IP, location).
    Search,
    /// Choose filters for the device list (location, manufacturer, category, criticality,
    /// progress, response, risk level).
    Filter,
    /// Clear the search and every filter.
    ClearFilters,
    /// Sort the device list by the next column.
    SortNext,
    /// Reverse the sort order.
    SortReverse,
    /// Mark or unmark the selected device (a selection for bulk answers and walkthroughs).
    ToggleMark,
    /// Unmark every device.
    ClearMarks,
    /// Add a device in the device form.
    AddDevice,
    /// Edit the selected device in the device form.
    EditDevice,
    /// Delete the selected device (asks first; undo brings it back).
    DeleteDevice,
    /// Start (or resume) a walkthrough: one control at a time, full screen.
    Walk,
    /// Show the dashboard: progress, responses, heat map, top risks.
    Dashboard,
    /// Show the findings: every No / Partial / Unknown answer by risk.
    Findings,
    /// Show the To-do list: every deferred control.
    Todo,
    /// Show the device list.
    Devices,
    /// Apply the selected control's answer to every device of the same model or to the marked
    /// devices (asks first, showing what would be overwritten).
    BulkApply,
    /// In a walkthrough: leave this control unanswered and go to the next one.
    Skip,
    /// In a walkthrough: go back to the previous control.
    PreviousControl,
    /// In a form: the next field.
    NextField,
    /// In a form: the previous field.
    PreviousField,
    /// In a form or a choice: the next allowed value of a list field.
    NextValue,
    /// In a form or a choice: the previous allowed value of a list field.
    PreviousValue,
    /// On Findings: edit the owner of the selected risk.
    EditOwner,
    /// On Findings: edit the due date of the selected risk.
    EditDueDate,
    /// On Findings: set the next status (Open → In Progress → Closed) of the selected risk.
    CycleStatus,
    /// Choose how the selected risk is treated: Mitigate, Accept, Transfer, Avoid or not
    /// decided. Accept asks for who accepted it and why when the entry has neither.
    EditTreatment,
    /// Edit the planned actions of the selected risk (several lines).
    EditActions,
    /// Rate what is left of the selected risk after treatment: residual likelihood × impact,
    /// 1–5 each, with the level in the workbook's grid.
    RateResidual,
    /// Record the acceptance of the selected risk: who accepted it, why, when (today unless
    /// changed) and when to review it.
    EditAcceptance,
    /// Edit the review date of the selected risk (an accepted risk is expired after it).
    EditReviewDate,
    /// Open the risk register entry of the selected finding: a menu of every field (rating,
    /// treatment, planned actions, owner, due date, status, residual, acceptance, review date).
    RiskEntry,
    /// On VULN-01 and VULN-02: the device's vulnerability findings (CVE, confidence, reason,
    /// state, KEV, feed dates); choose one to confirm it (it enters the risk register), dismiss
    /// it (asks why) or put it back to suggested. One undo step each.
    VulnFindings,
    /// The audit history, newest first (who changed what and when): of the selected device on
    /// Devices, of the selected control's answer, risk entry and evidence on this device on the
    /// Checklist and in the walkthrough.
    History,
    /// On Findings: show or hide the details of the selected finding.
    ToggleDetails,
    /// On Findings: show all findings, the open ones, the overdue ones, or those flagged
    /// (overdue, expired acceptance, uncontrolled patient-safety risk).
    FilterFindings,
    /// In a rating: clear it (a residual rating goes back to not rated).
    ClearRating,
    /// In a text of several lines (a note, planned actions): start a new line.
    NewLine,
    /// Switch between the normal and the high-contrast theme.
    ToggleTheme,
    /// Attach a file as evidence to the selected control: a file picker opens (folders to
    /// browse, typing filters, a path can be typed or pasted). The file is stored inside the
    /// encrypted workbook with its SHA-256, where the control's answer is stored (the device,
    /// its model or its site); one undo step.
    AttachFile,
    /// Remove an attachment of the selected control (asks first, and which one when there are
    /// several). It leaves lists and exports; undo brings it back.
    RemoveAttachment,
    /// In the file picker: up one folder. With text typed, it deletes the character before the
    /// cursor instead (and `h` is typed text).
    ParentFolder,
    /// Typed or pasted text for the focused text field. Not bindable: printable keys that no
    /// binding claims, and bracketed pastes, become this action while a text field has focus.
    #[serde(skip)]
    InsertText(String),
}

impl Action {
    /// The snake_case name used in the keymap file, e.g. `answer_yes` (`insert_text` for the
    /// unbindable text action).
    pub fn name(&self) -> String {
        let debug = match self {
            Action::InsertText(_) => "InsertText".to_string(),
            other => format!("{other:?}"),
        };
        let mut out = String::with_capacity(debug.len() + 4);
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() -> Result<(), toml::de::Error> {
        #[derive(Deserialize)]
        struct One {
            run: Action,
        }
        for action in [
            Action::AnswerNa,
            Action::NextUnanswered,
            Action::ToggleMouse,
        ] {
            let parsed: One = toml::from_str(&format!("run = \"{}\"", action.name()))?;
            assert_eq!(parsed.run, action);
        }
        assert_eq!(Action::InsertText("x".into()).name(), "insert_text");
        Ok(())
    }

    #[test]
    fn text_is_not_bindable() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct One {
            run: Action,
        }
        assert!(toml::from_str::<One>("run = \"insert_text\"").is_err());
    }
}
