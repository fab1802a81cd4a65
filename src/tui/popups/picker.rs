//! The file picker of an attachment: the selected control's evidence is chosen from a folder
//! listing — folders first, then files with their sizes (those over the workbook's limit
//! marked) — starting in the folder last used (kept in the workbook's UI state), else the
//! current one. `↑↓` move, `Enter` opens a folder or attaches a file, `Backspace` / `h` go up a
//! folder, typing narrows the list (then `h` is text and `Backspace` deletes), and a path with a
//! `/` (or starting with `~`) can be typed or pasted and opened with `Enter`. The file is read
//! (bounded by the limit), hashed and stored by the library; the popup closes on success and
//! stays open with the reason when a file is refused.

use std::fs;
use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

use crate::assessment::Target;
use crate::catalog::Control;
use crate::evidence::size::format_size;
use crate::evidence::{check_not_workbook, read_evidence_file};
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, SaveState};
use crate::tui::keymap::Context;
use crate::tui::layout;
use crate::tui::text;
use crate::tui::widgets::columns::{Cell, draw_row};
use crate::tui::widgets::text_field::TextField;

/// The UI-state key of the folder a file was last attached from.
pub const LAST_FOLDER_KEY: &str = "evidence_folder";

/// Most entries listed from one folder (the rest are left out, and the popup says so).
pub const MAX_ENTRIES: usize = 5_000;

/// One row of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name in the folder (`..` for the parent).
    pub name: String,
    /// A folder (symbolic links followed).
    pub is_dir: bool,
    /// A file's size in bytes.
    pub size: Option<u64>,
}

/// The open picker.
#[derive(Debug, Clone)]
pub struct FilePicker {
    /// Where the file goes: the target and control of the answer.
    pub target: Target,
    /// The control.
    pub control: &'static Control,
    /// How the target and control are named in the title, e.g. `DEV-0003 ENC-03`.
    pub heading: String,
    /// The folder listed.
    pub dir: PathBuf,
    /// The home folder, shown as `~` in the folder line.
    pub home: Option<PathBuf>,
    /// The workbook's limit per file in bytes (files over it are marked).
    pub limit: u64,
    /// The folder's entries: `..` first (when there is a parent), folders, then files, each by
    /// name ignoring case. Hidden ones (starting with `.`) are listed only when the typed text
    /// starts with `.`.
    pub entries: Vec<Entry>,
    /// Whether the folder had more than [`MAX_ENTRIES`] entries.
    pub truncated: bool,
    /// Typed text: a filter, or a path when it holds `/` or `\` or starts with `~`.
    pub query: TextField,
    /// Indexes into `entries` shown for the filter.
    pub shown: Vec<usize>,
    /// Selected row of `shown`.
    pub selected: usize,
    /// Why the last Enter did not attach (a refused file, a folder that cannot be read).
    pub problem: Option<String>,
}

impl FilePicker {
    /// Whether the typed text is a path rather than a filter.
    pub fn typed_path(&self) -> bool {
        let t = self.query.text.trim();
        t.contains(['/', '\\']) || t.starts_with('~')
    }

    /// Whether Enter would try to attach a file (for the "saving…" indicator).
    pub fn would_attach(&self) -> bool {
        if self.typed_path() {
            return resolve(&self.dir, self.home.as_deref(), &self.query.text)
                .is_some_and(|p| p.is_file());
        }
        self.current().is_some_and(|e| !e.is_dir)
    }

    fn current(&self) -> Option<&Entry> {
        self.shown
            .get(self.selected)
            .and_then(|&i| self.entries.get(i))
    }

    /// Lists `dir`, keeping the filter; `select` puts the cursor on that name when it is there.
    fn list(&mut self, dir: PathBuf, select: Option<&str>) {
        match read_folder(&dir) {
            Ok((entries, truncated)) => {
                self.dir = dir;
                self.entries = entries;
                self.truncated = truncated;
                self.problem = None;
            }
            Err(e) => {
                self.problem = Some(format!("{}: {e}", shown_path(&dir, self.home.as_deref())));
                return;
            }
        }
        self.refilter();
        if let Some(name) = select
            && let Some(row) = self
                .shown
                .iter()
                .position(|&i| self.entries.get(i).is_some_and(|e| e.name == name))
        {
            self.selected = row;
        }
    }

