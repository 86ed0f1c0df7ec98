//! An event made through the library alone, without the CLI: a dealer key
//! for a manifest, its simulated roll, and the simulated box written to a
//! directory (tests of the count and the unlock that call the library).

use std::path::{Path, PathBuf};

use rand::rngs::OsRng;
use urne::crypto::encoding::Digest32;
use urne::crypto::shamir::SecretShare;
use urne::event::{Manifest, Roll};
use urne::keys::{self, file_to_json, ElectionKey};
use urne::simulate::{self, Spec, Truth};

/// A simulated box and what made it.
pub struct SimulatedBox {
    pub roll: Roll,
    pub key: ElectionKey,
    pub shares: Vec<SecretShare>,
    pub truth: Truth,
    /// `DIR/box.jsonl`.
    pub path: PathBuf,
}

/// A dealer key for `manifest` (any `threshold` of its keyholders), the roll
/// `spec` gives, and the box `spec` casts, written to `dir/box.jsonl`.
pub fn simulate_box(dir: &Path, manifest: &Manifest, threshold: u32, spec: &Spec) -> SimulatedBox {
    let (file, shares) = keys::generate(
        &manifest.event,
        Digest32([5; 32]),
        threshold,
        &manifest.keyholders,
        "2027-01-01T00:00:00Z".into(),
        &mut OsRng,
    )
    .unwrap();
    let key = ElectionKey::from_json(&file_to_json(&file), "election-key.json").unwrap();
    let roll = Roll::from_entries(manifest, simulate::roll_entries(manifest, spec)).unwrap();
    let path = dir.join("box.jsonl");
    let truth = simulate::write_box(manifest, &key, spec, None, &path, false, &|_, _| {}).unwrap();
    SimulatedBox {
        roll,
        key,
        shares,
        truth,
        path,
    }
}
