//! The TUI on the budgets' workbook (PRODUCT.md "Performance budgets": 10,000 devices with every
//! control answered, about 420,000 answers): open to first frame (≤ 1 s, not counting key
//! derivation), one frame of the Devices screen, the Checklist and the Dashboard, keystroke to
//! next frame (≤ 16 ms at the 99th percentile), and the commit latency of one answer (reported
//! apart from frame time, PRODUCT.md "Saving").
//!
//! Run with `cargo bench --bench tui_render` (about 3 minutes on the 2-core build machine, of
//! which building the workbook takes 25–35 s). Before divan's benchmarks, `main` builds the
//! workbook (`benches/support/workbook.rs`, keyed with a raw key so that opening it derives no
//! key) and runs [`keystroke_run`]: 2,000+ varied keystrokes, each timed from the key to the next
//! frame, printed as p50 / p99 / max per kind of key (divan reports no percentiles); it takes
//! about 20 s, most of it the answers' commits (about 60 ms each). After divan's
//! table, the phases of `open_to_first_frame` (`Workbook::open`, `Opening::start`, the first
//! frame: the device list while the answers are read on a thread) and `open_until_ready` (the
//! same, then the thread's work and the app's first frame) are printed.
//!
//! Frames are drawn with the real `medsec::tui::render` into ratatui's `TestBackend`, so what is
//! timed is building the frame and diffing it, not a terminal's own output. A key goes through
//! `App::action_for_event` and `update` as in the run loop (`medsec::tui::run`).

#[path = "support/phases.rs"]
mod phases;
#[path = "support/workbook.rs"]
mod workbook;

use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use medsec::assessment::{Response, Target};
use medsec::catalog::Scope;
use medsec::tui::keymap::Key;
use medsec::tui::opening::Opening;
use medsec::tui::{App, Keymap, Screen, Theme, render, update};
use medsec::workbook::{Access, AnswerInput, AssessmentMeta, Passphrase, Workbook};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyEvent};
use workbook::{budget, must};

fn main() {
    let _cleanup = workbook::Cleanup;
    let args: Vec<String> = std::env::args().collect();
    let listing = args.iter().any(|a| a == "--list");
    let testing = args.iter().any(|a| a == "--test");
    if !listing {
        // Built before anything is timed (and how long that took is printed).
        budget();
        empty_workbooks();
        if !testing {
            keystroke_run();
        }
    }
    divan::main();
    phases::print();
}

/// A terminal size, named `80x24` in the results.
#[derive(Clone, Copy)]
struct Size(u16, u16);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.0, self.1)
    }
}

const SIZES: [Size; 2] = [Size(80, 24), Size(160, 48)];

thread_local! {
    /// The app the frame and key benchmarks share, on the budgets' workbook (opened for
    /// writing, as `medsec open` does).
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

/// A new app on the budgets' workbook, as `medsec open` builds it (built-in keymap, the theme
/// of the environment).
fn new_app() -> App {
    let wb = budget().open(Access::Write);
    let keymap = must(Keymap::built_in(), "the built-in keymap");
    must(App::new(wb, keymap, Theme::from_env()), "loading the app")
}

/// Runs `f` on the shared app, opening it the first time.
fn with_app<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with(|cell| {
        let mut slot = cell.borrow_mut();
        let app = match slot.as_mut() {
            Some(app) => app,
            None => slot.insert(new_app()),
        };
        f(app)
    })
}

/// Closes the shared app, which releases its exclusive lock on the workbook.
fn release_app() {
    APP.with(|cell| drop(cell.borrow_mut().take()));
}

fn key_event(key: &str) -> Event {
    let k = must(Key::parse(key), &format!("key {key}"));
    Event::Key(KeyEvent::new(k.code, k.modifiers))
}

/// A key through the keymap and `update`, as the run loop handles it (no frame).
fn press(app: &mut App, key: &str) {
    if let Some(action) = app.action_for_event(&key_event(key)) {
        update(app, action);
    }
}

fn terminal(size: Size) -> Terminal<TestBackend> {
    must(
        Terminal::new(TestBackend::new(size.0, size.1)),
        "test backend",
    )
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    must(terminal.draw(|frame| render(app, frame)), "draw");
}

