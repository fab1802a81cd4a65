//! Keys as data: `assets/keymap.toml` (embedded) holds one section per screen or popup, each a
//! list of bindings `{ on, run, desc, hint }`. A user file of the same shape can be merged over
//! it. The help overlay and the hint bar are generated from the resulting [`Keymap`].
//! Key names are described in [`super::key`].

use std::collections::BTreeMap;

use serde::Deserialize;

use super::action::Action;
pub use super::key::Key;

/// The default keymap, embedded at compile time.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A keymap section: the screen or popup whose keys are active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Keys of every screen (not of popups), used where the screen's own section has no
    /// binding for the key.
    Global,
    /// The Devices screen (home).
    Devices,
    /// The Checklist screen of one device.
    Checklist,
    /// The walkthrough: one control at a time.
    Walk,
    /// The dashboard.
    Dashboard,
    /// The findings list.
    Findings,
    /// The To-do list of deferred controls.
    Todo,
    /// The help overlay.
    Help,
    /// A text popup: the note, a deferral, a finding's planned actions, owner, due date or
    /// review date.
    Note,
    /// The device form.
    Form,
    /// The search line of the Devices screen.
    Search,
    /// The command palette.
    Palette,
    /// A yes / no question.
    Confirm,
    /// A choice among a few options.
    Menu,
    /// The filters of the device list.
    Filter,
    /// Rating a finding (likelihood, impact) or its residual risk.
    Rate,
    /// The acceptance of a risk: who accepted it, why, when, when to review it.
    Acceptance,
    /// The file picker of an attachment.
    Picker,
    /// The history popup of a device or an answer.
    History,
}

impl Context {
    /// Every context, in the order of the keymap file.
    pub const ALL: [Context; 19] = [
        Context::Global,
        Context::Devices,
        Context::Checklist,
        Context::Walk,
        Context::Dashboard,
        Context::Findings,
        Context::Todo,
        Context::Help,
        Context::Note,
        Context::Form,
        Context::Search,
        Context::Palette,
        Context::Confirm,
        Context::Menu,
        Context::Filter,
        Context::Rate,
        Context::Acceptance,
        Context::Picker,
        Context::History,
    ];

