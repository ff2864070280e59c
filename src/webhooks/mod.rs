//! Webhooks (issue 18): admins register endpoints for some events; each
//! event the database records with its change (migration 18) becomes one
//! delivery per endpoint in the outbox, sent by `jobs::webhooks` with
//! retries, signed so the endpoint can tell it came from us:
//! `Paydesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::db::new_id;
use crate::db::schema::{webhook_events, webhooks};
use crate::db::DbConn;
use crate::domain::codes::MailStatus;
use crate::error::AppError;

/// Every event an endpoint can ask for.
pub const EVENTS: [&str; 5] =
    ["ticket.created", "ticket.updated", "ticket.resolved", "escalation.approved", "escalation.answered"];

/// A registered endpoint.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

impl Webhook {
    pub fn wants(&self, event: &str) -> bool {
        self.events.split(',').any(|e| e == event)
    }
}

/// Why an endpoint cannot be registered or reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("not an http:// or https:// address (of at most 2000 characters)")]
    NotHttp,
    #[error("the host cannot be resolved")]
    Unresolved,
    #[error("the host is on a loopback, private or otherwise internal network ({0}); allowed only with --webhooks-allow-private")]
    Private(IpAddr),
    #[error("plain http:// would carry customers' data unencrypted: use https:// (http:// only with --webhooks-allow-private, for a server on this machine or network)")]
    PlainHttp,
}

/// Checks an endpoint's address: https (http too with `allow_private`), a
/// host that resolves, and (unless `allow_private`) only to public
/// addresses, so that a webhook cannot be made to reach the internal
/// network. Checked when registered and again
/// before each delivery (a name can be pointed elsewhere later).
pub fn check_target(url: &str, allow_private: bool) -> Result<(reqwest::Url, SocketAddr), TargetError> {
    if url.len() > URL_MAX {
        return Err(TargetError::NotHttp);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| TargetError::NotHttp)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() || !parsed.username().is_empty() {
        return Err(TargetError::NotHttp);
    }
    let host = parsed.host_str().ok_or(TargetError::NotHttp)?.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port_or_known_default().ok_or(TargetError::NotHttp)?;
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (host, port).to_socket_addrs().map_err(|_| TargetError::Unresolved)?.map(|a| a.ip()).collect(),
    };
    if addresses.is_empty() {
        return Err(TargetError::Unresolved);
    }
    if !allow_private {
        if let Some(ip) = addresses.iter().find(|ip| !is_public(**ip)) {
            return Err(TargetError::Private(*ip));
        }
        // A public endpoint gets customers' data: encrypted.
        if parsed.scheme() == "http" {
            return Err(TargetError::PlainHttp);
        }
    }
    Ok((parsed, SocketAddr::new(addresses[0], port)))
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                // Shared address space (carrier NAT), IETF protocol
                // assignments, benchmarking, reserved.
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                // The old 6to4 relay anycast.
                || (a == 192 && b == 88 && c == 99)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240
                || a == 0)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                let first = s[0];
                // Addresses that carry an IPv4 one (NAT64, 6to4, the old
                // "compatible" form) are judged by it.
                let embedded = match s {
                    [0x64, 0xff9b, 0, 0, 0, 0, hi, lo]
                    | [0, 0, 0, 0, 0, 0, hi, lo]
                    // The IPv4-translated form (RFC 2765).
                    | [0, 0, 0, 0, 0xffff, 0, hi, lo] => Some((hi, lo)),
                    [0x2002, hi, lo, ..] => Some((hi, lo)),
                    _ => None,
                };
                if let Some((hi, lo)) = embedded {
                    let [a, b] = hi.to_be_bytes();
                    let [c, d] = lo.to_be_bytes();
                    return is_public(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)));
                }
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00 // unique local
                    || (first & 0xffc0) == 0xfe80 // link local
                    || (first & 0xffc0) == 0xfec0 // site local (deprecated, still routed inside some networks)
                    || first == 0x2001 && s[1] == 0x0db8 // documentation
                    || first == 0x2001 && s[1] == 0 // Teredo: an IPv4 tunnel endpoint inside
                    || first == 0x64 && s[1] == 0xff9b && s[2] == 1 // local-use NAT64
                    || matches!(s, [0x100, 0, 0, 0, ..]) // discard only
                    || first == 0x5f00) // SRv6 segment identifiers
            }
        },
    }
}

