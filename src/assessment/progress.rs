//! Which answer applies to a device for each control (device, inherited model or site answer),
//! and the progress and compliance figures computed from them.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use foldhash::fast::RandomState;

use crate::catalog::{Catalog, Control, Scope};
use crate::device::Device;
use crate::risk::RiskLevel;

use super::{Answer, Response, Target};

/// Every stored answer of a workbook, indexed by target for quick lookups.
#[derive(Debug, Default, Clone)]
pub struct AnswerSet {
    by_target: HashMap<TargetKey, Answers, RandomState>,
}

/// The answers stored on one target, sorted by control ID (a few dozen at most: a sorted vector
/// is a third of the memory of a hash map of them, and as quick to search). Shared with the
/// register's findings ([`SharedAnswer`]); a change copies the list when a finding still holds
/// it.
#[derive(Debug, Default, Clone)]
struct Answers(Arc<Vec<Answer>>);

/// A stored answer shared with the [`AnswerSet`] it was found in, not copied: the register of a
/// 10,000-device workbook holds about 80,000 findings, each with its answer (about 300 bytes
/// apiece as a copy, 16 as a share). Reads as an [`Answer`] (`Deref`).
#[derive(Clone)]
pub struct SharedAnswer {
    list: Arc<Vec<Answer>>,
    index: usize,
}

impl SharedAnswer {
    /// An answer of its own (one not stored in a set, e.g. a vulnerability finding's).
    pub fn new(answer: Answer) -> SharedAnswer {
        SharedAnswer {
            list: Arc::new(vec![answer]),
            index: 0,
        }
    }
}

impl std::ops::Deref for SharedAnswer {
    type Target = Answer;

    fn deref(&self) -> &Answer {
        // The list never changes while shared, so the index stays valid; the empty answer is
        // a fallback that cannot be reached.
        static EMPTY: LazyLock<Answer> = LazyLock::new(Answer::default);
        self.list.get(self.index).unwrap_or(&EMPTY)
    }
}

impl std::fmt::Debug for SharedAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl PartialEq for SharedAnswer {
    fn eq(&self, other: &SharedAnswer) -> bool {
        **self == **other
    }
}

impl Answers {
    fn position(&self, control_id: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|a| a.control_id.as_str().cmp(control_id))
    }

    fn get(&self, control_id: &str) -> Option<&Answer> {
        self.position(control_id).ok().and_then(|i| self.0.get(i))
    }

    fn insert(&mut self, answer: Answer) {
        match self.position(&answer.control_id) {
            Ok(i) => {
                if let Some(slot) = Arc::make_mut(&mut self.0).get_mut(i) {
                    *slot = answer;
                }
            }
            Err(i) => Arc::make_mut(&mut self.0).insert(i, answer),
        }
    }

    fn remove(&mut self, control_id: &str) {
        if let Ok(i) = self.position(control_id) {
            Arc::make_mut(&mut self.0).remove(i);
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn values(&self) -> std::slice::Iter<'_, Answer> {
        self.0.iter()
    }
}

/// Builds an [`AnswerSet`] from many answers at once (a workbook's 420,000), quicker and
/// tighter than inserting them one by one: each target's answers are sorted once at the end.
#[derive(Debug, Default)]
pub struct AnswerSetBuilder {
    by_target: HashMap<TargetKey, Vec<Answer>, RandomState>,
    /// Room made for a device's answers when its first one comes (0 = grow as needed).
    device_room: usize,
}

impl AnswerSetBuilder {
    /// A builder that makes room for each device's answers to the catalog's device-scoped
    /// controls at once: a fully assessed device's list then never grows by doubling (42
    /// answers in a list grown to 64 would hold 22 empty places, about 50 MB on a
    /// 10,000-device workbook while loading). Lists are trimmed to size by [`Self::finish`].
    pub fn for_catalog(catalog: &Catalog) -> AnswerSetBuilder {
        AnswerSetBuilder {
            by_target: HashMap::default(),
            device_room: catalog
                .controls()
                .filter(|c| c.scope == Scope::Device)
                .count(),
        }
    }

