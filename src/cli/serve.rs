//! `urne serve`: a thin shell over [`urne::serve`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use urne::serve::config::ServeConfig;
use urne::serve::Server;

use super::{CliResult, Failure};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The server's configuration (TOML): listen address, public rate, media
    /// outlets and their addresses. Without it: 127.0.0.1:8080, 60 requests a
    /// minute for everyone.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen on this address and port (overrides the configuration).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Treat the media outlets' test addresses as public clients (overrides
    /// `test_addresses_enabled` in the configuration).
    #[arg(long)]
    pub no_test_addresses: bool,
    /// The publication directory `urne publish` writes (with HEAD and objects/).
    #[arg(value_name = "PUBDIR")]
    pub pubdir: PathBuf,
}

pub fn serve(a: ServeArgs) -> CliResult {
    let mut config = match &a.config {
        Some(path) => ServeConfig::load(path)?,
        None => ServeConfig::default(),
    };
    if let Some(listen) = a.listen {
        config.listen = listen;
    }
    if a.no_test_addresses {
        config.test_addresses_enabled = false;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                "E-SERVE-IO",
                format!("could not start the server's runtime: {e}"),
                None,
            )
        })?;
    runtime.block_on(async {
        let server = Server::bind(&a.pubdir, &config).await?;
        let addr = server.local_addr()?;
        println!(
            "urne serve: serving {} on http://{addr}/ (test addresses {})",
            a.pubdir.display(),
            if config.test_addresses_enabled {
                "on"
            } else {
                "off"
            }
        );
        server
            .run(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
