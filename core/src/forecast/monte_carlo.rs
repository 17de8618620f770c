//! The sampling engine behind every throughput Monte Carlo: a per-trial stream
//! of simulated days drawn with replacement from the history, and the tight
//! loops that answer "when" and "how many" from it.
//!
//! Two choices make the results reproducible and comparable:
//! - **Each trial has its own generator**, seeded from the forecast's seed and
//!   the trial number. Trial `t` therefore sees the same simulated days whatever
//!   the question, so adding scope can only make each trial finish later, and a
//!   what-if compares each trial with itself (common random numbers) rather
//!   than with fresh noise.
//! - **Days are drawn four at a time.** With `n` history days (up to 256) the
//!   engine precomputes all `n²` ordered pairs of days; one 64-bit draw picks
//!   two pairs, exactly as uniform as four separate draws. The "when" loop then
//!   advances four days per draw and only looks at single days in the last
//!   block. Everything is integer arithmetic, so WASM and native agree bit for
//!   bit. Nothing is allocated per trial.

use crate::rng::{SplitMix64, UniformIndex, Xoshiro256StarStar};

use super::distribution::Counts;

/// History lengths up to this use the precomputed pair table.
const PAIR_TABLE_MAX_DAYS: usize = 256;

/// Draws days from the history; immutable and shared by every trial.
#[derive(Debug, Clone)]
pub(crate) struct DaySampler {
    kind: SamplerKind,
}

#[derive(Debug, Clone)]
enum SamplerKind {
    Pairs(PairTable),
    Singles(SingleDays),
}

/// A source of four-day blocks. The "when" loop only needs a block's total
/// until the last block, so a block is drawn as a cheap handle plus its sum,
/// and expanded into days only when needed.
trait BlockSource {
    type Handle: Copy;
    fn draw(&self, rng: &mut Xoshiro256StarStar) -> (Self::Handle, u64);
    fn days(&self, handle: Self::Handle) -> [u32; 4];
}

/// All ordered pairs `(a, b)` of history days, stored as `[a, a + b]` so one
/// load gives a pair's total; one index draws two days.
#[derive(Debug, Clone)]
struct PairTable {
    first_and_sum: Vec<[u32; 2]>,
    index: UniformIndex,
}

impl BlockSource for PairTable {
    type Handle = (usize, usize);

    #[inline(always)]
    fn draw(&self, rng: &mut Xoshiro256StarStar) -> ((usize, usize), u64) {
        let (first, second) = self.index.sample_pair(rng);
        let (first, second) = (first as usize, second as usize);
        let sum =
            u64::from(self.first_and_sum[first][1]) + u64::from(self.first_and_sum[second][1]);
        ((first, second), sum)
    }

    #[inline(always)]
    fn days(&self, (first, second): (usize, usize)) -> [u32; 4] {
        let [a, ab] = self.first_and_sum[first];
        let [c, cd] = self.first_and_sum[second];
        [a, ab - a, c, cd - c]
    }
}

/// Long histories: one index per day.
#[derive(Debug, Clone)]
struct SingleDays {
    days: Vec<u32>,
    index: UniformIndex,
}

impl BlockSource for SingleDays {
    type Handle = [u32; 4];

    #[inline(always)]
    fn draw(&self, rng: &mut Xoshiro256StarStar) -> ([u32; 4], u64) {
        let (a, b) = self.index.sample_pair(rng);
        let (c, d) = self.index.sample_pair(rng);
        let block = [
            self.days[a as usize],
            self.days[b as usize],
            self.days[c as usize],
            self.days[d as usize],
        ];
        (block, block.iter().map(|&day| u64::from(day)).sum())
    }

    #[inline(always)]
    fn days(&self, block: [u32; 4]) -> [u32; 4] {
        block
    }
}

