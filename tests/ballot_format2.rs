//! Ballot format 2 (docs/SPEC.md, "Ballot"): a referendum of 2 or 3 options is
//! one ciphertext of the option's weight with a 1-of-k proof, one of 4 or more
//! keeps the one-hot encoding; the count recovers the packed figures and
//! verify checks them with one multiplication.

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_POINT as G, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
mod common;

use common::library::{simulate_box, SimulatedBox};
use rand::rngs::OsRng;
use urne::ballot::{
    self, packed_weights, Ballot, BallotContext, BallotError, Encoding, PackedBallot, PACKED_M,
};
use urne::crypto::elgamal::{Ciphertext, PublicKey};
use urne::crypto::encoding::{Digest32, Elem, PubScalar, Transcript, G_ELEM};
use urne::crypto::proofs::{tag, BatchGroup, BatchVerifier, OneOfKProof};
use urne::crypto::random_scalar;
use urne::event::Manifest;
use urne::simulate::Spec;
use urne::tally::{self, CountInputs, Rejection, TallyFile};

struct Key {
    s: Scalar,
    key: PublicKey,
}

fn key() -> Key {
    let s = random_scalar(&mut OsRng);
    Key {
        s,
        key: PublicKey::new(s * G),
    }
}

const FP: [u8; 32] = [0x42; 32];

fn ctx<'a>(fp: &'a [u8; 32], voter: &'a str) -> BallotContext<'a> {
    BallotContext {
        fingerprint: fp,
        referendum: "sogne",
        voter,
    }
}

fn verify(k: &Key, b: &Ballot, c: &BallotContext<'_>, n: usize) -> Result<(), BallotError> {
    b.verify(&k.key.elem, &k.key.point, c, n).map(|_| ())
}

#[test]
fn round_trips_for_two_and_three_options() {
    let k = key();
    let c = ctx(&FP, "sogne-000001");
    for n in [2usize, 3] {
        for choice in 0..n {
            let b = ballot::encrypt(&k.key, &c, n, choice, &mut OsRng).unwrap();
            let text = serde_json::to_string(&b).unwrap();
            assert!(
                text.starts_with("{\"encoding\":\"packed\",\"a\":"),
                "{text}"
            );
            let back: Ballot = serde_json::from_str(&text).unwrap();
            assert_eq!(back, b);
            let cts = back.verify(&k.key.elem, &k.key.point, &c, n).unwrap();
            assert_eq!(cts.len(), 1);
            let m = [0, 1, PACKED_M][choice];
            assert_eq!(cts[0].b - k.s * cts[0].a, Scalar::from(m) * G);
            // 8 group elements for three options, 6 for two.
            let Ballot::Packed(p) = &back else {
                panic!("packed")
            };
            assert_eq!(2 + p.proof.a.len() + p.proof.b.len(), 2 + 2 * n);
            assert_eq!((p.proof.c.len(), p.proof.s.len()), (n - 1, n));
        }
    }
}

/// The 1-of-k challenge written from docs/SPEC.md, not from the library.
fn spec_challenge(
    key: &Elem,
    c: &BallotContext<'_>,
    weights: &[u64],
    ct: (&Elem, &Elem),
    a: &[Elem],
    b: &[Elem],
) -> Scalar {
    let mut t = Transcript::sha512("urne/v1/proof/one-of-k");
    assert_eq!(tag::ONE_OF_K, "urne/v1/proof/one-of-k");
    t.bytes(c.fingerprint).str(c.referendum).str(c.voter);
    t.point(&G_ELEM.0).point(&key.0).u64(weights.len() as u64);
    for &m in weights {
        t.u64(m);
    }
    t.point(&ct.0 .0).point(&ct.1 .0);
    for (x, y) in a.iter().zip(b) {
        t.point(&x.0).point(&y.0);
    }
    t.challenge()
}

