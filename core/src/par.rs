//! Per-issue work spread over the machine's cores natively; in WASM, where
//! core runs on the page's one thread, a plain loop. Results keep the input
//! order, so nothing downstream depends on the number of threads.

/// Threads worth using: every core natively (at most 16), one in WASM.
pub(crate) fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
    }
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
}

/// Below this many items a thread costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 4096;

/// `items.iter().map(f).collect()`, on [`threads`] threads when there are
/// enough items.
pub(crate) fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    indexed(items.len(), |i| f(&items[i]))
}

/// `(0..len).map(f).collect()`, on [`threads`] threads when `len` is large
/// enough for per-issue work.
pub(crate) fn indexed<U: Send>(len: usize, f: impl Fn(usize) -> U + Sync) -> Vec<U> {
    indexed_on(threads(), MIN_ITEMS_PER_THREAD, len, f)
}

/// [`indexed`] for heavier items: a thread is worth it from `min_per_thread` items.
pub(crate) fn indexed_heavy<U: Send>(
    min_per_thread: usize,
    len: usize,
    f: impl Fn(usize) -> U + Sync,
) -> Vec<U> {
    indexed_on(threads(), min_per_thread, len, f)
}

fn indexed_on<U: Send>(
    threads: usize,
    min_per_thread: usize,
    len: usize,
    f: impl Fn(usize) -> U + Sync,
) -> Vec<U> {
    let threads = threads.min(len / min_per_thread.max(1)).max(1);
    if threads == 1 || cfg!(target_arch = "wasm32") {
        return (0..len).map(f).collect();
    }
    let size = len.div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let rest: Vec<_> = (1..threads)
            .map(|t| {
                let part = t * size..((t + 1) * size).min(len);
                scope.spawn(move || part.map(f).collect::<Vec<U>>())
            })
            .collect();
        let mut out: Vec<U> = Vec::with_capacity(len);
        out.extend((0..size.min(len)).map(f));
        for handle in rest {
            match handle.join() {
                Ok(part) => out.extend(part),
                // A panic in `f` is a bug; let it surface as it would on one thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn any_number_of_threads_gives_the_sequential_result_in_order() {
        let items: Vec<u64> = (0..50_000).collect();
        let expected: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
        for threads in [1, 2, 3, 7, 16] {
            let got = indexed_on(threads, 4096, items.len(), |i| items[i] * items[i] + 1);
            assert_eq!(got, expected, "{threads} threads");
        }
        assert!(indexed_on(4, 1, 0, |i| i).is_empty());
        assert_eq!(indexed_on(4, 1, 1, |i| i + 4), vec![4]);
        assert_eq!(indexed_on(4, 1, 3, |i| i), vec![0, 1, 2]);
        assert_eq!(map(&items, |x| x * x + 1), expected);
    }
}
