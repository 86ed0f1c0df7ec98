//! The result server's configuration (TOML, `urne serve --config FILE`).
//!
//! ```toml
//! publisher_key = "…44 characters of base64…"   # required (or --publisher-key)
//! listen = "127.0.0.1:8080"
//! test_addresses_enabled = true      # false switches every test address off
//!
//! [public]
//! requests_per_minute = 60
//!
//! [[media]]
//! name = "NRK"
//! addresses = ["10.0.0.1"]           # at most 5 per outlet
//! test_addresses = ["10.9.0.1"]      # at most 5 per outlet
//! requests_per_minute = 600
//! ```
//! Every key is optional; unknown keys are refused. An address belongs to at
//! most one outlet. Errors name the file and the line.

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::crypto::encoding::b64_32;
use crate::error::Explain;

/// The most addresses (and, separately, test addresses) one media outlet may register.
pub const MAX_ADDRESSES_PER_OUTLET: usize = 5;
/// The highest rate accepted, per client.
pub const MAX_REQUESTS_PER_MINUTE: u32 = 1_000_000;
/// The public tier's rate when the configuration does not give one.
pub const DEFAULT_PUBLIC_RPM: u32 = 60;
/// A media outlet's rate when the configuration does not give one.
pub const DEFAULT_MEDIA_RPM: u32 = 600;
/// Where the server listens when neither configuration nor `--listen` says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// A registered media outlet: its addresses get its own, higher rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaOutlet {
    pub name: String,
    pub addresses: Vec<IpAddr>,
    /// Addresses used for rehearsals; honoured only while
    /// [`ServeConfig::test_addresses_enabled`].
    pub test_addresses: Vec<IpAddr>,
    pub requests_per_minute: NonZeroU32,
}

/// The checked configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// The publisher's Ed25519 public key: the server serves only
    /// publications signed with it. Required to start (the CLI's
    /// `--publisher-key` may give it instead).
    pub publisher_key: Option<[u8; 32]>,
    pub listen: SocketAddr,
    pub public_requests_per_minute: NonZeroU32,
    pub media: Vec<MediaOutlet>,
    pub test_addresses_enabled: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            publisher_key: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_requests_per_minute: nonzero(DEFAULT_PUBLIC_RPM),
            media: Vec::new(),
            test_addresses_enabled: true,
        }
    }
}

/// A configuration the server refuses.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file} could not be read: {source}")]
    Unreadable {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}, line {line}: {detail}")]
    Invalid {
        file: String,
        line: usize,
        detail: String,
    },
    #[error("{file}: {detail}")]
    InvalidNoLine { file: String, detail: String },
}

