//! The Findings table: which columns are shown at a width (at 80 columns the Risk ID, level
//! and residual level as `VH→L`, target, control, treatment, owner, due date, status and flags
//! in short; from [`WIDE`] columns also the score, the control's title and the response, with
//! levels and treatments spelled out, and flags from [`LONG_FLAGS`]), what each cell holds, and
//! drawing the rows shown. The flags column is as wide as all flags of one finding together.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::finding;
use crate::risk::RiskStatus;
use crate::risk::register::Finding;
use crate::tui::app::App;
use crate::tui::widgets::columns::{Cell, draw_row, share};

/// From this width on the table spells levels out and shows the residual level, the score,
/// the control's title and the response in their own columns.
pub const WIDE: u16 = 140;

/// From this width on the flags are spelled out (`OVERDUE`, `EXPIRED`); below it they are
/// short (`OVD`, `EXP`). Either way the column fits every flag at once.
pub const LONG_FLAGS: u16 = 160;

/// The table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Cursor,
    Id,
    Level,
    Residual,
    Score,
    Target,
    Control,
    Title,
    Response,
    Treatment,
    Owner,
    Due,
    Status,
    Flags,
}

/// The columns shown at this width, with their widths; `id` is the width of the widest Risk ID
/// shown (`R-0012` is 6; a register past 9,999 entries has 7 and more).
fn columns(width: u16, id: usize) -> Vec<(Col, usize)> {
    let wide = width >= WIDE;
    let id = id.max(6);
    let mut cols: Vec<(Col, usize)> = if wide {
        vec![
            (Col::Cursor, 1),
            (Col::Id, id),
            (Col::Level, 9),
            (Col::Residual, 9),
            (Col::Score, 5),
            (Col::Target, 0),
            (Col::Control, 8),
            (Col::Title, 0),
            (Col::Response, 8),
            (Col::Treatment, 9),
            (Col::Owner, 0),
            (Col::Due, 11),
            (Col::Status, 11),
            (Col::Flags, finding::flags_width(width >= LONG_FLAGS)),
        ]
    } else {
        let mut c = vec![(Col::Cursor, 1), (Col::Id, id), (Col::Level, 5)];
        if width >= 90 {
            c.push((Col::Score, 3));
        }
        c.extend([(Col::Target, 0), (Col::Control, 8)]);
        if width >= 104 {
            c.push((Col::Response, 7));
        }
        c.extend([
            (Col::Treatment, 6),
            (Col::Owner, 0),
            (Col::Due, 11),
            (Col::Status, 7),
            (Col::Flags, finding::flags_width(false)),
        ]);
        c
    };
    let fixed: usize = cols.iter().map(|c| c.1).sum::<usize>() + cols.len() - 1;
    let room = usize::from(width).saturating_sub(fixed);
    let flex = if wide {
        share(room, &[30, 40, 30])
    } else {
        let f = share(room, &[4, 3]);
        vec![f[0], 0, f[1]]
    };
    for (col, w) in cols.iter_mut() {
        *w = match col {
            Col::Target => flex[0],
            Col::Title => flex[1],
            Col::Owner => flex[2],
            _ => *w,
        };
    }
    cols
}

fn heading(col: Col, wide: bool) -> &'static str {
    match col {
        Col::Cursor => "",
        Col::Id => "ID",
        Col::Level => "Level",
        Col::Residual => "Residual",
        Col::Score if wide => "Score",
        Col::Score => "L×I",
        Col::Target => "Target",
        Col::Control => "Control",
        Col::Title => "Title",
        Col::Response => "Response",
        Col::Treatment if wide => "Treatment",
        Col::Treatment => "Treat",
        Col::Owner => "Owner",
        Col::Due => "Due",
        Col::Status => "Status",
        Col::Flags => "Flags",
    }
}

