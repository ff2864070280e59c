//! The sending worker, inside the server: claims due messages, renders and
//! sends them, and records each outcome. Several servers on one database
//! never send the same message at once (see `db::outbox::claim`).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use lettre::message::Mailbox;

use super::render::{render, render_packet, Facts, PacketLine};
use super::{build, Attached, Outgoing, Transport_};
use crate::db::outbox::{self, Message};
use crate::db::tickets as store;
use crate::db::DbConn;
use crate::db::{incidents, routing};
use crate::domain::retention::redact_addresses;
use crate::i18n::Lang;
use crate::ops::sweeps;
use diesel::Connection;

pub struct Worker {
    pub pools: crate::db::Pools,
    pub transport: Transport_,
    /// The folder messages are written to, when there is no SMTP server.
    pub mail_dir: Option<String>,
    pub from: Mailbox,
    pub public_url: String,
    pub poll: StdDuration,
    pub retry_base: Duration,
    pub max_attempts: i32,
    pub sweep_every: StdDuration,
    pub limits: sweeps::Limits,
    /// Where customers' replies come back (`support+<token>@…`), when
    /// inbound email is set up.
    pub reply: Option<crate::inbound::ReplyAddress>,
}

/// A worker holds a claimed message this long; a crashed worker's messages
/// are taken by another after it.
const LEASE: Duration = Duration::seconds(120);
const BATCH: i64 = 20;
/// Screenshots of this many tickets go with a packet; the rest are listed.
const MAX_PACKET_TICKETS_WITH_SCREENSHOTS: usize = 10;

impl Worker {
    /// Runs until the process ends.
    pub async fn run(self: Arc<Self>) {
        let mut last_sweep: Option<std::time::Instant> = None;
        loop {
            if last_sweep.is_none_or(|t| t.elapsed() >= self.sweep_every) {
                last_sweep = Some(std::time::Instant::now());
                let me = self.clone();
                let swept =
                    tokio::task::spawn_blocking(move || sweeps::run(&me.pools.write, &me.limits, crate::web::now()))
                        .await;
                if let Ok(Err(e)) = swept {
                    tracing::warn!(error = %e, "sweep failed");
                }
            }
            let me = self.clone();
            let sent = tokio::task::spawn_blocking(move || me.send_due()).await;
            match sent {
                Ok(Ok(n)) if n > 0 => continue,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "outbox: cannot reach the database"),
                Err(e) => tracing::error!(error = %e, "outbox worker task failed"),
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Sends what is due; returns how many messages it handled.
    /// The writers' connection is taken three times a batch (claim, prepare,
    /// record) and never held while sending, so mail neither holds up nor
    /// queues behind intake for long.
    pub fn send_due(&self) -> Result<usize, String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        let batch = outbox::claim(&mut *write()?, crate::web::now(), LEASE, BATCH).map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(0);
        }
        // Preparing mints each customer's tracking link, a write.
        let prepared: Vec<_> = {
            let mut conn = write()?;
            batch.iter().map(|m| self.prepare(&mut conn, m)).collect()
        };
        let outcomes: Vec<Result<Option<String>, String>> =
            prepared.into_iter().map(|msg| msg.and_then(|msg| self.transport.send(&msg))).collect();
        let now = crate::web::now();
        let mut conn = write()?;
        conn.transaction(|conn| {
            for (m, outcome) in batch.iter().zip(&outcomes) {
                match outcome {
                    Ok(file) => outbox::mark_sent(conn, &m.id, file.as_deref(), now)?,
                    Err(e) => {
                        // Recipients are personal data: log the message, not
                        // them, and not an error quoting one.
                        let e = redact_addresses(e);
                        tracing::warn!(message = %m.message_id, attempt = m.attempts, error = %e, "email not sent");
                        outbox::mark_failed(conn, m, &e, now, self.max_attempts, self.retry_base)?
                    }
                }
            }
            diesel::QueryResult::Ok(())
        })
        .map_err(|e| e.to_string())?;
        Ok(batch.len())
    }

