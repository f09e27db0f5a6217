//! Judging what the directory said (pure): the total count, what unpaged clients lose, page
//! sizes the server rejects, and the search time.

use std::time::Duration;

use hastack_common::range::Thresholds;
use hastack_common::units::{human_seconds, round_micros};
use hastack_common::{Metric, Report, State, Uom};

use crate::probe::{
    ADMIN_LIMIT_EXCEEDED, Facts, SIZE_LIMIT_EXCEEDED, SearchOutcome, TIME_LIMIT_EXCEEDED,
    cut_short, result_code_words,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub entries: Thresholds,
    pub time: Thresholds,
    pub truncation_state: State,
}

/// The report for one directory search. `base` names it.
pub fn evaluate(facts: &Facts, base: &str, judge: &Judgement) -> Report {
    let mut report = Report::new();
    let unpaged = &facts.unpaged;
    report.metric(Metric::new("unpaged_entries", unpaged.entries).min(0u8));
    if unpaged.rc != 0 && !cut_short(unpaged.rc) {
        report.add(State::Critical, search_failed("the search", base, unpaged));
        return report;
    }
    // The search that gave the total: the unpaged one when it completed, else the paged one.
    let (counted, pages): (&SearchOutcome, u64) = match &facts.paged {
        None if unpaged.rc == 0 => (unpaged, 0),
        None => {
            // Cut short, and nothing can page: no client reads the whole set.
            let text = match facts.paged_control_offered {
                Some(false) => format!(
                    "unpaged searches see only {} entries under {base} ({}) and the server offers no paged-results control: nothing can read the whole set",
                    unpaged.entries,
                    limit_words(unpaged)
                ),
                _ => format!(
                    "the search of {base} was cut short after {} entries ({})",
                    unpaged.entries,
                    limit_words(unpaged)
                ),
            };
            report.add(State::Critical, text);
            return report;
        }
        Some(paged) => {
            if let Some(rejected) = paged.rejected_page_size {
                if paged.search.rc == 0 {
                    report.add(
                        State::Warning,
                        format!(
                            "the server rejects pages of {rejected} entries (administrative limit exceeded); counted with pages of {}: set --page-size {} or less",
                            paged.page_size, paged.page_size
                        ),
                    );
                } else {
                    report.add(
                        State::Critical,
                        format!(
                            "the server rejects pages of {rejected} entries (administrative limit exceeded): set --page-size to its limit (OpenLDAP size.pr, AD MaxPageSize)"
                        ),
                    );
                    return report;
                }
            }
            if paged.search.rc != 0 {
                let what = match cut_short(paged.search.rc) {
                    true => format!(
                        "the paged search of {base} was cut short too, after {} entries ({}): the server limits paged searches as well (OpenLDAP size.prtotal?)",
                        paged.search.entries,
                        limit_words(&paged.search)
                    ),
                    false => search_failed("the paged search", base, &paged.search),
                };
                report.add(State::Critical, what);
                return report;
            }
            (&paged.search, paged.pages)
        }
    };
    let total = counted.entries;
    if total > unpaged.entries || cut_short(unpaged.rc) {
        report.add(
            judge.truncation_state,
            format!(
                "unpaged searches see only {} of {total} entries ({})",
                unpaged.entries,
                limit_words(unpaged)
            ),
        );
    }
    if let Some((state, why)) = judge.entries.violation(total as f64) {
        report.add(state, format!("{total} entries under {base} ({why})"));
    }
    if let Some((state, why)) = judge.time.violation(counted.time.as_secs_f64()) {
        report.add(
            state,
            format!("counting took {} ({why})", seconds(counted.time)),
        );
    }
    let how = match pages {
        0 => "in one unpaged search".to_string(),
        1 => "in 1 page".to_string(),
        n => format!("in {n} pages"),
    };
    report.ok_summary(format!(
        "{total} entries under {base}, counted {how} in {}",
        seconds(counted.time)
    ));
    if let Some(paged) = &facts.paged {
        report.detail(
            State::Ok,
            format!(
                "paged search: {total} entries in {pages} pages of up to {} in {}",
                paged.page_size,
                seconds(counted.time)
            ),
        );
    }
    report.detail(
        if cut_short(unpaged.rc) {
            judge.truncation_state
        } else {
            State::Ok
        },
        format!(
            "unpaged search: {} entries, {} (result code {}) in {}",
            unpaged.entries,
            result_code_words(unpaged.rc),
            unpaged.rc,
            seconds(unpaged.time)
        ),
    );
    report
        .metric(
            Metric::new("entries", total)
                .thresholds(judge.entries.clone())
                .min(0u8),
        )
        .metric(Metric::new("pages", pages).min(0u8))
        .metric(
            Metric::new("time", round_micros(counted.time.as_secs_f64()))
                .uom(Uom::Seconds)
                .thresholds(judge.time.clone())
                .min(0u8),
        );
    report
}

/// Which limit stopped a search, in words: `server size limit 1000`.
fn limit_words(search: &SearchOutcome) -> String {
    match search.rc {
        SIZE_LIMIT_EXCEEDED => format!("server size limit {}", search.entries),
        TIME_LIMIT_EXCEEDED => "server time limit".into(),
        ADMIN_LIMIT_EXCEEDED => "server administrative limit".into(),
        0 => "complete".into(),
        rc => format!("{} (result code {rc})", result_code_words(rc)),
    }
}

