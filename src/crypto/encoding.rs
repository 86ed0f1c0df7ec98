//! Canonical encodings and domain-separated hashing.
//!
//! Everything that is hashed is hashed over an explicit, length-prefixed
//! encoding (docs/SPEC.md, "Hashing"):
//!
//! ```text
//! item(x)            = u64_be(len(x)) || x
//! H512(tag; x1..xn)  = SHA-512( item(tag) || item(x1) || … || item(xn) )
//! H256(tag; x1..xn)  = SHA-256( item(tag) || item(x1) || … || item(xn) )
//! ```
//!
//! Group elements are items of 32 bytes (the canonical Ristretto255 encoding,
//! RFC 9496 §4.3.2); scalars are 32 bytes little-endian, canonical (< ℓ);
//! integers are 8 bytes big-endian; strings are their UTF-8 bytes.
//! A challenge is `H512(...)` read as a 512-bit little-endian integer and reduced
//! mod ℓ.
//!
//! In JSON, group elements and scalars are written in base64 (RFC 4648 §4,
//! standard alphabet, padded: 44 characters); digests in lowercase hex.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use ring::digest;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// The longest item [`Transcript::bytes`] hashes in one piece with its length.
const SMALL_ITEM: usize = 64;

/// A builder for `H512(tag; …)` and `H256(tag; …)`.
pub struct Transcript {
    ctx: digest::Context,
}

impl Transcript {
    /// Starts a SHA-512 transcript with its domain tag.
    pub fn sha512(tag: &str) -> Self {
        let mut t = Transcript {
            ctx: digest::Context::new(&digest::SHA512),
        };
        t.bytes(tag.as_bytes());
        t
    }

    /// Starts a SHA-256 transcript with its domain tag.
    pub fn sha256(tag: &str) -> Self {
        let mut t = Transcript {
            ctx: digest::Context::new(&digest::SHA256),
        };
        t.bytes(tag.as_bytes());
        t
    }

    /// Appends `item(x)`.
    pub fn bytes(&mut self, x: &[u8]) -> &mut Self {
        let len = (x.len() as u64).to_be_bytes();
        if x.len() <= SMALL_ITEM {
            // A point, scalar, integer or short string: its length and bytes
            // in one update of the hash (a ballot's digest and challenge
            // have dozens of such items; each update has a fixed cost).
            let mut item = [0u8; 8 + SMALL_ITEM];
            item[..8].copy_from_slice(&len);
            item[8..8 + x.len()].copy_from_slice(x);
            self.ctx.update(&item[..8 + x.len()]);
        } else {
            self.ctx.update(&len);
            self.ctx.update(x);
        }
        self
    }

    /// Appends a string as its UTF-8 bytes.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Appends an integer as 8 bytes big-endian.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }

    /// Appends a group element in its canonical 32-byte encoding.
    pub fn point(&mut self, p: &CompressedRistretto) -> &mut Self {
        self.bytes(p.as_bytes())
    }

    /// Appends a scalar in its canonical 32-byte encoding.
    pub fn scalar(&mut self, s: &Scalar) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Finishes a SHA-512 transcript into a challenge scalar (wide reduction).
    /// The same function derives secrets (a voter's credential scalar `s_v`,
    /// the DKG's seed-derived coefficients and nonces), so the 64 bytes
    /// reduced are held zeroized and wiped when done.
    pub fn challenge(self) -> Scalar {
        let out = self.ctx.finish();
        let mut wide = Zeroizing::new([0u8; 64]);
        wide.copy_from_slice(out.as_ref());
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    /// Finishes a transcript into its digest bytes.
    pub fn finish(self) -> Vec<u8> {
        self.ctx.finish().as_ref().to_vec()
    }

    /// Finishes a SHA-256 transcript into 32 bytes.
    pub fn finish32(self) -> [u8; 32] {
        let out = self.ctx.finish();
        let mut d = [0u8; 32];
        let bytes = out.as_ref();
        let n = bytes.len().min(32);
        d[..n].copy_from_slice(&bytes[..n]);
        d
    }
}

/// SHA-256 of raw bytes (file and line hashes).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let out = digest::digest(&digest::SHA256, bytes);
    let mut d = [0u8; 32];
    d.copy_from_slice(out.as_ref());
    d
}

