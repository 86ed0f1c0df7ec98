//! Sums of products of public scalars, reduced mod ℓ once (the batch
//! verifier's coefficients).
//!
//! A 1-of-k proof's equations enter a batch with random 128-bit weights, and
//! each coefficient of the batch is a sum such as `Σ_j z_j·s_j`. Computed
//! with [`Scalar`] arithmetic, every product is reduced mod ℓ (two Montgomery
//! multiplications of 5 × 5 52-bit limbs, with the unpacking and packing
//! around them), thirteen times a three-option ballot. A weight has only two
//! 64-bit limbs, so the products are cheap as plain integers: [`Wide`] adds
//! them up exactly, in 512 bits, and [`Wide::reduce`] reduces the sum mod ℓ
//! once, to the same scalar. Public data only: the arithmetic is not
//! constant time.

use curve25519_dalek::scalar::Scalar;

/// A non-negative integer below 2^512, as eight little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wide([u64; 8]);

/// A scalar's canonical bytes as four little-endian 64-bit limbs.
pub fn limbs(s: &Scalar) -> [u64; 4] {
    let b = s.as_bytes();
    std::array::from_fn(|i| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[8 * i..8 * i + 8]);
        u64::from_le_bytes(w)
    })
}

/// The low 64 bits of `t` (a limb of a product or sum; the rest is its carry).
#[expect(clippy::cast_possible_truncation, reason = "the low limb, on purpose")]
fn low(t: u128) -> u64 {
    t as u64
}

/// A 128-bit weight as two little-endian 64-bit limbs.
pub fn weight_limbs(w: u128) -> [u64; 2] {
    [low(w), low(w >> 64)]
}

impl Wide {
    /// Zero.
    pub const ZERO: Wide = Wide([0; 8]);

    /// Adds the product `a·b` of two integers given as little-endian limbs.
    /// The caller keeps the sum below 2^512: the verifier adds at most a few
    /// products of a weight below 2^192 (a 128-bit weight times a 64-bit
    /// public option weight) and a scalar below 2^256, each below 2^448, so
    /// 2^64 of them would not reach it. Panics if `a` and `b` together have
    /// more than eight limbs.
    pub fn add_mul(&mut self, a: &[u64], b: &[u64]) {
        assert!(a.len() + b.len() <= 8, "a product of more than 512 bits");
        for (i, &x) in a.iter().enumerate() {
            if x == 0 {
                continue;
            }
            let mut carry = 0u128;
            for (j, &y) in b.iter().enumerate() {
                let t = u128::from(x) * u128::from(y) + u128::from(self.0[i + j]) + carry;
                self.0[i + j] = low(t);
                carry = t >> 64;
            }
            // Carry into the limbs above this row's.
            let mut k = i + b.len();
            while carry != 0 && k < 8 {
                let t = u128::from(self.0[k]) + carry;
                self.0[k] = low(t);
                carry = t >> 64;
                k += 1;
            }
        }
    }

    /// Adds `w·s` for a 128-bit weight `w` and a scalar `s` (its limbs).
    pub fn add_weighted(&mut self, w: u128, s: &[u64; 4]) {
        self.add_mul(&weight_limbs(w), s);
    }

    /// Adds `w·m·s` for a 128-bit weight `w`, a 64-bit integer `m` and a
    /// scalar `s` (its limbs).
    pub fn add_weighted_times(&mut self, w: u128, m: u64, s: &[u64; 4]) {
        match m {
            0 => {}
            1 => self.add_weighted(w, s),
            _ => {
                // w·m has at most 192 bits: three limbs.
                let mut wm = Wide::ZERO;
                wm.add_mul(&weight_limbs(w), &[m]);
                self.add_mul(&wm.0[..3], s);
            }
        }
    }

    /// `self + other`, or `None` if it does not fit 512 bits.
    pub fn checked_add(&self, other: &Wide) -> Option<Wide> {
        let mut out = Wide::ZERO;
        let mut carry = 0u128;
        for (o, (a, b)) in out.0.iter_mut().zip(self.0.iter().zip(&other.0)) {
            let t = u128::from(*a) + u128::from(*b) + carry;
            *o = low(t);
            carry = t >> 64;
        }
        (carry == 0).then_some(out)
    }

    /// The sum reduced mod ℓ: the same scalar as
    /// `Scalar::from_bytes_mod_order_wide` of its bytes (tested below), for
    /// about a tenth of its instructions. With `ℓ = 2^252 + δ`, `2^252 ≡ −δ`,
    /// so `x = hi·2^252 + lo ≡ lo − hi·δ`; a multiple `K` of ℓ above `hi·δ`
    /// keeps the fold non-negative: `lo + K − hi·δ`. Three folds take any
    /// 512-bit `x` below 2ℓ (`hi` below 2^260, 2^134, 2^8; `K` = ℓ·2^133,
    /// ℓ·2^7, ℓ), and one subtraction of ℓ, if needed, below ℓ. The result is
    /// then a reduced scalar, taken as it is (`Scalar::from_bits`, as
    /// [`super::encoding`]'s decoder of public scalars does). Public data
    /// only: it branches on the value.
    pub fn reduce(&self) -> Scalar {
        let mut x = self.0;
        for k in [&ELL_SHL_133, &ELL_SHL_7, &ELL] {
            x = fold(&x, k);
        }
        if !below(&x, &ELL) {
            x = sub(&x, &ELL);
        }
        let mut bytes = [0u8; 32];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(&x[..4]) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        Scalar::from_bits(bytes)
    }
}

