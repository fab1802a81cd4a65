//! TEMPORARY: stand-ins for the workbook API being built on branch issue3-store (removed at
//! the merge).
#![allow(dead_code, missing_docs)]
use crate::assessment::{Answer, Target};
use crate::catalog::Control;
use crate::workbook::{AnswerInput, Workbook, WorkbookError};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskEntryInput {
    pub owner: Option<String>,
    pub due_date: Option<Option<chrono::NaiveDate>>,
    pub status: Option<RiskStatus>,
}
pub struct ChangeStep {
    pub label: String,
}
pub struct BulkPreview {
    pub targets: usize,
    pub overwritten: Vec<(Target, Answer)>,
}
pub trait PendingApi {
    fn undo(&mut self) -> Result<Option<ChangeStep>, WorkbookError>;
    fn redo(&mut self) -> Result<Option<ChangeStep>, WorkbookError>;
    fn preview_bulk(
        &self,
        t: &[Target],
        c: &Control,
        i: &AnswerInput,
    ) -> Result<BulkPreview, WorkbookError>;
    fn set_answers_bulk(
        &mut self,
        t: &[Target],
        c: &Control,
        i: &AnswerInput,
        l: &str,
    ) -> Result<Vec<Answer>, WorkbookError>;
    fn risk_entries(&self) -> Result<Vec<(Target, String, RiskEntry)>, WorkbookError>;
    fn set_risk_entry(
        &mut self,
        t: &Target,
        c: &str,
        i: &RiskEntryInput,
    ) -> Result<RiskEntry, WorkbookError>;
}
impl PendingApi for Workbook {
    fn undo(&mut self) -> Result<Option<ChangeStep>, WorkbookError> {
        Ok(None)
    }
    fn redo(&mut self) -> Result<Option<ChangeStep>, WorkbookError> {
        Ok(None)
    }
    fn preview_bulk(
        &self,
        t: &[Target],
        _: &Control,
        _: &AnswerInput,
    ) -> Result<BulkPreview, WorkbookError> {
        Ok(BulkPreview {
            targets: t.len(),
            overwritten: vec![],
        })
    }
    fn set_answers_bulk(
        &mut self,
        _: &[Target],
        _: &Control,
        _: &AnswerInput,
        _: &str,
    ) -> Result<Vec<Answer>, WorkbookError> {
        Ok(vec![])
    }
    fn risk_entries(&self) -> Result<Vec<(Target, String, RiskEntry)>, WorkbookError> {
        Ok(vec![])
    }
    fn set_risk_entry(
        &mut self,
        _: &Target,
        _: &str,
        _: &RiskEntryInput,
    ) -> Result<RiskEntry, WorkbookError> {
        Err(WorkbookError::Invalid(
            "the risk register is not stored yet".into(),
        ))
    }
}

/// Stand-in for `crate::risk::RiskStatus` (issue3-store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum RiskStatus {
    #[default]
    Open,
    InProgress,
    Closed,
}
impl RiskStatus {
    pub const ALL: [RiskStatus; 3] = [RiskStatus::Open, RiskStatus::InProgress, RiskStatus::Closed];
    pub fn label(self) -> &'static str {
        match self {
            RiskStatus::Open => "Open",
            RiskStatus::InProgress => "In Progress",
            RiskStatus::Closed => "Closed",
        }
    }
    pub fn is_open(self) -> bool {
        self != RiskStatus::Closed
    }
}
/// Stand-in for `crate::workbook::RiskEntry` (issue3-store).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskEntry {
    pub owner: String,
    pub due_date: Option<chrono::NaiveDate>,
    pub status: RiskStatus,
}
