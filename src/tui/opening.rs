//! The first frame of a large workbook, drawn while its answers are still being read.
//!
//! [`App::new`] reads every stored answer, computes every device's progress and the risk
//! register: about 1.7 s for 10,000 devices fully answered on a 2-core laptop. [`Opening`]
//! reads the devices alone (about 0.1 s), hands the rest to a thread and draws the device list
//! at once, with the Done and Risk columns marked as still being read. Keys pressed meanwhile
//! are kept by the caller and applied, in order, as soon as the [`App`] is ready (PRODUCT.md
//! "Performance budgets": open to first frame ≤ 1 s).

use std::thread::JoinHandle;
use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::app::App;
use super::keymap::Keymap;
use super::layout;
use super::screens::devices;
use super::text;
use super::theme::Theme;
use super::widgets::columns::{Cell, draw_row};
use super::{TuiError, widgets::message};
use crate::workbook::Workbook;

/// Most device rows kept for the first frame (more than any terminal shows).
const PREVIEW_ROWS: usize = 400;

/// How long [`Opening::wait_briefly`] waits for the app before the first frame is drawn from
/// the devices alone: a small workbook is ready by then and never shows the interim frame.
pub const BRIEF_WAIT: Duration = Duration::from_millis(120);

/// One device row of the interim frame: short ID, name, manufacturer, model, location and
/// first IP address.
struct PreviewRow([String; 6]);

/// A workbook being opened: the devices shown at once, the app built on a thread.
pub struct Opening {
    theme: Theme,
    file_name: String,
    organisation: String,
    /// Devices in the workbook.
    total: usize,
    /// The first [`PREVIEW_ROWS`] devices in short-ID order.
    rows: Vec<PreviewRow>,
    /// Width of the ID column: the last device's short ID, as the Devices screen sizes it.
    id_width: usize,
    /// Builds the app (`App::with_devices`); a panic inside comes back as `Err(message)`.
    loader: Option<JoinHandle<Result<Result<App, TuiError>, String>>>,
    /// Stops the thread's reading when the user leaves before it is done.
    interrupt: rusqlite::InterruptHandle,
    /// The keymap, to tell a quit key pressed while reading.
    keymap: Keymap,
}

impl Opening {
    /// Reads the devices (short-ID order), keeps the first rows for the interim frame and
    /// starts building the app on a thread named `medsec-open`.
    ///
    /// Errors: `TuiError::Workbook` when the devices cannot be read; `TuiError::Terminal` when
    /// the thread cannot be started.
    pub fn start(workbook: Workbook, keymap: Keymap, theme: Theme) -> Result<Opening, TuiError> {
        let devices = workbook.devices()?;
        let rows = devices
            .iter()
            .take(PREVIEW_ROWS)
            .map(|d| {
                PreviewRow([
                    d.short_id(),
                    d.get("name").to_string(),
                    d.get("manufacturer").to_string(),
                    d.get("model").to_string(),
                    d.location(),
                    devices::first_ip(d).to_string(),
                ])
            })
            .collect();
        let file_name = super::app::shown_file_name(&workbook);
        let organisation = workbook.meta().organisation.clone();
        let total = devices.len();
        let interrupt = workbook.interrupt_handle();
        let quit_keys = keymap.clone();
        let id_width = devices::id_column_width(devices.last());
        let loader = std::thread::Builder::new()
            .name("medsec-open".into())
            .spawn(move || {
                crate::panic_guard::quietly(|| App::with_devices(workbook, devices, keymap, theme))
            })?;
        Ok(Opening {
            theme,
            file_name,
            organisation,
            total,
            rows,
            id_width,
            loader: Some(loader),
            interrupt,
            keymap: quit_keys,
        })
    }

