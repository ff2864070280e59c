//! What a reply says: the customer's new words, without the quoted history
//! their mail program adds below (or above) them, or their signature; and
//! whether a message was written by a person at all.

/// Lines that start the quoted history in the mail programs our customers
/// use (Gmail, Outlook, Apple Mail, QQ Mail, NetEase, Foxmail), in English
/// and Chinese: everything from such a line on is what we sent before.
fn starts_history(line: &str) -> bool {
    let l = line.trim();
    let lower = l.to_lowercase();
    // "On Tue, 1 Dec 2026 at 10:00, paydesk <…> wrote:" (may be folded
    // over two lines: the first then ends without "wrote:").
    (lower.starts_with("on ") && (lower.ends_with("wrote:") || lower.contains("wrote:")))
        // "在 2026年12月1日 10:00，paydesk <…> 写道：" and Outlook's Chinese form.
        || (l.starts_with('在') && (l.ends_with("写道：") || l.ends_with("写道:")))
        || lower.starts_with("-----original message-----")
        || l.starts_with("------------------ 原始邮件") 
        || l.starts_with("-----原始邮件-----")
        || l.starts_with("---- 回复的原邮件 ----")
        // Outlook's header block: "From: …" / "发件人: …" at a line's start.
        || lower.starts_with("from: ")
        || l.starts_with("发件人:")
        || l.starts_with("发件人：")
        || lower.starts_with("________________________________")
}

/// The new words of a reply: quoted lines (`>`), the history after a
/// marker line, and a signature after `-- ` are dropped; blank lines at
/// either end trimmed.
pub fn reply_text(body: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        if starts_history(line) || line == "-- " || line == "--" {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line);
    }
    let text = kept.join("\n");
    text.trim_matches(|c: char| c == '\n' || c.is_whitespace()).to_string()
}

/// Where mail programs start the quoted history in an HTML reply (Gmail,
/// Outlook, Thunderbird, Apple Mail, QQ Mail, NetEase): everything from the
/// first of these on is what we sent before.
const HTML_HISTORY: [&str; 9] = [
    "<blockquote",
    "class=\"gmail_quote",
    "class=\"gmail_attr",
    "id=\"divrplyfwdmsg",
    "id=\"appendonsend",
    "class=\"moz-cite-prefix",
    "id=\"reply-content",
    "id=\"isreplycontent",
    "id=\"original-content",
];

/// The new words of an HTML-only reply, as text: the HTML is cut where its
/// quoted history starts (which, once flattened to text, would no longer be
/// marked), blocks become lines, and the rest is read by the parser's own
/// HTML-to-text (tags, scripts and styles dropped, entities decoded); then
/// read as a text reply.
pub fn html_reply_text(html: &str) -> String {
    // ASCII lowercase keeps every byte offset where it was.
    let lower = html.to_ascii_lowercase();
    let mut end = html.len();
    for marker in HTML_HISTORY {
        if let Some(at) = lower.find(marker) {
            // Back to the start of the tag the marker is in.
            let tag = lower[..at].rfind('<').unwrap_or(at);
            end = end.min(tag);
        }
    }
    // Block elements end a line in a browser; the parser's converter only
    // knows <br> and </p>. One pass over the bytes (a tag's name is read
    // where it starts, nothing copied): a 20 MiB message costs no more
    // than reading it.
    const BLOCKS: [&[u8]; 8] = [b"div", b"li", b"tr", b"h1", b"h2", b"h3", b"h4", b"table"];
    let bytes = &html.as_bytes()[..end];
    let mut flowing = String::with_capacity(end + 64);
    let mut copied = 0;
    for (at, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'<') {
        let name_at = if bytes.get(at + 1) == Some(&b'/') { at + 2 } else { at + 1 };
        let name_len = bytes[name_at.min(end)..].iter().take(6).take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = &bytes[name_at.min(end)..name_at.min(end) + name_len];
        if BLOCKS.iter().any(|b| name.eq_ignore_ascii_case(b)) {
            // `<` is ASCII: a character boundary.
            flowing.push_str(&html[copied..at]);
            flowing.push_str("<br>");
            copied = at;
        }
    }
    flowing.push_str(&html[copied..end]);
    let text = mail_parser::decoders::html::html_to_text(&flowing);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // Runs of empty lines (from nested blocks) become one.
    let mut kept: Vec<&str> = Vec::new();
    for line in lines {
        if line.is_empty() && kept.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        kept.push(line);
    }
    reply_text(&kept.join("\n"))
}

