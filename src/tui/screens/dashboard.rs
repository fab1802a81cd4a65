//! The dashboard: progress per step, counts per response, the 5×5 heat map of open risks by
//! likelihood × impact in the workbook's grid, open risks per level (inherent and residual),
//! overdue, expired and uncontrolled patient-safety counts, the ten highest open risks with
//! their Risk IDs, and the devices not yet started.
//!
//! The figures (`risk::register::dashboard`, the same the export's Summary and `medsec status`
//! use) are computed from the register once when the screen is drawn and kept until
//! [`DashboardState::invalidate`]; each frame only lays out about fifty lines from them. Below 120 columns the sections are stacked (risks first, then progress) and scroll;
//! from 120 columns progress goes on the left and risks on the right.

use std::cell::OnceCell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{finding, findings};
use crate::assessment::{Response, StepProgress};
use crate::risk::RiskLevel;
use crate::risk::register::{self, Dashboard, TOP};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::text;

/// From this width the dashboard has two columns.
const WIDE: u16 = 120;
/// Columns of one heat-map cell.
const CELL: usize = 8;
/// Columns of the heat map's row labels.
const ROW_LABEL: usize = 12;
/// Columns of the heat map's grid.
const GRID_WIDTH: usize = ROW_LABEL + 5 * (CELL + 1);
/// Columns of the level names in the counts per level.
const LEVEL_NAME: usize = 9;
/// Columns of the counts per level beside the grid: name, open, residual (wider when a count
/// has more than four digits, see `heat_map`).
const LEVELS_WIDTH: usize = LEVEL_NAME + 5 + 7;
/// Columns of the heat map with the counts per level beside it.
const HEAT_WIDTH: u16 = (GRID_WIDTH + 2 + LEVELS_WIDTH) as u16;

/// The figures as last computed.
#[derive(Debug, Clone, Default)]
struct Figures {
    dash: Dashboard<'static>,
    /// Accepted risks whose review date has passed (TEMPLATE.md "Risk Register", Expired).
    expired: usize,
    /// Uncontrolled patient-safety risks (TEMPLATE.md "Risk Matrix").
    uncontrolled: usize,
    /// Open findings per residual level, in [`RiskLevel::ALL`] order (those with a residual
    /// rating only).
    residual: [usize; 5],
    /// Why the register entries could not be read, if they could not.
    error: Option<String>,
}

/// The dashboard's figures (computed when shown, again after a change) and its scroll.
#[derive(Debug, Clone, Default)]
pub struct DashboardState {
    figures: OnceCell<Figures>,
    /// First content row shown.
    scroll: usize,
}

impl DashboardState {
    /// Marks the figures out of date (after a change).
    pub fn invalidate(&mut self) {
        self.figures = OnceCell::new();
    }
}

fn figures(app: &App) -> &Figures {
    app.dashboard.figures.get_or_init(|| {
        let r = findings::current(app);
        let mut residual = [0; 5];
        for f in r.list.iter().filter(|f| f.is_open()) {
            if let Some(p) = f
                .residual_level()
                .and_then(|l| RiskLevel::ALL.iter().position(|x| *x == l))
            {
                residual[p] += 1;
            }
        }
        let mut dash = register::dashboard(app.outline.catalog, &app.progress, &r.list, r.today);
        let error = r.error.clone();
        // Per-step counts as the exported Summary sheet and `medsec status` count them: one row
        // per device control, one per model or site answer (not once per unit).
        let steps = app
            .step_counts
            .get_or_init(|| {
                crate::export::step_counts_of(app.outline.catalog, &app.devices, &app.answers)
            })
            .clone();
        dash.total = steps.iter().fold(StepProgress::default(), |a, s| a.plus(s));
        dash.steps = steps;
        Figures {
            dash,
            expired: r.list.iter().filter(|f| f.is_expired(r.today)).count(),
            uncontrolled: r.list.iter().filter(|f| f.is_uncontrolled_safety()).count(),
            residual,
            error,
        }
    })
}

