//! Tiers and per-client rate limits.
//!
//! A client is its socket peer address (`X-Forwarded-For` is not trusted).
//! An address registered by a media outlet (or one of its test addresses,
//! while they are enabled) gets that outlet's rate; every other client gets
//! the public rate. Each client has its own budget (GCRA, from `governor`):
//! `requests_per_minute` requests at once, then one more every
//! `60 s / requests_per_minute`. In the public tier an IPv6 client is its /64
//! network, since one host commonly holds a whole /64.
//!
//! Memory stays bounded by the number of clients seen within about a minute:
//! [`Limits::evict_idle`] drops every client whose budget is full again.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::config::ServeConfig;

/// Which tier a client is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// Anyone.
    Public,
    /// A registered address of media outlet `n` (index into the configuration).
    Media(usize),
    /// A test address of media outlet `n`.
    Test(usize),
}

struct Outlet {
    label: String,
    test_label: String,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

/// The tiers and every client's budget.
pub struct Limits {
    public: DefaultKeyedRateLimiter<IpAddr>,
    outlets: Vec<Outlet>,
    by_address: HashMap<IpAddr, Tier>,
    clock: DefaultClock,
}

fn limiter(rpm: NonZeroU32) -> DefaultKeyedRateLimiter<IpAddr> {
    RateLimiter::keyed(Quota::per_minute(rpm))
}

/// The public tier's key: an IPv4 address, or an IPv6 address's /64.
fn public_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// Whitespace in an outlet's name would split an access-log field.
fn log_label(prefix: &str, name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect();
    format!("{prefix}:{name}")
}

impl Limits {
    /// The tiers of a configuration; test addresses count only if
    /// `config.test_addresses_enabled`.
    pub fn new(config: &ServeConfig) -> Limits {
        let mut by_address = HashMap::new();
        let mut outlets = Vec::with_capacity(config.media.len());
        for (n, m) in config.media.iter().enumerate() {
            for ip in &m.addresses {
                by_address.insert(ip.to_canonical(), Tier::Media(n));
            }
            if config.test_addresses_enabled {
                for ip in &m.test_addresses {
                    by_address.insert(ip.to_canonical(), Tier::Test(n));
                }
            }
            outlets.push(Outlet {
                label: log_label("media", &m.name),
                test_label: log_label("test", &m.name),
                limiter: limiter(m.requests_per_minute),
            });
        }
        Limits {
            public: limiter(config.public_requests_per_minute),
            outlets,
            by_address,
            clock: DefaultClock::default(),
        }
    }

    /// The tier of a client address.
    pub fn classify(&self, ip: IpAddr) -> Tier {
        self.by_address
            .get(&ip.to_canonical())
            .copied()
            .unwrap_or(Tier::Public)
    }

    /// How the access log names a tier: `public`, `media:NRK`, `test:NRK`.
    pub fn label(&self, tier: Tier) -> &str {
        match tier {
            Tier::Public => "public",
            Tier::Media(n) => self.outlets.get(n).map_or("media", |o| o.label.as_str()),
            Tier::Test(n) => self
                .outlets
                .get(n)
                .map_or("test", |o| o.test_label.as_str()),
        }
    }

    /// Takes one request from the client's budget: its tier, and `Err(wait)`
    /// if the budget is spent, with the time until the next request is allowed.
    pub fn check(&self, ip: IpAddr) -> (Tier, Result<(), Duration>) {
        let ip = ip.to_canonical();
        let tier = self.classify(ip);
        let outcome = match tier {
            Tier::Public => self.public.check_key(&public_key(ip)),
            Tier::Media(n) | Tier::Test(n) => match self.outlets.get(n) {
                Some(o) => o.limiter.check_key(&ip),
                None => self.public.check_key(&public_key(ip)),
            },
        };
        (
            tier,
            outcome.map_err(|not_until| not_until.wait_time_from(self.clock.now())),
        )
    }

    /// Forgets every client whose budget is full again (they would be treated
    /// the same as a new client), and frees the memory.
    pub fn evict_idle(&self) {
        for l in std::iter::once(&self.public).chain(self.outlets.iter().map(|o| &o.limiter)) {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// How many clients are tracked, over all tiers.
    pub fn tracked_clients(&self) -> usize {
        self.public.len() + self.outlets.iter().map(|o| o.limiter.len()).sum::<usize>()
    }
}

/// `Retry-After` in whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    s.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::config::MediaOutlet;

    fn config(test_enabled: bool) -> ServeConfig {
        ServeConfig {
            public_requests_per_minute: NonZeroU32::new(2).unwrap(),
            media: vec![MediaOutlet {
                name: "TV 2".into(),
                addresses: vec!["10.0.0.1".parse().unwrap()],
                test_addresses: vec!["10.9.0.1".parse().unwrap()],
                requests_per_minute: NonZeroU32::new(5).unwrap(),
            }],
            test_addresses_enabled: test_enabled,
            ..ServeConfig::default()
        }
    }

    #[test]
    fn tiers_and_budgets() {
        let l = Limits::new(&config(true));
        let media: IpAddr = "10.0.0.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(l.classify(mapped), Tier::Media(0));
        assert_eq!(l.label(Tier::Media(0)), "media:TV_2");
        assert_eq!(l.classify("10.9.0.1".parse().unwrap()), Tier::Test(0));
        for _ in 0..5 {
            assert!(l.check(media).1.is_ok());
        }
        let wait = l.check(media).1.unwrap_err();
        // 5 a minute: one more every 12 s.
        assert!(
            retry_after_secs(wait) <= 12 && retry_after_secs(wait) >= 11,
            "{wait:?}"
        );
        let public: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(l.check(public).1.is_ok());
        assert!(l.check(public).1.is_ok());
        assert_eq!(l.check(public).0, Tier::Public);
        assert!(l.check(public).1.is_err());
        assert_eq!(l.tracked_clients(), 2);
    }

    #[test]
    fn test_addresses_switch_off() {
        let l = Limits::new(&config(false));
        assert_eq!(l.classify("10.9.0.1".parse().unwrap()), Tier::Public);
        assert_eq!(l.classify("10.0.0.1".parse().unwrap()), Tier::Media(0));
    }

    #[test]
    fn ipv6_public_clients_share_their_64() {
        let l = Limits::new(&config(true));
        assert!(l.check("2001:db8::1".parse().unwrap()).1.is_ok());
        assert!(l.check("2001:db8::2".parse().unwrap()).1.is_ok());
        assert!(l.check("2001:db8::3".parse().unwrap()).1.is_err());
        assert!(l.check("2001:db8:0:1::1".parse().unwrap()).1.is_ok());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(0)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(19_001)), 20);
        assert_eq!(retry_after_secs(Duration::from_secs(20)), 20);
    }
}
