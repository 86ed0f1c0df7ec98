//! The group through the project's own encoding layer, against RFC 9496
//! (ristretto255) Appendix A, and the algebra of the crypto core under random
//! inputs.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use urne::crypto::dlog::bounded_dlog;
use urne::crypto::elgamal::{Ciphertext, PublicKey};
use urne::crypto::encoding::{to_b64, DecodeError, Elem, PubScalar, Transcript};
use urne::crypto::shamir::{deal, lagrange_at_zero, verification_key};

/// RFC 9496 A.1: encodings of 0·B … 15·B.
const MULTIPLES: [&str; 16] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
    "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
    "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
    "e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
    "f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
    "44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
    "903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
    "02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
    "20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
    "bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
    "e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
    "aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
    "46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
    "e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
];

/// RFC 9496 A.2: encodings every implementation must refuse.
const INVALID: [&str; 29] = [
    // non-canonical field encodings
    "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    // negative field elements
    "0100000000000000000000000000000000000000000000000000000000000000",
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    // non-square x²
    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    // negative xy value
    "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
    // s = −1, which gives y = 0
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

/// The JSON text an artifact would carry for these bytes.
fn b64_of_hex(h: &str) -> String {
    to_b64(&hex::decode(h).unwrap())
}

#[test]
fn rfc9496_multiples_of_the_generator_round_trip_through_elem() {
    let mut p = RistrettoPoint::identity();
    for (k, want) in MULTIPLES.iter().enumerate() {
        // Encoding: k·B as the project writes it.
        let e = Elem::from_point(&p);
        assert_eq!(hex::encode(e.as_bytes()), *want, "{k}·B encodes wrongly");
        // Decoding: the base64 text a file would hold, back to the point.
        let parsed = Elem::from_b64(&b64_of_hex(want)).unwrap();
        assert_eq!(parsed.decode().unwrap(), p, "{k}·B decodes wrongly");
        // Keys and commitments refuse the identity, and only the identity.
        assert_eq!(
            parsed.decode_non_identity().is_err(),
            k == 0,
            "identity rule at {k}·B"
        );
        // And via serde, as every artifact reads it.
        let json = format!("\"{}\"", b64_of_hex(want));
        let via_serde: Elem = serde_json::from_str(&json).unwrap();
        assert_eq!(via_serde, parsed);
        p += G;
    }
}

#[test]
fn rfc9496_invalid_encodings_are_refused() {
    for bad in INVALID {
        let e = Elem::from_b64(&b64_of_hex(bad)).expect("32 bytes of base64 parse");
        assert_eq!(
            e.decode(),
            Err(DecodeError::NotCanonicalPoint),
            "{bad} must be refused"
        );
        assert!(e.decode_non_identity().is_err());
    }
}

#[test]
fn rfc9496_hash_to_group_vector() {
    // RFC 9496 A.3, first entry: the 64 uniform bytes → element map that the
    // key-test base uses.
    let input = hex::decode(concat!(
        "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1",
        "4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6"
    ))
    .unwrap();
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&input);
    let p = RistrettoPoint::from_uniform_bytes(&wide);
    assert_eq!(
        hex::encode(Elem::from_point(&p).as_bytes()),
        "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"
    );
}

#[test]
fn base64_that_is_not_32_bytes_is_refused() {
    for s in [
        "",
        "AAAA",
        "4vKuCmq8TnGohKlhxQBRX1jjC2qlgt2NtqZZReCNLXY", // unpadded
        "4vKuCmq8TnGohKlhxQBRX1jjC2qlgt2NtqZZReCNLXY=x", // trailing junk
        "4vKuCmq8TnGohKlhxQBRX1jjC2qlgt2NtqZZReCNLX$=", // bad alphabet
    ] {
        assert_eq!(Elem::from_b64(s), Err(DecodeError::Base64), "{s:?}");
    }
    assert!(Elem::from_b64(&b64_of_hex(MULTIPLES[1])).is_ok());
}

#[test]
fn scalars_at_or_above_the_group_order_are_refused() {
    // ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    let l = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    assert!(PubScalar::from_b64(&b64_of_hex(l)).is_err());
    let l_minus_1 = "ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    let s = PubScalar::from_b64(&b64_of_hex(l_minus_1)).unwrap();
    assert_eq!(s.0, -Scalar::ONE);
    let all_ones = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    assert!(PubScalar::from_b64(&b64_of_hex(all_ones)).is_err());
}

#[test]
fn hashing_is_length_prefixed_so_items_cannot_be_shifted() {
    let h = |items: &[&str]| {
        let mut t = Transcript::sha256("urne/v1/test");
        for i in items {
            t.str(i);
        }
        t.finish32()
    };
    assert_ne!(h(&["ab", "c"]), h(&["a", "bc"]));
    assert_ne!(h(&["abc"]), h(&["abc", ""]));
    let mut a = Transcript::sha256("urne/v1/test-a");
    a.str("x");
    let mut b = Transcript::sha256("urne/v1/test-b");
    b.str("x");
    assert_ne!(a.finish32(), b.finish32(), "domain tags separate");
    // The construction byte by byte, as docs/SPEC.md states it.
    let mut manual = Vec::new();
    for x in [&b"urne/v1/test"[..], b"ab", b"c"] {
        manual.extend_from_slice(&(x.len() as u64).to_be_bytes());
        manual.extend_from_slice(x);
    }
    assert_eq!(h(&["ab", "c"]), urne::crypto::encoding::sha256(&manual));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any t of the n shares interpolate to the secret; the shares match
    /// their Feldman verification keys.
    #[test]
    fn shamir_any_t_shares_reconstruct(seed in any::<u64>(), n in 1u32..=7, t_off in 0u32..7, pick in any::<u64>()) {
        let t = 1 + t_off % n;
        let mut rng = StdRng::seed_from_u64(seed);
        let (commitments, shares) = deal(t, n, &mut rng).unwrap();
        for s in &shares {
            prop_assert_eq!(verification_key(&commitments, s.index()), s.public());
        }
        // A pseudo-random subset of size t.
        let mut idx: Vec<u32> = (1..=n).collect();
        let mut p = pick;
        for k in (1..idx.len()).rev() {
            let j = usize::try_from(p % (k as u64 + 1)).unwrap();
            idx.swap(k, j);
            p /= k as u64 + 1;
        }
        idx.truncate(usize::try_from(t).unwrap());
        let mut secret_g = RistrettoPoint::identity();
        for &i in &idx {
            let s = &shares[usize::try_from(i - 1).unwrap()];
            secret_g += lagrange_at_zero(&idx, i) * s.public();
        }
        prop_assert_eq!(secret_g, commitments[0]);
    }

    /// ElGamal is additively homomorphic and the bounded discrete log finds
    /// the sum.
    #[test]
    fn elgamal_sums_decrypt_to_the_sum(seed in any::<u64>(), votes in proptest::collection::vec(0u64..3, 1..20)) {
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Scalar::from(seed | 1);
        let key = PublicKey::new(x * G);
        let mut sum = Ciphertext::zero();
        for &v in &votes {
            let (c, _) = Ciphertext::encrypt(&key, v, &mut rng);
            sum = sum.add(&c);
        }
        let m = sum.b - x * sum.a;
        let total: u64 = votes.iter().sum();
        prop_assert_eq!(bounded_dlog(&m, 100), Some(total));
        if total > 0 {
            prop_assert_eq!(bounded_dlog(&m, total - 1), None);
        }
    }
}