/// The figures the dashboard shows (computed now if out of date), for tests.
#[cfg(test)]
pub(crate) fn dashboard_figures(app: &App) -> &Dashboard<'static> {
    &figures(app).dash
}

/// The content laid out for a body of this width: full-width lines on top, then one column
/// (narrow) or two (wide).
struct Content {
    top: Vec<Line<'static>>,
    left: Vec<Line<'static>>,
    right: Vec<Line<'static>>,
    /// Width of the left column (two columns only).
    left_width: u16,
}

impl Content {
    fn height(&self) -> usize {
        self.top.len() + self.left.len().max(self.right.len())
    }
}

fn content(app: &App, width: u16) -> Content {
    let f = figures(app);
    let mut top = headline(app, f, usize::from(width));
    top.push(Line::raw(""));
    if width >= WIDE {
        // The right column holds the heat map with the levels beside it.
        let right_width = (width * 45 / 100).max(HEAT_WIDTH);
        let left_width = width.saturating_sub(right_width);
        let lw = usize::from(left_width.saturating_sub(2));
        let rw = usize::from(right_width);
        let mut left = progress(app, f, lw);
        left.push(Line::raw(""));
        left.extend(responses(app, f, lw));
        left.push(Line::raw(""));
        left.extend(not_started(app, f, lw));
        let mut right = heat_map(app, f, rw);
        right.push(Line::raw(""));
        right.extend(top_ten(app, f, rw));
        Content {
            top,
            left,
            right,
            left_width,
        }
    } else {
        let w = usize::from(width);
        let mut left = heat_map(app, f, w);
        for section in [
            progress(app, f, w),
            top_ten(app, f, w),
            responses(app, f, w),
            not_started(app, f, w),
        ] {
            left.push(Line::raw(""));
            left.extend(section);
        }
        Content {
            top,
            left,
            right: Vec::new(),
            left_width: width,
        }
    }
}

/// The greatest scroll for the terminal's size.
fn max_scroll(app: &App) -> usize {
    let body = layout::chrome(app.size).body;
    content(app, body.width)
        .height()
        .saturating_sub(usize::from(body.height))
}

/// Acts on the dashboard: scrolling (the screen keys are global: findings, devices, quit).
pub fn update(app: &mut App, action: Action) {
    let max = max_scroll(app);
    let page = app.page_rows().saturating_sub(1).max(1);
    let s = app.dashboard.scroll.min(max);
    app.dashboard.scroll = crate::tui::layout::moved(&action, s, max, page).unwrap_or(s);
}

/// The title line: the screen, and which rows are shown when they do not all fit.
pub fn title(app: &App) -> (String, String) {
    let body = layout::chrome(app.size).body;
    let height = content(app, body.width).height();
    let shown = usize::from(body.height);
    let right = if height > shown {
        let first = app.dashboard.scroll.min(height - shown);
        let more = match (first > 0, first + shown < height) {
            (true, true) => "↑↓ more",
            (false, true) => "↓ more",
            _ => "↑ more",
        };
        format!("rows {}–{} of {height} · {more} ", first + 1, first + shown)
    } else {
        String::new()
    };
    ("Dashboard".into(), right)
}

