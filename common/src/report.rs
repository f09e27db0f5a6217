//! The report a check produces: findings that decide the state and the summary, long-output
//! detail lines, and perfdata; rendered as the plugin guidelines define the output.

use crate::units::plural;
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
    /// How many of `metrics`, from the start, are headline metrics (aggregates and totals).
    headline_metrics: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Detail {
    state: State,
    text: String,
    min_verbosity: u8,
}

/// How many bytes of output the client takes whole, the trailing newline included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputLimit {
    Bytes(usize),
    /// No client limit (Icinga 2): the output still stops at [`OUTPUT_CEILING`].
    Unlimited,
}

impl Default for OutputLimit {
    fn default() -> OutputLimit {
        OutputLimit::Bytes(DEFAULT_OUTPUT_LIMIT)
    }
}

impl OutputLimit {
    /// The bytes the output may have before its trailing newline.
    fn budget(self) -> usize {
        match self {
            OutputLimit::Bytes(bytes) => bytes.min(OUTPUT_CEILING),
            OutputLimit::Unlimited => OUTPUT_CEILING,
        }
        .saturating_sub(1)
    }

    /// How the closing line names the limit, so an operator knows what to raise.
    fn described(self) -> String {
        match self {
            OutputLimit::Bytes(bytes) => format!("--output-limit {bytes}"),
            OutputLimit::Unlimited => format!("the {OUTPUT_CEILING}-byte output ceiling"),
        }
    }
}

impl std::str::FromStr for OutputLimit {
    type Err = String;

    /// `none`, or a number of bytes from [`MIN_OUTPUT_LIMIT`] to [`OUTPUT_CEILING`].
    fn from_str(text: &str) -> Result<OutputLimit, String> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(OutputLimit::Unlimited);
        }
        let bytes: usize = text
            .parse()
            .ok()
            .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("'{text}' is not a number of bytes or 'none'"))?;
        if !(MIN_OUTPUT_LIMIT..=OUTPUT_CEILING).contains(&bytes) {
            return Err(format!(
                "'{text}' is out of range: from {MIN_OUTPUT_LIMIT} to {OUTPUT_CEILING} bytes, or 'none'"
            ));
        }
        Ok(OutputLimit::Bytes(bytes))
    }
}