/// δ = ℓ − 2^252, as two limbs.
const DELTA: [u64; 2] = [0x5812_631a_5cf5_d3ed, 0x14de_f9de_a2f7_9cd6];

/// ℓ·2^s as eight limbs, for `s` below 256 (a const function, so the
/// multiples are constants).
const fn ell_shl(s: u32) -> [u64; 8] {
    let ell = [DELTA[0], DELTA[1], 0, 1 << 60];
    let (limbs, bits) = ((s / 64) as usize, s % 64);
    let mut out = [0u64; 8];
    let mut i = 0;
    while i < 4 {
        out[i + limbs] |= ell[i] << bits;
        if bits > 0 {
            out[i + limbs + 1] |= ell[i] >> (64 - bits);
        }
        i += 1;
    }
    out
}

/// ℓ and the multiples of it the folds of [`Wide::reduce`] add.
const ELL: [u64; 8] = ell_shl(0);
const ELL_SHL_7: [u64; 8] = ell_shl(7);
const ELL_SHL_133: [u64; 8] = ell_shl(133);

/// `lo + k − hi·δ` for `x = hi·2^252 + lo`: congruent to `x` mod ℓ when `k`
/// is a multiple of ℓ, and non-negative when `k ≥ hi·δ` (the caller's
/// bound).
fn fold(x: &[u64; 8], k: &[u64; 8]) -> [u64; 8] {
    // hi = x >> 252, five limbs (at most 260 bits).
    let hi: [u64; 5] = std::array::from_fn(|i| {
        let above = x.get(4 + i).copied().unwrap_or(0);
        (x[3 + i] >> 60) | (above << 4)
    });
    let mut t = Wide::ZERO;
    t.add_mul(&hi, &DELTA);
    let mut lo = [0u64; 8];
    lo[..4].copy_from_slice(&x[..4]);
    lo[3] &= (1 << 60) - 1;
    sub(&add(&lo, k), &t.0)
}

/// `a + b`; the callers' bounds keep it below 2^512.
fn add(a: &[u64; 8], b: &[u64; 8]) -> [u64; 8] {
    let mut out = [0u64; 8];
    let mut carry = 0u128;
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        let t = u128::from(*x) + u128::from(*y) + carry;
        *o = low(t);
        carry = t >> 64;
    }
    debug_assert_eq!(carry, 0);
    out
}

/// `a − b`; the callers' bounds keep `a ≥ b`.
fn sub(a: &[u64; 8], b: &[u64; 8]) -> [u64; 8] {
    let mut out = [0u64; 8];
    let mut borrow = false;
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        let (d, b1) = x.overflowing_sub(*y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *o = d;
        borrow = b1 || b2;
    }
    debug_assert!(!borrow);
    out
}

