//! The batch Ristretto decoder of examples/batch_decode (issue 17, item 4)
//! against curve25519-dalek's `decompress`: the same verdict on every
//! encoding, random and crafted (non-canonical, negative, off-curve,
//! identity), and, where both accept, the same point (ours re-encodes to the
//! input and lies on the curve; dalek's re-encodes to it too).

#[path = "../examples/batch_decode/decoder.rs"]
mod decoder;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use decoder::{decode_batch, decode_lanes, encode, on_curve, Constants, Fe};
use proptest::prelude::*;

/// p = 2^255 − 19, little-endian.
fn p_bytes() -> [u8; 32] {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
}

/// `a + k` as 256-bit little-endian numbers (no overflow in the cases used).
fn add_small(a: &[u8; 32], k: u64) -> [u8; 32] {
    let mut out = *a;
    let mut carry = u16::try_from(k & 0xff).unwrap();
    let mut rest = k >> 8;
    for b in out.iter_mut() {
        let s = u16::from(*b) + carry;
        *b = u8::try_from(s & 0xff).unwrap();
        carry = (s >> 8) + u16::try_from(rest & 0xff).unwrap();
        rest >>= 8;
    }
    out
}

/// Checks one batch of encodings, decoded at several widths, against dalek.
fn agree(enc: &[[u8; 32]]) {
    let c = Constants::new();
    let widths = [
        decode_batch::<1>(&c, enc),
        decode_batch::<3>(&c, enc),
        decode_batch::<8>(&c, enc),
    ];
    for (i, e) in enc.iter().enumerate() {
        let theirs = CompressedRistretto(*e).decompress();
        for ours in &widths {
            match (&ours[i], theirs) {
                (None, None) => {}
                (Some(p), Some(q)) => {
                    assert_eq!(&encode(&c, p), e, "ours re-encodes to another string");
                    assert_eq!(&q.compress().to_bytes(), e);
                    assert!(on_curve(&c, p), "ours is off the curve");
                }
                (o, t) => panic!(
                    "{}: ours {}, dalek {}",
                    hex::encode(e),
                    if o.is_some() { "accepts" } else { "rejects" },
                    if t.is_some() { "accepts" } else { "rejects" }
                ),
            }
        }
    }
}

#[test]
fn the_constants_are_right() {
    let c = Constants::new();
    let minus_one = Fe::ONE.neg();
    assert!(c.sqrt_m1.square().eq(&minus_one));
    // d·121666 = −121665
    let small = |n: u64| Fe([n, 0, 0, 0, 0]);
    assert!(c.d.mul(&small(121666)).eq(&small(121665).neg()));
    // p encodes as 0, and 2^255 − 1 as 18 (the top bit ignored, then reduced).
    assert!(Fe::from_bytes(&p_bytes()).is_zero());
    assert_eq!(Fe::from_bytes(&[0xff; 32]).to_bytes()[0], 18);
}

#[test]
fn multiples_of_the_base_point_agree() {
    let mut enc = Vec::new();
    let mut p = RistrettoPoint::default();
    for _ in 0..64 {
        enc.push(p.compress().to_bytes());
        p += RISTRETTO_BASEPOINT_POINT;
    }
    for k in 1..64u64 {
        let s = Scalar::from(k.wrapping_mul(0x9e37_79b9_7f4a_7c15)) * Scalar::from(u64::MAX);
        enc.push((RISTRETTO_BASEPOINT_POINT * s).compress().to_bytes());
    }
    agree(&enc);
}

#[test]
fn the_identity_decodes_and_crafted_bad_encodings_do_not() {
    let c = Constants::new();
    let identity = [0u8; 32];
    let id = decode_lanes::<1>(&c, &[identity])[0].expect("the identity decodes");
    assert!(id.x.is_zero() && id.y.eq(&Fe::ONE));
    let g = RISTRETTO_BASEPOINT_POINT.compress().to_bytes();
    let mut crafted = vec![identity, g];
    // Non-canonical: p itself (would be 0), p + 2, p + 2·k for the first few
    // even k (each ≡ a small even value), the value with the top bit set.
    for k in [0u64, 2, 4, 6, 8, 1000] {
        crafted.push(add_small(&p_bytes(), k));
    }
    let mut top = g;
    top[31] |= 0x80;
    crafted.push(top);
    let mut top0 = identity;
    top0[31] = 0x80;
    crafted.push(top0);
    crafted.push([0xff; 32]);
    // Negative (odd) field elements, among them 1 and p − 2... and g + 1.
    crafted.push(add_small(&identity, 1));
    crafted.push(add_small(&g, 1));
    crafted.push({
        let mut a = p_bytes();
        a[0] -= 2; // p − 2, odd
        a
    });
    // Small values: some off the curve (not a square), some on it.
    for k in 0..200u64 {
        crafted.push(add_small(&identity, 2 * k));
    }
    agree(&crafted);
    // Each of these is refused by both (checked in `agree`); make sure the
    // crafted set does exercise rejection of every kind.
    let ours = decode_batch::<4>(&c, &crafted);
    assert!(
        ours[2..11].iter().all(Option::is_none),
        "non-canonical ones"
    );
    assert!(ours[11..14].iter().all(Option::is_none), "negative ones");
    let small_rejected = ours[14..].iter().filter(|o| o.is_none()).count();
    let small_accepted = ours[14..].iter().filter(|o| o.is_some()).count();
    assert!(small_rejected > 50 && small_accepted > 10);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_strings_agree(strings in proptest::collection::vec(any::<[u8; 32]>(), 1..12)) {
        agree(&strings);
    }

    #[test]
    fn random_points_and_their_neighbours_agree(seeds in proptest::collection::vec(any::<[u8; 32]>(), 1..12), delta in 0u64..4) {
        let enc: Vec<[u8; 32]> = seeds
            .iter()
            .map(|s| {
                let p = RISTRETTO_BASEPOINT_POINT * Scalar::from_bytes_mod_order(*s);
                add_small(&p.compress().to_bytes(), delta)
            })
            .collect();
        agree(&enc);
    }
}