impl DaySampler {
    /// `history` must not be empty (callers hold a validated [`super::Throughput`]).
    /// Daily counts are capped so a pair's total fits in a `u32`.
    pub(crate) fn new(history: &[u32]) -> DaySampler {
        let kind = if history.len() <= PAIR_TABLE_MAX_DAYS {
            let mut first_and_sum = Vec::with_capacity(history.len() * history.len());
            for &first in history {
                for &second in history {
                    let first = first.min(u32::MAX / 2);
                    first_and_sum.push([first, first + second.min(u32::MAX / 2)]);
                }
            }
            let index = UniformIndex::new(first_and_sum.len() as u32);
            SamplerKind::Pairs(PairTable { first_and_sum, index })
        } else {
            SamplerKind::Singles(SingleDays {
                days: history.to_vec(),
                index: UniformIndex::new(history.len() as u32),
            })
        };
        DaySampler { kind }
    }

    /// The next four simulated days of a trial.
    #[inline]
    pub(crate) fn block(&self, rng: &mut Xoshiro256StarStar) -> [u32; 4] {
        match &self.kind {
            SamplerKind::Pairs(table) => table.days(table.draw(rng).0),
            SamplerKind::Singles(singles) => singles.days(singles.draw(rng).0),
        }
    }
}

/// Hands each trial its own generator, derived from the forecast's seed.
#[derive(Debug, Clone)]
pub(crate) struct TrialSeeds {
    master: SplitMix64,
}

impl TrialSeeds {
    pub(crate) fn new(seed: u64) -> TrialSeeds {
        TrialSeeds { master: SplitMix64::new(seed) }
    }

    /// The generator of the next trial.
    #[inline]
    pub(crate) fn next_trial(&mut self) -> Xoshiro256StarStar {
        Xoshiro256StarStar::seed_from_u64(self.master.next_u64())
    }
}

/// A trial's days one at a time, for loops that need per-day state (what-if
/// ramp-up, portfolio WIP). Yields exactly the days [`DaySampler::block`] does.
pub(crate) struct DayStream<'a> {
    sampler: &'a DaySampler,
    rng: Xoshiro256StarStar,
    block: [u32; 4],
    position: usize,
}

