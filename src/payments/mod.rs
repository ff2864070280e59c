//! Payment truth (issue 17): ask the payment provider about the payment a
//! ticket names, and the merchant's own order system about the bill, so
//! "money taken, bill unpaid" is a fact, not a guess.
//!
//! Each provider is an adapter behind [`Provider`]; the merchant's order
//! system is [`merchant::OrderSystem`]. Checks run in the background worker
//! ([`worker`]), never in a request: a job is written with the intake (or
//! an agent's "check now") and retried with backoff; an answer whose
//! signature or time does not check out is never acted on.

use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::domain::codes::{BillState, CheckState, PaymentMethod, RefundState};
use crate::domain::secret::Secret;

pub mod alipay;
pub mod merchant;
pub mod wechat;

/// The settings, from the command line or the environment (`paydesk serve
/// --help`). Leaving a provider's settings out leaves its payments
/// unchecked; giving some but not all stops start-up naming the missing.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// WeChat Pay merchant id (mchid); with the four settings below, payments by WeChat Pay are checked
    #[arg(long, env = "PAYDESK_WECHATPAY_MCHID")]
    pub wechatpay_mchid: Option<String>,
    /// Serial number of the merchant's API certificate
    #[arg(long, env = "PAYDESK_WECHATPAY_SERIAL")]
    pub wechatpay_serial: Option<String>,
    /// The merchant's API private key (PEM file, apiclient_key.pem)
    #[arg(long, env = "PAYDESK_WECHATPAY_PRIVATE_KEY", value_name = "FILE")]
    pub wechatpay_private_key: Option<PathBuf>,
    /// The WeChat Pay public key that signs its answers (PEM file)
    #[arg(long, env = "PAYDESK_WECHATPAY_PUBLIC_KEY", value_name = "FILE")]
    pub wechatpay_public_key: Option<PathBuf>,
    /// That public key's id (PUB_KEY_ID_…), as answers name it in Wechatpay-Serial
    #[arg(long, env = "PAYDESK_WECHATPAY_PUBLIC_KEY_ID")]
    pub wechatpay_public_key_id: Option<String>,
    /// WeChat Pay's API
    #[arg(long, env = "PAYDESK_WECHATPAY_BASE_URL", default_value = "https://api.mch.weixin.qq.com")]
    pub wechatpay_base_url: String,
    /// Alipay app id; with the two keys below, payments by Alipay are checked
    #[arg(long, env = "PAYDESK_ALIPAY_APP_ID")]
    pub alipay_app_id: Option<String>,
    /// The app's private key (PEM file), for RSA2 request signatures
    #[arg(long, env = "PAYDESK_ALIPAY_PRIVATE_KEY", value_name = "FILE")]
    pub alipay_private_key: Option<PathBuf>,
    /// The Alipay public key that signs its answers (PEM file)
    #[arg(long, env = "PAYDESK_ALIPAY_PUBLIC_KEY", value_name = "FILE")]
    pub alipay_public_key: Option<PathBuf>,
    /// Alipay's gateway
    #[arg(long, env = "PAYDESK_ALIPAY_GATEWAY", default_value = "https://openapi.alipay.com/gateway.do")]
    pub alipay_gateway: String,
    /// The merchant's order system (the bill's state; contract in the README)
    #[arg(long, env = "PAYDESK_ORDERS_URL")]
    pub orders_url: Option<String>,
    /// The secret shared with the order system, for HMAC-signed requests and answers
    #[arg(long, env = "PAYDESK_ORDERS_SECRET", hide_env_values = true)]
    pub orders_secret: Option<Secret<String>>,
    /// A payment check's first retry wait in seconds; each next one doubles it
    #[arg(long, env = "PAYDESK_PAYMENT_RETRY_BASE_SECS", default_value_t = 30)]
    pub payment_retry_base_secs: i64,
    /// Tries of a payment check before the agent is shown why it failed
    #[arg(long, env = "PAYDESK_PAYMENT_MAX_ATTEMPTS", default_value_t = 5)]
    pub payment_max_attempts: i32,
    /// How often a refund under way is asked about, in seconds
    #[arg(long, env = "PAYDESK_REFUND_CHECK_SECS", default_value_t = 600)]
    pub refund_check_secs: i64,
    /// Days a refund may take before supervisors see it as late
    #[arg(long, env = "PAYDESK_REFUND_DUE_DAYS", default_value_t = 7)]
    pub refund_due_days: i64,
}