/// The `Paydesk-Signature` header of `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// A new endpoint's secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The events of a comma-separated list, each known; none is an error.
pub fn parse_events(list: &str) -> Result<Vec<&'static str>, String> {
    let mut events = Vec::new();
    for name in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let known = EVENTS.iter().find(|e| **e == name).ok_or_else(|| format!("unknown event {name:?}"))?;
        if !events.contains(known) {
            events.push(*known);
        }
    }
    if events.is_empty() {
        return Err(format!("name at least one event: {}", EVENTS.join(", ")));
    }
    Ok(events)
}

pub fn register(
    conn: &mut DbConn,
    url: &str,
    secret: &str,
    events: &[&str],
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(&id),
            webhooks::url.eq(url),
            webhooks::secret.eq(secret),
            webhooks::events.eq(events.join(",")),
            webhooks::active.eq(true),
            webhooks::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Webhook>> {
    webhooks::table.order(webhooks::created_at.asc()).select(Webhook::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Webhook>> {
    // An id from a URL: one with a NUL names nothing (PostgreSQL refuses it).
    if id.contains('\0') {
        return Ok(None);
    }
    webhooks::table.find(id).select(Webhook::as_select()).first(conn).optional()
}

/// Removes an endpoint; deliveries still waiting for it are set aside at
/// once, saying why.
pub fn remove(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    use crate::db::schema::outbox;
    if find(conn, id)?.is_none() {
        return Ok(false);
    }
    diesel::update(outbox::table.filter(outbox::webhook_id.eq(id)).filter(outbox::status.eq(MailStatus::Pending)))
        .set((outbox::status.eq(MailStatus::Dead), outbox::last_error.eq("the endpoint was removed")))
        .execute(conn)?;
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? > 0)
}

/// The longest endpoint address kept.
pub const URL_MAX: usize = 2000;

/// A signing secret chosen by hand: 16 to 200 visible characters.
pub fn check_secret(secret: &str) -> Result<(), String> {
    if (16..=200).contains(&secret.len()) && secret.chars().all(|c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err("a secret is 16 to 200 visible characters, no spaces".into())
    }
}

/// A change the database recorded for the webhooks (migration 18).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_events)]
struct Event {
    id: String,
    kind: String,
    ticket_id: Option<String>,
    escalation_id: Option<String>,
    created_at: NaiveDateTime,
}

/// Turns recorded events into deliveries: each event, to each active
/// endpoint that asked for it, with the ticket (or escalation) as the API
/// shows it now; in one transaction, so an event is queued once. A ticket
/// created and changed in the same batch is told once, as created.
/// Returns how many events were handled.
pub fn fan_out(conn: &mut DbConn, public_url: &str, limit: i64, now: NaiveDateTime) -> Result<usize, AppError> {
    conn.transaction(|conn| {
        // Locked until this transaction ends (PostgreSQL skips rows another
        // server's worker holds): each event is queued by one worker.
        let ids = crate::db::backend::claim_webhook_events(conn, limit)?;
        let mut events: Vec<Event> =
            webhook_events::table.filter(webhook_events::id.eq_any(&ids)).select(Event::as_select()).load(conn)?;
        events.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        if events.is_empty() {
            return Ok(0);
        }
        let endpoints: Vec<Webhook> = list(conn)?.into_iter().filter(|w| w.active).collect();
        let created: Vec<&str> =
            events.iter().filter(|e| e.kind == "ticket.created").filter_map(|e| e.ticket_id.as_deref()).collect();
        for event in &events {
            // An endpoint told of a ticket's creation in this batch sees its
            // state then: the changes made with it are not told again.
            let just_created =
                event.kind == "ticket.updated" && event.ticket_id.as_deref().is_some_and(|t| created.contains(&t));
            let listeners: Vec<&Webhook> = endpoints
                .iter()
                .filter(|w| w.wants(&event.kind) && !(just_created && w.wants("ticket.created")))
                .collect();
            if listeners.is_empty() {
                continue;
            }
            let Some(body) = payload(conn, event, public_url)? else {
                continue;
            };
            for w in listeners {
                crate::db::outbox::enqueue_webhook(conn, &w.id, &w.url, event.ticket_id.as_deref(), &body, now)?;
            }
        }
        let ids: Vec<&String> = events.iter().map(|e| &e.id).collect();
        diesel::delete(webhook_events::table.filter(webhook_events::id.eq_any(ids))).execute(conn)?;
        Ok(events.len())
    })
}

/// An event's body: its id, type and time, and the ticket as the API shows
/// it (for an escalation, its ticket's too). `None`: what it was about is
/// gone.
fn payload(conn: &mut DbConn, event: &Event, public_url: &str) -> Result<Option<String>, AppError> {
    let time = event.created_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut body = json!({ "id": event.id, "type": event.kind, "created_at": time });
    let ticket_id = event.ticket_id.as_deref();
    let escalation = match event.escalation_id.as_deref() {
        Some(e) => match crate::db::routing::escalation(conn, e)? {
            Some(e) => Some(e),
            None => return Ok(None),
        },
        None => None,
    };
    let ticket_id = match (&escalation, ticket_id) {
        (_, Some(t)) => Some(t.to_string()),
        (Some(e), None) => {
            body["escalation"] = json!({ "id": e.id, "target": e.target, "status": e.status });
            crate::db::routing::escalation_tickets(conn, &e.id)?.first().map(|t| t.id.clone())
        }
        (None, None) => None,
    };
    if let Some(ticket_id) = ticket_id {
        let Some(t) = crate::db::tickets::find_by_id(conn, &ticket_id)? else {
            return Ok(None);
        };
        let ticket = crate::present::document::ticket_document(conn, &t, public_url)?;
        body["ticket"] = ticket;
    }
    Ok(Some(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // Known answer: HMAC-SHA256("secret", "1700000000.{}").
        let sig = signature("secret", 1_700_000_000, "{}");
        // Python: hmac.new(b"secret", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(sig, "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163");
        assert_ne!(sig, signature("other", 1_700_000_000, "{}"));
        assert_ne!(sig, signature("secret", 1_700_000_001, "{}"));
    }

    #[test]
    fn internal_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://169.254.169.254/latest",
            "http://192.168.0.1/",
            "http://100.64.0.1/",
            "http://192.0.0.8/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:7f00:1::]/",
            "http://[::7f00:1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[fd00::1]/",
            "http://0.0.0.0/",
            "http://[64:ff9b:1::a9fe:a9fe]/",
            "http://[::ffff:0:7f00:1]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            "http://[fec0::1]/",
            "http://[100::1]/",
            "http://192.88.99.1/",
            "http://[5f00::1]/",
        ] {
            let url = url.replacen("http://", "https://", 1);
            assert!(matches!(check_target(&url, false), Err(TargetError::Private(_))), "{url}");
            assert!(check_target(&url, true).is_ok(), "{url}");
        }
        assert!(check_target("https://93.184.216.34/hook", false).is_ok());
        // Plain http carries customers' data unencrypted: refused but for
        // a server on this machine or network (the development setting).
        assert_eq!(check_target("http://93.184.216.34/hook", false).unwrap_err(), TargetError::PlainHttp);
        assert!(check_target("http://127.0.0.1:9/hook", true).is_ok());
        for url in ["ftp://example.com/", "file:///etc/passwd", "not a url", "http://user:pw@93.184.216.34/"] {
            assert_eq!(check_target(url, false).unwrap_err(), TargetError::NotHttp, "{url}");
        }
    }

    #[test]
    fn events_are_checked() {
        assert_eq!(parse_events("ticket.created, ticket.resolved").unwrap(), vec!["ticket.created", "ticket.resolved"]);
        assert!(parse_events("ticket.deleted").is_err());
        assert!(parse_events(" ").is_err());
    }
}
