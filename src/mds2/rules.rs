//! The MDS2 prefill rules as data (CATALOG.md "MDS2 prefill rules", extended to the other
//! controls with an MDS2 reference where a sound rule exists).
//!
//! An MDS2 states what the *model* can do, never how a unit is configured, so:
//! - a `No` for the capability a control needs suggests `No`;
//! - a `Yes` suggests `Unknown` with the note "capability claimed by the manufacturer – verify
//!   on site", except for pure capabilities of the model (ENC-04, ENC-08, PATCH-05), where it
//!   suggests `Yes`;
//! - an `N/A` (or no PHI at all, MPII-1 = No) suggests `N/A` with the note `MDS2 <ID> = <answer>`;
//! - site-scoped controls are never prefilled (none is listed here).
//!
//! Each rule is a list of clauses tried in order; the first whose condition holds gives the
//! suggestion. A condition cites MDS2 questions; a question the form lacks (or answers Blank,
//! Hidden, See Note or with free text) makes the condition false.

use super::{Mds2Answer, Mds2Document};
use crate::assessment::Response;

/// The answer a condition asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// `Yes`.
    Yes,
    /// `No`.
    No,
    /// `N/A`.
    NA,
    /// `No` or `N/A` (the capability is absent or does not apply).
    NoOrNA,
}

impl Want {
    fn holds(self, a: &Mds2Answer) -> bool {
        match self {
            Want::Yes => *a == Mds2Answer::Yes,
            Want::No => *a == Mds2Answer::No,
            Want::NA => *a == Mds2Answer::NA,
            Want::NoOrNA => matches!(a, Mds2Answer::No | Mds2Answer::NA),
        }
    }
}

/// When a clause applies: every listed answer (`All`) or at least one (`Any`).
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// Every (question, answer) holds.
    All(&'static [(&'static str, Want)]),
    /// At least one (question, answer) holds.
    Any(&'static [(&'static str, Want)]),
}

/// One clause of a rule: a condition and the suggestion it gives.
#[derive(Debug, Clone, Copy)]
pub struct Clause {
    /// The condition.
    pub when: When,
    /// The suggested response.
    pub suggest: Response,
    /// What to verify or why, appended to the note (may be empty).
    pub note: &'static str,
}

/// The prefill rule of one control.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The control, e.g. `ENC-01`.
    pub control: &'static str,
    /// Why the rule is sound (shown by `--dry-run` and kept for review).
    pub reason: &'static str,
    /// Tried in order; the first that holds gives the suggestion.
    pub clauses: &'static [Clause],
}

use Response::{No as N, NotApplicable as Na, Unknown as U, Yes as Y};
use Want::{NA as WNA, No as WNo, NoOrNA as WNoOrNA, Yes as WYes};

const fn c(when: When, suggest: Response, note: &'static str) -> Clause {
    Clause {
        when,
        suggest,
        note,
    }
}

/// No PHI at all (MPII-1 = No): the PHI controls do not apply.
const NO_PHI: Clause = c(When::All(&[("MPII-1", WNo)]), Na, "");

