//! What the device list shows: the incremental search, the filters, the sort order and the
//! marked devices, and the rows (`view`) they leave. Kept in the workbook's UI state, so a
//! restart shows the same list.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::assessment::{DeviceProgress, Response};
use crate::device::Device;
use crate::risk::RiskLevel;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::widgets::text_field::TextField;
use crate::workbook::Workbook;

/// Longest search text, in UTF-16 units.
pub const QUERY_LIMIT: usize = 200;

/// The UI-state key the list settings are kept under.
const STATE_KEY: &str = "device_list";

/// One way to narrow the device list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterDim {
    /// Room / department / site as shown in the Location column.
    Location,
    /// Manufacturer (case-insensitive).
    Manufacturer,
    /// Device category.
    Category,
    /// Criticality.
    Criticality,
    /// Not started, In progress, Done.
    Progress,
    /// Devices with at least one answer of this response.
    Response,
    /// The device's highest risk level (None when it has no finding).
    Risk,
}

impl FilterDim {
    /// Every filter, in the order of the filter popup.
    pub const ALL: [FilterDim; 7] = [
        FilterDim::Location,
        FilterDim::Manufacturer,
        FilterDim::Category,
        FilterDim::Criticality,
        FilterDim::Progress,
        FilterDim::Response,
        FilterDim::Risk,
    ];

    /// The name shown in the popup and the title line.
    pub fn label(self) -> &'static str {
        match self {
            FilterDim::Location => "Location",
            FilterDim::Manufacturer => "Manufacturer",
            FilterDim::Category => "Category",
            FilterDim::Criticality => "Criticality",
            FilterDim::Progress => "Progress",
            FilterDim::Response => "Response",
            FilterDim::Risk => "Risk level",
        }
    }

    /// The values a device has for this filter (several for Response).
    fn values(self, d: &Device, p: &DeviceProgress) -> Vec<String> {
        let text = |v: &str| {
            if v.trim().is_empty() {
                NONE.to_string()
            } else {
                v.trim().to_string()
            }
        };
        match self {
            FilterDim::Location => vec![text(&d.location())],
            FilterDim::Manufacturer => vec![text(d.get("manufacturer"))],
            FilterDim::Category => vec![text(d.get("category"))],
            FilterDim::Criticality => vec![text(d.get("criticality"))],
            FilterDim::Progress => vec![progress_label(p).to_string()],
            FilterDim::Response => {
                let mut v: Vec<String> = Response::ALL
                    .into_iter()
                    .filter(|r| p.total.count(*r) > 0)
                    .map(|r| r.label().to_string())
                    .collect();
                if p.total.not_assessed() > 0 {
                    v.push(NOT_ASSESSED.to_string());
                }
                v
            }
            FilterDim::Risk => vec![
                p.highest_risk
                    .map(RiskLevel::label)
                    .unwrap_or(NONE)
                    .to_string(),
            ],
        }
    }
}

/// The value of an unset field in filters.
const NONE: &str = "(none)";
const NOT_ASSESSED: &str = "Not assessed";

fn progress_label(p: &DeviceProgress) -> &'static str {
    if p.total.assessed() == 0 {
        "Not started"
    } else if p.total.percent() == 100 {
        "Done"
    } else {
        "In progress"
    }
}

/// A column the list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    /// Short ID (the order devices were added).
    #[default]
    Id,
    /// Name.
    Name,
    /// Manufacturer.
    Manufacturer,
    /// Model.
    Model,
    /// Location.
    Location,
    /// First IP address (numerically).
    Ip,
    /// Progress.
    Done,
    /// Highest risk.
    Risk,
}

