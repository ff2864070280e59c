//! Per-address rate limits on the doors anyone can knock on without an
//! account: filing (the form, the API, a customer's message), signing in,
//! and asking for a fresh link ("find my request").
//! Each sign-in costs an argon2 hash and each ticket a write, so a single
//! address must not be able to spend the server's time for everyone else.
//!
//! One server on SQLite keeps them in memory; on PostgreSQL they are kept
//! in the database (`db::limits`), so that several servers behind a
//! balancer count one quota (issue 31) — one statement per check. They
//! are generous on purpose: Chinese mobile carriers put many customers
//! behind one address.

use std::fmt::Display;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::{HttpMessage, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::config::Config;
use crate::db::DbPool;
use crate::error::AppError;

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// One limit: so many requests a minute per key (an address, an API
/// token), all of them at once at most (the bucket refills evenly over the
/// minute).
pub struct Limit<K: Hash + Eq + Clone = IpAddr> {
    limiter: Option<Limiter<K>>,
    /// Counted in the database, for every server, instead of `limiter`.
    shared: Option<Shared>,
    /// Requests a period (a minute, or an hour).
    quota: u32,
    /// The seconds the bucket takes to refill (60 for a per-minute quota).
    period_secs: u64,
    /// Checks since the table of keys was last pruned.
    checks: AtomicU32,
}

/// Where a key stands after a check, for the `RateLimit-*` headers
/// (draft-ietf-httpapi-ratelimit-headers): the quota, what is left of it,
/// and the seconds until it is whole again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
}

/// Forget addresses that are back to a full bucket every so many checks, so
/// the table stays as small as the set of recent clients.
const PRUNE_EVERY: u32 = 4096;

impl<K: Hash + Eq + Clone> Limit<K> {
    /// `per_minute` 0: no limit.
    pub fn per_minute(per_minute: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute)
            .map(|n| RateLimiter::dashmap(Quota::per_minute(n)).with_middleware::<StateInformationMiddleware>());
        Limit { limiter, shared: None, quota: per_minute, period_secs: 60, checks: AtomicU32::new(0) }
    }

    /// `per_hour` 0: no limit. For what costs a person, not the server: an
    /// email sent to them.
    pub fn per_hour(per_hour: u32) -> Self {
        let limiter = NonZeroU32::new(per_hour)
            .map(|n| RateLimiter::dashmap(Quota::per_hour(n)).with_middleware::<StateInformationMiddleware>());
        Limit { limiter, shared: None, quota: per_hour, period_secs: 3600, checks: AtomicU32::new(0) }
    }

    /// This limit counted in the database (`None`: in memory).
    pub fn shared(mut self, shared: Option<Shared>) -> Self {
        self.shared = shared;
        self
    }

    /// A request's share of the bucket, and the bucket's depth, in
    /// microseconds (GCRA's emission interval and burst tolerance).
    fn interval_and_period_us(&self) -> (i64, i64) {
        let interval = ((self.period_secs as i64 * 1_000_000) / i64::from(self.quota.max(1))).max(1);
        (interval, interval * i64::from(self.quota))
    }

    /// [`Limit::check`], leaving the key's state on the request, where the
    /// API's answer finds it for its `RateLimit-*` headers.
    pub async fn check_request(&self, req: &HttpRequest, key: K) -> Result<(), AppError>
    where
        K: Display,
    {
        let result = self.check(key).await;
        let state = match &result {
            Ok(Some(state)) => Some(*state),
            Ok(None) => None,
            Err(AppError::TooManyAttempts { retry_after_secs }) => {
                Some(RateState { limit: self.quota, remaining: 0, reset_secs: *retry_after_secs as u64 })
            }
            Err(_) => None,
        };
        if let Some(state) = state {
            req.extensions_mut().insert(state);
        }
        result.map(|_| ())
    }

    /// Whether `key` may spend `n` units now (spending them if so): a
    /// quota in bytes, say, rather than requests.
    pub async fn check_n(&self, key: K, n: u32) -> Result<bool, AppError>
    where
        K: Display,
    {
        if self.quota == 0 || n == 0 {
            return Ok(true);
        }
        if let Some(shared) = &self.shared {
            if n > self.quota {
                return Ok(false);
            }
            let (interval, period) = self.interval_and_period_us();
            let (row, cost) = (shared.key(&key), interval * i64::from(n));
            return Ok(shared.run(move |c| crate::db::limits::spend(c, &row, cost, period)).await?.is_ok());
        }
        let Some(limiter) = &self.limiter else { return Ok(true) };
        let Some(n) = NonZeroU32::new(n) else { return Ok(true) };
        Ok(matches!(limiter.check_key_n(&key, n), Ok(Ok(_))))
    }

    /// Counts one request for `key`; too many: how long to wait. Without a
    /// limit (0) there is no state to report.
    pub async fn check(&self, key: K) -> Result<Option<RateState>, AppError>
    where
        K: Display,
    {
        if self.quota == 0 {
            return Ok(None);
        }
        let Some(shared) = &self.shared else { return self.check_here(key) };
        let (shared, row, quota) = (shared.clone(), shared.key(&key), self.quota);
        let (interval, period) = self.interval_and_period_us();
        super::run(shared.pool.clone(), move |c| Shared::count_on(c, &row, quota, interval, period)).await
    }

    /// [`Limit::check`] from inside a database closure, on the connection
    /// it already holds (taking a second one from the same pool could
    /// leave every connection waiting for another).
    pub fn check_on(&self, conn: &mut crate::db::DbConn, key: K) -> Result<Option<RateState>, AppError>
    where
        K: Display,
    {
        if self.quota == 0 {
            return Ok(None);
        }
        let Some(shared) = &self.shared else { return self.check_here(key) };
        let (interval, period) = self.interval_and_period_us();
        Shared::count_on(conn, &shared.key(&key), self.quota, interval, period)
    }

    /// The in-memory check (one server).
    fn check_here(&self, key: K) -> Result<Option<RateState>, AppError> {
        let Some(limiter) = &self.limiter else { return Ok(None) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        match limiter.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // Each used request comes back after a minute / quota.
                let used = u64::from(self.quota.saturating_sub(remaining));
                let reset_secs = (used * self.period_secs).div_ceil(u64::from(self.quota));
                Ok(Some(RateState { limit: self.quota, remaining, reset_secs }))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                // Round up: "try again in 0 seconds" would be a lie.
                Err(AppError::TooManyAttempts { retry_after_secs: wait.as_secs() as i64 + 1 })
            }
        }
    }
}