    /// Whether the app is ready ([`Opening::finish`] will not wait).
    pub fn is_ready(&self) -> bool {
        self.loader.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Whether `event` is a key that quits from the device list (`q`, `Ctrl-c` or the user's
    /// own binding).
    pub fn quits(&self, event: &ratatui::crossterm::event::Event) -> bool {
        use ratatui::crossterm::event::{Event, KeyEventKind};
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => {
                self.keymap.action(
                    super::keymap::Context::Devices,
                    super::key::Key::from_event(key),
                ) == Some(&super::Action::Quit)
            }
            _ => false,
        }
    }

    /// Leaves the workbook unread: the thread's query is interrupted, and dropping the opening
    /// waits for the thread (a few milliseconds, or what is left of computing progress and
    /// risks), so the workbook is closed and its lock released before this returns.
    pub fn cancel(self) {
        self.interrupt.interrupt();
    }

    /// Waits up to [`BRIEF_WAIT`] for the app; `true` when it is ready.
    pub fn wait_briefly(&self) -> bool {
        let until = std::time::Instant::now() + BRIEF_WAIT;
        while !self.is_ready() {
            if std::time::Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// The app, waiting for it if need be.
    ///
    /// Errors: what `App::new` returns (`TuiError::Workbook` when the answers, attachments or
    /// MDS2 documents cannot be read), or `TuiError::Internal` when building it panicked.
    pub fn finish(mut self) -> Result<App, TuiError> {
        let Some(loader) = self.loader.take() else {
            return Err(TuiError::Internal("the workbook was already opened".into()));
        };
        match loader.join() {
            Ok(Ok(app)) => app,
            Ok(Err(panic)) => Err(TuiError::Internal(panic)),
            Err(_) => Err(TuiError::Internal("the opening thread stopped".into())),
        }
    }

    /// Draws the interim frame: the Devices screen's title, heading and first rows, with Done
    /// and Risk shown as `…`, and on the status line what is being read.
    pub fn render(&self, frame: &mut Frame) {
        let area = frame.area();
        let theme = self.theme;
        if layout::too_small(area) {
            let lines = vec![Line::styled("Opening…", theme.title())];
            message::render(frame, area, lines, 0, 0, 0);
            return;
        }
        let chrome = layout::chrome(area);
        let width = usize::from(area.width);
        let count = match self.total {
            1 => "1 device ".to_string(),
            n => format!("{n} devices "),
        };
        let left = if self.organisation.is_empty() {
            "Devices".to_string()
        } else {
            format!("{} · Devices", text::sanitize(&self.organisation))
        };
        super::render::title_line(frame, chrome.title, &left, &count, theme);
        self.render_rows(frame, chrome.body);
        let right = format!("{} · encrypted", text::sanitize(&self.file_name));
        let right = text::truncate(&right, width / 2);
        let room = width.saturating_sub(text::width(&right) + 1);
        let status = text::fit(" Reading the answers, progress and risks…", room);
        frame.render_widget(
            Line::from(vec![
                Span::styled(status, theme.info()),
                Span::raw(" "),
                Span::styled(right, theme.dim()),
            ]),
            chrome.status,
        );
        frame.render_widget(
            Line::styled(
                text::fit(
                    " Keys pressed now are kept and applied when the list is ready",
                    width,
                ),
                theme.dim(),
            ),
            chrome.hints,
        );
    }

    /// The table as the Devices screen draws it (the same columns and widths).
    fn render_rows(&self, frame: &mut Frame, area: Rect) {
        let theme = self.theme;
        let widths = devices::table_widths(area, self.id_width);
        let headings = [
            "",
            "",
            "ID",
            "Name",
            devices::make_heading(&widths),
            "Model",
            "Location",
            "IP",
            "Done",
            "Risk",
        ];
        let buf = frame.buffer_mut();
        devices::draw_heading(buf, area, &headings, &widths, theme);
        for (n, row) in self.rows.iter().take(layout::device_rows(area)).enumerate() {
            let [id, name, make, model, location, ip] = &row.0;
            let cells = [
                Cell::new(
                    if n == 0 { "›" } else { " " },
                    widths[0],
                    Default::default(),
                ),
                Cell::new(" ", widths[1], Default::default()),
                Cell::new(id, widths[2], Default::default()),
                Cell::new(name, widths[3], Default::default()),
                Cell::new(make, widths[4], Default::default()),
                Cell::new(model, widths[5], Default::default()),
                Cell::new(location, widths[6], Default::default()),
                Cell::new(ip, widths[7], Default::default()),
                Cell::right("…", widths[8], theme.dim()),
                Cell::new("…", widths[9], theme.dim()),
            ];
            let y = area.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
            draw_row(
                buf,
                Rect::new(area.x, y, area.width, 1),
                &cells,
                Default::default(),
            );
        }
    }
}

impl Drop for Opening {
    /// An opening given up (a signal, a closed terminal, a quit key: [`Opening::cancel`]) still
    /// waits for its thread, so the workbook is closed and its lock released before the process
    /// ends.
    fn drop(&mut self) {
        if let Some(loader) = self.loader.take() {
            let _ = loader.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::tui::tests::{TestResult, add, workbook};

    fn screen(terminal: &Terminal<TestBackend>) -> String {
        let buf = terminal.backend().buffer();
        let width = usize::from(buf.area.width);
        buf.content
            .chunks(width)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_first_frame_lists_the_devices_while_the_answers_are_read() -> TestResult {
        let dir = tempfile::tempdir()?;
        let (mut wb, _) = workbook(dir.path())?;
        add(
            &mut wb,
            &[("name", "Infusion pump"), ("manufacturer", "B. Braun")],
        )?;
        add(
            &mut wb,
            &[
                ("name", "Ventilator"),
                ("ip_addresses", "10.0.0.7, 10.0.0.8"),
            ],
        )?;
        let opening = Opening::start(wb, Keymap::built_in()?, Theme::monochrome())?;
        let mut terminal = Terminal::new(TestBackend::new(80, 24))?;
        terminal.draw(|frame| opening.render(frame))?;
        let text = screen(&terminal);
        assert!(text.contains("Test · Devices"), "{text}");
        assert!(text.contains("2 devices"), "{text}");
        assert!(text.contains("DEV-0001 Infusion pump"), "{text}");
        assert!(text.contains("B. Br…"), "{text}");
        // The first IP address only, as the Devices screen shows it.
        assert!(
            text.contains("10.0.0.7 ") && !text.contains("10.0.0.8"),
            "{text}"
        );
        assert!(text.contains("Reading the answers"), "{text}");
        assert!(text.contains("test.medsec · encrypted"), "{text}");
        let row = text
            .lines()
            .find(|l| l.contains("DEV-0002"))
            .ok_or("no DEV-0002 row")?;
        assert!(row.trim_end().ends_with("… …"), "{row}");
        let app = opening.finish()?;
        assert_eq!(app.devices.len(), 2);
        assert_eq!(app.progress.len(), 2);
        Ok(())
    }

    #[test]
    fn a_tiny_terminal_gets_a_short_word_not_a_broken_table() -> TestResult {
        let dir = tempfile::tempdir()?;
        let (wb, _) = workbook(dir.path())?;
        let opening = Opening::start(wb, Keymap::built_in()?, Theme::monochrome())?;
        let mut terminal = Terminal::new(TestBackend::new(20, 5))?;
        terminal.draw(|frame| opening.render(frame))?;
        assert!(screen(&terminal).contains("Opening…"));
        let app = opening.finish()?;
        assert!(app.devices.is_empty());
        Ok(())
    }
}
