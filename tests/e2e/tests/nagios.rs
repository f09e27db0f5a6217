//! The other clients, for real: a Nagios Core 4 runs the shipped command definitions
//! (`packaging/nagios/hastack.cfg`, the `_host` ones with `'$HOSTADDRESS$'` too) against the
//! story's stack, and an NRPE daemon serves the same checks to `check_nrpe` with its default (v4),
//! `-3` and `-2` packets. Both run the plugins through recording wrappers: what the client kept
//! must be exactly what the plugin printed in that run, state, first line, long output and
//! perfdata, whole within each client's limit.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clap::ArgAction;
use hastack_packaging::checkcommand::key;
use hastack_packaging::{Plugin, nagios, plugins};
use hastack_test_support::harness::output::masked;
use hastack_test_support::servers::nagios::{
    NagiosCore, NagiosResult, NagiosService, Nrpe, Packets, RecordedRun, RecordingPlugins, unix_now,
};
use hastack_test_support::servers::stack::{Service, Stack};
use hastack_test_support::tempdir;
use hastack_test_support::{built_plugins, repo_root};

/// An Icinga DSL value as the plugin receives it: a string, each item of an array, a boolean.
fn dsl_values(value: &str) -> Vec<String> {
    let unquote = |s: &str| {
        let inner = s.trim().trim_start_matches('"').trim_end_matches('"');
        inner
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
            .replace("$$", "$")
    };
    let value = value.trim();
    if let Some(items) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        return items
            .split("\", \"")
            .map(unquote)
            .filter(|i| !i.is_empty())
            .collect();
    }
    vec![unquote(value)]
}

/// The plugin's argv for a service the stack defines in Icinga's terms, as an operator would
/// write it for Nagios or NRPE: each custom variable as its option, a password through
/// `--password-file` (a file in `secrets`, readable by the nagios user only), the galera
/// history in `state`, and the files it names copied into `secrets` (the servers' own
/// directories are private to the user running the test; NRPE runs as nagios).
fn argv(service: &Service, secrets: &Path, state: &Path) -> (String, Vec<String>) {
    let plugin = plugins()
        .into_iter()
        .find(|p| p.spec.name == service.command)
        .expect("a plugin for the service");
    let command = (plugin.command)();
    let mut args = Vec::new();
    for (var, value) in &service.vars {
        let id = var
            .strip_prefix(&format!("{}_", plugin.spec.name))
            .expect("a variable of the command");
        if plugin.spec.env.iter().any(|(_, suffix)| *suffix == id) {
            let file = secrets.join(format!("{}-{id}", service.name));
            std::fs::write(&file, dsl_values(value).concat()).expect("password file");
            chown_nagios(&file, 0o600);
            args.extend(["--password-file".to_string(), file.display().to_string()]);
            continue;
        }
        if id == "state_dir" {
            args.extend(["--state-dir".to_string(), state.display().to_string()]);
            continue;
        }
        let arg = command
            .get_arguments()
            .find(|a| a.get_id().as_str() == id)
            .unwrap_or_else(|| panic!("{var}: no such option"));
        let key = key(arg).expect("an option key");
        match arg.get_action() {
            ArgAction::SetTrue | ArgAction::Count => {
                if value == "true" {
                    args.push(key);
                }
            }
            _ => {
                for item in dsl_values(value) {
                    let path = Path::new(&item);
                    let item = match path.is_absolute() && path.is_file() {
                        true => {
                            let copy = secrets.join(format!(
                                "{}-{}",
                                service.name,
                                path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
                            ));
                            std::fs::copy(path, &copy).expect("copy a named file");
                            chown_nagios(&copy, 0o600);
                            copy.display().to_string()
                        }
                        false => item,
                    };
                    args.extend([key.clone(), item]);
                }
            }
        }
    }
    (plugin.spec.binary.to_string(), args)
}

