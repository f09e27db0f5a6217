//! Judging what the directory said (pure): `directory` the count (unpaged against paged, the
//! server's limits, its consistency, the time), `attribute` an attribute's values, `tls` the
//! certificate's remaining days and every failure that left no count, in words.

mod attribute;
mod directory;
mod tls;

use hastack_common::{CheckError, Report, State, Thresholds};

use crate::facts::Facts;

/// How the count is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    /// `-w/-c`: the entries counted, or with `--attribute` the values.
    pub(crate) entries: Thresholds,
    /// `--time-warning/--time-critical`: seconds the counting search took.
    pub(crate) time: Thresholds,
    /// What unpaged clients missing entries is worth.
    pub(crate) truncation_state: State,
    /// `--cert-warning/--cert-critical`: the server certificate's remaining days.
    pub(crate) cert: Thresholds,
}

/// The report for one directory search, or the line that says why there is none.
pub(crate) fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
    match &facts.outcome {
        Ok(found) => {
            let mut report =
                directory::judge_directory(found, &facts.server, &facts.base, criteria);
            tls::judge_certificate(&mut report, found, criteria);
            Ok(report)
        }
        Err(failure) => Err(tls::describe_failure(failure, &facts.server)),
    }
}

/// The directories the tests judge, and how they read.
#[cfg(test)]
mod fixtures {
    use std::time::Duration;

    use hastack_common::{Peer, Report, State, Thresholds};

    use super::{Criteria, evaluate};
    use crate::facts::{Directory, Facts, PagedOutcome, SearchOutcome, ServerFacts};

    pub(super) const BASE: &str = "ou=users,dc=example,dc=com";

    pub(super) fn search(entries: u64, rc: u32) -> SearchOutcome {
        SearchOutcome {
            entries,
            rc,
            text: String::new(),
            time: Duration::from_millis(40),
            references: 0,
            reference_urls: Vec::new(),
        }
    }

    pub(super) fn paged(
        entries: u64,
        rc: u32,
        pages: u64,
        page_size: u32,
        rejected: Option<u32>,
    ) -> Option<PagedOutcome> {
        Some(PagedOutcome {
            search: search(entries, rc),
            pages,
            page_size,
            rejected_page_size: rejected,
        })
    }

    /// A directory whose unpaged search ended as `unpaged`, nothing else read.
    pub(super) fn directory(unpaged: SearchOutcome) -> Directory {
        Directory {
            paged_control_offered: Some(true),
            unpaged,
            paged: None,
            server: ServerFacts::default(),
            values: None,
            certificate: None,
            read_at: 0,
        }
    }

    pub(super) fn criteria() -> Criteria {
        Criteria {
            entries: Thresholds::default(),
            time: Thresholds::default(),
            truncation_state: State::Warning,
            cert: Thresholds::default(),
        }
    }

    pub(super) fn facts(
        outcome: Result<Directory, hastack_common::Failure<crate::facts::LdapFailure>>,
    ) -> Facts {
        Facts {
            server: Peer::at("ldap://dc1:389"),
            base: BASE.into(),
            outcome,
        }
    }

    pub(super) fn report(directory: &Directory, criteria: &Criteria) -> Report {
        evaluate(&facts(Ok(directory.clone())), criteria).expect("a report")
    }

    /// The state and the first line.
    pub(super) fn line(directory: &Directory, criteria: &Criteria) -> (State, String) {
        let report = report(directory, criteria);
        let out = report.render("LDAP PAGING", 0);
        (
            report.state(),
            out.lines().next().unwrap_or_default().to_string(),
        )
    }
}