/// A textbook prover for any ciphertext `Enc(m; r)`: branch `claim` real,
/// the others simulated with random challenges and responses (variable base).
/// Sound only if `m` is the claimed weight.
fn prove_claim(
    k: &Key,
    c: &BallotContext<'_>,
    weights: &[u64],
    m: u64,
    claim: usize,
) -> PackedBallot {
    let r = random_scalar(&mut OsRng);
    let ct = Ciphertext::encrypt_with(&k.key, &Scalar::from(m), &r);
    let (ea, eb) = (Elem::from_point(&ct.a), Elem::from_point(&ct.b));
    let w = random_scalar(&mut OsRng);
    let mut cs: Vec<Scalar> = Vec::new();
    let mut ss: Vec<Scalar> = Vec::new();
    let mut a = Vec::new();
    let mut b = Vec::new();
    for (j, &mj) in weights.iter().enumerate() {
        if j == claim {
            cs.push(Scalar::ZERO);
            ss.push(Scalar::ZERO);
            a.push(Elem::from_point(&(w * G)));
            b.push(Elem::from_point(&(w * k.key.point)));
        } else {
            let (cj, sj) = (random_scalar(&mut OsRng), random_scalar(&mut OsRng));
            let shifted = ct.b - Scalar::from(mj) * G;
            a.push(Elem::from_point(&(sj * G - cj * ct.a)));
            b.push(Elem::from_point(&(sj * k.key.point - cj * shifted)));
            cs.push(cj);
            ss.push(sj);
        }
    }
    let ch = spec_challenge(&k.key.elem, c, weights, (&ea, &eb), &a, &b);
    let others: Scalar = cs.iter().sum();
    cs[claim] = ch - others;
    ss[claim] = w + cs[claim] * r;
    cs.pop();
    PackedBallot {
        a: ea,
        b: eb,
        proof: OneOfKProof {
            a,
            b,
            c: cs.into_iter().map(PubScalar).collect(),
            s: ss.into_iter().map(PubScalar).collect(),
        },
    }
}

#[test]
fn a_value_outside_the_weights_cannot_be_proved() {
    let k = key();
    let c = ctx(&FP, "sogne-000001");
    for n in [2usize, 3] {
        let weights = packed_weights(n);
        // The textbook prover is right: each true weight proves under its branch.
        for (j, &m) in weights.iter().enumerate() {
            let ok = Ballot::Packed(Box::new(prove_claim(&k, &c, weights, m, j)));
            assert_eq!(verify(&k, &ok, &c, n), Ok(()), "n {n} weight {m}");
        }
        for m in [2u64, PACKED_M + 1, PACKED_M - 1, 3, 2 * PACKED_M, PACKED_M]
            .into_iter()
            .filter(|m| !weights.contains(m))
        {
            for claim in 0..n {
                let forged = Ballot::Packed(Box::new(prove_claim(&k, &c, weights, m, claim)));
                assert_eq!(
                    verify(&k, &forged, &c, n),
                    Err(BallotError::ProofFailed),
                    "n {n} plaintext {m} claimed as branch {claim}"
                );
            }
        }
    }
}

#[test]
fn a_forged_or_tampered_proof_is_rejected() {
    let k = key();
    let c = ctx(&FP, "sogne-000001");
    let honest = ballot::encrypt(&k.key, &c, 3, 2, &mut OsRng).unwrap();
    let Ballot::Packed(p) = &honest else {
        panic!("packed")
    };
    let p: &PackedBallot = p;
    let mut cases: Vec<PackedBallot> = Vec::new();
    let bump = |s: &PubScalar| PubScalar(s.0 + Scalar::ONE);
    for j in 0..3 {
        let mut x = p.clone();
        x.proof.s[j] = bump(&x.proof.s[j]);
        cases.push(x);
        let mut x = p.clone();
        x.proof.a[j] = Elem::from_point(&(x.proof.a[j].decode().unwrap() + G));
        cases.push(x);
        let mut x = p.clone();
        x.proof.b[j] = Elem::from_point(&(x.proof.b[j].decode().unwrap() + G));
        cases.push(x);
    }
    for j in 0..2 {
        let mut x = p.clone();
        x.proof.c[j] = bump(&x.proof.c[j]);
        cases.push(x);
    }
    // The vote moved to another weight: B + G (Blank → 2^32 + 1).
    let mut x = p.clone();
    x.b = Elem::from_point(&(p.b.decode().unwrap() + G));
    cases.push(x);
    // Branches swapped: the challenges no longer match their commitments.
    let mut x = p.clone();
    x.proof.a.swap(0, 1);
    x.proof.b.swap(0, 1);
    x.proof.s.swap(0, 1);
    cases.push(x);
    for (i, x) in cases.into_iter().enumerate() {
        assert_eq!(
            verify(&k, &Ballot::Packed(Box::new(x)), &c, 3),
            Err(BallotError::ProofFailed),
            "case {i}"
        );
    }
    // A commitment that is not an encoding is named as such.
    let mut x = p.clone();
    x.proof.a[1] = Elem(curve25519_dalek::ristretto::CompressedRistretto([0xff; 32]));
    assert_eq!(
        verify(&k, &Ballot::Packed(Box::new(x)), &c, 3),
        Err(BallotError::BadCommitment)
    );
    // Too few challenges for three options.
    let mut x = p.clone();
    x.proof.c.pop();
    assert_eq!(
        verify(&k, &Ballot::Packed(Box::new(x)), &c, 3),
        Err(BallotError::ProofShape)
    );
}

