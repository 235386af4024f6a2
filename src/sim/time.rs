//! Simulated time: microseconds in a `u64`, advanced only by the driver.

/// A moment of simulated time, in microseconds since the start of the run.
pub type SimTime = u64;

/// One simulated millisecond.
pub const MS: SimTime = 1_000;

/// One simulated second.
pub const SEC: SimTime = 1_000_000;

/// Formats a simulated time for people: `1.234 s` or `56.7 ms`.
pub fn format_time(t: SimTime) -> String {
    if t >= SEC {
        format!("{:.3} s", t as f64 / SEC as f64)
    } else {
        format!("{:.1} ms", t as f64 / MS as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_seconds_and_milliseconds() {
        assert_eq!(format_time(1_234_000), "1.234 s");
        assert_eq!(format_time(56_700), "56.7 ms");
    }
}
