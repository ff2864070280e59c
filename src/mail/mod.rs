//! Email: messages are queued in the outbox (`db::outbox`) with the change
//! that causes them; `compose` makes each into an email in its recipient's
//! language, and the transport here sends it over SMTP (or, with no SMTP
//! configured, writes it as an `.eml` file). The loop that claims, sends
//! and records is `jobs::mail`.
//!
//! Messages are rendered when sent, not when queued, so the database never
//! holds a working tracking link: each email gets a fresh one, stored hashed.

pub mod compose;
pub mod render;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

/// Where messages go.
#[derive(Clone)]
pub enum Transport_ {
    Smtp(SmtpTransport),
    Directory(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("PAYDESK_SMTP_URL is not a valid SMTP URL: {0}")]
    BadUrl(String),
    #[error("cannot create the mail folder {0}: {1}")]
    Folder(String, std::io::Error),
}

impl Transport_ {
    /// `smtp://host:port`, `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465` (TLS); none: a folder of `.eml` files.
    pub fn new(smtp_url: Option<&str>, dir: &str) -> Result<Self, MailError> {
        match smtp_url {
            Some(url) => {
                let builder = SmtpTransport::from_url(url).map_err(|e| MailError::BadUrl(e.to_string()))?;
                Ok(Transport_::Smtp(builder.timeout(Some(Duration::from_secs(15))).build()))
            }
            None => {
                std::fs::create_dir_all(dir).map_err(|e| MailError::Folder(dir.to_string(), e))?;
                Ok(Transport_::Directory(PathBuf::from(dir)))
            }
        }
    }

    pub fn describe(&self) -> Option<String> {
        match self {
            Transport_::Smtp(_) => None,
            Transport_::Directory(dir) => Some(dir.display().to_string()),
        }
    }

    /// Sends a message; for the folder, returns the file it was written to
    /// (absolute), which the outbox keeps so that the retention purge can
    /// delete it. Errors never name a recipient: SMTP servers quote the
    /// address they refuse, and the error is stored and logged.
    pub fn send(&self, message: &Message) -> Result<Option<String>, String> {
        let redacted = |e: String| crate::domain::retention::redact_addresses(&e);
        match self {
            Transport_::Smtp(t) => t.send(message).map(|_| None).map_err(|e| redacted(e.to_string())),
            Transport_::Directory(dir) => {
                // lettre names each file `<id>.eml`, the id it returns.
                let id = FileTransport::new(dir).send(message).map_err(|e| redacted(e.to_string()))?;
                let file = dir.join(format!("{id}.eml"));
                let file = std::path::absolute(&file).unwrap_or(file);
                Ok(Some(file.display().to_string()))
            }
        }
    }
}

/// A rendered message, ready for a transport.
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// Where an answer should go, if not to the sender.
    pub reply_to: Option<String>,
}

/// A file attached to a message (screenshots in an escalation packet).
pub struct Attached {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

pub fn build(from: &Mailbox, m: Outgoing, attachments: Vec<Attached>) -> Result<Message, String> {
    let to: Mailbox = m.to.parse().map_err(|e| format!("recipient: {e}"))?;
    let body = MultiPart::alternative_plain_html(m.text, m.html);
    let mut builder = Message::builder().from(from.clone()).to(to).subject(m.subject).message_id(Some(m.message_id));
    if let Some(reply_to) = m.reply_to {
        builder = builder.reply_to(reply_to.parse().map_err(|e| format!("reply-to: {e}"))?);
    }
    let built = if attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in attachments {
            let ct = ContentType::parse(&a.content_type).map_err(|e| e.to_string())?;
            mixed = mixed.singlepart(Attachment::new(a.name).body(a.data, ct));
        }
        builder.multipart(mixed)
    };
    built.map_err(|e| e.to_string())
}
