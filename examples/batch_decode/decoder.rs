//! A Ristretto255 point decoder of our own (RFC 9496 §4.3.1), variable
//! time, for public encodings only, that decodes `L` points at once with their
//! inverse square roots interleaved lane by lane: the `L` exponentiations are
//! independent, so the core overlaps their multiplications instead of waiting
//! on one chain of 254 squarings.
//!
//! Issue 17, item 4: measured against `CompressedRistretto::decompress`
//! (`cargo run --release --example batch_decode`), tested against it in
//! `tests/batch_decode.rs`, and *not* used by the library (BENCHMARKS.md,
//! "Ballot format 2", says why). Its output is affine Edwards coordinates,
//! which curve25519-dalek 5 has no public way to take in.
//!
//! The field is GF(2^255 − 19) in five limbs of 51 bits, as dalek's serial
//! u64 backend, with the same addition chain for `(p − 5)/8`.

#![allow(dead_code)] // the example and the test each use a part

/// An element of GF(2^255 − 19): `Σ lᵢ·2^(51·i)`, limbs below 2^52 between
/// operations (below 2^54 is enough for [`mul`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Fe(pub [u64; 5]);

const MASK: u64 = (1 << 51) - 1;

impl Fe {
    pub const ZERO: Fe = Fe([0; 5]);
    pub const ONE: Fe = Fe([1, 0, 0, 0, 0]);

    /// The low 255 bits of `b`, little-endian (the top bit is ignored, as
    /// RFC 9496 says a decoder does before it checks canonicity).
    pub fn from_bytes(b: &[u8; 32]) -> Fe {
        let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Fe([
            word(0) & MASK,
            (word(6) >> 3) & MASK,
            (word(12) >> 6) & MASK,
            (word(19) >> 1) & MASK,
            (word(24) >> 12) & MASK,
        ])
    }

    /// The canonical encoding (the value reduced below p), little-endian.
    pub fn to_bytes(self) -> [u8; 32] {
        let mut l = reduce(self.0);
        // l < 2^255 + small; q = 1 iff l ≥ p.
        let mut q = (l[0] + 19) >> 51;
        q = (l[1] + q) >> 51;
        q = (l[2] + q) >> 51;
        q = (l[3] + q) >> 51;
        q = (l[4] + q) >> 51;
        l[0] += 19 * q;
        l[1] += l[0] >> 51;
        l[0] &= MASK;
        l[2] += l[1] >> 51;
        l[1] &= MASK;
        l[3] += l[2] >> 51;
        l[2] &= MASK;
        l[4] += l[3] >> 51;
        l[3] &= MASK;
        l[4] &= MASK;
        #[allow(clippy::cast_possible_truncation)] // the low byte, masked
        let byte = |acc: u128| (acc & 0xff) as u8;
        let mut out = [0u8; 32];
        let mut acc: u128 = 0;
        let mut bits = 0;
        let mut k = 0;
        for limb in l {
            acc |= u128::from(limb) << bits;
            bits += 51;
            while bits >= 8 {
                out[k] = byte(acc);
                acc >>= 8;
                bits -= 8;
                k += 1;
            }
        }
        out[k] = byte(acc);
        out
    }

    /// Whether the canonical value is odd (RFC 9496's IS_NEGATIVE).
    pub fn is_negative(&self) -> bool {
        self.to_bytes()[0] & 1 == 1
    }

    pub fn is_zero(&self) -> bool {
        self.to_bytes() == [0u8; 32]
    }

    pub fn eq(&self, other: &Fe) -> bool {
        self.to_bytes() == other.to_bytes()
    }

    pub fn add(&self, o: &Fe) -> Fe {
        let a = self.0;
        let b = o.0;
        Fe(reduce([
            a[0] + b[0],
            a[1] + b[1],
            a[2] + b[2],
            a[3] + b[3],
            a[4] + b[4],
        ]))
    }

    /// `self − o`, as `self + 16·p − o` (limbs below 2^54 stay positive).
    pub fn sub(&self, o: &Fe) -> Fe {
        let a = self.0;
        let b = o.0;
        Fe(reduce([
            (a[0] + 36028797018963664) - b[0],
            (a[1] + 36028797018963952) - b[1],
            (a[2] + 36028797018963952) - b[2],
            (a[3] + 36028797018963952) - b[3],
            (a[4] + 36028797018963952) - b[4],
        ]))
    }

    pub fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    pub fn mul(&self, o: &Fe) -> Fe {
        mul(&self.0, &o.0)
    }

