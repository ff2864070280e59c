//! Each kind of message, in the recipient's language, as plain text and
//! HTML from the templates under `templates/email/`. Customer and staff text
//! is escaped in the HTML part. No account number, no screenshot.

use askama::Template;

use crate::domain::codes::MailKind;
use crate::i18n::Lang;

/// One message's words, shared by its text and HTML parts.
struct Parts {
    lang: &'static str,
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    quote: Option<String>,
    after: Vec<String>,
    link_label: String,
    link: String,
    reference: String,
    footer: String,
    /// "Did this solve it?" with its two links (the "resolved" mail).
    rate: Option<RateLinks>,
}

/// The two links that open the rating page with a choice preselected; the
/// page asks for one button more (a GET changes nothing: see
/// `web::satisfaction`).
struct RateLinks {
    question: String,
    good: (String, String),
    bad: (String, String),
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct Text<'a> {
    p: &'a Parts,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct Html<'a> {
    p: &'a Parts,
}

/// What a message needs from its ticket.
pub struct Facts<'a> {
    pub reference: &'a str,
    /// The staff message it carries (a reply, a request for information).
    pub body: Option<String>,
    /// An absolute link to the customer's request page.
    pub link: &'a str,
    /// What the customer can do now (self-service and out-of-scope kinds).
    pub guide: Vec<String>,
    /// A subject of the message's own, instead of the kind's subject with
    /// the reference (a spike alert's: no customer-typed text in it).
    pub subject: Option<String>,
    /// The first paragraph in words of the case's own, instead of the
    /// kind's (the confirmation: its promise follows the ticket).
    pub intro: Option<String>,
}

/// Subject, text and HTML.
pub fn render(
    kind_: crate::domain::codes::MailKind,
    lang: Lang,
    f: Facts<'_>,
) -> Result<(String, String, String), askama::Error> {
    let t = |key: &str| lang.t(&format!("mail-{kind_}-{key}"));
    let subject = f.subject.unwrap_or_else(|| lang.t_with(&format!("mail-{kind_}-subject"), "reference", f.reference));
    let (paragraphs, after) = match kind_ {
        MailKind::Received => (vec![f.intro.unwrap_or_else(|| t("body"))], f.guide.clone()),
        MailKind::PlatformAnswer => (vec![t("body")], vec![]),
        MailKind::SlaBreach | MailKind::EscalationWaiting | MailKind::SpikeAlert => (vec![t("body")], vec![]),
        // The customer's reason is quoted as text; the subject has only the reference.
        MailKind::Complaint => (vec![t("body")], vec![t("after")]),
        MailKind::IncidentUpdate => (vec![t("body")], vec![t("answer")]),
        MailKind::Reply => (vec![t("body")], vec![t("answer")]),
        MailKind::PaymentFound => (vec![t("body")], vec![t("answer")]),
        MailKind::InfoRequest => (vec![t("body")], vec![]),
        MailKind::Resolved => (vec![t("body")], vec![t("reopen")]),
        MailKind::FreshLink => (vec![t("body")], vec![t("after")]),
        MailKind::InboundUnmatched => (vec![t("body")], vec![t("after")]),
        MailKind::ComplaintReceived => (vec![t("body")], vec![]),
        _ => (vec![], vec![]),
    };
    let rate = (kind_ == MailKind::Resolved && !f.link.is_empty()).then(|| RateLinks {
        question: lang.t("rate-question"),
        good: (lang.t("rate-good"), format!("{}/rate?good=1", f.link)),
        bad: (lang.t("rate-bad"), format!("{}/rate?good=0", f.link)),
    });
    let staff =
        [MailKind::SlaBreach, MailKind::EscalationWaiting, MailKind::SpikeAlert, MailKind::Complaint].contains(&kind_);
    let parts = Parts {
        lang: lang.code(),
        greeting: lang.t("mail-greeting"),
        paragraphs,
        quote: f.body,
        after,
        link_label: lang
            .try_t(&format!("mail-{kind_}-link"))
            .unwrap_or_else(|| lang.t(if staff { "mail-staff-link" } else { "mail-link" })),
        link: f.link.to_string(),
        // An answer about no ticket has no reference to name.
        reference: if f.reference.is_empty() {
            String::new()
        } else {
            lang.t_with("mail-reference", "reference", f.reference)
        },
        footer: lang.t(if staff { "mail-staff-footer" } else { "mail-footer" }),
        subject,
        rate,
    };
    let text = Text { p: &parts }.render()?;
    let html = Html { p: &parts }.render()?;
    let subject = parts.subject;
    Ok((subject, text, html))
}