/// Puts the app on the device list with no search, filter or popup, the first device selected.
fn to_devices(app: &mut App, size: Size) {
    for _ in 0..3 {
        press(app, "esc");
    }
    press(app, "home");
    app.set_size(size.0, size.1);
    assert_eq!(app.screen(), Screen::Devices);
}

/// Puts the app on the checklist of the first device.
fn to_checklist(app: &mut App, size: Size) {
    to_devices(app, size);
    press(app, "enter");
    assert_eq!(app.screen(), Screen::Checklist);
}

/// Puts the app on the dashboard.
fn to_dashboard(app: &mut App, size: Size) {
    to_devices(app, size);
    press(app, "g");
    assert_eq!(app.screen(), Screen::Dashboard);
}

// ---------------------------------------------------------------------------------------------
// Open to first frame, and key derivation apart.

/// What `medsec open` does before its first frame, timed: `Workbook::open` for writing (lock,
/// keying, schema and catalog checks, metadata), the built-in keymap, `Opening::start` (every
/// device read, the rest handed to a thread) and the first frame at 80×24: the device list with
/// Done and Risk still being read. PRODUCT.md budget: open to first frame ≤ 1 s not counting
/// key derivation. The workbook is keyed with a raw key (SQLCipher `x'…'`), so no PBKDF2 runs:
/// what the `open_empty_workbook(passphrase)` minus `open_empty_workbook(raw_key)` benchmarks
/// measure comes on top in real use. The file is in the page cache (a warm open). The thread
/// still reading is waited for after the sample (not timed); [`open_until_ready`] times it.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn open_to_first_frame(bencher: divan::Bencher) {
    release_app();
    let wb = budget();
    bencher.bench_local(|| {
        let mut clock = phases::Clock::start();
        let (opening, _) = first_frame(wb, &mut clock);
        clock.record("open_to_first_frame");
        // Dropped after the sample, not timed: waits for the thread, closes the workbook.
        opening
    });
}

/// What `medsec open` does up to its first frame (the interim device list at 80×24), each step
/// a phase of `clock`; returns the opening (its thread still reading) and the terminal.
fn first_frame(
    wb: &workbook::BenchWorkbook,
    clock: &mut phases::Clock,
) -> (Opening, Terminal<TestBackend>) {
    let workbook = wb.open(Access::Write);
    clock.phase("Workbook::open (raw key)");
    let keymap = must(Keymap::built_in(), "the built-in keymap");
    let opening = must(
        Opening::start(workbook, keymap, Theme::from_env()),
        "Opening::start",
    );
    clock.phase("keymap, Opening::start (devices)");
    let mut term = terminal(Size(80, 24));
    must(term.draw(|frame| opening.render(frame)), "draw");
    clock.phase("first frame (device list)");
    (opening, term)
}

/// Open until the app is ready, timed: [`open_to_first_frame`], then waiting for the thread
/// (`App::with_devices`: every answer, attachment and MDS2 document read, every device's
/// progress and the risk register computed, the device list sorted) and the app's first frame
/// of the Devices screen at 80×24, with Done and Risk filled in.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn open_until_ready(bencher: divan::Bencher) {
    release_app();
    let wb = budget();
    bencher.bench_local(|| {
        let mut clock = phases::Clock::start();
        let (opening, mut term) = first_frame(wb, &mut clock);
        let mut app = must(opening.finish(), "Opening::finish");
        app.set_size(80, 24);
        clock.phase("answers, progress, register (thread)");
        draw(&mut term, &app);
        clock.phase("the app's first frame");
        clock.record("open_until_ready");
        // Dropped (closing the workbook) after the sample, not timed.
        app
    });
}

/// Two new, empty workbooks: one under [`workbook::PASSPHRASE`], one under the raw key.
fn empty_workbooks() -> &'static (PathBuf, PathBuf) {
    static EMPTY: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    EMPTY.get_or_init(|| {
        let started = Instant::now();
        let make = |stem: &str, pass: &Passphrase| {
            let path = workbook::scratch_path(stem, "medsec");
            must(
                Workbook::create(&path, pass, AssessmentMeta::default()),
                &format!("creating {}", path.display()),
            );
            path
        };
        let with_passphrase = make(
            "empty-passphrase",
            &Passphrase::new(workbook::PASSPHRASE.into()),
        );
        let with_raw_key = make("empty-raw-key", &workbook::raw_key());
        eprintln!(
            "setup: two empty workbooks (passphrase, raw key) in {:.2?}",
            started.elapsed()
        );
        (with_passphrase, with_raw_key)
    })
}