    pub fn square(&self) -> Fe {
        mul(&self.0, &self.0)
    }

    /// `self^(2^k)`.
    pub fn pow2k(&self, k: u32) -> Fe {
        let mut x = *self;
        for _ in 0..k {
            x = x.square();
        }
        x
    }

    /// `self^e`, `e` little-endian (square and multiply; variable time).
    pub fn pow(&self, e: &[u8; 32]) -> Fe {
        let mut r = Fe::ONE;
        for i in (0..256).rev() {
            r = r.square();
            if (e[i / 8] >> (i % 8)) & 1 == 1 {
                r = r.mul(self);
            }
        }
        r
    }

    pub fn invert(&self) -> Fe {
        // p − 2 = 2^255 − 21
        let mut e = [0xffu8; 32];
        e[0] = 0xeb;
        e[31] = 0x7f;
        self.pow(&e)
    }
}

/// Carries every limb into the next (the top one times 19 into the first):
/// limbs below 2^51 + 2^13·19 after it.
fn reduce(mut l: [u64; 5]) -> [u64; 5] {
    let c0 = l[0] >> 51;
    let c1 = l[1] >> 51;
    let c2 = l[2] >> 51;
    let c3 = l[3] >> 51;
    let c4 = l[4] >> 51;
    l[0] &= MASK;
    l[1] &= MASK;
    l[2] &= MASK;
    l[3] &= MASK;
    l[4] &= MASK;
    l[0] += c4 * 19;
    l[1] += c0;
    l[2] += c1;
    l[3] += c2;
    l[4] += c3;
    l
}

// The products and sums below cannot overflow (the limbs are below 2^54:
// five products of at most 2^54·2^54·19 fit in 128 bits), so they are
// written wrapping: the release profile's overflow checks, which urne keeps
// on for its own code, would otherwise check every 128-bit multiplication,
// and dalek, compared against, runs without them (Cargo.toml).
#[inline(always)]
fn m(x: u64, y: u64) -> u128 {
    u128::from(x).wrapping_mul(u128::from(y))
}

#[inline(always)]
fn sum5(a: u128, b: u128, c: u128, d: u128, e: u128) -> u128 {
    a.wrapping_add(b)
        .wrapping_add(c)
        .wrapping_add(d)
        .wrapping_add(e)
}

// The casts keep the low 64 bits of a 128-bit sum on purpose (the masks
// that follow take 51 of them), as dalek's u64 backend does.
#[allow(clippy::cast_possible_truncation)]
#[inline(always)]
fn mul(a: &[u64; 5], b: &[u64; 5]) -> Fe {
    let b1 = b[1].wrapping_mul(19);
    let b2 = b[2].wrapping_mul(19);
    let b3 = b[3].wrapping_mul(19);
    let b4 = b[4].wrapping_mul(19);
    let c0 = sum5(
        m(a[0], b[0]),
        m(a[4], b1),
        m(a[3], b2),
        m(a[2], b3),
        m(a[1], b4),
    );
    let c1 = sum5(
        m(a[1], b[0]),
        m(a[0], b[1]),
        m(a[4], b2),
        m(a[3], b3),
        m(a[2], b4),
    );
    let c2 = sum5(
        m(a[2], b[0]),
        m(a[1], b[1]),
        m(a[0], b[2]),
        m(a[4], b3),
        m(a[3], b4),
    );
    let c3 = sum5(
        m(a[3], b[0]),
        m(a[2], b[1]),
        m(a[1], b[2]),
        m(a[0], b[3]),
        m(a[4], b4),
    );
    let c4 = sum5(
        m(a[4], b[0]),
        m(a[3], b[1]),
        m(a[2], b[2]),
        m(a[1], b[3]),
        m(a[0], b[4]),
    );
    let low = |c: u128| (c as u64) & MASK;
    let c1 = c1.wrapping_add(c0 >> 51);
    let c2 = c2.wrapping_add(c1 >> 51);
    let c3 = c3.wrapping_add(c2 >> 51);
    let c4 = c4.wrapping_add(c3 >> 51);
    let mut out = [low(c0), low(c1), low(c2), low(c3), low(c4)];
    let carry = (c4 >> 51) as u64;
    out[0] = out[0].wrapping_add(carry.wrapping_mul(19));
    out[1] = out[1].wrapping_add(out[0] >> 51);
    out[0] &= MASK;
    Fe(out)
}

/// The curve's `d = −121665/121666` and `√−1 = 2^((p−1)/4)`, computed once.
pub struct Constants {
    pub d: Fe,
    pub minus_d: Fe,
    pub sqrt_m1: Fe,
}