impl Explain for ConfigError {
    fn code(&self) -> &'static str {
        "E-SERVE-CONFIG"
    }

    fn hint(&self) -> Option<String> {
        Some(
            "`urne help serve-config` shows every key of the configuration, with an example".into(),
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    publisher_key: Option<Spanned<String>>,
    listen: Option<Spanned<String>>,
    test_addresses_enabled: Option<bool>,
    public: Option<RawPublic>,
    #[serde(default)]
    media: Vec<RawMedia>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublic {
    requests_per_minute: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMedia {
    name: Spanned<String>,
    #[serde(default)]
    addresses: Vec<Spanned<String>>,
    #[serde(default)]
    test_addresses: Vec<Spanned<String>>,
    requests_per_minute: Option<Spanned<i64>>,
}

const fn nonzero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn err<T>(&self, span: std::ops::Range<usize>, detail: String) -> Result<T, ConfigError> {
        Err(ConfigError::Invalid {
            file: self.file.into(),
            line: line_of(self.text, span.start),
            detail,
        })
    }

    fn rpm(&self, v: Option<Spanned<i64>>, default: u32) -> Result<NonZeroU32, ConfigError> {
        let Some(v) = v else {
            return Ok(nonzero(default));
        };
        let n = *v.get_ref();
        match u32::try_from(n).ok().and_then(NonZeroU32::new) {
            Some(r) if r.get() <= MAX_REQUESTS_PER_MINUTE => Ok(r),
            _ => self.err(
                v.span(),
                format!(
                    "requests_per_minute = {n} must be between 1 and {MAX_REQUESTS_PER_MINUTE}"
                ),
            ),
        }
    }

    fn addresses(
        &self,
        list: Vec<Spanned<String>>,
        key: &str,
        outlet: &str,
    ) -> Result<Vec<IpAddr>, ConfigError> {
        if let Some(extra) = list.get(MAX_ADDRESSES_PER_OUTLET) {
            return self.err(
                extra.span(),
                format!("{outlet} has more than {MAX_ADDRESSES_PER_OUTLET} {key}"),
            );
        }
        list.into_iter()
            .map(|a| match a.get_ref().trim().parse::<IpAddr>() {
                Ok(ip) => Ok(ip.to_canonical()),
                Err(_) => self.err(
                    a.span(),
                    format!(
                        "{:?} in {key} of {outlet} is not an IP address",
                        a.get_ref()
                    ),
                ),
            })
            .collect()
    }
}

/// A publisher key as the authority announces it: 32 bytes, standard padded
/// base64 (surrounding whitespace ignored).
pub fn parse_publisher_key(b64: &str) -> Option<[u8; 32]> {
    b64_32(b64.trim()).ok()
}

impl ServeConfig {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<ServeConfig, ConfigError> {
        let file = path.display().to_string();
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| {
                // One byte over the limit is enough to refuse it.
                f.take(crate::limits::MANIFEST_BYTES as u64 + 1)
                    .read_to_string(&mut text)
            })
            .map_err(|source| ConfigError::Unreadable {
                file: file.clone(),
                source,
            })?;
        if text.len() > crate::limits::MANIFEST_BYTES {
            return Err(ConfigError::Unreadable {
                file: file.clone(),
                source: crate::limits::TooLarge::file(
                    &file,
                    crate::limits::MANIFEST_BYTES,
                    "a server configuration",
                )
                .into_io(),
            });
        }
        Self::parse(&text, &file)
    }

    /// Parses and checks configuration text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<ServeConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let detail = e.message().trim().replace('\n', " ");
            match e.span() {
                Some(span) => ConfigError::Invalid {
                    file: file.into(),
                    line: line_of(text, span.start),
                    detail,
                },
                None => ConfigError::InvalidNoLine {
                    file: file.into(),
                    detail,
                },
            }
        })?;
        let c = Checker { file, text };
        let mut cfg = ServeConfig::default();
        if let Some(key) = raw.publisher_key {
            match parse_publisher_key(key.get_ref()) {
                Some(k) => cfg.publisher_key = Some(k),
                None => {
                    return c.err(
                        key.span(),
                        format!(
                            "publisher_key = {:?} is not an Ed25519 public key (32 bytes of base64, 44 characters)",
                            key.get_ref()
                        ),
                    )
                }
            }
        }
        if let Some(listen) = raw.listen {
            cfg.listen = match listen.get_ref().parse() {
                Ok(a) => a,
                Err(_) => {
                    return c.err(
                        listen.span(),
                        format!(
                            "listen = {:?} is not an address and port such as {DEFAULT_LISTEN:?}",
                            listen.get_ref()
                        ),
                    )
                }
            };
        }
        if let Some(t) = raw.test_addresses_enabled {
            cfg.test_addresses_enabled = t;
        }
        cfg.public_requests_per_minute = c.rpm(
            raw.public.and_then(|p| p.requests_per_minute),
            DEFAULT_PUBLIC_RPM,
        )?;
        let mut seen: Vec<(IpAddr, String)> = Vec::new();
        for m in raw.media {
            let name_span = m.name.span();
            let name = m.name.into_inner().trim().to_string();
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                return c.err(
                    name_span,
                    "a media outlet's name must have 1 to 64 printable characters".into(),
                );
            }
            if cfg.media.iter().any(|o| o.name == name) {
                return c.err(
                    name_span,
                    format!("the media outlet {name:?} is configured twice"),
                );
            }
            let spans: Vec<_> = m
                .addresses
                .iter()
                .chain(&m.test_addresses)
                .map(|a| a.span())
                .collect();
            let addresses = c.addresses(m.addresses, "addresses", &name)?;
            let test_addresses = c.addresses(m.test_addresses, "test_addresses", &name)?;
            for (ip, span) in addresses.iter().chain(&test_addresses).zip(spans) {
                if let Some((_, other)) = seen.iter().find(|(a, _)| a == ip) {
                    return c.err(span, format!("{ip} is given twice (already for {other})"));
                }
                seen.push((*ip, name.clone()));
            }
            cfg.media.push(MediaOutlet {
                requests_per_minute: c.rpm(m.requests_per_minute, DEFAULT_MEDIA_RPM)?,
                name,
                addresses,
                test_addresses,
            });
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_config_parses() {
        let cfg = ServeConfig::parse(
            r#"
publisher_key = "RINIbnHFhaPOoYtpUiJrRzvNCrdGADL5pvXrXMmD0Dg="
listen = "0.0.0.0:9000"
test_addresses_enabled = false
[public]
requests_per_minute = 30
[[media]]
name = "NRK"
addresses = ["10.0.0.1", "::ffff:10.0.0.2"]
test_addresses = ["10.9.0.1"]
requests_per_minute = 900
[[media]]
name = "TV 2"
"#,
            "serve.toml",
        )
        .unwrap();
        assert_eq!(cfg.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(
            cfg.publisher_key
                .map(|k| crate::crypto::encoding::to_b64(&k)),
            Some("RINIbnHFhaPOoYtpUiJrRzvNCrdGADL5pvXrXMmD0Dg=".to_string())
        );
        assert!(!cfg.test_addresses_enabled);
        assert_eq!(cfg.public_requests_per_minute.get(), 30);
        assert_eq!(
            cfg.media[0].addresses[1],
            "10.0.0.2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(cfg.media[0].requests_per_minute.get(), 900);
        assert_eq!(cfg.media[1].requests_per_minute.get(), DEFAULT_MEDIA_RPM);
        assert_eq!(ServeConfig::parse("", "x").unwrap(), ServeConfig::default());
    }

    fn line_of_error(text: &str) -> (usize, String) {
        match ServeConfig::parse(text, "serve.toml").unwrap_err() {
            ConfigError::Invalid { line, detail, file } => {
                assert_eq!(file, "serve.toml");
                (line, detail)
            }
            e => panic!("no line: {e}"),
        }
    }

    #[test]
    fn errors_name_the_line() {
        let (line, _) =
            line_of_error("listen = \"127.0.0.1:1\"\n[public]\nrequests_per_minute = 0\n");
        assert_eq!(line, 3);
        let (line, d) = line_of_error("[public]\nrequests_per_minute = 5\nburst = 3\n");
        assert_eq!(line, 3, "{d}");
        let (line, _) =
            line_of_error("[[media]]\nname = \"NRK\"\naddresses = [\n \"10.0.0.1\",\n \"nope\"]\n");
        assert_eq!(line, 5);
        let (line, d) = line_of_error(
            "[[media]]\nname = \"NRK\"\naddresses = [\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\",\"10.0.0.4\",\"10.0.0.5\",\n\"10.0.0.6\"]\n",
        );
        assert_eq!(line, 4);
        assert!(d.contains("more than 5"), "{d}");
        let (line, d) = line_of_error(
            "[[media]]\nname = \"A\"\naddresses = [\"10.0.0.1\"]\n[[media]]\nname = \"B\"\ntest_addresses = [\"10.0.0.1\"]\n",
        );
        assert_eq!(line, 6);
        assert!(d.contains("twice"), "{d}");
        let (line, _) = line_of_error("listen = \"localhost\"\n");
        assert_eq!(line, 1);
        let (line, d) = line_of_error("\npublisher_key = \"c2hvcnQ=\"\n");
        assert_eq!(line, 2);
        assert!(d.contains("32 bytes"), "{d}");
    }
}