    fn refilter(&mut self) {
        let query = self.query.text.trim().to_lowercase();
        self.shown = if self.typed_path() {
            Vec::new()
        } else {
            self.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    if e.name == ".." {
                        return query.is_empty();
                    }
                    if e.name.starts_with('.') && !query.starts_with('.') {
                        return false;
                    }
                    e.name.to_lowercase().contains(&query)
                })
                .map(|(i, _)| i)
                .collect()
        };
        self.selected = 0;
    }
}

/// The entries of a folder (see [`FilePicker::entries`]), and whether some were left out.
/// Entries that are neither a folder nor a regular file (FIFOs, devices, broken links) are not
/// listed: they cannot be attached.
fn read_folder(dir: &Path) -> std::io::Result<(Vec<Entry>, bool)> {
    let mut entries = Vec::new();
    let mut truncated = false;
    for item in fs::read_dir(dir)? {
        let Ok(item) = item else {
            continue;
        };
        if entries.len() >= MAX_ENTRIES {
            truncated = true;
            break;
        }
        let name = item.file_name().to_string_lossy().into_owned();
        // Follows symbolic links: a link to a folder is a folder.
        let Ok(meta) = fs::metadata(item.path()) else {
            continue;
        };
        if meta.is_dir() {
            entries.push(Entry {
                name,
                is_dir: true,
                size: None,
            });
        } else if meta.is_file() {
            entries.push(Entry {
                name,
                is_dir: false,
                size: Some(meta.len()),
            });
        }
    }
    entries.sort_by_cached_key(|e| (!e.is_dir, e.name.to_lowercase(), e.name.clone()));
    if dir.parent().is_some() {
        entries.insert(
            0,
            Entry {
                name: "..".into(),
                is_dir: true,
                size: None,
            },
        );
    }
    Ok((entries, truncated))
}

/// A path typed or pasted, as a path: one line, surrounding quotes and a `file://` prefix
/// removed, `~` for the home folder, relative to `dir`. When it does not exist as written but
/// does without shell escapes (`my\ photo.jpg`, as terminals paste dropped files), that.
fn resolve(dir: &Path, home: Option<&Path>, typed: &str) -> Option<PathBuf> {
    let line = typed.lines().next().unwrap_or("").trim();
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|q| line.strip_prefix(*q).and_then(|rest| rest.strip_suffix(*q)))
        .unwrap_or(line);
    let plain = unquoted.strip_prefix("file://").unwrap_or(unquoted);
    if plain.is_empty() {
        return None;
    }
    let expand = |text: &str| -> PathBuf {
        match (text.strip_prefix('~'), home) {
            (Some(rest), Some(h)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
                h.join(rest.trim_start_matches(['/', '\\']))
            }
            _ => dir.join(text),
        }
    };
    let path = expand(plain);
    if path.exists() || !plain.contains('\\') || cfg!(windows) {
        return Some(path);
    }
    let mut unescaped = String::with_capacity(plain.len());
    let mut chars = plain.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                unescaped.push(next);
            }
        } else {
            unescaped.push(c);
        }
    }
    let other = expand(&unescaped);
    Some(if other.exists() { other } else { path })
}

/// A folder as shown: the home folder as `~`.
fn shown_path(dir: &Path, home: Option<&Path>) -> String {
    if let Some(h) = home
        && let Ok(rest) = dir.strip_prefix(h)
    {
        return if rest.as_os_str().is_empty() {
            "~".to_string()
        } else {
            format!("~/{}", rest.display())
        };
    }
    dir.display().to_string()
}

/// Opens the picker for the checklist's selected control, on the folder a file was last
/// attached from (else the current folder, else the home folder).
pub fn open(app: &mut App) {
    let (Some(device), Some(control)) = (app.current_device(), app.current_control()) else {
        return;
    };
    let target = crate::tui::answer::write_target(app, device, control);
    let heading = format!("{} {}", target_label(app, &target), control.id);
    let limit = match app.workbook.attachment_limit() {
        Ok(l) => l.bytes,
        Err(e) => {
            app.error(e.to_string());
            return;
        }
    };
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let last = app
        .workbook
        .ui_state(LAST_FOLDER_KEY)
        .ok()
        .flatten()
        .map(PathBuf::from)
        .filter(|p| p.is_dir());
    let start = last
        .or_else(|| std::env::current_dir().ok())
        .or_else(|| home.clone())
        .unwrap_or_else(|| PathBuf::from("/"));
    let mut picker = FilePicker {
        target,
        control,
        heading,
        dir: start.clone(),
        home,
        limit,
        entries: Vec::new(),
        truncated: false,
        query: TextField::new("", 4096),
        shown: Vec::new(),
        selected: 0,
        problem: None,
    };
    picker.list(start, None);
    app.overlay = Some(Overlay::Picker(Box::new(picker)));
}