impl<'a> DayStream<'a> {
    pub(crate) fn new(sampler: &'a DaySampler, rng: Xoshiro256StarStar) -> DayStream<'a> {
        DayStream { sampler, rng, block: [0; 4], position: 4 }
    }

    #[inline]
    pub(crate) fn next_day(&mut self) -> u32 {
        if self.position == 4 {
            self.block = self.sampler.block(&mut self.rng);
            self.position = 0;
        }
        let day = self.block[self.position];
        self.position += 1;
        day
    }
}

/// Days each trial needs to finish `remaining` items (0 when nothing remains),
/// counted into `counts`. Trials still running after `max_days` count as
/// `max_days` and are reported by the return value.
pub(crate) fn when_days(
    sampler: &DaySampler,
    remaining: u32,
    max_days: u32,
    trials: u32,
    seed: u64,
    counts: &mut Counts,
) -> u32 {
    counts.reset(max_days as usize + 1);
    match &sampler.kind {
        SamplerKind::Pairs(table) => {
            when_days_from(table, remaining, max_days, trials, seed, counts)
        }
        SamplerKind::Singles(singles) => {
            when_days_from(singles, remaining, max_days, trials, seed, counts)
        }
    }
}

fn when_days_from<S: BlockSource>(
    source: &S,
    remaining: u32,
    max_days: u32,
    trials: u32,
    seed: u64,
    counts: &mut Counts,
) -> u32 {
    let mut seeds = TrialSeeds::new(seed);
    let target = u64::from(remaining);
    let mut censored = 0;
    for _ in 0..trials {
        let mut rng = seeds.next_trial();
        if target == 0 {
            counts.add(0);
            continue;
        }
        let mut done = 0u64;
        let mut day = 0u32;
        let finished_on = loop {
            if day >= max_days {
                break None;
            }
            let (handle, block_sum) = source.draw(&mut rng);
            if done + block_sum < target {
                done += block_sum;
                day += 4;
                continue;
            }
            // The target is reached inside this block: the finishing day is
            // one past the days whose running total is still short of it
            // (counted without branches: which day it is is unpredictable).
            let [first, second, third, _] = source.days(handle);
            let needed = target - done;
            let after_first = u64::from(first);
            let after_second = after_first + u64::from(second);
            let after_third = after_second + u64::from(third);
            let finish = day
                + 1
                + u32::from(after_first < needed)
                + u32::from(after_second < needed)
                + u32::from(after_third < needed);
            break Some(finish);
        };
        match finished_on {
            Some(days) if days <= max_days => counts.add(days),
            _ => {
                censored += 1;
                counts.add(max_days);
            }
        }
    }
    censored
}

/// Items each trial completes in `days` days, counted into `counts`.
pub(crate) fn how_many_items(
    sampler: &DaySampler,
    days: u32,
    max_per_day: u32,
    trials: u32,
    seed: u64,
    counts: &mut Counts,
) {
    let max_total = u64::from(days) * u64::from(max_per_day);
    counts.reset(max_total.min(u64::from(u32::MAX - 1)) as usize + 1);
    let mut seeds = TrialSeeds::new(seed);
    let full_blocks = days / 4;
    let rest = (days % 4) as usize;
    for _ in 0..trials {
        let mut rng = seeds.next_trial();
        let mut total = 0u64;
        for _ in 0..full_blocks {
            total += match &sampler.kind {
                SamplerKind::Pairs(table) => table.draw(&mut rng).1,
                SamplerKind::Singles(singles) => singles.draw(&mut rng).1,
            };
        }
        if rest > 0 {
            let block = sampler.block(&mut rng);
            total += block[..rest].iter().map(|&count| u64::from(count)).sum::<u64>();
        }
        counts.add(total.min(u64::from(u32::MAX)) as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn day_stream_yields_the_same_days_as_blocks() {
        let history: Vec<u32> = (0..30).map(|day| day % 5).collect();
        let sampler = DaySampler::new(&history);
        let mut block_rng = Xoshiro256StarStar::seed_from_u64(9);
        let from_blocks: Vec<u32> = (0..3).flat_map(|_| sampler.block(&mut block_rng)).collect();
        let mut stream = DayStream::new(&sampler, Xoshiro256StarStar::seed_from_u64(9));
        let from_stream: Vec<u32> = (0..12).map(|_| stream.next_day()).collect();
        assert_eq!(from_blocks, from_stream);
    }

    #[test]
    fn long_histories_draw_only_history_values() {
        let history: Vec<u32> = (0..400).map(|day| if day % 2 == 0 { 7 } else { 11 }).collect();
        let sampler = DaySampler::new(&history);
        let mut rng = Xoshiro256StarStar::seed_from_u64(1);
        for _ in 0..100 {
            for day in sampler.block(&mut rng) {
                assert!(day == 7 || day == 11);
            }
        }
    }

    #[test]
    fn when_days_counts_every_trial_once() {
        let sampler = DaySampler::new(&[0, 1, 2, 3]);
        let mut counts = Counts::with_len(1);
        let censored = when_days(&sampler, 25, 1000, 500, 5, &mut counts);
        assert_eq!(censored, 0);
        assert_eq!(counts.total, 500);
        // At most 3 a day: never fewer than 9 days for 25 items.
        assert_eq!(counts.at_most(8), 0);
    }

    #[test]
    fn trials_that_run_past_the_cap_are_reported_as_censored() {
        let sampler = DaySampler::new(&[0, 0, 0, 1]);
        let mut counts = Counts::with_len(1);
        let censored = when_days(&sampler, 100, 10, 50, 5, &mut counts);
        assert_eq!(censored, 50);
    }
}