/// Why a group element or scalar could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("is not valid base64 of 32 bytes")]
    Base64,
    #[error("is not a canonical Ristretto255 encoding")]
    NotCanonicalPoint,
    #[error("is the identity element, which is refused here")]
    Identity,
    #[error("is not a canonical scalar (it must be below the group order)")]
    NotCanonicalScalar,
}

/// The value of each base64 character (RFC 4648 §4, standard alphabet), and
/// [`NOT_B64`] for every other byte, `=` included.
const B64_VALUES: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut t = [NOT_B64; 256];
    let mut i = 0u8;
    while i < 64 {
        t[alphabet[i as usize] as usize] = i;
        i += 1;
    }
    t
};

/// Not a base64 character (any value with a bit above the low six set).
const NOT_B64: u8 = 0xff;

/// Decodes 44 base64 characters to 32 bytes: exactly what the `base64`
/// crate's standard engine decodes to 32 bytes (`Ok(32)` from its
/// `decode_slice`; the tests compare the two), by table, without its
/// general machinery: 43 characters of the alphabet and one `=`, the last
/// character's two unused bits zero. A ballot has 13 such fields and more,
/// decoded a million times in a count.
pub fn b64_32(s: &str) -> Result<[u8; 32], DecodeError> {
    b64_32_bytes(s.as_bytes())
}

/// [`b64_32`] of bytes that need not be UTF-8 (any byte outside the
/// alphabet is refused, so bytes that are not UTF-8 are).
pub fn b64_32_bytes(s: &[u8]) -> Result<[u8; 32], DecodeError> {
    if s.len() != 44 || s[43] != b'=' {
        return Err(DecodeError::Base64);
    }
    let v = |i: usize| u32::from(B64_VALUES[usize::from(s[i])]);
    let mut out = [0u8; 32];
    let mut bad = 0u32;
    // Ten groups of four characters make 30 bytes.
    for (g, chunk) in out[..30].chunks_exact_mut(3).enumerate() {
        let (a, b, c, d) = (v(4 * g), v(4 * g + 1), v(4 * g + 2), v(4 * g + 3));
        bad |= a | b | c | d;
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        chunk.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    // The last three make 18 bits: 16 of data and two that must be zero.
    let (a, b, c) = (v(40), v(41), v(42));
    bad |= a | b | c;
    let n = (a << 12) | (b << 6) | c;
    if bad & !0x3f != 0 || n & 3 != 0 {
        return Err(DecodeError::Base64);
    }
    let [_, _, hi, lo] = (n >> 2).to_be_bytes();
    out[30] = hi;
    out[31] = lo;
    Ok(out)
}

/// Encodes bytes in standard padded base64.
pub fn to_b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Decodes standard padded base64 of any length.
pub fn from_b64(s: &str) -> Result<Vec<u8>, DecodeError> {
    B64.decode(s).map_err(|_| DecodeError::Base64)
}

/// A group element as it travels: its canonical 32-byte encoding. Decoding to a
/// point (which checks canonicity) is a separate, explicit step, so that the
/// bytes hashed into a challenge are exactly the bytes that were received.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elem(pub CompressedRistretto);

impl std::fmt::Debug for Elem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Elem({})", to_b64(self.0.as_bytes()))
    }
}

/// The encoding of the generator `G` (RFC 9496's; hashed into every challenge,
/// so kept as a constant rather than encoded again each time).
pub const G_ELEM: Elem = Elem(curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED);

impl Elem {
    /// Compresses a point.
    pub fn from_point(p: &RistrettoPoint) -> Self {
        Elem(p.compress())
    }

