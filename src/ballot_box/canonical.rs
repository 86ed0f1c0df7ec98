//! A ballot line as urne writes it, read without serde's general machinery.
//!
//! The intake writes each ballot record with `serde_json::to_vec`: the
//! fields in one order, no whitespace, and (for urne's own ids and times)
//! no escapes. [`parse`] reads exactly that layout of a packed ballot, with
//! or without a credential signature, and nothing else: any other byte
//! anywhere (another field order, whitespace, an escape, a control
//! character, a number written otherwise, an unknown or repeated field, a
//! one-hot ballot, `null`, trailing bytes) makes it answer `None`, and the
//! caller reads the line with serde as before. Each value is decoded by the
//! same function that serde's implementations call (`Digest32::from_hex`,
//! `Elem::from_b64`, `PubScalar::from_b64`, the last two on the string's
//! bytes), and a value that does not
//! decode also answers `None`, so that every refusal, with its message,
//! still comes from serde. So whatever `parse` accepts, serde accepts too,
//! as the same record: the tests below and the `box_line` fuzz target check
//! it on altered lines.
//!
//! It exists for speed: serde's derived visitors cost a count about 40,000
//! instructions a three-option ballot, more than its hashing
//! (BENCHMARKS.md, "Format 2, fourth session"). For the same reason
//! [`voter_and_referendum`] reads just the voter and referendum from the
//! start of such a line (the count's second read), with serde as the
//! fallback there too.

use super::{BallotRecord, RecordKind};
use crate::ballot::{Ballot, PackedBallot};
use crate::credentials::CredentialSignature;
use crate::crypto::encoding::{Digest32, Elem, PubScalar};
use crate::crypto::proofs::OneOfKProof;

/// A cursor over the line's bytes.
struct Cur<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cur<'a> {
    /// Takes exactly the bytes `lit`.
    fn lit(&mut self, lit: &[u8]) -> Option<()> {
        let end = self.at.checked_add(lit.len())?;
        if self.s.get(self.at..end)? == lit {
            self.at = end;
            Some(())
        } else {
            None
        }
    }

    /// Takes a JSON string without escapes or control characters (what
    /// serde_json reads as the same bytes), valid UTF-8.
    fn string(&mut self) -> Option<&'a str> {
        self.lit(b"\"")?;
        let rest = self.s.get(self.at..)?;
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        let s = std::str::from_utf8(&rest[..len]).ok()?;
        self.at += len + 1;
        Some(s)
    }

    /// Takes an unsigned integer as JSON writes it: `0`, or digits without
    /// a leading zero, that fits a u64 (followed by a byte that does not go
    /// on a number, which the caller's next literal checks).
    fn u64(&mut self) -> Option<u64> {
        let rest = self.s.get(self.at..)?;
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || (len > 1 && rest[0] == b'0') {
            return None;
        }
        let mut v = 0u64;
        for &d in &rest[..len] {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        self.at += len;
        Some(v)
    }

    /// Takes a string of 44 bytes, the length of a base64 element or
    /// scalar, without looking at them: their decoder refuses every byte
    /// outside the base64 alphabet, so a quote, a backslash, a control
    /// character or a byte that is not ASCII among them, which would make
    /// it another JSON string or none, is refused there.
    fn b64_field(&mut self) -> Option<&'a [u8]> {
        self.lit(b"\"")?;
        let field = self.s.get(self.at..self.at.checked_add(44)?)?;
        self.at += 44;
        self.lit(b"\"")?;
        Some(field)
    }

    fn elem(&mut self) -> Option<Elem> {
        Elem::from_b64_bytes(self.b64_field()?).ok()
    }

    fn scalar(&mut self) -> Option<PubScalar> {
        PubScalar::from_b64_bytes(self.b64_field()?).ok()
    }

    /// Takes `[x,x,…]` (or `[]`), each `x` by `item`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.lit(b"[")?;
        // A packed ballot's lists have two or three items.
        let mut out = Vec::with_capacity(3);
        if self.lit(b"]").is_some() {
            return Some(out);
        }
        loop {
            out.push(item(self)?);
            match self.s.get(self.at)? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }
}