/// A limit kept in PostgreSQL for every server: the pool it counts on and
/// the limit's name (part of each key).
#[derive(Clone)]
pub struct Shared {
    pool: DbPool,
    name: &'static str,
    /// The key of the keyed hash every server computes the same way.
    secret: std::sync::Arc<crate::domain::secret::Secret<String>>,
}

impl Shared {
    pub fn new(
        pool: DbPool,
        name: &'static str,
        secret: std::sync::Arc<crate::domain::secret::Secret<String>>,
    ) -> Self {
        Shared { pool, name, secret }
    }

    /// The row's key: an HMAC under a secret kept in the database (a plain
    /// hash of an IPv4 address is reversed by trying them all), so no
    /// address or token can be read back from the table.
    fn key(&self, key: &impl Display) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(format!("{}:{key}", self.name).as_bytes());
        hex::encode(mac.finalize().into_bytes())[..32].to_string()
    }

    /// One request counted in the database (blocking).
    fn count_on(
        conn: &mut crate::db::DbConn,
        row: &str,
        quota: u32,
        interval: i64,
        period: i64,
    ) -> Result<Option<RateState>, AppError> {
        match crate::db::limits::spend(conn, row, interval, period)? {
            Ok(s) => {
                let ahead = (s.tat_us - s.now_us).max(0);
                let remaining = ((period - ahead).max(0) / interval) as u32;
                Ok(Some(RateState {
                    limit: quota,
                    remaining: remaining.min(quota),
                    reset_secs: (ahead as u64).div_ceil(1_000_000),
                }))
            }
            Err(s) => {
                // Room for one more once the TAT is less than a period
                // minus one request ahead of now.
                let wait_us = (s.tat_us - s.now_us - (period - interval)).max(0);
                Err(AppError::TooManyAttempts { retry_after_secs: (wait_us as u64).div_ceil(1_000_000).max(1) as i64 })
            }
        }
    }

    /// Runs a limits query on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::db::DbConn) -> diesel::QueryResult<T> + Send + 'static,
    ) -> Result<T, AppError> {
        super::run(self.pool.clone(), move |c| Ok(f(c)?)).await
    }
}