/// A target as named in the picker and in messages: a device's short ID, else its scope key.
pub fn target_label(app: &App, target: &Target) -> String {
    match target {
        Target::Device(id) => app
            .devices
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.short_id())
            .unwrap_or_default(),
        t => t.scope_key().unwrap_or_default(),
    }
}

fn page(app: &App) -> usize {
    usize::from(layout::chrome(app.size).body.height.saturating_sub(7)).max(1)
}

/// Acts on the picker.
pub fn update(app: &mut App, action: Action) {
    let page = page(app);
    let Some(Overlay::Picker(p)) = &mut app.overlay else {
        return;
    };
    let last = p.shown.len().saturating_sub(1);
    if let Some(to) = layout::moved(&action, p.selected, last, page) {
        p.selected = to;
        return;
    }
    match action {
        Action::InsertText(t) => {
            // A paste of several lines (a scanner's Enter, a list of files): the first line.
            let first = t.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            p.query.insert(first);
            p.problem = None;
            p.refilter();
        }
        Action::ClearText => {
            p.query.edit(&action);
            p.problem = None;
            p.refilter();
        }
        Action::ParentFolder if !p.query.text.is_empty() => {
            p.query.edit(&Action::DeleteBack);
            p.problem = None;
            p.refilter();
        }
        Action::ParentFolder => {
            if let Some(parent) = p.dir.parent().map(Path::to_path_buf) {
                let came_from = p.dir.file_name().map(|n| n.to_string_lossy().into_owned());
                p.list(parent, came_from.as_deref());
            }
        }
        Action::Back => {
            app.overlay = None;
            app.info("Nothing attached");
        }
        Action::Quit => {
            app.overlay = None;
            app.quit = true;
        }
        Action::Submit => submit(app),
        _ => {}
    }
}

/// Enter: opens the typed path or the selected entry (a folder is listed, a file attached).
fn submit(app: &mut App) {
    let Some(Overlay::Picker(p)) = &mut app.overlay else {
        return;
    };
    let chosen = if p.typed_path() {
        match resolve(&p.dir, p.home.as_deref(), &p.query.text) {
            Some(path) if path.is_dir() => {
                p.query.edit(&Action::ClearText);
                p.list(path, None);
                return;
            }
            Some(path) if path.exists() => path,
            Some(path) => {
                p.problem = Some(format!(
                    "No such file or folder: {}",
                    shown_path(&path, p.home.as_deref())
                ));
                return;
            }
            None => return,
        }
    } else {
        let Some(entry) = p.current().cloned() else {
            p.problem = Some(format!(
                "Nothing here matches “{}”; type a path with / to open it directly",
                p.query.text.trim()
            ));
            return;
        };
        if entry.name == ".." {
            update(app, Action::ParentFolder);
            return;
        }
        let path = p.dir.join(&entry.name);
        if entry.is_dir {
            p.query.edit(&Action::ClearText);
            p.list(path, None);
            return;
        }
        path
    };
    attach(app, &chosen);
}

/// Reads `path` (bounded by the limit), stores it on the picker's target and control, closes the
/// picker and says what was attached; on a refusal the picker stays open with the reason.
fn attach(app: &mut App, path: &Path) {
    let Some(Overlay::Picker(p)) = &app.overlay else {
        return;
    };
    let (target, control, heading, limit) =
        (p.target.clone(), p.control, p.heading.clone(), p.limit);
    // The folder is on screen already: messages name the file alone.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let result = check_not_workbook(path, app.workbook.path())
        .and_then(|()| read_evidence_file(path, limit))
        .map_err(|e| e.to_string().replace(&path.display().to_string(), &name))
        .and_then(|file| {
            app.workbook
                .add_attachment(&target, control, &file, "")
                .map_err(|e| {
                    if !matches!(e, crate::workbook::WorkbookError::Invalid(_)) {
                        app.save = SaveState::Failed(e.to_string());
                    }
                    e.to_string()
                })
        });
    match result {
        Ok(a) => {
            app.overlay = None;
            app.save = SaveState::Saved;
            if let Some(folder) = path.parent() {
                // Best effort: only where the next picker starts.
                let _ = app
                    .workbook
                    .set_ui_state(LAST_FOLDER_KEY, &folder.to_string_lossy());
            }
            app.reload_attachments();
            let undo = app
                .keymap
                .key_for(app.screen_context(), &Action::Undo)
                .map(|k| format!(" · {k} to undo"))
                .unwrap_or_default();
            app.info(format!(
                "Attached {} ({}, {}) to {heading}{undo}",
                text::sanitize(&a.file_name),
                format_size(a.size),
                a.short_hash()
            ));
        }
        Err(message) => {
            // The popup keeps the reason in view; the status line has it too.
            if let Some(Overlay::Picker(p)) = &mut app.overlay {
                p.problem = Some(message.clone());
            }
            app.error(message);
        }
    }
}

