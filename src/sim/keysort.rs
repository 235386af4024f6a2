//! One sort routine for the whole program (issue 2, the wasm's size): every `sort`, `sort_by`
//! or `sort_unstable` on another element type or with another comparator links another copy of
//! the standard library's sort, 3 to 4.5 KB each in the release wasm. Callers here sort 128-bit
//! keys that encode their order instead, then rearrange their items by the sorted keys.
//!
//! - [`sort_keys`]: ascending `u128`s, the one instantiation of the library's sort;
//! - [`stable_sort_by_key`]: the result of `items.sort_by_key(..)` (stable) for a key of
//!   a `u64` then a `u32`;
//! - [`f64_key`]: a `u64` that orders as [`f64::total_cmp`] orders the floats.

/// Sorts `keys` ascending (equal keys are equal values, so stability cannot matter).
#[inline(never)]
pub fn sort_keys(keys: &mut [u128]) {
    keys.sort_unstable();
}

/// A `u64` whose order is the order of [`f64::total_cmp`]: negative NaNs, -inf, negative
/// numbers, -0, +0, positive numbers, +inf, positive NaNs.
pub fn f64_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The float whose [`f64_key`] is `key` (the inverse: every bit is kept).
pub fn f64_from_key(key: u64) -> f64 {
    if key >> 63 == 1 {
        f64::from_bits(key & !(1 << 63))
    } else {
        f64::from_bits(!key)
    }
}

/// Sorts `items` by `key` (compared as the pair: the `u64` first, then the `u32`), keeping
/// items of equal keys in their order: the same result as the standard library's stable
/// `items.sort_by_key(key)`, through [`sort_keys`].
pub fn stable_sort_by_key<T>(items: &mut Vec<T>, key: impl Fn(&T) -> (u64, u32)) {
    assert!(u32::try_from(items.len()).is_ok(), "at most 2^32 items");
    let mut keys: Vec<u128> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (hi, mid) = key(item);
            (hi as u128) << 64 | (mid as u128) << 32 | i as u128
        })
        .collect();
    sort_keys(&mut keys);
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(
        keys.iter()
            .map(|&k| slots[k as u32 as usize].take().expect("each index once")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for test data (no OS randomness in the core).
    fn numbers(n: usize, mut state: u64) -> Vec<u64> {
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                state >> 33
            })
            .collect()
    }

    #[test]
    fn sort_keys_sorts_like_the_library() {
        for n in [0, 1, 2, 7, 20, 33, 500] {
            let mut a: Vec<u128> = numbers(n, n as u64)
                .into_iter()
                .zip(numbers(n, 99))
                .map(|(x, y)| ((x % 5) as u128 * y as u128 * 0x1_0000_0001) << 40 | x as u128)
                .collect();
            let mut b = a.clone();
            sort_keys(&mut a);
            b.sort();
            assert_eq!(a, b);
        }
    }

    /// Floats at the edges (signed zeros, subnormals, infinities, NaNs with payloads) and many
    /// ordinary ones.
    fn floats() -> Vec<f64> {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001),
            f64::from_bits(0xfff8_0000_0000_0001),
            0.1 + 0.2,
            0.3,
        ];
        xs.extend(numbers(200, 5).into_iter().map(|x| x as f64 / 7.0 - 1e6));
        xs
    }

    #[test]
    fn f64_key_orders_as_total_cmp() {
        let xs = floats();
        for a in &xs {
            for b in &xs {
                assert_eq!(
                    f64_key(*a).cmp(&f64_key(*b)),
                    a.total_cmp(b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn f64_from_key_inverts_f64_key_bit_for_bit() {
        for x in floats() {
            assert_eq!(f64_from_key(f64_key(x)).to_bits(), x.to_bits(), "{x}");
        }
    }

    #[test]
    fn stable_sort_by_key_matches_the_library_stable_sort() {
        for n in [0, 1, 2, 3, 8, 21, 64, 300] {
            // Few distinct keys, so many ties whose order must be kept.
            let items: Vec<(u64, u32, usize)> = numbers(n, 7 + n as u64)
                .into_iter()
                .zip(numbers(n, 11))
                .enumerate()
                .map(|(i, (a, b))| (a % 4 * (u64::MAX / 3), (b % 3) as u32, i))
                .collect();
            let mut ours = items.clone();
            stable_sort_by_key(&mut ours, |t| (t.0, t.1));
            let mut std_sorted = items.clone();
            std_sorted.sort_by_key(|t| (t.0, t.1));
            assert_eq!(ours, std_sorted);
        }
    }

    #[test]
    fn stable_sort_by_key_moves_owned_items() {
        let mut v = vec![
            (3, "c".to_string()),
            (1, "a".to_string()),
            (3, "d".to_string()),
            (0, "z".to_string()),
        ];
        stable_sort_by_key(&mut v, |(k, _)| (*k, 0));
        let words: Vec<&str> = v.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(words, ["z", "a", "c", "d"]);
    }
}