/// Reads a ballot line in the layout urne writes; `None` for any other
/// line, which the caller then reads with serde (see the module's text).
pub fn parse(line: &[u8]) -> Option<BallotRecord> {
    let mut c = Cur { s: line, at: 0 };
    c.lit(b"{\"record\":\"ballot\",\"seq\":")?;
    let seq = c.u64()?;
    c.lit(b",\"prev\":")?;
    let prev = Digest32::from_hex(c.string()?)?;
    c.lit(b",\"voter\":")?;
    let voter = c.string()?;
    c.lit(b",\"referendum\":")?;
    let referendum = c.string()?;
    c.lit(b",\"cast_at\":")?;
    let cast_at = c.string()?;
    c.lit(b",\"ballot\":{\"encoding\":\"packed\",\"a\":")?;
    let a = c.elem()?;
    c.lit(b",\"b\":")?;
    let b = c.elem()?;
    c.lit(b",\"proof\":{\"a\":")?;
    let pa = c.list(Cur::elem)?;
    c.lit(b",\"b\":")?;
    let pb = c.list(Cur::elem)?;
    c.lit(b",\"c\":")?;
    let pc = c.list(Cur::scalar)?;
    c.lit(b",\"s\":")?;
    let ps = c.list(Cur::scalar)?;
    c.lit(b"}}")?;
    let credential = if c.lit(b",\"credential\":{\"r\":").is_some() {
        let r = c.elem()?;
        c.lit(b",\"z\":")?;
        let z = c.scalar()?;
        c.lit(b"}")?;
        Some(CredentialSignature { r, z })
    } else {
        None
    };
    c.lit(b"}")?;
    if c.at != line.len() {
        return None;
    }
    Some(BallotRecord {
        record: RecordKind::Ballot,
        seq,
        prev,
        voter: voter.into(),
        referendum: referendum.into(),
        cast_at: cast_at.into(),
        ballot: Ballot::Packed(Box::new(PackedBallot {
            a,
            b,
            proof: OneOfKProof {
                a: pa,
                b: pb,
                c: pc,
                s: ps,
            },
        })),
        credential,
    })
}