/// `Workbook::open` (for reading) of an empty workbook, under a passphrase or under the raw
/// key. The difference is SQLCipher's key derivation (PBKDF2-HMAC-SHA512, 256,000 iterations),
/// which PRODUCT.md leaves out of the open budget and which `open_to_first_frame` skips.
#[divan::bench(args = ["passphrase", "raw_key"], sample_count = 10, sample_size = 1)]
fn open_empty_workbook(bencher: divan::Bencher, key: &str) {
    let (with_passphrase, with_raw_key) = empty_workbooks();
    let (path, pass) = if key == "passphrase" {
        (
            with_passphrase,
            Passphrase::new(workbook::PASSPHRASE.into()),
        )
    } else {
        (with_raw_key, workbook::raw_key())
    };
    bencher.bench_local(|| must(Workbook::open(path, &pass, Access::Read), "open"));
}

// ---------------------------------------------------------------------------------------------
// One frame.

/// One frame of the device list (its first page; the list is virtualised).
#[divan::bench(args = SIZES)]
fn devices_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_devices(app, size);
        let mut term = terminal(size);
        bencher.bench_local(|| draw(&mut term, app));
    });
}

/// One frame of a device's checklist (after Enter on the device list).
#[divan::bench(args = SIZES)]
fn checklist_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_checklist(app, size);
        let mut term = terminal(size);
        bencher.bench_local(|| draw(&mut term, app));
    });
}

/// One frame of the dashboard, its figures already computed (they are computed on the first
/// frame after a change and kept; the keystroke run's `switch screen` rows include that).
#[divan::bench(args = SIZES)]
fn dashboard_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_dashboard(app, size);
        let mut term = terminal(size);
        draw(&mut term, app);
        bencher.bench_local(|| draw(&mut term, app));
    });
}

// ---------------------------------------------------------------------------------------------
// Keystroke to next frame (divan medians; the p99 is `keystroke_run`'s).

/// Times `key` and the next frame; `undo` (not timed) puts the state back and draws it.
fn keystroke(bencher: divan::Bencher, app: &mut App, size: Size, key: &str, undo: &str) {
    let mut term = terminal(size);
    draw(&mut term, app);
    let key = key_event(key);
    let cell = RefCell::new((app, &mut term));
    bencher
        .with_inputs(|| {
            let mut guard = cell.borrow_mut();
            let (app, term) = &mut *guard;
            press(app, undo);
            draw(term, app);
        })
        .bench_local_values(|()| {
            let mut guard = cell.borrow_mut();
            let (app, term) = &mut *guard;
            if let Some(action) = app.action_for_event(&key) {
                update(app, action);
            }
            draw(term, app);
        });
}

/// `j` on the device list, then the frame.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 500)]
fn devices_key_to_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_devices(app, size);
        press(app, "j");
        keystroke(bencher, app, size, "j", "k");
    });
}

/// `j` on the checklist, then the frame.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 500)]
fn checklist_key_to_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_checklist(app, size);
        press(app, "j");
        keystroke(bencher, app, size, "j", "k");
    });
}

/// One character typed into the `/` search of the device list (narrowing 10,000 devices to
/// those matching), then the frame; Backspace puts the full list back, not timed.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 200)]
fn search_char_to_frame(bencher: divan::Bencher, size: Size) {
    with_app(|app| {
        to_devices(app, size);
        press(app, "/");
        press(app, "v");
        keystroke(bencher, app, size, "v", "backspace");
        press(app, "esc");
    });
}

// ---------------------------------------------------------------------------------------------
// Commit latency of one answer.