/// Every prefill rule, in catalog order. No site-scoped control is listed (they are never
/// prefilled from one device's MDS2); INV-05 fills the inventory PHI fields instead
/// ([`super::plan`]).
pub const RULES: &[Rule] = &[
    Rule {
        control: "INV-03",
        reason: "CATALOG.md: SBOM-1 says whether the manufacturer makes an SBOM available; holding it is still to be checked",
        clauses: &[
            c(
                When::All(&[("SBOM-1", WNo)]),
                N,
                "no SBOM available from the manufacturer",
            ),
            c(
                When::All(&[("SBOM-1", WYes)]),
                U,
                "ask the manufacturer for it",
            ),
        ],
    },
    Rule {
        control: "VULN-07",
        reason: "CATALOG.md: anti-malware (MLDP-2) or allowlisting (MLDP-4) support; a device that cannot host software (MLDP-1 = No) needs neither",
        clauses: &[
            c(When::All(&[("MLDP-1", WNo)]), Na, ""),
            c(
                When::All(&[("MLDP-2", WNo), ("MLDP-4", WNo)]),
                N,
                "neither anti-malware nor allowlisting supported; record compensating controls under PATCH-08",
            ),
            c(
                When::Any(&[("MLDP-2", WYes), ("MLDP-4", WYes)]),
                U,
                "verify that it is installed and active",
            ),
        ],
    },
    Rule {
        control: "VULN-08",
        reason: "CATALOG.md: software integrity checking (SAHD-3) and blocking boot from removable media (SAHD-11)",
        clauses: &[
            c(
                When::Any(&[("SAHD-3", WNo), ("SAHD-11", WNo)]),
                N,
                "integrity checking or boot protection not supported",
            ),
            c(
                When::All(&[("SAHD-3", WYes), ("SAHD-11", WYes)]),
                U,
                "verify the boot order is locked",
            ),
        ],
    },
    Rule {
        control: "ENC-01",
        reason: "CATALOG.md: encryption at rest (STCF-1); no PHI at all (MPII-1 = No) makes it N/A",
        clauses: &[
            NO_PHI,
            c(When::All(&[("STCF-1", WNo)]), N, "no encryption at rest"),
            c(
                When::All(&[("STCF-1", WYes)]),
                U,
                "verify it is switched on",
            ),
        ],
    },
    Rule {
        control: "ENC-02",
        reason: "extension: STCF-2 says whether the keys can be changed; no encryption (STCF-2 = N/A) or no PHI makes it N/A",
        clauses: &[
            NO_PHI,
            c(When::All(&[("STCF-2", WNA)]), Na, ""),
            c(When::All(&[("STCF-2", WNo)]), N, "keys cannot be changed"),
            c(
                When::All(&[("STCF-2", WYes)]),
                U,
                "verify the keys were changed from the delivered ones",
            ),
        ],
    },
    Rule {
        control: "ENC-03",
        reason: "CATALOG.md: encryption before transmission (TXCF-2) or configurable encryption (TXCF-2.1); no PHI makes it N/A",
        clauses: &[
            NO_PHI,
            c(
                When::All(&[("TXCF-2", WNo), ("TXCF-2.1", WNo)]),
                N,
                "no encryption in transit",
            ),
            c(When::All(&[("TXCF-2", WYes)]), U, "verify TLS is in use"),
        ],
    },
    Rule {
        control: "ENC-04",
        reason: "CATALOG.md: a pure capability of the model (TXIG-1)",
        clauses: &[
            c(When::All(&[("TXIG-1", WYes)]), Y, ""),
            c(
                When::All(&[("TXIG-1", WNo)]),
                N,
                "no transmission integrity mechanism",
            ),
        ],
    },
    Rule {
        control: "ENC-05",
        reason: "extension: connections limited to authenticated systems (TXCF-4) or node authentication (NAUT-1); no PHI makes it N/A",
        clauses: &[
            NO_PHI,
            c(
                When::All(&[("TXCF-4", WNo), ("NAUT-1", WNo)]),
                N,
                "peers are not authenticated",
            ),
            c(
                When::Any(&[("TXCF-4", WYes), ("NAUT-1", WYes)]),
                U,
                "verify the destination list and certificates",
            ),
        ],
    },
    Rule {
        control: "ENC-06",
        reason: "extension: no PHI at all (MPII-1 = No) leaves nothing to protect on exports",
        clauses: &[NO_PHI],
    },
    Rule {
        control: "ENC-08",
        reason: "CATALOG.md: a pure capability of the model (IGAU-1)",
        clauses: &[
            c(When::All(&[("IGAU-1", WYes)]), Y, ""),
            c(
                When::All(&[("IGAU-1", WNo)]),
                N,
                "no integrity checking of stored data",
            ),
        ],
    },
    Rule {
        control: "ACC-01",
        reason: "extension: unique IDs and passwords for all users (PAUT-1)",
        clauses: &[
            c(When::All(&[("PAUT-1", WNo)]), N, "no unique user accounts"),
            c(
                When::All(&[("PAUT-1", WYes)]),
                U,
                "verify every person logs in individually",
            ),
        ],
    },
    Rule {
        control: "ACC-02",
        reason: "extension: role-based privilege levels (AUTH-2)",
        clauses: &[
            c(When::All(&[("AUTH-2", WNo)]), N, "no role-based privileges"),
            c(
                When::All(&[("AUTH-2", WYes)]),
                U,
                "verify roles and admin accounts",
            ),
        ],
    },
    Rule {
        control: "ACC-03",
        reason: "extension: lockout (PAUT-3), complexity (PAUT-6) and expiry (PAUT-7) all absent means no password policy can be enforced",
        clauses: &[
            c(
                When::All(&[("PAUT-3", WNo), ("PAUT-6", WNo), ("PAUT-7", WNo)]),
                N,
                "no password policy can be enforced",
            ),
            c(
                When::Any(&[("PAUT-3", WYes), ("PAUT-6", WYes), ("PAUT-7", WYes)]),
                U,
                "verify the password settings",
            ),
        ],
    },
    Rule {
        control: "ACC-04",
        reason: "CATALOG.md: multi-factor authentication (PAUT-8)",
        clauses: &[
            c(
                When::All(&[("PAUT-8", WNo)]),
                N,
                "needs compensating MFA on the access path",
            ),
            c(When::All(&[("PAUT-8", WYes)]), U, "verify MFA is required"),
        ],
    },
    Rule {
        control: "ACC-05",
        reason: "extension: external authentication (PAUT-2) or federated authorization (AUTH-1.1)",
        clauses: &[
            c(
                When::All(&[("PAUT-2", WNo), ("AUTH-1.1", WNo)]),
                N,
                "no directory integration",
            ),
            c(
                When::Any(&[("PAUT-2", WYes), ("AUTH-1.1", WYes)]),
                U,
                "verify the directory binding",
            ),
        ],
    },
    Rule {
        control: "ACC-06",
        reason: "CATALOG.md: automatic logoff (ALOF-1)",
        clauses: &[
            c(When::All(&[("ALOF-1", WNo)]), N, "no automatic logoff"),
            c(When::All(&[("ALOF-1", WYes)]), U, "verify the timeout"),
        ],
    },
    Rule {
        control: "ACC-07",
        reason: "extension: the control asks about break-glass access only where it exists (EMRG-1)",
        clauses: &[
            c(When::All(&[("EMRG-1", WNoOrNA)]), Na, ""),
            c(
                When::All(&[("EMRG-1", WYes)]),
                U,
                "verify emergency use is logged and reviewed",
            ),
        ],
    },
    Rule {
        control: "ACC-08",
        reason: "extension: without vendor remote service (RMOT-1) there is nothing to control",
        clauses: &[
            c(When::All(&[("RMOT-1", WNoOrNA)]), Na, ""),
            c(
                When::All(&[("RMOT-1", WYes)]),
                U,
                "verify how remote sessions are approved and logged",
            ),
        ],
    },
    Rule {
        control: "ACC-09",
        reason: "extension: an audit log at all (AUDT-1) and recorded events (AUDT-2)",
        clauses: &[
            c(
                When::All(&[("AUDT-1", WNo), ("AUDT-2", WNo)]),
                N,
                "no audit logging",
            ),
            c(
                When::All(&[("AUDT-2", WYes)]),
                U,
                "verify logging is on and time-synchronised",
            ),
        ],
    },
    Rule {
        control: "NET-04",
        reason: "extension: a device without wireless connections (CONN-1.1) has no wireless link to secure",
        clauses: &[
            c(When::All(&[("CONN-1.1", WNoOrNA)]), Na, ""),
            c(
                When::All(&[("CONN-1.1", WYes)]),
                U,
                "verify the SSID, authentication and unused radios",
            ),
        ],
    },
    Rule {
        control: "PATCH-05",
        reason: "CATALOG.md: a pure capability of the model (SAHD-3.2)",
        clauses: &[
            c(When::All(&[("SAHD-3.2", WYes)]), Y, ""),
            c(
                When::All(&[("SAHD-3.2", WNo)]),
                N,
                "updates are not verified as authentic",
            ),
        ],
    },
    Rule {
        control: "PATCH-09",
        reason: "extension: the control applies only where anti-malware is installed (MLDP-2, CSUP-4)",
        clauses: &[c(
            When::Any(&[("MLDP-2", WNoOrNA), ("CSUP-4", WNoOrNA)]),
            Na,
            "",
        )],
    },
    Rule {
        control: "IR-06",
        reason: "extension: factory reset (DTBK-2) and configuration backup (DTBK-5) are what a restore needs",
        clauses: &[
            c(
                When::All(&[("DTBK-2", WNo), ("DTBK-5", WNo)]),
                N,
                "no factory reset or configuration backup",
            ),
            c(
                When::Any(&[("DTBK-2", WYes), ("DTBK-5", WYes)]),
                U,
                "verify a restore has been tried",
            ),
        ],
    },
    Rule {
        control: "CLOUD-01",
        reason: "CATALOG.md: a cloud dependency claimed (DOC-11.3, CONN-4, CONN-6 = Yes) is to be identified and recorded",
        clauses: &[c(
            When::Any(&[("DOC-11.3", WYes), ("CONN-4", WYes), ("CONN-6", WYes)]),
            U,
            "cloud dependency claimed; identify and record the services",
        )],
    },
];

