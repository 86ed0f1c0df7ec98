//! The ballot prover is pinned byte for byte: with the randomness of the
//! format-2 test vector (tests/vectors/ballot-format2.json, made by
//! examples/ballot_vector with a seeded generator) it makes the very ballot
//! the vector holds. Speed work on the prover (issue 17: which products it
//! computes, and how) may change how a ballot is computed, never its bytes.

use rand::rngs::StdRng;
use rand::SeedableRng;
use urne::ballot::{self, BallotContext};
use urne::crypto::elgamal::PublicKey;
use urne::crypto::encoding::{to_b64, Elem};
use urne::crypto::random_scalar;
use zeroize::Zeroizing;

/// examples/ballot_vector's seed.
const SEED: u64 = 20_261_201;

#[test]
fn the_prover_makes_the_vectors_ballot_from_the_vectors_randomness() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/ballot-format2.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let point = Elem::from_b64(&s("election_key"))
        .unwrap()
        .decode()
        .unwrap();
    let key = PublicKey::new(point);
    let mut fingerprint = [0u8; 32];
    hex::decode_to_slice(s("fingerprint"), &mut fingerprint).unwrap();
    let (referendum, voter) = (s("referendum"), s("voter"));
    let ctx = BallotContext {
        fingerprint: &fingerprint,
        referendum: &referendum,
        voter: &voter,
    };
    let options = v["options"].as_array().unwrap().len();
    let choice = usize::try_from(v["choice"].as_u64().unwrap()).unwrap();
    // The generator's first draw is the ciphertext's randomness, the rest
    // the proof's.
    let mut rng = StdRng::seed_from_u64(SEED);
    let r = random_scalar(&mut rng);
    assert_eq!(
        to_b64(r.as_bytes()),
        s("r"),
        "the vector's r is the seed's first draw"
    );
    let made = ballot::encrypt_with_randomness(
        &key,
        &ctx,
        options,
        choice,
        &[Zeroizing::new(r)],
        &mut rng,
    )
    .unwrap();
    assert_eq!(serde_json::to_value(&made).unwrap(), v["ballot"]);
    // Another choice with the same randomness is another ballot.
    let mut rng = StdRng::seed_from_u64(SEED);
    let r = random_scalar(&mut rng);
    let other = ballot::encrypt_with_randomness(
        &key,
        &ctx,
        options,
        (choice + 1) % options,
        &[Zeroizing::new(r)],
        &mut rng,
    )
    .unwrap();
    assert_ne!(serde_json::to_value(&other).unwrap(), v["ballot"]);
}