    /// The encodings of `2·Pᵢ` for every `Pᵢ` of `halves`, computed with one
    /// field inversion for all of them (Ristretto's batched double-and-encode;
    /// encoding points one by one costs an inverse square root each). A prover
    /// that wants the encodings of points `Qᵢ = xᵢ·G + yᵢ·K` computes
    /// `Pᵢ = (xᵢ/2)·G + (yᵢ/2)·K` and passes those. Constant time.
    pub fn from_halves(halves: &[RistrettoPoint]) -> Vec<Self> {
        // curve25519-dalek 5's batch inversion skips zero inputs (in constant
        // time) and so encodes identities, even all of them, without a
        // special case (the tests below check both).
        RistrettoPoint::double_and_compress_batch(halves)
            .into_iter()
            .map(Elem)
            .collect()
    }

    /// Decodes to a point; refuses a non-canonical encoding.
    pub fn decode(&self) -> Result<RistrettoPoint, DecodeError> {
        self.0.decompress().ok_or(DecodeError::NotCanonicalPoint)
    }

    /// Decodes to a point; refuses a non-canonical encoding and the identity
    /// (for keys and commitments, where the identity makes no sense).
    pub fn decode_non_identity(&self) -> Result<RistrettoPoint, DecodeError> {
        if self.0 == CompressedRistretto::identity() {
            return Err(DecodeError::Identity);
        }
        self.decode()
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Parses base64 text (the encoding is not yet checked for canonicity).
    pub fn from_b64(s: &str) -> Result<Self, DecodeError> {
        Self::from_b64_bytes(s.as_bytes())
    }

    /// [`Self::from_b64`] of the text's bytes.
    pub fn from_b64_bytes(s: &[u8]) -> Result<Self, DecodeError> {
        Ok(Elem(CompressedRistretto(b64_32_bytes(s)?)))
    }
}

/// Reads a JSON string with `parse`, from the input in place when it has no
/// escapes and from the deserializer's scratch buffer when it has: no `String`
/// is allocated (a ballot has 26 such fields, read a million times in a count).
struct ParseStr<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> serde::de::Visitor<'de> for ParseStr<F> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        (self.0)(s).map_err(E::custom)
    }
}

impl Serialize for Elem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_b64(self.0.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for Elem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ParseStr(|s: &str| {
            Elem::from_b64(s).map_err(|e| format!("group element {e}"))
        }))
    }
}

/// A public scalar as it travels (proof responses and challenges), checked
/// canonical on decoding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PubScalar(pub Scalar);

impl std::fmt::Debug for PubScalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PubScalar({})", to_b64(self.0.as_bytes()))
    }
}

impl PubScalar {
    /// Parses base64 text of a canonical scalar.
    pub fn from_b64(s: &str) -> Result<Self, DecodeError> {
        Self::from_b64_bytes(s.as_bytes())
    }

    /// [`Self::from_b64`] of the text's bytes.
    pub fn from_b64_bytes(s: &[u8]) -> Result<Self, DecodeError> {
        let bytes = b64_32_bytes(s)?;
        public_canonical_scalar(bytes)
            .map(PubScalar)
            .ok_or(DecodeError::NotCanonicalScalar)
    }
}

/// ℓ, the group order, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The scalar of canonical bytes (`< ℓ`), or `None`: the answer of
/// `Scalar::from_canonical_bytes`, which reduces its input mod ℓ (in
/// constant time) to compare it, about a thousand instructions; a public
/// scalar (a proof's response or challenge, five a ballot) is compared with
/// ℓ byte by byte instead, in variable time, and taken as it is
/// (`Scalar::from_bits`, dalek's `legacy_compatibility` feature: an input
/// below ℓ is a reduced scalar, which that constructor then leaves as it is).
fn public_canonical_scalar(bytes: [u8; 32]) -> Option<Scalar> {
    // The first byte from the top that differs decides.
    let below = bytes
        .iter()
        .rev()
        .zip(ELL.iter().rev())
        .find(|(b, l)| b != l)
        .is_some_and(|(b, l)| b < l);
    below.then(|| Scalar::from_bits(bytes))
}