    fn prepare(&self, conn: &mut DbConn, m: &Message) -> Result<lettre::Message, String> {
        if m.kind == outbox::kind::ESCALATION_PACKET {
            return self.packet(conn, m);
        }
        if m.kind == outbox::kind::SPIKE_ALERT {
            return self.spike_alert(conn, m);
        }
        if m.kind == outbox::kind::INBOUND_UNMATCHED {
            return self.unmatched_answer(m);
        }
        let ticket_id = m.ticket_id.as_deref().ok_or("no ticket")?;
        let ticket = store::find_by_id(conn, ticket_id).map_err(|e| e.to_string())?.ok_or("ticket gone")?;
        let body = match &m.event_id {
            Some(id) => store::event_body(conn, id).map_err(|e| e.to_string())?,
            None => None,
        };
        // Staff get the ticket page; customers a fresh private link.
        let for_staff =
            [outbox::kind::SLA_BREACH, outbox::kind::ESCALATION_WAITING, outbox::kind::COMPLAINT].contains(&m.kind);
        let link = if for_staff {
            format!("{}/agent/tickets/{}", self.public_url, ticket.reference)
        } else {
            let token = store::mint_link(conn, &ticket.id, crate::web::now()).map_err(|e| e.to_string())?;
            format!("{}/t/{}", self.public_url, token)
        };
        let lang = m.language;
        let guide = if for_staff { None } else { lang.try_t(&format!("guide-{}", ticket.case_kind)) };
        let intro = (m.kind == outbox::kind::RECEIVED).then(|| self.received_intro(lang, &ticket)).flatten();
        let facts = Facts { reference: &ticket.reference, body, link: &link, guide, subject: None, intro };
        let (subject, text, html) = render(m.kind, lang, facts).map_err(|e| e.to_string())?;
        // A customer's answer to this message comes back to the ticket.
        let reply_to = match (&self.reply, for_staff) {
            (Some(reply), false) => {
                let token =
                    crate::inbound::reply_token(conn, &ticket.id, crate::web::now()).map_err(|e| e.to_string())?;
                Some(reply.with_token(&token))
            }
            _ => None,
        };
        let outgoing =
            Outgoing { to: m.recipient.clone(), subject, text, html, message_id: m.message_id.clone(), reply_to };
        build(&self.from, outgoing, Vec::new())
    }

    /// To someone whose email matched no ticket: the form, where a request
    /// holds what an agent needs.
    fn unmatched_answer(&self, m: &Message) -> Result<lettre::Message, String> {
        let lang = m.language;
        let link = format!("{}/tickets/new", self.public_url);
        let subject = lang.t("mail-inbound_unmatched-subject");
        let facts = Facts { reference: "", body: None, link: &link, guide: None, subject: Some(subject), intro: None };
        let (subject, text, html) = render(m.kind, lang, facts).map_err(|e| e.to_string())?;
        let outgoing =
            Outgoing { to: m.recipient.clone(), subject, text, html, message_id: m.message_id.clone(), reply_to: None };
        let mut message = build(&self.from, outgoing, Vec::new())?;
        // RFC 3834: an automatic answer, which other machines must not answer.
        use lettre::message::header::{HeaderName, HeaderValue};
        message
            .headers_mut()
            .insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-replied".into()));
        Ok(message)
    }

    /// The confirmation's first paragraph for the path the case takes: the
    /// promise is the ticket's own first-response target (its due time at
    /// filing), a self-service request hears when it closes by itself.
    fn received_intro(&self, lang: Lang, t: &store::Ticket) -> Option<String> {
        use crate::domain::next_steps::Path;
        use crate::web::tracking::span_words;
        match Path::of(t.case_kind, t.status) {
            Path::SelfService => {
                let hours = self.limits.self_service_timeout.num_hours();
                Some(lang.t_with("mail-received-body-self_service", "within", span_words(lang, hours)))
            }
            Path::Platform => Some(lang.t("mail-received-body-platform")),
            Path::Done => None,
            _ if t.first_response_at.is_none() && t.paused_at.is_none() => {
                let hours = (t.due_at - t.created_at).num_hours();
                Some(lang.t_with("mail-received-body-review", "within", span_words(lang, hours)))
            }
            _ => None,
        }
    }