#[test]
fn replay_for_another_voter_referendum_or_election_is_rejected() {
    let k = key();
    let b = ballot::encrypt(&k.key, &ctx(&FP, "sogne-000001"), 3, 1, &mut OsRng).unwrap();
    assert_eq!(verify(&k, &b, &ctx(&FP, "sogne-000001"), 3), Ok(()));
    assert_eq!(
        verify(&k, &b, &ctx(&FP, "sogne-000002"), 3),
        Err(BallotError::ProofFailed)
    );
    let other_fp = [0x43; 32];
    assert_eq!(
        verify(&k, &b, &ctx(&other_fp, "sogne-000001"), 3),
        Err(BallotError::ProofFailed)
    );
    let other_ref = BallotContext {
        referendum: "songdalen",
        ..ctx(&FP, "sogne-000001")
    };
    assert_eq!(verify(&k, &b, &other_ref, 3), Err(BallotError::ProofFailed));
    // Under another election key.
    let k2 = key();
    assert!(verify(&k2, &b, &ctx(&FP, "sogne-000001"), 3).is_err());
}

#[test]
fn four_options_stay_one_hot_and_the_encoding_is_fixed_by_the_options() {
    let k = key();
    let c = ctx(&FP, "v");
    let b = ballot::encrypt(&k.key, &c, 4, 3, &mut OsRng).unwrap();
    assert_eq!(b.encoding(), Encoding::OneHot);
    let cts = b.verify(&k.key.elem, &k.key.point, &c, 4).unwrap();
    assert_eq!(cts.len(), 4);
    for (j, ct) in cts.iter().enumerate() {
        let m = u64::from(j == 3);
        assert_eq!(ct.b - k.s * ct.a, Scalar::from(m) * G);
    }
    let packed = ballot::encrypt(&k.key, &c, 3, 0, &mut OsRng).unwrap();
    assert!(matches!(
        verify(&k, &packed, &c, 4),
        Err(BallotError::WrongEncoding { .. })
    ));
    assert!(matches!(
        verify(&k, &b, &c, 3),
        Err(BallotError::WrongEncoding { .. })
    ));
    // The JSON names it, and renaming it is refused.
    let text = serde_json::to_string(&b).unwrap();
    assert!(text.starts_with("{\"encoding\":\"one-hot\",\"options\":"));
    let renamed = text.replacen("one-hot", "packed", 1);
    assert!(serde_json::from_str::<Ballot>(&renamed).is_err());
}

#[test]
fn every_bad_ballot_in_a_batch_is_named() {
    let k = key();
    let voters: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
    let bad = [0usize, 7, 8, 21, 39];
    let mut batches = Vec::new();
    let mut group = BatchGroup::default();
    let mut cts = Vec::new();
    for (i, v) in voters.iter().enumerate() {
        let c = ctx(&FP, v);
        let n = [2, 3, 4][i % 3];
        let mut b = ballot::encrypt(&k.key, &c, n, i % n, &mut OsRng).unwrap();
        if bad.contains(&i) {
            match &mut b {
                Ballot::Packed(p) => p.proof.s[1] = PubScalar(p.proof.s[1].0 + Scalar::ONE),
                Ballot::OneHot(o) => o.sum_proof.s = PubScalar(o.sum_proof.s.0 + Scalar::ONE),
            }
        }
        let mut batch = BatchVerifier::new();
        b.verify_into(&k.key.elem, &c, n, &mut batch, &mut Vec::new())
            .unwrap();
        batches.push(batch);
        // The same equations, as one batch of a group (as the count and
        // the intake gather them).
        b.verify_into(&k.key.elem, &c, n, group.batch(), &mut cts)
            .unwrap();
        assert_eq!(group.close(), i);
    }
    assert_eq!(cts.len(), (0..40).map(|i| [1, 1, 4][i % 3]).sum::<usize>());
    let refs: Vec<&BatchVerifier> = batches.iter().collect();
    let verdicts = BatchVerifier::verify_each(&refs, &k.key.point);
    let named: Vec<usize> = (0..40).filter(|&i| !verdicts[i]).collect();
    assert_eq!(named, bad);
    let verdicts = group.verify_each(&k.key.point);
    let named: Vec<usize> = (0..40).filter(|&i| !verdicts[i]).collect();
    assert_eq!(named, bad);
}