impl Constants {
    pub fn new() -> Constants {
        let small = |n: u64| Fe([n, 0, 0, 0, 0]);
        let d = small(121665).neg().mul(&small(121666).invert());
        // (p − 1)/4 = 2^253 − 5
        let mut e = [0xffu8; 32];
        e[0] = 0xfb;
        e[31] = 0x1f;
        Constants {
            d,
            minus_d: d.neg(),
            sqrt_m1: small(2).pow(&e),
        }
    }
}

impl Default for Constants {
    fn default() -> Self {
        Self::new()
    }
}

/// A decoded point in affine Edwards coordinates (`z = 1`, `t = x·y`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Affine {
    pub x: Fe,
    pub y: Fe,
}

/// `x^((p−5)/8)` for `L` values at once: dalek's addition chain, each step
/// applied to every lane before the next.
fn pow_p58_lanes<const L: usize>(x: &[Fe; L]) -> [Fe; L] {
    let sq = |a: &[Fe; L], k: u32| -> [Fe; L] {
        let mut a = *a;
        for _ in 0..k {
            for v in a.iter_mut() {
                *v = v.square();
            }
        }
        a
    };
    let mul = |a: &[Fe; L], b: &[Fe; L]| -> [Fe; L] { std::array::from_fn(|i| a[i].mul(&b[i])) };
    let t0 = sq(x, 1); // 2
    let t1 = sq(&t0, 2); // 8
    let t2 = mul(x, &t1); // 9
    let t3 = mul(&t0, &t2); // 11
    let t4 = sq(&t3, 1); // 22
    let t5 = mul(&t2, &t4); // 2^5 − 1
    let t6 = sq(&t5, 5);
    let t7 = mul(&t6, &t5); // 2^10 − 1
    let t8 = sq(&t7, 10);
    let t9 = mul(&t8, &t7); // 2^20 − 1
    let t10 = sq(&t9, 20);
    let t11 = mul(&t10, &t9); // 2^40 − 1
    let t12 = sq(&t11, 10);
    let t13 = mul(&t12, &t7); // 2^50 − 1
    let t14 = sq(&t13, 50);
    let t15 = mul(&t14, &t13); // 2^100 − 1
    let t16 = sq(&t15, 100);
    let t17 = mul(&t16, &t15); // 2^200 − 1
    let t18 = sq(&t17, 50);
    let t19 = mul(&t18, &t13); // 2^250 − 1
    let t20 = sq(&t19, 2); // 2^252 − 4
    mul(x, &t20) // 2^252 − 3 = (p − 5)/8
}

/// Decodes `L` encodings; `None` for each that is not a canonical encoding of
/// a group element. Variable time.
pub fn decode_lanes<const L: usize>(c: &Constants, enc: &[[u8; 32]; L]) -> [Option<Affine>; L] {
    // Step 1: s canonical and non-negative. A lane that fails goes on with
    // s = 0 (whatever it computes is thrown away).
    let mut ok = [true; L];
    let s: [Fe; L] = std::array::from_fn(|i| {
        let s = Fe::from_bytes(&enc[i]);
        let bytes = s.to_bytes();
        if bytes != enc[i] || bytes[0] & 1 == 1 {
            ok[i] = false;
            Fe::ZERO
        } else {
            s
        }
    });
    let mut u1 = [Fe::ZERO; L];
    let mut u2 = [Fe::ZERO; L];
    let mut v = [Fe::ZERO; L];
    // w = v·u2², whose inverse square root is wanted; then, as
    // SQRT_RATIO_M1(1, w): r = w³·(w⁷)^((p−5)/8).
    let mut w = [Fe::ZERO; L];
    let mut w3 = [Fe::ZERO; L];
    let mut w7 = [Fe::ZERO; L];
    for i in 0..L {
        let ss = s[i].square();
        u1[i] = Fe::ONE.sub(&ss);
        u2[i] = Fe::ONE.add(&ss);
        let u2_sqr = u2[i].square();
        v[i] = c.minus_d.mul(&u1[i].square()).sub(&u2_sqr);
        w[i] = v[i].mul(&u2_sqr);
        w3[i] = w[i].square().mul(&w[i]);
        w7[i] = w3[i].square().mul(&w[i]);
    }
    let p = pow_p58_lanes(&w7);
    std::array::from_fn(|i| {
        if !ok[i] {
            return None;
        }
        // invsqrt(w) (u = 1 in SQRT_RATIO_M1)
        let mut r = w3[i].mul(&p[i]);
        let check = w[i].mul(&r.square());
        let one = Fe::ONE;
        let minus_one = one.neg();
        let correct = check.eq(&one);
        let flipped = check.eq(&minus_one);
        let flipped_i = check.eq(&minus_one.mul(&c.sqrt_m1));
        if flipped || flipped_i {
            r = r.mul(&c.sqrt_m1);
        }
        if r.is_negative() {
            r = r.neg();
        }
        if !(correct || flipped) {
            return None;
        }
        let den_x = r.mul(&u2[i]);
        let den_y = r.mul(&den_x).mul(&v[i]);
        let mut x = s[i].add(&s[i]).mul(&den_x);
        if x.is_negative() {
            x = x.neg();
        }
        let y = u1[i].mul(&den_y);
        let t = x.mul(&y);
        if t.is_negative() || y.is_zero() {
            return None;
        }
        Some(Affine { x, y })
    })
}

