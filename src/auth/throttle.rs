//! How long a sign-in must wait after failures: nothing for the first few
//! (people mistype), then a delay that doubles with each further failure.

use chrono::Duration;

/// Failures on one account before waiting starts.
pub const ACCOUNT_FREE_FAILURES: i32 = 5;
/// Failures from one address before waiting starts: higher, because an
/// office of agents may share one address.
pub const ADDRESS_FREE_FAILURES: i32 = 20;
const FIRST_DELAY_SECS: i64 = 30;
const MAX_DELAY_SECS: i64 = 15 * 60;
/// Failures older than this are forgiven.
pub const FORGET_AFTER: Duration = Duration::hours(1);

pub fn delay(failures: i32, free: i32) -> Duration {
    if failures < free {
        return Duration::zero();
    }
    let doublings = (failures - free).min(10) as u32;
    Duration::seconds((FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_a_few_failures() {
        assert_eq!(delay(4, ACCOUNT_FREE_FAILURES), Duration::zero());
        assert_eq!(delay(5, ACCOUNT_FREE_FAILURES), Duration::seconds(30));
        assert_eq!(delay(6, ACCOUNT_FREE_FAILURES), Duration::seconds(60));
        assert_eq!(delay(7, ACCOUNT_FREE_FAILURES), Duration::seconds(120));
        assert_eq!(delay(50, ACCOUNT_FREE_FAILURES), Duration::minutes(15));
        assert_eq!(delay(19, ADDRESS_FREE_FAILURES), Duration::zero());
    }
}