fn manifest() -> Manifest {
    let text = r#"format = "urne-manifest/1"
event = "format-2-test"
title = "t"
authority = "a"
voting_opens = "2027-01-22T09:00:00+01:00"
voting_closes = "2027-02-02T21:00:00+01:00"
postal_deadline = "2027-02-03T17:00:00+01:00"
evote_policy = "last_counts"
threshold = 2
keyholders = ["K1", "K2"]

[[referendum]]
id = "three"
area = "A"
question = "Q?"
options = ["Ja", "Nei", "Blank"]

[[referendum]]
id = "two"
area = "B"
question = "Q?"
options = ["Yes", "No"]

[[referendum]]
id = "four"
area = "C"
question = "Q?"
options = ["A", "B", "C", "D"]
"#;
    Manifest::parse(text, "manifest.toml").unwrap()
}

#[test]
fn a_box_of_two_three_and_four_options_counts_and_its_counts_are_checked_without_search() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest();
    // Enough bad ballots that several invalid proofs share a proof batch.
    let spec = Spec {
        entitled: vec![300, 120, 80],
        turnout: 0.9,
        revote: 0.2,
        bad_each: 6,
        seed: 11,
        split: Default::default(),
    };
    let SimulatedBox {
        roll,
        key,
        shares,
        truth,
        path,
    } = simulate_box(dir.path(), &manifest, 2, &spec);
    let inputs = CountInputs {
        manifest: &manifest,
        roll: &roll,
        key: &key,
        credentials: None,
    };
    let count = tally::count_box(&path, &inputs, &|_| {}).unwrap();
    // Every bad ballot is named, in each referendum.
    for f in &count.figures {
        assert_eq!(f.rejected[Rejection::InvalidProof.as_str()], 6);
    }
    assert_eq!(count.invalid_examples.len(), 18);
    // A packed referendum's aggregate is one ciphertext; a one-hot one's, k.
    let sizes: Vec<usize> = count.aggregates.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 1, 4]);
    let partials: Vec<_> = shares
        .iter()
        .map(|s| {
            (
                format!("keyholder-{}", s.index()),
                tally::partial_decrypt(&key, &manifest, &count, s, "now".into(), &mut OsRng),
            )
        })
        .collect();
    let combined = tally::combine(&key, &manifest, &count, partials).unwrap();
    let votes: Vec<Vec<u64>> = combined
        .results
        .iter()
        .map(|r| r.iter().map(|o| o.votes).collect())
        .collect();
    let expected: Vec<Vec<u64>> = truth.referendums.iter().map(|r| r.votes.clone()).collect();
    assert_eq!(votes, expected);
    let tally_file = TallyFile::new(
        &manifest,
        &roll,
        &key,
        &count,
        combined,
        Vec::new(),
        "now".into(),
    );
    let encodings: Vec<Encoding> = tally_file.referendums.iter().map(|r| r.encoding).collect();
    assert_eq!(
        encodings,
        [Encoding::Packed, Encoding::Packed, Encoding::OneHot]
    );
    assert_eq!(
        tally::check_counts(&key, &manifest, &count, &tally_file),
        Ok(9)
    );
    // Tampered counts: a vote moved between options (the sum still holds),
    // one added, and c₁ + c₂ beyond the counted ballots.
    for r in 0..3 {
        let mut moved = tally_file.clone();
        let res = &mut moved.referendums[r].results;
        let from = res.iter().position(|x| x.votes > 0).unwrap();
        let to = (from + 1) % res.len();
        res[from].votes -= 1;
        res[to].votes += 1;
        let (item, why) = tally::check_counts(&key, &manifest, &count, &moved).unwrap_err();
        assert!(item.starts_with(&format!("referendum {}", manifest.referendums()[r].id)));
        assert!(why.contains("decrypt"), "{why}");
        let mut added = tally_file.clone();
        added.referendums[r].results[0].votes += 1;
        let (_, why) = tally::check_counts(&key, &manifest, &count, &added).unwrap_err();
        assert!(why.contains("do not add up"), "{why}");
    }
    let n = count.figures[0].counted;
    let mut beyond = tally_file.clone();
    let res = &mut beyond.referendums[0].results;
    res[0].votes = u64::MAX;
    res[1].votes = n;
    res[2].votes = 1;
    assert!(tally::check_counts(&key, &manifest, &count, &beyond).is_err());
}

#[test]
fn a_three_option_box_line_stays_under_900_bytes() {
    let k = key();
    let voter = "sogne-004000000";
    let b = ballot::encrypt(&k.key, &ctx(&FP, voter), 3, 2, &mut OsRng).unwrap();
    let rec = urne::ballot_box::BallotRecord {
        record: urne::ballot_box::RecordKind::Ballot,
        seq: 4_000_000,
        prev: Digest32([0xab; 32]),
        voter: voter.into(),
        referendum: "sogne".into(),
        cast_at: "2027-01-22T09:00:00+01:00".into(),
        ballot: b,
        credential: None,
    };
    let line = serde_json::to_string(&rec).unwrap();
    // With its "\n", at most 900 bytes.
    assert!(line.len() < 900, "{} bytes: {line}", line.len() + 1);
}

