//! The dealerless ceremony's round files (`urne-dkg-certificate/1`,
//! `urne-dkg-deal/1`, `urne-dkg-confirmation/1`, `urne-dkg-complaint/1`),
//! checked against the example ceremony (keys-example/ceremony/). The first
//! byte chooses the round; the rest is the file.
//!
//! Invariants: a refusal names the file with a stable code; an accepted file
//! writes back and reads again to the same value; the public checks (a
//! certificate on its own, a deal against the example's certificates, a
//! complaint judged against the example's deals) never panic, and a refusal
//! of theirs names the file; a deal or certificate that passes is one whose
//! proofs hold, so a changed example file never passes unless it is the
//! example's own bytes in another spelling.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use urne::crypto::encoding::Digest32;
use urne::keys::dkg::{
    self, Certificate, CheckedCertificates, CheckedDeals, Complaint, Confirmation, Deal, Setup,
};
use urne_fuzz::{refused, text, FILE};

struct Example {
    setup: Setup,
    certificates: Vec<Certificate>,
    checked: CheckedCertificates,
    deals: Vec<Deal>,
    checked_deals: CheckedDeals,
}

fn example() -> &'static Example {
    static E: OnceLock<Example> = OnceLock::new();
    E.get_or_init(|| {
        let key: serde_json::Value =
            serde_json::from_str(include_str!("../../keys-example/election-key.json")).unwrap();
        let names: Vec<String> = key["keyholders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_string())
            .collect();
        let setup = Setup::new(
            key["event"].as_str().unwrap(),
            Digest32::from_hex(key["manifest_sha256"].as_str().unwrap()).unwrap(),
            u32::try_from(key["threshold"].as_u64().unwrap()).unwrap(),
            &names,
            1,
        )
        .unwrap();
        let cert = |t: &str, f: &str| {
            (
                f.to_string(),
                dkg::from_json::<Certificate>(t, f, "ceremony certificate").unwrap(),
            )
        };
        let certs = vec![
            cert(
                include_str!("../../keys-example/ceremony/certificate-1.json"),
                "certificate-1.json",
            ),
            cert(
                include_str!("../../keys-example/ceremony/certificate-2.json"),
                "certificate-2.json",
            ),
        ];
        let checked = dkg::check_certificates(&setup, &certs).expect("the example's certificates");
        let deal = |t: &str, f: &str| {
            (
                f.to_string(),
                dkg::from_json::<Deal>(t, f, "ceremony deal").unwrap(),
            )
        };
        let deals = vec![
            deal(
                include_str!("../../keys-example/ceremony/deal-1.json"),
                "deal-1.json",
            ),
            deal(
                include_str!("../../keys-example/ceremony/deal-2.json"),
                "deal-2.json",
            ),
        ];
        let checked_deals = dkg::check_deals(&setup, &checked, &deals).expect("the example's deals");
        Example {
            setup,
            certificates: certs.into_iter().map(|(_, c)| c).collect(),
            checked,
            deals: deals.into_iter().map(|(_, d)| d).collect(),
            checked_deals,
        }
    })
}

/// Reads a round file; if it is accepted, checks that it writes back and
/// reads again to the same value.
fn read<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    text: &str,
    expected: &'static str,
) -> Option<T> {
    match dkg::from_json::<T>(text, FILE, expected) {
        Err(e) => {
            refused(&e);
            None
        }
        Ok(v) => {
            let again = dkg::from_json::<T>(&dkg::to_json(&v), FILE, expected)
                .expect("a written round file reads again");
            assert_eq!(again, v, "round trip");
            Some(v)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = text(rest) else {
        return;
    };
    let ex = example();
    match kind % 4 {
        0 => {
            if let Some(c) = read::<Certificate>(text, "ceremony certificate") {
                match dkg::check_certificate(&ex.setup, FILE, &c) {
                    Err(e) => {
                        refused(&e);
                    }
                    Ok(_) => {
                        // The transport key and its proof are the example's:
                        // nothing else proves knowledge of a key we made.
                        let same = ex.certificates.iter().any(|x| {
                            x.transport_key == c.transport_key
                                && x.transport_proof == c.transport_proof
                        });
                        assert!(same, "a forged transport proof passed");
                    }
                }
            }
        }
        1 => {
            if let Some(d) = read::<Deal>(text, "ceremony deal") {
                match dkg::check_deal(&ex.setup, &ex.checked, FILE, &d) {
                    Err(e) => {
                        refused(&e);
                    }
                    Ok(_) => {
                        let same = ex.deals.iter().any(|x| {
                            x.index == d.index
                                && x.commitments == d.commitments
                                && x.proofs == d.proofs
                        });
                        assert!(same, "a deal with other commitments or proofs passed");
                    }
                }
            }
        }
        2 => {
            let _ = read::<Confirmation>(text, "ceremony confirmation");
        }
        _ => {
            if let Some(c) = read::<Complaint>(text, "ceremony complaint") {
                for acc in &c.against {
                    let _ = dkg::judge_complaint(&ex.checked, &ex.checked_deals, c.index, acc);
                }
                // The example's deals are honest and its keyholders' keys
                // are sealed: no complaint against them can stand, and one
                // that accuses no one is false, so judging always refuses.
                let files = [(FILE.to_string(), c)];
                match dkg::judge_complaints(&ex.setup, &ex.checked, &ex.checked_deals, &files) {
                    Ok(()) => panic!("a complaint was neither refused nor judged false"),
                    Err(e @ dkg::DkgError::ComplaintStands { .. }) => {
                        panic!("a complaint against an honest deal stood: {e}")
                    }
                    Err(e @ dkg::DkgError::FalseComplaint { .. }) => {
                        let shown = urne::error::one_line(&e.to_string());
                        assert!(!shown.chars().any(char::is_control), "{shown:?}");
                    }
                    Err(e) => {
                        refused(&e);
                    }
                }
            }
        }
    }
});