/// The configured providers and order system.
#[derive(Default)]
pub struct Payments {
    pub providers: Vec<Box<dyn Provider>>,
    pub orders: Option<merchant::OrderSystem>,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.providers.iter().map(|p| p.name()).collect();
        f.debug_struct("Payments").field("providers", &names).field("orders", &self.orders.is_some()).finish()
    }
}

impl Settings {
    /// Reads the keys and checks the settings; an error names what is
    /// missing or broken.
    pub fn load(&self) -> Result<Payments, String> {
        let mut payments = Payments::default();
        let wechat = [
            ("PAYDESK_WECHATPAY_MCHID", self.wechatpay_mchid.is_some()),
            ("PAYDESK_WECHATPAY_SERIAL", self.wechatpay_serial.is_some()),
            ("PAYDESK_WECHATPAY_PRIVATE_KEY", self.wechatpay_private_key.is_some()),
            ("PAYDESK_WECHATPAY_PUBLIC_KEY", self.wechatpay_public_key.is_some()),
            ("PAYDESK_WECHATPAY_PUBLIC_KEY_ID", self.wechatpay_public_key_id.is_some()),
        ];
        if wechat.iter().any(|(_, set)| *set) {
            let missing: Vec<&str> = wechat.iter().filter(|(_, set)| !set).map(|(name, _)| *name).collect();
            if !missing.is_empty() {
                return Err(format!("WeChat Pay is half configured: set {} too", missing.join(", ")));
            }
            payments.providers.push(Box::new(wechat::WechatPay::new(wechat::Keys {
                mchid: self.wechatpay_mchid.clone().unwrap_or_default(),
                serial: self.wechatpay_serial.clone().unwrap_or_default(),
                private_key: read_pem(self.wechatpay_private_key.as_ref(), "PAYDESK_WECHATPAY_PRIVATE_KEY")?,
                public_key: read_pem(self.wechatpay_public_key.as_ref(), "PAYDESK_WECHATPAY_PUBLIC_KEY")?,
                public_key_id: self.wechatpay_public_key_id.clone().unwrap_or_default(),
                base_url: self.wechatpay_base_url.trim_end_matches('/').to_string(),
            })?));
        }
        if !(0..=86_400).contains(&self.payment_retry_base_secs) {
            return Err("PAYDESK_PAYMENT_RETRY_BASE_SECS: between 0 and 86400".into());
        }
        if !(1..=86_400).contains(&self.refund_check_secs) {
            return Err("PAYDESK_REFUND_CHECK_SECS: between 1 and 86400".into());
        }
        if !(1..=90).contains(&self.refund_due_days) {
            return Err("PAYDESK_REFUND_DUE_DAYS: between 1 and 90".into());
        }
        if !(1..=20).contains(&self.payment_max_attempts) {
            return Err("PAYDESK_PAYMENT_MAX_ATTEMPTS: between 1 and 20".into());
        }
        let alipay = [
            ("PAYDESK_ALIPAY_APP_ID", self.alipay_app_id.is_some()),
            ("PAYDESK_ALIPAY_PRIVATE_KEY", self.alipay_private_key.is_some()),
            ("PAYDESK_ALIPAY_PUBLIC_KEY", self.alipay_public_key.is_some()),
        ];
        if alipay.iter().any(|(_, set)| *set) {
            let missing: Vec<&str> = alipay.iter().filter(|(_, set)| !set).map(|(name, _)| *name).collect();
            if !missing.is_empty() {
                return Err(format!("Alipay is half configured: set {} too", missing.join(", ")));
            }
            payments.providers.push(Box::new(alipay::Alipay::new(alipay::Keys {
                app_id: self.alipay_app_id.clone().unwrap_or_default(),
                private_key: read_pem(self.alipay_private_key.as_ref(), "PAYDESK_ALIPAY_PRIVATE_KEY")?,
                public_key: read_pem(self.alipay_public_key.as_ref(), "PAYDESK_ALIPAY_PUBLIC_KEY")?,
                gateway: self.alipay_gateway.clone(),
            })?));
        }
        match (&self.orders_url, &self.orders_secret) {
            (Some(url), Some(secret)) => {
                payments.orders = Some(merchant::OrderSystem::new(url, secret.expose())?);
            }
            (None, None) => {}
            (Some(_), None) => return Err("PAYDESK_ORDERS_URL is set: set PAYDESK_ORDERS_SECRET too".into()),
            (None, Some(_)) => return Err("PAYDESK_ORDERS_SECRET is set: set PAYDESK_ORDERS_URL too".into()),
        }
        Ok(payments)
    }
}

