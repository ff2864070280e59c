//! Issue 19, points 9 and 10: supervisor pages in staff words (labels, never
//! codes), the headline numbers, the packet shown before it leaves, charts
//! with nothing to draw; and the housekeeping every page gets (icon,
//! description, compression with a masked CSRF token, a long-cached
//! stylesheet, screenshot thumbnails).

use std::io::Read;
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use paydesk::db::schema::tickets;
use paydesk::domain::codes::{EscalationTarget, PaymentScenario, Platform};

use crate::support::{
    complete_fields, form, hidden_value, png_part, spawn, spawn_with, with, Browser, SmtpSink, TestApp,
};

/// A page as a browser in `lang` reads it.
async fn page(b: &Browser, path: &str, lang: &str) -> String {
    let res = b.client.get(b.url(path)).header("Accept-Language", lang).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.text().await.unwrap()
}

fn set(app: &TestApp, reference: &str, status: &str, due_in_hours: i64, filed_hours_ago: i64) {
    let now = Utc::now().naive_utc();
    diesel::update(tickets::table.filter(tickets::reference.eq(reference)))
        .set((
            tickets::status.eq(status),
            // Waiting on the customer stops the clock, as the app does.
            tickets::paused_at.eq((status == "pending_customer").then_some(now)),
            tickets::due_at.eq(now + chrono::Duration::hours(due_in_hours)),
            tickets::created_at.eq(now - chrono::Duration::hours(filed_hours_ago)),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

/// Out of the platform's scope: grouped in one escalation to Alipay.
fn out_of_scope() -> Vec<(&'static str, String)> {
    let f = with(&complete_fields(), "platform", "alipay");
    let f = with(&f, "symptom", "button_inert");
    let f = with(&f, "error_code", "");
    with(&f, "error_message", "")
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn supervisor_pages_show_labels_not_codes_in_both_languages() {
    let app = spawn().await;
    let boss = app.staff("supervisor").await;
    // Money taken and not credited, escalated by the sweep's rule to the
    // payment provider (as `escalate_old_deductions` does after 3 days).
    let mut money = with(&complete_fields(), "symptom", "money_taken_not_paid");
    money.push(("occurred_at", "2026-01-05T09:30".into()));
    money.push(("amount", "128.50".into()));
    money.push(("order_number", "WX20260105-0042".into()));
    let (reference, _) = app.file_api(&money).await;
    {
        let mut c = app.conn();
        let now = Utc::now().naive_utc();
        let (esc, _) = paydesk::db::routing::escalation_for(
            &mut c,
            EscalationTarget::Provider,
            Platform::Wechat,
            PaymentScenario::ElectricityBill,
            "deducted-not-credited-too-long",
            now,
        )
        .unwrap();
        diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
            .set(tickets::escalation_id.eq(&esc))
            .execute(&mut c)
            .unwrap();
    }
    let codes = ["deducted-not-credited-too-long", "pending_review", "symptom=", "not tried:"];
    for (lang, why, state) in [
        ("en", "Money taken and still not credited after the waiting time", "Waiting for review"),
        ("zh-CN", "已扣款，等待期过后仍未到账", "待审核"),
    ] {
        let esc = page(&boss, "/supervisor/escalations", lang).await;
        assert!(esc.contains(why), "{lang}: {esc}");
        let dash = page(&boss, "/supervisor", lang).await;
        let ticket = page(&boss, &format!("/agent/tickets/{reference}"), lang).await;
        assert!(ticket.contains(state), "{lang}: the escalation's state in words");
        for (name, html) in [("escalations", &esc), ("dashboard", &dash), ("ticket", &ticket)] {
            for code in codes {
                if let Some(at) = html.find(code) {
                    panic!("{lang} {name} shows {code}: {}", &html[at.saturating_sub(300)..(at + 100).min(html.len())]);
                }
            }
        }
    }

    // The incident form offers labelled choices and still sends codes.
    for (lang, label) in [("en", "Timeout / busy"), ("zh-CN", "超时/系统繁忙")] {
        let list = page(&boss, "/supervisor/incidents", lang).await;
        assert!(list.contains(r#"<option value="case_kind:timeout_busy">"#), "{list}");
        assert!(list.contains(r#"<option value="failing_step:tap_pay">"#));
        assert!(!list.contains("e.g. timeout_busy") && !list.contains("例如 timeout_busy"));
        let _ = label;
    }
    let res =
        boss.post("/supervisor/incidents", &[("title", "Gateway slow"), ("matching", "case_kind:timeout_busy")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let at = res.headers()["location"].to_str().unwrap().to_string();
    let shown = page(&boss, &at, "en").await;
    assert!(shown.contains("Kind of case: Timeout / busy"), "{shown}");
    let res =
        boss.post("/supervisor/incidents", &[("title", "Shenzhen down"), ("matching", "city"), ("city", "深圳")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let at = res.headers()["location"].to_str().unwrap().to_string();
    assert!(page(&boss, &at, "en").await.contains("City: 深圳"));
    // A city chosen but not written is refused, the choice kept.
    let res = boss.post("/supervisor/incidents", &[("title", "Somewhere"), ("matching", "city"), ("city", "")]).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains(r#"<option value="city" selected>"#));
}

#[tokio::test]
async fn the_packet_is_shown_before_approval_exactly_as_it_leaves() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let boss = app.staff("supervisor").await;
    let (first, _) = app.file_api(&out_of_scope()).await;
    let (second, _) = app.file_api(&out_of_scope()).await;
    let esc: String = tickets::table
        .filter(tickets::reference.eq(&first))
        .select(tickets::escalation_id.assume_not_null())
        .first(&mut app.conn())
        .unwrap();

    let list = page(&boss, "/supervisor/escalations", "en").await;
    assert!(list.contains("See the packet as it will be sent"));
    assert!(list.contains("mini-program-review@alipay.example"));
    assert!(list.contains("Customers affected: 2"));
    assert!(list.contains(&format!("{first}-1.png")) && list.contains(&format!("{second}-2.png")), "attachments named");
    assert!(list.contains("31******4821") && !list.contains("310012344821"));
    // Each action with its own fields: the reason box is inside "send back".
    let approve = list.find(&format!("/supervisor/escalations/{esc}/approve")).unwrap();
    let back = list.find(&format!("/supervisor/escalations/{esc}/send-back")).unwrap();
    let reason = list.find(&format!("id=\"reason-{esc}\"")).unwrap();
    assert!(approve < back && back < reason, "the reason belongs to send back");
    let zh = page(&boss, "/supervisor/escalations", "zh-CN").await;
    assert!(zh.contains("查看将要发出的材料") && zh.contains("退回原因"));
    let start = list.find("<pre class=\"packet-text\"").unwrap();
    let preview = &list[start..];
    let preview = unescape(&preview[preview.find('>').unwrap() + 1..preview.find("</pre>").unwrap()]);

    let res = boss.post(&format!("/supervisor/escalations/{esc}/approve"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let mut sent = None;
    for _ in 0..100 {
        sent = smtp.messages().into_iter().find(|m| m.contains("mini-program-review@alipay.example"));
        if sent.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let raw = sent.expect("the packet was sent");
    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    fn text_of(p: &mailparse::ParsedMail) -> Option<String> {
        if p.ctype.mimetype == "text/plain" {
            return p.get_body().ok();
        }
        p.subparts.iter().find_map(text_of)
    }
    let text = text_of(&mail).unwrap().replace("\r\n", "\n");
    assert_eq!(text.trim(), preview.trim(), "the preview is the packet");
    assert!(!text.contains("tap_pay") && !text.contains("button_inert"), "labels, not codes: {text}");
    // Once sent there is nothing left to preview.
    assert!(!page(&boss, "/supervisor/escalations", "en").await.contains("packet-text"));
}

#[tokio::test]
async fn the_headline_numbers_count_a_known_set_and_link_to_the_queue() {
    let app = spawn().await;
    let boss = app.staff("supervisor").await;
    let late = app.file_api(&complete_fields()).await.0;
    let waiting = app.file_api(&complete_fields()).await.0;
    let older = app.file_api(&complete_fields()).await.0;
    let done = app.file_api(&complete_fields()).await.0;
    let platform = app.file_api(&out_of_scope()).await.0;
    // Filed "today" means just now: an hour ago may be yesterday in China
    // when the suite runs soon after midnight there.
    set(&app, &late, "open", -2, 0);
    set(&app, &waiting, "pending_customer", -2, 0);
    set(&app, &older, "open", 5, 72);
    set(&app, &done, "resolved", 5, 0);
    set(&app, &platform, "pending_platform", 5, 0);

    for (lang, labels) in [
        (
            "en",
            [
                "open",
                "overdue (past their due time)",
                "waiting on the customer",
                "filed today",
                "escalations to review",
            ],
        ),
        ("zh-CN", ["未结工单", "已超时（超过处理时限）", "等待客户回复", "今日新建", "待审核的升级"]),
    ] {
        let dash = page(&boss, "/supervisor", lang).await;
        for (n, label) in [4, 1, 1, 4, 1].iter().zip(labels) {
            let shown = format!(r#"<span class="headline-n">{n}</span> <span class="headline-label">{label}</span>"#);
            assert!(dash.contains(&shown), "{lang}: {shown}");
        }
        assert!(dash.contains(r#"href="/agent?view=open&#38;sla=breached""#));
    }
    // The overdue number's link lists exactly the late ticket.
    let queue = page(&boss, "/agent?view=open&sla=breached", "en").await;
    assert!(queue.contains(&late));
    for other in [&waiting, &older, &done, &platform] {
        assert!(!queue.contains(other.as_str()), "{other}");
    }
    // In one queue only: none of these is in the refunds queue.
    let refunds = page(&boss, "/supervisor?queue=refunds", "en").await;
    assert!(refunds.contains(r#"<span class="headline-n">0</span> <span class="headline-label">open</span>"#));
}

#[tokio::test]
async fn charts_with_nothing_to_draw_say_so_in_words() {
    let app = spawn().await;
    let boss = app.staff("supervisor").await;
    for (lang, said, now) in [
        ("en", "No tickets in this period.", "No open tickets right now."),
        ("zh-CN", "此期间没有工单。", "目前没有未结工单。"),
    ] {
        let dash = page(&boss, "/supervisor?from=2020-01-01&to=2020-01-14", lang).await;
        assert!(dash.contains(&format!(r#"<p class="chart-empty">{said}</p>"#)), "{lang}");
        assert!(dash.contains(now), "{lang}");
        assert!(!dash.contains("<svg"), "{lang}: no empty boxes");
    }
    // With a ticket, its day has a chart.
    app.file_api(&complete_fields()).await;
    assert!(page(&boss, "/supervisor", "en").await.contains("<svg"));
}

#[tokio::test]
async fn every_page_has_an_icon_a_description_and_a_long_cached_stylesheet() {
    let app = spawn().await;
    let icon = app.get("/favicon.ico").await;
    assert_eq!(icon.status().as_u16(), 200);
    assert!(icon.headers()["content-type"].to_str().unwrap().starts_with("image/"));
    assert_eq!(&icon.bytes().await.unwrap()[..4], &[0, 0, 1, 0], "an ICO file");
    let svg = app.get("/static/favicon.svg").await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");

    for (path, lang, said) in [
        ("/", "en", "Your bill or wallet payment failed?"),
        ("/", "zh-CN", "缴费或钱包支付失败了？"),
        ("/help/error_shown", "en", "An error message appeared: the checks to try first"),
        ("/help/error_shown", "zh-CN", "出现了错误提示：建议先试的几步"),
        ("/tickets/new", "en", "Ask for help with a failed payment"),
        ("/tickets/new", "zh-CN", "支付失败求助"),
        ("/login", "en", "paydesk: help when a bill or wallet payment failed"),
    ] {
        let html = app.get_lang(path, lang).await.text().await.unwrap();
        let start = html.find(r#"<meta name="description" content=""#).unwrap_or_else(|| panic!("{path} {lang}"));
        let content = &html[start..html[start..].find('>').unwrap() + start];
        assert!(content.contains(said), "{path} {lang}: {content}");
        assert!(html.contains(r#"<link rel="icon" href="/static/favicon.svg""#));
    }

    let home = app.get("/").await.text().await.unwrap();
    let at = home.find("/static/style.css?v=").expect("a versioned stylesheet");
    let url: String = home[at..].chars().take_while(|c| *c != '"').collect();
    let version = url.trim_start_matches("/static/style.css?v=");
    assert!(version.len() == 12 && version.chars().all(|c| c.is_ascii_hexdigit()), "{url}");
    let css = app.get(&url).await;
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(css.text().await.unwrap().contains("/* --- supervisor --- */"));
    // The bare URL (and an old version) still answer, briefly cached.
    for old in ["/static/style.css", "/static/style.css?v=0123456789ab"] {
        let res = app.get(old).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["cache-control"], "public, max-age=300");
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut out).expect("gzip");
    out
}

#[tokio::test]
async fn compressed_pages_carry_a_fresh_masked_token_that_still_works() {
    let app = spawn().await;
    app.add_staff("lin@paydesk.test", "Lin", "supervisor", &["general"]);
    let b = app.browser();
    let gz = |path: &'static str| {
        b.client.get(b.url(path)).header("Accept-Encoding", "gzip").header("Accept-Language", "en").send()
    };
    let res = gz("/login").await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let first = hidden_value(&gunzip(&res.bytes().await.unwrap()), "csrf").unwrap();
    let second = hidden_value(&gunzip(&gz("/login").await.unwrap().bytes().await.unwrap()), "csrf").unwrap();
    assert_ne!(first, second, "masked afresh in each response");
    let cookie = b.client.get(b.url("/login")).send().await.unwrap();
    let _ = cookie;

    // The token from the compressed page signs in.
    let res = b
        .client
        .post(b.url("/login"))
        .form(&[("email", "lin@paydesk.test"), ("password", crate::support::PASSWORD), ("csrf", first.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // The supervisor's pages are compressed too, and their forms work.
    let res = gz("/supervisor").await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let dash = gunzip(&res.bytes().await.unwrap());
    let token = hidden_value(&dash, "csrf").unwrap();
    let res = b
        .client
        .post(b.url("/supervisor/incidents"))
        .form(&[("title", "From a compressed page"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // Another visitor's token is refused, masked or not.
    let stranger = app.browser();
    let theirs = stranger.csrf().await;
    let res = b
        .client
        .post(b.url("/supervisor/incidents"))
        .form(&[("title", "x"), ("csrf", theirs.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // Without Accept-Encoding nothing is compressed; images never are.
    let plain = b.client.get(b.url("/supervisor")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
}

/// A screenshot big enough to be worth a thumbnail: 600×1000 of noise.
fn big_png() -> Vec<u8> {
    let mut seed = 7u32;
    let img = image::RgbImage::from_fn(600, 1000, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let b = (seed >> 16).to_le_bytes();
        image::Rgb([b[0], b[1], b[0] ^ b[1]])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test]
async fn thumbnails_are_small_and_shown_only_to_whoever_may_see_the_image() {
    let app = spawn().await;
    let png = big_png();
    let (status, body) = app.api_file(form(&complete_fields(), Some(png_part("big.png", png.clone()))), "en").await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_string();
    let tracking = body["tracking_url"].as_str().unwrap().trim_start_matches(&app.base).to_string();
    let (other_reference, other_tracking) = app.file_api(&complete_fields()).await;
    let _ = other_reference;

    let agent = app.staff("agent").await;
    let ticket = page(&agent, &format!("/agent/tickets/{reference}"), "en").await;
    let marker = format!("/agent/tickets/{reference}/screenshots/");
    let at = ticket.find(&format!("<img src=\"{marker}")).expect("a thumbnail on the ticket page") + 10;
    let id: String = ticket[at + marker.len()..].chars().take_while(|c| *c != '?').collect();
    assert!(ticket.contains(&format!("<a href=\"{marker}{id}\">")), "linked to the full image");
    assert!(ticket.contains(&format!("{marker}{id}?size=thumb")));

    let full = agent.get(&format!("{marker}{id}")).await.bytes().await.unwrap();
    assert_eq!(full.len(), png.len());
    let res = agent.get(&format!("{marker}{id}?size=thumb")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let thumb = res.bytes().await.unwrap();
    assert!(thumb.len() * 4 < full.len(), "{} vs {}", thumb.len(), full.len());
    let size = imagesize::blob_size(&thumb).unwrap();
    assert_eq!((size.width, size.height), (240, 400));
    // Again (from the cache): the same.
    assert_eq!(agent.get(&format!("{marker}{id}?size=thumb")).await.bytes().await.unwrap(), thumb);

    // The customer's own page shows it small too.
    let mine = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(mine.contains(&format!("{tracking}/screenshots/{id}?size=thumb")));
    let res = app.get(&format!("{tracking}/screenshots/{id}?size=thumb")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.bytes().await.unwrap(), thumb);

    // Refused to whoever may not see the full image.
    let anonymous = app.browser();
    let res = anonymous.get(&format!("{marker}{id}?size=thumb")).await;
    assert_ne!(res.status().as_u16(), 200, "not signed in");
    let res = app.get(&format!("{other_tracking}/screenshots/{id}?size=thumb")).await;
    assert_eq!(res.status().as_u16(), 404, "another ticket's link");
    let res = app.get(&format!("/t/not-a-real-token-at-all/screenshots/{id}?size=thumb")).await;
    assert_eq!(res.status().as_u16(), 404);
}
