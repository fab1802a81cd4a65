//! One element of an `export json` file into one record of the [`Changeset`]
//! (`super::super::changeset`), the way the spreadsheet's row would read:
//!
//! | JSON (element of) | record |
//! |---|---|
//! | `devices[]`: `device_id`, `uuid`, each inventory key, `extra{}` | [`DeviceRecord`]: `device_id`, `uuid`, `fields` (every key but `device_id` and the computed ones, which medsec works out itself), `extra`; `progress_pct` and `services` are not read (`network_services` carries the services) |
//! | `answers[]`: `target`, `row_key`, `control_id`, `response`, `suggested`, `observed`, `note`, `evidence_ref`, `source`, `likelihood`, `impact`, `recommendation` | the same fields of [`AnswerRecord`]; `row_key` is built from `device_uuid` and `control_id` when absent |
//! | `likelihood_default`, `impact_default` | `rating`: `default` when a set likelihood or impact is a default, else blank |
//! | `deferred_until`, `deferral_reason` | `deferred_until` (the date, or `deferred` when only a reason is given, or blank) and `deferral_reason` |
//! | `impact_dimensions{}`: `patient_safety`, `phi`, `operations` | `impact_safety`, `impact_phi`, `impact_operations` (`null` for the whole object: all three blank) |
//! | `scope`, `risk_score`, `risk_level`, `assessed_by`, `assessed_on` | `derived`, under the control sheet's headers; `device_uuid` and `assessed_at` are not read |
//! | `risks[]`: `risk_id`, `target`, `control_id`, `treatment`, `planned_actions`, `owner`, `due_date`, `due_date_default` (`Yes` / `No`), `status`, `residual_likelihood`, `residual_impact`, `accepted_by`, `acceptance_note`, `accepted_on`, `review_date`, `identified_on` | [`RiskRecord`] (`control_id` as `source`) |
//! | `step`, `description`, `impact_dimensions{}`, `impact`, `likelihood`, `score`, `level`, `residual_score`, `residual_level`, `expired`, `overdue` | `derived`, under the `Risk Register` headers (a risk's impacts come from its answer); `device_uuid` and `response` are not read |

use std::path::Path;

use serde_json::{Map, Value as Json};

use super::super::changeset::{
    AnswerRecord, DeviceRecord, Ignored, Origin, Problem, RiskRecord, Value,
};
use super::{Counts, JsonError, kind, token};
use crate::device::fields::{FIELDS, FieldKind};
use crate::export::layout::{REGISTER_COLUMNS, reg};
use crate::export::xlsx::number_text;

/// The header keys of the document (read by [`Builder::header_value`]).
pub(super) const HEADER_KEYS: [&str; 10] = [
    "format",
    "format_version",
    "workbook_id",
    "catalog_version",
    "exported_at",
    "as_of",
    "app_version",
    "assessment",
    "risk_grid",
    "vulnerability_findings",
];

/// Keys of a device besides the inventory fields.
const DEVICE_KEYS: [&str; 4] = ["uuid", "progress_pct", "extra", "services"];

/// Keys of an answer.
const ANSWER_KEYS: [&str; 24] = [
    "target",
    "device_uuid",
    "row_key",
    "control_id",
    "scope",
    "response",
    "suggested",
    "observed",
    "note",
    "evidence_ref",
    "source",
    "likelihood",
    "likelihood_default",
    "impact",
    "impact_default",
    "impact_dimensions",
    "risk_score",
    "risk_level",
    "recommendation",
    "deferred_until",
    "deferral_reason",
    "assessed_by",
    "assessed_at",
    "assessed_on",
];

/// Answer keys shown as `derived`, with the control sheet's header.
const ANSWER_DERIVED: [(&str, &str); 5] = [
    ("scope", "Scope"),
    ("risk_score", "Risk Score"),
    ("risk_level", "Risk Level"),
    ("assessed_by", "Assessed By"),
    ("assessed_on", "Assessed On"),
];