fn chown_nagios(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = Command::new("chown")
        .arg("nagios:nagios")
        .arg(path)
        .status();
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Single-quoted for /bin/sh (Nagios and NRPE run a command line with quotes through it).
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a plugin printed, split the way a monitoring core splits it.
#[derive(Debug, Clone, PartialEq)]
struct Printed {
    code: i64,
    text: String,
    perfdata: String,
    long: Vec<String>,
}

/// The plugin run here, as its first run (its own, empty history: what the client's first
/// run saw).
fn run_directly(plugin_dir: &Path, binary: &str, args: &[String]) -> Printed {
    let fresh = tempdir().expect("tempdir");
    let mut args = args.to_vec();
    if let Some(at) = args.iter().position(|a| a == "--state-dir") {
        args[at + 1] = fresh.path().display().to_string();
    }
    // A fresh history too where none is named: nothing of this host's earlier runs.
    let out = Command::new(plugin_dir.join(binary))
        .args(&args)
        .env("STATE_DIRECTORY", fresh.path())
        .output()
        .expect("run the plugin");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = stdout.trim_end_matches('\n').lines();
    let first = lines.next().unwrap_or_default();
    let (text, perfdata) = first.split_once(" | ").unwrap_or((first, ""));
    Printed {
        code: i64::from(out.status.code().unwrap_or(-1)),
        text: text.to_string(),
        perfdata: perfdata.to_string(),
        long: lines.map(str::to_string).collect(),
    }
}

/// What Nagios 4 keeps of one run (`parse_check_output`): the output's trailing whitespace
/// dropped; the first line up to its first `|` is the plugin output (stripped, `;` turned into
/// `:`), the rest of that line perfdata; the lines after it are long output up to the first line
/// with a `|`, whose rest and every later line are perfdata too (joined with spaces: measured two
/// between the first line's and the long output's, see the support module); perfdata stripped.
#[derive(Debug, Clone, PartialEq)]
struct Kept {
    state: i64,
    plugin_output: String,
    long_output: String,
    perfdata: String,
}

const NAGIOS_BLANKS: [char; 4] = [' ', '\n', '\r', '\t'];

fn nagios_keeps(run: &RecordedRun) -> Kept {
    let whole = run.stdout.trim_end_matches(NAGIOS_BLANKS);
    let mut lines = whole.split('\n');
    let first = lines.next().unwrap_or_default();
    let (text, mut perfdata) = match first.split_once('|') {
        Some((text, perfdata)) => (text, perfdata.to_string()),
        None => (first, String::new()),
    };
    let mut long = Vec::new();
    let mut in_perfdata = false;
    for line in lines {
        if in_perfdata {
            perfdata.push_str(line);
            perfdata.push(' ');
        } else if let Some((text, more)) = line.split_once('|') {
            long.push(text);
            if !more.is_empty() {
                perfdata.push(' ');
                perfdata.push_str(more);
                perfdata.push(' ');
            }
            in_perfdata = true;
        } else {
            long.push(line);
        }
    }
    Kept {
        state: i64::from(run.code),
        plugin_output: text.trim_matches(NAGIOS_BLANKS).replace(';', ":"),
        long_output: long.join("\n"),
        perfdata: perfdata.trim_matches(NAGIOS_BLANKS).to_string(),
    }
}

fn kept(result: &NagiosResult) -> Kept {
    Kept {
        state: result.state,
        plugin_output: result.plugin_output.clone(),
        long_output: result.long_output.clone(),
        perfdata: result.perfdata.clone(),
    }
}

/// The run's start (Unix seconds), from its name.
fn run_started(run: &RecordedRun) -> i64 {
    run.id
        .split('.')
        .next()
        .and_then(|ns| ns.parse::<i64>().ok())
        .map_or(0, |ns| ns / 1_000_000_000)
}

/// Nagios' result for `name` equals what the plugin printed in one of its runs (`binary` with
/// `argv`, started at `since` or later).
fn assert_kept_as_printed(
    name: &str,
    result: &NagiosResult,
    runs: &[RecordedRun],
    binary: &str,
    argv: &[String],
    since: i64,
) {
    let printed: Vec<&RecordedRun> = runs
        .iter()
        .filter(|r| r.binary == binary && r.args == argv && run_started(r) >= since)
        .collect();
    let Some(last) = printed.last() else {
        panic!(
            "{name}: no run of {binary} with {argv:?} since {since} among {} recorded",
            runs.len()
        );
    };
    assert!(
        printed.iter().any(|r| nagios_keeps(r) == kept(result)),
        "{name}: Nagios kept\n{:#?}\nwhat the plugin printed ({} runs; the last, as Nagios parses it)\n{:#?}\n{}",
        kept(result),
        printed.len(),
        nagios_keeps(last),
        last.stdout
    );
}

fn binaries() -> Vec<&'static str> {
    plugins().iter().map(|p| p.spec.binary).collect()
}

