//! The count: which search gave the total (the unpaged one, else the paged one), what stopped
//! either, what unpaged clients lose, whether the two counts can both be true, the server's
//! own limits, and the thresholds on the total and on the time it took.

use hastack_common::units::{self, plural, round_micros};
use hastack_common::{Metric, Peer, Report, State, Thresholds, Uom};

use super::Criteria;
use super::attribute::judge_values;
use super::tls::{describe_unread_policy, result_code_words};
use crate::facts::{
    ADMIN_LIMIT_EXCEEDED, Directory, PagedOutcome, SIZE_LIMIT_EXCEEDED, SearchOutcome, ServerFacts,
    TIME_LIMIT_EXCEEDED, cut_short,
};

/// The search that gave the total, and in how many pages (0: unpaged).
struct Counted<'a> {
    search: &'a SearchOutcome,
    pages: u64,
}

impl Counted<'_> {
    fn total(&self) -> u64 {
        self.search.entries
    }
}

/// The count under `base` as `peer` gave it, judged.
pub(super) fn judge_directory(
    facts: &Directory,
    peer: &Peer,
    base: &str,
    criteria: &Criteria,
) -> Report {
    let mut report = Report::new();
    // A search of the root DSE ("") reads as one.
    let base = match base {
        "" => "the root DSE",
        base => base,
    };
    judge_server(&mut report, &facts.server, peer);
    let unpaged = &facts.unpaged;
    report.metric(Metric::new("unpaged_entries", unpaged.entries).min(0u8));
    let Some(counted) = counted_search(&mut report, facts, base) else {
        return report;
    };
    judge_truncation(&mut report, facts, &counted, criteria);
    // With --attribute the thresholds are the values'.
    let entry_thresholds = match facts.values {
        None => criteria.entries.clone(),
        Some(_) => Thresholds::default(),
    };
    let total = counted.total();
    let entries_checked = entry_thresholds.check("entries", total).min(0u8);
    if let Some((state, why)) = entries_checked.violation() {
        report.add(state, format!("{} under {base} ({why})", entries(total)));
    }
    let time = counted.search.time;
    let time_checked = criteria
        .time
        .check("time", round_micros(time.as_secs_f64()))
        .uom(Uom::Seconds)
        .min(0u8);
    if let Some((state, why)) = time_checked.violation() {
        report.add(
            state,
            format!("counting took {} ({why})", units::duration(time)),
        );
    }
    summarise(&mut report, unpaged, &counted, base);
    detail_searches(&mut report, facts, &counted, criteria);
    if let Some(count) = &facts.values {
        judge_values(&mut report, count, &facts.server, base, criteria);
    }
    let references = unpaged.references.max(counted.search.references);
    report
        .headline(entries_checked)
        .metric(Metric::new("pages", counted.pages).min(0u8))
        .metric(Metric::new("references", references).min(0u8))
        .metric(time_checked);
    report
}

/// The search whose count is the total, or none when no search counted them all (a failed
/// search, a cut with nothing to page, a paged search the server stopped too), each said as
/// the CRITICAL finding it is.
fn counted_search<'a>(
    report: &mut Report,
    facts: &'a Directory,
    base: &str,
) -> Option<Counted<'a>> {
    let unpaged = &facts.unpaged;
    if unpaged.rc != 0 && !cut_short(unpaged.rc) {
        report.add(State::Critical, search_failed("the search", base, unpaged));
        return None;
    }
    match &facts.paged {
        None if unpaged.rc == 0 => Some(Counted {
            search: unpaged,
            pages: 0,
        }),
        None => {
            report.add(State::Critical, cut_without_paging(facts, base));
            None
        }
        Some(paged) => paged_count(report, paged, base),
    }
}

/// Cut short, and nothing paged: no client reads the whole set.
fn cut_without_paging(facts: &Directory, base: &str) -> String {
    let unpaged = &facts.unpaged;
    match facts.paged_control_offered {
        Some(false) => format!(
            "unpaged searches see only {} entries under {base} ({}) and the server offers no paged-results control: nothing can read the whole set",
            unpaged.entries,
            limit_words(unpaged)
        ),
        _ if unpaged.rc == TIME_LIMIT_EXCEEDED => time_limit("search", base, unpaged),
        _ => format!(
            "the search of {base} was cut short after {} ({})",
            entries(unpaged.entries),
            limit_words(unpaged)
        ),
    }
}