/// Draws the dashboard into the body.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if app.devices.is_empty() {
        let lines = vec![
            Line::styled("No devices yet, so nothing to count.", app.theme.title()),
            Line::raw(""),
            Line::raw("Add or import devices on the Devices screen, answer their checklists,"),
            Line::raw("and progress, the risk heat map and the top risks appear here."),
        ];
        let inner = Rect {
            x: area.x + 2.min(area.width),
            width: area.width.saturating_sub(2),
            y: area.y + 1.min(area.height),
            height: area.height.saturating_sub(1),
        };
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let c = content(app, area.width);
    let scroll = app
        .dashboard
        .scroll
        .min(c.height().saturating_sub(usize::from(area.height)));
    // The top lines scroll with the rest: one scroll position for the whole page.
    let top_shown = c.top.len().saturating_sub(scroll);
    let top_rows = u16::try_from(top_shown)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let top_lines: Vec<Line<'static>> = c.top.iter().skip(scroll).cloned().collect();
    frame.render_widget(
        Paragraph::new(top_lines),
        Rect {
            height: top_rows,
            ..area
        },
    );
    let rest = Rect {
        y: area.y + top_rows,
        height: area.height - top_rows,
        ..area
    };
    let skip = scroll.saturating_sub(c.top.len());
    let column = |lines: &[Line<'static>]| -> Paragraph<'static> {
        Paragraph::new(lines.iter().skip(skip).cloned().collect::<Vec<_>>())
    };
    if c.right.is_empty() {
        frame.render_widget(column(&c.left), rest);
    } else {
        let lw = c.left_width.min(rest.width);
        frame.render_widget(column(&c.left), Rect { width: lw, ..rest });
        frame.render_widget(
            column(&c.right),
            Rect {
                x: rest.x + lw,
                width: rest.width - lw,
                ..rest
            },
        );
    }
}

/// A section heading.
fn heading(app: &App, title: &str, width: usize) -> Line<'static> {
    Line::styled(text::truncate(title, width), app.theme.group())
}

