//! The Devices screen (home): a table of every device with its progress. Only the rows that
//! fit on screen are built, so it stays fast with 10,000 devices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::device_list::{self, SortColumn};
use super::{checklist, walk};
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::popups::confirm::Confirm;
use crate::tui::popups::filter::FilterPopup;
use crate::tui::popups::form::DeviceForm;
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row, share};
use crate::tui::widgets::message;
use crate::tui::widgets::text_field::TextField;

/// Acts on the Devices screen.
pub fn update(app: &mut App, action: Action) {
    match action {
        Action::Search => {
            let field = TextField::new(app.list.query.clone(), device_list::QUERY_LIMIT);
            app.list.search = Some(field);
            return;
        }
        Action::Filter => {
            app.overlay = Some(Overlay::Filter(FilterPopup::new(app)));
            return;
        }
        Action::ClearFilters => {
            if app.list.is_narrowed() {
                app.list.query.clear();
                app.list.filters.clear();
                device_list::refresh(app);
                app.list.save(&app.workbook);
                app.info("Search and filters cleared");
            }
            return;
        }
        Action::SortNext | Action::SortReverse => {
            if action == Action::SortNext {
                app.list.sort = app.list.sort.next();
                app.list.descending = false;
            } else {
                app.list.descending = !app.list.descending;
            }
            device_list::refresh(app);
            app.list.save(&app.workbook);
            let arrow = if app.list.descending { "▼" } else { "▲" };
            app.info(format!("Sorted by {} {arrow}", app.list.sort.label()));
            return;
        }
        Action::AddDevice => {
            app.overlay = Some(Overlay::Form(Box::new(DeviceForm::add())));
            return;
        }
        Action::Walk => {
            walk::choose(app);
            return;
        }
        _ => {}
    }
    let len = app.list.view.len();
    if len == 0 {
        if matches!(
            action,
            Action::Open | Action::EditDevice | Action::DeleteDevice | Action::ToggleMark
        ) {
            app.info(if app.devices.is_empty() {
                "No devices yet: a adds one"
            } else {
                "No device matches: Esc clears the search and filters"
            });
        }
        return;
    }
    let page = app.page_rows();
    let sel = app.device_cursor.selected.min(len - 1);
    let last = len - 1;
    if let Some(to) = layout::moved(&action, sel, last, page) {
        app.device_cursor.selected = to;
        keep_in_view(app);
        return;
    }
    app.device_cursor.selected = match action {
        Action::Open => {
            if let Some(&i) = app.list.view.get(sel) {
                checklist::open(app, i);
            }
            return;
        }
        Action::ToggleMark => {
            if let Some(id) = app.selected_device().map(|d| d.id) {
                if !app.list.marked.remove(&id) {
                    app.list.marked.insert(id);
                }
                app.info(format!("{} marked", app.list.marked.len()));
            }
            (sel + 1).min(last)
        }
        Action::ClearMarks => {
            app.list.marked.clear();
            app.info("No device is marked");
            sel
        }
        Action::History => {
            crate::tui::popups::history::open_device(app);
            sel
        }
        Action::EditDevice => {
            if let Some(d) = app.selected_device() {
                let form = DeviceForm::edit(d);
                app.overlay = Some(Overlay::Form(Box::new(form)));
            }
            return;
        }
        Action::DeleteDevice => {
            if let Some(d) = app.selected_device() {
                let confirm = Confirm::delete_device(app, d);
                app.overlay = Some(Overlay::Confirm(confirm));
            }
            return;
        }
        _ => return,
    };
    keep_in_view(app);
}

/// Keeps the selected device inside the visible rows (after a move or a resize).
pub fn keep_in_view(app: &mut App) {
    let len = app.list.view.len();
    let c = &mut app.device_cursor;
    c.selected = c.selected.min(len.saturating_sub(1));
    let rows = layout::device_rows(layout::chrome(app.size).body);
    c.offset = layout::scroll(c.offset, c.selected, c.selected, rows);
    // No blank rows below the last device when the list could fill the screen.
    c.offset = c.offset.min(len.saturating_sub(rows.max(1)));
}

/// The title line of the screen: (left, right).
pub fn title(app: &App) -> (String, String) {
    let org = &app.workbook.meta().organisation;
    let total = app.devices.len();
    let shown = app.list.view.len();
    let count = match (shown, total) {
        (1, 1) => "1 device".to_string(),
        (s, t) if s == t => format!("{t} devices"),
        (s, t) => format!("{s} of {t} devices"),
    };
    let mut left = if org.is_empty() {
        "Devices".to_string()
    } else {
        format!("{} · Devices", text::sanitize(org))
    };
    let narrowed = app.list.describe();
    if !narrowed.is_empty() {
        left = format!("{left} · {}", text::sanitize(&narrowed));
    }
    (left, format!("{count} "))
}

