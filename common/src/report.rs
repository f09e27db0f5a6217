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
        let cap = SUMMARY_CAP.saturating_sub(self.subject.as_ref().map_or(0, |s| s.len() + 2));
        let mut problems: Vec<&(State, String)> = self
            .findings
            .iter()
            .filter(|(s, _)| *s != State::Ok)
            .collect();
        if problems.is_empty() {
            if let Some(text) = &self.ok_summary {
                return truncate(text, cap).into_owned();
            }
            let all: Vec<&str> = self.findings.iter().map(|(_, t)| t.as_str()).collect();
            return if all.is_empty() {
                "no problems found".to_string()
            } else {
                join_capped(&all, cap.max(MIN_FINDINGS_CAP))
            };
        }
        problems.sort_by_key(|(state, _)| std::cmp::Reverse(*state));
        let texts: Vec<&str> = problems.iter().map(|(_, t)| t.as_str()).collect();
        join_capped(&texts, cap.max(MIN_FINDINGS_CAP))
    }

    /// The full plugin output (without trailing newline): first line, then long output, within
    /// [`OUTPUT_CAP`]: the summary is capped at [`SUMMARY_CAP`], perfdata items are kept whole
    /// (those past the cap are left out, never cut), and long-output lines past the cap are
    /// counted in a last line.
    pub fn render(&self, service: &str, verbosity: u8) -> String {
        let mut out = status_line(service, self.state(), &self.summary());
        let shown: Vec<&Detail> = self
            .details
            .iter()
            .filter(|d| d.min_verbosity <= verbosity)
            .collect();
        // Perfdata leaves room for the first long-output line (plugins put the aggregate
        // finding there) and the line that counts the rest left out.
        let lead = shown
            .first()
            .map_or(0, |d| detail_line(d).len() + MORE_LINE_RESERVE);
        let perfdata_cap = OUTPUT_CAP - lead;
        let mut perfdata = String::new();
        for metric in &self.metrics {
            let item = metric.to_string();
            if out.len() + " |".len() + perfdata.len() + 1 + item.len() > perfdata_cap {
                break;
            }
            perfdata.push(' ');
            perfdata.push_str(&item);
        }
        if !perfdata.is_empty() {
            out.push_str(" |");
            out.push_str(&perfdata);
        }
        for (index, detail) in shown.iter().enumerate() {
            let line = detail_line(detail);
            let left = shown.len() - index;
            let reserve = if left > 1 { MORE_LINE_RESERVE } else { 0 };
            if out.len() + line.len() + reserve > OUTPUT_CAP {
                out.push_str(&format!("\n\\_ ... and {left} more"));
                break;
            }
            out.push_str(&line);
        }
        out
    }
}

/// One long-output line, with its line break: `\_ [STATE] text`, the text capped.
fn detail_line(detail: &Detail) -> String {
    format!(
        "\n\\_ [{}] {}",
        detail.state,
        truncate(&clean(&detail.text), SUMMARY_CAP)
    )
}

/// The longest summary (the first line's text before the perfdata), in bytes.
pub const SUMMARY_CAP: usize = 1024;
/// The whole output aims to fit Nagios' plugin-output buffer.
pub const OUTPUT_CAP: usize = 8192;
/// Room kept for a closing `; ... and N more` or `\_ ... and N more`.
const MORE_LINE_RESERVE: usize = 32;
/// A subject never squeezes the findings below this.
const MIN_FINDINGS_CAP: usize = 256;

/// `SERVICE STATE - text`, the text cleaned and capped at [`SUMMARY_CAP`]: every first line the
/// runtime prints (report, error, timeout, panic) is built here.
pub fn status_line(service: &str, state: State, text: &str) -> String {
    format!(
        "{service} {state} - {}",
        truncate(&clean(text), SUMMARY_CAP)
    )
}

/// Texts joined by `; ` while they fit in `cap` bytes, then `... and N more`. A first text longer
/// than the cap is cut (at a character boundary) and marked with `...`.
fn join_capped(texts: &[&str], cap: usize) -> String {
    let mut out = String::new();
    for (index, text) in texts.iter().enumerate() {
        let left = texts.len() - index;
        let reserve = if left > 1 { MORE_LINE_RESERVE } else { 0 };
        let separator = if out.is_empty() { "" } else { "; " };
        if out.len() + separator.len() + text.len() + reserve > cap {
            if out.is_empty() {
                out.push_str(&truncate(text, cap.saturating_sub(reserve)));
                if left == 1 {
                    return out;
                }
                out.push_str(&format!("; ... and {} more", left - 1));
            } else {
                out.push_str(&format!("; ... and {left} more"));
            }
            return out;
        }
        out.push_str(separator);
        out.push_str(text);
    }
    out
}

