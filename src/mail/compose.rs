//! A queued message made into an email: its words in the recipient's
//! language, the link it carries, where a reply comes back, and for an
//! escalation the packet with its screenshots. Sending it is `jobs::mail`.

use chrono::Duration;
use lettre::message::Mailbox;

use super::render::{render, render_packet, Facts, PacketLine};
use super::{build, Attached, Outgoing};
use crate::db::outbox::Message;
use crate::db::tickets as store;
use crate::db::DbConn;
use crate::db::{incidents, routing};
use crate::domain::codes::{CaseKind, MailKind};
use crate::i18n::Lang;

/// Everything a message needs besides its row: who it is from, where links
/// point, where replies come back.
pub struct Composer {
    pub from: Mailbox,
    pub public_url: String,
    /// Where customers' replies come back (`support+<token>@…`), when
    /// inbound email is set up.
    pub reply: Option<crate::inbound::ReplyAddress>,
    /// When a silent self-service request closes by itself (the sweep's
    /// limit), promised in the confirmation.
    pub self_service_timeout: Duration,
    /// Which calendar each queue works by: a promise is a day and a time
    /// in it (issue 30).
    pub calendars: crate::domain::calendar::QueueCalendars,
}

/// Screenshots of this many tickets go with a packet; the rest are listed.
const MAX_PACKET_TICKETS_WITH_SCREENSHOTS: usize = 10;

impl Composer {
    /// A queued message as it leaves: rendered in its recipient's language,
    /// with a fresh tracking link for a customer (a write).
    pub fn compose(&self, conn: &mut DbConn, m: &Message) -> Result<lettre::Message, String> {
        if m.kind == MailKind::EscalationPacket {
            return self.packet(conn, m);
        }
        if m.kind == MailKind::SpikeAlert {
            return self.spike_alert(conn, m);
        }
        if m.kind == MailKind::InboundUnmatched {
            return self.unmatched_answer(m);
        }
        let ticket_id = m.ticket_id.as_deref().ok_or("no ticket")?;
        let ticket = store::find_by_id(conn, ticket_id).map_err(|e| e.to_string())?.ok_or("ticket gone")?;
        let body = match &m.event_id {
            Some(id) => store::event_body(conn, id).map_err(|e| e.to_string())?,
            None => None,
        };
        // Staff get the ticket page; customers a fresh private link.
        let for_staff = [MailKind::SlaBreach, MailKind::EscalationWaiting, MailKind::Complaint].contains(&m.kind);
        let link = if let (MailKind::EscalationWaiting, Some(e)) = (m.kind, &ticket.escalation_id) {
            // What the supervisor is asked to do is on the review page.
            format!("{}/supervisor/escalations#esc-{e}", self.public_url)
        } else if for_staff {
            format!("{}/agent/tickets/{}", self.public_url, ticket.reference)
        } else {
            let token = store::mint_link(conn, &ticket.id, crate::clock::now()).map_err(|e| e.to_string())?;
            format!("{}/t/{}", self.public_url, token)
        };
        let lang = m.language;
        // The steps left while it waits on them; for a case only the
        // platform can enable, why and the other ways to pay.
        let guide = match (for_staff, ticket.case_kind) {
            (true, _) => vec![],
            (false, CaseKind::OutOfScope) => vec![lang.t("guide-out_of_scope")],
            (false, kind) => crate::present::guide::Guide::of(lang, kind, ticket.status, &ticket.checks_tried)
                .map(|g| g.paragraphs())
                .unwrap_or_default(),
        };
        let intro = match m.kind {
            MailKind::Received => {
                let cal =
                    crate::db::calendars::for_queue(conn, ticket.queue, &self.calendars).map_err(|e| e.to_string())?;
                self.received_intro(lang, &ticket, &cal)
            }
            _ => None,
        };
        let facts = Facts { reference: &ticket.reference, body, link: &link, guide, subject: None, intro };
        let (subject, text, html) = render(m.kind, lang, facts).map_err(|e| e.to_string())?;
        // A customer's answer to this message comes back to the ticket.
        let reply_to = match (&self.reply, for_staff) {
            (Some(reply), false) => {
                let token =
                    crate::inbound::reply_token(conn, &ticket.id, crate::clock::now()).map_err(|e| e.to_string())?;
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
        let facts =
            Facts { reference: "", body: None, link: &link, guide: vec![], subject: Some(subject), intro: None };
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
    fn received_intro(&self, lang: Lang, t: &store::Ticket, cal: &crate::domain::calendar::Calendar) -> Option<String> {
        use crate::domain::next_steps::Path;
        use crate::present::words::span_words;
        match Path::of_ticket(t.case_kind, t.status, &t.checks_tried) {
            Path::SelfService => {
                let hours = self.self_service_timeout.num_hours();
                Some(lang.t_with("mail-received-body-self_service", "within", span_words(lang, hours)))
            }
            Path::Platform => Some(lang.t("mail-received-body-platform")),
            Path::Done => None,
            // On a calendar that closes: the day and the time, and the
            // holiday in the way (as the confirmation page says it).
            _ if t.first_response_at.is_none() && t.paused_at.is_none() && !cal.is_always_open() => {
                let by = crate::present::promise::by(lang, cal, t.created_at, t.due_at);
                Some(lang.t_with("mail-received-body-review-by", "by", by))
            }
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
            guide: vec![],
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
                    crate::inbound::packet_reply_token(conn, &e.id, crate::clock::now()).map_err(|e| e.to_string())?;
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
            filed: crate::present::china_time(t.created_at),
        })
        .collect();
    let why = bilingual(|l| crate::present::words::rule_label(l, &e.rule, Some(e.target)));
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