impl Serialize for PubScalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_b64(self.0.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for PubScalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ParseStr(|s: &str| {
            PubScalar::from_b64(s).map_err(|e| format!("scalar {e}"))
        }))
    }
}

/// A 32-byte digest written as 64 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest32(pub [u8; 32]);

impl Digest32 {
    /// Lowercase hex.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex characters, lower or upper case (exactly what the `hex`
    /// crate's `decode_to_slice` decodes to 32 bytes; the tests compare the
    /// two), by table: a box line has one, read a million times in a count.
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.as_bytes();
        if s.len() != 64 {
            return None;
        }
        let mut d = [0u8; 32];
        let mut bad = 0u8;
        for (out, pair) in d.iter_mut().zip(s.chunks_exact(2)) {
            let (hi, lo) = (
                HEX_VALUES[usize::from(pair[0])],
                HEX_VALUES[usize::from(pair[1])],
            );
            bad |= hi | lo;
            *out = (hi << 4) | (lo & 0x0f);
        }
        (bad & !0x0f == 0).then_some(Digest32(d))
    }
}

/// The value of each hex digit (`0-9`, `a-f`, `A-F`), and [`NOT_HEX`] for
/// every other byte.
const HEX_VALUES: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0u8;
    while i < 10 {
        t[(b'0' + i) as usize] = i;
        i += 1;
    }
    let mut i = 0u8;
    while i < 6 {
        t[(b'a' + i) as usize] = 10 + i;
        t[(b'A' + i) as usize] = 10 + i;
        i += 1;
    }
    t
};

/// Not a hex digit (any value with a bit above the low four set).
const NOT_HEX: u8 = 0xff;

impl std::fmt::Debug for Digest32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.hex())
    }
}

impl std::fmt::Display for Digest32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.hex())
    }
}

