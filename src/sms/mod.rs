//! SMS (issue 28): messages are queued with the change that causes them
//! (`db::sms`, by `ops::notify`); `jobs::sms` claims each, holds it for
//! quiet hours and caps, makes it into a template code and its variables,
//! and has a [`Provider`] send it. This folder knows no database.
//!
//! China allows only pre-approved signatures and templates with variables,
//! so an SMS is never free text: each kind of message is a template
//! registered at the provider ([`templates`]), and only the ticket's
//! reference and a short code (the link's end, never a URL) fill it.
//!
//! Providers are adapters: Alibaba Cloud ([`aliyun`]), or none — then each
//! SMS is written as a file beside the `.eml` ones, so the embedded default
//! works with no account anywhere. A second provider (Tencent Cloud SMS) is
//! one more file implementing [`Provider`].

pub mod aliyun;
pub mod templates;

use std::path::PathBuf;

use crate::domain::secret::Secret;

/// The settings, from the command line or the environment (`paydesk serve
/// --help`).
#[derive(Debug, Clone, clap::Args)]
#[group(id = "sms_settings")]
pub struct Settings {
    /// Who sends SMS: aliyun (Alibaba Cloud SMS), or none (written as files beside the mail)
    #[arg(long, env = "PAYDESK_SMS_PROVIDER", default_value = "none")]
    pub sms_provider: String,
    /// Alibaba Cloud SMS's API (plain http only to this machine)
    #[arg(long, env = "PAYDESK_ALIYUN_SMS_ENDPOINT", default_value = "https://dysmsapi.aliyuncs.com")]
    pub aliyun_sms_endpoint: String,
    /// The AccessKey id that signs requests to Alibaba Cloud
    #[arg(long, env = "PAYDESK_ALIYUN_ACCESS_KEY_ID")]
    pub aliyun_access_key_id: Option<String>,
    /// That AccessKey's secret
    #[arg(long, env = "PAYDESK_ALIYUN_ACCESS_KEY_SECRET", hide_env_values = true)]
    pub aliyun_access_key_secret: Option<Secret<String>>,
    /// The approved SMS signature (签名), e.g. 缴费助手
    #[arg(long, env = "PAYDESK_ALIYUN_SMS_SIGN_NAME")]
    pub aliyun_sms_sign_name: Option<String>,
    /// Template codes approved at the provider, as kind.lang=CODE pairs (e.g. received.zh-CN=SMS_123); unnamed ones use the built-in codes listed in the README
    #[arg(long, env = "PAYDESK_SMS_TEMPLATES")]
    pub sms_templates: Option<String>,
    /// Hours (China time) when non-urgent SMS wait for the morning, e.g. 21-8; off: never
    #[arg(long, env = "PAYDESK_SMS_QUIET_HOURS", default_value = "21-8")]
    pub sms_quiet_hours: String,
    /// The token Alibaba's pushes (delivery receipts, replies) must carry (?token=); without it they are refused
    #[arg(long, env = "PAYDESK_SMS_PUSH_TOKEN", hide_env_values = true)]
    pub sms_push_token: Option<Secret<String>>,
    /// SMS sent to anyone in an hour, at most (a ceiling against abuse)
    #[arg(long, env = "PAYDESK_SMS_MAX_PER_HOUR", default_value_t = 2000)]
    pub sms_max_per_hour: i64,
}

/// An SMS ready for a provider.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Ours, sent as the provider's `OutId` and echoed on its receipt.
    pub id: String,
    pub phone: String,
    pub template_code: String,
    /// The template's variables, by name.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Echoed on the customer's reply, so it lands on the right ticket.
    pub extend_code: Option<String>,
    /// The text as the customer reads it (the template filled in), for the
    /// file written when there is no provider.
    pub text: String,
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider took it (`biz_id`: its receipt id), or it was written
    /// to `file`.
    Accepted { biz_id: Option<String>, file: Option<String> },
    /// Not sent; try again later (a transport error before the request
    /// left, a 5xx, the provider's own system error).
    Retry(String),
    /// The provider's flow control for this number: wait, then try again.
    Defer(String),
    /// Refused for good: never tried again; staff read why.
    Refused { code: String, message: String },
    /// The request left and no answer came: it may have been sent. The
    /// receipt settles it, not a blind second send.
    Unsure(String),
}