/// The write of one single-key answer to the workbook: `Workbook::set_answer` of a
/// device-scoped control of one device, alternately Yes and No (so every sample changes the
/// stored answer and opens or closes a finding), on the budgets' workbook: one transaction with
/// its audit entry, `synchronous = FULL` (fsyncs of the rollback journal and the file). This is
/// the commit latency PRODUCT.md asks to report apart from frame time; the TUI's `update` adds
/// the in-memory refresh (see the keystroke run's `answer: commit` row).
#[divan::bench(sample_count = 100, sample_size = 1)]
fn answer_commit(bencher: divan::Bencher) {
    release_app();
    let mut wb = budget().open(Access::Write);
    let devices = must(wb.devices(), "devices");
    let Some(device) = devices.get(devices.len() / 2) else {
        panic!("the benchmark workbook has no devices");
    };
    let catalog = wb.catalog();
    let Some(control) = catalog.controls().find(|c| c.scope == Scope::Device) else {
        panic!("the catalog has no device-scoped control");
    };
    let target = Target::Device(device.id);
    let mut n = 0usize;
    bencher.bench_local(|| {
        n += 1;
        let response = if n.is_multiple_of(2) {
            Response::Yes
        } else {
            Response::No
        };
        let input = AnswerInput {
            response: Some(Some(response)),
            ..AnswerInput::default()
        };
        must(wb.set_answer(&target, control, &input), "set_answer");
    });
}

// ---------------------------------------------------------------------------------------------
// The keystroke run: percentiles.

/// The kinds of key the keystroke run times, each reported on its own row.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// `j` / `k` on the device list, the checklist, the dashboard and the findings.
    Move,
    /// PgDn / PgUp.
    Page,
    /// Tab on the checklist: the next unanswered control.
    NextUnanswered,
    /// Enter (Devices → Checklist) and Esc back to Devices (from the Checklist, the Dashboard
    /// and the Findings).
    SwitchScreen,
    /// `g` on Devices: to the Dashboard (its figures computed again after answers).
    ToDashboard,
    /// `f` on Devices: to the Findings (the register as computed after the last answer).
    ToFindings,
    /// `]` / `[` on the checklist: the next or previous device.
    SwitchDevice,
    /// `x` and `y` / `n` / `p` / `u` on the checklist, up to the frame drawn before the commit
    /// (the run loop draws it, saying "saving…", then commits).
    Answer,
    /// `/`, a character typed into the search, Backspace, Esc.
    Search,
}

const KINDS: [(Kind, &str); 9] = [
    (Kind::Move, "move (j/k)"),
    (Kind::Page, "page (PgDn/PgUp)"),
    (Kind::NextUnanswered, "next unanswered (Tab)"),
    (Kind::SwitchScreen, "switch screen (Enter/Esc)"),
    (Kind::ToDashboard, "to Dashboard (g)"),
    (Kind::ToFindings, "to Findings (f)"),
    (Kind::SwitchDevice, "next/prev device (]/[)"),
    (Kind::Answer, "answer (x, y/n/p/u)"),
    (Kind::Search, "search (/, chars, Bksp, Esc)"),
];

/// The keys of round `r` of the keystroke run: the device list, a device's checklist (moves;
/// an answer cleared with `x`, Tab back to it as the one unanswered control, a new answer, so
/// the workbook stays fully answered; Tab again with nothing left to answer), the next and
/// previous device, a search, and every third round the dashboard, every third the findings.
/// Rounds differ in how far they page, which device they open, the answer and the search text.
fn round(r: usize) -> Vec<(Kind, &'static str)> {
    use Kind::*;
    let answers = ["y", "n", "p", "u"];
    let searches: [&[&str]; 5] = [
        &["i", "c", "u"],
        &["p", "u", "m", "p"],
        &["1", "0", ".", "2"],
        &["e", "v", "i"],
        &["m", "x", "4"],
    ];
    let mut keys = vec![(Move, "j"), (Move, "j"), (Move, "j"), (Move, "k")];
    for _ in 0..=(r % 3) {
        keys.push((Page, "pgdn"));
    }
    keys.push((Page, "pgup"));
    keys.push((SwitchScreen, "enter"));
    keys.extend([(Move, "j"), (Move, "j"), (Move, "j"), (Move, "k")]);
    keys.extend([(Page, "pgdn"), (Page, "pgup")]);
    keys.push((Answer, "x"));
    keys.push((NextUnanswered, "tab"));
    keys.push((Answer, answers[r % answers.len()]));
    keys.push((NextUnanswered, "tab"));
    keys.extend([
        (SwitchDevice, "]"),
        (SwitchDevice, "]"),
        (SwitchDevice, "["),
    ]);
    keys.push((SwitchScreen, "esc"));
    keys.push((Search, "/"));
    let text = searches[r % searches.len()];
    for c in text {
        keys.push((Search, c));
    }
    for _ in text {
        keys.push((Search, "backspace"));
    }
    keys.push((Search, "esc"));
    match r % 3 {
        0 => {
            keys.push((ToDashboard, "g"));
            keys.extend([(Move, "j"), (Move, "j"), (Move, "k"), (Page, "pgdn")]);
            keys.push((SwitchScreen, "esc"));
        }
        1 => {
            keys.push((ToFindings, "f"));
            keys.extend([(Move, "j"), (Move, "j"), (Page, "pgdn")]);
            keys.push((SwitchScreen, "esc"));
        }
        _ => {}
    }
    keys
}

