//! Drawing: [`render`] reads the [`App`] and draws one frame. It never changes the state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, Overlay, Screen};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::popups::{
    acceptance, confirm, filter, form, help, history, menu, note, palette, picker, rate,
};
use super::screens::{checklist, dashboard, devices, findings, todo, walk};
use super::text;
use super::theme::Theme;
use super::widgets::{hint_bar, status_line};

/// Draws the whole screen: title line, the active screen, status line, hint bar and any popup;
/// below 40×12 only a "terminal too small" notice.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area) {
        render_too_small(app, frame, area);
        return;
    }
    let chrome = layout::chrome(area);
    let (left, right) = match app.screen {
        Screen::Devices => devices::title(app),
        Screen::Checklist => checklist::title(app),
        Screen::Walk => walk::title(app),
        Screen::Dashboard => dashboard::title(app),
        Screen::Findings => findings::title(app),
        Screen::Todo => todo::title(app),
    };
    title_line(frame, chrome.title, &left, &right, app.theme);
    match app.screen {
        Screen::Devices => devices::render(app, frame, chrome.body),
        Screen::Checklist => checklist::render(app, frame, chrome.body),
        Screen::Walk => walk::render(app, frame, chrome.body),
        Screen::Dashboard => dashboard::render(app, frame, chrome.body),
        Screen::Findings => findings::render(app, frame, chrome.body),
        Screen::Todo => todo::render(app, frame, chrome.body),
    }
    status_line::render(app, frame, chrome.status);
    hint_bar::render(app, frame, chrome.hints);
    match &app.overlay {
        Some(Overlay::Help(state)) => help::render(app, frame, state),
        Some(Overlay::Note(editor)) => note::render(app, frame, editor),
        Some(Overlay::Form(f)) => form::render(app, frame, f),
        Some(Overlay::Confirm(c)) => confirm::render(app, frame, c),
        Some(Overlay::Menu(m)) => menu::render(app, frame, m),
        Some(Overlay::Palette(p)) => palette::render(app, frame, p),
        Some(Overlay::Filter(f)) => filter::render(app, frame, f),
        Some(Overlay::Rate(r)) => rate::render(app, frame, r),
        Some(Overlay::Acceptance(a)) => acceptance::render(app, frame, a),
        Some(Overlay::Picker(p)) => picker::render(app, frame, p),
        Some(Overlay::History(h)) => history::render(app, frame, h),
        None => {}
    }
}

/// Draws the title line into `area`: ` medsec · {left}` and, dimmed on the right, `right`
/// (cut to half the width; the left part gives way first).
pub(crate) fn title_line(frame: &mut Frame, area: Rect, left: &str, right: &str, theme: Theme) {
    let width = usize::from(area.width);
    let right = text::truncate(right, width / 2);
    let room = width.saturating_sub(text::width(&right) + 1);
    let left = text::fit(&format!(" medsec · {left}"), room);
    frame.render_widget(
        Line::from(vec![
            Span::styled(left, theme.title()),
            Span::raw(" "),
            Span::styled(right, theme.dim()),
        ]),
        area,
    );
}

fn render_too_small(app: &App, frame: &mut Frame, area: Rect) {
    let msg = Text::from(vec![
        Line::styled("Terminal too small", app.theme.error()),
        Line::raw(format!(
            "{}×{}: medsec needs at least {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        )),
    ]);
    frame.render_widget(
        Paragraph::new(msg).wrap(Wrap { trim: true }).centered(),
        area,
    );
}