pub struct RateLimits {
    pub intake: Limit,
    pub sign_in: Limit,
    /// The staff API, per token (its hash: no token is kept in memory).
    pub api: Limit<String>,
    /// "Find my request": fresh links mailed for one request an hour
    /// (counted for right pairs only: the owner's inbox is not flooded).
    pub find: Limit<String>,
    /// "Find my request": wrong reference-and-email pairs, per asking
    /// address.
    pub find_misses: Failures,
    /// KiB of screenshots one address may leave as drafts an hour.
    pub draft_kib: Limit,
}

/// KiB of screenshot drafts one address may leave an hour: ten screenshots
/// at the largest size.
pub const DRAFT_KIB_PER_HOUR: u32 = 50 * 1024;

/// Fresh links one request may be mailed an hour.
pub const FIND_PER_HOUR: u32 = 3;

/// Wrong reference-and-email pairs one address may try at "find my
/// request" in an hour.
pub const FIND_MISSES_PER_HOUR: usize = 3;

/// Failures counted per key over a sliding window, only when they
/// happen, and asked about without counting: "find my request" counts an
/// asker's wrong guesses (never their right ones, and never against the
/// request they guessed at, so nobody can lock its owner out). governor's
/// limiters count every check, which is why this one is written here.
pub struct Failures<K: Hash + Eq + Clone = IpAddr> {
    max: usize,
    window: std::time::Duration,
    seen: std::sync::Mutex<std::collections::HashMap<K, Vec<std::time::Instant>>>,
    /// Counted in the database for every server: each failure takes
    /// `window / max` of a bucket `window` deep (GCRA), so `max` failures
    /// block until the oldest share has drained.
    shared: Option<Shared>,
}

impl<K: Hash + Eq + Clone + Display> Failures<K> {
    pub fn new(max: usize, window: std::time::Duration) -> Self {
        Failures { max, window, seen: Default::default(), shared: None }
    }

    /// These failures counted in the database (`None`: in memory).
    pub fn shared(mut self, shared: Option<Shared>) -> Self {
        self.shared = shared;
        self
    }

    fn interval_and_window_us(&self) -> (i64, i64) {
        let window = self.window.as_micros() as i64;
        ((window / self.max.max(1) as i64).max(1), window)
    }

    /// `Some(seconds to wait)` while `key` has failed `max` times within
    /// the window.
    pub async fn blocked(&self, key: &K) -> Result<Option<u64>, AppError> {
        if self.max == 0 {
            return Ok(None);
        }
        let Some(shared) = &self.shared else { return Ok(self.blocked_here(key)) };
        let (interval, window) = self.interval_and_window_us();
        let row = shared.key(key);
        let s = shared.run(move |c| crate::db::limits::standing(c, &row)).await?;
        let over = s.tat_us - s.now_us - (window - interval);
        Ok((over > 0).then(|| (over as u64).div_ceil(1_000_000)))
    }

    /// Counts one failure for `key`.
    pub async fn failed(&self, key: K) -> Result<(), AppError> {
        let Some(shared) = &self.shared else {
            self.failed_here(key);
            return Ok(());
        };
        let (interval, _) = self.interval_and_window_us();
        let row = shared.key(&key);
        shared.run(move |c| crate::db::limits::count(c, &row, interval)).await?;
        Ok(())
    }

    fn blocked_here(&self, key: &K) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let times = seen.get(key)?;
        let recent: Vec<_> = times.iter().filter(|t| t.elapsed() < self.window).collect();
        if self.max == 0 || recent.len() < self.max {
            return None;
        }
        // Free again when the oldest of the last `max` failures leaves the
        // window.
        let oldest = recent[recent.len() - self.max];
        Some(self.window.saturating_sub(oldest.elapsed()).as_secs() + 1)
    }

    fn failed_here(&self, key: K) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Keys whose failures have all left the window are dropped, so the
        // map holds only recent askers.
        if seen.len() >= PRUNE_EVERY as usize {
            let window = self.window;
            seen.retain(|_, times| times.iter().any(|t| t.elapsed() < window));
        }
        let times = seen.entry(key).or_default();
        times.retain(|t| t.elapsed() < self.window);
        times.push(std::time::Instant::now());
    }
}

