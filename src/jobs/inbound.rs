//! Fetches inbound email from an IMAP mailbox: every unseen message (and
//! every one past the last UID recorded, seen or not) is fetched (only its header when it is over the size limit), handed to
//! [`inbound::handle`] — which records it in the transaction that acts on it
//! — and only then flagged `\Seen`. A message found already recorded (the
//! server stopped between the commit and the flag, or another server took
//! it) is only flagged. Between rounds the worker waits in IDLE where the
//! server offers it, so a reply lands within seconds; else it polls.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::domain::secret::Secret;
use crate::inbound;

/// What the IMAP connection runs over: plain TCP (tests, a local relay) or
/// TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}
type Session = async_imap::Session<Box<dyn Stream>>;

/// `imaps://user:pass@host:993/INBOX` or `imap://…` (no TLS: for a server
/// on the same machine or network only).
#[derive(Debug, Clone)]
pub struct ImapUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Secret<String>,
    pub mailbox: String,
}

impl ImapUrl {
    pub fn parse(text: &str) -> Result<ImapUrl, String> {
        let url = url::Url::parse(text).map_err(|e| e.to_string())?;
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            other => return Err(format!("{other}: use imaps:// or imap://")),
        };
        let host = url.host_str().ok_or("no host")?.to_string();
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = decode(url.username());
        if user.is_empty() {
            return Err("no user name".into());
        }
        let mailbox = decode(url.path().trim_start_matches('/'));
        Ok(ImapUrl {
            tls,
            port: url.port().unwrap_or(if tls { 993 } else { 143 }),
            host,
            user,
            password: Secret::new(decode(url.password().unwrap_or(""))),
            mailbox: if mailbox.is_empty() { "INBOX".into() } else { mailbox },
        })
    }
}

pub struct Worker {
    pub pools: crate::db::Pools,
    pub url: ImapUrl,
    pub settings: inbound::Settings,
    /// How long to wait between rounds without IDLE, and the longest IDLE.
    pub poll: Duration,
    /// Messages larger than this are not read (only their header is).
    pub max_bytes: u32,
    /// Messages that failed, by (UIDVALIDITY, UID), and how often.
    pub failures: std::sync::Mutex<std::collections::HashMap<(u32, u32), u32>>,
    /// This server's name in `leases`: one server reads the mailbox.
    pub holder: String,
}

/// A message that fails this many times is recorded as refused.
const MAX_ATTEMPTS: u32 = 3;

impl Worker {
    /// Reads the mailbox while this server holds the `inbound` lease (one
    /// server at a time: two would answer one message twice), until the
    /// server drains.
    pub async fn run(self: Arc<Self>, mut stop: super::Stop) {
        let mut backoff = Duration::from_secs(1);
        while !stop.stopping() {
            if !self.hold().await {
                if stop.sleep(super::sweeps::LOOK).await {
                    break;
                }
                continue;
            }
            match self.session(&stop).await {
                Ok(()) => backoff = Duration::from_secs(1),
                Err(e) => {
                    tracing::warn!(host = %self.url.host, error = %e, "inbound email: connection failed, retrying");
                    if stop.sleep(backoff).await {
                        break;
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(300));
                }
            }
        }
    }