/// Draws the table (or, with no devices, how to add some) into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if app.devices.is_empty() {
        render_empty(app, frame, area);
        return;
    }
    if app.list.view.is_empty() {
        let lines = vec![
            Line::styled(
                "No device matches the search and filters.",
                app.theme.title(),
            ),
            Line::raw(""),
            Line::raw("Esc clears them; / changes the search; F changes the filters."),
        ];
        message::render(frame, area, lines, 2, 0, 1);
        return;
    }
    let theme = app.theme;
    let id_width = id_column_width(app.devices.last());
    let widths = table_widths(area, id_width);
    let arrow = if app.list.descending { "▼" } else { "▲" };
    let sorted = |c: SortColumn, h: &str| {
        if app.list.sort == c && (c != SortColumn::Id || app.list.descending) {
            format!("{h}{arrow}")
        } else {
            h.to_string()
        }
    };
    let headings = [
        String::new(),
        String::new(),
        sorted(SortColumn::Id, "ID"),
        sorted(SortColumn::Name, "Name"),
        sorted(SortColumn::Manufacturer, make_heading(&widths)),
        sorted(SortColumn::Model, "Model"),
        sorted(SortColumn::Location, "Location"),
        sorted(SortColumn::Ip, "IP"),
        sorted(SortColumn::Done, "Done"),
        sorted(SortColumn::Risk, "Risk"),
    ];
    let buf = frame.buffer_mut();
    draw_heading(buf, area, &headings, &widths, theme);

    let rows = layout::device_rows(area);
    let start = app.device_cursor.offset;
    let end = (start + rows).min(app.list.view.len());
    for (n, row) in (start..end).enumerate() {
        let Some(&i) = app.list.view.get(row) else {
            continue;
        };
        let (Some(d), Some(p)) = (app.devices.get(i), app.progress.get(i)) else {
            continue;
        };
        let selected = row == app.device_cursor.selected;
        let marked = app.list.marked.contains(&d.id);
        let row_style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let id = d.short_id();
        let location = d.location();
        let ip = first_ip(d);
        let done = format!("{}%", p.total.percent());
        let done_style = if p.total.percent() == 100 {
            theme.response(Some(crate::assessment::Response::Yes))
        } else {
            Default::default()
        };
        let (risk, risk_style) = match p.highest_risk {
            Some(level) if wide_table(area) => (level.label(), theme.risk(level)),
            Some(level) => (level.abbreviation(), theme.risk(level)),
            None => ("", Default::default()),
        };
        let cells = [
            Cell::new(if selected { "›" } else { " " }, widths[0], row_style),
            Cell::new(if marked { "●" } else { " " }, widths[1], theme.key()),
            Cell::new(&id, widths[2], Default::default()),
            Cell::new(d.get("name"), widths[3], Default::default()),
            Cell::new(d.get("manufacturer"), widths[4], Default::default()),
            Cell::new(d.get("model"), widths[5], Default::default()),
            Cell::new(&location, widths[6], Default::default()),
            Cell::new(ip, widths[7], Default::default()),
            Cell::right(&done, widths[8], done_style),
            Cell::new(risk, widths[9], risk_style),
        ];
        let y = area.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
        draw_row(buf, Rect::new(area.x, y, area.width, 1), &cells, row_style);
    }
}

/// The IP column: a device's first IP address (they are listed with `,`, `;` or spaces).
pub(crate) fn first_ip(device: &crate::device::Device) -> &str {
    device
        .get("ip_addresses")
        .split([',', ';', ' '])
        .next()
        .unwrap_or("")
}

/// Width of the ID column: the last device's short ID (the widest), at least 8.
pub(crate) fn id_column_width(last: Option<&crate::device::Device>) -> usize {
    last.map(|d| text::width(&d.short_id())).unwrap_or(8).max(8)
}

/// Whether the table has room for risk levels in full (from 110 columns; VH / H / M / L / VL
/// below).
pub(crate) fn wide_table(area: Rect) -> bool {
    area.width >= 110
}

/// The table's column widths in `area`: cursor, mark, ID, name, manufacturer, model, location,
/// IP, Done, Risk (the Devices screen and the opening frame draw the same table).
pub(crate) fn table_widths(area: Rect, id_width: usize) -> [usize; 10] {
    const IP: usize = 15;
    const DONE: usize = 4;
    let risk_width: usize = if wide_table(area) { 9 } else { 4 };
    // cursor(1) mark(1) id ip done risk + 9 separators
    let fixed = 2 + id_width + IP + DONE + risk_width + 9;
    let flex = share(
        usize::from(area.width).saturating_sub(fixed),
        &[36, 18, 20, 26],
    );
    [
        1, 1, id_width, flex[0], flex[1], flex[2], flex[3], IP, DONE, risk_width,
    ]
}

/// The manufacturer column's heading: in full when it fits, else "Make".
pub(crate) fn make_heading(widths: &[usize; 10]) -> &'static str {
    if widths[4] >= 13 {
        "Manufacturer"
    } else {
        "Make"
    }
}

/// Draws the heading row on the first line of `area` (Done right-aligned, as its numbers).
pub(crate) fn draw_heading<S: AsRef<str>>(
    buf: &mut ratatui::buffer::Buffer,
    area: Rect,
    headings: &[S; 10],
    widths: &[usize; 10],
    theme: crate::tui::theme::Theme,
) {
    let cells: Vec<Cell<'_>> = headings
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(i, (h, &w))| {
            if i == 8 {
                Cell::right(h.as_ref(), w, theme.heading())
            } else {
                Cell::new(h.as_ref(), w, theme.heading())
            }
        })
        .collect();
    draw_row(buf, Rect { height: 1, ..area }, &cells, Default::default());
}

fn render_empty(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let lines = vec![
        Line::styled("No devices in this workbook yet.", theme.title()),
        Line::raw(""),
        Line::raw("Press a to add one here, or bring many in from the command line:"),
        Line::raw(""),
        Line::raw("  medsec import nmap FILE          hosts from an nmap -oX scan"),
        Line::raw("  medsec import inventory FILE     a CSV/XLSX/XLS/ODS inventory export"),
        Line::raw("  medsec device add --name NAME    type one in (any field: --model, --site …)"),
        Line::raw(""),
        Line::styled(
            "-w PATH picks the workbook: medsec -w site.medsec import nmap scan.xml",
            theme.dim(),
        ),
    ];
    message::render(frame, area, lines, 2, 0, 1);
}