impl RateLimits {
    /// `shared`: the pool of a PostgreSQL database, whose limits every
    /// server counts against, and the secret its keys are hashed with;
    /// `None`: this process counts alone.
    pub fn new(config: &Config, shared: Option<(DbPool, crate::domain::secret::Secret<String>)>) -> Self {
        let shared = shared.map(|(pool, secret)| (pool, std::sync::Arc::new(secret)));
        let on = |name: &'static str| shared.clone().map(|(pool, secret)| Shared::new(pool, name, secret));
        RateLimits {
            intake: Limit::per_minute(config.intake_per_minute).shared(on("intake")),
            sign_in: Limit::per_minute(config.sign_in_per_minute).shared(on("sign_in")),
            api: Limit::per_minute(config.api_per_minute).shared(on("api")),
            find: Limit::per_hour(FIND_PER_HOUR).shared(on("find")),
            find_misses: Failures::new(FIND_MISSES_PER_HOUR, std::time::Duration::from_secs(3600))
                .shared(on("find_misses")),
            draft_kib: Limit::per_hour(DRAFT_KIB_PER_HOUR).shared(on("draft_kib")),
        }
    }
}

/// The client's address, as a rate-limit key. Behind a reverse proxy, the
/// header it sets (`--client-ip-header`, e.g. `X-Real-IP`) names the client;
/// otherwise the peer is the client. An IPv6 client is its /64: one
/// subscriber gets a whole /64 and could otherwise take a fresh address for
/// every request.
pub fn client_address(req: &HttpRequest, config: &Config) -> IpAddr {
    let from_header = config
        .client_ip_header
        .as_deref()
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        // X-Forwarded-For lists hops; the last one was added by our proxy.
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    let address =
        from_header.or_else(|| req.peer_addr().map(|a| a.ip())).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_per_address_and_says_how_long_to_wait() {
        let limit: Limit = Limit::per_minute(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limit.check_here(a).is_ok());
        }
        match limit.check_here(a) {
            Err(AppError::TooManyAttempts { retry_after_secs }) => assert!((1..=21).contains(&retry_after_secs)),
            other => panic!("expected a wait, got {other:?}"),
        }
        assert!(limit.check_here(b).is_ok(), "another address has its own quota");
    }

    #[test]
    fn failures_are_counted_only_when_they_happen_and_per_key() {
        let failures: Failures = Failures::new(3, std::time::Duration::from_secs(3600));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..10 {
            assert_eq!(failures.blocked_here(&a), None, "asking counts nothing");
        }
        for _ in 0..3 {
            assert_eq!(failures.blocked_here(&a), None);
            failures.failed_here(a);
        }
        let wait = failures.blocked_here(&a).expect("three failures: blocked");
        assert!((3500..=3601).contains(&wait), "{wait}");
        assert_eq!(failures.blocked_here(&b), None, "another asker is not");
        let short: Failures = Failures::new(1, std::time::Duration::from_millis(30));
        short.failed_here(a);
        assert!(short.blocked_here(&a).is_some());
        std::thread::sleep(std::time::Duration::from_millis(40));
        assert_eq!(short.blocked_here(&a), None, "failures leave the window");
    }

    #[test]
    fn zero_means_no_limit() {
        let limit: Limit = Limit::per_minute(0);
        for _ in 0..10_000 {
            assert!(limit.check_here("10.0.0.1".parse().unwrap()).is_ok());
        }
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64_and_a_header_names_the_client_behind_a_proxy() {
        let mut config = Config::new("sqlite://x");
        let req = actix_web::test::TestRequest::default()
            .peer_addr("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:4000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_address(&req, &config), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        config.client_ip_header = Some("X-Forwarded-For".into());
        let req = actix_web::test::TestRequest::default()
            .peer_addr("127.0.0.1:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "198.51.100.7, 203.0.113.9"))
            .to_http_request();
        assert_eq!(client_address(&req, &config), "203.0.113.9".parse::<IpAddr>().unwrap());
        // Without the header the peer counts.
        let req = actix_web::test::TestRequest::default().peer_addr("192.0.2.1:1".parse().unwrap()).to_http_request();
        assert_eq!(client_address(&req, &config), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