fn read_pem(path: Option<&PathBuf>, setting: &str) -> Result<Vec<u8>, String> {
    let path = path.ok_or_else(|| format!("{setting} is not set"))?;
    std::fs::read(path).map_err(|e| format!("{setting}: cannot read {}: {e}", path.display()))
}

impl Payments {
    /// The provider that checks payments made this way, if configured.
    pub fn provider_for(&self, method: Option<PaymentMethod>) -> Option<&dyn Provider> {
        let method = method?;
        self.providers.iter().find(|p| p.method() == method).map(|p| p.as_ref())
    }

    /// Whether a ticket with this method and order number gets checked.
    pub fn checks(&self, method: Option<PaymentMethod>, order_number: Option<&str>) -> bool {
        order_number.is_some_and(|n| !n.trim().is_empty()) && self.provider_for(method).is_some()
    }
}

/// What a provider said of a payment, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub state: CheckState,
    /// The provider's own state code (`SUCCESS`, `NOTPAY`, `ORDER_NOT_EXIST`…).
    pub provider_state: String,
    /// The provider's own description, as it gave it.
    pub description: String,
    /// In fen, as the provider recorded it.
    pub amount_cents: Option<i64>,
    /// UTC.
    pub paid_at: Option<NaiveDateTime>,
    /// The merchant's own order number for the payment, as the provider
    /// knows it: what the order system is asked about.
    pub order_number: Option<String>,
    /// The nonce the provider signed the answer with (WeChat Pay): an
    /// answer is taken once, on whichever server it arrives
    /// (`db::payments::remember_nonce`).
    pub nonce: Option<String>,
}

/// Why a check gave no answer to act on. Both are retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// An answer came, but its signature, key or time did not check out.
    #[error("unverified answer: {0}")]
    Unverified(String),
    /// No usable answer: the network, a timeout, an error status.
    #[error("{0}")]
    Failed(String),
}

impl CheckError {
    pub fn state(&self) -> CheckState {
        match self {
            CheckError::Unverified(_) => CheckState::Unverified,
            CheckError::Failed(_) => CheckState::Error,
        }
    }
}

/// A payment provider paydesk can ask about a payment. Not shaped after any
/// one provider: it takes the number the customer gave and answers in
/// paydesk's states, keeping the provider's own words beside them.
pub trait Provider: Send + Sync {
    /// Stored with each check: `wechat_pay`.
    fn name(&self) -> &'static str;
    /// The payment method whose payments it knows.
    fn method(&self) -> PaymentMethod;
    /// Asks about the payment with this number (the provider's transaction
    /// id or the merchant's order number).
    fn query(&self, number: &str, now: NaiveDateTime) -> Result<Answer, CheckError>;
    /// Asks where a refund of the payment with this number is, by the
    /// merchant's refund number.
    fn refund(&self, order_number: &str, refund_number: &str, now: NaiveDateTime) -> Result<RefundAnswer, CheckError>;
}

