//! `scripts/check-shape` holds the plugin shape (cli -> probe -> facts <- evaluate): the real
//! tree passes, and a tree with each kind of breach fails naming it.

use std::path::Path;
use std::process::Command;

use hastack_test_support::{repo_root, tempdir};

/// A plugin in the shape, its files as (path under src/, text).
const GOOD: &[(&str, &str)] = &[
    (
        "lib.rs",
        "//! x\npub mod cli;\npub mod evaluate;\npub mod facts;\npub mod probe;\npub mod parser;\npub use cli::Cli;\nhastack_common::plugin!(Cli, \"X\");\n",
    ),
    (
        "cli.rs",
        "//! x\nuse crate::evaluate::Criteria;\nuse crate::probe::Target;\nuse hastack_common::State;\n",
    ),
    (
        "probe.rs",
        "//! x\nuse crate::facts::Facts;\nuse crate::parser::parse;\n",
    ),
    ("facts.rs", "//! x\nuse crate::parser::Parsed;\n"),
    (
        "evaluate/mod.rs",
        "//! x\nmod node;\nuse crate::facts::Facts;\nuse hastack_common::{CheckError, State};\n#[cfg(test)]\nmod tests {\n    use crate::probe::Target;\n}\n",
    ),
    (
        "evaluate/node.rs",
        "//! x\nuse super::Criteria;\nuse crate::facts::Facts;\n",
    ),
    ("parser.rs", "//! x\npub fn parse() {}\n"),
];

fn run(root: &Path) -> (bool, String) {
    let out = Command::new(repo_root().join("scripts/check-shape"))
        .arg(root)
        .output()
        .expect("scripts/check-shape runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A tree with one plugin `x`: the good files, `file` replaced by `text` (or removed if empty).
fn tree(file: &str, text: &str) -> tempfile::TempDir {
    let dir = tempdir().expect("tempdir");
    for (path, good) in GOOD {
        let content = if *path == file { text } else { good };
        if content.is_empty() {
            continue;
        }
        let at = dir.path().join("x/src").join(path);
        std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
        std::fs::write(at, content).expect("write");
    }
    dir
}

#[test]
fn the_plugins_keep_the_shape() {
    let (ok, said) = run(&repo_root().join("plugins"));
    assert!(ok, "{said}");
    assert!(said.contains("5 plugins in the shape"), "{said}");
}

#[test]
fn every_kind_of_breach_is_named() {
    let (ok, said) = run(tree("", "").path());
    assert!(ok, "the good tree: {said}");
    let table = [
        (
            "evaluate/node.rs",
            "use crate::probe::Target;\n",
            "imports probe (they meet in facts)",
        ),
        (
            "probe.rs",
            "use crate::{facts::Facts, evaluate::Criteria};\n",
            "imports evaluate (probe writes facts, it never judges)",
        ),
        (
            "probe.rs",
            "use super::cli::Cli;\n",
            "imports the plugin's cli",
        ),
        (
            "facts.rs",
            "use crate::evaluate::Criteria;\n",
            "imports evaluate (facts are plain data)",
        ),
        (
            "facts.rs",
            "pub fn f() -> hastack_common::State {}\n",
            "decides a state",
        ),
        (
            "probe.rs",
            "use hastack_common::CheckError;\n",
            "decides a state",
        ),
        (
            "parser.rs",
            "use crate::facts::Facts;\n",
            "is a parser but imports crate::facts",
        ),
        (
            "lib.rs",
            "pub mod cli;\nfn extra() {}\n",
            "is more than wiring",
        ),
        ("facts.rs", "", "has no facts.rs"),
        (
            "evaluate/mod.rs",
            "",
            "has no evaluate.rs or evaluate/mod.rs",
        ),
    ];
    for (file, text, breach) in table {
        let (ok, said) = run(tree(file, text).path());
        assert!(!ok, "{file} with {text:?} passed");
        assert!(said.contains(breach), "{file} with {text:?}: {said}");
    }
}
