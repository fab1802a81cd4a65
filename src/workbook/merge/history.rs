//! Who changed what since two copies diverged, read from their audit chains.
//!
//! Entries present in both chains (same `entry_id`) are the common history; an entry in one
//! chain only is that side's change since they diverged. A side changed a field (row key +
//! column) when its own entries name it and its current value differs both from the value the
//! field had when its own entries first touched it (so a change set back, e.g. by an undo, does
//! not count) and from the last value the common history gave it (so a value a previous merge
//! took from the other side does not count as this side's change). An entry too large to
//! itemise (field `*`) counts as changing every field of its entity.
//!
//! An undone merge is not history: when ours' chain holds a `merge` entry later undone (an
//! `undo` entry `undo: merge FILE (...)` with no `redo: merge ...` after it), the merge entry and
//! its undo are not ours' changes, and the entries that merge brought in (after ours' first N
//! entries, N as the merge entry's summary says, up to the merge entry) count as theirs' own
//! again — so merging the same copy after an undo takes theirs' changes as the first merge did.
//! The undo and redo entries of a merge redone are not ours' changes either (they cancel out).
//! The `continued` entries that carry a large merge's rows on count with their merge entry.
//! A field that undo set back and that neither side changed otherwise (e.g. `deleted_at` of a
//! device the merge had added) takes theirs' value again.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::super::audit::{AuditEntry, audit_value};
use super::rows::same;

/// A field: (row key, column).
pub(super) type FieldId = (String, String);

/// One side's own changes since the copies diverged.
#[derive(Debug, Default)]
pub(super) struct SideChanges {
    /// The value each field had before the side's first own entry that changed it.
    first_old: HashMap<FieldId, Value>,
    /// Who last changed each field on this side, and when (RFC 3339 UTC).
    last: HashMap<FieldId, (String, String)>,
    /// Entities (`answer`, `device`, ...) an entry too large to itemise changed wholesale.
    whole: HashSet<String>,
    /// Row keys the side's own entries name.
    keys: HashSet<String>,
}

impl SideChanges {
    fn add(&mut self, entry: &AuditEntry, map_key: &dyn Fn(&str, Option<&str>) -> String) {
        for c in &entry.changes {
            if c.field == "*" {
                self.whole.insert(c.entity.clone());
                continue;
            }
            let key = map_key(&c.key, c.device.as_deref());
            self.keys.insert(key.clone());
            let id = (key, c.field.clone());
            self.first_old
                .entry(id.clone())
                .or_insert_with(|| c.old.clone());
            self.last
                .insert(id, (entry.actor.clone(), entry.at.clone()));
        }
    }

    /// Whether this side changed the field, given its current value (see the module doc).
    pub(super) fn changed(
        &self,
        entity: &str,
        id: &FieldId,
        current: &Value,
        common: &HashMap<FieldId, Value>,
    ) -> bool {
        if self.whole.contains(entity) {
            return true;
        }
        let Some(first) = self.first_old.get(id) else {
            return false;
        };
        let now = audit_value(Some(current));
        if same(&now, first) {
            return false;
        }
        !common.get(id).is_some_and(|base| same(&now, base))
    }

    /// Whether this side's own entries name the row (e.g. it removed an answer).
    pub(super) fn names_row(&self, entity: &str, key: &str) -> bool {
        self.whole.contains(entity) || self.keys.contains(key)
    }

    /// Who last changed the field on this side, and when.
    pub(super) fn last(&self, id: &FieldId) -> Option<&(String, String)> {
        self.last.get(id)
    }
}

