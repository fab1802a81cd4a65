//! The Devices screen (home): a table of every device with its progress. Only the rows that
//! fit on screen are built, so it stays fast with 10,000 devices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};
use ratatui::widgets::{Paragraph, Wrap};

use super::checklist;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row, share};

/// Acts on the Devices screen.
pub fn update(app: &mut App, action: Action) {
    let len = app.devices.len();
    if len == 0 {
        return;
    }
    let page = app.page_rows();
    let sel = app.device_cursor.selected;
    let last = len - 1;
    app.device_cursor.selected = match action {
        Action::MoveDown => (sel + 1).min(last),
        Action::MoveUp => sel.saturating_sub(1),
        Action::PageDown => (sel + page).min(last),
        Action::PageUp => sel.saturating_sub(page),
        Action::First => 0,
        Action::Last => last,
        Action::Open => {
            checklist::open(app, sel);
            return;
        }
        _ => return,
    };
    keep_in_view(app);
}

/// Keeps the selected device inside the visible rows (after a move or a resize).
pub fn keep_in_view(app: &mut App) {
    let len = app.devices.len();
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
    let count = match app.devices.len() {
        1 => "1 device".to_string(),
        n => format!("{n} devices"),
    };
    let left = if org.is_empty() {
        "Devices".to_string()
    } else {
        format!("{org} · Devices")
    };
    (left, format!("{count} "))
}

/// Draws the table (or, with no devices, how to add some) into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if app.devices.is_empty() {
        render_empty(app, frame, area);
        return;
    }
    let theme = app.theme;
    let id_width = app
        .devices
        .last()
        .map(|d| text::width(&d.short_id()))
        .unwrap_or(8)
        .max(8);
    const IP: usize = 15;
    const DONE: usize = 4;
    // cursor(1) id ip done + 7 separators
    let fixed = 1 + id_width + IP + DONE + 7;
    let flex = share(
        usize::from(area.width).saturating_sub(fixed),
        &[36, 18, 20, 26],
    );
    let widths = [1, id_width, flex[0], flex[1], flex[2], flex[3], IP, DONE];
    let headings = [
        "",
        "ID",
        "Name",
        if flex[1] >= 12 {
            "Manufacturer"
        } else {
            "Make"
        },
        "Model",
        "Location",
        "IP",
        "Done",
    ];
    let heading_cells: Vec<Cell<'_>> = headings
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(i, (h, w))| {
            if i == 7 {
                Cell::right(h, w, theme.heading())
            } else {
                Cell::new(h, w, theme.heading())
            }
        })
        .collect();
    let buf = frame.buffer_mut();
    draw_row(
        buf,
        Rect { height: 1, ..area },
        &heading_cells,
        Default::default(),
    );

    let rows = layout::device_rows(area);
    let start = app.device_cursor.offset;
    let end = (start + rows).min(app.devices.len());
    for (n, i) in (start..end).enumerate() {
        let (Some(d), Some(p)) = (app.devices.get(i), app.progress.get(i)) else {
            continue;
        };
        let selected = i == app.device_cursor.selected;
        let row_style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let id = d.short_id();
        let location = d.location();
        let ip = d.get("ip_addresses");
        let ip = ip.split([',', ';', ' ']).next().unwrap_or("");
        let done = format!("{}%", p.total.percent());
        let done_style = if p.total.percent() == 100 {
            theme.response(Some(crate::assessment::Response::Yes))
        } else {
            Default::default()
        };
        let cells = [
            Cell::new(if selected { "›" } else { " " }, widths[0], row_style),
            Cell::new(&id, widths[1], Default::default()),
            Cell::new(d.get("name"), widths[2], Default::default()),
            Cell::new(d.get("manufacturer"), widths[3], Default::default()),
            Cell::new(d.get("model"), widths[4], Default::default()),
            Cell::new(&location, widths[5], Default::default()),
            Cell::new(ip, widths[6], Default::default()),
            Cell::right(&done, widths[7], done_style),
        ];
        let y = area.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
        draw_row(buf, Rect::new(area.x, y, area.width, 1), &cells, row_style);
    }
}

fn render_empty(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme;
    let lines = vec![
        Line::styled("No devices in this workbook yet.", theme.title()),
        Line::raw(""),
        Line::raw("Add devices from the command line, then open the workbook again:"),
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
    let inner = Rect {
        x: area.x + 2.min(area.width),
        width: area.width.saturating_sub(2),
        y: area.y + 1.min(area.height),
        height: area.height.saturating_sub(1),
    };
    frame.render_widget(
        Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false }),
        inner,
    );
}
