//! The derived cells of a control row (title, question, scope, score, level, owner, due date,
//! status, ...): compared with what the export writes on the row, or, for a row the export does
//! not have, with what comes from the catalog and the device; listed as ignored when they
//! differ.

use std::collections::HashMap;

use super::Row;
use crate::assessment::Target;
use crate::catalog::Control;
use crate::export::plan::{ControlRow, DeviceEntry, RowTarget, ScopeTarget, scope_row_key};
use crate::import::changeset::AnswerRecord;
use crate::import::plan_changeset::derived::{
    CATALOG_COLUMNS, ControlCheck, NAME_COLUMNS, check_control, control_cells,
};
use crate::import::plan_changeset::matching::Subject;
use crate::import::plan_changeset::report::RowLines;
use crate::import::plan_changeset::values;

impl Row<'_, '_> {
    /// Lists the derived cells that no longer say what the export writes.
    pub(super) fn derived(
        &self,
        rec: &AnswerRecord,
        control: &Control,
        subject: &Subject,
        lines: &mut RowLines,
    ) {
        if rec.derived.is_empty() {
            return;
        }
        let data = self.ctx.data;
        let q = rec
            .likelihood
            .as_ref()
            .and_then(|v| values::scale(v).ok().flatten());
        let r = rec
            .impact
            .as_ref()
            .and_then(|v| values::scale(v).ok().flatten());
        let device_row = matches!(subject, Subject::Device(_));
        // A device's name and location as the import leaves them are no edits either.
        let mut also: HashMap<u16, Vec<String>> = HashMap::new();
        let planned = match subject {
            Subject::Device(slot) => self.devices.device(*slot),
            Subject::Scope(_) => None,
        };
        if let Some(d) = planned {
            also.insert(NAME_COLUMNS[0], vec![d.get("name").to_string()]);
            also.insert(NAME_COLUMNS[1], vec![d.location()]);
        }
        // A template or foreign copy was written from other data: only what comes from the
        // catalog can be compared.
        if !self.ctx.own_copy {
            let written = control_cells(
                &ControlRow {
                    target: RowTarget::Scope(&ScopeTarget {
                        target: Target::Site(String::new()),
                        id: String::new(),
                        key: String::new(),
                        name: String::new(),
                        devices: Vec::new(),
                    }),
                    control,
                    scope: control.scope.label(),
                    answer: None,
                },
                data,
                &rec.derived,
            );
            let check = ControlCheck {
                written: &written,
                only: Some(&CATALOG_COLUMNS),
                also,
                device_row,
                ratings: (q, r),
                grids: self.grids,
            };
            check_control(lines, &rec.derived, &check);
            return;
        }
        if let Some(row) = self.rows.get(&(subject.key(), control.id.as_str())) {
            let written = control_cells(row, data, &rec.derived);
            let check = ControlCheck {
                written: &written,
                only: None,
                also,
                device_row,
                ratings: (q, r),
                grids: self.grids,
            };
            check_control(lines, &rec.derived, &check);
            return;
        }
        // No export row (a template's, or one added by hand): compare what comes from the
        // catalog, and the device's name and location (blank in a template).
        let mut only: Vec<u16> = CATALOG_COLUMNS.to_vec();
        let written = match subject {
            Subject::Device(_) => {
                let Some(device) = planned else {
                    return;
                };
                only.extend(NAME_COLUMNS);
                for col in NAME_COLUMNS {
                    also.entry(col).or_default().push(String::new());
                }
                let entry = DeviceEntry {
                    device: device.clone(),
                    progress: None,
                    last_assessed_on: None,
                };
                control_cells(
                    &ControlRow {
                        target: RowTarget::Device(&entry),
                        control,
                        scope: "Device",
                        answer: None,
                    },
                    data,
                    &rec.derived,
                )
            }
            Subject::Scope(t) => {
                let scope = ScopeTarget {
                    target: t.clone(),
                    id: t.scope_key().unwrap_or_default(),
                    key: scope_row_key(t),
                    name: String::new(),
                    devices: Vec::new(),
                };
                control_cells(
                    &ControlRow {
                        target: RowTarget::Scope(&scope),
                        control,
                        scope: control.scope.label(),
                        answer: None,
                    },
                    data,
                    &rec.derived,
                )
            }
        };
        let check = ControlCheck {
            written: &written,
            only: Some(&only),
            also,
            device_row,
            ratings: (q, r),
            grids: self.grids,
        };
        check_control(lines, &rec.derived, &check);
    }
}