/// `text` cut to at most `cap` bytes at a character boundary, ending in `...` when cut.
fn truncate(text: &str, cap: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= cap {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = cap.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}...", &text[..end]))
}

/// Text safe for one output line: no `|` (it starts perfdata) and no line breaks.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => '/',
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
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
    fn summary_is_capped_with_a_count_of_the_rest() {
        let mut r = Report::new();
        for i in 0..2000 {
            r.add(
                State::Critical,
                format!("[group{i:04}] is empty (hosts.ini:{i})"),
            );
        }
        let out = r.render("SPLIT ORDER", 0);
        let summary = out.strip_prefix("SPLIT ORDER CRITICAL - ").expect("prefix");
        assert!(summary.len() <= SUMMARY_CAP, "{}", summary.len());
        assert!(summary.starts_with("[group0000] is empty (hosts.ini:0); [group0001]"));
        let shown = summary.matches("is empty").count();
        assert!(
            summary.ends_with(&format!("; ... and {} more", 2000 - shown)),
            "{summary}"
        );
    }

    #[test]
    fn one_huge_finding_is_cut() {
        let mut r = Report::new();
        r.add(State::Warning, "é".repeat(5000));
        r.add(State::Warning, "second");
        let out = r.render("X", 0);
        assert!(out.len() <= "X WARNING - ".len() + SUMMARY_CAP);
        assert!(
            out.ends_with("...; ... and 1 more"),
            "{}",
            &out[out.len() - 40..]
        );
        let mut r = Report::new();
        r.subject("node1").add(State::Critical, "x".repeat(5000));
        let out = r.render("X", 0);
        assert!(out.starts_with("X CRITICAL - node1: xxx") && out.ends_with("xx..."));
        assert!(out.len() <= "X CRITICAL - ".len() + SUMMARY_CAP);
    }

    #[test]
    fn output_stays_within_the_nagios_buffer() {
        let mut r = Report::new();
        r.add(State::Warning, "many nodes");
        for i in 0..300 {
            r.metric(
                Metric::new(format!("node{i}_flow_control_paused"), 0.25)
                    .min(0u8)
                    .max(1u8),
            );
            r.detail(
                State::Ok,
                format!("node{i} 10.0.0.{}:3306: Synced, Primary", i % 250),
            );
        }
        let out = r.render("GALERA", 0);
        assert!(out.len() <= OUTPUT_CAP, "{}", out.len());
        let first = out.lines().next().expect("first line");
        // Perfdata items are whole: every one parses as label=value;;;min;max.
        let perf = first.split(" | ").nth(1).expect("perfdata");
        assert!(
            perf.split(' ').all(|item| item.ends_with(";;;0;1")),
            "{perf}"
        );
        let last = out.lines().last().expect("last line");
        assert!(
            last.starts_with("\\_ ... and ") && last.ends_with(" more"),
            "{last}"
        );
        // An ordinary size is untouched.
        let mut r = Report::new();
        for i in 0..9 {
            r.metric(Metric::new(format!("node{i}_flow_control_paused"), 0.25));
            r.detail(State::Ok, format!("node{i}: Synced"));
        }
        let out = r.render("GALERA", 0);
        assert_eq!(out.matches("flow_control_paused=").count(), 9);
        assert_eq!(out.lines().count(), 10);
    }

    #[test]
    fn status_lines_are_cleaned() {
        assert_eq!(
            status_line("X", State::Unknown, "timed out while reading 'a|b\nc'"),
            "X UNKNOWN - timed out while reading 'a/b c'"
        );
        assert_eq!(
            status_line("X", State::Ok, "a\u{2028}b\u{7}"),
            "X OK - a b?"
        );
    }

    #[test]
    fn unknown_outranked_by_warning() {
        let mut r = Report::new();
        r.add(State::Unknown, "u").add(State::Warning, "w");
        assert_eq!(r.state(), State::Warning);
        assert_eq!(r.summary(), "w; u");
    }
}
