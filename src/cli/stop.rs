//! How the two servers (`urne serve`, `urne box serve`) are stopped: SIGINT
//! (Ctrl-C) or SIGTERM (what a service manager sends), each ending the
//! server gracefully. The handlers are registered before the server prints
//! its address: whoever reads the address may signal at once, and a signal
//! that came before the handlers would end the process by the default action,
//! without the server's own shutdown (for `box serve`, without saving its
//! state).

/// The stop signals, registered when this is made (inside the runtime).
pub struct StopSignals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    /// Registers the handlers now. Must be called inside a tokio runtime.
    pub fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            StopSignals {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            StopSignals {}
        }
    }

    /// Waits for the first of the signals.
    pub async fn wait(mut self) {
        #[cfg(unix)]
        {
            async fn recv(s: Option<&mut tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = recv(self.int.as_mut()) => {},
                () = recv(self.term.as_mut()) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