    /// Adds a stored answer; a later one for the same target and control replaces an earlier
    /// one, as [`AnswerSet::insert`] does.
    pub fn add(&mut self, target: &Target, answer: Answer) {
        self.by_target
            .entry(TargetKey::of(target))
            .or_insert_with(|| match target {
                Target::Device(_) => Vec::with_capacity(self.device_room),
                _ => Vec::new(),
            })
            .push(answer);
    }

    /// The set of the answers added.
    pub fn finish(self) -> AnswerSet {
        let by_target = self
            .by_target
            .into_iter()
            .map(|(k, mut list)| {
                // Stable: of equal control IDs the last added comes last, and is kept (moved
                // into the place of the first before the duplicates are dropped).
                list.sort_by(|a, b| a.control_id.cmp(&b.control_id));
                list.dedup_by(|later, kept| {
                    let same = later.control_id == kept.control_id;
                    if same {
                        std::mem::swap(later, kept);
                    }
                    same
                });
                list.shrink_to_fit();
                (k, Answers(Arc::new(list)))
            })
            .collect();
        AnswerSet { by_target }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum TargetKey {
    Device(i64),
    Model(String),
    Site(String),
}

impl TargetKey {
    fn of(target: &Target) -> TargetKey {
        match target {
            Target::Device(id) => TargetKey::Device(*id),
            Target::Model {
                manufacturer,
                model,
            } => TargetKey::Model(model_key(manufacturer, model)),
            Target::Site(s) => TargetKey::Site(s.trim().to_lowercase()),
        }
    }
}

/// The case-insensitive key of a manufacturer + model, as stored: both lower-cased, joined by
/// U+001F (a separator no name holds, so `A/B` + `C` and `A` + `B/C` stay two models).
pub fn model_key(manufacturer: &str, model: &str) -> String {
    format!("{}\u{1f}{}", manufacturer.trim(), model.trim()).to_lowercase()
}

/// The model target of a device, when it has both a manufacturer and a model; otherwise model
/// controls are answered on the device itself.
pub fn model_target(device: &Device) -> Option<Target> {
    let (m, n) = (device.get("manufacturer"), device.get("model"));
    (!m.is_empty() && !n.is_empty()).then(|| Target::Model {
        manufacturer: m.to_string(),
        model: n.to_string(),
    })
}

/// The site target of a device (`""` = the default site).
pub fn site_target(device: &Device) -> Target {
    Target::Site(device.get("site").to_string())
}

/// Where the answer shown for a device came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Answered on the device itself.
    Device,
    /// Answered on the device, overriding its model's answer.
    DeviceOverride,
    /// Inherited from the device's model.
    Model,
    /// Shown from the device's site.
    Site,
}

/// The answer that applies to one device for one control, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Effective<'a> {
    /// The answer, if any was given.
    pub answer: Option<&'a Answer>,
    /// Where it is (or would be) stored.
    pub origin: Origin,
}

impl AnswerSet {
    /// Adds (or replaces) a stored answer.
    pub fn insert(&mut self, target: &Target, answer: Answer) {
        self.by_target
            .entry(TargetKey::of(target))
            .or_default()
            .insert(answer);
    }

