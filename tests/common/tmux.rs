//! A tmux server for tests that drive urne at a real terminal.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The longest a ceremony at the terminal may take on a loaded machine.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// A tmux server on its own socket, killed when dropped.
pub struct Tmux {
    socket: String,
    /// The session's name.
    pub session: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Tmux {
        let socket = format!("urne-test-{tag}-{}", std::process::id());
        Tmux {
            socket,
            session: tag.to_string(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("tmux could not be started ({e}); install it (scripts/test does)")
            })
    }

    pub fn ok(&self, args: &[&str]) {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Runs the shell command `command` in a new session of `width` ×
    /// `height`; the pane stays after it ends (the shell sleeps), so its last
    /// screen can be read, and its exit status is printed as `URNE-EXIT=N`.
    pub fn start(&self, command: &str, width: u16, height: u16) {
        let command = format!("{command}; echo URNE-EXIT=$?; sleep 600");
        let (w, h) = (width.to_string(), height.to_string());
        self.ok(&[
            "new-session",
            "-d",
            "-s",
            &self.session,
            "-x",
            &w,
            "-y",
            &h,
            "sh",
            "-c",
            &command,
        ]);
    }

    /// The pane's whole text, scrollback included, wrapped lines joined.
    pub fn screen(&self) -> String {
        let o = self.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", &self.session]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Waits until `ready(screen)` holds; panics with the screen at the deadline.
    pub fn wait_for(&self, what: &str, started: Instant, ready: impl Fn(&str) -> bool) -> String {
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if started.elapsed() > DEADLINE {
                panic!("waited {DEADLINE:?} for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn type_line(&self, text: &str) {
        self.ok(&["send-keys", "-t", &self.session, "-l", text]);
        self.ok(&["send-keys", "-t", &self.session, "Enter"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