    /// The section name in the keymap file (`devices`, `checklist`, …).
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Devices => "devices",
            Context::Checklist => "checklist",
            Context::Walk => "walk",
            Context::Dashboard => "dashboard",
            Context::Findings => "findings",
            Context::Todo => "todo",
            Context::Help => "help",
            Context::Note => "note",
            Context::Form => "form",
            Context::Search => "search",
            Context::Palette => "palette",
            Context::Confirm => "confirm",
            Context::Menu => "menu",
            Context::Filter => "filter",
            Context::Rate => "rate",
            Context::Acceptance => "acceptance",
            Context::Picker => "picker",
            Context::History => "history",
        }
    }

    /// The title shown in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Every screen",
            Context::Devices => "Devices",
            Context::Checklist => "Checklist",
            Context::Walk => "Walkthrough",
            Context::Dashboard => "Dashboard",
            Context::Findings => "Findings",
            Context::Todo => "To do",
            Context::Help => "Help",
            Context::Note => "Text",
            Context::Form => "Device form",
            Context::Search => "Search",
            Context::Palette => "Commands",
            Context::Confirm => "Question",
            Context::Menu => "Choice",
            Context::Filter => "Filters",
            Context::Rate => "Rating",
            Context::Acceptance => "Acceptance",
            Context::Picker => "Attach a file",
            Context::History => "History",
        }
    }

    /// Whether this is a full screen (the [global] keys apply) rather than a popup.
    pub fn is_screen(self) -> bool {
        matches!(
            self,
            Context::Devices
                | Context::Checklist
                | Context::Walk
                | Context::Dashboard
                | Context::Findings
                | Context::Todo
        )
    }

    fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The actions this context acts on. Each must have a key in the default keymap (checked
    /// by a test), so nothing the screen can do is out of reach of the keyboard.
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Context::Global => &[Palette, Undo, Redo, ToggleMouse, ToggleTheme, Help, Quit],
            Context::Devices => &[
                Open,
                Walk,
                Search,
                Filter,
                SortNext,
                SortReverse,
                ClearFilters,
                ToggleMark,
                ClearMarks,
                AddDevice,
                EditDevice,
                DeleteDevice,
                History,
                Dashboard,
                Findings,
                Todo,
                MoveUp,
                MoveDown,
                PageUp,
                PageDown,
                First,
                Last,
                Quit,
            ],
            Context::Checklist => &[
                AnswerYes,
                AnswerPartial,
                AnswerNo,
                AnswerNa,
                AnswerUnknown,
                AnswerClear,
                Confirm,
                EditNote,
                Defer,
                Rate,
                RiskEntry,
                VulnFindings,
                AttachFile,
                RemoveAttachment,
                History,
                NextUnanswered,
                NextDevice,
                PreviousDevice,
                BulkApply,
                Walk,
                MoveUp,
                MoveDown,
                PageUp,
                PageDown,
                First,
                Last,
                Back,
            ],
            Context::Walk => &[
                AnswerYes,
                AnswerPartial,
                AnswerNo,
                AnswerNa,
                AnswerUnknown,
                AnswerClear,
                Confirm,
                EditNote,
                Defer,
                Rate,
                RiskEntry,
                VulnFindings,
                AttachFile,
                RemoveAttachment,
                History,
                Skip,
                PreviousControl,
                NextDevice,
                PreviousDevice,
                BulkApply,
                Back,
            ],
            Context::Todo => &[
                Open, MoveUp, MoveDown, PageUp, PageDown, First, Last, Findings, Devices, Quit,
            ],
            Context::Dashboard => &[Findings, MoveUp, MoveDown, PageUp, PageDown, Devices, Quit],
            Context::Findings => &[
                Open,
                Rate,
                EditTreatment,
                EditActions,
                EditOwner,
                EditDueDate,
                CycleStatus,
                RateResidual,
                EditAcceptance,
                EditReviewDate,
                RiskEntry,
                ToggleDetails,
                FilterFindings,
                MoveUp,
                MoveDown,
                PageUp,
                PageDown,
                First,
                Last,
                Dashboard,
                Devices,
                Quit,
            ],
            Context::Help => &[Back, MoveUp, MoveDown, PageUp, PageDown, First, Last],
            Context::Note => &[
                Submit,
                Back,
                NewLine,
                CursorLeft,
                CursorRight,
                CursorStart,
                CursorEnd,
                DeleteBack,
                DeleteForward,
                ClearText,
            ],
            Context::Form => &[
                Submit,
                Back,
                NextField,
                PreviousField,
                NextValue,
                PreviousValue,
                PageDown,
                PageUp,
                CursorLeft,
                CursorRight,
                CursorStart,
                CursorEnd,
                DeleteBack,
                DeleteForward,
                ClearText,
            ],
            Context::Search => &[
                Submit,
                Back,
                MoveDown,
                MoveUp,
                CursorLeft,
                CursorRight,
                CursorStart,
                CursorEnd,
                DeleteBack,
                DeleteForward,
                ClearText,
                Quit,
            ],
            Context::Palette => &[
                Submit, Back, MoveDown, MoveUp, PageDown, PageUp, DeleteBack, ClearText, Quit,
            ],
            Context::Confirm => &[Submit, Back, MoveDown, MoveUp, Quit],
            Context::Menu => &[Submit, Back, MoveDown, MoveUp, Quit],
            Context::Rate => &[
                Submit,
                Back,
                MoveDown,
                MoveUp,
                NextValue,
                PreviousValue,
                ClearRating,
                Quit,
            ],
            Context::Acceptance => &[
                Submit,
                Back,
                NextField,
                PreviousField,
                CursorLeft,
                CursorRight,
                CursorStart,
                CursorEnd,
                DeleteBack,
                DeleteForward,
                ClearText,
            ],
            Context::Filter => &[
                Back,
                MoveDown,
                MoveUp,
                NextValue,
                PreviousValue,
                ClearFilters,
                Quit,
            ],
            Context::Picker => &[
                Submit,
                Back,
                MoveDown,
                MoveUp,
                PageDown,
                PageUp,
                ParentFolder,
                ClearText,
                Quit,
            ],
            Context::History => &[Back, MoveUp, MoveDown, PageUp, PageDown, First, Last],
        }
    }

    /// Whether printable keys no binding claims become typed text in this context.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Context::Note
                | Context::Form
                | Context::Search
                | Context::Palette
                | Context::Acceptance
                | Context::Picker
        )
    }
}

/// One binding: keys, the action they run, a description for the help overlay and, when it
/// belongs in the hint bar, a short label for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The keys (at least one).
    pub keys: Vec<Key>,
    /// What they do.
    pub action: Action,
    /// Shown in the help overlay.
    pub desc: String,
    /// Shown in the hint bar when set (a word or two).
    pub hint: Option<String>,
}