/// For a service that checks 127.0.0.1 (the Nagios host's address) by the plugin's address
/// option: that option's key and the other arguments, for `check_hastack_<name>_host`, which
/// passes `'$HOSTADDRESS$'` itself.
fn host_command(plugin: &Plugin, args: &[String]) -> Option<(String, Vec<String>)> {
    let key = (plugin.command)()
        .get_arguments()
        .find(|a| plugin.spec.address.contains(&a.get_id().as_str()))
        .and_then(key)?;
    let at = args
        .windows(2)
        .position(|w| w[0] == key && w[1] == "127.0.0.1")?;
    let mut rest = args.to_vec();
    rest.drain(at..at + 2);
    Some((key, rest))
}

/// What the plugin's output came back as through check_nrpe. NRPE 4's daemon refuses v3
/// packets (on purpose: NagiosEnterprises/nrpe#233, #260); `check_nrpe -3` then prints a line
/// of its own, `CHECK_NRPE: Receive header underflow - only -1 bytes received (4 expected).`,
/// and asks again with v2 packets, whose answer follows.
fn delivered(out: &str, packets: Packets) -> &str {
    if packets != Packets::V3 {
        return out;
    }
    let (refusal, rest) = out.split_once('\n').unwrap_or((out, ""));
    assert!(
        refusal.starts_with("CHECK_NRPE: Receive header underflow - only ")
            && refusal.ends_with(" bytes received (4 expected)."),
        "check_nrpe -3: NRPE 4 no longer refuses v3 packets? {out}"
    );
    rest
}

fn labels(perfdata: &str) -> Vec<String> {
    perfdata
        .split_whitespace()
        .filter_map(|item| item.split_once('='))
        .map(|(label, _)| label.trim_matches('\'').to_string())
        .collect()
}

/// Members none of which listens: with 100, an output over the default limit of 4096 (about
/// 9 KB whole) from a command line that still fits Nagios' (it cuts longer ones).
fn big_galera(ports: &[u16]) -> Vec<String> {
    ports
        .iter()
        .enumerate()
        .flat_map(|(i, port)| ["--node".to_string(), format!("n{i}=127.0.0.1:{port}")])
        .chain(["-t".to_string(), "20".to_string()])
        .collect()
}