    /// Takes or renews the `inbound` lease; false when another server has it.
    async fn hold(&self) -> bool {
        let (pool, holder) = (self.pools.write.clone(), self.holder.clone());
        let ttl = chrono::Duration::from_std(super::sweeps::LEASE).unwrap_or(chrono::Duration::seconds(45));
        let taken = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            crate::db::leases::take(&mut conn, crate::db::leases::INBOUND, &holder, crate::clock::now(), ttl)
                .map_err(|e| e.to_string())
        })
        .await;
        match taken {
            Ok(Ok(held)) => held,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "inbound email: the lease could not be taken");
                false
            }
            Err(_) => false,
        }
    }

    async fn connect(&self) -> Result<Session, String> {
        let tcp = tokio::net::TcpStream::connect((self.url.host.as_str(), self.url.port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let stream: Box<dyn Stream> = if self.url.tls {
            let connector = tokio_native_tls::native_tls::TlsConnector::new().map_err(|e| e.to_string())?;
            let connector = tokio_native_tls::TlsConnector::from(connector);
            Box::new(connector.connect(&self.url.host, tcp).await.map_err(|e| format!("tls: {e}"))?)
        } else {
            Box::new(tcp)
        };
        let mut client = async_imap::Client::new(stream);
        client.read_response().await.map_err(|e| format!("greeting: {e}"))?.ok_or("no greeting")?;
        client.login(&self.url.user, self.url.password.expose()).await.map_err(|(e, _)| format!("login: {e}"))
    }

    /// One connection: rounds of fetching, with IDLE (or a pause) between,
    /// while the lease is this server's (renewed before every round, and
    /// IDLE no longer than a look, so it never runs out unrenewed).
    async fn session(&self, stop: &super::Stop) -> Result<(), String> {
        let mut session = self.connect().await?;
        let idle = session.capabilities().await.map_err(|e| e.to_string())?.has_str("IDLE");
        let wait = self.poll.min(super::sweeps::LOOK);
        loop {
            if stop.stopping() || !self.hold().await {
                let _ = session.logout().await;
                return Ok(());
            }
            let mailbox = session.select(&self.url.mailbox).await.map_err(|e| format!("select: {e}"))?;
            let uid_validity = mailbox.uid_validity.ok_or("the server gives no UIDVALIDITY")?;
            self.round(&mut session, uid_validity).await?;
            if idle {
                let mut handle = session.idle();
                handle.init().await.map_err(|e| format!("idle: {e}"))?;
                let (waiting, _interrupt) = handle.wait_with_timeout(wait);
                waiting.await.map_err(|e| format!("idle: {e}"))?;
                session = handle.done().await.map_err(|e| format!("idle done: {e}"))?;
            } else {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// Fetches, handles and flags every unseen message, and every message
    /// newer than the last one recorded even if it is flagged seen (someone
    /// read the mailbox in a mail program first). The first round of a new
    /// mailbox takes only unseen ones: what was read before paydesk was set
    /// up is not answered now.
    async fn round(&self, session: &mut Session, uid_validity: u32) -> Result<usize, String> {
        let mut uids: Vec<u32> =
            session.uid_search("UNSEEN").await.map_err(|e| format!("search: {e}"))?.into_iter().collect();
        if let Some(last) = self.last_uid(uid_validity).await? {
            // `n:*` always holds the newest message, even below n: only
            // those truly past the last recorded one are taken.
            let query = format!("UID {}:*", last.saturating_add(1));
            let newer = session.uid_search(&query).await.map_err(|e| format!("search: {e}"))?;
            uids.extend(newer.into_iter().filter(|&u| u > last));
        }
        uids.sort_unstable();
        uids.dedup();
        for &uid in &uids {
            let place = inbound::Place { mailbox: &self.url.mailbox, uid_validity, uid };
            if !self.already(&place).await? {
                let attempt = self.attempts(uid_validity, uid);
                let size = self.fetch_one(session, uid, "RFC822.SIZE").await?.and_then(|f| f.size).unwrap_or(0);
                let too_large = size > self.max_bytes;
                // BODY.PEEK: fetching does not flag it seen; we do, later.
                let part = if too_large { "BODY.PEEK[HEADER]" } else { "BODY.PEEK[]" };
                let Some(fetched) = self.fetch_one(session, uid, part).await? else {
                    continue; // expunged meanwhile
                };
                let raw = if too_large { fetched.header() } else { fetched.body() }.unwrap_or_default().to_vec();
                let pools = self.pools.clone();
                let settings = self.settings.clone();
                let mailbox = self.url.mailbox.clone();
                let outcome = tokio::task::spawn_blocking(move || {
                    let mut conn = pools.write.get().map_err(|e| e.to_string())?;
                    let place = inbound::Place { mailbox: &mailbox, uid_validity, uid };
                    match inbound::handle(&mut conn, &place, &raw, too_large, &settings, crate::clock::now()) {
                        Ok(outcome) => Ok::<_, String>(outcome),
                        // This message could not be handled this time. A
                        // passing trouble (a deadlock, a lost connection)
                        // is retried in the next rounds; a message that
                        // fails every time is recorded as refused, so that
                        // one bad message does not hold back every reply
                        // behind it.
                        Err(e) if attempt < MAX_ATTEMPTS => Err(e.to_string()),
                        Err(e) => {
                            tracing::error!(uid, error = %e, "inbound email could not be handled; recorded as refused");
                            inbound::record_failure(&mut conn, &place, crate::clock::now())
                                .map_err(|e| e.to_string())?;
                            Ok(Some(crate::domain::codes::InboundOutcome::Refused))
                        }
                    }
                })
                .await
                .map_err(|e| e.to_string())?;
                let outcome = match outcome {
                    Ok(outcome) => {
                        self.failed(uid_validity, uid, false);
                        outcome
                    }
                    Err(e) => {
                        self.failed(uid_validity, uid, true);
                        tracing::warn!(uid, attempt, error = %e, "inbound email not handled; tried again");
                        return Err(format!("handle: {e}"));
                    }
                };
                if let Some(outcome) = outcome {
                    tracing::info!(uid, outcome = %outcome, "inbound email handled");
                }
            }
            let flagged: Vec<_> = session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await
                .map_err(|e| format!("store: {e}"))?
                .try_collect()
                .await
                .map_err(|e| format!("store: {e}"))?;
            drop(flagged);
        }
        Ok(uids.len())
    }

    /// How many times this message failed already, plus one.
    fn attempts(&self, uid_validity: u32, uid: u32) -> u32 {
        self.failures.lock().map(|f| f.get(&(uid_validity, uid)).copied().unwrap_or(0)).unwrap_or(0) + 1
    }

    fn failed(&self, uid_validity: u32, uid: u32, failed: bool) {
        if let Ok(mut f) = self.failures.lock() {
            if failed {
                *f.entry((uid_validity, uid)).or_insert(0) += 1;
            } else {
                f.remove(&(uid_validity, uid));
            }
        }
    }

    async fn last_uid(&self, uid_validity: u32) -> Result<Option<u32>, String> {
        let pools = self.pools.clone();
        let mailbox = self.url.mailbox.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pools.read.get().map_err(|e| e.to_string())?;
            inbound::last_uid(&mut conn, &mailbox, uid_validity).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn already(&self, place: &inbound::Place<'_>) -> Result<bool, String> {
        let pools = self.pools.clone();
        let (mailbox, uid_validity, uid) = (place.mailbox.to_string(), place.uid_validity, place.uid);
        tokio::task::spawn_blocking(move || {
            let mut conn = pools.read.get().map_err(|e| e.to_string())?;
            inbound::handled(&mut conn, &inbound::Place { mailbox: &mailbox, uid_validity, uid })
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn fetch_one(
        &self,
        session: &mut Session,
        uid: u32,
        query: &str,
    ) -> Result<Option<async_imap::types::Fetch>, String> {
        let fetched: Vec<_> = session
            .uid_fetch(uid.to_string(), query)
            .await
            .map_err(|e| format!("fetch: {e}"))?
            .try_collect()
            .await
            .map_err(|e| format!("fetch: {e}"))?;
        Ok(fetched.into_iter().find(|f| f.uid == Some(uid)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls() {
        let u = ImapUrl::parse("imaps://support%40example.com:p%40ss@mail.example.com/Help%20desk").unwrap();
        assert!(u.tls);
        assert_eq!((u.host.as_str(), u.port), ("mail.example.com", 993));
        assert_eq!(u.user, "support@example.com");
        assert_eq!(u.password.expose(), "p@ss");
        assert_eq!(u.mailbox, "Help desk");
        let plain = ImapUrl::parse("imap://desk:secret@127.0.0.1:1143").unwrap();
        assert!(!plain.tls);
        assert_eq!((plain.port, plain.mailbox.as_str()), (1143, "INBOX"));
        assert!(ImapUrl::parse("pop3://a:b@host").is_err());
        assert!(ImapUrl::parse("imap://host").is_err(), "no user");
    }
}