    /// Every stored answer, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Answer> {
        self.by_target.values().flat_map(|m| m.values())
    }

    /// Forgets the answer stored on exactly this target for this control (and the target, once
    /// it has none left: a model or site with no device and no answer has no rows).
    pub fn remove(&mut self, target: &Target, control_id: &str) {
        let key = TargetKey::of(target);
        if let Some(m) = self.by_target.get_mut(&key) {
            m.remove(control_id);
            if m.is_empty() {
                self.by_target.remove(&key);
            }
        }
    }

    /// The answer stored on exactly this target for this control.
    pub fn get(&self, target: &Target, control_id: &str) -> Option<&Answer> {
        self.by_target
            .get(&TargetKey::of(target))
            .and_then(|m| m.get(control_id))
    }

    /// Every answer stored on exactly this target, in no particular order.
    pub fn stored_on(&self, target: &Target) -> impl Iterator<Item = &Answer> {
        self.by_target
            .get(&TargetKey::of(target))
            .into_iter()
            .flat_map(|m| m.values())
    }

    /// [`AnswerSet::stored_on`] as shares of the stored answers (no copies).
    pub fn shared_on(&self, target: &Target) -> impl Iterator<Item = SharedAnswer> + '_ {
        self.by_target
            .get(&TargetKey::of(target))
            .into_iter()
            .flat_map(|m| {
                (0..m.0.len()).map(|index| SharedAnswer {
                    list: Arc::clone(&m.0),
                    index,
                })
            })
    }

    /// The target of a model or site key as [`AnswerSet::scope_keys`] gives it (a model's
    /// manufacturer and model split at U+001F), spelled as the key: what a model or site with
    /// answers but no device is called.
    pub fn key_target(scope: Scope, key: &str) -> Target {
        match scope {
            Scope::Model => {
                let (m, n) = key.split_once('\u{1f}').unwrap_or((key, ""));
                Target::Model {
                    manufacturer: m.to_string(),
                    model: n.to_string(),
                }
            }
            _ => Target::Site(key.to_string()),
        }
    }

    /// The models and sites that have stored answers, as their case-insensitive keys: a model's
    /// is [`model_key`] (manufacturer and model lower-cased, joined by U+001F), a site's its
    /// trimmed, lower-cased name (`""` = the default site).
    pub fn scope_keys(&self) -> impl Iterator<Item = (Scope, &str)> {
        self.by_target.keys().filter_map(|k| match k {
            TargetKey::Device(_) => None,
            TargetKey::Model(m) => Some((Scope::Model, m.as_str())),
            TargetKey::Site(s) => Some((Scope::Site, s.as_str())),
        })
    }

    /// The answer that applies to `device` for `control` (PRODUCT.md "Scopes"): device controls
    /// on the device; model controls on the device when it overrides, else on its model; site
    /// controls on its site. For many controls of one device, [`AnswerSet::for_device`] looks
    /// the device's model and site up once.
    pub fn effective<'a>(&'a self, device: &Device, control: &Control) -> Effective<'a> {
        self.for_device(device).effective(control)
    }

    /// The answers that can apply to `device` (its own, its model's, its site's), looked up
    /// once, for [`DeviceAnswers::effective`] on each control.
    pub fn for_device<'a>(&'a self, device: &Device) -> DeviceAnswers<'a> {
        let model = model_target(device);
        DeviceAnswers {
            own: self.by_target.get(&TargetKey::Device(device.id)),
            has_model: model.is_some(),
            model: model.and_then(|m| self.by_target.get(&TargetKey::of(&m))),
            site: self.by_target.get(&TargetKey::of(&site_target(device))),
        }
    }
}

/// The stored answers that can apply to one device ([`AnswerSet::for_device`]).
#[derive(Debug, Clone, Copy)]
pub struct DeviceAnswers<'a> {
    own: Option<&'a Answers>,
    /// The device has a manufacturer and a model (so model controls are answered on the model
    /// unless it overrides).
    has_model: bool,
    model: Option<&'a Answers>,
    site: Option<&'a Answers>,
}

impl<'a> DeviceAnswers<'a> {
    /// The answer that applies for `control`, as [`AnswerSet::effective`].
    pub fn effective(&self, control: &Control) -> Effective<'a> {
        let get = |m: Option<&'a Answers>| m.and_then(|m| m.get(&control.id));
        let own = get(self.own);
        match control.scope {
            Scope::Device => Effective {
                answer: own,
                origin: Origin::Device,
            },
            Scope::Model => match (own, self.has_model) {
                (Some(a), true) => Effective {
                    answer: Some(a),
                    origin: Origin::DeviceOverride,
                },
                (_, true) => Effective {
                    answer: get(self.model),
                    origin: Origin::Model,
                },
                (own, false) => Effective {
                    answer: own,
                    origin: Origin::Device,
                },
            },
            Scope::Site => Effective {
                answer: get(self.site),
                origin: Origin::Site,
            },
        }
    }
}

/// Counts of one device's (or one step's) responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepProgress {
    /// Controls that apply.
    pub applicable: usize,
    /// Yes.
    pub yes: usize,
    /// Partial.
    pub partial: usize,
    /// No.
    pub no: usize,
    /// N/A.
    pub na: usize,
    /// Unknown.
    pub unknown: usize,
}

impl StepProgress {
    /// Controls with a confirmed response.
    pub fn assessed(&self) -> usize {
        self.yes + self.partial + self.no + self.na + self.unknown
    }