/// Keys of a risk.
const RISK_KEYS: [&str; 30] = [
    "risk_id",
    "target",
    "device_uuid",
    "control_id",
    "finding_id",
    "step",
    "description",
    "response",
    "likelihood",
    "impact",
    "impact_dimensions",
    "score",
    "level",
    "treatment",
    "planned_actions",
    "owner",
    "due_date",
    "due_date_default",
    "status",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "accepted_by",
    "acceptance_note",
    "accepted_on",
    "review_date",
    "identified_on",
    "expired",
    "overdue",
];

/// Risk keys shown as `derived`, with the column of `Risk Register` whose header they take.
const RISK_DERIVED: [(&str, u16); 8] = [
    ("step", reg::STEP),
    ("description", reg::DESCRIPTION),
    ("impact", reg::IMPACT),
    ("likelihood", reg::LIKELIHOOD),
    ("score", reg::SCORE),
    ("level", reg::LEVEL),
    ("residual_score", reg::RESIDUAL_SCORE),
    ("residual_level", reg::RESIDUAL_LEVEL),
];

/// The three impact dimensions of a risk, with the register column whose header they take.
const RISK_DIMENSIONS: [(&str, u16); 3] = [
    ("patient_safety", reg::SAFETY_IMPACT),
    ("phi", reg::PHI_IMPACT),
    ("operations", reg::OPERATIONS_IMPACT),
];

/// The keys of an answer's `impact_dimensions`, in the order of `Answer::dimension_impacts`.
const ANSWER_DIMENSIONS: [&str; 3] = ["patient_safety", "phi", "operations"];

/// Which array an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Devices,
    Answers,
    Risks,
}

impl Part {
    /// The array's key.
    pub(super) fn key(self) -> &'static str {
        match self {
            Part::Devices => "devices",
            Part::Answers => "answers",
            Part::Risks => "risks",
        }
    }
}

/// The header as read (checked when the document ends, in `super::finish`).
#[derive(Debug, Default)]
pub(super) struct Header {
    pub(super) format: Option<Json>,
    pub(super) format_version: Option<Json>,
    pub(super) workbook_id: Option<Json>,
    pub(super) catalog_version: Option<Json>,
    pub(super) exported_at: Option<Json>,
    pub(super) as_of: Option<Json>,
}

/// Everything read so far.
pub(super) struct Builder<'p> {
    path: &'p Path,
    max_text: usize,
    seen: Vec<String>,
    pub(super) header: Header,
    pub(super) devices: Vec<DeviceRecord>,
    pub(super) answers: Vec<AnswerRecord>,
    pub(super) risks: Vec<RiskRecord>,
    pub(super) matrix: Option<Vec<Vec<Value>>>,
    pub(super) ignored: Vec<Ignored>,
    pub(super) problems: Vec<Problem>,
    /// The error that stopped the parse, when it was ours (a wrong type, a duplicate key).
    pub(super) error: Option<JsonError>,
    /// Whether records are kept (else only counted).
    keep: bool,
    /// Elements read per array.
    pub(super) counts: Counts,
}

