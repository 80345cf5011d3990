//! The binary's command tree, exercised as a user would.

use std::process::Command;

fn klaxon(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_klaxon")).args(args).output().expect("run klaxon")
}

#[test]
fn help_lists_every_command() {
    let out = klaxon(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "run",
        "alertmanager",
        "check",
        "test",
        "query",
        "silence",
        "alert",
        "routes",
        "template",
        "tsdb",
    ] {
        assert!(text.contains(&format!("\n  {cmd} ")), "`{cmd}` missing from:\n{text}");
    }
}

#[test]
fn upstream_flag_names_are_accepted() {
    let out = klaxon(&["alertmanager", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--config.file", "--storage.path", "--web.listen-address", "--cluster.peer"] {
        assert!(text.contains(flag), "{flag} missing");
    }
    let out = klaxon(&["run", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--config.file", "--storage.tsdb.path", "--alertmanager.config.file"] {
        assert!(text.contains(flag), "{flag} missing");
    }
}

#[test]
fn unbuilt_commands_say_so_with_exit_code_2() {
    for args in [&["routes", "show"][..], &["routes", "test", "a=b"]] {
        let out = klaxon(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not implemented yet"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

#[test]
fn unknown_flags_are_usage_errors() {
    let out = klaxon(&["run", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
}
