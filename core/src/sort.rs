//! Stable sorts shared by the analytics and the dashboard.
//!
//! std's stable sort is monomorphised per element type and comparator, about
//! 4 KB of WASM each; the dashboard had about 34 of them (about 30 KB gzip).
//! On wasm32 every sort here therefore orders a permutation of `u32` indices
//! through one `dyn` comparator (a single instantiation of std's sort) and
//! then moves the elements into place with a small generic loop. Natively
//! these are std's sorts. Both are stable, so the order is the same, ties
//! included.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp`, like [`slice::sort_by`].
pub fn stable_by<T, F>(v: &mut [T], cmp: F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    #[cfg(target_arch = "wasm32")]
    by_permutation(v, cmp);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(cmp);
}

/// Sorts `v` stably by the key `f` gives, like [`slice::sort_by_key`].
pub fn stable_by_key<T, K, F>(v: &mut [T], mut f: F)
where
    K: Ord,
    F: FnMut(&T) -> K,
{
    stable_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` stably in its natural order, like [`slice::sort`].
pub fn stable<T: Ord>(v: &mut [T]) {
    stable_by(v, T::cmp);
}

/// The wasm32 sort, compiled everywhere so that native tests check it
/// against std's.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn by_permutation<T, F>(v: &mut [T], mut cmp: F)
where
    F: FnMut(&T, &T) -> Ordering,
{
    if v.len() < 2 {
        return;
    }
    let mut perm = {
        let items: &[T] = v;
        order(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    apply(v, &mut perm);
}

/// `perm[i]` is the index of the element that belongs at position `i`.
/// Not generic: this is the one copy of std's sort the callers share.
fn order(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<u32> {
    // Indices fit: a wasm32 slice of more than u32::MAX elements cannot exist,
    // and natively this runs only in tests.
    let mut perm: Vec<u32> = (0..len as u32).collect();
    perm.sort_by(|&a, &b| cmp(a as usize, b as usize));
    perm
}

/// Moves `v[perm[i]]` to position `i` for every `i`, one cycle at a time,
/// leaving `perm` the identity.
fn apply<T>(v: &mut [T], perm: &mut [u32]) {
    for start in 0..perm.len() {
        let mut at = start;
        // Position `at` still holds its original element except for the one
        // carried along the cycle from `start`, which ends where it belongs.
        while perm[at] as usize != start {
            let from = perm[at] as usize;
            v.swap(at, from);
            perm[at] = at as u32;
            at = from;
        }
        perm[at] = at as u32;
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn empty_and_single() {
        let mut none: Vec<u8> = vec![];
        by_permutation(&mut none, u8::cmp);
        assert!(none.is_empty());
        let mut one = vec![7];
        by_permutation(&mut one, u8::cmp);
        assert_eq!(one, [7]);
    }

    #[test]
    fn ties_keep_their_order() {
        let mut v = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (0, 'e'), (2, 'f')];
        by_permutation(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, [(0, 'e'), (1, 'b'), (1, 'd'), (2, 'a'), (2, 'c'), (2, 'f')]);
        let mut v = vec![3.0, -0.0, 0.0, f64::NAN, -1.5];
        by_permutation(&mut v, f64::total_cmp);
        assert_eq!(format!("{v:?}"), "[-1.5, -0.0, 0.0, 3.0, NaN]");
    }

    #[test]
    fn non_copy_elements_move_intact() {
        let mut v: Vec<String> = ["pear", "fig", "apple", "fig", "kiwi"].map(String::from).to_vec();
        stable(&mut v);
        assert_eq!(v, ["apple", "fig", "fig", "kiwi", "pear"]);
        let mut w: Vec<Vec<u8>> = vec![vec![3; 3], vec![1], vec![2, 2], vec![], vec![1]];
        stable_by_key(&mut w, Vec::len);
        assert_eq!(w, [vec![], vec![1], vec![1], vec![2, 2], vec![3; 3]]);
    }

    proptest! {
        // Keys from a small range so that most inputs have ties; the tag is
        // each element's original position, which tells ties apart.
        #[test]
        fn equals_std_stable_sort(keys in prop::collection::vec(0u8..8, 0..300)) {
            let tagged: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let mut want = tagged.clone();
            want.sort_by_key(|e| e.0);
            let mut got = tagged.clone();
            by_permutation(&mut got, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(&got, &want);
            let mut got = tagged.clone();
            stable_by_key(&mut got, |e| std::cmp::Reverse(e.0));
            let mut want_rev = tagged;
            want_rev.sort_by_key(|e| std::cmp::Reverse(e.0));
            prop_assert_eq!(got, want_rev);
        }

        #[test]
        fn equals_std_on_floats(values in prop::collection::vec(prop::num::f64::ANY, 0..200)) {
            let mut want = values.clone();
            want.sort_by(f64::total_cmp);
            let mut got = values;
            by_permutation(&mut got, f64::total_cmp);
            prop_assert_eq!(got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        }
    }
}