impl<'p> Builder<'p> {
    /// Nothing read yet; texts longer than `max_text` characters are problems; `keep` says
    /// whether records are kept or only counted.
    pub(super) fn new(path: &'p Path, max_text: usize, keep: bool) -> Builder<'p> {
        Builder {
            path,
            max_text,
            seen: Vec::new(),
            header: Header::default(),
            devices: Vec::new(),
            answers: Vec::new(),
            risks: Vec::new(),
            matrix: None,
            ignored: Vec::new(),
            problems: Vec::new(),
            error: None,
            keep,
            counts: Counts::default(),
        }
    }

    /// Records a wrong type at `pointer` as the error that stops the parse.
    pub(super) fn fail_wrong_type(&mut self, pointer: &str, expected: &str, found: &str) {
        self.error.get_or_insert(JsonError::WrongType {
            path: self.path.to_path_buf(),
            pointer: pointer.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        });
    }

    /// Whether a top-level key was seen before (then it is the error that stops the parse).
    pub(super) fn seen_twice(&mut self, key: &str) -> bool {
        if self.seen.iter().any(|k| k == key) {
            self.error.get_or_insert(JsonError::Duplicate {
                path: self.path.to_path_buf(),
                pointer: format!("/{}", token(key)),
            });
            return true;
        }
        self.seen.push(key.to_string());
        false
    }

    /// One header key's value.
    pub(super) fn header_value(&mut self, key: &str, value: Json) {
        let h = &mut self.header;
        match key {
            "format" => h.format = Some(value),
            "format_version" => h.format_version = Some(value),
            "workbook_id" => h.workbook_id = Some(value),
            "catalog_version" => h.catalog_version = Some(value),
            "exported_at" => h.exported_at = Some(value),
            "as_of" => h.as_of = Some(value),
            "risk_grid" => self.matrix = self.grid(&value),
            "assessment" if !matches!(value, Json::Object(_) | Json::Null) => {
                self.fail_wrong_type("/assessment", "an object", kind(&value));
            }
            // `app_version`, `assessment` and `vulnerability_findings` describe the export;
            // nothing in them is applied (findings are decided in medsec).
            _ => {}
        }
    }

    /// `risk_grid`: 5 rows (likelihood 5 → 1) of 5 level names (impact 1 → 5); `None` and a
    /// problem for any other shape, `None` for `null`.
    fn grid(&mut self, value: &Json) -> Option<Vec<Vec<Value>>> {
        if value.is_null() {
            return None;
        }
        let rows = value.as_array().filter(|rows| {
            rows.len() == 5
                && rows
                    .iter()
                    .all(|r| r.as_array().is_some_and(|c| c.len() == 5))
        });
        let Some(rows) = rows else {
            self.problem(
                "/risk_grid".into(),
                format!("{} where 5 rows of 5 level names belong", kind(value)),
            );
            return None;
        };
        let mut out = Vec::with_capacity(5);
        for (r, row) in rows.iter().enumerate() {
            let mut cells = Vec::with_capacity(5);
            for (c, cell) in row.as_array().into_iter().flatten().enumerate() {
                let pointer = format!("/risk_grid/{r}/{c}");
                cells.push(self.scalar(&pointer, cell)?);
            }
            out.push(cells);
        }
        Some(out)
    }

    /// One element of an array.
    pub(super) fn element(&mut self, part: Part, index: usize, value: &Json) {
        let base = format!("/{}/{index}", part.key());
        let Some(obj) = value.as_object() else {
            self.problem(base, format!("{} where an object belongs", kind(value)));
            return;
        };
        let mut e = Element {
            obj,
            base: &base,
            b: self,
        };
        match part {
            Part::Devices => {
                let r = e.device();
                self.counts.devices += 1;
                if self.keep {
                    self.devices.push(r);
                }
            }
            Part::Answers => {
                let r = e.answer();
                self.counts.answers += 1;
                if self.keep {
                    self.answers.push(r);
                }
            }
            Part::Risks => {
                let r = e.risk();
                self.counts.risks += 1;
                if self.keep {
                    self.risks.push(r);
                }
            }
        }
    }

    fn problem(&mut self, pointer: String, reason: String) {
        self.problems.push(Problem {
            origin: Origin::Json { pointer },
            reason,
        });
    }

    /// A scalar as the text a spreadsheet cell would give: a text as is, a number in its
    /// shortest form (`3`, `0.75`), `true`/`false` as `Yes`/`No`, `null` as blank. An object,
    /// an array or a text over the limit is a problem (and `None`).
    fn scalar(&mut self, pointer: &str, v: &Json) -> Option<Value> {
        let text = match v {
            Json::Null => String::new(),
            Json::Bool(b) => if *b { "Yes" } else { "No" }.to_string(),
            Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i.to_string(),
                (_, Some(u), _) => u.to_string(),
                (_, _, Some(f)) => number_text(f),
                _ => n.to_string(),
            },
            Json::String(s) => {
                if s.len() > self.max_text && s.chars().count() > self.max_text {
                    self.problem(
                        pointer.to_string(),
                        format!(
                            "a text of {} characters; at most {} are accepted (a spreadsheet \
                             cell's limit)",
                            s.chars().count(),
                            self.max_text
                        ),
                    );
                    return None;
                }
                s.clone()
            }
            Json::Array(_) | Json::Object(_) => {
                self.problem(
                    pointer.to_string(),
                    format!("{} where a text, a number or null belongs", kind(v)),
                );
                return None;
            }
        };
        Some(Value::new(
            text,
            Origin::Json {
                pointer: pointer.to_string(),
            },
        ))
    }
}