/// Items (a few spans each) laid out on as few lines as fit `width`, `sep` between them on a
/// line.
fn flow(items: Vec<Vec<Span<'static>>>, sep: Span<'static>, width: usize) -> Vec<Line<'static>> {
    let sep_w = text::width(&sep.content);
    let mut lines = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for item in items {
        let w: usize = item.iter().map(|s| text::width(&s.content)).sum();
        if used > 0 && used + sep_w + w > width {
            lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        if used > 0 {
            line.push(sep.clone());
            used += sep_w;
        }
        line.extend(item);
        used += w;
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The one-line summary: devices, how much is answered, open / overdue / closed risks.
fn headline(app: &App, f: &Figures, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let d = &f.dash;
    let mut items = vec![
        vec![Span::styled(
            plural(d.devices, "device", "devices"),
            theme.title(),
        )],
        vec![Span::raw(format!(
            "{}% of checks answered",
            d.total.percent()
        ))],
        vec![Span::styled(
            plural(d.open, "open risk", "open risks"),
            Style::new().add_modifier(Modifier::BOLD),
        )],
    ];
    if d.overdue > 0 {
        items.push(vec![Span::styled(
            format!("{} overdue", d.overdue),
            theme.error(),
        )]);
    }
    if f.expired > 0 {
        items.push(vec![Span::styled(
            format!("{} expired", f.expired),
            theme.error(),
        )]);
    }
    if f.uncontrolled > 0 {
        items.push(vec![Span::styled(
            format!("{} PS! uncontrolled patient-safety", f.uncontrolled),
            theme.error(),
        )]);
    }
    if d.closed > 0 {
        items.push(vec![Span::styled(
            format!("{} closed", d.closed),
            theme.dim(),
        )]);
    }
    let mut lines = flow(items, Span::styled(" · ", theme.dim()), width);
    if let Some(e) = &f.error {
        lines.push(Line::styled(text::truncate(e, width), theme.error()));
    }
    lines
}

/// Progress per step: `n Name  ████░░░░  assessed/applicable  pct%`, and from 80 columns the
/// count of each response.
fn progress(app: &App, f: &Figures, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let steps = &app.outline.catalog.steps;
    let counts: Vec<String> = f
        .dash
        .steps
        .iter()
        .map(|s| format!("{}/{}", s.assessed(), s.applicable))
        .collect();
    let counts_w = counts.iter().map(|c| c.len()).max().unwrap_or(3);
    let numbers_w = f
        .dash
        .steps
        .iter()
        .map(|s| s.applicable.to_string().len())
        .max()
        .unwrap_or(1)
        .max(4);
    let breakdown = width >= 80;
    let extra = if breakdown {
        Response::ALL.len() * (numbers_w + 1)
    } else {
        0
    };
    let longest = steps
        .iter()
        .map(|s| text::width(&s.name))
        .max()
        .unwrap_or(10);
    let name_w = longest.min(width * 35 / 100);
    // "n " name " " bar " " counts " " pct%
    let bar_w = width
        .saturating_sub(2 + name_w + 1 + 1 + counts_w + 1 + 4 + extra)
        .min(40);
    let mut lines = vec![heading(
        app,
        "Progress per step · as on the Summary sheet (a model or site answer once)",
        width,
    )];
    if breakdown {
        let mut header = vec![Span::raw(
            " ".repeat(2 + name_w + 1 + bar_w + 1 + counts_w + 5),
        )];
        for r in Response::ALL {
            let label = match r {
                Response::Partial => "Part",
                Response::Unknown => "Unkn",
                other => other.label(),
            };
            header.push(Span::styled(
                format!(" {label:>numbers_w$}"),
                theme.response(Some(r)),
            ));
        }
        lines.push(Line::from(header));
    }
    for ((step, sp), count) in steps.iter().zip(&f.dash.steps).zip(&counts) {
        let filled = (sp.assessed() * bar_w)
            .checked_div(sp.applicable)
            .unwrap_or(0)
            .min(bar_w);
        let done = sp.applicable > 0 && sp.not_assessed() == 0;
        let bar_style = if done {
            theme.response(Some(Response::Yes))
        } else {
            theme.title()
        };
        let mut line = vec![
            Span::raw(format!("{} ", step.number)),
            Span::raw(text::fit(&step.name, name_w)),
            Span::raw(" "),
            Span::styled("█".repeat(filled), bar_style),
            Span::styled("░".repeat(bar_w - filled), theme.dim()),
            Span::raw(format!(" {count:>counts_w$} {:>3}%", sp.percent())),
        ];
        if breakdown {
            for r in Response::ALL {
                let n = sp.count(r);
                let style = if n == 0 {
                    theme.dim()
                } else {
                    Style::default()
                };
                let shown = if n == 0 {
                    "·".to_string()
                } else {
                    n.to_string()
                };
                line.push(Span::styled(format!(" {shown:>numbers_w$}"), style));
            }
        }
        lines.push(Line::from(line));
    }
    lines
}

/// Counts per response over every device's checklist, and the checks not yet answered.
fn responses(app: &App, f: &Figures, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let t: &StepProgress = &f.dash.total;
    let mut items: Vec<Vec<Span<'static>>> = Response::ALL
        .iter()
        .map(|&r| {
            vec![
                Span::styled(r.label(), theme.response(Some(r))),
                Span::raw(format!(" {}", t.count(r))),
            ]
        })
        .collect();
    items.push(vec![
        Span::styled("not answered", theme.dim()),
        Span::raw(format!(" {}", t.not_assessed())),
    ]);
    let mut lines = vec![heading(
        app,
        "Responses · as on the Summary sheet (a model or site answer once)",
        width,
    )];
    lines.extend(flow(items, Span::raw("  "), width));
    lines
}

/// The 5×5 grid of open risks (rows likelihood 5 → 1, columns impact 1 → 5), each cell in the
/// colour of its level in the workbook's grid (NIST SP 800-30 Rev. 1 Table I-2 unless edited)
/// with the level and the count written in it; the open risks per level, inherent and
/// residual, beside it (or below when there is no room).
fn heat_map(app: &App, f: &Figures, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let d = &f.dash;
    let levels = app.workbook.risk_grid();
    let grid_w = GRID_WIDTH;
    // Count columns as wide as their largest count (a 10,000-device inventory has five-digit
    // counts) with a space before it; at least the widths of the headings.
    let digits = |n: usize| n.to_string().len();
    let open_w = RiskLevel::ALL
        .iter()
        .map(|&l| digits(d.at_level(l)))
        .chain([digits(d.unrated)])
        .max()
        .unwrap_or(1)
        .max(4)
        + 1;
    let resid_w = f
        .residual
        .iter()
        .map(|&n| digits(n))
        .max()
        .unwrap_or(1)
        .max(6)
        + 1;
    let beside = width >= grid_w + 2 + LEVEL_NAME + open_w + resid_w;
    let source = if levels.is_nist() {
        "NIST SP 800-30 Table I-2"
    } else {
        "this workbook's grid"
    };
    let mut lines = vec![heading(
        app,
        &format!("Open risks · likelihood × impact ({source}) · {}", d.open),
        width,
    )];
    let impact_names = ["1 V.Low", "2 Low", "3 Mod.", "4 High", "5 V.High"];
    let mut header = vec![Span::styled(text::fit("L ↓   I →", ROW_LABEL), theme.dim())];
    for name in impact_names {
        header.push(Span::styled(
            format!(" {}", text::fit(name, CELL)),
            theme.dim(),
        ));
    }
    let mut grid = vec![header];
    let big = d.heat.iter().flatten().any(|&n| n > 999);
    for l in (1..=5u8).rev() {
        let label = format!("{l} {}", crate::risk::scale_label(l));
        let mut row = vec![Span::styled(text::fit(&label, ROW_LABEL), theme.dim())];
        for i in 1..=5u8 {
            let lv = levels.level(l, i);
            let n = d.heat_at(l, i);
            let count = if n == 0 {
                "·".to_string()
            } else {
                n.to_string()
            };
            // Up to 999 with room around; when any count is larger (a 10,000-device inventory
            // has cells of five digits) every count takes the whole cell, up to six digits.
            let cell = if !big {
                format!(" {:<2} {count:>3} ", lv.abbreviation())
            } else {
                format!("{:<2}{count:>6}", lv.abbreviation())
            };
            let style = if n > 0 {
                theme
                    .risk(lv)
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                theme.risk(lv)
            };
            row.push(Span::raw(" "));
            row.push(Span::styled(text::fit(&cell, CELL), style));
        }
        grid.push(row);
    }
    let head = Style::new().add_modifier(Modifier::UNDERLINED);
    // Open risks per level on their rating, and on their residual rating when they have one.
    let mut side: Vec<Vec<Span<'static>>> = vec![vec![
        Span::styled(format!("{:<LEVEL_NAME$}", "Level"), head),
        Span::raw(" ".repeat(open_w - 4)),
        Span::styled("open", head),
        Span::raw(" ".repeat(resid_w - 6)),
        Span::styled("resid.", head),
    ]];
    for (p, lv) in RiskLevel::ALL.into_iter().enumerate() {
        let residual = f.residual.get(p).copied().unwrap_or(0);
        side.push(vec![
            Span::styled(format!("{:<LEVEL_NAME$}", lv.label()), theme.risk(lv)),
            Span::raw(format!("{:>open_w$}", d.at_level(lv))),
            if residual == 0 {
                Span::styled(format!("{:>resid_w$}", "·"), theme.dim())
            } else {
                Span::raw(format!("{residual:>resid_w$}"))
            },
        ]);
    }
    if d.unrated > 0 {
        let note = vec![
            Span::styled(format!("{:<LEVEL_NAME$}", "Unrated"), theme.dim()),
            Span::raw(format!("{:>open_w$}", d.unrated)),
        ];
        if beside {
            grid.push(Vec::new());
        }
        side.push(note);
    }
    if beside {
        for (i, mut row) in grid.into_iter().enumerate() {
            if let Some(s) = side.get(i) {
                let used: usize = row.iter().map(|s| text::width(&s.content)).sum();
                row.push(Span::raw(" ".repeat(grid_w + 2 - used.min(grid_w + 2))));
                row.extend(s.iter().cloned());
            }
            lines.push(Line::from(row));
        }
    } else {
        lines.extend(grid.into_iter().map(Line::from));
        lines.push(Line::raw(""));
        lines.extend(side.into_iter().map(Line::from));
    }
    lines
}