/// Ours' entries that are not ours' changes (merges undone, with their undo and redo entries)
/// and the entries that undone merges brought in (see the module doc).
fn undone_merges(ours: &[AuditEntry]) -> (HashSet<&str>, HashSet<&str>) {
    // (index of the merge entry, undone now, its undo/redo entries)
    let mut merges: Vec<(usize, bool, Vec<&str>)> = Vec::new();
    for (i, e) in ours.iter().enumerate() {
        match e.action.as_str() {
            "merge" => merges.push((i, false, Vec::new())),
            "undo" if e.summary.starts_with("undo: merge ") => {
                if let Some(m) = merges.iter_mut().rev().find(|m| !m.1) {
                    m.1 = true;
                    m.2.push(&e.entry_id);
                }
            }
            "redo" if e.summary.starts_with("redo: merge ") => {
                if let Some(m) = merges.iter_mut().rev().find(|m| m.1) {
                    m.1 = false;
                    m.2.push(&e.entry_id);
                }
            }
            _ => {}
        }
    }
    let mut skip = HashSet::new();
    let mut brought = HashSet::new();
    for (i, undone, travels) in merges {
        skip.extend(travels);
        if !undone {
            continue;
        }
        let Some(m) = ours.get(i) else { continue };
        skip.insert(m.entry_id.as_str());
        // A large merge's rows carry on in `continued` entries right after it.
        for c in ours[i + 1..]
            .iter()
            .take_while(|e| e.action == super::super::audit::CONTINUED)
        {
            skip.insert(c.entry_id.as_str());
        }
        // `merge FILE (N changes): ours A entries head ...`: ours had A entries before it.
        let before = m
            .summary
            .split("): ours ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse::<i64>().ok());
        if let Some(a) = before {
            for e in ours.iter().filter(|e| e.seq > a && e.seq < m.seq) {
                brought.insert(e.entry_id.as_str());
            }
        }
    }
    (skip, brought)
}

/// Both sides' changes since they diverged.
#[derive(Debug, Default)]
pub(super) struct History {
    /// The copies share a workbook ID (else there is no common base).
    pub related: bool,
    /// The last value the common history gave each field.
    pub common: HashMap<FieldId, Value>,
    pub ours: SideChanges,
    pub theirs: SideChanges,
    /// Theirs' entries that ours lacks, in theirs' order (to be appended to ours' chain).
    pub to_append: Vec<AuditEntry>,
    /// Fields the undo of an undone merge set back (e.g. `deleted_at` of a device the merge had
    /// added): where neither side changed one, theirs' value is taken, as the merge had it.
    pub undone: HashSet<FieldId>,
}

impl History {
    /// Reads both chains. `map_theirs` turns a key of theirs (and the change's device UUID)
    /// into ours' key (devices matched by serial, asset tag or MAC have another UUID in ours).
    pub(super) fn read(
        ours: &[AuditEntry],
        theirs: &[AuditEntry],
        related: bool,
        map_theirs: &dyn Fn(&str, Option<&str>) -> String,
    ) -> History {
        let ours_ids: HashSet<&str> = ours.iter().map(|e| e.entry_id.as_str()).collect();
        let theirs_ids: HashSet<&str> = theirs.iter().map(|e| e.entry_id.as_str()).collect();
        let mut h = History {
            related,
            ..History::default()
        };
        let same_key = |k: &str, _: Option<&str>| k.to_string();
        let (skip, brought) = undone_merges(ours);
        for e in ours {
            let id = e.entry_id.as_str();
            if skip.contains(id) {
                if e.action == "undo" {
                    for c in e.changes.iter().filter(|c| c.field != "*") {
                        h.undone.insert((c.key.clone(), c.field.clone()));
                    }
                }
                continue;
            }
            if brought.contains(id) && theirs_ids.contains(id) {
                continue;
            }
            if theirs_ids.contains(e.entry_id.as_str()) && related {
                for c in e.changes.iter().filter(|c| c.field != "*") {
                    h.common
                        .insert((c.key.clone(), c.field.clone()), c.new.clone());
                }
            } else {
                h.ours.add(e, &same_key);
            }
        }
        for e in theirs {
            if ours_ids.contains(e.entry_id.as_str())
                && related
                && !brought.contains(e.entry_id.as_str())
            {
                continue;
            }
            if !ours_ids.contains(e.entry_id.as_str()) {
                h.to_append.push(e.clone());
            }
            h.theirs.add(e, map_theirs);
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbook::AuditChange;

    fn entry(id: &str, key: &str, field: &str, old: &str, new: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            entry_id: id.into(),
            at: "2026-01-01T00:00:00Z".into(),
            actor: format!("actor of {id}"),
            action: "change".into(),
            summary: String::new(),
            changes: vec![AuditChange {
                entity: "answer".into(),
                key: key.into(),
                subject: String::new(),
                device: None,
                control: None,
                field: field.into(),
                old: old.into(),
                new: new.into(),
            }],
            origin: "w".into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn id(k: &str, f: &str) -> FieldId {
        (k.to_string(), f.to_string())
    }

    #[test]
    fn a_side_that_set_a_field_back_did_not_change_it() {
        let ours = vec![
            entry("c", "k", "response", "", "Yes"),
            entry("o1", "k", "response", "Yes", "No"),
            entry("o2", "k", "response", "No", "Yes"),
        ];
        let theirs = vec![entry("c", "k", "response", "", "Yes")];
        let h = History::read(&ours, &theirs, true, &|k, _| k.to_string());
        assert!(h.to_append.is_empty());
        let f = id("k", "response");
        assert!(!h.ours.changed("answer", &f, &"Yes".into(), &h.common));
        assert!(h.ours.changed("answer", &f, &"No".into(), &h.common));
        assert!(!h.theirs.changed("answer", &f, &"Yes".into(), &h.common));
    }

    #[test]
    fn a_value_taken_by_an_earlier_merge_is_not_ours() {
        // Theirs' t1 was brought in by a merge (m); then theirs changed the field again (t2).
        let mut merge = entry("m", "k", "note", "a", "b");
        merge.action = "merge".into();
        let ours = vec![entry("t1", "k", "note", "a", "b"), merge];
        let theirs = vec![
            entry("t1", "k", "note", "a", "b"),
            entry("t2", "k", "note", "b", "c"),
        ];
        let h = History::read(&ours, &theirs, true, &|k, _| k.to_string());
        let f = id("k", "note");
        assert!(!h.ours.changed("answer", &f, &"b".into(), &h.common));
        assert!(h.theirs.changed("answer", &f, &"c".into(), &h.common));
        assert_eq!(h.to_append.len(), 1);
    }

    #[test]
    fn an_undone_merge_is_not_history_and_what_it_brought_is_theirs_again() {
        let mut ours = vec![
            entry("c", "k", "note", "", "a"),
            entry("t1", "k", "note", "a", "b"),
            entry("m", "k", "note", "a", "b"),
            entry("u", "k", "note", "b", "a"),
        ];
        for (seq, e) in (1..).zip(ours.iter_mut()) {
            e.seq = seq;
        }
        ours[2].action = "merge".into();
        ours[2].summary =
            "merge b.medsec (1 changes): ours 1 entries head x + theirs 2 entries head y".into();
        ours[3].action = "undo".into();
        ours[3].summary = "undo: merge b.medsec (1 changes)".into();
        let theirs = vec![
            entry("c", "k", "note", "", "a"),
            entry("t1", "k", "note", "a", "b"),
        ];
        let h = History::read(&ours, &theirs, true, &|k, _| k.to_string());
        let f = id("k", "note");
        assert!(!h.ours.changed("answer", &f, &"a".into(), &h.common));
        assert!(h.theirs.changed("answer", &f, &"b".into(), &h.common));
        assert!(h.to_append.is_empty(), "ours holds t1 already");
        assert!(h.undone.contains(&f));
        // Redone: the merge stands; its undo and redo are nobody's change.
        let mut redo = ours[3].clone();
        redo.entry_id = "r".into();
        redo.seq = 5;
        redo.action = "redo".into();
        redo.summary = "redo: merge b.medsec (1 changes)".into();
        redo.changes[0].old = "a".into();
        redo.changes[0].new = "b".into();
        ours.push(redo);
        let h = History::read(&ours, &theirs, true, &|k, _| k.to_string());
        assert!(!h.theirs.changed("answer", &f, &"b".into(), &h.common));
        assert!(!h.ours.changed("answer", &f, &"b".into(), &h.common));
    }

    #[test]
    fn unrelated_chains_share_no_history() {
        let ours = vec![entry("x", "k", "note", "", "a")];
        let theirs = vec![entry("x", "k", "note", "", "a")];
        let h = History::read(&ours, &theirs, false, &|k, _| k.to_string());
        assert!(h.common.is_empty());
        assert!(h.to_append.is_empty());
    }

    #[test]
    fn an_entry_too_large_to_itemise_changes_its_whole_entity() {
        let mut big = entry("b", "", "*", "", "");
        big.changes[0].entity = "device".into();
        let h = History::read(&[], &[big], true, &|k, _| k.to_string());
        assert!(
            h.theirs
                .changed("device", &id("device:u", "name"), &"x".into(), &h.common)
        );
        assert!(
            !h.theirs
                .changed("answer", &id("k", "note"), &"x".into(), &h.common)
        );
    }
}