    /// Percent assessed, 0–100 (rounded down).
    pub fn percent(&self) -> usize {
        (self.assessed() * 100)
            .checked_div(self.applicable)
            .unwrap_or(0)
    }

    /// Controls without a confirmed response.
    pub fn not_assessed(&self) -> usize {
        self.applicable.saturating_sub(self.assessed())
    }

    /// The count of one response.
    pub fn count(&self, r: Response) -> usize {
        match r {
            Response::Yes => self.yes,
            Response::Partial => self.partial,
            Response::No => self.no,
            Response::NotApplicable => self.na,
            Response::Unknown => self.unknown,
        }
    }

    /// Compliance as a fraction: (Yes + 0.5 × Partial) ÷ (Yes + Partial + No), computed in the
    /// order of the `Summary` sheet formula; `None` when the divisor is 0 (TEMPLATE.md "Summary").
    pub fn compliance_ratio(&self) -> Option<f64> {
        let d = self.yes + self.partial + self.no;
        (d > 0).then(|| (self.yes as f64 + 0.5 * self.partial as f64) / d as f64)
    }

    /// Compliance %, 0–100: [`StepProgress::compliance_ratio`] × 100.
    pub fn compliance(&self) -> Option<f64> {
        self.compliance_ratio().map(|r| r * 100.0)
    }

    /// Coverage as a fraction: (assessed − Unknown) ÷ applicable; `None` when nothing applies
    /// (TEMPLATE.md "Summary").
    pub fn coverage(&self) -> Option<f64> {
        (self.applicable > 0)
            .then(|| (self.assessed() - self.unknown) as f64 / self.applicable as f64)
    }

    /// The sum of two tallies (for totals over steps or devices).
    pub fn plus(&self, o: &StepProgress) -> StepProgress {
        StepProgress {
            applicable: self.applicable + o.applicable,
            yes: self.yes + o.yes,
            partial: self.partial + o.partial,
            no: self.no + o.no,
            na: self.na + o.na,
            unknown: self.unknown + o.unknown,
        }
    }

    /// These counts less `o`'s (each at least 0): what is left when `o`'s rows are taken out.
    pub fn minus(&self, o: &StepProgress) -> StepProgress {
        StepProgress {
            applicable: self.applicable.saturating_sub(o.applicable),
            yes: self.yes.saturating_sub(o.yes),
            partial: self.partial.saturating_sub(o.partial),
            no: self.no.saturating_sub(o.no),
            na: self.na.saturating_sub(o.na),
            unknown: self.unknown.saturating_sub(o.unknown),
        }
    }

    /// Counts one applicable control with its confirmed response (`None` = not assessed).
    pub fn add(&mut self, response: Option<Response>) {
        self.applicable += 1;
        match response {
            Some(Response::Yes) => self.yes += 1,
            Some(Response::Partial) => self.partial += 1,
            Some(Response::No) => self.no += 1,
            Some(Response::NotApplicable) => self.na += 1,
            Some(Response::Unknown) => self.unknown += 1,
            None => {}
        }
    }
}

/// One device's progress: per step and in total, and its highest open risk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceProgress {
    /// The 8 steps in order.
    pub steps: Vec<StepProgress>,
    /// All steps together.
    pub total: StepProgress,
    /// The highest level of the device's OPEN findings (its own, its model's and its site's).
    /// [`progress`] leaves it `None`: the register knows which findings are open, so it is
    /// filled by [`crate::risk::register::fill_highest_risk`].
    pub highest_risk: Option<RiskLevel>,
    /// The latest assessed-at of the device's answers, with who gave it.
    pub last_assessed: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

/// The effective answers of a device, one per control in catalog order.
pub fn effective_answers<'a>(
    catalog: &'a Catalog,
    answers: &'a AnswerSet,
    device: &Device,
) -> Vec<(&'a Control, Effective<'a>)> {
    let view = answers.for_device(device);
    catalog.controls().map(|c| (c, view.effective(c))).collect()
}