/// No cloud dependency claimed: DOC-11.3, CONN-4 and CONN-6 all No (DOC-11.3 may be N/A for a
/// device that is not SaMD). CATALOG.md: then CLOUD-02 … CLOUD-09 are suggested N/A.
pub const NO_CLOUD: When = When::All(&[("DOC-11.3", WNoOrNA), ("CONN-4", WNo), ("CONN-6", WNo)]);

/// The controls suggested N/A when [`NO_CLOUD`] holds.
pub const CLOUD_CONTROLS: [&str; 8] = [
    "CLOUD-02", "CLOUD-03", "CLOUD-04", "CLOUD-05", "CLOUD-06", "CLOUD-07", "CLOUD-08", "CLOUD-09",
];

/// The note every "capability claimed" suggestion starts with (CATALOG.md).
pub const CLAIMED: &str = "capability claimed by the manufacturer – verify on site";

/// One suggestion a rule gives for a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The control.
    pub control: &'static str,
    /// The suggested response.
    pub response: Response,
    /// The answer's note: `MDS2 STCF-1 = No: no encryption at rest`; for N/A exactly
    /// `MDS2 <ID> = <answer>` (several joined with `; `); for a claimed capability it starts
    /// with [`CLAIMED`].
    pub note: String,
    /// Why the rule exists ([`Rule::reason`]).
    pub reason: &'static str,
}