/// The voter id and referendum of a ballot line in the layout urne writes,
/// read from the line's start (its first five fields, up to `"cast_at":`),
/// and `None` for a line that does not start so; the count's second read
/// takes only these two from each counted ballot. The rest of the line is
/// not looked at: where [`parse`] reads a line, this reads its record's
/// voter and referendum; where serde reads a line as a ballot record, or
/// as a record of just these two fields, this reads the same two or
/// answers `None` (the tests below and the `box_line` fuzz target check
/// both).
pub fn voter_and_referendum(line: &[u8]) -> Option<(&str, &str)> {
    let mut c = Cur { s: line, at: 0 };
    c.lit(b"{\"record\":\"ballot\",\"seq\":")?;
    c.u64()?;
    c.lit(b",\"prev\":")?;
    c.string()?;
    c.lit(b",\"voter\":")?;
    let voter = c.string()?;
    c.lit(b",\"referendum\":")?;
    let referendum = c.string()?;
    c.lit(b",\"cast_at\":")?;
    Some((voter, referendum))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::{encrypt, BallotContext};
    use crate::crypto::elgamal::PublicKey;
    use crate::crypto::random_scalar;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    /// Ballot lines as the intake writes them: 2 and 3 options, with and
    /// without a credential signature, and a one-hot one.
    fn lines() -> Vec<Vec<u8>> {
        static LINES: std::sync::LazyLock<Vec<Vec<u8>>> = std::sync::LazyLock::new(make_lines);
        LINES.clone()
    }

    fn make_lines() -> Vec<Vec<u8>> {
        let key = PublicKey::new(random_scalar(&mut OsRng) * G);
        let fp = [3u8; 32];
        let ctx = BallotContext {
            fingerprint: &fp,
            referendum: "sogn",
            voter: "V-0042",
        };
        let mut out = Vec::new();
        for (k, credential) in [(2, false), (3, false), (3, true), (4, false)] {
            let rec = BallotRecord {
                record: RecordKind::Ballot,
                seq: 17,
                prev: Digest32([0xa5; 32]),
                voter: ctx.voter.into(),
                referendum: ctx.referendum.into(),
                cast_at: "2027-01-22T09:00:00+01:00".into(),
                ballot: encrypt(&key, &ctx, k, 1, &mut OsRng).unwrap(),
                credential: credential.then(|| CredentialSignature {
                    r: Elem::from_point(&G),
                    z: PubScalar(random_scalar(&mut OsRng)),
                }),
            };
            out.push(serde_json::to_vec(&rec).unwrap());
        }
        out
    }

    /// What serde makes of a line, if it takes it.
    fn by_serde(line: &[u8]) -> Option<BallotRecord> {
        serde_json::from_slice(line).ok()
    }

    /// The voter and referendum serde reads from a line as a record of just
    /// these two fields (as the count's second read did), if it does.
    fn voter_and_referendum_by_serde(line: &[u8]) -> Option<(String, String)> {
        #[derive(serde::Deserialize)]
        struct VoterOnly {
            voter: String,
            referendum: String,
        }
        let v: VoterOnly = serde_json::from_slice(line).ok()?;
        Some((v.voter, v.referendum))
    }

    /// `voter_and_referendum` agrees with `parse` and with serde wherever
    /// they read the line.
    fn prefix_agrees(line: &[u8]) -> Result<(), TestCaseError> {
        let prefix = voter_and_referendum(line).map(|(v, r)| (v.to_string(), r.to_string()));
        if let Some(rec) = parse(line) {
            prop_assert_eq!(prefix.clone(), Some((rec.voter, rec.referendum)));
        }
        if prefix.is_some() {
            if let Some(rec) = by_serde(line) {
                prop_assert_eq!(prefix.clone(), Some((rec.voter, rec.referendum)));
            }
            if let Some(v) = voter_and_referendum_by_serde(line) {
                prop_assert_eq!(prefix, Some(v));
            }
        }
        Ok(())
    }

    #[test]
    fn lines_as_written_are_read_as_serde_reads_them() {
        let lines = lines();
        for (n, line) in lines.iter().enumerate() {
            let fast = parse(line);
            if n < 3 {
                assert!(fast.is_some(), "{}", String::from_utf8_lossy(line));
            } else {
                // One-hot: left to serde.
                assert!(fast.is_none());
            }
            if let Some(r) = fast {
                assert_eq!(Some(r), by_serde(line));
            }
            prefix_agrees(line).unwrap();
            // One-hot lines start the same way: the prefix reads them too.
            let (voter, referendum) = voter_and_referendum(line).unwrap();
            assert_eq!((voter, referendum), ("V-0042", "sogn"));
        }
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        let line = String::from_utf8(lines().swap_remove(1)).unwrap();
        let cases = [
            line.replacen("\"seq\":17", "\"seq\":017", 1),
            line.replacen("\"seq\":17", "\"seq\":17.0", 1),
            line.replacen("\"seq\":17", "\"seq\":-17", 1),
            line.replacen("\"seq\":17", "\"seq\":18446744073709551616", 1),
            line.replacen("\"voter\":\"V-0042\"", "\"voter\":\"V-\\u0030042\"", 1),
            line.replacen("\"voter\":\"V-0042\"", "\"voter\":\"V-\u{1}0042\"", 1),
            line.replacen("\"voter\":\"V-0042\"", "\"voter\": \"V-0042\"", 1),
            line.replacen("{\"record\"", " {\"record\"", 1),
            format!("{line} "),
            format!("{line}}}"),
            line.replacen("]}}}", "]}},\"credential\":null}", 1),
            line.replacen("]}}}", "]}},\"extra\":1}", 1),
            line.replacen("\"prev\":\"a5", "\"prev\":\"A5", 1),
            line.replacen("\"prev\":\"a5", "\"prev\":\"g5", 1),
            line.replacen("\"proof\":{\"a\":[", "\"proof\":{\"a\":[\"x\",", 1),
        ];
        for case in &cases {
            assert_ne!(case, &line);
            match parse(case.as_bytes()) {
                None => {}
                // Only where serde reads the very same record.
                Some(r) => assert_eq!(Some(r), by_serde(case.as_bytes()), "{case}"),
            }
            prefix_agrees(case.as_bytes()).unwrap();
        }
        // The prefix does not read a line whose first fields are written
        // otherwise (serde may read them as other values, or refuse them).
        for case in &cases[..8] {
            assert_eq!(voter_and_referendum(case.as_bytes()), None, "{case}");
        }
        let reordered = line.replacen(
            "\"voter\":\"V-0042\",\"referendum\":\"sogn\"",
            "\"referendum\":\"sogn\",\"voter\":\"V-0042\"",
            1,
        );
        assert_ne!(reordered, line);
        assert_eq!(voter_and_referendum(reordered.as_bytes()), None);
        assert_eq!(
            voter_and_referendum_by_serde(reordered.as_bytes()),
            Some(("V-0042".into(), "sogn".into()))
        );
        // Uppercase hex is a digest serde reads too, and so may this.
        let upper = line.replacen("\"prev\":\"a5", "\"prev\":\"A5", 1);
        assert_eq!(parse(upper.as_bytes()), by_serde(upper.as_bytes()));
        // Invalid UTF-8 in a string.
        let mut bad = line.clone().into_bytes();
        let at = line.find("V-0042").unwrap();
        bad[at + 2] = 0xff;
        assert_eq!(parse(&bad), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// A line altered at random (bytes replaced, removed, inserted, a
        /// stretch repeated): either left to serde, or read as serde reads it.
        #[test]
        fn an_altered_line_is_never_read_otherwise_than_by_serde(
            which in 0usize..4,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..4),
            pick in proptest::sample::select(b"{}[]\",:0123456789abAZ+/= \\-.enul\x01".to_vec()),
        ) {
            let mut line = lines().swap_remove(which);
            for (at, kind, byte) in edits {
                let i = at.index(line.len());
                let byte = if byte % 2 == 0 { pick } else { byte };
                match kind {
                    0 => line[i] = byte,
                    1 => { line.remove(i); }
                    2 => line.insert(i, byte),
                    _ => {
                        let end = (i + usize::from(byte % 16)).min(line.len());
                        let stretch = line[i..end].to_vec();
                        line.splice(i..i, stretch);
                    }
                }
            }
            if let Some(r) = parse(&line) {
                prop_assert_eq!(Some(r), by_serde(&line));
            }
            prefix_agrees(&line)?;
        }
    }
}
