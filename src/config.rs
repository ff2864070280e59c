//! Settings, from the command line or the environment. Each is declared
//! once, here: its flag, its variable, its default and its help text; the
//! README's table is checked against `paydesk serve --help` by a test.

use clap::{CommandFactory, FromArgMatches};

use crate::domain::secret::Secret;

/// The URLs that may carry credentials are [`Secret`]s: `Debug` prints
/// `***` for them.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on (port 0: any free port)
    #[arg(long, env = "PAYDESK_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Where Prometheus metrics (`/metrics`) are served, apart from the public
    /// listener, which never serves them; "off": not served
    #[arg(long, env = "PAYDESK_METRICS_BIND", default_value = DEFAULT_METRICS_BIND)]
    pub metrics_bind: String,
    /// `sqlite://path` or `postgres://…`: the global `--database-url`.
    #[arg(skip = Secret::new(DEFAULT_DATABASE_URL.to_string()))]
    pub database_url: Secret<String>,
    /// Base of the links given to customers, e.g. https://help.example.com
    /// (default: http:// + the bound address)
    #[arg(long, env = "PAYDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest screenshot accepted, in MiB
    #[arg(
        long = "max-screenshot-mb",
        env = "PAYDESK_MAX_SCREENSHOT_MB",
        value_name = "MIB",
        default_value = "5",
        value_parser = mebibytes
    )]
    pub max_screenshot_bytes: usize,
    /// A PostgreSQL streaming replica the queue, the dashboard and the API's
    /// lists read from; a browser reads the primary for 5 s after it wrote
    /// (default: everything reads the primary)
    #[arg(long, env = "PAYDESK_DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<Secret<String>>,
    /// Database connections kept open
    #[arg(long = "db-pool", env = "PAYDESK_DB_POOL", value_name = "N", default_value_t = 8)]
    pub db_pool_size: u32,
    /// On SIGTERM, how long the requests in flight and the jobs' current
    /// rounds get to finish, in seconds (/readyz answers 503 meanwhile)
    #[arg(long = "shutdown-timeout", env = "PAYDESK_SHUTDOWN_TIMEOUT", value_name = "SECS", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads (default: one per core)
    #[arg(long, env = "PAYDESK_WORKERS")]
    pub workers: Option<usize>,
    /// Mark cookies Secure (default: when the public URL is https)
    #[arg(long = "secure-cookies", env = "PAYDESK_SECURE_COOKIES", value_name = "BOOL")]
    pub secure_cookies_setting: Option<bool>,
    /// smtp://host:port, smtp://user:pass@host:587?tls=required, smtps://host:465
    /// (default: write messages as .eml files to --mail-dir)
    #[arg(long, env = "PAYDESK_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret<String>>,
    /// Folder for .eml files when no SMTP server is set
    #[arg(long, env = "PAYDESK_MAIL_DIR", default_value = "mail-outbox")]
    pub mail_dir: String,
    /// The sender of every message
    #[arg(long, env = "PAYDESK_MAIL_FROM", default_value = "paydesk <noreply@paydesk.localhost>")]
    pub mail_from: String,
    /// Mailbox to read customers' email from: imaps://user:pass@host:993/INBOX
    /// (imap:// without TLS only for a server on the same machine or network;
    /// default: no inbound email)
    #[arg(long, env = "PAYDESK_IMAP_URL", hide_env_values = true)]
    pub imap_url: Option<Secret<String>>,
    /// The address replies come back to; each message to a customer gets
    /// `Reply-To: <local>+<token>@<domain>` (needs --imap-url reading it)
    #[arg(long, env = "PAYDESK_REPLY_ADDRESS")]
    pub reply_address: Option<String>,
    /// Longest wait between two looks at the inbound mailbox, in seconds (the
    /// server's IDLE wakes it sooner)
    #[arg(long, env = "PAYDESK_IMAP_POLL_SECS", default_value_t = 60)]
    pub imap_poll_secs: u64,
    /// Largest inbound email read, in MiB (a larger one is logged, not read)
    #[arg(
        long = "max-inbound-mb",
        env = "PAYDESK_MAX_INBOUND_MB",
        value_name = "MIB",
        default_value = "20",
        value_parser = mebibytes
    )]
    pub max_inbound_bytes: usize,
    /// How often the sending worker looks for due messages, in milliseconds
    #[arg(long, env = "PAYDESK_MAIL_POLL_MS", default_value_t = 1000)]
    pub mail_poll_ms: u64,
    /// The first retry's wait in seconds; each next one doubles it
    #[arg(long, env = "PAYDESK_MAIL_RETRY_BASE_SECS", default_value_t = 30)]
    pub mail_retry_base_secs: i64,
    /// Tries before a message goes to the dead letters
    #[arg(long, env = "PAYDESK_MAIL_MAX_ATTEMPTS", default_value_t = 8)]
    pub mail_max_attempts: i32,
    /// Routing rules file (default: the built-in rules)
    #[arg(long = "rules", env = "PAYDESK_RULES", value_name = "FILE")]
    pub rules_path: Option<String>,
    /// Every queue on this calendar (`24x7`, `cn-workdays` or an admin's),
    /// in place of the rules file's; an admin's choice per queue still
    /// comes first (default: the rules file's calendars)
    #[arg(long, env = "PAYDESK_CALENDAR", value_name = "NAME")]
    pub calendar: Option<String>,
    /// Where approved escalations to engineering go
    #[arg(long, env = "PAYDESK_ENGINEERING_EMAIL", default_value = "engineering@paydesk.localhost")]
    pub engineering_email: String,
    /// Where approved escalations to the payment provider go
    #[arg(long, env = "PAYDESK_PROVIDER_EMAIL", default_value = "payment-provider@paydesk.localhost")]
    pub provider_email: String,
    /// How often time-driven work runs (resolving silent self-service
    /// tickets, provider escalations, breach notices), in seconds
    #[arg(long, env = "PAYDESK_SWEEP_SECS", default_value_t = 60)]
    pub sweep_secs: u64,
    /// Self-service tickets with no answer for this many hours are resolved
    #[arg(long, env = "PAYDESK_SELF_SERVICE_TIMEOUT_HOURS", default_value_t = 72)]
    pub self_service_timeout_hours: i64,
    /// Money taken and not credited for this many days goes to the provider (after review)
    #[arg(long, env = "PAYDESK_PROVIDER_AFTER_DAYS", default_value_t = 3)]
    pub provider_after_days: i64,
    /// Tickets and customer messages one client address may send a minute (0: no limit)
    #[arg(long, env = "PAYDESK_INTAKE_PER_MINUTE", default_value_t = 30)]
    pub intake_per_minute: u32,
    /// Sign-in attempts one client address may make a minute (0: no limit)
    #[arg(long, env = "PAYDESK_SIGN_IN_PER_MINUTE", default_value_t = 30)]
    pub sign_in_per_minute: u32,
    /// Let webhooks reach loopback and private-network addresses (refused by
    /// default, so that a webhook cannot reach the internal network)
    #[arg(long, env = "PAYDESK_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// Staff API requests one token may make a minute (0: no limit)
    #[arg(long, env = "PAYDESK_API_PER_MINUTE", default_value_t = 600)]
    pub api_per_minute: u32,
    /// The header your reverse proxy sets to the client's address, e.g. X-Real-IP
    /// (default: the connecting address is the client's)
    #[arg(long, env = "PAYDESK_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    #[command(flatten)]
    pub retention: Retention,
    #[command(flatten)]
    pub payments: crate::payments::Settings,
    #[command(flatten)]
    pub sms: crate::sms::Settings,
}