impl Binding {
    /// The keys joined for display, e.g. `↑ k`.
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// An invalid keymap file: which file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct KeymapError {
    /// `built-in keymap` or `user keymap`.
    pub origin: &'static str,
    /// What is wrong, with the line and column when the TOML itself is malformed.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    keymap: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    on: OneOrMany,
    run: Action,
    desc: String,
    #[serde(default)]
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The keys of every context, parsed once at start-up.
#[derive(Debug, Clone)]
pub struct Keymap {
    sections: BTreeMap<Context, Vec<Binding>>,
}

impl Keymap {
    /// The built-in keymap merged with an optional user keymap (the same format). A user binding
    /// takes its keys away from the built-in bindings of its section and comes first in help and
    /// hints; sections and bindings the user file leaves out keep their defaults.
    ///
    /// Errors: a [`KeymapError`] naming the file and the problem (malformed TOML with its line,
    /// an unknown section or action, a bad key name, a key bound twice in one section).
    pub fn load(user: Option<&str>) -> Result<Keymap, KeymapError> {
        let mut sections = parse("built-in keymap", DEFAULT_KEYMAP)?;
        if let Some(user) = user {
            for (context, bindings) in parse("user keymap", user)? {
                let section = sections.entry(context).or_default();
                for b in &bindings {
                    for existing in section.iter_mut() {
                        existing.keys.retain(|k| !b.keys.contains(k));
                    }
                }
                section.retain(|b| !b.keys.is_empty());
                let mut merged = bindings;
                merged.append(section);
                *section = merged;
            }
        }
        Ok(Keymap { sections })
    }

    /// The built-in keymap alone.
    pub fn built_in() -> Result<Keymap, KeymapError> {
        Keymap::load(None)
    }