/// The headers that tell a message was sent by a machine, not a person:
/// never answered, never added to a ticket (RFC 3834 `Auto-Submitted`,
/// `Precedence: bulk/junk/list`, vacation responders' own headers, mailing
/// lists, bounces from a mailer daemon or with an empty return path, and
/// delivery reports).
pub fn is_automatic(header: &dyn Fn(&str) -> Option<String>, from: &str) -> bool {
    let has = |name: &str| header(name).is_some();
    let value = |name: &str| header(name).unwrap_or_default().trim().to_ascii_lowercase();
    let auto_submitted = value("Auto-Submitted");
    let precedence = value("Precedence");
    let from = from.to_ascii_lowercase();
    let local = from.split('@').next().unwrap_or("");
    (!auto_submitted.is_empty() && auto_submitted != "no")
        || ["bulk", "junk", "list", "auto_reply"].contains(&precedence.as_str())
        || has("X-Autoreply")
        || has("X-Autorespond")
        || has("X-Auto-Response-Suppress") && value("X-Auto-Response-Suppress").contains("all")
        || has("List-Id")
        || has("List-Unsubscribe")
        || value("Return-Path") == "<>"
        || value("Content-Type").starts_with("multipart/report")
        || ["mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"].contains(&local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_signatures_are_dropped() {
        let gmail = "Still failing after the retry.\r\n\r\nOn Tue, 1 Dec 2026 at 10:00, paydesk <noreply@paydesk.localhost> wrote:\r\n> Please retry.\r\n";
        assert_eq!(reply_text(gmail), "Still failing after the retry.");
        let qq = "重试还是不行\n\n------------------ 原始邮件 ------------------\n发件人: paydesk\n请重试";
        assert_eq!(reply_text(qq), "重试还是不行");
        let apple = "换了网络也不行\n\n在 2026年12月1日 10:00，paydesk <noreply@paydesk.localhost> 写道：\n\n> 请重试";
        assert_eq!(reply_text(apple), "换了网络也不行");
        let outlook = "Tried again.\n\nFrom: paydesk <noreply@paydesk.localhost>\nSent: Tuesday\nPlease retry.";
        assert_eq!(reply_text(outlook), "Tried again.");
        let signed = "It works now, thanks!\n-- \nLi Wei\nSent from my phone";
        assert_eq!(reply_text(signed), "It works now, thanks!");
        let inline = "> Which bank?\nICBC\n> When?\nthis morning";
        assert_eq!(reply_text(inline), "ICBC\nthis morning");
        assert_eq!(reply_text("> only quotes\n"), "");
    }

    #[test]
    fn html_replies_lose_their_quoted_history() {
        // Gmail: the history in a div of its own, the attribution too.
        let gmail = "<div dir=\"ltr\">Still failing.<div>Order 4200001234</div></div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Tue, 1 Dec 2026 paydesk &lt;noreply@example.com&gt; wrote:<br></div><blockquote class=\"gmail_quote\">Please retry. <a href=\"https://pay.example.com/t/abc\">Your request</a></blockquote></div>";
        assert_eq!(html_reply_text(gmail), "Still failing.\nOrder 4200001234");
        // Outlook: a divider block, then the old message's header lines.
        let outlook = "<html><body><p>还是不行</p><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\"><b>发件人:</b> paydesk</div><div>请稍后重试</div></body></html>";
        assert_eq!(html_reply_text(outlook), "还是不行");
        // A huge body of nothing but tags is read in one pass (this would
        // take hours if each tag copied the rest of the message).
        let flood = "<a<div>".repeat(300_000);
        assert_eq!(html_reply_text(&flood), "");
        // No history at all: everything kept, markup and scripts gone.
        assert_eq!(html_reply_text("<p>Still <b>failing</b><script>alert(1)</script></p>"), "Still failing");
    }

    #[test]
    fn machines_are_recognised() {
        let headers = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_string())
        };
        let person = headers(&[("Content-Type", "text/plain")]);
        assert!(!is_automatic(&person, "li.wei@example.com"));
        assert!(!is_automatic(&headers(&[("Auto-Submitted", "no")]), "li.wei@example.com"));
        assert!(is_automatic(&headers(&[("Auto-Submitted", "auto-replied")]), "li.wei@example.com"));
        assert!(is_automatic(&headers(&[("Precedence", "bulk")]), "li.wei@example.com"));
        assert!(is_automatic(&headers(&[("X-Autoreply", "yes")]), "li.wei@example.com"));
        assert!(is_automatic(&headers(&[("List-Id", "<news.example.com>")]), "news@example.com"));
        assert!(is_automatic(&headers(&[("Return-Path", "<>")]), "x@example.com"));
        assert!(is_automatic(
            &headers(&[("Content-Type", "multipart/report; report-type=delivery-status")]),
            "x@example.com"
        ));
        assert!(is_automatic(&person, "MAILER-DAEMON@example.com"));
    }
}
