//! Settings, from the command line or the environment (see README).

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0: any free port).
    pub bind: String,
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
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://paydesk.db";
pub const DEFAULT_MAX_SCREENSHOT_BYTES: usize = 5 * 1024 * 1024;

impl Config {
    /// Defaults for a database; what tests and `paydesk serve` start from.
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            bind: DEFAULT_BIND.to_string(),
            database_url: database_url.into(),
            public_url: None,
            max_screenshot_bytes: DEFAULT_MAX_SCREENSHOT_BYTES,
            db_pool_size: 8,
            workers: None,
            secure_cookies: false,
        }
    }

    /// The largest request body accepted: a screenshot plus room for the
    /// text fields and multipart framing.
    pub fn max_body_bytes(&self) -> usize {
        self.max_screenshot_bytes + 512 * 1024
    }
}
