//! A `tripline serve` child process for the serve tests, on 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The bearer token every test server accepts.
pub(crate) const TOKEN: &str = "test-token-0123456789";

/// The built-in pack's test datasets.
pub(crate) fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/datasets")
}

/// An HTTP client.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// A running `tripline serve`, its stdout lines (findings) and stderr lines on channels.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// The stderr lines read while starting.
    pub(crate) startup: Vec<String>,
}

impl Server {
    /// Start in `dir` with this configuration file text (paths relative to `dir`, which gets a
    /// `tokens` file) and extra flags; wait until it says it is ready.
    pub(crate) fn start(config: &str, flags: &[&str], dir: &Path) -> Server {
        std::fs::write(dir.join("tokens"), format!("# tokens\n{TOKEN}\n")).expect("tokens");
        std::fs::write(dir.join("serve.toml"), config).expect("config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tripline"))
            .args(["serve", "--config", "serve.toml", "--listen", "127.0.0.1:0"])
            .args(flags)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tripline serve");
        let (out_tx, stdout) = channel();
        let out = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        let (err_tx, stderr) = channel();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let mut url = None;
        let mut startup = Vec::new();
        loop {
            let line = stderr
                .recv_timeout(Duration::from_secs(120))
                .unwrap_or_else(|_| panic!("tripline serve did not get ready: {startup:#?}"));
            // Log lines are `<time>  INFO <message>`.
            if let Some((_, u)) = line.split_once(" INFO listening on ") {
                url = Some(u.trim().to_owned());
            }
            let ready = line.ends_with(" INFO ready");
            startup.push(line);
            if ready {
                break;
            }
        }
        Server {
            child,
            url: url.expect("an address"),
            stdout,
            stderr,
            startup,
        }
    }

    /// SIGTERM, wait for a clean exit, and return every stdout line.
    pub(crate) fn stop(self) -> Vec<String> {
        self.stop_with_stderr().0
    }

    /// SIGTERM, wait for a clean exit, and return every stdout and stderr line.
    pub(crate) fn stop_with_stderr(mut self) -> (Vec<String>, Vec<String>) {
        signal(&self.child, "-TERM");
        let exit = self.child.wait().expect("wait");
        // The readers end at end of file: every line is in.
        let stderr: Vec<String> = self.stderr.iter().collect();
        assert!(exit.success(), "serve exited with {exit}: {stderr:#?}");
        assert!(stderr.iter().any(|l| l.contains(" INFO stopped after")), "{stderr:#?}");
        (self.stdout.iter().collect(), stderr)
    }

    /// Send a signal (`-HUP`, ...) and wait until a stderr line contains `needle`; the lines
    /// read on the way, that one last.
    pub(crate) fn signal_and_wait(&self, which: &str, needle: &str) -> Vec<String> {
        signal(&self.child, which);
        let mut lines = Vec::new();
        loop {
            let line = self
                .stderr
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no `{needle}` after {which}: {lines:#?}"));
            let done = line.contains(needle);
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// SIGKILL: no chance to flush, checkpoint or deliver anything.
    pub(crate) fn kill(mut self) {
        signal(&self.child, "-KILL");
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, which: &str) {
    let status = Command::new("kill")
        .args([which, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}