/// What a provider said of a refund, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAnswer {
    pub state: RefundState,
    /// The provider's own status (`SUCCESS`, `PROCESSING`…).
    pub provider_state: String,
    /// In fen, as the provider recorded it.
    pub amount_cents: Option<i64>,
    /// As for [`Answer::nonce`].
    pub nonce: Option<String>,
}

impl Payments {
    /// The provider that knows refunds by this name.
    pub fn provider_named(&self, name: &str) -> Option<&dyn Provider> {
        self.providers.iter().find(|p| p.name() == name).map(|p| p.as_ref())
    }
}

/// What the merchant's order system said of the bill, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    pub state: BillState,
    pub amount_cents: Option<i64>,
    /// The merchant's refund number, when it has started a refund.
    pub refund_number: Option<String>,
}

/// Providers and the order system are reached over HTTPS; plain HTTP only
/// on this machine (the tests' stand-ins, a local proxy).
pub fn check_base_url(url: &str, setting: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{setting}: {e}"))?;
    let local = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]" | "::1"));
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        _ => Err(format!("{setting}: use https:// (plain http only to this machine)")),
    }
}

/// `128.50` → 12850 (the order system's amounts, in yuan as text).
pub fn cents(yuan: &str) -> Option<i64> {
    let (whole, fraction) = yuan.trim().split_once('.').unwrap_or((yuan.trim(), ""));
    if whole.is_empty() || fraction.len() > 2 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + format!("{fraction:0<2}").parse::<i64>().ok()?)
}

/// The HTTP client the adapters share, made on first use. Built and used
/// only on the worker's blocking threads (a blocking client may not be made
/// inside the async runtime), and never dropped.
pub(crate) fn http() -> Result<&'static reqwest::blocking::Client, CheckError> {
    static CLIENT: std::sync::OnceLock<Result<reqwest::blocking::Client, String>> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .user_agent(concat!("paydesk/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("no HTTP client: {e}"))
        })
        .as_ref()
        .map_err(|e| CheckError::Failed(e.clone()))
}

/// A random nonce for signed requests: 32 hex characters.
pub fn nonce() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode_upper(bytes)
}

/// A transport error, without the URL reqwest's message names (it may hold
/// a merchant id or an endpoint's token): for logs and admins' pages.
pub fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        "the connection failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_text_reads_as_fen() {
        assert_eq!(cents("128.50"), Some(12850));
        assert_eq!(cents("128.5"), Some(12850));
        assert_eq!(cents("7"), Some(700));
        assert_eq!(cents("1.234"), None);
        assert_eq!(cents("-1"), None);
        assert_eq!(cents(""), None);
    }

    #[test]
    fn half_a_configuration_is_refused_naming_what_is_missing() {
        use clap::{CommandFactory, FromArgMatches};
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            s: Settings,
        }
        let m = Cli::command()
            .mut_args(|a| a.env(None::<&str>))
            .try_get_matches_from(["x", "--wechatpay-mchid", "1900000001"])
            .unwrap();
        let s = Cli::from_arg_matches(&m).unwrap().s;
        let e = s.load().unwrap_err();
        assert!(e.contains("PAYDESK_WECHATPAY_SERIAL") && e.contains("PAYDESK_WECHATPAY_PUBLIC_KEY_ID"), "{e}");
        let m = Cli::command()
            .mut_args(|a| a.env(None::<&str>))
            .try_get_matches_from(["x", "--orders-url", "http://127.0.0.1:1"])
            .unwrap();
        let e = Cli::from_arg_matches(&m).unwrap().s.load().unwrap_err();
        assert!(e.contains("PAYDESK_ORDERS_SECRET"), "{e}");
    }
}