#[test]
fn the_ballot_prover_uses_the_same_weights_as_the_spec() {
    assert_eq!(packed_weights(2), [0, 1]);
    assert_eq!(packed_weights(3), [0, 1, 1u64 << 32]);
    assert_eq!(Encoding::for_options(2), Encoding::Packed);
    assert_eq!(Encoding::for_options(3), Encoding::Packed);
    assert_eq!(Encoding::for_options(4), Encoding::OneHot);
    // The ciphertext the fixed-base prover makes is Enc(m; r) for its r.
    let k = key();
    let r = random_scalar(&mut OsRng);
    let rs = vec![zeroize::Zeroizing::new(r)];
    let c = ctx(&FP, "v");
    let b = ballot::encrypt_with_randomness(&k.key, &c, 3, 2, &rs, &mut OsRng).unwrap();
    let Ballot::Packed(p) = b else {
        panic!("packed")
    };
    assert_eq!(p.a.decode().unwrap(), &r * RISTRETTO_BASEPOINT_TABLE);
    let expect: RistrettoPoint = r * k.key.point + Scalar::from(PACKED_M) * G;
    assert_eq!(p.b.decode().unwrap(), expect);
}

/// tests/vectors/ballot-format2.json (docs/SPEC.md, "Test vectors"), which
/// tools/spec_vectors.py checks independently: it verifies for its voter
/// under the example key, encrypts 2^32 with its published randomness, and
/// its challenge and digest are the spec's.
#[test]
fn the_spec_vector_ballot_verifies_and_its_values_are_the_specs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/tests/vectors/ballot-format2.json")).unwrap(),
    )
    .unwrap();
    // The vector carries the key and fingerprint it was made under (the
    // example key of its day; keys-example/ has been made again since).
    let point = Elem::from_b64(v["election_key"].as_str().unwrap())
        .unwrap()
        .decode()
        .unwrap();
    struct Vk {
        key: PublicKey,
        fingerprint: [u8; 32],
    }
    let mut fingerprint = [0u8; 32];
    hex::decode_to_slice(v["fingerprint"].as_str().unwrap(), &mut fingerprint).unwrap();
    let key = Vk {
        key: PublicKey::new(point),
        fingerprint,
    };
    let b: Ballot = serde_json::from_value(v["ballot"].clone()).unwrap();
    let c = BallotContext {
        fingerprint: &key.fingerprint,
        referendum: "sogne",
        voter: "sogne-000001",
    };
    let cts = b.verify(&key.key.elem, &key.key.point, &c, 3).unwrap();
    let r = PubScalar::from_b64(v["r"].as_str().unwrap()).unwrap().0;
    assert_eq!(cts[0].a, &r * RISTRETTO_BASEPOINT_TABLE);
    assert_eq!(cts[0].b, r * key.key.point + Scalar::from(PACKED_M) * G);
    let other = BallotContext {
        voter: "sogne-000002",
        ..c
    };
    assert!(b.verify(&key.key.elem, &key.key.point, &other, 3).is_err());
    let Ballot::Packed(p) = &b else {
        panic!("packed")
    };
    let ch = spec_challenge(
        &key.key.elem,
        &c,
        packed_weights(3),
        (&p.a, &p.b),
        &p.proof.a,
        &p.proof.b,
    );
    assert_eq!(
        hex::encode(ch.as_bytes()),
        "2a38c41a298eaeffa7dacb31f384ce665ad91d28486a6a44321409c4f83d6f04"
    );
    let mut t = Transcript::sha256("urne/v1/ballot-ciphertexts");
    t.point(&p.a.0).point(&p.b.0);
    assert_eq!(hex::encode(&t.finish32()[..16]), v["ciphertext_digest"]);
    // The packed sum of SPEC's tally vector: n = 12, c₁ = 5, c₂ = 4.
    let target = RistrettoPoint::mul_base(&Scalar::from(5 + 4 * PACKED_M));
    assert_eq!(
        hex::encode(target.compress().as_bytes()),
        "4c1a5e0c59d071538dc7d99799b90f2e49539fb939368a462ded19f771d3e005"
    );
    assert_eq!(
        urne::crypto::dlog::packed_counts(&target, 12, 3),
        Some(vec![3, 5, 4])
    );
}