impl Serialize for Digest32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Digest32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ParseStr(|s: &str| {
            Digest32::from_hex(s).ok_or_else(|| "digest is not 64 hex characters".to_string())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_constant_is_the_generator_encoded() {
        use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
        assert_eq!(G_ELEM, Elem::from_point(&RISTRETTO_BASEPOINT_POINT));
        assert_eq!(G_ELEM.decode().unwrap(), RISTRETTO_BASEPOINT_POINT);
    }

    #[test]
    fn encoding_halves_in_a_batch_equals_encoding_each_point() {
        use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
        let half = Scalar::from(2u8).invert();
        let xs: Vec<Scalar> = (0u64..9).map(|i| Scalar::from(i * 7919 + 3)).collect();
        let points: Vec<RistrettoPoint> =
            xs.iter().map(|x| x * RISTRETTO_BASEPOINT_TABLE).collect();
        let halves: Vec<RistrettoPoint> = xs
            .iter()
            .map(|x| &(x * half) * RISTRETTO_BASEPOINT_TABLE)
            .collect();
        let each: Vec<Elem> = points.iter().map(Elem::from_point).collect();
        assert_eq!(Elem::from_halves(&halves), each);
        // The identity among other points, all identities, and nothing at all.
        let mut with_id = halves.clone();
        with_id[4] = RistrettoPoint::identity();
        let got = Elem::from_halves(&with_id);
        assert_eq!(got[4], Elem::from_point(&RistrettoPoint::identity()));
        assert_eq!(got[5], each[5]);
        let ids = vec![RistrettoPoint::identity(); 3];
        assert_eq!(
            Elem::from_halves(&ids),
            vec![Elem::from_point(&RistrettoPoint::identity()); 3]
        );
        assert!(Elem::from_halves(&[]).is_empty());
    }

    #[test]
    fn encodings_read_from_json_with_and_without_escapes() {
        use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
        // A point whose base64 has a '/', which JSON may also write as "\/".
        let elem = (1u64..)
            .map(|i| Elem::from_point(&(&Scalar::from(i) * RISTRETTO_BASEPOINT_TABLE)))
            .find(|e| to_b64(e.as_bytes()).contains('/'))
            .unwrap();
        let plain = serde_json::to_string(&elem).unwrap();
        let escaped = plain.replace('/', "\\/");
        assert_ne!(plain, escaped);
        for text in [&plain, &escaped] {
            assert_eq!(serde_json::from_str::<Elem>(text).unwrap(), elem);
            assert_eq!(
                serde_json::from_slice::<Elem>(text.as_bytes()).unwrap(),
                elem
            );
        }
        let digest = Digest32([0xab; 32]);
        let text = serde_json::to_string(&digest).unwrap();
        assert_eq!(serde_json::from_str::<Digest32>(&text).unwrap(), digest);
        let scalar = PubScalar(Scalar::from(5u8));
        let text = serde_json::to_string(&scalar).unwrap();
        assert_eq!(serde_json::from_str::<PubScalar>(&text).unwrap(), scalar);
        // The errors still say what is wrong.
        let err = serde_json::from_str::<Elem>("\"AAAA\"")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("group element"), "{err}");
        let err = serde_json::from_str::<Digest32>("\"ab\"")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("digest is not 64 hex characters"), "{err}");
        let err = serde_json::from_str::<PubScalar>("7")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a string"), "{err}");
    }

    #[test]
    fn item_encoding_is_length_prefixed() {
        // H256("t"; "ab") must differ from H256("t"; "a", "b").
        let mut one = Transcript::sha256("t");
        one.str("ab");
        let mut two = Transcript::sha256("t");
        two.str("a").str("b");
        assert_ne!(one.finish32(), two.finish32());
    }

    #[test]
    fn transcript_matches_the_written_encoding() {
        let mut t = Transcript::sha256("tag");
        t.u64(7);
        let mut manual = Vec::new();
        manual.extend_from_slice(&3u64.to_be_bytes());
        manual.extend_from_slice(b"tag");
        manual.extend_from_slice(&8u64.to_be_bytes());
        manual.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(t.finish32(), sha256(&manual));
        // Items on either side of the length hashed in one piece, and empty.
        let mut t = Transcript::sha512("tag");
        let mut manual = Vec::new();
        manual.extend_from_slice(&3u64.to_be_bytes());
        manual.extend_from_slice(b"tag");
        for n in [
            0usize,
            1,
            32,
            SMALL_ITEM - 1,
            SMALL_ITEM,
            SMALL_ITEM + 1,
            1000,
        ] {
            let x: Vec<u8> = (0u8..=255).cycle().skip(n % 7).take(n).collect();
            t.bytes(&x);
            manual.extend_from_slice(&(n as u64).to_be_bytes());
            manual.extend_from_slice(&x);
        }
        let want = digest::digest(&digest::SHA512, &manual);
        assert_eq!(t.finish(), want.as_ref());
    }

    #[test]
    fn b64_refuses_wrong_lengths() {
        assert_eq!(b64_32("AAAA"), Err(DecodeError::Base64));
        assert!(b64_32(&to_b64(&[1u8; 32])).is_ok());
        assert_eq!(b64_32(&to_b64(&[1u8; 33])), Err(DecodeError::Base64));
        // 44 characters that decode to 31 bytes (two padding characters) or
        // to 33 (no padding) are refused, and so are non-zero trailing bits.
        let short = to_b64(&[1u8; 31]);
        assert_eq!(short.len(), 44);
        assert_eq!(b64_32(&short), Err(DecodeError::Base64));
        let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.encode([1u8; 33]);
        assert_eq!(unpadded.len(), 44);
        assert_eq!(b64_32(&unpadded), Err(DecodeError::Base64));
        let mut trailing = to_b64(&[0u8; 32]).into_bytes();
        trailing[42] = b'B';
        assert_eq!(
            b64_32(std::str::from_utf8(&trailing).unwrap()),
            Err(DecodeError::Base64)
        );
        assert_eq!(b64_32(&to_b64(&[9u8; 32])), Ok([9u8; 32]));
    }

    /// The base64 crate's standard engine's answer for 44 characters:
    /// what `b64_32` must agree with.
    fn b64_32_by_the_crate(s: &str) -> Result<[u8; 32], DecodeError> {
        let mut buf = [0u8; 33];
        match (s.len(), B64.decode_slice(s, &mut buf)) {
            (44, Ok(32)) => Ok(buf[..32].try_into().unwrap()),
            _ => Err(DecodeError::Base64),
        }
    }

    /// `good` with one byte replaced, every position and every byte value
    /// (those that leave it UTF-8).
    fn one_byte_changed(good: &str) -> impl Iterator<Item = String> + '_ {
        (0..good.len()).flat_map(move |pos| {
            (0..=255u8).filter_map(move |byte| {
                let mut t = good.as_bytes().to_vec();
                t[pos] = byte;
                String::from_utf8(t).ok()
            })
        })
    }

    #[test]
    fn b64_32_agrees_with_the_base64_crate() {
        use rand::{rngs::OsRng, Rng};
        // Every byte value at every position of a valid encoding, and at
        // the last two positions together (padding, trailing bits).
        for _ in 0..4 {
            let mut bytes = [0u8; 32];
            OsRng.fill(&mut bytes);
            let good = to_b64(&bytes);
            assert_eq!(b64_32(&good), Ok(bytes));
            for t in one_byte_changed(&good) {
                assert_eq!(b64_32(&t), b64_32_by_the_crate(&t), "{t:?}");
            }
            for (x, y) in (0..=255u8).flat_map(|x| (0..=255u8).map(move |y| (x, y))) {
                let mut t = good.clone().into_bytes();
                t[42] = x;
                t[43] = y;
                let Ok(t) = String::from_utf8(t) else {
                    continue;
                };
                assert_eq!(b64_32(&t), b64_32_by_the_crate(&t), "{t:?}");
            }
        }
        // Other lengths, padded or not, and multi-byte characters.
        for n in 0..40 {
            let t = to_b64(&vec![7u8; n]);
            assert_eq!(b64_32(&t), b64_32_by_the_crate(&t), "{t:?}");
            let t = base64::engine::general_purpose::STANDARD_NO_PAD.encode(vec![7u8; n]);
            assert_eq!(b64_32(&t), b64_32_by_the_crate(&t), "{t:?}");
        }
        let t = format!("é{}", &to_b64(&[1u8; 32])[2..]);
        assert_eq!(t.len(), 44);
        assert_eq!(b64_32(&t), Err(DecodeError::Base64));
    }

    /// The hex crate's answer for a 32-byte digest: what
    /// `Digest32::from_hex` must agree with.
    fn from_hex_by_the_crate(s: &str) -> Option<Digest32> {
        let mut d = [0u8; 32];
        hex::decode_to_slice(s, &mut d).ok().map(|()| Digest32(d))
    }

    #[test]
    fn from_hex_agrees_with_the_hex_crate() {
        use rand::{rngs::OsRng, Rng};
        // Every byte value at every position of a valid encoding, lower and
        // upper case.
        for _ in 0..4 {
            let mut bytes = [0u8; 32];
            OsRng.fill(&mut bytes);
            for good in [hex::encode(bytes), hex::encode_upper(bytes)] {
                assert_eq!(Digest32::from_hex(&good), Some(Digest32(bytes)));
                for t in one_byte_changed(&good) {
                    assert_eq!(Digest32::from_hex(&t), from_hex_by_the_crate(&t), "{t:?}");
                }
            }
        }
        // Every digit, in both cases, at both places of a byte.
        for (x, y) in (0..=255u8).flat_map(|x| (0..=255u8).map(move |y| (x, y))) {
            let mut t = vec![b'0'; 64];
            t[0] = x;
            t[1] = y;
            if let Ok(t) = String::from_utf8(t) {
                assert_eq!(Digest32::from_hex(&t), from_hex_by_the_crate(&t), "{t:?}");
            }
        }
        // Other lengths, and multi-byte characters.
        for n in 0..70 {
            let t = "a".repeat(n);
            assert_eq!(Digest32::from_hex(&t), from_hex_by_the_crate(&t), "{t:?}");
        }
        let t = format!("é{}", "0".repeat(62));
        assert_eq!(t.len(), 64);
        assert_eq!(Digest32::from_hex(&t), None);
        assert_eq!(from_hex_by_the_crate(&t), None);
    }

    proptest::proptest! {
        #[test]
        fn from_hex_agrees_with_the_crate_on_any_64_characters(
            t in "[0-9a-fA-F]{60}[0-9a-zA-Z+ -]{4}"
        ) {
            proptest::prop_assert_eq!(Digest32::from_hex(&t), from_hex_by_the_crate(&t));
        }

        #[test]
        fn b64_32_agrees_with_the_crate_on_any_44_characters(
            t in "[A-Za-z0-9+/]{42}[A-Za-z0-9+/=_-]{2}"
        ) {
            proptest::prop_assert_eq!(b64_32(&t), b64_32_by_the_crate(&t));
        }
    }

    #[test]
    fn scalar_must_be_canonical() {
        // ℓ itself is not canonical.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        assert_eq!(
            PubScalar::from_b64(&to_b64(&l)),
            Err(DecodeError::NotCanonicalScalar)
        );
        let ok = Scalar::from(5u64);
        assert_eq!(
            PubScalar::from_b64(&to_b64(ok.as_bytes())),
            Ok(PubScalar(ok))
        );
    }

    #[test]
    fn public_scalars_are_canonical_exactly_as_dalek_says() {
        use rand::{rngs::OsRng, Rng};
        let dalek = |b: [u8; 32]| Option::<Scalar>::from(Scalar::from_canonical_bytes(b));
        let mut cases: Vec<[u8; 32]> = vec![[0; 32], [0xff; 32], ELL];
        // ℓ − 1, ℓ + 1, around every byte of ℓ, and with the top bit set.
        for i in 0..32 {
            for d in [-1i16, 1] {
                let mut b = ELL;
                let v = i16::from(b[i]) + d;
                if (0..=255).contains(&v) {
                    b[i] = u8::try_from(v).unwrap();
                    cases.push(b);
                }
            }
        }
        let mut minus_one = ELL;
        minus_one[0] -= 1;
        cases.push(minus_one);
        let mut top = [0u8; 32];
        top[31] = 0x80;
        cases.push(top);
        for _ in 0..20000 {
            let mut b: [u8; 32] = OsRng.gen();
            // Half of them near ℓ's size, where the comparison is decided late.
            if OsRng.gen::<bool>() {
                b[31] = OsRng.gen_range(0x0f..=0x10);
                for (x, l) in b[16..31].iter_mut().zip(&ELL[16..31]) {
                    if OsRng.gen::<bool>() {
                        *x = *l;
                    }
                }
            }
            cases.push(b);
        }
        for b in cases {
            assert_eq!(public_canonical_scalar(b), dalek(b), "{b:?}");
        }
        assert_eq!(public_canonical_scalar(minus_one), Some(-Scalar::ONE));
        assert_eq!(public_canonical_scalar(ELL), None);
    }

    #[test]
    fn identity_is_refused_where_asked() {
        let id = Elem(CompressedRistretto::identity());
        assert!(id.decode().is_ok());
        assert_eq!(id.decode_non_identity(), Err(DecodeError::Identity));
    }
}
