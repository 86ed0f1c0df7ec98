//! The key ceremony without a dealer, through the library: whole ceremonies
//! whose keys decrypt with every t-subset of shares, a cheating dealer caught
//! by a complaint and named, a false complaint shown false, a rushing
//! keyholder held to their certificate, a tampered transcript refused, and
//! the algebra (K = Σ C_{i,0}, K_j = s_j·G) as a property.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use proptest::prelude::*;
use rand::rngs::OsRng;

use urne::crypto::elgamal::Ciphertext;
use urne::crypto::encoding::{from_b64, to_b64, Digest32, Elem};
use urne::crypto::shamir::{lagrange_at_zero, SecretShare};
use urne::keys::dkg::{
    self, accuse, assemble, check_certificates, check_deals, check_transcript, confirm,
    make_certificate, make_deal, Certificate, Complaint, ConfirmOutcome, Deal, DkgError, Round3,
    Seed, Setup, COMPLAINT_FORMAT,
};
use urne::keys::passphrase::Passphrase;
use urne::keys::seal::KdfParams;
use urne::keys::{file_to_json, ElectionKey};

fn setup(t: u32, n: usize) -> Setup {
    let names: Vec<String> = (1..=n).map(|i| format!("Keyholder {i}")).collect();
    Setup::new("dkg-test", Digest32([3; 32]), t, &names, 1).unwrap()
}

fn seeds(n: usize, salt: u8) -> Vec<Seed> {
    (0..n)
        .map(|i| {
            let mut b = [salt; 32];
            b[0] = u8::try_from(i).unwrap();
            Seed::from_bytes(&b).unwrap()
        })
        .collect()
}

fn named<T: Clone>(what: &str, v: &[T]) -> Vec<(String, T)> {
    v.iter()
        .enumerate()
        .map(|(p, x)| (format!("{what}-{}.json", p + 1), x.clone()))
        .collect()
}

struct Ceremony {
    setup: Setup,
    certs: Vec<Certificate>,
    deals: Vec<Deal>,
    round3: Vec<Round3>,
    shares: Vec<SecretShare>,
}

/// Runs rounds 1–3 for every keyholder, honestly unless `tamper` changes the
/// deals after they are made.
fn run(t: u32, n: usize, seeds: &[Seed], tamper: &dyn Fn(&mut Vec<Deal>)) -> Ceremony {
    let s = setup(t, n);
    let n32 = u32::try_from(n).unwrap();
    let certs: Vec<Certificate> = (1..=n32)
        .map(|i| make_certificate(&s, i, &seeds[i as usize - 1]).unwrap())
        .collect();
    let checked = check_certificates(&s, &named("certificate", &certs)).unwrap();
    let mut deals: Vec<Deal> = (1..=n32)
        .map(|i| make_deal(&s, i, &seeds[i as usize - 1], &checked).unwrap())
        .collect();
    tamper(&mut deals);
    let checked_deals = check_deals(&s, &checked, &named("deal", &deals)).unwrap();
    let mut round3 = Vec::new();
    let mut shares = Vec::new();
    for i in 1..=n32 {
        match confirm(
            &s,
            i,
            &seeds[i as usize - 1],
            &checked,
            &checked_deals,
            "2027-01-01T00:00:00Z".into(),
        )
        .unwrap()
        {
            ConfirmOutcome::Confirmed {
                confirmation,
                share,
                key,
            } => {
                // The share is sealed to the key as the confirm round sees it.
                let k = ElectionKey::check(*key, "k").unwrap();
                assert_eq!(k.verification_key(i), Some(&share.public()));
                round3.push(Round3::Confirmation(confirmation));
                shares.push(share);
            }
            ConfirmOutcome::Complained(c) => round3.push(Round3::Complaint(c)),
        }
    }
    Ceremony {
        setup: s,
        certs,
        deals,
        round3,
        shares,
    }
}

fn assemble_all(c: &Ceremony) -> Result<urne::keys::ElectionKeyFile, DkgError> {
    assemble(
        &c.setup,
        &named("certificate", &c.certs),
        &named("deal", &c.deals),
        &named("round3", &c.round3),
        "2027-01-01T00:00:00Z".into(),
    )
}