#[test]
fn nagios_core_records_every_output_whole() {
    let stack = Stack::start(|_| {}).unwrap_or_else(|e| panic!("stack: {e}"));
    let plugins_at = built_plugins();
    let dir = tempdir().expect("tempdir");
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).expect("secrets");
    let recorder = RecordingPlugins::create(&dir.path().join("recorded"), &plugins_at, &binaries())
        .unwrap_or_else(|e| panic!("wrappers: {e}"));
    let mut services = Vec::new();
    // Each service with the argv the plugin must receive from Nagios.
    let mut expected: HashMap<String, (Service, String, Vec<String>, Vec<String>)> = HashMap::new();
    let mut host_commands = 0;
    for service in stack.services() {
        let (binary, args) = argv(&service, &secrets, &stack.state_dir());
        let plugin = plugins()
            .into_iter()
            .find(|p| p.spec.binary == binary)
            .expect("plugin");
        let (command, arg1, received) = match host_command(&plugin, &args) {
            Some((key, rest)) => {
                host_commands += 1;
                let received = [key, "127.0.0.1".to_string()]
                    .into_iter()
                    .chain(rest.iter().cloned())
                    .collect();
                (
                    format!("{}_host", nagios::command_name(&plugin)),
                    rest,
                    received,
                )
            }
            None => (nagios::command_name(&plugin), args.clone(), args.clone()),
        };
        services.push(NagiosService {
            name: service.name.clone(),
            check_command: format!("{command}!{}", shell_words(&arg1).replace('$', "$$")),
        });
        expected.insert(service.name.clone(), (service, binary, args, received));
    }
    assert!(
        host_commands >= 2,
        "the _host commands ran for {host_commands} services"
    );
    // The largest output, 40 times at once: the burst in which Nagios 4's worker loses what
    // passes 4 KB of an output written at once.
    let refusing = hastack_test_support::harness::ports::RefusingPorts::new(100);
    let big = big_galera(refusing.ports());
    for i in 0..40 {
        services.push(NagiosService {
            name: format!("big-galera-{i:02}"),
            check_command: format!("check_hastack_galera!{}", big.join(" ")),
        });
    }
    let commands = repo_root().join("packaging/nagios/hastack.cfg");
    let started = unix_now();
    let core = NagiosCore::start(
        &dir.path().join("nagios"),
        recorder.bin(),
        &[&commands],
        &services,
        Duration::from_secs(3600),
    )
    .unwrap_or_else(|e| panic!("nagios: {e}"));
    let results = core
        .results_after(&services, started, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{e}"));

    let runs = recorder.runs().unwrap_or_else(|e| panic!("{e}"));
    for (name, (service, binary, args, received)) in &expected {
        let result = &results[name];
        assert_kept_as_printed(name, result, &runs, binary, received, started);
        let direct = run_directly(&plugins_at, binary, args);
        assert_eq!(
            result.state, service.expect_state,
            "{name}: {}\n{}",
            result.plugin_output, result.long_output
        );
        assert!(
            result.plugin_output.starts_with(&service.expect_output),
            "{name}: {:?} does not start with {:?}",
            result.plugin_output,
            service.expect_output
        );
        // Whole and unchanged: the same words (no ';' turned into ':'), the same long-output
        // lines, the same perfdata items in the same order as the plugin prints them.
        assert_eq!(
            masked(&result.plugin_output),
            masked(&direct.text),
            "{name}"
        );
        assert_eq!(
            result.long_output.lines().count(),
            direct.long.len(),
            "{name}: long output\n{}",
            result.long_output
        );
        assert_eq!(labels(&result.perfdata), labels(&direct.perfdata), "{name}");
        for label in &service.expect_labels {
            assert!(labels(&result.perfdata).contains(label), "{name}: {label}");
        }
    }

    // The big one, exactly as printed, every time, in three bursts of 40.
    let direct = run_directly(&plugins_at, "check_galera", &big);
    let printed_bytes = direct.text.len()
        + 3
        + direct.perfdata.len()
        + direct.long.iter().map(|l| l.len() + 1).sum::<usize>()
        + 1;
    assert!(
        (4000..=4096).contains(&printed_bytes),
        "the big output is {printed_bytes} bytes"
    );
    assert!(
        direct
            .long
            .last()
            .is_some_and(|l| l.ends_with("left out to fit --output-limit 4096")),
        "{:?}",
        direct.long.last()
    );
    let mut checked = 0;
    for round in 0..3 {
        // The first round is the run at start; then all at once again, a second later each
        // time (last_check has one-second resolution).
        let since = match round {
            0 => started,
            _ => {
                std::thread::sleep(Duration::from_millis(1100));
                let since = unix_now();
                core.force_all().expect("force");
                since
            }
        };
        let results = core
            .results_after(&services, since, Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("{e}"));
        // Every service of the round, the stack's too, as the plugin printed it in that round.
        let runs = recorder.runs().unwrap_or_else(|e| panic!("{e}"));
        for (name, (_, binary, _, received)) in &expected {
            assert_kept_as_printed(name, &results[name], &runs, binary, received, since);
        }
        for i in 0..40 {
            let name = format!("big-galera-{i:02}");
            let result = &results[&name];
            assert_kept_as_printed(&name, result, &runs, "check_galera", &big, since);
            assert_eq!(result.state, 2);
            assert_eq!(result.plugin_output, direct.text, "round {round}, {i}");
            assert_eq!(result.perfdata, direct.perfdata, "round {round}, {i}");
            assert_eq!(
                result.long_output,
                direct.long.join("\n"),
                "round {round}, {i}: cut"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 120);
}

#[test]
fn nrpe_delivers_whole_outputs_with_v4_v3_and_v2_packets() {
    let stack = Stack::start(|_| {}).unwrap_or_else(|e| panic!("stack: {e}"));
    let plugins_at = built_plugins();
    let dir = tempdir().expect("tempdir");
    chown_nagios(dir.path(), 0o755);
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).expect("secrets");
    chown_nagios(&secrets, 0o700);
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).expect("state");
    chown_nagios(&state, 0o700);
    let recorder = RecordingPlugins::create(&dir.path().join("recorded"), &plugins_at, &binaries())
        .unwrap_or_else(|e| panic!("wrappers: {e}"));

    let mut runs: Vec<(String, String, Vec<String>, i64)> = Vec::new();
    for service in stack.services() {
        let (binary, args) = argv(&service, &secrets, &state);
        runs.push((service.name.clone(), binary, args, service.expect_state));
    }
    // NRPE reads at most 2 KB of a command line: 30 members, about 2.5 KB of output.
    let refusing = hastack_test_support::harness::ports::RefusingPorts::new(30);
    runs.push((
        "big-galera".into(),
        "check_galera".into(),
        big_galera(refusing.ports()),
        2,
    ));
    // Each command is a first run: its own history (the variants check the same target). The
    // argv each must reach the plugin with, by command. NRPE 4 refuses v3 packets, so `-3` gets
    // v2's limit.
    let variants = |name: &str| {
        [
            (name.to_string(), Packets::Default, 4096),
            (format!("{name}-v3"), Packets::V3, 1024),
            (format!("{name}-v2"), Packets::V2, 1024),
        ]
    };
    let mut commands = Vec::new();
    let mut received: HashMap<String, Vec<String>> = HashMap::new();
    for (name, binary, args, _) in &runs {
        for (command, _, limit) in variants(name) {
            let own = state.join(&command);
            std::fs::create_dir_all(&own).expect("state");
            chown_nagios(&own, 0o700);
            let mut args = args.clone();
            if let Some(at) = args.iter().position(|a| a == "--state-dir") {
                args[at + 1] = own.display().to_string();
            }
            if limit < 4096 {
                args.extend(["--output-limit".to_string(), limit.to_string()]);
            }
            let line = format!(
                "{}/{binary} {}",
                recorder.bin().display(),
                shell_words(&args)
            );
            commands.push((command.clone(), line.replace('$', "$$")));
            received.insert(command, args);
        }
    }
    let nrpe = Nrpe::start(dir.path(), &commands).unwrap_or_else(|e| panic!("nrpe: {e}"));
    // check_nrpe, and the one run of the plugin it caused.
    let check = |command: &str, packets: Packets| {
        let before = recorder.runs().unwrap_or_else(|e| panic!("{e}")).len();
        let (code, out) = nrpe
            .check(&["-c", command], packets)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut after = recorder.runs().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            after.len(),
            before + 1,
            "{command} {}: one run\n{}",
            packets.option(),
            nrpe.log()
        );
        let run = after.pop().expect("the run");
        assert_eq!(run.args, received[command], "{command}: the argv");
        (code, out, run)
    };

    let mut cut_without_the_limit = 0;
    for (name, binary, args, state) in &runs {
        let direct = run_directly(&plugins_at, binary, args);
        for (command, packets, limit) in variants(name) {
            let (code, out, run) = check(&command, packets);
            let option = packets.option();
            let out = delivered(&out, packets);
            assert_eq!(i64::from(code), *state, "{command} {option}: {out}");
            // Exactly what the plugin printed, whole: check_nrpe adds back the one newline NRPE
            // took off.
            assert_eq!(code, run.code, "{command} {option}: the exit code");
            assert_eq!(
                out, run.stdout,
                "{command} {option}: not what the plugin printed"
            );
            // Whole means within the limit, with every line the plugin printed at that limit.
            assert!(out.len() <= limit, "{command}: {} bytes", out.len());
            let mut lines = out.trim_end_matches('\n').lines();
            let first = lines.next().unwrap_or_default();
            let (text, perfdata) = first.split_once(" | ").unwrap_or((first, ""));
            let mut with_limit = args.clone();
            with_limit.extend(["--output-limit".to_string(), limit.to_string()]);
            let printed = run_directly(&plugins_at, binary, &with_limit);
            assert_eq!(masked(text), masked(&printed.text), "{command} {option}");
            assert_eq!(
                labels(perfdata),
                labels(&printed.perfdata),
                "{command} {option}"
            );
            assert_eq!(
                lines.count(),
                printed.long.len(),
                "{command} {option}: {out}"
            );
        }
        // The same check without the limit, through v2 packets (`-2`, and `-3` falling back to
        // them): NRPE cuts it silently.
        let full = direct.text.len()
            + direct.perfdata.len()
            + direct.long.iter().map(String::len).sum::<usize>();
        if full > 1023 {
            for packets in [Packets::V2, Packets::V3] {
                let option = packets.option();
                let (_, out, run) = check(name, packets);
                let out = delivered(&out, packets);
                assert!(
                    out.len() <= 1024 && out.len() < full,
                    "{name} {option}: {}",
                    out.len()
                );
                assert!(
                    run.stdout.len() > out.len()
                        && run.stdout.starts_with(out.trim_end_matches('\n')),
                    "{name} {option}: not the start of what the plugin printed\n{out}"
                );
            }
            cut_without_the_limit += 1;
        }
    }
    assert!(
        cut_without_the_limit >= 1,
        "no output was long enough to show why --output-limit 1024 matters"
    );
}