/// One grouped ticket, as the packet shows it: masked facts only.
pub struct PacketLine {
    pub reference: String,
    pub city: String,
    /// The step and symptom in words, both languages.
    pub step: String,
    pub symptom: String,
    pub error: String,
    pub account: String,
    pub checks: String,
    pub filed: String,
}

/// An escalation packet's content, shared by its text and HTML parts.
struct Packet<'a> {
    subject: String,
    intro: &'a str,
    /// The platform and scenario in words, both languages.
    platform: String,
    scenario: String,
    count: usize,
    rule: &'a str,
    tickets: &'a [PacketLine],
    closing: &'a str,
}

#[derive(Template)]
#[template(path = "email/packet.txt")]
struct PacketText<'a> {
    p: &'a Packet<'a>,
}

#[derive(Template)]
#[template(path = "email/packet.html")]
struct PacketHtml<'a> {
    p: &'a Packet<'a>,
}

/// The escalation packet: bilingual, for the platform's (or engineering's,
/// or the provider's) reviewers.
pub fn render_packet(
    platform: crate::domain::codes::Platform,
    scenario: crate::domain::codes::PaymentScenario,
    rule: &str,
    tickets: &[PacketLine],
) -> Result<(String, String, String), askama::Error> {
    let both = |zh: String, en: String| if zh == en { zh } else { format!("{zh} / {en}") };
    let (zh, en) = (crate::i18n::Lang::ZhCn, crate::i18n::Lang::En);
    let platform = both(platform.label(zh), platform.label(en));
    let scenario = both(scenario.label(zh), scenario.label(en));
    let subject = format!("[paydesk] 请审核支付场景 / Please review a payment scenario: {scenario} @ {platform}");
    let intro = "您好：以下客户无法完成这一支付场景。请审核并开通该场景，或告知原因。附件为客户提供的错误截图。\n\
                 Hello: the customers below cannot complete this payment scenario. Please review and enable it, \
                 or tell us why not. The customers' screenshots are attached.";
    let closing = "请回复您的审核结果和编号。Please reply with your decision and its reference. — paydesk";
    let packet = Packet { subject, intro, platform, scenario, count: tickets.len(), rule, tickets, closing };
    let text = PacketText { p: &packet }.render()?;
    let html = PacketHtml { p: &packet }.render()?;
    Ok((packet.subject, text, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_in_both_languages_and_escapes_html() {
        let all = [
            MailKind::Received,
            MailKind::Reply,
            MailKind::InfoRequest,
            MailKind::Resolved,
            MailKind::PlatformAnswer,
            MailKind::SlaBreach,
            MailKind::EscalationWaiting,
            MailKind::SpikeAlert,
            MailKind::IncidentUpdate,
            MailKind::PaymentFound,
            MailKind::Complaint,
        ];
        for k in all {
            for lang in Lang::ALL {
                let body = Some("<b>retry</b> & wait".into());
                let f = Facts {
                    reference: "PD-7KM3QX",
                    body,
                    link: "https://x/t/abc",
                    guide: vec![],
                    subject: None,
                    intro: None,
                };
                let (subject, text, html) = render(k, lang, f).unwrap();
                assert!(subject.contains("PD-7KM3QX"), "{k} {lang:?}");
                assert!(!subject.contains("mail-"), "{k} {lang:?}: {subject}");
                assert!(text.contains("<b>retry</b> & wait") && text.contains("https://x/t/abc"));
                assert!(html.contains("&#60;b&#62;retry&#60;/b&#62; &#38; wait"), "{html}");
                assert!(!text.contains("Unknown localization"), "{k} {lang:?}");
                // Only the "resolved" mail asks for a rating, with both links.
                let asks = text.contains("https://x/t/abc/rate?good=1") && text.contains("https://x/t/abc/rate?good=0");
                assert_eq!(asks, k == MailKind::Resolved, "{k} {lang:?}");
                assert_eq!(html.contains("https://x/t/abc/rate?good=0"), k == MailKind::Resolved, "{k} {lang:?}");
            }
        }
    }
}