impl std::fmt::Display for OutputLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputLimit::Bytes(bytes) => write!(f, "{bytes}"),
            OutputLimit::Unlimited => f.write_str("none"),
        }
    }
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

    /// A per-item metric (one node's, one server's): left out first when the output is cut.
    pub fn metric(&mut self, metric: impl Into<Metric>) -> &mut Report {
        self.metrics.push(metric.into());
        self
    }

    /// A headline metric (an aggregate or a total: `skew`, `hosts`, `cluster_size`): rendered
    /// before every per-item metric, and the last perfdata a cut output leaves out.
    pub fn headline(&mut self, metric: impl Into<Metric>) -> &mut Report {
        self.metrics.insert(self.headline_metrics, metric.into());
        self.headline_metrics += 1;
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

    /// Non-OK findings, worst first (stable within a state), joined by ` / ` (never `;`:
    /// Nagios turns it into `:`, and findings hold commas of their own). When all is well: the OK summary, else the OK findings.
    pub fn summary(&self) -> String {
        self.summary_within(SUMMARY_CAP)
    }

    fn summary_within(&self, cap: usize) -> String {
        match &self.subject {
            Some(subject) => format!("{subject}: {}", self.findings_summary(cap)),
            None => self.findings_summary(cap),
        }
    }

    fn findings_summary(&self, cap: usize) -> String {
        let cap = cap
            .saturating_sub(self.subject.as_ref().map_or(0, |s| s.len() + 2))
            .max(MIN_FINDINGS_CAP);
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
                join_capped(&all, cap)
            };
        }
        problems.sort_by_key(|(state, _)| std::cmp::Reverse(*state));
        let texts: Vec<&str> = problems.iter().map(|(_, t)| t.as_str()).collect();
        join_capped(&texts, cap)
    }

    /// The output for the default limit ([`DEFAULT_OUTPUT_LIMIT`]).
    pub fn render(&self, service: &str, verbosity: u8) -> String {
        self.render_within(service, verbosity, OutputLimit::default())
    }

    /// The full plugin output (without its trailing newline), whole within `limit`. What goes
    /// when it must: per-item perfdata and long-output lines first, headline metrics last;
    /// perfdata items are kept whole, never cut; a last line says what was left out. The
    /// summary is capped at [`SUMMARY_CAP`], and under a small limit leaves room on the first
    /// line for the headline metrics, so state, summary and totals arrive together.
    pub(crate) fn render_within(&self, service: &str, verbosity: u8, limit: OutputLimit) -> String {
        let budget = limit.budget();
        let state = self.state();
        let prefix = format!("{service} {state} - ");
        let items: Vec<String> = self.metrics.iter().map(Metric::to_string).collect();
        let (headlines, per_item) = items.split_at(self.headline_metrics.min(items.len()));
        let headline_len: usize = headlines.iter().map(|i| i.len() + 1).sum::<usize>() + 2;
        let summary_cap = SUMMARY_CAP.min(
            budget
                .saturating_sub(prefix.len() + headline_len.min(budget / 2) + CLOSING_RESERVE)
                .max(MIN_FINDINGS_CAP),
        );
        let mut out = prefix;
        out.push_str(&truncate(
            &clean(&self.summary_within(summary_cap)),
            summary_cap,
        ));
        // A long-output line takes at most half the budget: under the default 4 KB that is
        // 2 KB, with no limit (Icinga) 32 KB, so a plugin's own "and N more" stays whole.
        let line_cap = budget / 2;
        let details: Vec<&Detail> = self
            .details
            .iter()
            .filter(|d| d.min_verbosity <= verbosity)
            .collect();
        let mut shown: Vec<String> = details.iter().map(|d| detail_line(d, line_cap)).collect();
        // Per-item perfdata leaves room for the first long-output line (plugins put the
        // aggregate finding there) and the closing line.
        let lead = shown.first().map_or(0, String::len);
        let mut perfdata = String::new();
        let mut metrics_left_out = 0;
        for (group, room) in [
            (headlines, budget.saturating_sub(CLOSING_RESERVE)),
            (per_item, budget.saturating_sub(lead + CLOSING_RESERVE)),
        ] {
            for (index, item) in group.iter().enumerate() {
                if out.len() + " |".len() + perfdata.len() + 1 + item.len() > room {
                    metrics_left_out += group.len() - index;
                    break;
                }
                perfdata.push(' ');
                perfdata.push_str(item);
            }
        }
        if !perfdata.is_empty() {
            out.push_str(" |");
            out.push_str(&perfdata);
        }
        // Lines of findings that do not all fit share the room: each is cut to its share, so
        // that one long listing cannot push another finding's line out.
        let room = budget.saturating_sub(out.len() + CLOSING_RESERVE);
        let problems: Vec<usize> = (0..details.len())
            .filter(|&i| details[i].state != State::Ok)
            .collect();
        if problems.len() > 1 && problems.iter().map(|&i| shown[i].len()).sum::<usize>() > room {
            let share = (room / problems.len()).max(MIN_CUT_LINE);
            for &i in &problems {
                if shown[i].len() > share {
                    shown[i] = detail_line(details[i], share);
                }
            }
        }
        let mut lines_left_out = 0;
        for (index, line) in shown.iter().enumerate() {
            let closing_needed = index + 1 < shown.len() || metrics_left_out > 0;
            let reserve = if closing_needed { CLOSING_RESERVE } else { 0 };
            if out.len() + line.len() + reserve > budget {
                // The first line that does not fit is cut to the room left when that is worth
                // a line (it is the more important: plugins put the aggregate lines first);
                // the rest are counted.
                let room = budget.saturating_sub(out.len() + CLOSING_RESERVE);
                let mut left = shown.len() - index;
                if room >= MIN_CUT_LINE {
                    out.push_str(&detail_line(details[index], room));
                    left -= 1;
                }
                lines_left_out = left;
                break;
            }
            out.push_str(line);
        }
        if lines_left_out + metrics_left_out > 0 {
            let closing = closing_line(lines_left_out, metrics_left_out, limit);
            if out.len() + closing.len() <= budget {
                out.push_str(&closing);
            }
        }
        out
    }
}

