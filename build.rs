//! Records the git commit the binary is built from, for `--version` and the
//! `echoterra_build_info` metric: `GIT_COMMIT` when set (a container build has no
//! `.git`), otherwise `git rev-parse`, otherwise `unknown` (a source tarball, or no
//! git installed).
//!
//! Cargo runs this again when the commit may have changed: it watches the git
//! directory's `HEAD` and the ref it points to. Both are found with git itself,
//! because in a worktree `.git` is a file and the refs live in the main
//! repository's directory.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=GIT_COMMIT");
    for path in git_files_to_watch() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let commit = std::env::var("GIT_COMMIT")
        .ok()
        .map(|commit| commit.trim().to_string())
        .filter(|commit| !commit.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=ECHOTERRA_GIT_COMMIT={commit}");
}

/// The files whose change means a new commit: `HEAD` in the git directory
/// (`git rev-parse --git-dir`), the ref it names (e.g. `refs/heads/main`, which
/// `--git-path` places in the common directory of a worktree), and `packed-refs`.
/// Only files that exist: Cargo would rebuild every time for a missing one.
fn git_files_to_watch() -> Vec<PathBuf> {
    let Some(git_dir) = git(&["rev-parse", "--git-dir"]) else {
        return Vec::new();
    };
    let mut files = vec![PathBuf::from(git_dir).join("HEAD")];
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        files.extend(git(&["rev-parse", "--git-path", &reference]).map(PathBuf::from));
    }
    files.extend(git(&["rev-parse", "--git-path", "packed-refs"]).map(PathBuf::from));
    files.retain(|path| path.exists());
    files
}

/// One line of git's output, or `None` when git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let line = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !line.is_empty()).then_some(line)
}