/// Something that sends SMS.
pub trait Provider: Send + Sync {
    fn name(&self) -> &'static str;
    fn send(&self, sms: &Outgoing) -> Outcome;
}

/// No provider: each SMS is written as `<id>.sms` (UTF-8 text) into the
/// mail folder.
pub struct Directory(pub PathBuf);

impl Provider for Directory {
    fn name(&self) -> &'static str {
        "file"
    }

    fn send(&self, sms: &Outgoing) -> Outcome {
        let path = self.0.join(format!("{}.sms", sms.id));
        let path = std::path::absolute(&path).unwrap_or(path);
        let content = format!(
            "To: {}\nTemplate: {}\nParams: {}\n\n{}\n",
            sms.phone,
            sms.template_code,
            serde_json::Value::Object(sms.params.clone()),
            sms.text
        );
        match std::fs::create_dir_all(&self.0).and_then(|_| std::fs::write(&path, content)) {
            Ok(()) => Outcome::Accepted { biz_id: None, file: Some(path.display().to_string()) },
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }
}

/// The SMS side as configured: who sends, which templates, quiet hours.
pub struct Sms {
    pub provider: Box<dyn Provider>,
    pub templates: templates::Codes,
    pub quiet: Option<crate::domain::sms::QuietHours>,
    pub push_token: Option<Secret<String>>,
    pub max_per_hour: i64,
}

impl Settings {
    /// Checks the settings and builds the provider; an error names what is
    /// missing or wrong. `mail_dir`: where files go with no provider.
    pub fn load(&self, mail_dir: &str) -> Result<Sms, String> {
        let provider: Box<dyn Provider> = match self.sms_provider.as_str() {
            "none" => Box::new(Directory(PathBuf::from(mail_dir))),
            "aliyun" => {
                let missing: Vec<&str> = [
                    ("PAYDESK_ALIYUN_ACCESS_KEY_ID", self.aliyun_access_key_id.is_none()),
                    ("PAYDESK_ALIYUN_ACCESS_KEY_SECRET", self.aliyun_access_key_secret.is_none()),
                    ("PAYDESK_ALIYUN_SMS_SIGN_NAME", self.aliyun_sms_sign_name.is_none()),
                ]
                .into_iter()
                .filter_map(|(name, missing)| missing.then_some(name))
                .collect();
                if !missing.is_empty() {
                    return Err(format!("PAYDESK_SMS_PROVIDER=aliyun needs {}", missing.join(", ")));
                }
                crate::payments::check_base_url(&self.aliyun_sms_endpoint, "PAYDESK_ALIYUN_SMS_ENDPOINT")?;
                Box::new(aliyun::Aliyun::new(aliyun::Keys {
                    endpoint: self.aliyun_sms_endpoint.trim_end_matches('/').to_string(),
                    access_key_id: self.aliyun_access_key_id.clone().unwrap_or_default(),
                    access_key_secret: self.aliyun_access_key_secret.clone().unwrap_or_default(),
                    sign_name: self.aliyun_sms_sign_name.clone().unwrap_or_default(),
                })?)
            }
            other => return Err(format!("PAYDESK_SMS_PROVIDER: aliyun or none, not {other:?}")),
        };
        let quiet = crate::domain::sms::QuietHours::parse(&self.sms_quiet_hours)
            .map_err(|e| format!("PAYDESK_SMS_QUIET_HOURS: {e}"))?;
        if self.sms_max_per_hour < 1 {
            return Err("PAYDESK_SMS_MAX_PER_HOUR: at least 1".into());
        }
        Ok(Sms {
            provider,
            templates: templates::Codes::parse(self.sms_templates.as_deref().unwrap_or_default())?,
            quiet,
            push_token: self.sms_push_token.clone().filter(|t| !t.expose().is_empty()),
            max_per_hour: self.sms_max_per_hour,
        })
    }
}