/// `\_ ... and 3 more lines and 12 perfdata items, left out to fit --output-limit 1024`.
fn closing_line(lines: usize, metrics: usize, limit: OutputLimit) -> String {
    let lines_text = plural(lines, "more line", "more lines");
    let metrics_text = plural(metrics, "perfdata item", "perfdata items");
    let what = match (lines, metrics) {
        (0, _) => metrics_text,
        (_, 0) => lines_text,
        _ => format!("{lines_text} and {metrics_text}"),
    };
    format!(
        "\n\\_ ... and {what}, left out to fit {}",
        limit.described()
    )
}

/// One long-output line, with its line break: `\_ [STATE] text`, the whole within `cap`.
fn detail_line(detail: &Detail, cap: usize) -> String {
    let head = format!("\n\\_ [{}] ", detail.state);
    let text = clean(&detail.text);
    format!(
        "{head}{}",
        truncate_keeping_tail(&text, cap.saturating_sub(head.len()))
    )
}

/// `text` cut to at most `cap` bytes, keeping its last list item (after the last `, `) when
/// that is short: plugins end lists with `x and 1995 more`, and the count must survive.
fn truncate_keeping_tail(text: &str, cap: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= cap {
        return std::borrow::Cow::Borrowed(text);
    }
    let tail = text
        .rfind(", ")
        .map(|at| &text[at..])
        .filter(|tail| tail.len() <= cap / 4)
        .unwrap_or("");
    let head = truncate(&text[..text.len() - tail.len()], cap - tail.len());
    std::borrow::Cow::Owned(format!("{head}{tail}"))
}

/// The longest summary (the first line's text before the perfdata), in bytes.
pub const SUMMARY_CAP: usize = 1024;
/// What the output fits unless told otherwise: Nagios Core 4 takes 4 KB whole (its worker can
/// lose what comes after), and NRPE 3+ more.
pub const DEFAULT_OUTPUT_LIMIT: usize = 4096;
/// NRPE with version 2 packets (`check_nrpe -2`) takes 1 KB.
pub const MIN_OUTPUT_LIMIT: usize = 1024;
/// The most any plugin prints, whatever the client takes: what NRPE 4 carries (65504 bytes).
pub const OUTPUT_CEILING: usize = 65504;
/// A status line on its own (usage errors, timeouts, internal errors): whole within the
/// smallest client limit, the newline included.
pub const LINE_CAP: usize = MIN_OUTPUT_LIMIT - 1;
/// Room kept for the closing line that says what was left out.
const CLOSING_RESERVE: usize = 96;
/// Room kept for a closing `, ... and N more` in the summary.
const MORE_RESERVE: usize = 32;
/// A long-output line is cut to the room left only when at least this much is left.
const MIN_CUT_LINE: usize = 128;
/// A subject never squeezes the findings below this.
const MIN_FINDINGS_CAP: usize = 256;

/// `SERVICE STATE - text`, the text cleaned, the whole line within [`LINE_CAP`]: every status
/// line the runtime prints on its own (error, timeout, panic) is built here.
pub(crate) fn status_line(service: &str, state: State, text: &str) -> String {
    status_line_with(service, state, text, "")
}

/// [`status_line`] followed by `suffix` (the usage hint), the text cut so the whole line with
/// the suffix stays within [`LINE_CAP`].
pub(crate) fn status_line_with(service: &str, state: State, text: &str, suffix: &str) -> String {
    let prefix = format!("{service} {state} - ");
    let cap = LINE_CAP.saturating_sub(prefix.len() + suffix.len());
    format!("{prefix}{}{suffix}", truncate(&clean(text), cap))
}

