//! When and how long to wait before trying a request again.

use std::time::{Duration, SystemTime};

/// How the client retries idempotent requests (GET, HEAD, PUT, DELETE, searches and conditional
/// creates) after a connect error or a 429, 502, 503 or 504 answer: exponential backoff with
/// jitter, or exactly the wait the server asks for with `Retry-After`, all within a total budget.
/// A plain create (POST), a batch, a transaction, a PATCH and an operation are never retried.
///
/// ```
/// use std::time::Duration;
/// use fhir_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(5))
///     .budget(Duration::from_secs(20));
/// assert_eq!(policy.get_max_retries(), 5);
/// assert_eq!(RetryPolicy::none().get_max_retries(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    budget: Duration,
}

impl Default for RetryPolicy {
    /// Three retries, starting at 200 ms, at most 10 s apart, within 30 s in all.
    ///
    /// ```
    /// assert_eq!(fhir_client::RetryPolicy::default().get_max_retries(), 3);
    /// ```
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    ///
    /// ```
    /// let client = fhir_client::Client::builder("https://example.org/fhir")
    ///     .retry(fhir_client::RetryPolicy::none())
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// How many times a request may be sent again after its first attempt.
    ///
    /// ```
    /// let p = fhir_client::RetryPolicy::default().max_retries(1);
    /// assert_eq!(p.get_max_retries(), 1);
    /// ```
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The wait before the first retry; each later one doubles it, up to
    /// [`max_backoff`](Self::max_backoff). The wait actually taken is between half and all of it.
    ///
    /// ```
    /// let p = fhir_client::RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(50));
    /// ```
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest backoff between two attempts (a `Retry-After` may ask for more, within the budget).
    ///
    /// ```
    /// let p = fhir_client::RetryPolicy::default().max_backoff(std::time::Duration::from_secs(2));
    /// ```
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The total time a call may take once it retries: its requests and the waits between them
    /// (default 30 s). A wait that would end past it is not taken, and a retry still under way
    /// when it runs out is cut short; the last error is returned instead, saying so. When the
    /// server's `Retry-After` asks for more than is left, the client stops at once, and the
    /// error names the wait the server asked for. The first attempt is bounded by the client's
    /// [`timeout`](crate::ClientBuilder::timeout) alone.
    ///
    /// ```
    /// let p = fhir_client::RetryPolicy::default().budget(std::time::Duration::from_secs(5));
    /// ```
    pub fn budget(mut self, d: Duration) -> Self {
        self.budget = d;
        self
    }

    /// The configured budget.
    ///
    /// ```
    /// assert_eq!(fhir_client::RetryPolicy::default().get_budget().as_secs(), 30);
    /// ```
    pub fn get_budget(&self) -> std::time::Duration {
        self.budget
    }

    /// What to do after an answer worth retrying: wait, give up (retries used up), or stop
    /// because the server asked for a wait longer than what is left of the budget.
    pub(crate) fn decide(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
        random: f64,
    ) -> Decision {
        if let (Some(asked), true) = (retry_after, retry < self.max_retries) {
            let left = self.budget.saturating_sub(elapsed);
            if asked > left {
                return Decision::BeyondBudget { asked, left };
            }
        }
        match self.delay(retry, retry_after, elapsed, random) {
            Some(wait) => Decision::Wait(wait),
            None => Decision::GiveUp,
        }
    }

    /// The configured number of retries.
    ///
    /// ```
    /// assert_eq!(fhir_client::RetryPolicy::none().get_max_retries(), 0);
    /// ```
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retry` (0 for the first), or `None` to give up.
    ///
    /// `retry_after` is the server's wish, taken as it is; `elapsed` is the time spent so far;
    /// `random` in `[0, 1)` places the backoff between half and all of its nominal value.
    pub(crate) fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
        random: f64,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let wait = match retry_after {
            Some(wait) => wait,
            None => backoff(self.initial_backoff, self.max_backoff, retry, random),
        };
        if elapsed.saturating_add(wait) > self.budget {
            return None;
        }
        Some(wait)
    }
}

/// What [`RetryPolicy::decide`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then send again.
    Wait(Duration),
    /// No retry left (or the backoff would end past the budget).
    GiveUp,
    /// The server asked (`Retry-After`) for a wait longer than what is left of the budget.
    BeyondBudget {
        /// The wait asked for.
        asked: Duration,
        /// What was left of the budget.
        left: Duration,
    },
}

/// Exponential backoff with "equal jitter": half the nominal wait, plus up to the other half.
pub(crate) fn backoff(initial: Duration, max: Duration, retry: u32, random: f64) -> Duration {
    let factor = 2u32.saturating_pow(retry.min(20));
    let nominal = initial.saturating_mul(factor).min(max);
    let half = nominal / 2;
    half + half.mul_f64(random.clamp(0.0, 1.0))
}

/// The statuses worth another attempt: too many requests, bad gateway, unavailable, gateway timeout.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// `Retry-After`: a number of seconds, or an HTTP date (a date in the past means now).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let i = Duration::from_millis(100);
        let m = Duration::from_secs(1);
        assert_eq!(backoff(i, m, 0, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(i, m, 0, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(i, m, 2, 1.0), Duration::from_millis(400));
        assert_eq!(backoff(i, m, 10, 1.0), m);
        assert_eq!(backoff(i, m, 60, 0.5), Duration::from_millis(750));
        let d = backoff(i, m, 1, 0.3);
        assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200));
    }

    #[test]
    fn delay_respects_count_budget_and_retry_after() {
        let p = RetryPolicy::default()
            .max_retries(2)
            .initial_backoff(Duration::from_millis(100))
            .budget(Duration::from_secs(5));
        assert_eq!(
            p.delay(0, None, Duration::ZERO, 1.0),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3)), Duration::ZERO, 0.0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.delay(2, None, Duration::ZERO, 0.0), None);
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(6)), Duration::ZERO, 0.0),
            None
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2)), Duration::from_secs(4), 0.0),
            None
        );
        assert_eq!(
            RetryPolicy::none().delay(0, None, Duration::ZERO, 0.0),
            None
        );
    }

    #[test]
    fn a_retry_after_past_the_budget_is_reported() {
        let p = RetryPolicy::default().budget(Duration::from_millis(1500));
        assert_eq!(
            p.decide(0, Some(Duration::from_secs(2)), Duration::ZERO, 0.0),
            Decision::BeyondBudget {
                asked: Duration::from_secs(2),
                left: Duration::from_millis(1500)
            }
        );
        assert_eq!(
            p.decide(0, Some(Duration::from_secs(1)), Duration::ZERO, 0.0),
            Decision::Wait(Duration::from_secs(1))
        );
        // With no retry left, the wait asked for does not matter.
        assert_eq!(
            RetryPolicy::none().decide(0, Some(Duration::from_secs(99)), Duration::ZERO, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [400, 401, 404, 409, 410, 412, 500, 501] {
            assert!(!is_retryable_status(s));
        }
    }
}
