//! `--attribute`: an attribute's values on the entries found, what a plain read returns of
//! them, the domain's MaxValRange, and `-w/-c` on the values.

use hastack_common::units::plural;
use hastack_common::{Metric, Report};

use super::Criteria;
use super::directory::entries;
use crate::facts::{ServerFacts, ValueCount};

/// The values, what a plain read returns, and the domain's MaxValRange.
pub(super) fn judge_values(
    report: &mut Report,
    count: &ValueCount,
    server: &ServerFacts,
    base: &str,
    criteria: &Criteria,
) {
    let attribute = &count.attribute;
    let values = count.values;
    if count.plain_values < values {
        report.add(
            criteria.truncation_state,
            format!(
                "a plain read of {attribute} returns {} of {} (the rest only through range retrieval)",
                count.plain_values,
                plural(values, "value", "values")
            ),
        );
    } else if let Some(max) = server.limit("MaxValRange")
        && count.most.1 > max
    {
        report.add(
            criteria.truncation_state,
            format!(
                "{} has {} values of {attribute}, more than the domain's MaxValRange {max}: a plain read from a Windows DC returns {max} of {}",
                count.most.0, count.most.1, count.most.1
            ),
        );
    }
    let checked = criteria.entries.check("values", values).min(0u8);
    if let Some((state, why)) = checked.violation() {
        report.add(
            state,
            format!(
                "{} of {attribute} ({why})",
                plural(values, "value", "values")
            ),
        );
    }
    let how = match (server.active_directory, count.ranged) {
        (false, _) => "",
        (true, false) => ", counted through range retrieval",
        (true, true) => ", counted through range retrieval (the server answered in ranges)",
    };
    report.ok_summary(format!(
        "{} of {attribute} on {} under {base}{how}",
        plural(values, "value", "values"),
        entries(count.entries),
    ));
    report
        .headline(checked)
        .metric(Metric::new("plain_values", count.plain_values).min(0u8));
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{criteria, directory, line, search};
    use crate::facts::Directory;
    use hastack_common::{Range, State, Thresholds};

    use super::*;

    fn count(values: u64, plain: u64, ranged: bool) -> ValueCount {
        ValueCount {
            attribute: "member".into(),
            entries: 1,
            values,
            plain_values: plain,
            ranged,
            most: ("cn=big".into(), values),
        }
    }

    fn with_values(values: ValueCount, server: ServerFacts) -> Directory {
        Directory {
            server,
            values: Some(values),
            ..directory(search(1, 0))
        }
    }

    #[test]
    fn values_are_said_as_they_were_counted() {
        let ad = ServerFacts {
            active_directory: true,
            policy: Some(Ok(vec![("MaxValRange".into(), 1500)])),
        };
        let table = [
            // Not AD: a plain read counted them; nothing about ranges.
            (
                count(1, 1, false),
                ServerFacts::default(),
                State::Ok,
                "LDAP PAGING OK - 1 value of member on 1 entry under ou=users,dc=example,dc=com | values=1;;;0 entries=1;;;0 unpaged_entries=1;;;0 plain_values=1;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                count(0, 0, false),
                ServerFacts::default(),
                State::Ok,
                "LDAP PAGING OK - 0 values of member on 1 entry under ou=users,dc=example,dc=com | values=0;;;0",
            ),
            // AD answering whole (Samba), and in ranges (Windows).
            (
                count(1200, 1200, false),
                ad.clone(),
                State::Ok,
                "LDAP PAGING OK - 1200 values of member on 1 entry under ou=users,dc=example,dc=com, counted through range retrieval | values=1200;;;0",
            ),
            (
                count(1600, 1500, true),
                ad.clone(),
                State::Warning,
                "LDAP PAGING WARNING - a plain read of member returns 1500 of 1600 values (the rest only through range retrieval) | values=1600;;;0",
            ),
            (
                count(1600, 1600, false),
                ad,
                State::Warning,
                "LDAP PAGING WARNING - cn=big has 1600 values of member, more than the domain's MaxValRange 1500: a plain read from a Windows DC returns 1500 of 1600 | values=1600;;;0",
            ),
        ];
        for (values, server, state, words) in table {
            let (got_state, got) = line(&with_values(values, server), &criteria());
            assert!(got.starts_with(words), "{got}");
            assert_eq!(got_state, state, "{got}");
        }
    }

    #[test]
    fn thresholds_judge_the_values_not_the_entries() {
        let mut critical = criteria();
        critical.entries = Thresholds::new(None, "5".parse::<Range>().ok());
        let (state, got) = line(
            &with_values(count(10, 10, false), ServerFacts::default()),
            &critical,
        );
        assert_eq!(state, State::Critical);
        assert_eq!(
            got,
            "LDAP PAGING CRITICAL - 10 values of member (outside 5) | values=10;;5;0 entries=1;;;0 unpaged_entries=1;;;0 plain_values=10;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;;0"
        );
    }
}