/// Texts joined by ` / ` while they fit in `cap` bytes, then `... and N more`. A first text
/// longer than the cap is cut (at a character boundary) and marked with `...`.
fn join_capped(texts: &[&str], cap: usize) -> String {
    let mut out = String::new();
    for (index, text) in texts.iter().enumerate() {
        let left = texts.len() - index;
        let reserve = if left > 1 { MORE_RESERVE } else { 0 };
        let separator = if out.is_empty() { "" } else { SEPARATOR };
        if out.len() + separator.len() + text.len() + reserve > cap {
            if out.is_empty() {
                out.push_str(&truncate(text, cap.saturating_sub(reserve)));
                if left == 1 {
                    return out;
                }
                out.push_str(&format!("{SEPARATOR}... and {} more", left - 1));
            } else {
                out.push_str(&format!("{SEPARATOR}... and {left} more"));
            }
            return out;
        }
        out.push_str(separator);
        out.push_str(text);
    }
    out
}

/// Between findings in a summary.
const SEPARATOR: &str = " / ";

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

/// Text safe for one output line: no secret of the run (a server may quote the password in
/// its error), no `|` (it starts perfdata), no `;` (Nagios turns it into `:`; a server's
/// words may hold one) and no line breaks.
pub fn clean(text: &str) -> String {
    crate::secret::scrub(text)
        .chars()
        .map(|c| match c {
            '|' => '/',
            ';' => ',',
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
        let expected = "GALERA CRITICAL - node2 (127.0.0.1:3307) unreachable: connection refused / node3 Donor/Desynced / \
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
            "X CRITICAL - node2 (127.0.0.1:3307): b / a"
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
        assert_eq!(r.render("X", 0), "X OK - a / b");
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
        assert!(summary.starts_with("[group0000] is empty (hosts.ini:0) / [group0001]"));
        let shown = summary.matches("is empty").count();
        assert!(
            summary.ends_with(&format!(" / ... and {} more", 2000 - shown)),
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
            out.ends_with("... / ... and 1 more"),
            "{}",
            &out[out.len() - 40..]
        );
        let mut r = Report::new();
        r.subject("node1").add(State::Critical, "x".repeat(5000));
        let out = r.render("X", 0);
        assert!(out.starts_with("X CRITICAL - node1: xxx") && out.ends_with("xx..."));
        assert!(out.len() <= "X CRITICAL - ".len() + SUMMARY_CAP);
    }

    /// 300 nodes: within every limit, whole perfdata items, headlines kept, and a closing line
    /// that says what was left out and which option gives more.
    #[test]
    fn output_stays_within_the_limit_and_says_what_it_left_out() {
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
        r.headline(Metric::new("nodes_reachable", 300u16).min(0u8));
        r.headline(Metric::new("cluster_size", 300u16).min(0u8));
        for (limit, budget) in [
            (OutputLimit::Bytes(1024), 1023),
            (OutputLimit::default(), 4095),
            (OutputLimit::Bytes(8192), 8191),
            (OutputLimit::Unlimited, 65503),
        ] {
            let out = r.render_within("GALERA", 0, limit);
            assert!(out.len() <= budget, "{limit}: {}", out.len());
            let first = out.lines().next().expect("first line");
            let perf = first.split(" | ").nth(1).expect("perfdata");
            assert!(
                perf.starts_with("nodes_reachable=300;;;0 cluster_size=300;;;0"),
                "{limit}: headlines first: {perf}"
            );
            assert!(
                perf.split(' ').skip(2).all(|item| item.ends_with(";;;0;1")),
                "{limit}: {perf}"
            );
            let kept = perf.split(' ').count() - 2;
            let lines = out.lines().count() - 1;
            if limit == OutputLimit::Unlimited {
                assert_eq!((kept, lines), (300, 300), "all of it");
                continue;
            }
            let last = out.lines().last().expect("last line");
            assert_eq!(
                last,
                format!(
                    "\\_ ... and {} and {} perfdata items, left out to fit --output-limit {limit}",
                    match 300 - (lines - 1) {
                        1 => "1 more line".to_string(),
                        n => format!("{n} more lines"),
                    },
                    300 - kept
                ),
                "{limit}"
            );
        }
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

    /// Under NRPE v2's 1 KB the first line still holds state, summary and the totals, even
    /// when the findings alone would fill it.
    #[test]
    fn a_small_limit_keeps_the_totals_on_the_first_line() {
        let mut r = Report::new();
        for i in 0..2000 {
            r.add(State::Critical, format!("[group{i:04}] is empty"));
            r.metric(Metric::new(format!("hosts_group{i:04}"), 0u8));
        }
        r.headline(Metric::new("hosts", 1990u16).min(0u8));
        r.headline(Metric::new("groups", 2000u16).min(0u8));
        let out = r.render_within("SPLIT ORDER", 0, OutputLimit::Bytes(1024));
        assert!(out.len() <= 1023, "{}", out.len());
        let first = out.lines().next().expect("first line");
        assert!(first.contains(" / ... and "), "{first}");
        assert!(
            first.contains(" more | hosts=1990;;;0 groups=2000;;;0"),
            "{first}"
        );
    }

    /// A long long-output line is whole with no limit, and cut elsewhere keeping its count; the
    /// first line that does not fit is cut to the room left, not dropped.
    #[test]
    fn long_lines_keep_their_count() {
        let names: Vec<String> = (0..100)
            .map(|i| format!("web{i:03}.datacenter-one.example.com"))
            .collect();
        let listing = format!("{} and 2900 more", names.join(", "));
        let mut r = Report::new();
        r.add(State::Critical, "2 groups share 3000 hosts");
        r.detail(State::Critical, format!("in both [a] and [b]: {listing}"));
        r.detail(State::Critical, "second line");
        let out = r.render_within("SPLIT ORDER", 0, OutputLimit::Unlimited);
        assert!(out.contains(&listing), "{out}");
        for limit in [OutputLimit::default(), OutputLimit::Bytes(1024)] {
            let out = r.render_within("SPLIT ORDER", 0, limit);
            assert!(out.len() < limit.budget() + 1, "{limit}: {}", out.len());
            let line = out.lines().nth(1).expect("the long line");
            assert!(
                line.starts_with("\\_ [CRITICAL] in both [a] and [b]: web000.datacenter-one")
                    && line.ends_with("..., web099.datacenter-one.example.com and 2900 more"),
                "{limit}: {line}"
            );
        }
        let items: Vec<String> = (0..60).map(|i| format!("item{i:02}")).collect();
        let text = format!("{} and 40 more", items.join(", "));
        let cut = truncate_keeping_tail(&text, 100);
        assert_eq!(cut.len(), 100, "{cut}");
        assert!(
            cut.starts_with("item00, item01, ") && cut.ends_with("..., item59 and 40 more"),
            "{cut}"
        );
        assert_eq!(
            truncate_keeping_tail("no list at all here", 10),
            "no list..."
        );
    }

    #[test]
    fn limits_read_as_operators_write_them() {
        assert_eq!("4096".parse(), Ok(OutputLimit::Bytes(4096)));
        assert_eq!("none".parse(), Ok(OutputLimit::Unlimited));
        assert_eq!("NONE".parse(), Ok(OutputLimit::Unlimited));
        for bad in ["", "0", "1023", "65505", "-1", "4k", " 4096"] {
            assert!(bad.parse::<OutputLimit>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "512".parse::<OutputLimit>(),
            Err("'512' is out of range: from 1024 to 65504 bytes, or 'none'".to_string())
        );
    }

    #[test]
    fn no_semicolon_reaches_nagios() {
        let mut r = Report::new();
        r.add(State::Warning, "server said: a, b")
            .add(State::Critical, "c")
            .detail(State::Ok, "d, e");
        assert_eq!(
            r.render("X", 0),
            "X CRITICAL - c / server said: a, b\n\\_ [OK] d, e"
        );
        assert_eq!(
            status_line_with("X", State::Unknown, "bad, worse", " (see 'x --help')"),
            "X UNKNOWN - bad, worse (see 'x --help')"
        );
    }

    #[test]
    fn a_status_line_with_its_hint_fits_the_smallest_limit() {
        let line = status_line_with("X", State::Unknown, &"y".repeat(5000), " (see 'x --help')");
        assert_eq!(line.len(), LINE_CAP);
        assert!(line.ends_with("yyy... (see 'x --help')"), "{line}");
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
        assert_eq!(r.summary(), "w / u");
    }
}