impl SortColumn {
    /// Every column, in the order `sort_next` cycles through them.
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Id,
        SortColumn::Name,
        SortColumn::Manufacturer,
        SortColumn::Model,
        SortColumn::Location,
        SortColumn::Ip,
        SortColumn::Done,
        SortColumn::Risk,
    ];

    /// The column heading it sorts.
    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Id => "ID",
            SortColumn::Name => "Name",
            SortColumn::Manufacturer => "Manufacturer",
            SortColumn::Model => "Model",
            SortColumn::Location => "Location",
            SortColumn::Ip => "IP",
            SortColumn::Done => "Done",
            SortColumn::Risk => "Risk",
        }
    }

    /// The column after this one (after the last: back to ID).
    pub fn next(self) -> SortColumn {
        let i = SortColumn::ALL.iter().position(|c| *c == self).unwrap_or(0);
        SortColumn::ALL
            .get(i + 1)
            .copied()
            .unwrap_or(SortColumn::Id)
    }
}

/// The settings kept in the workbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Saved {
    query: String,
    filters: BTreeMap<FilterDim, String>,
    sort: SortColumn,
    descending: bool,
}

/// Search, filters, sort and marks of the device list, and the rows they leave.
#[derive(Debug, Clone, Default)]
pub struct DeviceList {
    /// The search text (every word must appear, case-insensitively).
    pub query: String,
    /// The search line while it is being typed in.
    pub search: Option<TextField>,
    /// The chosen value of each active filter.
    pub filters: BTreeMap<FilterDim, String>,
    /// The sort column.
    pub sort: SortColumn,
    /// Highest first.
    pub descending: bool,
    /// IDs of the marked devices.
    pub marked: BTreeSet<i64>,
    /// Indexes into `App::devices` of the rows shown, in order.
    pub view: Vec<usize>,
    /// The lower-cased text a search looks in, per device (built once per change of the
    /// devices, not per keystroke).
    hay: Vec<String>,
}

impl DeviceList {
    /// Whether the rows shown depend on the devices' progress, responses or risk (a filter or
    /// the sort on them): an answer must then build the list again.
    pub fn follows_answers(&self) -> bool {
        matches!(self.sort, SortColumn::Done | SortColumn::Risk)
            || self.filters.keys().any(|d| {
                matches!(
                    d,
                    FilterDim::Progress | FilterDim::Response | FilterDim::Risk
                )
            })
    }

    /// The settings stored in the workbook (defaults when none are, or they do not parse).
    pub fn load(workbook: &Workbook) -> DeviceList {
        let saved: Saved = workbook
            .ui_state(STATE_KEY)
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        DeviceList {
            query: saved.query,
            filters: saved.filters,
            sort: saved.sort,
            descending: saved.descending,
            ..DeviceList::default()
        }
    }

    /// Stores the settings in the workbook (best effort: a failure only loses the settings).
    pub fn save(&self, workbook: &Workbook) {
        let saved = Saved {
            query: self.query.clone(),
            filters: self.filters.clone(),
            sort: self.sort,
            descending: self.descending,
        };
        if let Ok(json) = serde_json::to_string(&saved) {
            let _ = workbook.set_ui_state(STATE_KEY, &json);
        }
    }

    /// Whether a search or a filter narrows the list.
    pub fn is_narrowed(&self) -> bool {
        !self.query.trim().is_empty() || !self.filters.is_empty()
    }

    /// Forgets the search index, after the devices changed (it is built again on the next
    /// [`DeviceList::rebuild`]).
    pub fn devices_changed(&mut self) {
        self.hay.clear();
    }

