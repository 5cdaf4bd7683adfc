//! The real `echoterra-bot` binary, started as a child process for end-to-end tests,
//! with its logs kept for inspection (killed when dropped), or run once as
//! `echoterra-bot check …` ([`run_check`]).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct BotProcess {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl BotProcess {
    /// Starts `echoterra-bot` with `args`, the given environment and nothing else
    /// inherited that could change its behaviour (it runs in an empty folder, so no
    /// `.env` is read).
    pub fn start(args: &[&str], env: &[(&str, String)]) -> BotProcess {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("bot.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"));
        command
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info,echoterra_bot=debug")
            // Free ports of this machine: many bots run at once (see `address`).
            .env("HTTP_LISTEN", "127.0.0.1:0")
            .env("OPS_LISTEN", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("the bot binary starts");
        BotProcess {
            child,
            log,
            _dir: dir,
        }
    }

    /// Where `serve` takes interactions (`HTTP_LISTEN`), from its start-up log line.
    pub fn http_address(&self) -> std::net::SocketAddr {
        self.address("serving Discord interactions")
    }

    /// Where `/healthz`, `/readyz` and `/metrics` listen (`OPS_LISTEN`).
    pub fn ops_address(&self) -> std::net::SocketAddr {
        self.address("serving /healthz")
    }

    /// The address of the log line saying `what` (waits up to 30 s for it).
    fn address(&self, what: &str) -> std::net::SocketAddr {
        for _ in 0..300 {
            let logs = self.logs();
            let found = logs
                .lines()
                .filter(|line| line.contains(what))
                .find_map(|line| line.split("address=").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|text| text.trim_matches('"').parse().ok());
            if let Some(addr) = found {
                return addr;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the bot never said where it listens:\n{}", self.logs());
    }

    /// The bot's `path` on its operators' listener: status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let url = format!("http://{}{path}", self.ops_address());
        let response = reqwest::get(&url).await.expect("the bot answers HTTP");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Everything the bot has logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (up to 20 s, without blocking the runtime the fake Discord answers on)
    /// until the bot logs that it has answered the interaction of `token`: everything
    /// it sends for that interaction has been sent by then.
    pub async fn wait_answered(&self, token: &str) {
        let id = token
            .strip_prefix("interaction-token-")
            .expect("a token of the fake Discord");
        let done = |logs: &str| {
            logs.lines().any(|line| {
                line.contains("interaction answered") && line.contains(&format!("interaction={id}"))
            })
        };
        for _ in 0..200 {
            if done(&self.logs()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{token}: the bot never logged its answer:\n{}", self.logs());
    }

    /// Waits (up to 10 s) for the process to exit by itself.
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }

    /// The exit status if the process has exited within half a second.
    pub fn wait_exit_briefly(&mut self) -> Option<std::process::ExitStatus> {
        std::thread::sleep(std::time::Duration::from_millis(500));
        self.child.try_wait().ok().flatten()
    }

    /// Kills the process with SIGKILL (`kill -9`: no handler runs, nothing is
    /// finished or flushed) and reaps it.
    pub fn kill_now(&mut self) -> std::process::ExitStatus {
        self.child.kill().expect("the bot can be killed");
        self.child.wait().expect("the killed bot is reaped")
    }

    /// Sends SIGTERM and returns at once.
    pub fn send_sigterm(&self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
    }

    /// Sends SIGTERM and waits for the exit status (up to 10 s).
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `echoterra-bot check <check> <args>` with only the given environment, where
/// no `.env` can be picked up: the exit code, stdout and stderr.
pub async fn run_check(check: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"));
    command.arg("check").arg(check).args(args).env_clear();
    command.current_dir(std::env::temp_dir());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.expect("run the binary");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
