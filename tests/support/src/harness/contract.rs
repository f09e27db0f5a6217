//! Assertions every plugin binary must pass: the shared options, help, version and usage errors.

use std::path::Path;

use crate::PluginRun;

/// `--help`/`--version` exit 3 on stdout; the shared options exist; a bad option or a bad
/// timeout is one UNKNOWN line with a `--help` hint and exit 3.
pub fn assert_shared_cli_contract(binary: &str, service: &str) {
    let name = Path::new(binary)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(binary)
        .to_string();

    let help = PluginRun::new(binary).arg("--help").run();
    assert_eq!(help.code, Some(3), "--help exit code");
    for option in [
        "-t, --timeout <SECONDS>",
        "--timeout-state <STATE>",
        "-v, --verbose",
        "--output-limit <BYTES>",
        "-V, --version",
    ] {
        assert!(
            help.stdout.contains(option),
            "--help lacks {option}:\n{}",
            help.stdout
        );
    }
    // The help is printed where the plugin's output goes too (and feeds the generated command
    // definitions): no `;`, which Nagios turns into `:`.
    assert!(
        !help.stdout.contains(';'),
        "--help holds a ';':\n{}",
        help.stdout
    );

    let version = PluginRun::new(binary).arg("--version").run();
    assert_eq!(version.code, Some(3), "--version exit code");
    assert!(
        version.stdout.starts_with(&format!("{name} ")),
        "{}",
        version.stdout
    );

    for (args, reason) in [
        (
            &["--no-such-option"][..],
            "unexpected argument '--no-such-option' found",
        ),
        (
            &["-t", "0"][..],
            "invalid value '0' for '--timeout <SECONDS>'",
        ),
        (
            &["-t", "ten"][..],
            "invalid value 'ten' for '--timeout <SECONDS>'",
        ),
        (
            &["--timeout-state", "sometimes"][..],
            "invalid value 'sometimes' for '--timeout-state <STATE>'",
        ),
        (
            &["--output-limit", "512"][..],
            "invalid value '512' for '--output-limit <BYTES>': '512' is out of range: from 1024 to 65504 bytes, or 'none'",
        ),
    ] {
        let out = PluginRun::new(binary).args(args).run();
        out.assert(3, &format!("{service} UNKNOWN - {reason}"));
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
        assert!(
            out.first_line()
                .ends_with(&format!("(see '{name} --help')")),
            "{}",
            out.first_line()
        );
    }

    // A usage error as long as its input stays one line within the smallest client limit
    // (NRPE v2: 1023 bytes and the newline), the hint included.
    let huge = "x".repeat(5000);
    let out = PluginRun::new(binary).args(["--timeout", &huge]).run();
    out.assert(3, &format!("{service} UNKNOWN - invalid value 'xxx"));
    assert_eq!(out.line_count(), 1);
    assert!(out.stdout.len() <= 1024, "{} bytes", out.stdout.len());
    assert!(
        out.first_line()
            .ends_with(&format!("... (see '{name} --help')")),
        "{}",
        out.first_line()
    );
}