fn subsets(n: usize, t: usize) -> Vec<Vec<usize>> {
    (0u32..(1 << n))
        .filter(|m| m.count_ones() as usize == t)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

/// Encrypts `m`, decrypts with the partials `D_i = s_i·A` of every t-subset.
fn decrypts_with_every_subset(key: &ElectionKey, shares: &[SecretShare], t: usize) {
    let m = Scalar::from(4242u64);
    let (ct, _) = Ciphertext::encrypt(&key.key, 4242, &mut OsRng);
    for set in subsets(shares.len(), t) {
        let idx: Vec<u32> = set.iter().map(|&p| shares[p].index()).collect();
        let combined: RistrettoPoint = set
            .iter()
            .map(|&p| lagrange_at_zero(&idx, shares[p].index()) * (shares[p].value() * ct.a))
            .sum();
        assert_eq!(
            ct.b - combined,
            &m * RISTRETTO_BASEPOINT_TABLE,
            "subset {idx:?}"
        );
    }
    if t > 1 {
        for set in subsets(shares.len(), t - 1) {
            let idx: Vec<u32> = set.iter().map(|&p| shares[p].index()).collect();
            let combined: RistrettoPoint = set
                .iter()
                .map(|&p| lagrange_at_zero(&idx, shares[p].index()) * (shares[p].value() * ct.a))
                .sum();
            assert_ne!(ct.b - combined, &m * RISTRETTO_BASEPOINT_TABLE);
        }
    }
}

fn end_to_end(t: u32, n: usize) {
    let c = run(t, n, &seeds(n, 9), &|_| {});
    assert_eq!(c.shares.len(), n, "everyone confirms");
    let file = assemble_all(&c).unwrap();
    let key = ElectionKey::from_json(&file_to_json(&file), "election-key.json").unwrap();
    assert_eq!(key.ceremony_kind(), "dealerless");
    let tr = file.ceremony.as_ref().unwrap().transcript.as_ref().unwrap();
    check_transcript(&file, tr).unwrap();
    // Shares sealed as today's share files open against the assembled key and
    // pass the key test.
    for s in &c.shares {
        let p = Passphrase::new(format!("passphrase of keyholder {}", s.index()));
        let sealed = key.seal_share(s, &p, KdfParams::TEST_ONLY_FAST).unwrap();
        let opened = key.open_share(&sealed, &p, "share").unwrap();
        let test = key.key_test(&opened, "now".into(), &mut OsRng);
        assert!(key.check_key_test(&test));
    }
    decrypts_with_every_subset(&key, &c.shares, t as usize);
}

#[test]
fn two_of_two_ceremony_unlocks() {
    end_to_end(2, 2);
}

#[test]
fn two_of_three_ceremony_unlocks_with_every_pair() {
    end_to_end(2, 3);
}

#[test]
fn three_of_five_ceremony_unlocks_with_every_triple() {
    end_to_end(3, 5);
}

#[test]
fn one_of_one_and_sixteen_of_sixteen_work() {
    end_to_end(1, 1);
    let c = run(16, 16, &seeds(16, 1), &|_| {});
    let file = assemble_all(&c).unwrap();
    let key = ElectionKey::check(file, "k").unwrap();
    decrypts_with_every_subset(&key, &c.shares, 16);
}

#[test]
fn re_running_a_round_reproduces_the_same_files() {
    let a = run(2, 3, &seeds(3, 5), &|_| {});
    let b = run(2, 3, &seeds(3, 5), &|_| {});
    assert_eq!(a.certs, b.certs);
    assert_eq!(a.deals, b.deals);
    let fa = assemble_all(&a).unwrap();
    let fb = assemble_all(&b).unwrap();
    assert_eq!(fa, fb);
}

fn flip_share_to(deals: &mut [Deal], dealer: usize, to: u32) {
    let s = deals[dealer - 1]
        .shares
        .iter_mut()
        .find(|s| s.to == to)
        .unwrap();
    let mut ct = from_b64(&s.ciphertext).unwrap();
    ct[3] ^= 0x40;
    s.ciphertext = to_b64(&ct);
}

#[test]
fn a_bad_share_is_caught_by_its_recipient_and_the_dealer_named_at_assembly() {
    let c = run(2, 3, &seeds(3, 2), &|d| flip_share_to(d, 2, 3));
    // Keyholder 3 complained; the others confirmed.
    let complaint = c
        .round3
        .iter()
        .find_map(|r| match r {
            Round3::Complaint(c) => Some(c.clone()),
            _ => None,
        })
        .expect("a complaint");
    assert_eq!(complaint.index, 3);
    assert_eq!(complaint.format, COMPLAINT_FORMAT);
    assert_eq!(complaint.against.len(), 1);
    assert_eq!(complaint.against[0].dealer, 2);
    match assemble_all(&c) {
        Err(DkgError::ComplaintStands {
            complainer, dealer, ..
        }) => assert_eq!((complainer, dealer), (3, 2)),
        other => panic!("expected the complaint to stand, got {other:?}"),
    }
    let e = assemble_all(&c).unwrap_err();
    assert_eq!(urne::error::Explain::code(&e), "E-DKG-COMPLAINT");
    assert!(e.to_string().contains("keyholder 2"), "{e}");
}

#[test]
fn a_false_complaint_is_shown_false() {
    let n = 3;
    let sd = seeds(n, 4);
    let mut c = run(2, n, &sd, &|_| {});
    let certs = check_certificates(&c.setup, &named("certificate", &c.certs)).unwrap();
    let deals = check_deals(&c.setup, &certs, &named("deal", &c.deals)).unwrap();
    // Keyholder 1 complains about keyholder 2's honest share.
    let acc = accuse(&c.setup, 1, &sd[0], &certs, &deals, 2).unwrap();
    assert!(matches!(
        dkg::judge_complaint(&certs, &deals, 1, &acc),
        dkg::Verdict::False(_)
    ));
    c.round3[0] = Round3::Complaint(Complaint {
        format: COMPLAINT_FORMAT.into(),
        deals: Digest32(deals.fingerprint),
        index: 1,
        against: vec![acc.clone()],
    });
    match assemble_all(&c) {
        Err(DkgError::FalseComplaint {
            complainer, dealer, ..
        }) => assert_eq!((complainer, dealer), (1, 2)),
        other => panic!("expected a false complaint, got {other:?}"),
    }
    // A complaint disclosing a made-up secret is not proven, so also false.
    let mut forged = acc;
    forged.shared_secret = Elem::from_point(&(&Scalar::from(5u8) * RISTRETTO_BASEPOINT_TABLE));
    assert!(matches!(
        dkg::judge_complaint(&certs, &deals, 1, &forged),
        dkg::Verdict::False(_)
    ));
}

#[test]
fn a_rushing_keyholder_cannot_change_their_commitments_after_the_certificates() {
    let s = setup(2, 3);
    let honest = seeds(3, 6);
    let certs: Vec<Certificate> = (1..=3u32)
        .map(|i| make_certificate(&s, i, &honest[i as usize - 1]).unwrap())
        .collect();
    let checked = check_certificates(&s, &named("certificate", &certs)).unwrap();
    // Keyholder 2 sees the others' certificates and deals with another
    // polynomial (from another seed), with valid proofs of knowledge.
    let other = Seed::from_bytes(&[0xee; 32]).unwrap();
    let mut certs_b = certs.clone();
    certs_b[1] = make_certificate(&s, 2, &other).unwrap();
    let checked_b = check_certificates(&s, &named("certificate", &certs_b)).unwrap();
    let mut rushed = make_deal(&s, 2, &other, &checked_b).unwrap();
    rushed.certificates = Digest32(checked.fingerprint);
    let mut deals: Vec<Deal> = (1..=3u32)
        .map(|i| make_deal(&s, i, &honest[i as usize - 1], &checked).unwrap())
        .collect();
    deals[1] = rushed;
    match check_deals(&s, &checked, &named("deal", &deals)) {
        Err(e @ DkgError::CommitmentHash { index: 2, .. }) => {
            assert_eq!(urne::error::Explain::code(&e), "E-DKG-COMMITMENT-HASH");
            assert!(e.to_string().contains("deal-2.json"), "{e}");
        }
        other => panic!(
            "expected the commitment hash to bind, got {:?}",
            other.err()
        ),
    }
}

#[test]
fn round_files_of_another_attempt_duplicates_and_missing_keyholders_are_refused() {
    let s = setup(2, 3);
    let sd = seeds(3, 7);
    let certs: Vec<Certificate> = (1..=3u32)
        .map(|i| make_certificate(&s, i, &sd[i as usize - 1]).unwrap())
        .collect();
    // Missing.
    let e = check_certificates(&s, &named("certificate", &certs[..2]))
        .err()
        .unwrap();
    assert!(matches!(e, DkgError::Missing { index: 3, .. }), "{e:?}");
    // Duplicate index.
    let mut dup = named("certificate", &certs);
    dup.push(("copy.json".into(), certs[0].clone()));
    let e = check_certificates(&s, &dup).err().unwrap();
    assert!(matches!(e, DkgError::Duplicate { index: 1, .. }), "{e:?}");
    // Another attempt.
    let mut s2 = s.clone();
    s2.attempt = 2;
    let mut mixed = named("certificate", &certs);
    mixed[1].1 = make_certificate(&s2, 2, &sd[1]).unwrap();
    let e = check_certificates(&s, &mixed).err().unwrap();
    assert!(matches!(e, DkgError::OtherSetup { .. }), "{e:?}");
    assert!(e.to_string().contains("certificate-2.json"));
    // A bad proof of knowledge.
    let mut bad = named("certificate", &certs);
    bad[2].1.transport_proof.a = bad[0].1.transport_proof.a;
    let e = check_certificates(&s, &bad).err().unwrap();
    assert!(matches!(e, DkgError::BadProof { index: 3, .. }), "{e:?}");
    // A deal made against other certificates.
    let checked = check_certificates(&s, &named("certificate", &certs)).unwrap();
    let mut deals: Vec<Deal> = (1..=3u32)
        .map(|i| make_deal(&s, i, &sd[i as usize - 1], &checked).unwrap())
        .collect();
    deals[0].certificates = Digest32([1; 32]);
    let e = check_deals(&s, &checked, &named("deal", &deals))
        .err()
        .unwrap();
    assert!(matches!(e, DkgError::OtherTranscript { .. }), "{e:?}");
    // Dealing with someone else's seed.
    let e = make_deal(&s, 1, &sd[1], &checked).err().unwrap();
    assert!(matches!(e, DkgError::NotYourSeed { index: 1, .. }), "{e:?}");
}

#[test]
fn every_tampered_part_of_the_transcript_is_refused() {
    let c = run(2, 3, &seeds(3, 8), &|_| {});
    let file = assemble_all(&c).unwrap();
    type Edit = Box<dyn Fn(&mut dkg::DkgTranscript)>;
    let g = Elem::from_point(&(&Scalar::from(77u8) * RISTRETTO_BASEPOINT_TABLE));
    let edits: Vec<(&str, Edit)> = vec![
        (
            "certificate name",
            Box::new(|t| t.certificates[0].name = "Mallory".into()),
        ),
        (
            "certificate key",
            Box::new(move |t| t.certificates[1].transport_key = g),
        ),
        (
            "certificate hash",
            Box::new(|t| t.certificates[2].commitments_sha256 = Digest32([0; 32])),
        ),
        (
            "deal commitment",
            Box::new(move |t| t.deals[0].commitments[1] = g),
        ),
        (
            "deal proof",
            Box::new(|t| {
                let p = t.deals[1].proofs[0].clone();
                t.deals[1].proofs[1] = p;
            }),
        ),
        (
            "deal ciphertext",
            Box::new(|t| flip_share_to(&mut t.deals, 3, 1)),
        ),
        ("deal attempt", Box::new(|t| t.attempt = 2)),
        (
            "confirmation key",
            Box::new(move |t| t.confirmations[0].verification_key = g),
        ),
        (
            "confirmation proof",
            Box::new(|t| {
                let p = t.confirmations[0].proof.clone();
                t.confirmations[1].proof = p;
            }),
        ),
        (
            "missing confirmation",
            Box::new(|t| {
                t.confirmations.pop();
            }),
        ),
        (
            "swapped certificates",
            Box::new(|t| t.certificates.swap(0, 1)),
        ),
    ];
    for (what, edit) in edits {
        let mut f = file.clone();
        let tr = f.ceremony.as_mut().unwrap().transcript.as_mut().unwrap();
        edit(tr);
        let tr = f.ceremony.as_ref().unwrap().transcript.clone().unwrap();
        assert!(check_transcript(&f, &tr).is_err(), "{what} was not caught");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn assembled_key_is_the_sum_of_constant_terms_and_k_j_is_s_j_g(
        n in 1usize..=5,
        t_off in 0usize..5,
        salt in any::<u8>(),
    ) {
        let t = u32::try_from(1 + t_off % n).unwrap();
        let c = run(t, n, &seeds(n, salt), &|_| {});
        let file = assemble_all(&c).unwrap();
        let sum: RistrettoPoint = c
            .deals
            .iter()
            .map(|d| d.commitments[0].decode().unwrap())
            .sum();
        prop_assert_eq!(file.election_key, Elem::from_point(&sum));
        for s in &c.shares {
            let kj = &file.keyholders[s.index() as usize - 1].verification_key;
            prop_assert_eq!(*kj, Elem::from_point(&s.public()));
        }
    }
}

#[test]
fn the_example_keys_transcript_checks_and_binds_its_fingerprint() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/keys-example/election-key.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let key = ElectionKey::from_json(&text, "election-key.json").unwrap();
    assert_eq!(key.ceremony_kind(), "dealerless");
    let tr = key
        .file
        .ceremony
        .as_ref()
        .unwrap()
        .transcript
        .as_ref()
        .unwrap();
    let summary = check_transcript(&key.file, tr).unwrap();
    // SPEC, "Test vectors": Φ_conf and the short fingerprint.
    assert_eq!(
        hex::encode(summary.fingerprint),
        "ca9d386800605982b82076c85a08c2018ececc810ee89bc4310582225697a132"
    );
    assert_eq!(
        urne::keys::short_fingerprint(&key.fingerprint),
        "1ea0 4b0b d1fd da35"
    );
}
