//! The likelihood medsec suggests for a confirmed vulnerability finding, from the KEV catalog and
//! the CVSS vectors the feeds give (TEMPLATE.md "Risk Matrix", the device anchors of the
//! likelihood scale). The assessor may rate it otherwise; until then the register marks it as a
//! default.

use crate::vuln::CvssScore;

/// Likelihood when nothing is known about how the vulnerability is reached (no score, or no
/// vector that says): 3, Moderate.
pub const UNKNOWN_VECTOR_LIKELIHOOD: u8 = 3;

/// The suggested likelihood, 1–5, of a vulnerability finding (TEMPLATE.md "Risk Matrix"
/// anchors):
///
/// - listed in CISA KEV (exploited in the wild) → 5;
/// - any CVSS base score of 9.0 or more, or a network attack vector (`AV:N`) needing no
///   privileges (`PR:N`; CVSS 2 `Au:N`) → 4;
/// - an adjacent attack vector (`AV:A`), or the network with low privileges (`PR:L`; CVSS 2
///   `Au:S`) → 3;
/// - local or physical access (`AV:L`, `AV:P`), or high privileges (`PR:H`; CVSS 2 `Au:M`) → 2;
/// - no score or no readable vector → [`UNKNOWN_VECTOR_LIKELIHOOD`] (3).
///
/// Where sources disagree, the highest likelihood any of their scores gives is taken (the
/// template keeps every score and shows the highest).
pub fn suggested_likelihood(kev_listed: bool, scores: &[CvssScore]) -> u8 {
    if kev_listed {
        return 5;
    }
    scores
        .iter()
        .map(score_likelihood)
        .max()
        .flatten()
        .unwrap_or(UNKNOWN_VECTOR_LIKELIHOOD)
}

/// The likelihood one score gives, `None` when it says nothing (no vector, a score below 9).
fn score_likelihood(score: &CvssScore) -> Option<u8> {
    if score.base_score >= 9.0 {
        return Some(4);
    }
    let metric = |name: &str| {
        score
            .vector
            .split('/')
            .filter_map(|part| part.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_uppercase())
    };
    let vector = metric("AV")?;
    // CVSS 3.x and 4.0 say PR (privileges required), CVSS 2 says Au (authentication).
    let privileges = metric("PR").or_else(|| {
        metric("Au").map(|a| match a.as_str() {
            "N" => "N".to_string(),
            "S" => "L".to_string(),
            _ => "H".to_string(),
        })
    });
    let privileges = privileges.as_deref().unwrap_or("N");
    Some(match (vector.as_str(), privileges) {
        ("L" | "P", _) | (_, "H") => 2,
        ("N", "N") => 4,
        ("N" | "A", _) => 3,
        _ => UNKNOWN_VECTOR_LIKELIHOOD,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(base: f64, vector: &str) -> CvssScore {
        CvssScore {
            version: "3.1".into(),
            vector: vector.into(),
            base_score: base,
            severity: String::new(),
            source: "NVD".into(),
        }
    }

    #[test]
    fn kev_listing_is_very_high_whatever_the_scores() {
        assert_eq!(suggested_likelihood(true, &[]), 5);
        assert_eq!(
            suggested_likelihood(true, &[score(2.1, "CVSS:3.1/AV:P/PR:H")]),
            5
        );
    }

    #[test]
    fn the_vector_decides_below_nine() {
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 4),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 3),
            ("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 3),
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 2),
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 2),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N", 2),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                4,
            ),
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 4),
            ("AV:N/AC:L/Au:S/C:P/I:P/A:P", 3),
            ("AV:N/AC:L/Au:M/C:P/I:P/A:P", 2),
        ];
        for (vector, want) in cases {
            assert_eq!(
                suggested_likelihood(false, &[score(6.5, vector)]),
                want,
                "{vector}"
            );
        }
    }

    #[test]
    fn a_critical_score_is_high_even_when_local() {
        assert_eq!(
            suggested_likelihood(false, &[score(9.3, "CVSS:3.1/AV:L/PR:N")]),
            4
        );
        assert_eq!(suggested_likelihood(false, &[score(9.0, "")]), 4);
    }

    #[test]
    fn the_highest_source_wins_and_nothing_known_is_moderate() {
        let cna = score(5.3, "CVSS:3.1/AV:L/PR:N");
        let nvd = score(7.5, "CVSS:3.1/AV:N/PR:N");
        assert_eq!(suggested_likelihood(false, &[cna.clone(), nvd]), 4);
        assert_eq!(suggested_likelihood(false, &[cna]), 2);
        assert_eq!(suggested_likelihood(false, &[]), 3);
        assert_eq!(suggested_likelihood(false, &[score(7.0, "")]), 3);
    }
}