    /// Recomputes `view` from the devices: search, then filters, then sort.
    pub fn rebuild(&mut self, devices: &[Device], progress: &[DeviceProgress]) {
        if self.hay.len() != devices.len() {
            self.hay = devices.iter().map(haystack).collect();
        }
        let hay = &self.hay;
        // Filter values compared case-insensitively: lower-cased once, not per device.
        let filters: Vec<(FilterDim, String)> = self
            .filters
            .iter()
            .map(|(d, v)| (*d, v.to_lowercase()))
            .collect();
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut view: Vec<usize> = devices
            .iter()
            .zip(progress)
            .enumerate()
            .filter(|(i, (d, p))| {
                (words.is_empty() || {
                    let h = hay.get(*i).map(String::as_str).unwrap_or("");
                    words.iter().all(|w| h.contains(w.as_str()))
                }) && filters
                    .iter()
                    .all(|(dim, want)| dim.values(d, p).iter().any(|v| v.to_lowercase() == *want))
            })
            .map(|(i, _)| i)
            .collect();
        let sort = self.sort;
        view.sort_by(|&a, &b| {
            let (Some(da), Some(db)) = (devices.get(a), devices.get(b)) else {
                return Ordering::Equal;
            };
            let pa = progress.get(a);
            let pb = progress.get(b);
            compare(sort, da, db, pa, pb).then(da.number.cmp(&db.number))
        });
        if self.descending {
            view.reverse();
        }
        self.view = view;
    }

    /// The values a filter can take among `devices`, with how many devices have each, most
    /// common first.
    pub fn choices(
        dim: FilterDim,
        devices: &[Device],
        progress: &[DeviceProgress],
    ) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (d, p) in devices.iter().zip(progress) {
            for v in dim.values(d, p) {
                let e = counts.entry(v.to_lowercase()).or_insert((v, 0));
                e.1 += 1;
            }
        }
        let mut out: Vec<(String, usize)> = counts.into_values().collect();
        match dim {
            FilterDim::Progress | FilterDim::Response | FilterDim::Risk => {}
            _ => out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0))),
        }
        out
    }

    /// One line saying what narrows and orders the list, e.g.
    /// `search "icu" · Location: ICU · sort Name ▲ · 3 marked`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.query.trim().is_empty() {
            parts.push(format!("search \"{}\"", self.query.trim()));
        }
        for (dim, v) in &self.filters {
            parts.push(format!("{}: {v}", dim.label()));
        }
        if self.sort != SortColumn::Id || self.descending {
            let arrow = if self.descending { "▼" } else { "▲" };
            parts.push(format!("sort {} {arrow}", self.sort.label()));
        }
        if !self.marked.is_empty() {
            parts.push(format!("{} marked", self.marked.len()));
        }
        parts.join(" · ")
    }
}

/// The lower-cased text a search looks in: name, manufacturer, model, serial, asset tag, IP,
/// location, hostname, MAC and short ID.
fn haystack(d: &Device) -> String {
    let mut s = String::with_capacity(160);
    for key in [
        "name",
        "manufacturer",
        "model",
        "serial_number",
        "asset_tag",
        "ip_addresses",
        "hostname",
        "mac_addresses",
    ] {
        s.push_str(&d.get(key).to_lowercase());
        s.push('\u{1f}');
    }
    s.push_str(&d.location().to_lowercase());
    s.push('\u{1f}');
    s.push_str(&d.short_id().to_lowercase());
    s
}

fn first_ip(d: &Device) -> Option<std::net::IpAddr> {
    d.get("ip_addresses")
        .split([',', ';', ' '])
        .find(|s| !s.is_empty())
        .and_then(|s| s.trim().parse().ok())
}

