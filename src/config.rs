//! Settings, from the command line or the environment (see README).

/// `Debug` (below) prints the URLs without their credentials.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0: any free port).
    pub bind: String,
    /// Where `/metrics` is served, never on `bind` (queue depths and volumes
    /// are not for the public); none: not served.
    pub metrics_bind: Option<String>,
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Base of the absolute links we give out (tracking links). Defaults to
    /// `http://` + the bound address.
    pub public_url: Option<String>,
    pub max_screenshot_bytes: usize,
    pub db_pool_size: u32,
    /// HTTP worker threads; the number of cores when unset.
    pub workers: Option<usize>,
    /// Mark cookies `Secure` (served over HTTPS).
    pub secure_cookies: bool,
    /// `smtp://…`; none: messages are written to `mail_dir` as `.eml` files.
    pub smtp_url: Option<String>,
    pub mail_dir: String,
    /// The sender of every message.
    pub mail_from: String,
    /// How often the sending worker looks for due messages.
    pub mail_poll_ms: u64,
    /// The first retry's wait; each next one doubles it.
    pub mail_retry_base_secs: i64,
    /// Tries before a message goes to the dead letters.
    pub mail_max_attempts: i32,
    /// A routing rules file; none: the built-in `src/routing/default_rules.toml`.
    pub rules_path: Option<String>,
    /// Where approved escalations to engineering go.
    pub engineering_email: String,
    /// Where approved escalations to the payment provider go.
    pub provider_email: String,
    /// How often time-driven work runs (resolving silent self-service
    /// tickets, provider escalations, breach notices), in seconds.
    pub sweep_secs: u64,
    /// A self-service ticket with no answer for this long is resolved.
    pub self_service_timeout_hours: i64,
    /// Money taken and not credited for this long goes to the provider.
    pub provider_after_days: i64,
    /// Tickets (and customer messages) one client address may send a
    /// minute; 0: no limit.
    pub intake_per_minute: u32,
    /// Sign-in attempts one client address may make a minute; 0: no limit.
    pub sign_in_per_minute: u32,
    /// The header a reverse proxy sets to the client's address (e.g.
    /// `X-Real-IP`); none: the peer address is the client's.
    pub client_ip_header: Option<String>,
    /// Screenshots of a closed ticket are deleted this many days after its
    /// last change; 0: kept forever.
    pub screenshot_retention_days: i64,
    /// A closed ticket's contact email is anonymised this many days after
    /// its last change; 0: kept forever.
    pub email_retention_days: i64,
}

/// A URL with any `user:password@` replaced by `***@`, for logs and `Debug`.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_dir", &self.mail_dir)
            .field("rules_path", &self.rules_path)
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_METRICS_BIND: &str = "127.0.0.1:9898";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://paydesk.db";
pub const DEFAULT_MAX_SCREENSHOT_BYTES: usize = 5 * 1024 * 1024;

impl Config {
    /// Defaults for a database; what tests and `paydesk serve` start from.
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            bind: DEFAULT_BIND.to_string(),
            metrics_bind: Some(DEFAULT_METRICS_BIND.to_string()),
            database_url: database_url.into(),
            public_url: None,
            max_screenshot_bytes: DEFAULT_MAX_SCREENSHOT_BYTES,
            db_pool_size: 8,
            workers: None,
            secure_cookies: false,
            smtp_url: None,
            mail_dir: "mail-outbox".to_string(),
            mail_from: "paydesk <noreply@paydesk.localhost>".to_string(),
            mail_poll_ms: 1000,
            mail_retry_base_secs: 30,
            mail_max_attempts: 8,
            rules_path: None,
            engineering_email: "engineering@paydesk.localhost".to_string(),
            provider_email: "payment-provider@paydesk.localhost".to_string(),
            sweep_secs: 60,
            self_service_timeout_hours: 72,
            provider_after_days: 3,
            intake_per_minute: 30,
            sign_in_per_minute: 30,
            client_ip_header: None,
            screenshot_retention_days: 90,
            email_retention_days: 365,
        }
    }

    pub fn retention(&self) -> crate::domain::retention::Policy {
        crate::domain::retention::Policy {
            screenshot_days: self.screenshot_retention_days,
            email_days: self.email_retention_days,
        }
    }

    /// The largest request body accepted: a screenshot plus room for the
    /// text fields and multipart framing.
    pub fn max_body_bytes(&self) -> usize {
        self.max_screenshot_bytes + 512 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_credentials() {
        let mut c = Config::new("postgres://paydesk:db-secret@db.internal/paydesk");
        c.smtp_url = Some("smtps://mailer:smtp-secret@mail.example.com:465".into());
        let printed = format!("{c:?}");
        assert!(!printed.contains("db-secret") && !printed.contains("smtp-secret"), "{printed}");
        assert!(printed.contains("postgres://***@db.internal/paydesk"), "{printed}");
        assert_eq!(redact_url("sqlite://paydesk.db"), "sqlite://paydesk.db");
        assert_eq!(redact_url("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }
}