/// The ten highest open risks: Risk ID, level, L × I, target, control, title and flags.
fn top_ten(app: &App, f: &Figures, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let d = &f.dash;
    let today = findings::current(app).today;
    let mut lines = vec![heading(
        app,
        &format!("Top {TOP} open risks · f lists every finding"),
        width,
    )];
    if d.top.is_empty() {
        lines.push(Line::styled(
            "No open risks: none answered No, Partial or Unknown, or all closed.",
            theme.dim(),
        ));
        return lines;
    }
    let wide = width >= 70;
    let level_w = if wide { 9 } else { 2 };
    let id_w = 6;
    let target_w = (width / 4).clamp(8, 26);
    let control_w = 8;
    // Every flag in full when the title keeps room for a few words, else all of them short.
    let long = width >= 100;
    let flags_w = finding::flags_width(long);
    let title_w = width.saturating_sub(
        id_w + 1 + level_w + 1 + 3 + 1 + target_w + 1 + control_w + 1 + flags_w + 1,
    );
    let head = Style::new().add_modifier(Modifier::UNDERLINED);
    lines.push(Line::from(vec![
        Span::styled(text::fit("ID", id_w), head),
        Span::raw(" "),
        Span::styled(text::fit(if wide { "Level" } else { "Lv" }, level_w), head),
        Span::raw(" "),
        Span::styled("L×I", head),
        Span::raw(" "),
        Span::styled(text::fit("Target", target_w), head),
        Span::raw(" "),
        Span::styled(text::fit("Control", control_w), head),
        Span::raw(" "),
        Span::styled(text::fit("Title", title_w), head),
        Span::raw(" "),
        Span::styled(text::fit("Flags", flags_w), head),
    ]));
    for f in &d.top {
        let (lv, lv_style) = match f.level() {
            Some(l) if wide => (l.label(), theme.risk(l)),
            Some(l) => (l.abbreviation(), theme.risk(l)),
            None => ("·", theme.dim()),
        };
        let score = f.score().map(|s| s.to_string()).unwrap_or("·".into());
        lines.push(Line::from(vec![
            Span::raw(text::fit(&finding::risk_id(f), id_w)),
            Span::raw(" "),
            Span::styled(text::fit(lv, level_w), lv_style),
            Span::raw(format!(" {score:>3} ")),
            Span::raw(text::fit(&f.label(), target_w)),
            Span::raw(" "),
            Span::raw(text::fit(&f.control.id, control_w)),
            Span::raw(" "),
            Span::raw(text::fit(&f.control.title, title_w)),
            Span::raw(" "),
            Span::styled(
                text::fit(&finding::flags_text(f, today, long), flags_w),
                theme.error(),
            ),
        ]));
    }
    lines
}

