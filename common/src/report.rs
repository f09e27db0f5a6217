//! The report a check produces: findings that decide the state and the summary, long-output
//! detail lines, and perfdata; rendered as the plugin guidelines define the output.

use crate::{Metric, State};

/// What a check found. The state is the worst finding; the summary names the worst problems
/// first. Details are long-output lines (one per node, server, group...) that carry their own
/// state label but do not change the overall state: a plugin that wants a detail to count also
/// records it as a finding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    findings: Vec<(State, String)>,
    details: Vec<Detail>,
    ok_summary: Option<String>,
    subject: Option<String>,
    metrics: Vec<Metric>,
}

#[derive(Debug, Clone, PartialEq)]
struct Detail {
    state: State,
    text: String,
    min_verbosity: u8,
}

impl Report {
    pub fn new() -> Report {
        Report::default()
    }

    /// Record a finding; a non-OK one becomes part of the summary.
    pub fn add(&mut self, state: State, text: impl Into<String>) -> &mut Report {
        self.findings.push((state, text.into()));
        self
    }

    /// The summary to show when no finding is worse than OK.
    pub fn ok_summary(&mut self, text: impl Into<String>) -> &mut Report {
        self.ok_summary = Some(text.into());
        self
    }

    /// What the whole report is about (`node2 (127.0.0.1:3307)`): written once, before the
    /// summary, instead of in front of every finding.
    pub fn subject(&mut self, text: impl Into<String>) -> &mut Report {
        self.subject = Some(text.into());
        self
    }

    /// A long-output line, always shown.
    pub fn detail(&mut self, state: State, text: impl Into<String>) -> &mut Report {
        self.detail_at(0, state, text)
    }

    /// A long-output line shown only at `-v` repeated at least `min_verbosity` times.
    pub fn detail_at(
        &mut self,
        min_verbosity: u8,
        state: State,
        text: impl Into<String>,
    ) -> &mut Report {
        self.details.push(Detail {
            state,
            text: text.into(),
            min_verbosity,
        });
        self
    }

    pub fn metric(&mut self, metric: Metric) -> &mut Report {
        self.metrics.push(metric);
        self
    }

    /// The worst finding's state; OK when nothing was found.
    pub fn state(&self) -> State {
        self.findings
            .iter()
            .map(|(s, _)| *s)
            .max()
            .unwrap_or(State::Ok)
    }

    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// Non-OK findings, worst first (stable within a state), joined by `; `. When all is well:
    /// the OK summary, else the OK findings.
    pub fn summary(&self) -> String {
        match &self.subject {
            Some(subject) => format!("{subject}: {}", self.findings_summary()),
            None => self.findings_summary(),
        }
    }

    fn findings_summary(&self) -> String {
        let mut problems: Vec<&(State, String)> = self
            .findings
            .iter()
            .filter(|(s, _)| *s != State::Ok)
            .collect();
        if problems.is_empty() {
            if let Some(text) = &self.ok_summary {
                return text.clone();
            }
            let all: Vec<&str> = self.findings.iter().map(|(_, t)| t.as_str()).collect();
            return if all.is_empty() {
                "no problems found".to_string()
            } else {
                all.join("; ")
            };
        }
        problems.sort_by_key(|(state, _)| std::cmp::Reverse(*state));
        problems
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The full plugin output (without trailing newline): first line, then long output.
    pub fn render(&self, service: &str, verbosity: u8) -> String {
        let mut out = format!("{service} {} - {}", self.state(), clean(&self.summary()));
        if !self.metrics.is_empty() {
            out.push_str(" |");
            for metric in &self.metrics {
                out.push(' ');
                out.push_str(&metric.to_string());
            }
        }
        for detail in self.details.iter().filter(|d| d.min_verbosity <= verbosity) {
            out.push_str(&format!("\n\\_ [{}] {}", detail.state, clean(&detail.text)));
        }
        out
    }
}

/// Text safe for one output line: no `|` (it starts perfdata) and no line breaks.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => '/',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Uom;

    #[test]
    fn ok_report() {
        let mut r = Report::new();
        r.ok_summary("3 of 3 nodes Synced")
            .metric(Metric::new("cluster_size", 3u8).min(0u8));
        assert_eq!(r.state(), State::Ok);
        assert_eq!(
            r.render("GALERA", 0),
            "GALERA OK - 3 of 3 nodes Synced | cluster_size=3;;;0"
        );
    }

    #[test]
    fn worst_problem_first_and_details_per_line() {
        let mut r = Report::new();
        r.add(State::Ok, "node1 Synced")
            .add(State::Warning, "node3 Donor/Desynced")
            .add(
                State::Critical,
                "node2 (127.0.0.1:3307) unreachable: connection refused",
            )
            .add(State::Unknown, "node4 said something odd")
            .detail(State::Ok, "node1 127.0.0.1:3306: Synced")
            .detail(State::Critical, "node2 127.0.0.1:3307: connection refused")
            .detail_at(2, State::Ok, "node1 wsrep_gcomm_uuid=abc")
            .metric(Metric::new("clock_skew", 0.5).uom(Uom::Seconds));
        assert_eq!(r.state(), State::Critical);
        let expected = "GALERA CRITICAL - node2 (127.0.0.1:3307) unreachable: connection refused; node3 Donor/Desynced; \
                        node4 said something odd | clock_skew=0.5s\n\
                        \\_ [OK] node1 127.0.0.1:3306: Synced\n\
                        \\_ [CRITICAL] node2 127.0.0.1:3307: connection refused";
        assert_eq!(r.render("GALERA", 1), expected);
        assert!(
            r.render("GALERA", 2)
                .ends_with("\n\\_ [OK] node1 wsrep_gcomm_uuid=abc")
        );
    }

    #[test]
    fn no_pipe_or_newline_inside_text() {
        let mut r = Report::new();
        r.add(State::Warning, "a|b\nc")
            .detail(State::Warning, "x|y\r\n");
        assert_eq!(r.render("X", 0), "X WARNING - a/b c\n\\_ [WARNING] x/y  ");
    }

    #[test]
    fn subject_is_written_once() {
        let mut r = Report::new();
        r.subject("node2 (127.0.0.1:3307)")
            .add(State::Warning, "a")
            .add(State::Critical, "b");
        assert_eq!(
            r.render("X", 0),
            "X CRITICAL - node2 (127.0.0.1:3307): b; a"
        );
        let mut r = Report::new();
        r.subject("node1").ok_summary("Synced");
        assert_eq!(r.render("X", 0), "X OK - node1: Synced");
    }

    #[test]
    fn empty_report_is_ok() {
        assert_eq!(Report::new().render("X", 0), "X OK - no problems found");
        let mut r = Report::new();
        r.add(State::Ok, "a").add(State::Ok, "b");
        assert_eq!(r.render("X", 0), "X OK - a; b");
    }

    #[test]
    fn unknown_outranked_by_warning() {
        let mut r = Report::new();
        r.add(State::Unknown, "u").add(State::Warning, "w");
        assert_eq!(r.state(), State::Warning);
        assert_eq!(r.summary(), "w; u");
    }
}