impl When {
    /// Whether the condition holds, and the cited (question, answer) pairs that made it hold.
    fn check(self, doc: &Mds2Document) -> Option<Vec<(&'static str, String)>> {
        let answered = |(q, w): &(&'static str, Want)| {
            doc.answer(q)
                .filter(|a| w.holds(a))
                .map(|a| (*q, a.label().to_string()))
        };
        match self {
            When::All(list) => list.iter().map(answered).collect(),
            When::Any(list) => {
                let hits: Vec<_> = list.iter().filter_map(answered).collect();
                (!hits.is_empty()).then_some(hits)
            }
        }
    }
}

fn cited(pairs: &[(&'static str, String)]) -> String {
    let list: Vec<String> = pairs.iter().map(|(q, a)| format!("{q} = {a}")).collect();
    format!("MDS2 {}", list.join("; "))
}

/// The suggestions the rules give for `doc`, in [`RULES`] order, then CLOUD-02 … CLOUD-09.
pub fn suggestions(doc: &Mds2Document) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for rule in RULES {
        for clause in rule.clauses {
            let Some(pairs) = clause.when.check(doc) else {
                continue;
            };
            let base = cited(&pairs);
            let note = match clause.suggest {
                Response::NotApplicable => base,
                Response::Unknown => {
                    let extra = if clause.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", clause.note)
                    };
                    format!("{CLAIMED}{extra} ({base})")
                }
                _ if clause.note.is_empty() => base,
                _ => format!("{base}: {}", clause.note),
            };
            out.push(Suggestion {
                control: rule.control,
                response: clause.suggest,
                note,
                reason: rule.reason,
            });
            break;
        }
    }
    if let Some(pairs) = NO_CLOUD.check(doc) {
        for control in CLOUD_CONTROLS {
            out.push(Suggestion {
                control,
                response: Response::NotApplicable,
                note: cited(&pairs),
                reason: "CATALOG.md: no cloud dependency claimed (DOC-11.3, CONN-4, CONN-6 all No) makes CLOUD-02 … CLOUD-09 N/A",
            });
        }
    }
    out
}