/// How many keys the keystroke run presses at least.
const RUN_KEYS: usize = 2_000;

/// Times ≥ 2,000 keystrokes on the budgets' workbook at 80×24 and prints p50 / p99 / max per
/// kind of key and overall. Each key is timed as the run loop handles it: `action_for_event`,
/// then (for an action that commits) the frame drawn before the commit, else `update` and the
/// next frame. Answers are also timed from the key to the frame after the commit, and the
/// commit itself (`update`: the write to the workbook and the in-memory refresh of progress
/// and the risk register). (The run loop also sets the status line to "saving…" for that
/// first frame; the benchmark cannot, so the frame says "saved", which takes as long to draw.)
fn keystroke_run() {
    let size = Size(80, 24);
    let started = Instant::now();
    let mut times: Vec<(Kind, Duration)> = Vec::new();
    let mut commits: Vec<Duration> = Vec::new();
    let mut after_commit: Vec<Duration> = Vec::new();
    with_app(|app| {
        assert_eq!(
            unanswered(app),
            0,
            "the budgets' workbook has every control answered"
        );
        to_devices(app, size);
        let mut term = terminal(size);
        draw(&mut term, app);
        let mut r = 0;
        while times.len() < RUN_KEYS {
            for (kind, key) in round(r) {
                let event = key_event(key);
                let start = Instant::now();
                let Some(action) = app.action_for_event(&event) else {
                    draw(&mut term, app);
                    times.push((kind, start.elapsed()));
                    continue;
                };
                if app.will_commit(&action) {
                    draw(&mut term, app);
                    times.push((kind, start.elapsed()));
                    let commit = Instant::now();
                    update(app, action);
                    commits.push(commit.elapsed());
                    draw(&mut term, app);
                    after_commit.push(start.elapsed());
                } else {
                    update(app, action);
                    draw(&mut term, app);
                    times.push((kind, start.elapsed()));
                }
            }
            r += 1;
        }
        to_devices(app, size);
        // The run clears one answer a round and answers it again: the workbook must still be
        // fully answered, or later benchmarks would not run on the budgets' workbook.
        assert_eq!(
            unanswered(app),
            0,
            "the keystroke run left controls unanswered"
        );
    });
    println!(
        "\nkeystroke to next frame, {size}, {} devices with every control answered: {} keys in {:.1?} (budget: p99 ≤ 16 ms)",
        budget().devices,
        times.len(),
        started.elapsed()
    );
    println!(
        "{:<34} {:>5} {:>10} {:>10} {:>10}",
        "kind", "keys", "p50", "p99", "max"
    );
    for (kind, label) in KINDS {
        let of_kind: Vec<Duration> = times
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, d)| *d)
            .collect();
        print_row(label, of_kind);
    }
    print_row("all keys", times.iter().map(|(_, d)| *d).collect());
    print_row("answer: commit (update)", commits);
    print_row("answer: key to frame after commit", after_commit);
    println!();
}

/// Controls without a confirmed response in the app's workbook (per-step counts as the
/// exported Summary counts them).
fn unanswered(app: &App) -> usize {
    let steps = must(medsec::export::step_counts(app.workbook()), "step counts");
    steps.iter().map(|s| s.not_assessed()).sum()
}

/// One row: label, count, p50, p99, max in milliseconds.
fn print_row(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |p: f64| {
        percentile(&times, p)
            .map(|d| format!("{:.2} ms", d.as_secs_f64() * 1e3))
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "{label:<34} {:>5} {:>10} {:>10} {:>10}",
        times.len(),
        ms(50.0),
        ms(99.0),
        ms(100.0)
    );
}

/// The `p`th percentile (nearest rank) of sorted `times`; `None` when empty.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}