/// One object being read, with its pointer.
struct Element<'j, 'b, 'p> {
    obj: &'j Map<String, Json>,
    base: &'j str,
    b: &'b mut Builder<'p>,
}

impl Element<'_, '_, '_> {
    fn pointer(&self, key: &str) -> String {
        format!("{}/{}", self.base, token(key))
    }

    fn origin(&self) -> Option<Origin> {
        Some(Origin::Json {
            pointer: self.base.to_string(),
        })
    }

    /// The key's value as text; `None` when absent (or unreadable, with a problem).
    fn value(&mut self, key: &str) -> Option<Value> {
        let v = self.obj.get(key)?;
        let pointer = self.pointer(key);
        self.b.scalar(&pointer, v)
    }

    /// A key field: a problem when absent.
    fn required(&mut self, key: &str) -> Option<Value> {
        if !self.obj.contains_key(key) {
            self.b.problem(self.base.to_string(), format!("no {key:?}"));
        }
        self.value(key)
    }

    /// A `true`/`false` key (`null` is false); `None` when absent or not a flag (a problem).
    fn flag(&mut self, key: &str) -> Option<bool> {
        match self.obj.get(key)? {
            Json::Bool(b) => Some(*b),
            Json::Null => Some(false),
            Json::String(s) if ["true", "yes"].contains(&s.trim().to_lowercase().as_str()) => {
                Some(true)
            }
            Json::String(s) if ["false", "no", ""].contains(&s.trim().to_lowercase().as_str()) => {
                Some(false)
            }
            other => {
                let reason = format!("{} where true or false belongs", kind(other));
                self.b.problem(self.pointer(key), reason);
                None
            }
        }
    }

    /// A value inside a nested object (`impact_dimensions/phi`); `None` when the outer value is
    /// not an object.
    fn nested(&mut self, outer: &str, key: &str) -> Option<Value> {
        let v = self.obj.get(outer)?.as_object()?.get(key)?;
        let pointer = format!("{}/{}", self.pointer(outer), token(key));
        self.b.scalar(&pointer, v)
    }

    /// Lists the keys not in `known` (nor accepted by `also`) as ignored.
    fn unknown(&mut self, known: &[&str], also: impl Fn(&str) -> bool) {
        for key in self.obj.keys() {
            if !known.contains(&key.as_str()) && !also(key) {
                self.b.ignored.push(Ignored {
                    origin: Origin::Json {
                        pointer: self.pointer(key),
                    },
                    reason: format!("unknown key {key:?}"),
                });
            }
        }
    }

    fn device(&mut self) -> DeviceRecord {
        let device_id = self.value("device_id");
        let uuid = self.value("uuid");
        if !self.obj.contains_key("device_id") && !self.obj.contains_key("uuid") {
            self.b.problem(
                self.base.to_string(),
                "no \"device_id\" and no \"uuid\"".into(),
            );
        }
        let fields = FIELDS
            .iter()
            // Computed fields (compliance, highest risk, last assessed) are medsec's own
            // figures, written in `device list --json` form (a percentage), never applied.
            .filter(|f| f.key != "device_id" && !matches!(f.kind, FieldKind::Computed))
            .filter_map(|f| self.value(f.key).map(|v| (f.key, v)))
            .collect();
        let mut extra = Vec::new();
        match self.obj.get("extra") {
            None | Some(Json::Null) => {}
            Some(Json::Object(m)) => {
                for (header, v) in m {
                    let pointer = format!("{}/{}", self.pointer("extra"), token(header));
                    if let Some(value) = self.b.scalar(&pointer, v) {
                        extra.push((header.clone(), value));
                    }
                }
            }
            Some(other) => {
                let reason = format!("{} where an object belongs", kind(other));
                self.b.problem(self.pointer("extra"), reason);
            }
        }
        self.unknown(&DEVICE_KEYS, |k| FIELDS.iter().any(|f| f.key == k));
        DeviceRecord {
            origin: self.origin(),
            device_id,
            uuid,
            fields,
            extra,
        }
    }

    fn answer(&mut self) -> AnswerRecord {
        let target = self.required("target");
        let control_id = self.required("control_id");
        let row_key = self.value("row_key").or_else(|| {
            let uuid = self.value("device_uuid").filter(|v| !v.is_blank())?;
            let control = control_id.as_ref().filter(|v| !v.is_blank())?;
            Some(Value::new(
                format!("{}|{}", uuid.trimmed(), control.trimmed()),
                uuid.origin,
            ))
        });
        let likelihood = self.value("likelihood");
        let impact = self.value("impact");
        let rating = self.rating(likelihood.as_ref(), impact.as_ref());
        let [impact_safety, impact_phi, impact_operations] = self.dimensions();
        let deferral_reason = self.value("deferral_reason");
        let deferred_until = self.deferred(deferral_reason.as_ref());
        let mut derived = Vec::new();
        for (key, header) in ANSWER_DERIVED {
            if let Some(v) = self.value(key) {
                derived.push((header.to_string(), v));
            }
        }
        let record = AnswerRecord {
            origin: self.origin(),
            target,
            row_key,
            control_id,
            response: self.value("response"),
            suggested: self.value("suggested"),
            observed: self.value("observed"),
            note: self.value("note"),
            evidence_ref: self.value("evidence_ref"),
            source: self.value("source"),
            likelihood,
            impact,
            impact_safety,
            impact_phi,
            impact_operations,
            rating,
            recommendation: self.value("recommendation"),
            deferred_until,
            deferral_reason,
            derived,
        };
        self.unknown(&ANSWER_KEYS, |_| false);
        record
    }

    /// An answer's `impact_dimensions`: patient safety, PHI, operations, each `None` when its
    /// key (or the whole object) is absent; `null` for the object gives three blanks at its
    /// pointer; anything but an object or `null` is a problem.
    fn dimensions(&mut self) -> [Option<Value>; 3] {
        let outer = "impact_dimensions";
        match self.obj.get(outer) {
            None => [None, None, None],
            Some(Json::Null) => {
                let blank = || {
                    Some(Value::new(
                        "",
                        Origin::Json {
                            pointer: self.pointer(outer),
                        },
                    ))
                };
                [blank(), blank(), blank()]
            }
            Some(Json::Object(_)) => ANSWER_DIMENSIONS.map(|key| self.nested(outer, key)),
            Some(other) => {
                let reason = format!("{} where an object belongs", kind(other));
                self.b.problem(self.pointer(outer), reason);
                [None, None, None]
            }
        }
    }

    /// The `Rating` column: `default` when the likelihood or the impact is set and flagged as a
    /// default, else blank; `None` when neither flag is there.
    fn rating(&mut self, likelihood: Option<&Value>, impact: Option<&Value>) -> Option<Value> {
        let l = self.flag("likelihood_default");
        let i = self.flag("impact_default");
        if !self.obj.contains_key("likelihood_default") && !self.obj.contains_key("impact_default")
        {
            return None;
        }
        let set = |v: Option<&Value>| v.is_some_and(|v| !v.is_blank());
        let l_default = l == Some(true) && set(likelihood);
        let i_default = i == Some(true) && set(impact);
        let key = if l_default || !i_default {
            "likelihood_default"
        } else {
            "impact_default"
        };
        Some(Value::new(
            if l_default || i_default {
                "default"
            } else {
                ""
            },
            Origin::Json {
                pointer: self.pointer(key),
            },
        ))
    }

    /// The `Deferred Until` column: the date when one is given, else `deferred` when a reason
    /// is, else blank; `None` when neither key is there.
    fn deferred(&mut self, reason: Option<&Value>) -> Option<Value> {
        let until = self.value("deferred_until");
        match (until, reason) {
            (Some(u), _) if !u.is_blank() => Some(u),
            (u, Some(r)) if !r.is_blank() => Some(Value::new(
                "deferred",
                u.map_or_else(|| r.origin.clone(), |u| u.origin),
            )),
            (Some(u), _) => Some(u),
            (None, Some(r)) => Some(Value::new("", r.origin.clone())),
            (None, None) => None,
        }
    }

    fn risk(&mut self) -> RiskRecord {
        let header = |col: u16| {
            REGISTER_COLUMNS
                .get(usize::from(col))
                .map_or_else(String::new, |c| c.header.to_string())
        };
        let mut derived = Vec::new();
        for (key, col) in RISK_DERIVED {
            if let Some(v) = self.value(key) {
                derived.push((header(col), v));
            }
        }
        match self.obj.get("impact_dimensions") {
            None | Some(Json::Null) => {}
            Some(Json::Object(_)) => {
                for (key, col) in RISK_DIMENSIONS {
                    if let Some(v) = self.nested("impact_dimensions", key) {
                        derived.push((header(col), v));
                    }
                }
            }
            Some(other) => {
                let reason = format!("{} where an object belongs", kind(other));
                self.b.problem(self.pointer("impact_dimensions"), reason);
            }
        }
        for (key, col) in [("expired", reg::EXPIRED), ("overdue", reg::OVERDUE)] {
            if let Some(flag) = self.flag(key) {
                let text = if flag { "Yes" } else { "" };
                derived.push((
                    header(col),
                    Value::new(
                        text,
                        Origin::Json {
                            pointer: self.pointer(key),
                        },
                    ),
                ));
            }
        }
        let record = RiskRecord {
            origin: self.origin(),
            risk_id: self.value("risk_id"),
            target: self.required("target"),
            // A vulnerability finding's risk is named by its Finding ID, which the planner lists
            // as ignored (such risks are edited in medsec, not read back).
            source: match self.value("finding_id").filter(|v| !v.is_blank()) {
                Some(finding) => Some(finding),
                None => self.required("control_id"),
            },
            treatment: self.value("treatment"),
            planned_actions: self.value("planned_actions"),
            owner: self.value("owner"),
            due_date: self.value("due_date"),
            status: self.value("status"),
            residual_likelihood: self.value("residual_likelihood"),
            residual_impact: self.value("residual_impact"),
            accepted_by: self.value("accepted_by"),
            acceptance_note: self.value("acceptance_note"),
            accepted_on: self.value("accepted_on"),
            review_date: self.value("review_date"),
            identified_on: self.value("identified_on"),
            due_date_default: self.value("due_date_default"),
            derived,
        };
        self.unknown(&RISK_KEYS, |_| false);
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::layout::CONTROL_COLUMNS;

    #[test]
    fn derived_answer_keys_take_control_sheet_headers() {
        for (_, header) in ANSWER_DERIVED {
            assert!(
                CONTROL_COLUMNS.iter().any(|c| c.header == header),
                "{header}"
            );
        }
        for (key, _) in ANSWER_DERIVED {
            assert!(ANSWER_KEYS.contains(&key), "{key}");
        }
        for (key, _) in RISK_DERIVED {
            assert!(RISK_KEYS.contains(&key), "{key}");
        }
    }
}