    /// To a supervisor: a spike, and the proposed incident to accept.
    fn spike_alert(&self, conn: &mut DbConn, m: &Message) -> Result<lettre::Message, String> {
        let id = m.incident_id.as_deref().ok_or("no incident")?;
        let i = incidents::find(conn, id).map_err(|e| e.to_string())?.ok_or("incident gone")?;
        let lang = m.language;
        let link = format!("{}/supervisor/incidents/{}", self.public_url, i.id);
        let counts = [("count", i.spike_count.to_string()), ("expected", i.expected_count.to_string())];
        // The value is what customers typed (a city): never in the subject,
        // which inboxes show as if we had written it; quoted in the body, as
        // text.
        let dimension = lang.t(&format!("inc-dim-{}", i.dimension().map_or("", |d| d.as_str())));
        let mut subject_args = vec![("dimension", dimension.clone())];
        subject_args.extend(counts.iter().cloned());
        let subject = lang.t_args("mail-spike_alert-subject-kind", &subject_args);
        let summary = format!("{dimension}: {}\n{}", i.value, lang.t_args("mail-spike_alert-counts", &counts));
        let facts = Facts {
            reference: &i.title,
            body: Some(summary),
            link: &link,
            guide: None,
            subject: Some(subject),
            intro: None,
        };
        let (subject, text, html) = render(m.kind, lang, facts).map_err(|e| e.to_string())?;
        let outgoing =
            Outgoing { to: m.recipient.clone(), subject, text, html, message_id: m.message_id.clone(), reply_to: None };
        build(&self.from, outgoing, Vec::new())
    }

    /// An approved escalation: the grouped tickets' masked facts, how many
    /// customers it affects, what they tried, and their screenshots.
    fn packet(&self, conn: &mut DbConn, m: &Message) -> Result<lettre::Message, String> {
        let id = m.escalation_id.as_deref().ok_or("no escalation")?;
        let e = routing::escalation(conn, id).map_err(|e| e.to_string())?.ok_or("escalation gone")?;
        let (subject, text, html, attachments) = packet_parts(conn, &e, true)?;
        // The platform's answer comes back to the escalation.
        let reply_to = match &self.reply {
            Some(reply) => {
                let token =
                    crate::inbound::packet_reply_token(conn, &e.id, crate::web::now()).map_err(|e| e.to_string())?;
                Some(reply.with_token(&token))
            }
            None => None,
        };
        let outgoing =
            Outgoing { to: m.recipient.clone(), subject, text, html, message_id: m.message_id.clone(), reply_to };
        build(&self.from, outgoing, attachments)
    }
}

/// An escalation's packet as it leaves: subject, text and HTML parts, and
/// the screenshots attached (their data only `with_data`: the supervisors'
/// preview shows their names). The one place a packet is put together, so
/// the preview is what is sent.
pub fn packet_parts(
    conn: &mut DbConn,
    e: &routing::Escalation,
    with_data: bool,
) -> Result<(String, String, String, Vec<Attached>), String> {
    let tickets = routing::escalation_tickets(conn, &e.id).map_err(|e| e.to_string())?;
    let lines: Vec<PacketLine> = tickets
        .iter()
        .map(|t| PacketLine {
            reference: t.reference.clone(),
            city: t.city.clone(),
            step: bilingual(|l| t.failing_step.label(l)),
            symptom: bilingual(|l| t.symptom.label(l)),
            error: [t.error_code.clone(), t.error_message.clone()].into_iter().flatten().collect::<Vec<_>>().join(" "),
            account: t.account_masked.clone(),
            checks: t.checks_tried.iter().map(|c| bilingual(|l| c.label(l))).collect::<Vec<_>>().join("; "),
            filed: crate::web::china_time(t.created_at),
        })
        .collect();
    let why = bilingual(|l| crate::web::staff::words::rule_label(l, &e.rule, Some(e.target)));
    let (subject, text, html) = render_packet(e.platform, e.scenario, &why, &lines).map_err(|e| e.to_string())?;
    let mut attachments = Vec::new();
    for t in tickets.iter().take(MAX_PACKET_TICKETS_WITH_SCREENSHOTS) {
        for s in store::screenshot_list(conn, &t.id).map_err(|e| e.to_string())? {
            let content_type = s.content_type.as_str();
            let ext = content_type.trim_start_matches("image/");
            let name = format!("{}-{}.{ext}", t.reference, attachments.len() + 1);
            let data = if with_data {
                match store::screenshot_data(conn, &t.id, &s.id).map_err(|e| e.to_string())? {
                    Some((_, data)) => data,
                    None => continue,
                }
            } else {
                Vec::new()
            };
            attachments.push(Attached { name, content_type: content_type.into(), data });
        }
    }
    Ok((subject, text, html, attachments))
}

/// A label in both languages, Chinese first: whoever reads a packet at the
/// platform or the provider may read either.
fn bilingual(label: impl Fn(crate::i18n::Lang) -> String) -> String {
    let (zh, en) = (label(crate::i18n::Lang::ZhCn), label(crate::i18n::Lang::En));
    if zh == en {
        zh
    } else {
        format!("{zh} / {en}")
    }
}
