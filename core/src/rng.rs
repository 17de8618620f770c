//! A portable, seedable random number generator for every simulation in core.
//!
//! Forecasts must give the same answer for the same seed on every platform, in
//! the browser (WASM) and natively, today and after a dependency upgrade. That
//! rules out `rand::StdRng` (its algorithm is not fixed) and any OS entropy, so
//! core carries its own generator, named after its algorithm: **xoshiro256\*\***
//! (Blackman and Vigna, 2018), with its 256-bit state expanded from a `u64` seed
//! by **SplitMix64**, as the authors recommend. Both are a handful of shifts,
//! rotations and wrapping multiplications on `u64`, which behave identically on
//! every target.
//!
//! Bounded draws ([`Xoshiro256StarStar::below`], [`UniformIndex`]) use Lemire's
//! multiply-and-reject method on 32-bit halves: integer arithmetic only, exactly
//! uniform, and with the rejection threshold precomputed so the hot loop of a
//! simulation does one multiply per draw.

/// The SplitMix64 generator, used to expand a `u64` seed into a full state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The xoshiro256\*\* generator: 256 bits of state, period 2^256 − 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xoshiro256StarStar {
    state: [u64; 4],
}

impl Xoshiro256StarStar {
    /// A generator seeded from `seed` through SplitMix64. Different seeds give
    /// unrelated streams; the same seed always gives the same stream.
    pub fn seed_from_u64(seed: u64) -> Xoshiro256StarStar {
        let mut mix = SplitMix64::new(seed);
        let state = [mix.next_u64(), mix.next_u64(), mix.next_u64(), mix.next_u64()];
        Xoshiro256StarStar { state }
    }

    /// A generator with exactly this state (for known-answer tests). An
    /// all-zero state would only ever produce zeros, so it is replaced by the
    /// state `seed_from_u64(0)` gives.
    pub fn from_state(state: [u64; 4]) -> Xoshiro256StarStar {
        if state == [0; 4] {
            return Xoshiro256StarStar::seed_from_u64(0);
        }
        Xoshiro256StarStar { state }
    }

    /// The next 64 random bits.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let res = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        res
    }

    /// A uniform integer in `0..bound`; `bound` must be at least 1 (0 is
    /// treated as 1). For repeated draws with one bound, [`UniformIndex`]
    /// avoids recomputing the rejection threshold.
    pub fn below(&mut self, bound: u32) -> u32 {
        UniformIndex::new(bound).sample(self)
    }

    /// A uniform float in `[0, 1)` with 53 random bits: the top 53 bits of a
    /// draw scaled by 2^-53, which is exact in IEEE arithmetic on every target.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Uniform draws from `0..n` by Lemire's method, with the threshold for the
/// rare rejection precomputed. Each call to [`UniformIndex::sample_pair`] uses
/// one 64-bit output for two draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniformIndex {
    bound: u32,
    /// `2^32 mod bound`: low products below it are rejected to remove bias.
    threshold: u32,
}

impl UniformIndex {
    /// Draws in `0..bound`; a `bound` of 0 is treated as 1.
    pub fn new(bound: u32) -> UniformIndex {
        let bound = bound.max(1);
        UniformIndex { bound, threshold: bound.wrapping_neg() % bound }
    }

    /// The exclusive upper bound of the draws.
    pub fn bound(&self) -> u32 {
        self.bound
    }

    /// Maps 32 random bits to the range, or `None` when they fall in the
    /// rejected sliver (probability below `bound / 2^32`).
    #[inline(always)]
    fn map(&self, bits: u32) -> Option<u32> {
        let product = u64::from(bits) * u64::from(self.bound);
        if (product as u32) < self.threshold {
            return None;
        }
        Some((product >> 32) as u32)
    }

    /// One uniform draw.
    #[inline]
    pub fn sample(&self, rng: &mut Xoshiro256StarStar) -> u32 {
        loop {
            if let Some(value) = self.map((rng.next_u64() >> 32) as u32) {
                return value;
            }
        }
    }

    /// Two independent uniform draws from one 64-bit output (high half first).
    #[inline(always)]
    pub fn sample_pair(&self, rng: &mut Xoshiro256StarStar) -> (u32, u32) {
        let bits = rng.next_u64();
        let first = match self.map((bits >> 32) as u32) {
            Some(value) => value,
            None => self.sample(rng),
        };
        let second = match self.map(bits as u32) {
            Some(value) => value,
            None => self.sample(rng),
        };
        (first, second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn splitmix64_matches_the_reference_outputs_for_seed_zero() {
        // Outputs of Vigna's splitmix64.c with x = 0.
        let mut mix = SplitMix64::new(0);
        let got: Vec<u64> = (0..3).map(|_| mix.next_u64()).collect();
        assert_eq!(got, [0xe220_a839_7b1d_cdaf, 0x6e78_9e6a_a1b9_65f4, 0x06c4_5d18_8009_454f]);
    }

    #[test]
    fn xoshiro256starstar_matches_the_reference_outputs_for_state_1_2_3_4() {
        // Outputs of Vigna's xoshiro256starstar.c with s = {1, 2, 3, 4}.
        let mut rng = Xoshiro256StarStar::from_state([1, 2, 3, 4]);
        let got: Vec<u64> = (0..6).map(|_| rng.next_u64()).collect();
        assert_eq!(
            got,
            [
                11520,
                0,
                1_509_978_240,
                1_215_971_899_390_074_240,
                1_216_172_134_540_287_360,
                607_988_272_756_665_600
            ]
        );
    }

    #[test]
    fn same_seed_gives_the_same_stream_and_other_seeds_differ() {
        let mut a = Xoshiro256StarStar::seed_from_u64(42);
        let mut b = Xoshiro256StarStar::seed_from_u64(42);
        let mut c = Xoshiro256StarStar::seed_from_u64(43);
        let a_values: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let b_values: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let c_values: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(a_values, b_values);
        assert_ne!(a_values, c_values);
    }

    #[test]
    fn bounded_draws_stay_in_range_and_cover_it_evenly() {
        let mut rng = Xoshiro256StarStar::seed_from_u64(7);
        let index = UniformIndex::new(7);
        let mut counts = [0u32; 7];
        for _ in 0..35_000 {
            let (first, second) = index.sample_pair(&mut rng);
            counts[first as usize] += 1;
            counts[second as usize] += 1;
        }
        // 10,000 expected per value; 5 standard deviations is about 460.
        for count in counts {
            assert!((9_500..=10_500).contains(&count), "uneven counts {counts:?}");
        }
    }

    #[test]
    fn a_bound_of_zero_or_one_always_draws_zero() {
        let mut rng = Xoshiro256StarStar::seed_from_u64(1);
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn unit_floats_are_in_the_half_open_unit_interval() {
        let mut rng = Xoshiro256StarStar::seed_from_u64(3);
        for _ in 0..1000 {
            let value = rng.unit_f64();
            assert!((0.0..1.0).contains(&value));
        }
    }
}