fn compare(
    sort: SortColumn,
    a: &Device,
    b: &Device,
    pa: Option<&DeviceProgress>,
    pb: Option<&DeviceProgress>,
) -> Ordering {
    let text = |k: &str| a.get(k).to_lowercase().cmp(&b.get(k).to_lowercase());
    // Blank values sort last in ascending order.
    let blank_last = |x: &str, y: &str, o: Ordering| match (x.is_empty(), y.is_empty()) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => o,
    };
    match sort {
        SortColumn::Id => a.number.cmp(&b.number),
        SortColumn::Name | SortColumn::Manufacturer | SortColumn::Model => {
            let k = match sort {
                SortColumn::Name => "name",
                SortColumn::Manufacturer => "manufacturer",
                _ => "model",
            };
            blank_last(a.get(k), b.get(k), text(k))
        }
        SortColumn::Location => {
            let (x, y) = (a.location(), b.location());
            blank_last(&x, &y, x.to_lowercase().cmp(&y.to_lowercase()))
        }
        SortColumn::Ip => match (first_ip(a), first_ip(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        SortColumn::Done => {
            let p = |p: Option<&DeviceProgress>| p.map(|p| p.total.percent()).unwrap_or(0);
            p(pa).cmp(&p(pb))
        }
        SortColumn::Risk => {
            let r = |p: Option<&DeviceProgress>| p.and_then(|p| p.highest_risk);
            r(pa).cmp(&r(pb))
        }
    }
}

/// Recomputes the rows after the search, filters or sort changed, keeping the cursor on the
/// same device when it is still shown (else on the first row). The settings are stored by the
/// caller when the change is finished (not per keystroke: each store is a synced write).
pub fn refresh(app: &mut App) {
    let selected = app.selected_device().map(|d| d.id);
    app.list.rebuild(&app.devices, &app.progress);
    app.device_cursor.selected = 0;
    app.device_cursor.offset = 0;
    if let Some(id) = selected {
        app.select_device_id(id);
    }
}

/// Acts while the search line is open: typing narrows the list at once.
pub fn update_search(app: &mut App, action: Action) {
    let Some(field) = app.list.search.as_mut() else {
        return;
    };
    match action {
        Action::InsertText(t) => {
            if !field.insert(&t) {
                app.error("The search holds 200 characters; the rest was left out");
                return;
            }
        }
        Action::Submit => {
            app.list.search = None;
            let n = app.list.view.len();
            app.info(format!(
                "{n} device{} match{}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "es" } else { "" }
            ));
            app.list.save(&app.workbook);
            return;
        }
        Action::Back => {
            app.list.search = None;
            app.list.query.clear();
            refresh(app);
            app.list.save(&app.workbook);
            return;
        }
        Action::MoveDown | Action::MoveUp => {
            super::devices::update(app, action);
            return;
        }
        Action::Quit => {
            app.quit = true;
            return;
        }
        other => {
            field.edit(&other);
        }
    }
    let text = app
        .list
        .search
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    if text != app.list.query {
        app.list.query = text;
        refresh(app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(n: i64, values: &[(&str, &str)]) -> Device {
        Device {
            id: n,
            number: n,
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Device::default()
        }
    }

    #[test]
    fn search_filters_and_sorts() {
        let devices = vec![
            device(
                1,
                &[
                    ("name", "Pump A"),
                    ("ip_addresses", "10.0.0.10"),
                    ("department", "ICU"),
                ],
            ),
            device(
                2,
                &[
                    ("name", "Monitor"),
                    ("ip_addresses", "10.0.0.9"),
                    ("department", "ER"),
                ],
            ),
            device(3, &[("name", "pump B"), ("department", "ICU")]),
        ];
        let progress = vec![DeviceProgress::default(); 3];
        let mut list = DeviceList::default();
        list.rebuild(&devices, &progress);
        assert_eq!(list.view, vec![0, 1, 2]);
        list.query = "PUMP icu".into();
        list.rebuild(&devices, &progress);
        assert_eq!(list.view, vec![0, 2]);
        list.query = "10.0.0.9".into();
        list.rebuild(&devices, &progress);
        assert_eq!(list.view, vec![1]);
        list.query.clear();
        list.filters.insert(FilterDim::Location, "icu".into());
        list.rebuild(&devices, &progress);
        assert_eq!(list.view, vec![0, 2]);
        list.filters.clear();
        list.sort = SortColumn::Ip;
        list.rebuild(&devices, &progress);
        assert_eq!(list.view, vec![1, 0, 2], "numeric IP order, blanks last");
        list.sort = SortColumn::Name;
        list.descending = true;
        list.rebuild(&devices, &progress);
        assert_eq!(list.view, vec![2, 0, 1]);
        let choices = DeviceList::choices(FilterDim::Location, &devices, &progress);
        assert_eq!(choices.first(), Some(&("ICU".to_string(), 2)));
    }
}