/// One cell of a finding's row: its text and style; `long_flags` spells the flags out.
fn cell(
    app: &App,
    col: Col,
    f: &Finding<'_>,
    today: NaiveDate,
    wide: bool,
    long_flags: bool,
) -> (String, Style) {
    let theme = app.theme;
    let plain = Style::default();
    let dim_if = |s: String| {
        if s == "·" {
            (s, theme.dim())
        } else {
            (s, plain)
        }
    };
    match col {
        Col::Cursor => (String::new(), plain),
        Col::Id => dim_if(finding::risk_id(f)),
        Col::Level => match f.level() {
            Some(l) if wide => (l.label().to_string(), theme.risk(l)),
            Some(l) => (finding::levels_short(f), theme.risk(l)),
            None => (finding::levels_short(f), theme.dim()),
        },
        Col::Residual => match f.residual_level() {
            Some(l) => (l.label().to_string(), theme.risk(l)),
            None => ("·".into(), theme.dim()),
        },
        Col::Score => dim_if(f.score().map(|s| s.to_string()).unwrap_or("·".into())),
        Col::Target => (f.label(), plain),
        // A vulnerability risk: its Finding ID (the register's Source) and its CVE.
        Col::Control => (f.source(), plain),
        Col::Title => match &f.vulnerability {
            Some(v) => (v.subject.clone(), plain),
            None => (f.control.title.clone(), plain),
        },
        Col::Response => (
            // A vulnerability risk has no response; the short column says what it is.
            if f.vulnerability.is_some() {
                "CVE".to_string()
            } else {
                f.response.label().to_string()
            },
            theme.response(Some(f.response)),
        ),
        Col::Treatment if wide => dim_if(
            f.entry
                .treatment
                .map(|t| t.label().to_string())
                .unwrap_or("·".into()),
        ),
        Col::Treatment => dim_if(finding::treatment_short(f.entry.treatment).to_string()),
        Col::Owner if f.entry.owner.trim().is_empty() => ("·".into(), theme.dim()),
        Col::Owner => (f.entry.owner.clone(), plain),
        Col::Due => {
            let due = finding::due_short(f);
            let style = if f.is_overdue(today) {
                theme.error()
            } else if due == "·" {
                theme.dim()
            } else {
                plain
            };
            (due, style)
        }
        Col::Status => {
            let style = match f.entry.status {
                RiskStatus::Open => Style::default().add_modifier(Modifier::BOLD),
                RiskStatus::InProgress => theme.info(),
                RiskStatus::Closed => theme.dim(),
            };
            let shown = if wide {
                f.entry.status.label()
            } else {
                finding::status_short(f)
            };
            (shown.to_string(), style)
        }
        Col::Flags => (finding::flags_text(f, today, long_flags), theme.error()),
    }
}

/// Draws the heading and the findings `shown` (indexes into `list`, the rows that fit) into
/// `area`; `selected` is the position of the selected one among them.
pub fn draw(
    app: &App,
    buf: &mut Buffer,
    area: Rect,
    list: &[Finding<'_>],
    shown: &[usize],
    selected: Option<usize>,
    today: NaiveDate,
) {
    let theme = app.theme;
    let wide = area.width >= WIDE;
    let long_flags = area.width >= LONG_FLAGS;
    let id_width = shown
        .iter()
        .filter_map(|&i| list.get(i))
        .map(|f| finding::risk_id(f).chars().count())
        .max()
        .unwrap_or(0);
    let cols = columns(area.width, id_width);
    let headings: Vec<Cell<'_>> = cols
        .iter()
        .map(|&(c, w)| {
            let h = heading(c, wide);
            if matches!(c, Col::Score) {
                Cell::right(h, w, theme.heading())
            } else {
                Cell::new(h, w, theme.heading())
            }
        })
        .collect();
    draw_row(buf, Rect { height: 1, ..area }, &headings, Style::default());
    for (n, &i) in shown.iter().enumerate() {
        let Some(f) = list.get(i) else {
            continue;
        };
        let is_selected = selected == Some(n);
        let row_style = match (is_selected, f.is_open()) {
            (true, _) => theme.selected(),
            (false, false) => theme.dim(),
            (false, true) => Style::default(),
        };
        let values: Vec<(String, Style)> = cols
            .iter()
            .map(|&(c, _)| match c {
                Col::Cursor => (if is_selected { "›" } else { " " }.to_string(), row_style),
                other => cell(app, other, f, today, wide, long_flags),
            })
            .collect();
        let cells: Vec<Cell<'_>> = cols
            .iter()
            .zip(&values)
            .map(|(&(c, w), (t, s))| {
                if matches!(c, Col::Score) {
                    Cell::right(t, w, *s)
                } else {
                    Cell::new(t, w, *s)
                }
            })
            .collect();
        let y = area.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
        if y >= area.y + area.height {
            break;
        }
        draw_row(buf, Rect::new(area.x, y, area.width, 1), &cells, row_style);
    }
}
