//! Voter pseudonyms: what the published files call a voter.
//!
//! Who voted is personal data (DESIGN.md, "Personal data"). The authority
//! turns each national roll id into a pseudonym with a keyed hash before the
//! roll is used anywhere; the roll, the ballot box, the marked roll and the
//! postal decisions all carry the pseudonym, so every counting rule stays
//! checkable while identities stay with the authority:
//!
//! ```text
//! pseudonym(id) = "v" || hex( HMAC-SHA-256(k, item("urne/v1/pseudonym") || item(event) || item(id)) )[0..24]
//! ```
//!
//! `k` is 32 random bytes, sealed by the authority's passphrase (kind
//! `pseudonym-key`) and never published. 96 bits keep collisions out of reach
//! for any national roll (about 2^-48 for 4 million voters), and a collision
//! is refused when the roll is made. Binding the event makes the pseudonyms of
//! two events unlinkable.

use ring::hmac;
use zeroize::Zeroizing;

/// The `kind` of a sealed pseudonym key.
pub const PSEUDONYM_KEY_KIND: &str = "pseudonym-key";

/// A keyed pseudonym function for one event.
pub struct Pseudonymizer {
    key: hmac::Key,
    event: String,
}

impl Pseudonymizer {
    /// From the 32 key bytes (opened from their sealed file) and the event id.
    pub fn new(key: &Zeroizing<Vec<u8>>, event: &str) -> Option<Self> {
        (key.len() == 32).then(|| Pseudonymizer {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            event: event.into(),
        })
    }

    /// A fresh random key.
    pub fn generate_key() -> Option<Zeroizing<Vec<u8>>> {
        let mut k = Zeroizing::new(vec![0u8; 32]);
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut k).ok()?;
        Some(k)
    }

    /// The pseudonym of a national roll id.
    pub fn pseudonym(&self, id: &str) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        for item in [
            &b"urne/v1/pseudonym"[..],
            self.event.as_bytes(),
            id.as_bytes(),
        ] {
            ctx.update(&(item.len() as u64).to_be_bytes());
            ctx.update(item);
        }
        let tag = ctx.sign();
        format!("v{}", hex::encode(&tag.as_ref()[..12]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_bound_to_the_event() {
        let k1 = Zeroizing::new(vec![7u8; 32]);
        let k2 = Zeroizing::new(vec![8u8; 32]);
        let a = Pseudonymizer::new(&k1, "e1").unwrap();
        let p = a.pseudonym("01017012345");
        assert_eq!(p.len(), 25);
        assert!(p.starts_with('v'));
        assert_eq!(p, a.pseudonym("01017012345"));
        assert_ne!(p, a.pseudonym("01017012346"));
        assert_ne!(
            p,
            Pseudonymizer::new(&k2, "e1")
                .unwrap()
                .pseudonym("01017012345")
        );
        assert_ne!(
            p,
            Pseudonymizer::new(&k1, "e2")
                .unwrap()
                .pseudonym("01017012345")
        );
        assert!(Pseudonymizer::new(&Zeroizing::new(vec![1u8; 16]), "e").is_none());
        // A pseudonym is a valid voter id everywhere.
        assert_eq!(crate::event::voter_id_problem(&p), None);
    }
}