/// `a < b`.
fn below(a: &[u64; 8], b: &[u64; 8]) -> bool {
    a.iter().rev().cmp(b.iter().rev()) == std::cmp::Ordering::Less
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;
    use rand::Rng;

    fn scalar_of(bytes: [u8; 64]) -> Scalar {
        Scalar::from_bytes_mod_order_wide(&bytes)
    }

    #[test]
    fn sums_of_products_equal_scalar_arithmetic() {
        for _ in 0..200 {
            let n = OsRng.gen_range(1..12);
            let mut wide = Wide::ZERO;
            let mut want = Scalar::ZERO;
            for _ in 0..n {
                let w: u128 = OsRng.gen();
                let m: u64 = match OsRng.gen_range(0..4) {
                    0 => 0,
                    1 => 1,
                    2 => 1 << 32,
                    _ => OsRng.gen(),
                };
                let mut b = [0u8; 64];
                OsRng.fill(&mut b[..]);
                let s = scalar_of(b);
                wide.add_weighted_times(w, m, &limbs(&s));
                want += Scalar::from(w) * Scalar::from(m) * s;
            }
            assert_eq!(wide.reduce(), want);
        }
    }

    #[test]
    fn the_largest_inputs_carry_through_every_limb() {
        // (2^128 − 1)·(2^64 − 1)·(ℓ − 1), many times: every carry is taken.
        let w = u128::MAX;
        let m = u64::MAX;
        let s = -Scalar::ONE;
        let mut wide = Wide::ZERO;
        let mut want = Scalar::ZERO;
        for _ in 0..1000 {
            wide.add_weighted_times(w, m, &limbs(&s));
            wide.add_weighted(w, &limbs(&s));
            want += Scalar::from(w) * Scalar::from(m) * s + Scalar::from(w) * s;
        }
        assert_eq!(wide.reduce(), want);
        // All ones in 256 bits (not a canonical scalar, but an integer the
        // product must still be exact for).
        let mut wide = Wide::ZERO;
        wide.add_mul(&[u64::MAX; 4], &[u64::MAX; 4]);
        // (2^256 − 1)^2 = 2^512 − 2^257 + 1.
        let mut expect = [u64::MAX; 8];
        expect[0] = 1;
        expect[4] = u64::MAX - 1;
        expect[1] = 0;
        expect[2] = 0;
        expect[3] = 0;
        assert_eq!(wide, Wide(expect));
    }

    #[test]
    fn checked_addition_is_exact_or_refused() {
        let a = Wide([u64::MAX, 0, u64::MAX, 0, 0, 0, 0, 1]);
        let b = Wide([1, 0, 1, 0, 0, 0, 0, 2]);
        assert_eq!(a.checked_add(&b), Some(Wide([0, 1, 0, 1, 0, 0, 0, 3])));
        let top = Wide([0, 0, 0, 0, 0, 0, 0, 1 << 63]);
        assert_eq!(top.checked_add(&top), None);
        let all = Wide([u64::MAX; 8]);
        assert_eq!(all.checked_add(&Wide::ZERO), Some(all));
        let mut one = Wide::ZERO;
        one.add_mul(&[1], &[1]);
        assert_eq!(all.checked_add(&one), None);
        assert_eq!(
            (a.checked_add(&b).unwrap()).reduce(),
            a.reduce() + b.reduce()
        );
    }

    /// The bytes' scalar as dalek reduces them.
    fn dalek(w: &Wide) -> Scalar {
        let mut bytes = [0u8; 64];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(w.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        Scalar::from_bytes_mod_order_wide(&bytes)
    }

    #[test]
    fn the_reduction_is_dalek_s_at_the_edges() {
        let ell = Wide(ELL);
        let mut cases = vec![Wide::ZERO, Wide([u64::MAX; 8]), ell];
        // Around ℓ, its multiples the folds add, 2^252 and each power of two.
        for base in [ELL, ELL_SHL_7, ELL_SHL_133, ell_shl(191)] {
            for d in [1u64, 2, 1 << 63] {
                let mut up = Wide(base);
                up.add_mul(&[d], &[1]);
                cases.push(up);
                cases.push(Wide(sub(&base, &Wide([d, 0, 0, 0, 0, 0, 0, 0]).0)));
            }
            cases.push(Wide(base));
        }
        for bit in 0..512 {
            let mut p = [0u64; 8];
            p[bit / 64] = 1 << (bit % 64);
            cases.push(Wide(p));
            if bit > 0 {
                cases.push(Wide(sub(&p, &[1, 0, 0, 0, 0, 0, 0, 0])));
            }
        }
        // Every limb all ones but one, and each multiple of ℓ·2^255 up to
        // 2^512 and the value below it.
        for i in 0..8 {
            let mut v = [u64::MAX; 8];
            v[i] = 0;
            cases.push(Wide(v));
        }
        let mut k = Wide::ZERO;
        for _ in 0..40 {
            let Some(next) = k.checked_add(&Wide(ell_shl(255))) else {
                break;
            };
            k = next;
            cases.push(Wide(sub(&k.0, &[1, 0, 0, 0, 0, 0, 0, 0])));
            cases.push(k);
        }
        for c in &cases {
            assert_eq!(c.reduce(), dalek(c), "{c:?}");
            // A reduced scalar: dalek's arithmetic takes it as any other.
            assert_eq!(c.reduce() + Scalar::ZERO, dalek(c));
        }
    }

    #[test]
    fn the_multiples_of_ell_are_multiples_of_ell() {
        for k in [ELL, ELL_SHL_7, ELL_SHL_133] {
            assert_eq!(Wide(k).reduce(), Scalar::ZERO);
            assert_eq!(dalek(&Wide(k)), Scalar::ZERO);
        }
        assert_eq!(ELL[3], 1 << 60);
        assert_eq!(ELL_SHL_7[3] >> 60, 0);
        assert_eq!(ELL_SHL_7[4], 1 << 3);
        assert_eq!(ELL_SHL_133[6], 1 << 1);
    }

    proptest! {
        #[test]
        fn the_reduction_is_dalek_s(limbs in any::<[u64; 8]>(), top in 0usize..9) {
            // Any width, from 0 to 8 limbs.
            let mut v = limbs;
            v[top..].fill(0);
            let w = Wide(v);
            prop_assert_eq!(w.reduce(), dalek(&w));
        }

        #[test]
        fn one_product_equals_scalar_multiplication(
            w in any::<u128>(), m in any::<u64>(), lo in any::<[u8; 32]>(), hi in any::<[u8; 32]>()
        ) {
            let mut b = [0u8; 64];
            b[..32].copy_from_slice(&lo);
            b[32..].copy_from_slice(&hi);
            let s = scalar_of(b);
            let mut wide = Wide::ZERO;
            wide.add_weighted_times(w, m, &limbs(&s));
            prop_assert_eq!(wide.reduce(), Scalar::from(w) * Scalar::from(m) * s);
            let mut wide = Wide::ZERO;
            wide.add_weighted(w, &limbs(&s));
            prop_assert_eq!(wide.reduce(), Scalar::from(w) * s);
        }
    }
}