/// Computes a device's progress over the catalog.
pub fn progress(catalog: &Catalog, answers: &AnswerSet, device: &Device) -> DeviceProgress {
    let mut out = DeviceProgress::default();
    let view = answers.for_device(device);
    for step in &catalog.steps {
        let mut sp = StepProgress::default();
        for control in &step.controls {
            let eff = view.effective(control);
            let answer = eff.answer;
            sp.add(answer.and_then(Answer::confirmed_response));
            if let Some(a) = answer.filter(|a| a.is_assessed())
                && let Some(at) = a.assessed_at
                && out.last_assessed.as_ref().is_none_or(|(t, _)| at > *t)
            {
                out.last_assessed = Some((at, a.assessed_by.to_string()));
            }
        }
        out.total = out.total.plus(&sp);
        out.steps.push(sp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    fn answer(control: &str, r: Response) -> Answer {
        Answer {
            control_id: control.into(),
            response: Some(r),
            ..Answer::default()
        }
    }

    #[test]
    fn a_built_set_keeps_the_last_answer_of_each_control_and_finds_every_one() {
        let mut b = AnswerSetBuilder::default();
        let mut by_hand = AnswerSet::default();
        let site = Target::Site(" Main ".into());
        let rows = [
            (Target::Device(1), answer("NET-03", Response::No)),
            (Target::Device(1), answer("ENC-01", Response::Yes)),
            (Target::Device(2), answer("ENC-01", Response::Partial)),
            (site.clone(), answer("IR-01", Response::Unknown)),
            (Target::Device(1), answer("NET-03", Response::Yes)),
            (Target::Device(1), answer("AC-01", Response::No)),
        ];
        for (t, a) in rows {
            b.add(&t, a.clone());
            by_hand.insert(&t, a);
        }
        let built = b.finish();
        for (t, id, want) in [
            (Target::Device(1), "NET-03", Some(Response::Yes)),
            (Target::Device(1), "ENC-01", Some(Response::Yes)),
            (Target::Device(1), "AC-01", Some(Response::No)),
            (Target::Device(2), "ENC-01", Some(Response::Partial)),
            (
                Target::Site("main".into()),
                "IR-01",
                Some(Response::Unknown),
            ),
            (Target::Device(2), "NET-03", None),
        ] {
            assert_eq!(
                built.get(&t, id).and_then(|a| a.response),
                want,
                "{t:?} {id}"
            );
            assert_eq!(
                by_hand.get(&t, id).and_then(|a| a.response),
                want,
                "{t:?} {id}"
            );
        }
        assert_eq!(built.stored_on(&Target::Device(1)).count(), 3);
        assert_eq!(built.iter().count(), 5);
    }

    #[test]
    fn model_and_site_answers_are_inherited_and_overridable() {
        let cat = catalog();
        let mut d = Device {
            id: 7,
            ..Device::default()
        };
        d.values.insert("manufacturer".into(), "Dräger".into());
        d.values.insert("model".into(), "Evita V500".into());
        let mut set = AnswerSet::default();
        let model = Target::Model {
            manufacturer: "DRÄGER".into(),
            model: "evita v500".into(),
        };
        set.insert(&model, answer("INV-03", Response::No));
        set.insert(&Target::Site(String::new()), answer("IR-01", Response::Yes));
        let inv03 = cat.control("INV-03").expect("catalog has INV-03");
        let eff = set.effective(&d, inv03);
        assert_eq!(eff.origin, Origin::Model);
        assert_eq!(eff.answer.and_then(|a| a.response), Some(Response::No));
        set.insert(&Target::Device(7), answer("INV-03", Response::Yes));
        let eff = set.effective(&d, inv03);
        assert_eq!(eff.origin, Origin::DeviceOverride);
        assert_eq!(eff.answer.and_then(|a| a.response), Some(Response::Yes));

        let p = progress(cat, &set, &d);
        assert_eq!(p.total.applicable, 72);
        assert_eq!(p.total.assessed(), 2);
        assert_eq!(p.total.compliance(), Some(100.0));
    }

    #[test]
    fn suggestions_do_not_count() {
        let cat = catalog();
        let d = Device {
            id: 1,
            ..Device::default()
        };
        let mut set = AnswerSet::default();
        let mut a = answer("ENC-01", Response::No);
        a.suggested = Some("MDS2 (unconfirmed)".into());
        set.insert(&Target::Device(1), a);
        assert_eq!(progress(cat, &set, &d).total.assessed(), 0);
    }
}