/// The paged count, when it read to the end: a page size the server rejected (retried
/// smaller, a WARNING; not, a CRITICAL), and a paged search the server stopped too.
fn paged_count<'a>(
    report: &mut Report,
    paged: &'a PagedOutcome,
    base: &str,
) -> Option<Counted<'a>> {
    let rc = paged.search.rc;
    if let Some(rejected) = paged.rejected_page_size {
        if rc == 0 {
            report.add(
                State::Warning,
                format!(
                    "the server rejects pages of {rejected} entries (administrative limit exceeded): counted with pages of {}, set --page-size {} or less",
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
            return None;
        }
    }
    if rc != 0 {
        let what = match cut_short(rc) {
            true if rc == TIME_LIMIT_EXCEEDED => time_limit("paged search", base, &paged.search),
            true => format!(
                "the paged search of {base} was cut short too, after {} entries ({}): the server limits paged searches as well (OpenLDAP size.prtotal?)",
                paged.search.entries,
                limit_words(&paged.search)
            ),
            false => search_failed("the paged search", base, &paged.search),
        };
        report.add(State::Critical, what);
        return None;
    }
    Some(Counted {
        search: &paged.search,
        pages: paged.pages,
    })
}

/// What clients that do not page lose: the entries an unpaged search missed (the
/// `--truncation-state`), or on AD those a Windows DC would cut at the domain's MaxPageSize;
/// UNKNOWN when the two counts contradict each other.
fn judge_truncation(
    report: &mut Report,
    facts: &Directory,
    counted: &Counted<'_>,
    criteria: &Criteria,
) {
    let unpaged = &facts.unpaged;
    let total = counted.total();
    if let Some(why) = inconsistent(unpaged, total, counted.pages > 0) {
        report.add(State::Unknown, format!("the server is inconsistent: {why}"));
    } else if total > unpaged.entries || cut_short(unpaged.rc) {
        report.add(
            criteria.truncation_state,
            format!(
                "unpaged searches see only {} of {total} entries ({})",
                unpaged.entries,
                limit_words(unpaged)
            ),
        );
    } else if let Some(max) = facts.server.limit("MaxPageSize")
        && total > max
    {
        // This DC answered them all (Samba does not enforce it); a Windows DC of the domain
        // cuts at the policy's limit.
        report.add(
            criteria.truncation_state,
            format!(
                "{total} entries exceed the domain's MaxPageSize {max}: clients that do not page see {max} from a Windows DC"
            ),
        );
    }
}

/// The OK summary: the total, how it was counted and how long it took; the continuation
/// references at -v.
fn summarise(report: &mut Report, unpaged: &SearchOutcome, counted: &Counted<'_>, base: &str) {
    let how = match counted.pages {
        0 => "in one unpaged search".to_string(),
        1 => "in 1 page".to_string(),
        n => format!("in {n} pages"),
    };
    let references = match unpaged.references.max(counted.search.references) {
        0 => String::new(),
        1 => " (and 1 continuation reference, not followed)".to_string(),
        n => format!(" (and {n} continuation references, not followed)"),
    };
    report.ok_summary(format!(
        "{} under {base}{references}, counted {how} in {}",
        entries(counted.total()),
        units::duration(counted.search.time)
    ));
    for url in &unpaged.reference_urls {
        report.detail_at(
            1,
            State::Ok,
            format!("continuation reference (not followed): {url}"),
        );
    }
}

/// One long-output line per search: the paged count, and the unpaged search with its result.
fn detail_searches(
    report: &mut Report,
    facts: &Directory,
    counted: &Counted<'_>,
    criteria: &Criteria,
) {
    if let Some(paged) = &facts.paged {
        report.detail(
            State::Ok,
            format!(
                "paged search: {} entries in {} pages of up to {} in {}",
                counted.total(),
                counted.pages,
                paged.page_size,
                units::duration(counted.search.time)
            ),
        );
    }
    let unpaged = &facts.unpaged;
    report.detail(
        match cut_short(unpaged.rc) {
            true => criteria.truncation_state,
            false => State::Ok,
        },
        format!(
            "unpaged search: {}, {} (result code {}) in {}",
            entries(unpaged.entries),
            result_code_words(unpaged.rc),
            unpaged.rc,
            units::duration(unpaged.time)
        ),
    );
}

/// What the server's policy says, at -v; its limits that matter as perfdata.
fn judge_server(report: &mut Report, server: &ServerFacts, peer: &Peer) {
    match &server.policy {
        Some(Ok(limits)) => {
            let shown: Vec<String> = limits.iter().map(|(n, v)| format!("{n}={v}")).collect();
            report.detail_at(
                1,
                State::Ok,
                format!("the domain's query policy: {}", shown.join(", ")),
            );
            for (name, label) in [
                ("MaxPageSize", "max_page_size"),
                ("MaxValRange", "max_val_range"),
                ("MaxQueryDuration", "max_query_duration"),
            ] {
                if let Some(value) = server.limit(name) {
                    report.metric(Metric::new(label, value).min(0u8));
                }
            }
        }
        Some(Err(unread)) => {
            report.detail_at(
                1,
                State::Ok,
                format!(
                    "Active Directory, but its query policy could not be read: {}",
                    describe_unread_policy(unread, peer)
                ),
            );
        }
        None => {}
    }
}

/// Counts that cannot both be true: the server cannot be believed about how many there are.
fn inconsistent(unpaged: &SearchOutcome, total: u64, paged: bool) -> Option<String> {
    if !paged {
        return None;
    }
    if cut_short(unpaged.rc) && total < unpaged.entries {
        return Some(format!(
            "the unpaged search returned {} before its limit stopped it, the paged count only {total}",
            entries(unpaged.entries)
        ));
    }
    if unpaged.rc == SIZE_LIMIT_EXCEEDED && unpaged.entries == 0 {
        return Some(format!(
            "a size limit stopped the unpaged search before its first entry, and the paged count found {total}"
        ));
    }
    if unpaged.rc == 0 && total != unpaged.entries {
        return Some(format!(
            "the unpaged search found {}, the paged count {total}",
            entries(unpaged.entries)
        ));
    }
    None
}

/// `1 entry`, `2 entries`.
pub(super) fn entries(n: u64) -> String {
    plural(n, "entry", "entries")
}

/// A search the server's time limit stopped, with its words.
fn time_limit(what: &str, base: &str, search: &SearchOutcome) -> String {
    let said = match search.text.trim() {
        "" => String::new(),
        text => format!(": {text}"),
    };
    format!(
        "the server's time limit (MaxQueryDuration on AD) cut the {what} of {base} after {}{said}",
        entries(search.entries)
    )
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{criteria, directory, line, paged, search};
    use super::*;
    use hastack_common::Range;

    #[test]
    fn the_ad_story_and_its_variants() {
        let table: Vec<(Directory, State, &str)> = vec![
            (
                Directory {
                    paged: paged(2500, 0, 5, 500, None),
                    ..directory(search(1000, 4))
                },
                State::Warning,
                "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries (server size limit 1000) | entries=2500;;;0 unpaged_entries=1000;;;0 pages=5;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                directory(search(900, 0)),
                State::Ok,
                "LDAP PAGING OK - 900 entries under ou=users,dc=example,dc=com, counted in one unpaged search in 40.0 ms | entries=900;;;0 unpaged_entries=900;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                Directory {
                    paged_control_offered: Some(false),
                    ..directory(search(1000, 4))
                },
                State::Critical,
                "LDAP PAGING CRITICAL - unpaged searches see only 1000 entries under ou=users,dc=example,dc=com (server size limit 1000) and the server offers no paged-results control: nothing can read the whole set | unpaged_entries=1000;;;0",
            ),
            (
                Directory {
                    paged: paged(2500, 0, 3, 1000, Some(2000)),
                    ..directory(search(1000, 4))
                },
                State::Warning,
                "LDAP PAGING WARNING - the server rejects pages of 2000 entries (administrative limit exceeded): counted with pages of 1000, set --page-size 1000 or less / unpaged searches see only 1000 of 2500 entries (server size limit 1000) | entries=2500;;;0 unpaged_entries=1000;;;0 pages=3;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                Directory {
                    paged: paged(0, 11, 1, 2000, Some(2000)),
                    ..directory(search(0, 4))
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the server rejects pages of 2000 entries (administrative limit exceeded): set --page-size to its limit (OpenLDAP size.pr, AD MaxPageSize) | unpaged_entries=0;;;0",
            ),
            (
                Directory {
                    paged_control_offered: None,
                    paged: paged(2000, 4, 4, 500, None),
                    ..directory(search(1000, 4))
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the paged search of ou=users,dc=example,dc=com was cut short too, after 2000 entries (server size limit 2000): the server limits paged searches as well (OpenLDAP size.prtotal?) | unpaged_entries=1000;;;0",
            ),
            (
                directory(SearchOutcome {
                    text: "no such base".into(),
                    ..search(0, 32)
                }),
                State::Critical,
                "LDAP PAGING CRITICAL - the search of ou=users,dc=example,dc=com failed: no such object (result code 32): no such base | unpaged_entries=0;;;0",
            ),
            (
                Directory {
                    paged_control_offered: None,
                    ..directory(SearchOutcome {
                        text: "Time limit exceeded".into(),
                        ..search(5, 3)
                    })
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the server's time limit (MaxQueryDuration on AD) cut the search of ou=users,dc=example,dc=com after 5 entries: Time limit exceeded | unpaged_entries=5;;;0",
            ),
            (
                Directory {
                    paged: paged(1000, 0, 2, 500, None),
                    server: ServerFacts {
                        active_directory: true,
                        policy: Some(Ok(vec![("MaxPageSize".into(), 800)])),
                    },
                    ..directory(search(1000, 0))
                },
                State::Warning,
                "LDAP PAGING WARNING - 1000 entries exceed the domain's MaxPageSize 800: clients that do not page see 800 from a Windows DC | entries=1000;;;0 max_page_size=800;;;0 unpaged_entries=1000;;;0 pages=2;;;0 references=0;;;0 time=0.04s;;;0",
            ),
        ];
        for (facts, state, expected) in table {
            assert_eq!(line(&facts, &criteria()), (state, expected.to_string()));
        }
    }

    #[test]
    fn counts_that_cannot_both_be_true() {
        let table = [
            (
                search(1000, 4),
                7,
                Some(
                    "the unpaged search returned 1000 entries before its limit stopped it, the paged count only 7",
                ),
            ),
            (
                search(0, 4),
                0,
                Some(
                    "a size limit stopped the unpaged search before its first entry, and the paged count found 0",
                ),
            ),
            (
                search(10, 0),
                12,
                Some("the unpaged search found 10 entries, the paged count 12"),
            ),
            (search(1000, 4), 2500, None),
            (search(10, 0), 10, None),
        ];
        for (unpaged, total, why) in table {
            assert_eq!(inconsistent(&unpaged, total, true).as_deref(), why);
            assert_eq!(inconsistent(&unpaged, total, false), None);
        }
    }

    #[test]
    fn truncation_state_and_thresholds() {
        let facts = Directory {
            paged: paged(2500, 0, 5, 500, None),
            ..directory(search(1000, 4))
        };
        let mut critical = criteria();
        critical.truncation_state = State::Critical;
        assert_eq!(line(&facts, &critical).0, State::Critical);
        let mut ok = criteria();
        ok.truncation_state = State::Ok;
        assert!(line(&facts, &ok).1.starts_with("LDAP PAGING OK - 2500 entries under ou=users,dc=example,dc=com, counted in 5 pages in 40.0 ms |"));
        let small = directory(search(900, 0));
        let mut warn = criteria();
        warn.entries = Thresholds::new("800".parse::<Range>().ok(), None);
        assert_eq!(
            line(&small, &warn),
            (State::Warning, "LDAP PAGING WARNING - 900 entries under ou=users,dc=example,dc=com (outside 800) | entries=900;800;;0 unpaged_entries=900;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;;0".to_string())
        );
        let mut slow = criteria();
        slow.time = Thresholds::new(None, "0.01".parse::<Range>().ok());
        assert_eq!(
            line(&small, &slow),
            (State::Critical, "LDAP PAGING CRITICAL - counting took 40.0 ms (outside 0.01) | entries=900;;;0 unpaged_entries=900;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;0.01;0".to_string())
        );
    }
}