/// Draws the picker: the folder, the typed text, the listing, and the problem or a hint.
pub fn render(app: &App, frame: &mut Frame, p: &FilePicker) {
    let theme = app.theme;
    let body = layout::chrome(frame.area()).body;
    let width = body.width.saturating_sub(4).min(100);
    let height = body.height.saturating_sub(2).max(6);
    let popup = layout::popup(body, width, height);
    let key = |a: &Action| app.keymap.key_label(Context::Picker, a);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" Attach a file to {} ", text::sanitize(&p.heading)),
            theme.title(),
        ))
        .title_bottom(Line::from(vec![
            Span::styled(format!(" {}", key(&Action::Submit)), theme.key()),
            Span::raw(" open/attach  "),
            Span::styled(key(&Action::ParentFolder), theme.key()),
            Span::raw(" up  "),
            Span::styled(key(&Action::Back), theme.key()),
            Span::raw(" cancel "),
        ]));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    // One column of space inside each side of the border.
    let inner = Rect {
        x: inner.x + 1.min(inner.width),
        width: inner.width.saturating_sub(2),
        ..inner
    };
    if inner.height < 4 || inner.width < 10 {
        return;
    }
    let cols = usize::from(inner.width);
    let row = |n: u16| Rect::new(inner.x, inner.y + n, inner.width, 1);
    // The folder, cut at the left so its end stays in view.
    let folder = text::sanitize(&shown_path(&p.dir, p.home.as_deref())).into_owned();
    let folder = if text::width(&folder) + 1 > cols {
        let tail: String = folder
            .chars()
            .rev()
            .scan(0, |used, c| {
                *used += text::width(c.encode_utf8(&mut [0u8; 4]));
                (*used + 2 <= cols).then_some(c)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        folder
    };
    frame.render_widget(Line::styled(folder, theme.dim()), row(0));
    let prompt = "Find or path: ";
    let (line, col) = p.query.line(cols.saturating_sub(prompt.len() + 1));
    frame.render_widget(
        Line::from(vec![Span::styled(prompt, theme.key()), Span::raw(line)]),
        row(1),
    );
    let cursor = Position::new(
        inner.x + u16::try_from(prompt.len() + col).unwrap_or(u16::MAX),
        inner.y + 1,
    );
    // The listing, then a problem (up to three lines) or a one-line hint.
    let (note, style) = note(app, p);
    let mut note_rows = text::wrap_words(&text::sanitize(&note), cols);
    note_rows.truncate(3);
    let note_height = u16::try_from(note_rows.len().max(1)).unwrap_or(1);
    let list_rows = usize::from(inner.height.saturating_sub(2 + note_height));
    let start = p.selected.saturating_sub(list_rows.saturating_sub(1));
    let size_width = 12;
    let name_width = cols.saturating_sub(size_width + 3);
    let buf = frame.buffer_mut();
    for (n, (i, &e)) in p
        .shown
        .iter()
        .enumerate()
        .skip(start)
        .take(list_rows)
        .enumerate()
    {
        let Some(entry) = p.entries.get(e) else {
            continue;
        };
        let selected = i == p.selected;
        let style = if selected {
            theme.selected()
        } else {
            Default::default()
        };
        let name = if entry.is_dir {
            format!("{}/", entry.name)
        } else {
            entry.name.clone()
        };
        let (size, size_style) = match entry.size {
            Some(s) if s > p.limit => ("over limit".to_string(), theme.error()),
            Some(s) => (format_size(s), theme.dim()),
            None => (String::new(), theme.dim()),
        };
        let y = inner.y + 2 + u16::try_from(n).unwrap_or(u16::MAX);
        draw_row(
            buf,
            Rect::new(inner.x, y, inner.width, 1),
            &[
                Cell::new(if selected { "›" } else { " " }, 1, style),
                Cell::new(
                    &name,
                    name_width,
                    if entry.is_dir { theme.group() } else { style },
                ),
                Cell::right(&size, size_width, size_style),
            ],
            style,
        );
    }
    for (n, line) in note_rows.into_iter().enumerate() {
        let y = inner.height - note_height + u16::try_from(n).unwrap_or(0);
        frame.render_widget(Line::styled(line, style), row(y));
    }
    if inner.contains(cursor) {
        frame.set_cursor_position(cursor);
    }
}

/// The line under the listing: the last problem, else what Enter does with a typed path, else
/// a hint.
fn note(app: &App, p: &FilePicker) -> (String, ratatui::style::Style) {
    let theme = app.theme;
    let key = |a: &Action| app.keymap.key_label(Context::Picker, a);
    match &p.problem {
        Some(m) => (m.clone(), theme.error()),
        None if p.typed_path() => (
            format!(
                "{} opens {}",
                key(&Action::Submit),
                text::sanitize(p.query.text.trim())
            ),
            theme.dim(),
        ),
        None if p.shown.is_empty() && !p.query.text.is_empty() => (
            "Nothing matches; a path with / can be typed or pasted".to_string(),
            theme.dim(),
        ),
        None if p.truncated => (
            format!("Only the first {MAX_ENTRIES} entries are listed; type to narrow"),
            theme.dim(),
        ),
        None => (
            format!(
                "Limit {} per file · type to narrow, or a path",
                format_size(p.limit)
            ),
            theme.dim(),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn typed_and_pasted_paths_are_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let here = dir.path();
        fs::write(here.join("my photo.jpg"), b"x").unwrap();
        let home = Some(Path::new("/home/a"));
        assert_eq!(
            resolve(here, home, "~/x.jpg"),
            Some(PathBuf::from("/home/a/x.jpg"))
        );
        assert_eq!(resolve(here, home, "~"), Some(PathBuf::from("/home/a")));
        assert_eq!(
            resolve(here, home, "/etc/hosts"),
            Some(PathBuf::from("/etc/hosts"))
        );
        assert_eq!(
            resolve(here, home, "'/tmp/a b.pdf'\n"),
            Some(PathBuf::from("/tmp/a b.pdf"))
        );
        assert_eq!(
            resolve(here, home, "file:///tmp/x"),
            Some(PathBuf::from("/tmp/x"))
        );
        assert_eq!(resolve(here, home, "sub/x"), Some(here.join("sub/x")));
        #[cfg(unix)]
        assert_eq!(
            resolve(here, home, "./my\\ photo.jpg"),
            Some(here.join("./my photo.jpg"))
        );
        assert_eq!(resolve(here, home, "  "), None);
        assert_eq!(shown_path(Path::new("/home/a/photos"), home), "~/photos");
        assert_eq!(shown_path(Path::new("/home/a"), home), "~");
        assert_eq!(shown_path(Path::new("/srv"), home), "/srv");
    }

    #[test]
    fn folders_come_first_and_hidden_entries_wait_for_a_dot() {
        let dir = tempfile::tempdir().unwrap();
        let here = dir.path();
        fs::create_dir(here.join("zeta")).unwrap();
        fs::write(here.join("Alpha.png"), b"12345").unwrap();
        fs::write(here.join("beta.pdf"), b"1").unwrap();
        fs::write(here.join(".secret"), b"1").unwrap();
        let (entries, truncated) = read_folder(here).unwrap();
        assert!(!truncated);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["..", "zeta", ".secret", "Alpha.png", "beta.pdf"]);
        assert_eq!(entries[3].size, Some(5));
        let control = crate::catalog::catalog().control("ENC-01").unwrap();
        let mut p = FilePicker {
            target: Target::Device(1),
            control,
            heading: "DEV-0001 ENC-01".into(),
            dir: here.to_path_buf(),
            home: None,
            limit: 100,
            entries,
            truncated,
            query: TextField::new("", 100),
            shown: Vec::new(),
            selected: 0,
            problem: None,
        };
        p.refilter();
        let shown = |p: &FilePicker| -> Vec<String> {
            p.shown.iter().map(|&i| p.entries[i].name.clone()).collect()
        };
        assert_eq!(shown(&p), ["..", "zeta", "Alpha.png", "beta.pdf"]);
        p.query.insert("A");
        p.refilter();
        assert_eq!(shown(&p), ["zeta", "Alpha.png", "beta.pdf"]);
        p.query.set(".");
        p.refilter();
        assert_eq!(shown(&p), [".secret", "Alpha.png", "beta.pdf"]);
        p.query.set("~/x");
        p.refilter();
        assert!(p.typed_path() && p.shown.is_empty());
    }
}
