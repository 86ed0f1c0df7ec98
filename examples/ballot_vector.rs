//! Prints the ballot-format-2 test vector of docs/SPEC.md ("Test vectors"):
//! a packed three-option ballot under the example election key, made with a
//! seeded generator so that it can be made again byte for byte.
//!
//!     cargo run --example ballot_vector > tests/vectors/ballot-format2.json
//!
//! `tools/spec_vectors.py` checks it independently; `tests/ballot_format2.rs`
//! checks it against the library.

use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::SeedableRng;
use urne::ballot::{self, BallotContext};
use urne::crypto::encoding::{to_b64, Transcript};
use urne::crypto::random_scalar;
use urne::keys::ElectionKey;
use zeroize::Zeroizing;

fn main() {
    let text =
        std::fs::read_to_string("keys-example/election-key.json").expect("run from the repository");
    let key = ElectionKey::from_json(&text, "election-key.json").expect("the example key");
    let mut rng = StdRng::seed_from_u64(20_261_201);
    let r: Scalar = random_scalar(&mut rng);
    let ctx = BallotContext {
        fingerprint: &key.fingerprint,
        referendum: "sogne",
        voter: "sogne-000001",
    };
    let choice = 2;
    let b =
        ballot::encrypt_with_randomness(&key.key, &ctx, 3, choice, &[Zeroizing::new(r)], &mut rng)
            .expect("encrypts");
    let mut t = Transcript::sha256("urne/v1/ballot-ciphertexts");
    for e in b.ciphertext_elems() {
        t.point(&e.a.0).point(&e.b.0);
    }
    let digest = hex::encode(&t.finish32()[..16]);
    let out = serde_json::json!({
        "fingerprint": hex::encode(key.fingerprint),
        "election_key": to_b64(key.key.elem.as_bytes()),
        "referendum": "sogne",
        "voter": "sogne-000001",
        "options": ["Ja", "Nei", "Blank"],
        "choice": choice,
        "r": to_b64(r.as_bytes()),
        "ciphertext_digest": digest,
        "ballot": b,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}
