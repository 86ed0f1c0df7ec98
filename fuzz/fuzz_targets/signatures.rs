//! A protocol's signatures file (`urne-protocol-signatures/1`) and a signer's
//! public key file (`urne-signer/1`), checked against the demo's protocol for
//! the referendum "sogne" (fuzz/data/sogne.protocol.json).
//!
//! Invariants: a JSON refusal names the line; an accepted file round-trips;
//! checking the signatures never panics, gives one outcome per signature,
//! and accepts none that the demo's signers did not make (a fuzzer cannot
//! forge Ed25519): an accepted one is byte for byte a demo signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::protocol::{check_signatures, parse, render_html, SignatureFile, SignerPublic};
use urne_fuzz::{json_round_trip, names_line};

const PROTOCOL: &[u8] = include_bytes!("../data/sogne.protocol.json");
const SIGNATURES: &str = include_str!("../data/sogne.signatures.json");

fuzz_target!(|data: &[u8]| {
    let p = parse(PROTOCOL, "sogne.json").expect("the demo protocol parses");
    match serde_json::from_slice::<SignatureFile>(data) {
        Err(e) => {
            assert!(names_line(&e.to_string()), "{e}");
            if let Ok(s) = serde_json::from_slice::<SignerPublic>(data) {
                json_round_trip(&s);
            }
        }
        Ok(sigs) => {
            json_round_trip(&sigs);
            let outcomes = check_signatures(&p, PROTOCOL, &sigs);
            assert_eq!(outcomes.len(), sigs.signatures.len());
            let genuine: SignatureFile = serde_json::from_str(SIGNATURES).unwrap();
            for (s, (_, ok)) in sigs.signatures.iter().zip(&outcomes) {
                if ok.is_ok() {
                    assert!(
                        genuine.signatures.iter().any(|g| g.signature == s.signature
                            || urne::crypto::encoding::from_b64(&g.signature).ok()
                                == urne::crypto::encoding::from_b64(&s.signature).ok()),
                        "a signature the signers did not make was accepted: {s:?}"
                    );
                }
            }
            let _ = render_html(&p, &"0".repeat(64), Some(&sigs), urne_fuzz::manifest());
        }
    }
});