    /// The bindings of a context, in file order.
    pub fn bindings(&self, context: Context) -> &[Binding] {
        self.sections
            .get(&context)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The bindings that act in a context: its own, then (on screens) the [global] ones whose
    /// keys it does not use. This is what help, hints and the palette show.
    pub fn active(&self, context: Context) -> Vec<&Binding> {
        let own = self.bindings(context);
        let mut out: Vec<&Binding> = own.iter().collect();
        if context.is_screen() {
            for g in self.bindings(Context::Global) {
                let taken = g
                    .keys
                    .iter()
                    .all(|k| own.iter().any(|b| b.keys.contains(k)));
                if !taken && !own.iter().any(|b| b.action == g.action) {
                    out.push(g);
                }
            }
        }
        out
    }

    /// The action a key runs in a context, if any (falling back to [global] on screens).
    pub fn action(&self, context: Context, key: Key) -> Option<&Action> {
        let find = |c: Context| {
            self.bindings(c)
                .iter()
                .find(|b| b.keys.contains(&key))
                .map(|b| &b.action)
        };
        find(context).or_else(|| {
            if context.is_screen() {
                find(Context::Global)
            } else {
                None
            }
        })
    }

    /// The first key that runs an action in a context as shown to the user (`e`, `Ctrl-z`), or
    /// the action's name when no key runs it — for messages such as "press e to add a note".
    pub fn key_label(&self, context: Context, action: &Action) -> String {
        self.key_for(context, action)
            .map(|k| k.to_string())
            .unwrap_or_else(|| action.name())
    }

    /// The first key that runs an action in a context (or in [global] on screens), for
    /// messages such as "press e to add a note".
    pub fn key_for(&self, context: Context, action: &Action) -> Option<Key> {
        let find = |c: Context| {
            self.bindings(c)
                .iter()
                .find(|b| &b.action == action)
                .and_then(|b| b.keys.first().copied())
        };
        find(context).or_else(|| {
            if context.is_screen() {
                find(Context::Global)
            } else {
                None
            }
        })
    }
}

fn parse(origin: &'static str, text: &str) -> Result<BTreeMap<Context, Vec<Binding>>, KeymapError> {
    let err = |message: String| KeymapError { origin, message };
    let raw: BTreeMap<String, RawSection> = toml::from_str(text).map_err(|e| {
        let mut message = e.to_string().trim_end().to_string();
        // serde lists every action name after an unknown one; the palette (:) and the default
        // keymap show them better than a line of seventy names.
        if let Some(at) = message.find(", expected one of") {
            message.truncate(at);
            message.push_str(" (the names are those of the default keymap, assets/keymap.toml)");
        }
        err(message)
    })?;
    let mut out = BTreeMap::new();
    for (name, section) in raw {
        let context = Context::from_name(&name).ok_or_else(|| {
            let known: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
            err(format!(
                "unknown section [{name}]; the sections are {}",
                known.join(", ")
            ))
        })?;
        let mut bindings: Vec<Binding> = Vec::new();
        for (i, rb) in section.keymap.into_iter().enumerate() {
            let names = match rb.on {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            if names.is_empty() {
                return Err(err(format!(
                    "[{name}] binding {} (`{}`) has no key in `on`",
                    i + 1,
                    rb.run.name()
                )));
            }
            let mut keys = Vec::with_capacity(names.len());
            for n in &names {
                let key =
                    Key::parse(n).map_err(|m| err(format!("[{name}] binding {} : {m}", i + 1)))?;
                if let Some(other) = bindings.iter().find(|b| b.keys.contains(&key)) {
                    return Err(err(format!(
                        "[{name}] key `{n}` is bound twice: to `{}` and to `{}`",
                        other.action.name(),
                        rb.run.name()
                    )));
                }
                keys.push(key);
            }
            bindings.push(Binding {
                keys,
                action: rb.run,
                desc: rb.desc,
                hint: rb.hint.filter(|h| !h.trim().is_empty()),
            });
        }
        out.insert(context, bindings);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use super::*;

    #[test]
    fn every_default_binding_parses_and_every_action_has_a_key() -> Result<(), KeymapError> {
        let km = Keymap::built_in()?;
        for context in Context::ALL {
            assert!(
                !km.bindings(context).is_empty(),
                "no [{}] section",
                context.name()
            );
            for action in context.actions() {
                assert!(
                    km.key_for(context, action).is_some()
                        || (context.is_screen() && km.key_for(Context::Global, action).is_some()),
                    "[{}] has no key for `{}`",
                    context.name(),
                    action.name()
                );
            }
            for b in km.bindings(context) {
                assert!(
                    context.actions().contains(&b.action),
                    "[{}] binds `{}`, which that screen does not act on",
                    context.name(),
                    b.action.name()
                );
                assert!(!b.desc.trim().is_empty());
            }
        }
        Ok(())
    }

    #[test]
    fn product_default_keys() -> Result<(), KeymapError> {
        let km = Keymap::built_in()?;
        let key = |s: &str| {
            Key::parse(s).map_err(|message| KeymapError {
                origin: "test",
                message,
            })
        };
        let c = Context::Checklist;
        for (k, a) in [
            ("y", Action::AnswerYes),
            ("p", Action::AnswerPartial),
            ("n", Action::AnswerNo),
            ("a", Action::AnswerNa),
            ("u", Action::AnswerUnknown),
            ("x", Action::AnswerClear),
            ("e", Action::EditNote),
            ("c", Action::Confirm),
            ("tab", Action::NextUnanswered),
            ("]", Action::NextDevice),
            ("[", Action::PreviousDevice),
            ("esc", Action::Back),
            ("?", Action::Help),
            ("j", Action::MoveDown),
            ("up", Action::MoveUp),
        ] {
            assert_eq!(km.action(c, key(k)?), Some(&a), "{k}");
        }
        assert_eq!(km.action(Context::Devices, key("q")?), Some(&Action::Quit));
        assert_eq!(
            km.action(Context::Devices, key("enter")?),
            Some(&Action::Open)
        );
        assert_eq!(
            km.action(Context::Note, key("enter")?),
            Some(&Action::Submit)
        );
        assert_eq!(km.action(Context::Note, key("esc")?), Some(&Action::Back));
        Ok(())
    }

    #[test]
    fn user_keymap_merges_over_defaults() -> Result<(), KeymapError> {
        let user = r#"
            [checklist]
            keymap = [ { on = "j", run = "answer_no", desc = "No (my way)" } ]
        "#;
        let km = Keymap::load(Some(user))?;
        let j = Key::plain(KeyCode::Char('j'));
        let down = Key::plain(KeyCode::Down);
        assert_eq!(km.action(Context::Checklist, j), Some(&Action::AnswerNo));
        // `down` still moves; `j` was taken away from move_down only.
        assert_eq!(km.action(Context::Checklist, down), Some(&Action::MoveDown));
        assert_eq!(km.action(Context::Devices, j), Some(&Action::MoveDown));
        Ok(())
    }

    #[test]
    fn invalid_user_keymaps_say_what_is_wrong() {
        let cases = [
            (
                "[checklist]\nkeymap = [ { on = \"y\", run = \"answer_maybe\", desc = \"?\" } ]",
                "answer_maybe",
            ),
            ("[walking]\nkeymap = []", "unknown section [walking]"),
            (
                "[devices]\nkeymap = [ { on = \"hyper-q\", run = \"quit\", desc = \"Quit\" } ]",
                "hyper-q",
            ),
            (
                "[devices]\nkeymap = [ { on = \"z\", run = \"quit\", desc = \"Q\" }, { on = \"z\", run = \"help\", desc = \"H\" } ]",
                "bound twice",
            ),
            (
                "[devices]\nkeymap = [ { on = \"z\", run = \"quit\" } ]",
                "desc",
            ),
            ("[devices", "user keymap"),
        ];
        for (text, want) in cases {
            match Keymap::load(Some(text)) {
                Ok(_) => panic!("accepted: {text}"),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.starts_with("user keymap: "), "{msg}");
                    assert!(msg.contains(want), "{msg} should mention {want}");
                }
            }
        }
    }
}