/// How many devices have no answer yet, and the first few of them.
fn not_started(app: &App, f: &Figures, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme;
    let d = &f.dash;
    let n = d.not_started.len();
    let mut lines = vec![heading(
        app,
        &format!("Devices not started · {n} of {}", d.devices),
        width,
    )];
    if n == 0 {
        lines.push(Line::styled(
            "Every device has at least one answer.",
            theme.dim(),
        ));
        return lines;
    }
    // As many short IDs as fit on two lines with "and N more" after them; only those are
    // built (there may be thousands).
    let mut shown: Vec<String> = Vec::new();
    let (mut line, mut used) = (1, 0);
    for (k, &i) in d.not_started.iter().enumerate() {
        let Some(dev) = app.devices.get(i) else {
            continue;
        };
        let id = dev.short_id();
        let (mut l, mut u) = (line, used);
        if u > 0 && u + 2 + id.len() > width {
            l += 1;
            u = 0;
        }
        u += if u > 0 { 2 + id.len() } else { id.len() };
        let rest = n - k - 1;
        let tail = format!("and {rest} more").len();
        let tail_fits = rest == 0 || u + 2 + tail <= width || (l < 2 && tail <= width);
        if l > 2 || !tail_fits {
            break;
        }
        (line, used) = (l, u);
        shown.push(id);
    }
    let more = n - shown.len();
    let mut items: Vec<Vec<Span<'static>>> =
        shown.into_iter().map(|id| vec![Span::raw(id)]).collect();
    if more > 0 {
        items.push(vec![Span::styled(format!("and {more} more"), theme.dim())]);
    }
    lines.extend(flow(items, Span::raw("  "), width));
    lines
}