/// Decodes every encoding, `L` at a time (the rest one at a time).
pub fn decode_batch<const L: usize>(c: &Constants, enc: &[[u8; 32]]) -> Vec<Option<Affine>> {
    let mut out = Vec::with_capacity(enc.len());
    let mut chunks = enc.chunks_exact(L);
    for chunk in &mut chunks {
        let chunk: &[[u8; 32]; L] = chunk.try_into().expect("L encodings");
        out.extend(decode_lanes(c, chunk));
    }
    for e in chunks.remainder() {
        out.extend(decode_lanes::<1>(c, &[*e]));
    }
    out
}

/// The Ristretto encoding of an affine point (RFC 9496 §4.3.2 with `z = 1`),
/// for checking a decode by re-encoding it. Variable time.
pub fn encode(c: &Constants, p: &Affine) -> [u8; 32] {
    let (x0, y0) = (p.x, p.y);
    let z0 = Fe::ONE;
    let t0 = x0.mul(&y0);
    let u1 = z0.add(&y0).mul(&z0.sub(&y0));
    let u2 = x0.mul(&y0);
    // invsqrt(u1·u2²)
    let w = u1.mul(&u2.square());
    let w3 = w.square().mul(&w);
    let w7 = w3.square().mul(&w);
    let mut invsqrt = w3.mul(&pow_p58_lanes(&[w7])[0]);
    let check = w.mul(&invsqrt.square());
    let minus_one = Fe::ONE.neg();
    if check.eq(&minus_one) || check.eq(&minus_one.mul(&c.sqrt_m1)) {
        invsqrt = invsqrt.mul(&c.sqrt_m1);
    }
    if invsqrt.is_negative() {
        invsqrt = invsqrt.neg();
    }
    let den1 = invsqrt.mul(&u1);
    let den2 = invsqrt.mul(&u2);
    let z_inv = den1.mul(&den2).mul(&t0);
    // 1/sqrt(a − d) with a = −1
    let invsqrt_a_minus_d = {
        let amd = Fe::ONE.neg().sub(&c.d);
        let w = amd;
        let w3 = w.square().mul(&w);
        let w7 = w3.square().mul(&w);
        let mut r = w3.mul(&pow_p58_lanes(&[w7])[0]);
        let check = w.mul(&r.square());
        if check.eq(&minus_one) || check.eq(&minus_one.mul(&c.sqrt_m1)) {
            r = r.mul(&c.sqrt_m1);
        }
        if r.is_negative() {
            r = r.neg();
        }
        r
    };
    let ix0 = x0.mul(&c.sqrt_m1);
    let iy0 = y0.mul(&c.sqrt_m1);
    let enchanted_denominator = den1.mul(&invsqrt_a_minus_d);
    let rotate = t0.mul(&z_inv).is_negative();
    let (x, mut y, den_inv) = if rotate {
        (iy0, ix0, enchanted_denominator)
    } else {
        (x0, y0, den2)
    };
    if x.mul(&z_inv).is_negative() {
        y = y.neg();
    }
    let mut s = den_inv.mul(&z0.sub(&y));
    if s.is_negative() {
        s = s.neg();
    }
    s.to_bytes()
}

/// Whether `(x, y)` is on the curve `−x² + y² = 1 + d·x²·y²`.
pub fn on_curve(c: &Constants, p: &Affine) -> bool {
    let xx = p.x.square();
    let yy = p.y.square();
    yy.sub(&xx).eq(&Fe::ONE.add(&c.d.mul(&xx).mul(&yy)))
}