/// How long a closed ticket keeps its personal data (`serve` and `purge`).
#[derive(Debug, Clone, clap::Args)]
pub struct Retention {
    /// Days after a closed ticket's last change its screenshots are deleted (0: never)
    #[arg(long, env = "PAYDESK_SCREENSHOT_RETENTION_DAYS", default_value_t = 90)]
    pub screenshot_retention_days: i64,
    /// Days after a closed ticket's last change its contact email and mobile number are anonymised (0: never)
    #[arg(long, env = "PAYDESK_EMAIL_RETENTION_DAYS", default_value_t = 365)]
    pub email_retention_days: i64,
}

impl Retention {
    pub fn policy(&self) -> crate::domain::retention::Policy {
        crate::domain::retention::Policy {
            screenshot_days: self.screenshot_retention_days,
            email_days: self.email_retention_days,
        }
    }
}

/// `--max-screenshot-mb` → bytes.
fn mebibytes(value: &str) -> Result<usize, String> {
    let mib: usize = value.parse().map_err(|_| format!("{value:?} is not a whole number of MiB"))?;
    mib.checked_mul(1024 * 1024).filter(|b| *b > 0).ok_or_else(|| format!("{value} MiB is out of range"))
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_METRICS_BIND: &str = "127.0.0.1:9898";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://paydesk.db";

/// Only to read the declared defaults.
#[derive(clap::Parser)]
struct Defaults {
    #[command(flatten)]
    config: Config,
}

impl Config {
    /// The declared defaults, for a database; what tests start from. The
    /// environment is not read here: only `paydesk serve` reads it.
    pub fn new(database_url: impl Into<String>) -> Self {
        let command = Defaults::command().mut_args(|a| a.env(None::<&str>));
        let matches = command.try_get_matches_from(["paydesk"]).expect("every setting has a valid default");
        let mut config = Defaults::from_arg_matches(&matches).expect("the defaults parse").config;
        config.database_url = Secret::new(database_url.into());
        config
    }

    /// Where `/metrics` is served; none when set to "off".
    pub fn metrics_listener(&self) -> Option<&str> {
        (self.metrics_bind != "off").then_some(self.metrics_bind.as_str())
    }

    /// Cookies are marked `Secure` when set so, or else when the public URL
    /// is https.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies_setting
            .unwrap_or_else(|| self.public_url.as_deref().is_some_and(|u| u.starts_with("https://")))
    }

    pub fn retention(&self) -> crate::domain::retention::Policy {
        self.retention.policy()
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
        c.smtp_url = Some(Secret::new("smtps://mailer:smtp-secret@mail.example.com:465".into()));
        let printed = format!("{c:?}");
        for secret in ["db-secret", "smtp-secret", "db.internal", "mail.example.com"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("database_url: ***") && printed.contains("smtp_url: Some(***)"), "{printed}");
        assert!(printed.contains("bind: \"127.0.0.1:8080\""), "the rest is shown: {printed}");
    }

    #[test]
    fn defaults_come_from_the_declarations() {
        let c = Config::new("sqlite://x.db");
        assert_eq!(c.bind, DEFAULT_BIND);
        assert_eq!(c.metrics_listener(), Some(DEFAULT_METRICS_BIND));
        assert_eq!(c.max_screenshot_bytes, 5 * 1024 * 1024);
        assert_eq!(c.retention.email_retention_days, 365);
        assert!(!c.secure_cookies());
        let https = Config { public_url: Some("https://help.example.com".into()), ..c.clone() };
        assert!(https.secure_cookies());
        let off = Config { metrics_bind: "off".into(), secure_cookies_setting: Some(false), ..https };
        assert_eq!(off.metrics_listener(), None);
        assert!(!off.secure_cookies());
        assert_eq!(mebibytes("2"), Ok(2 * 1024 * 1024));
        assert!(mebibytes("0").is_err() && mebibytes("x").is_err());
    }
}