fn search_failed(what: &str, base: &str, search: &SearchOutcome) -> String {
    let detail = match search.text.trim() {
        "" => String::new(),
        text => format!(": {text}"),
    };
    format!(
        "{what} of {base} failed: {} (result code {}){detail}",
        result_code_words(search.rc),
        search.rc
    )
}

fn seconds(time: Duration) -> String {
    human_seconds(time.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::PagedOutcome;
    use hastack_common::Range;

    const BASE: &str = "ou=users,dc=example,dc=com";

    fn search(entries: u64, rc: u32) -> SearchOutcome {
        SearchOutcome {
            entries,
            rc,
            text: String::new(),
            time: Duration::from_millis(40),
        }
    }

    fn paged(
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

    fn judge() -> Judgement {
        Judgement {
            entries: Thresholds::default(),
            time: Thresholds::default(),
            truncation_state: State::Warning,
        }
    }

    fn line(facts: &Facts, judge: &Judgement) -> (State, String) {
        let report = evaluate(facts, BASE, judge);
        let out = report.render("LDAP PAGING", 0);
        (
            report.state(),
            out.lines().next().unwrap_or_default().to_string(),
        )
    }

    #[test]
    fn the_ad_story_and_its_variants() {
        let table: Vec<(Facts, State, &str)> = vec![
            (
                Facts {
                    paged_control_offered: Some(true),
                    unpaged: search(1000, 4),
                    paged: paged(2500, 0, 5, 500, None),
                },
                State::Warning,
                "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries (server size limit 1000) | unpaged_entries=1000;;;0 entries=2500;;;0 pages=5;;;0 time=0.04s;;;0",
            ),
            (
                Facts {
                    paged_control_offered: Some(true),
                    unpaged: search(900, 0),
                    paged: None,
                },
                State::Ok,
                "LDAP PAGING OK - 900 entries under ou=users,dc=example,dc=com, counted in one unpaged search in 40.0 ms | unpaged_entries=900;;;0 entries=900;;;0 pages=0;;;0 time=0.04s;;;0",
            ),
            (
                Facts {
                    paged_control_offered: Some(false),
                    unpaged: search(1000, 4),
                    paged: None,
                },
                State::Critical,
                "LDAP PAGING CRITICAL - unpaged searches see only 1000 entries under ou=users,dc=example,dc=com (server size limit 1000) and the server offers no paged-results control: nothing can read the whole set | unpaged_entries=1000;;;0",
            ),
            (
                Facts {
                    paged_control_offered: Some(true),
                    unpaged: search(1000, 4),
                    paged: paged(2500, 0, 3, 1000, Some(2000)),
                },
                State::Warning,
                "LDAP PAGING WARNING - the server rejects pages of 2000 entries (administrative limit exceeded); counted with pages of 1000: set --page-size 1000 or less; unpaged searches see only 1000 of 2500 entries (server size limit 1000) | unpaged_entries=1000;;;0 entries=2500;;;0 pages=3;;;0 time=0.04s;;;0",
            ),
            (
                Facts {
                    paged_control_offered: Some(true),
                    unpaged: search(0, 4),
                    paged: paged(0, 11, 1, 2000, Some(2000)),
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the server rejects pages of 2000 entries (administrative limit exceeded): set --page-size to its limit (OpenLDAP size.pr, AD MaxPageSize) | unpaged_entries=0;;;0",
            ),
            (
                Facts {
                    paged_control_offered: None,
                    unpaged: search(1000, 4),
                    paged: paged(2000, 4, 4, 500, None),
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the paged search of ou=users,dc=example,dc=com was cut short too, after 2000 entries (server size limit 2000): the server limits paged searches as well (OpenLDAP size.prtotal?) | unpaged_entries=1000;;;0",
            ),
            (
                Facts {
                    paged_control_offered: Some(true),
                    unpaged: SearchOutcome {
                        text: "no such base".into(),
                        ..search(0, 32)
                    },
                    paged: None,
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the search of ou=users,dc=example,dc=com failed: no such object (result code 32): no such base | unpaged_entries=0;;;0",
            ),
        ];
        for (facts, state, expected) in table {
            assert_eq!(line(&facts, &judge()), (state, expected.to_string()));
        }
    }

    #[test]
    fn truncation_state_and_thresholds() {
        let facts = Facts {
            paged_control_offered: Some(true),
            unpaged: search(1000, 4),
            paged: paged(2500, 0, 5, 500, None),
        };
        let mut critical = judge();
        critical.truncation_state = State::Critical;
        assert_eq!(line(&facts, &critical).0, State::Critical);
        let mut ok = judge();
        ok.truncation_state = State::Ok;
        assert!(line(&facts, &ok).1.starts_with("LDAP PAGING OK - 2500 entries under ou=users,dc=example,dc=com, counted in 5 pages in 40.0 ms |"));
        let small = Facts {
            paged_control_offered: Some(true),
            unpaged: search(900, 0),
            paged: None,
        };
        let mut warn = judge();
        warn.entries = Thresholds::new("800".parse::<Range>().ok(), None);
        assert_eq!(
            line(&small, &warn),
            (State::Warning, "LDAP PAGING WARNING - 900 entries under ou=users,dc=example,dc=com (outside 800) | unpaged_entries=900;;;0 entries=900;800;;0 pages=0;;;0 time=0.04s;;;0".to_string())
        );
        let mut slow = judge();
        slow.time = Thresholds::new(None, "0.01".parse::<Range>().ok());
        assert_eq!(
            line(&small, &slow).1.split(" | ").next(),
            Some("LDAP PAGING CRITICAL - counting took 40.0 ms (outside 0.01)")
        );
    }
}
