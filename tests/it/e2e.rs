//! Real-browser journeys: Debian's chromium, driven over WebDriver by
//! fantoccini, against the real server, in a phone-sized window (390×844),
//! in both languages. Each key step is saved as a screenshot under
//! `target/e2e-screenshots/` and checked with axe-core (no serious or
//! critical violations). The customer's journey also runs with JavaScript
//! turned off: every page works without it.
//!
//! Needs `chromium`, `chromedriver` and axe-core (`npm install --prefix
//! target/e2e axe-core@4`); `.ci/run` installs them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::{complete_fields, form, free_port, png_part, samples, spawn, with, TestApp, PASSWORD};

/// A chromedriver of this test's own, stopped when dropped.
struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> String {
    std::env::var("PAYDESK_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

fn axe_source() -> String {
    let path = std::env::var("PAYDESK_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("axe-core at {} ({e}); run: npm install --prefix target/e2e axe-core@4", path.display())
    })
}

struct Browser {
    client: Client,
    base: String,
    /// Screenshot names start with this (journey and language).
    name: String,
    step: usize,
    axe: Option<String>,
    _driver: Driver,
}

/// The two window sizes journeys are walked in: a phone and a desktop.
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1440, 900);

async fn browser(app: &TestApp, name: &str, javascript: bool) -> Browser {
    browser_at(app, name, javascript, PHONE).await
}

/// A browser with a window of `size` (width, height).
async fn browser_at(app: &TestApp, name: &str, javascript: bool, size: (u32, u32)) -> Browser {
    let port = free_port();
    let child = Command::new(chromedriver())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} ({e}): apt-get install chromium chromium-driver", chromedriver()));
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver { child, _profile: profile };
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        format!("--window-size={},{}", size.0, size.1),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    if !javascript {
        args.push("--blink-settings=scriptEnabled=false".into());
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    let binary = std::env::var("PAYDESK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.insert("goog:chromeOptions".into(), json!({ "binary": binary, "args": args }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut client = None;
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let client = client.expect("chromedriver starts a chromium session");
    client.set_window_size(size.0, size.1).await.unwrap();
    Browser {
        client,
        base: app.base.clone(),
        name: name.into(),
        step: 0,
        axe: javascript.then(axe_source),
        _driver: driver,
    }
}

impl Browser {
    async fn go(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// Clicks an element, waiting (up to 10 s) for it: the page may still
    /// be loading after the last click, or be replaced while we look.
    async fn click(&self, css: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            match self.client.find(Locator::Css(css)).await {
                Ok(e) => match e.click().await {
                    Ok(()) => return,
                    Err(err) => last = format!("click: {err}"),
                },
                Err(err) => last = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css}: {last}");
    }

    /// A page that reloads under the field (a form's answer arriving) is
    /// filled again on the new page, up to 10 s.
    async fn fill(&self, css: &str, text: &str) {
        let mut last = String::new();
        for _ in 0..50 {
            match self.client.find(Locator::Css(css)).await {
                Ok(e) => match (e.clear().await, e.send_keys(text).await) {
                    (Ok(()), Ok(())) => return,
                    (Err(err), _) | (_, Err(err)) => last = err.to_string(),
                },
                Err(err) => last = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{css}: {last}")
    }

    async fn choose(&self, css: &str, value: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        e.select_by_value(value).await.unwrap();
    }

    /// The current value of a form control.
    /// A page that reloads between the find and the read (a form submitted
    /// before its script ran) is read again, up to 10 s.
    async fn value(&self, css: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            match self.client.find(Locator::Css(css)).await {
                Ok(e) => match e.prop("value").await {
                    Ok(v) => return v.unwrap_or_default(),
                    Err(err) => last = err.to_string(),
                },
                Err(err) => last = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{css}: {last}")
    }

    async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Waits (up to 10 s) for an element: a click that submits a form returns
    /// before the next page has loaded.
    async fn wait_for(&self, css: &str) -> bool {
        self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.is_ok()
    }

    /// Waits (up to 10 s) for the page to show a text.
    async fn shows(&self, text: &str) -> bool {
        for _ in 0..100 {
            if self.source().await.contains(text) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Saves what the user sees, and checks the page with axe-core.
    async fn check(&mut self, step: &str) {
        self.step += 1;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{}-{:02}-{step}.png", self.name, self.step)), png).unwrap();
        if self.axe.is_none() {
            return;
        }
        let violations = self.axe_violations().await;
        let url = self.client.current_url().await.unwrap();
        assert_eq!(violations, "[]", "axe-core: serious or critical violations on {url} ({})", self.name);
    }

    /// axe-core's serious and critical violations on this page, as JSON.
    async fn axe_violations(&self) -> String {
        let axe = self.axe.as_deref().expect("axe-core loaded");
        let script = format!(
            "{axe}\n;const done = arguments[arguments.length - 1];\
             axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(JSON.stringify(\
             r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
             .map(v => ({{ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }})))))\
             .catch(e => done(JSON.stringify([{{ id: 'axe-error', help: String(e) }}])));"
        );
        let out = self.client.execute_async(&script, vec![]).await.unwrap();
        out.as_str().expect("axe-core answers with JSON text").to_string()
    }
}

const LANGS: [&str; 2] = ["zh-CN", "en"];

/// A ticket's status once it is `expected`, or after 10 s: a form the
/// browser submitted may still be on its way.
async fn status_soon(app: &TestApp, reference: &str, expected: &str) -> String {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let mut status = String::new();
    for _ in 0..100 {
        status = tickets::table
            .filter(tickets::reference.eq(reference))
            .select(tickets::status)
            .first(&mut app.conn())
            .unwrap();
        if status == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

fn screenshot_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::io::Write::write_all(&mut f, &samples::png()).unwrap();
    f
}

/// Picks a symptom, reads the self-checks, files a request with a
/// screenshot, hits a validation error without losing the screenshot, gets
/// the reference, opens the tracking link, and answers an agent.
async fn customer_journey(app: &TestApp, lang: &str, javascript: bool) {
    let tag = if javascript { "customer" } else { "customer-nojs" };
    let mut b = browser(app, &format!("{tag}-{lang}"), javascript).await;
    b.go(&format!("/lang/{lang}?next=/")).await;
    assert!(b.source().await.contains(&format!("<html lang=\"{lang}\"")));
    b.check("symptoms").await;
    b.click("a[href='/help/error_shown']").await;
    b.check("self-checks").await;
    b.click("a[href^='/tickets/new']").await;
    b.check("form").await;

    b.choose("#failing_step", "tap_pay").await;
    b.fill("#error_code", "E1003").await;
    b.choose("#platform", "wechat").await;
    b.choose("#payment_scenario", "electricity_bill").await;
    b.fill("#city", "上海").await;
    b.fill("#account_number", "3100 1234 4821").await;
    b.click("input[name=checks_tried][value=switched_network]").await;
    let shot = screenshot_file();
    b.client
        .find(Locator::Css("#screenshot"))
        .await
        .unwrap()
        .send_keys(&shot.path().display().to_string())
        .await
        .unwrap();
    // No way to reach them yet: refused, with the first contact field
    // marked and the screenshot kept.
    b.click("form[action='/tickets'] button[type=submit]").await;
    assert!(b.wait_for("#error-summary").await, "the error summary");
    assert!(b.has("#contact_phone[aria-invalid=true][aria-describedby~='contact_phone-error']").await);
    assert!(b.has("input[name=screenshot_token]").await, "the screenshot is kept");
    let city = b.client.find(Locator::Css("#city")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(city.as_deref(), Some("上海"), "what was typed is kept");
    b.check("refused").await;

    b.fill("#contact_email", "li.wei@example.com").await;
    b.click("form[action='/tickets'] button[type=submit]").await;
    assert!(b.wait_for("#tracking-link").await, "the confirmation page");
    let created = b.source().await;
    let reference = created.split("PD-").nth(1).map(|s| format!("PD-{}", &s[..6])).expect("a reference");
    b.check("created").await;
    b.click("#tracking-link").await;
    assert!(b.shows(&reference).await);
    b.check("tracking").await;

    // An agent answers (over HTTP); the customer reads it and answers back.
    let agent = app.staff("agent").await;
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/reply"),
            &[("body", "请稍后重试 / please retry"), ("then", "pending_customer")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    b.client.refresh().await.unwrap();
    assert!(b.shows("请稍后重试 / please retry").await);
    b.fill("#message", "重试后仍然失败 / still failing").await;
    b.click("form[action$='/messages'] button[type=submit]").await;
    assert!(b.shows("重试后仍然失败 / still failing").await);
    b.check("answered").await;
    b.client.close().await.unwrap();
}

#[tokio::test]
async fn customer_journey_in_a_phone_browser() {
    let app = spawn().await;
    for lang in LANGS {
        customer_journey(&app, lang, true).await;
    }
}

#[tokio::test]
async fn customer_journey_without_javascript() {
    let app = spawn().await;
    for lang in LANGS {
        customer_journey(&app, lang, false).await;
    }
}

/// Signs in, finds the ticket in the queue, claims it, replies with a canned
/// reply, asks for missing information.
#[tokio::test]
async fn agent_journey_in_a_phone_browser() {
    let app = spawn().await;
    for lang in LANGS {
        let (reference, _) = app.file_api(&complete_fields()).await;
        let email = format!("agent-{lang}@paydesk.test").to_lowercase();
        app.add_staff(&email, &format!("Agent {lang}"), "agent", &["general"]);
        let mut b = browser(&app, &format!("agent-{lang}"), true).await;
        b.go(&format!("/lang/{lang}?next=/login")).await;
        b.check("sign-in").await;
        b.fill("#email", &email).await;
        b.fill("#password", PASSWORD).await;
        b.click("form[action='/login'] button[type=submit]").await;
        assert!(b.wait_for("#q").await, "signed in");
        b.check("queue").await;
        b.fill("#q", &reference).await;
        b.client.find(Locator::Css("#q")).await.unwrap().send_keys("\u{E007}").await.unwrap();
        // Not this agent's yet (filed before they joined): all open tickets.
        b.click("a[href^='/agent?view=open']").await;
        b.check("search").await;
        b.click(&format!("a[href='/agent/tickets/{reference}']")).await;
        b.check("ticket").await;
        b.click("form[action$='/claim'] button[type=submit]").await;
        assert!(b.shows(&format!("Agent {lang}")).await, "claimed");
        b.click("form[action$='/reply'] details > summary").await;
        b.click("button[name=canned]").await;
        // The canned text fills the (empty) draft, in place with the script.
        let mut draft = String::new();
        for _ in 0..50 {
            if b.wait_for("#reply-body").await {
                if let Ok(field) = b.client.find(Locator::Css("#reply-body")).await {
                    draft = field.prop("value").await.ok().flatten().unwrap_or_default();
                }
            }
            if !draft.trim().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(!draft.trim().is_empty(), "the canned reply fills the reply box");
        b.check("canned").await;
        b.choose("#reply-then", "open").await;
        b.click("form[action$='/reply'] button[type=submit]").await;
        assert!(b.shows(draft.lines().next().unwrap_or_default().trim()).await);
        // Ask for whatever is missing (ticked already), or for the order number.
        if !b.has("form[action$='/ask'] input[type=checkbox]:checked").await {
            b.click("form[action$='/ask'] input[type=checkbox]").await;
        }
        b.click("form[action$='/ask'] button[type=submit]").await;
        assert_eq!(status_soon(&app, &reference, "pending_customer").await, "pending_customer");
        b.check("asked").await;
        b.client.close().await.unwrap();
    }
}

/// Reviews and approves an out-of-scope escalation, then records the
/// platform's answer.
#[tokio::test]
async fn supervisor_journey_in_a_phone_browser() {
    let app = spawn().await;
    for lang in LANGS {
        let oos =
            with(&with(&with(&complete_fields(), "platform", "alipay"), "symptom", "button_inert"), "error_code", "");
        let (status, body) = app.api_file(form(&oos, Some(png_part("e.png", samples::png()))), "en").await;
        assert_eq!(status, 201, "{body}");
        let email = format!("boss-{lang}@paydesk.test").to_lowercase();
        app.add_staff(&email, &format!("Boss {lang}"), "supervisor", &["general"]);
        let mut b = browser(&app, &format!("supervisor-{lang}"), true).await;
        // The checker itself works: an image without a text alternative is caught.
        b.client.goto("data:text/html,<html><body><img src='x.png'></body></html>").await.unwrap();
        assert!(b.axe_violations().await.contains("image-alt"), "axe-core finds a known violation");
        b.go(&format!("/lang/{lang}?next=/login")).await;
        b.fill("#email", &email).await;
        b.fill("#password", PASSWORD).await;
        b.click("form[action='/login'] button[type=submit]").await;
        assert!(b.wait_for("form[action='/logout']").await, "signed in");
        b.go("/supervisor").await;
        b.check("dashboard").await;
        b.go("/supervisor/escalations").await;
        b.check("escalations").await;
        b.click("form[action$='/approve'] button[type=submit]").await;
        assert!(b.wait_for("form[action$='/answer']").await, "approved, waiting for the answer");
        b.check("approved").await;
        b.click("form[action$='/answer'] input[type=radio][value=approved]").await;
        b.fill("form[action$='/answer'] input[name=reference]", "ALI-2026-0042").await;
        b.fill("form[action$='/answer'] textarea[name=text]", "场景已开通 / scenario enabled").await;
        b.click("form[action$='/answer'] button[type=submit]").await;
        let reference = body["reference"].as_str().unwrap().to_string();
        let status = status_soon(&app, &reference, "resolved").await;
        assert_eq!(status, "resolved", "the platform's answer resolves the ticket");
        b.check("answered").await;
        b.go(&format!("/agent/tickets/{reference}")).await;
        b.check("ticket-resolved").await;
        b.client.close().await.unwrap();
    }
}

/// A customer switches language in the middle of the form, and again on a
/// refused form: everything typed and the chosen screenshot stay; with
/// JavaScript the markers follow the symptom as it is chosen and the chosen
/// screenshot is previewed.
async fn language_switch_journey(app: &TestApp, lang: &str, size: (u32, u32), javascript: bool) {
    let other = if lang == "en" { "zh-CN" } else { "en" };
    let device = if size == PHONE { "phone" } else { "desktop" };
    let js = if javascript { "" } else { "-nojs" };
    let mut b = browser_at(app, &format!("form-switch-{device}{js}-{lang}"), javascript, size).await;
    b.go(&format!("/lang/{lang}?next=/tickets/new%3Fsymptom%3Derror_shown")).await;
    assert!(b.shows(&format!("<html lang=\"{lang}\"")).await);
    let marker = |page: &str, field: &str| -> String {
        let label = page.split(&format!("<label for=\"{field}\">")).nth(1).unwrap();
        label
            .split("<span class=\"marker\"")
            .nth(1)
            .unwrap()
            .split('>')
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    let required = if lang == "en" { "(required)" } else { "(必填)" };
    assert_eq!(marker(&b.source().await, "screenshot"), required, "an error on screen needs its screenshot");
    assert!(!b.has("details#money[open]").await, "no money to trace: folded");
    if javascript {
        b.choose("#symptom", "money_taken_not_paid").await;
        assert!(b.has("details#money[open]").await, "money taken: the section opens");
        assert_eq!(marker(&b.source().await, "amount"), required);
        b.choose("#symptom", "error_shown").await;
    }
    b.choose("#failing_step", "tap_pay").await;
    b.fill("#error_code", "E1003").await;
    b.choose("#platform", "wechat").await;
    b.choose("#payment_scenario", "electricity_bill").await;
    b.fill("#city", "杭州").await;
    b.fill("#account_number", "3300 5678 9012").await;
    b.click("input[name=checks_tried][value=switched_network]").await;
    let shot = screenshot_file();
    b.client
        .find(Locator::Css("#screenshot"))
        .await
        .unwrap()
        .send_keys(&shot.path().display().to_string())
        .await
        .unwrap();
    if javascript {
        assert!(b.has("#screenshot-preview:not([hidden])").await, "the chosen screenshot is shown");
    }
    b.check("typed").await;

    b.click("button.lang-switch").await;
    assert!(b.shows(&format!("<html lang=\"{other}\"")).await, "the page comes back in {other}");
    assert_eq!(b.value("#city").await, "杭州");
    assert_eq!(b.value("#error_code").await, "E1003");
    assert_eq!(b.value("#symptom").await, "error_shown");
    assert_eq!(b.value("#failing_step").await, "tap_pay");
    assert!(b.has("input[name=checks_tried][value=switched_network]:checked").await);
    assert!(b.has("input[name=screenshot_token]").await, "the screenshot is kept");
    assert!(!b.has("#error-summary").await, "nothing refused yet");
    b.check("switched").await;

    // Sent without an email: refused; switching back keeps the problems.
    b.click("form[action='/tickets'] button[type=submit]").await;
    assert!(b.wait_for("#error-summary").await);
    b.click("button.lang-switch").await;
    assert!(b.shows(&format!("<html lang=\"{lang}\"")).await);
    assert!(b.wait_for("#error-summary").await, "the problems, in the first language");
    assert_eq!(b.value("#city").await, "杭州");
    assert!(b.has("input[name=screenshot_token]").await);
    b.check("refused-switched").await;
    // Enter files the request (it does not press the language button).
    b.fill("#contact_email", "wang@example.com\u{E007}").await;
    assert!(b.wait_for("#tracking-link").await, "filed by Enter, with the kept screenshot");
    b.client.close().await.unwrap();
}

#[tokio::test]
async fn a_customer_switches_language_mid_form_on_a_phone_and_a_desktop() {
    let app = spawn().await;
    for lang in LANGS {
        language_switch_journey(&app, lang, PHONE, true).await;
        language_switch_journey(&app, lang, DESKTOP, true).await;
    }
    language_switch_journey(&app, "zh-CN", PHONE, false).await;
}

/// The customer's pages after filing (issue 19, points 6–8): the
/// confirmation with the link to copy and where it was emailed, the agent's
/// question pinned above the reply box, and finding the request again by
/// reference and email. Both languages, phone and desktop; the copy button
/// also without JavaScript (a readonly field, no button).
#[tokio::test]
async fn after_filing_journey_confirmation_pinned_question_and_find_my_request() {
    use diesel::prelude::*;
    use paydesk::db::schema::outbox;
    let app = spawn().await;
    for (size, label) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for lang in LANGS {
            // An address of its own: "find my request" allows a few links
            // an hour per address.
            let email = format!("li.wei.{label}.{lang}@example.com").to_lowercase();
            let fields = with(&with(&complete_fields(), "lang", lang), "contact_email", &email);
            let created = file_over_http(&app, &fields, lang).await;

            let mut b = browser_at(&app, &format!("after-filing-{label}-{lang}"), true, size).await;
            b.go("/").await;
            // The language the customer chose, remembered as the switch does.
            let set = format!("document.cookie = 'paydesk_lang={lang}; path=/';");
            b.client.execute(&set, vec![]).await.unwrap();
            b.go(&created).await;
            assert!(b.source().await.contains(&format!("<html lang=\"{lang}\"")));
            assert!(b.wait_for("#tracking-url[readonly]").await, "the link in a readonly field");
            let button = b.client.find(Locator::Css("#copy-link")).await.unwrap();
            assert!(button.is_displayed().await.unwrap(), "the script shows the copy button");
            let masked = paydesk::web::mask_email(&email);
            assert!(b.source().await.contains(&masked), "where the link was emailed: {masked}");
            let reference = b.client.find(Locator::Css("#reference")).await.unwrap().text().await.unwrap();
            b.check("created").await;
            b.click("#copy-link").await;
            let copied = if lang == "en" { "Link copied." } else { "链接已复制。" };
            assert!(b.shows(copied).await, "the copy is confirmed");

            // An agent asks a question (over HTTP); the customer's page pins it.
            let question = "请问您用的是哪张银行卡？ / Which bank card did you use?";
            // Signed in just now: no connection left idle while the browser
            // worked.
            let agent = app.staff("agent").await;
            let res = agent
                .post(&format!("/agent/tickets/{reference}/reply"), &[("body", question), ("then", "pending_customer")])
                .await;
            assert_eq!(res.status().as_u16(), 303);
            b.click("#tracking-link").await;
            assert!(b.wait_for("#need #asked").await, "the pinned question");
            let page = b.source().await;
            let (need, reply, timeline) = (
                page.find("id=\"need\"").unwrap(),
                page.find("action=\"/t/").and_then(|i| page[i..].find("/messages\"").map(|j| i + j)).unwrap(),
                page.find("id=\"timeline\"").unwrap(),
            );
            assert!(need < reply && reply < timeline, "pinned above the reply box, before the timeline");
            b.check("pinned-question").await;
            b.fill("#message", "招商银行信用卡 / a CMB credit card").await;
            b.click("form[action$='/messages'] button[type=submit]").await;
            assert!(b.shows("招商银行信用卡 / a CMB credit card").await);
            assert!(!b.has("#need").await, "answered: nothing pinned");

            // Lost the link: find the request by reference and email.
            b.go("/").await;
            b.click("main a[href='/find']").await;
            assert!(b.wait_for("#reference").await);
            b.check("find").await;
            b.fill("#reference", &reference.to_lowercase()).await;
            b.fill("#email", &email).await;
            b.click("form[action='/find'] button[type=submit]").await;
            assert!(b.wait_for("#find-sent").await, "the one answer");
            b.check("find-sent").await;
            b.client.close().await.unwrap();
        }
    }
    // One fresh link queued per request found.
    for _ in 0..50 {
        let queued: i64 =
            outbox::table.filter(outbox::kind.eq("fresh_link")).count().get_result(&mut app.conn()).unwrap();
        if queued == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let queued: i64 = outbox::table.filter(outbox::kind.eq("fresh_link")).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(queued, 4);

    // Without JavaScript: the link is in a readonly field, no dead button.
    let created = file_over_http(&app, &with(&complete_fields(), "lang", "zh-CN"), "zh-CN").await;
    let mut b = browser_at(&app, "after-filing-nojs-zh-CN", false, PHONE).await;
    b.go(&format!("{created}?lang=zh-CN")).await;
    assert!(b.wait_for("#tracking-url[readonly]").await);
    let button = b.client.find(Locator::Css("#copy-link")).await.unwrap();
    assert!(!button.is_displayed().await.unwrap(), "no copy button without JavaScript");
    b.check("created").await;
    b.client.close().await.unwrap();
}

/// Files through the form with a client of its own (no pooled connection
/// the server may have closed while a browser was at work); returns the
/// confirmation's path.
async fn file_over_http(app: &TestApp, fields: &[(&'static str, String)], lang: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let page = client.get(app.url("/tickets/new")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf").unwrap();
    let body = form(fields, Some(png_part("e.png", samples::png()))).text("csrf", csrf);
    let res = client.post(app.url("/tickets")).header("Accept-Language", lang).multipart(body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "the form is accepted");
    res.headers()["location"].to_str().unwrap().to_string()
}

/// Whether the element `css` is shown: rendered (not in a closed fold)
/// and taking room (a visually hidden table header takes 1px at most).
async fn shown(b: &Browser, css: &str) -> bool {
    let script = "const e = document.querySelector(arguments[0]); if (!e || !e.checkVisibility()) return false; \
                  const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1;";
    b.client.execute(script, vec![json!(css)]).await.unwrap().as_bool().unwrap_or(false)
}

/// An agent's staff pages on a phone and on a desktop, in both languages:
/// the queue as cards on the phone (its table header out of sight, the
/// filters and the menu folded) and as a table on the desktop, a bulk
/// change, staff wording on the ticket page and its one Save.
#[tokio::test]
async fn staff_queue_and_ticket_on_a_phone_and_a_desktop() {
    let app = spawn().await;
    for lang in LANGS {
        for (size, dims) in [("phone", PHONE), ("desktop", DESKTOP)] {
            let (reference, _) = app.file_api(&complete_fields()).await;
            let (_second, _) = app.file_api(&complete_fields()).await;
            let email = format!("staff-{size}-{lang}@paydesk.test").to_lowercase();
            app.add_staff(&email, &format!("Staff {size} {lang}"), "supervisor", &["general"]);
            let mut b = browser_at(&app, &format!("staff-queue-{size}-{lang}"), true, dims).await;
            b.go(&format!("/lang/{lang}?next=/login")).await;
            b.fill("#email", &email).await;
            b.fill("#password", PASSWORD).await;
            b.click("form[action='/login'] button[type=submit]").await;
            assert!(b.wait_for("#q").await, "signed in");
            b.go("/agent?view=open&sort=oldest").await;
            assert!(b.has("td.pick input").await, "the queue lists tickets");
            let phone = size == "phone";
            assert_eq!(shown(&b, "table.queue thead").await, !phone, "{size}: the table header");
            assert!(shown(&b, "tr.ticket-row").await, "{size}: the tickets");
            // Nine filters folded behind one control on every screen
            // (issue 29, 14): the queue starts near the top.
            assert!(!shown(&b, "#f-status").await, "{size}: the filters are folded");
            let top = b
                .client
                .execute("return document.querySelector('#bulk').getBoundingClientRect().top", vec![])
                .await
                .unwrap()
                .as_f64()
                .unwrap();
            if !phone {
                assert!(top < 450.0, "{size}: the queue begins {top}px down");
            }
            assert_eq!(shown(&b, ".staff-nav a[href='/supervisor']").await, !phone, "{size}: the menu");
            assert!(shown(&b, "#q").await, "{size}: search stays at hand");
            if phone {
                // A card is as wide as the screen, not a squeezed column.
                let width = b
                    .client
                    .execute("return document.querySelector('tr.ticket-row').getBoundingClientRect().width", vec![])
                    .await
                    .unwrap()
                    .as_f64()
                    .unwrap();
                assert!(width > 300.0, "a card {width}px wide");
            }
            b.check("queue").await;
            if phone {
                b.click(".staff-menu > summary").await;
                assert!(shown(&b, ".staff-nav a[href='/supervisor']").await, "the menu opens");
                b.check("menu").await;
                b.click(".staff-menu > summary").await;
            }
            b.click("#filters > summary").await;
            assert!(shown(&b, "#f-status").await, "the filters open");
            b.check("filters").await;
            b.click("#filters > summary").await;

            // Bulk: make every listed ticket urgent.
            b.client
                .execute("document.querySelectorAll('td.pick input').forEach(i => { i.checked = true; });", vec![])
                .await
                .unwrap();
            b.click(".bulk-fold > summary").await;
            b.choose("#bulk-priority", "urgent").await;
            b.click("form#bulk button[type=submit]").await;
            assert!(b.wait_for("#bulk-outcome").await, "the bulk result");
            let outcome = b.client.find(Locator::Css("#bulk-outcome")).await.unwrap().text().await.unwrap();
            let updated = if lang == "en" { "updated" } else { "已更新" };
            assert!(outcome.contains(updated), "{outcome}");
            b.check("bulk-done").await;
            if phone {
                b.client.execute("document.querySelector('tr.ticket-row').scrollIntoView();", vec![]).await.unwrap();
                b.check("cards").await;
            }

            // The ticket page in staff words, with one Save.
            b.name = format!("staff-ticket-{size}-{lang}");
            b.go(&format!("/agent/tickets/{reference}")).await;
            let page = b.source().await;
            let (facts, filed, customer_voice) = if lang == "en" {
                ("What the customer told us", "Customer filed this request", "What you told us")
            } else {
                ("客户提供的信息", "客户提交了此请求", "您提供的信息")
            };
            assert!(page.contains(facts) && page.contains(filed), "staff wording");
            assert!(!page.contains(customer_voice), "no customer voice on a staff page");
            b.check("ticket").await;
            b.choose("#set-status", "pending_customer").await;
            b.choose("#set-priority", "low").await;
            b.click("form#change button[type=submit]").await;
            assert_eq!(status_soon(&app, &reference, "pending_customer").await, "pending_customer");
            let waiting = if lang == "en" { "Waiting on the customer" } else { "等待客户回复" };
            assert!(b.shows(waiting).await, "the staff word for waiting on the customer");
            b.check("saved").await;
            b.client.close().await.unwrap();
        }
    }
}

/// Issue 19, points 9 and 10: the supervisor's pages at phone and desktop
/// size, in both languages: the headline numbers, a chart with nothing to
/// draw, the packet opened for review before approval, the incident form's
/// labelled choices; and the icon the browser asks for.
#[tokio::test]
async fn supervisor_pages_in_staff_words_at_phone_and_desktop() {
    let app = spawn().await;
    let oos = with(&with(&with(&complete_fields(), "platform", "alipay"), "symptom", "button_inert"), "error_code", "");
    let (status, body) = app.api_file(form(&oos, Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(status, 201, "{body}");
    let reference = body["reference"].as_str().unwrap().to_string();
    for (size, size_name) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for lang in LANGS {
            let email = format!("sv-{size_name}-{lang}@paydesk.test").to_lowercase();
            app.add_staff(&email, &format!("Boss {lang}"), "supervisor", &["general"]);
            let mut b = browser_at(&app, &format!("supervisor-pages-{size_name}-{lang}"), true, size).await;
            b.go(&format!("/lang/{lang}?next=/login")).await;
            b.fill("#email", &email).await;
            b.fill("#password", PASSWORD).await;
            b.click("form[action='/login'] button[type=submit]").await;
            assert!(b.wait_for("form[action='/logout']").await, "signed in");

            b.go("/supervisor").await;
            assert!(b.wait_for(".headline .headline-n").await, "the headline numbers");
            let page = b.source().await;
            let (open, review) =
                if lang == "en" { ("open", "escalations to review") } else { ("未结工单", "待审核的升级") };
            assert!(page.contains(open) && page.contains(review), "{lang}");
            b.check("dashboard-headline").await;
            b.go("/supervisor?from=2020-01-01&to=2020-01-14").await;
            let empty = if lang == "en" { "No tickets in this period." } else { "此期间没有工单。" };
            assert!(b.shows(empty).await, "{lang}: an empty period in words");
            b.check("dashboard-empty").await;

            b.go("/supervisor/escalations").await;
            assert!(!b.client.find(Locator::Css(".packet-text")).await.unwrap().is_displayed().await.unwrap());
            b.click(".packet-preview summary").await;
            let text = b.client.find(Locator::Css(".packet-text")).await.unwrap();
            assert!(text.is_displayed().await.unwrap(), "the packet opens");
            let said = text.text().await.unwrap();
            assert!(said.contains(&reference) && said.contains("31******4821"), "{said}");
            assert!(!said.contains("button_inert"), "labels, not codes");
            b.check("escalation-packet").await;
            // Each action with its own fields: approve alone, the reason in "send back".
            b.client.execute("document.querySelector('.esc-actions').scrollIntoView()", vec![]).await.unwrap();
            assert!(b.has(".esc-action[action$='/send-back'] textarea[name=reason]").await);
            assert!(!b.has(".esc-action[action$='/approve'] textarea").await);
            b.check("escalation-actions").await;

            b.go("/supervisor/incidents").await;
            b.choose("#matching", "case_kind:timeout_busy").await;
            b.check("incident-form").await;
            b.client.close().await.unwrap();
        }
    }
    let icon = app.get("/favicon.ico").await;
    assert_eq!(icon.status().as_u16(), 200, "no 404 in the console");
}

/// Issue 20, "Not solved? Ask for a supervisor": at phone and desktop size,
/// in both languages, a customer whose request waited past its promise asks
/// for a supervisor (the reason is required), sees it recorded, and a
/// supervisor finds it from the dashboard's strip, in the complaints list
/// and on the ticket page.
#[tokio::test]
async fn a_customer_asks_for_a_supervisor_who_sees_the_complaint() {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let app = spawn().await;
    for (size, size_name) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for lang in LANGS {
            let (reference, tracking) = app.file_api(&with(&complete_fields(), "lang", lang)).await;
            // Time passes: the promise is an hour behind us.
            let past = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
            diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
                .set(tickets::due_at.eq(past))
                .execute(&mut app.conn())
                .unwrap();
            let mut b = browser_at(&app, &format!("complaint-{size_name}-{lang}"), true, size).await;
            b.go(&format!("/lang/{lang}?next={tracking}")).await;
            assert!(b.wait_for("#complaint form").await, "{lang}: the form on a late request");
            b.client.execute("document.querySelector('#complaint').scrollIntoView()", vec![]).await.unwrap();
            b.check("complaint-form").await;
            b.click("#complaint button[type=submit]").await;
            assert!(b.wait_for("#complaint-error").await, "{lang}: a reason is required");
            b.client.execute("document.querySelector('#complaint').scrollIntoView()", vec![]).await.unwrap();
            b.check("reason-required").await;
            b.choose("#complaint_reason", "too_slow").await;
            b.fill("#complaint_text", "Nobody has answered and the bill is due tomorrow.").await;
            b.click("#complaint button[type=submit]").await;
            assert!(b.wait_for("#complaint-open").await, "{lang}: asked");
            let asked = if lang == "en" { "You asked for a supervisor" } else { "您请主管处理" };
            assert!(b.shows(asked).await, "{lang}: in the timeline");
            assert!(!b.has("#complaint form").await, "no second request");
            b.check("asked").await;

            let email = format!("boss-{size_name}-{lang}@paydesk.test").to_lowercase();
            app.add_staff(&email, &format!("Boss {lang}"), "supervisor", &["general", "payments"]);
            b.go(&format!("/lang/{lang}?next=/login")).await;
            b.fill("#email", &email).await;
            b.fill("#password", PASSWORD).await;
            b.click("form[action='/login'] button[type=submit]").await;
            assert!(b.wait_for("form[action='/logout']").await, "signed in");
            b.go("/supervisor").await;
            b.click(".headline a[href*='complaint=open']").await;
            assert!(b.wait_for(".complaint-badge").await, "{lang}: the complaints list");
            assert!(b.source().await.contains(&reference));
            b.check("complaints").await;
            b.go(&format!("/agent/tickets/{reference}")).await;
            assert!(b.wait_for("#complaint .complaint-badge").await, "{lang}: on the ticket page");
            let staff = if lang == "en" { "Customer asked for a supervisor" } else { "客户请主管处理" };
            assert!(b.shows(staff).await, "{lang}: staff wording");
            b.check("staff-ticket").await;
            b.client.close().await.unwrap();
        }
    }
}

/// Satisfaction (issue 20): an agent resolves; the customer answers "not
/// solved" with a reason and a comment on the tracking page (no email
/// needed); a supervisor finds it in the follow-up list and on the
/// dashboard. Both languages, phone and desktop.
#[tokio::test]
async fn satisfaction_journey_resolve_rate_and_supervisor_sees_it() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    for (size, size_name) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for lang in LANGS {
            let fields = with(&complete_fields(), "lang", lang);
            let (reference, tracking) = app.file_api(&fields).await;
            let res = agent
                .post(
                    &format!("/agent/tickets/{reference}/reply"),
                    &[("body", "请重新支付一次。"), ("then", "resolved")],
                )
                .await;
            assert_eq!(res.status().as_u16(), 303, "resolved");

            let mut b = browser_at(&app, &format!("satisfaction-{size_name}-{lang}"), true, size).await;
            b.go(&format!("/lang/{lang}?next={tracking}")).await;
            assert!(b.wait_for("#rate").await, "the question on the tracking page");
            let question = if lang == "en" { "Did this solve it?" } else { "问题解决了吗？" };
            assert!(b.source().await.contains(question), "{lang}");
            b.client.execute("document.getElementById('rate').scrollIntoView()", vec![]).await.unwrap();
            b.check("rate-question").await;
            b.choose("#rate-reason", "not_answered").await;
            b.fill("#rate-comment", "还是扣款失败").await;
            b.click("#rate-bad").await;
            // Not solved reopens it (issue 29, 1), and the page says so.
            assert!(b.wait_for("#rate-reopened").await, "told it is open again");
            let reopened = if lang == "en" { "Your request is open again" } else { "您的求助已重新打开" };
            assert!(b.shows(reopened).await, "{lang}");
            b.check("rate-reopened").await;
            b.go(&tracking).await;
            assert!(b.wait_for("#status").await);
            assert!(!b.has("#rate").await, "nothing to rate while it is open");
            assert!(b.shows("还是扣款失败").await, "{lang}: their words on their page");
            let open = if lang == "en" { "Being handled" } else { "处理中" };
            assert!(b.shows(open).await, "{lang}: the status says so");
            b.check("reopened-page").await;
            assert_eq!(status_soon(&app, &reference, "open").await, "open");

            let email = format!("sat-{size_name}-{lang}@paydesk.test").to_lowercase();
            app.add_staff(&email, &format!("Boss {lang}"), "supervisor", &["general"]);
            b.go("/login").await;
            b.fill("#email", &email).await;
            b.fill("#password", PASSWORD).await;
            b.click("form[action='/login'] button[type=submit]").await;
            assert!(b.wait_for("form[action='/logout']").await, "signed in");
            b.go("/supervisor/ratings").await;
            assert!(b.shows(&reference).await && b.shows("还是扣款失败").await, "{lang}: in the follow-up list");
            let reason = if lang == "en" { "My question wasn" } else { "没有回答我的问题" };
            assert!(b.shows(reason).await, "{lang}: the reason in words");
            b.check("ratings-list").await;
            b.go("/supervisor#satisfaction").await;
            assert!(b.wait_for("#satisfaction figure.chart").await, "{lang}: the satisfaction charts");
            b.client.execute("document.getElementById('satisfaction').scrollIntoView()", vec![]).await.unwrap();
            b.check("dashboard-satisfaction").await;
            // Followed up: off the list.
            b.go("/supervisor/ratings").await;
            b.click("form[action^='/supervisor/ratings/'] button").await;
            assert!(b.wait_for("#ratings-done").await);
            b.client.close().await.unwrap();
        }
    }
}

/// Visible text on a page that looks like a stored code (`pending_customer`,
/// `busy-or-timeout`, `set-by-hand`): what a Chinese staff page must not
/// show (issue 29, 11). Addresses and links are not codes.
async fn codes_shown(b: &Browser, lang: &str) -> Vec<String> {
    let text = b.client.execute("return document.body.innerText", vec![]).await.unwrap();
    let text = text.as_str().unwrap_or_default().to_string();
    // English has words with hyphens ("follow-up"); only a code has an
    // underscore. Chinese has neither.
    let joins: &[char] = if lang == "en" { &['_'] } else { &['-', '_'] };
    text.split(|c: char| c.is_whitespace() || "()（）,，;；:：·→/\"“”=[]、".contains(c))
        .filter(|w| !w.contains('@') && !w.contains('.'))
        .filter(|w| {
            let parts: Vec<&str> = w.split(joins).collect();
            parts.len() > 1 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        })
        .map(|w| {
            // With what stands around it, to find it on the page.
            let at = text.find(w).unwrap_or(0);
            let from = text.floor_char_boundary(at.saturating_sub(60));
            let to = text.ceil_char_boundary((at + w.len() + 20).min(text.len()));
            text[from..to].to_string()
        })
        .collect()
}

/// What the real-browser walk of issue 29 found, walked again in both
/// languages on a phone and a desktop, each step saved as a screenshot
/// (`target/e2e-screenshots/words-…`):
/// - 3: a "system busy" request from someone who already retried: the
///   confirmation, the status and the guide agree, and retrying is not
///   advised again;
/// - 13: a long timeline folds to its last entries and a jump link leads to
///   the reply box;
/// - 7: a reference searched from the default tab finds the ticket in
///   another, and the tabs count the hits;
/// - 11: the staff pages show no stored code, in Chinese as in English;
/// - 15: the platform's answer, typed in Chinese only, leads the customer's
///   page, marked as Chinese for an English reader.
#[tokio::test]
async fn what_we_tell_people_is_true_on_a_phone_and_a_desktop() {
    let _not_with_lighthouse = crate::support::TIMED.lock().await;
    use diesel::prelude::*;
    use paydesk::db::schema::{escalations, tickets};
    let app = spawn().await;
    for (size, size_name) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for lang in LANGS {
            let en = lang == "en";
            let mut b = browser_at(&app, &format!("words-{size_name}-{lang}"), true, size).await;

            // 3. System busy, already retried.
            let busy = with(&with(&complete_fields(), "error_code", ""), "error_message", "系统繁忙，请稍后再试");
            let busy = with(&with(&busy, "checks_tried", "retried_later"), "lang", lang);
            let (busy_ref, busy_link) = app.file_api(&busy).await;
            b.go(&format!("/lang/{lang}?next={busy_link}/created")).await;
            assert!(b.wait_for("#guide").await, "{lang}: what to try");
            let page = b.source().await;
            let (intro, retry, everything) = if en {
                ("usually go through after the steps below", "wait 10 to 30 minutes", "everything we need")
            } else {
                ("按下面的方法操作后通常就能成功", "等 10 到 30 分钟", "信息齐全")
            };
            assert!(page.contains(intro), "{lang}: the confirmation says what happens");
            assert!(!page.contains(retry), "{lang}: they retried already: not advised again");
            assert!(!page.contains(everything), "{lang}: no promise that contradicts the guide");
            b.check("busy-created").await;
            b.go(&busy_link).await;
            assert!(b.wait_for("#status").await);
            let status = b.client.find(Locator::Css("#status")).await.unwrap().text().await.unwrap();
            let waiting = if en { "Waiting for you to try the steps" } else { "等待您先试试建议的方法" };
            assert_eq!(status, waiting, "{lang}: the status agrees with the guide");
            assert!(!b.source().await.contains(retry), "{lang}");
            b.check("busy-page").await;
            assert_eq!(status_soon(&app, &busy_ref, "pending_customer").await, "pending_customer");
            // Every step tried already: a person takes it, nothing to try.
            let mut tried: Vec<(&'static str, String)> =
                busy.iter().filter(|(k, _)| *k != "checks_tried").cloned().collect();
            for check in ["retried_later", "other_wallet", "other_channel"] {
                tried.push(("checks_tried", check.into()));
            }
            let (tried_ref, tried_link) = app.file_api(&tried).await;
            assert_eq!(status_soon(&app, &tried_ref, "new").await, "new", "{lang}: all tried: a person looks");
            b.go(&tried_link).await;
            assert!(b.wait_for("#next").await);
            assert!(!b.has("#guide").await && !b.has("#auto-close").await, "{lang}: nothing to try, nothing closes");

            // Staff: a supervisor in this language.
            let email = format!("words-{size_name}-{lang}@paydesk.test").to_lowercase();
            app.add_staff(&email, &format!("Words {size_name} {lang}"), "supervisor", &["general", "payments"]);
            b.go(&format!("/lang/{lang}?next=/login")).await;
            b.fill("#email", &email).await;
            b.fill("#password", PASSWORD).await;
            b.click("form[action='/login'] button[type=submit]").await;
            assert!(b.wait_for("#q").await, "signed in");

            // 7. The default tab is "mine"; the busy ticket is nobody's.
            b.fill("#q", &busy_ref).await;
            b.click("form.queue-filters button[type=submit]").await;
            assert!(b.wait_for("#search-everywhere").await, "{lang}: searched everywhere");
            assert!(b.shows(&format!("/agent/tickets/{busy_ref}")).await, "{lang}: found in another tab");
            let tabs = b.client.find(Locator::Css("ul.tabs")).await.unwrap().text().await.unwrap();
            assert!(tabs.contains("(1)") && tabs.contains("(0)"), "{lang}: the tabs count the hits: {tabs}");
            b.check("search-everywhere").await;

            // 13 and 11. A long timeline, a hand correction, a reroute.
            let ticket = format!("/agent/tickets/{busy_ref}");
            b.go(&ticket).await;
            assert!(b.wait_for("#status").await);
            for n in 0..8 {
                b.fill("#note-body", &format!("Called the bank, try {n}.")).await;
                b.click("form[action$='/note'] button[type=submit]").await;
                // The page that comes back holds the note (the one before
                // already said "done").
                assert!(b.shows(&format!("Called the bank, try {n}.")).await, "{lang}: note {n}");
            }
            b.choose("#c-kind", "product_bug").await;
            b.click("form[action$='/facts'] button[type=submit]").await;
            assert!(b.wait_for("#done").await);
            b.go(&ticket).await;
            assert!(b.wait_for("#earlier-events").await, "{lang}: the timeline is folded");
            assert!(!shown(&b, "#earlier-events > ol li").await, "{lang}: earlier entries folded away");
            b.check("ticket-top").await;
            b.click("p.jump a[href='#reply']").await;
            let top = b
                .client
                .execute("return document.getElementById('reply').getBoundingClientRect().top", vec![])
                .await
                .unwrap()
                .as_f64()
                .unwrap();
            assert!(top < size.1 as f64, "{lang}: the reply box is in view ({top}px)");
            b.check("ticket-reply").await;
            b.click("#earlier-events > summary").await;
            assert!(shown(&b, "#earlier-events > ol li").await, "{lang}: one tap shows them");
            let codes = codes_shown(&b, lang).await;
            assert!(codes.is_empty(), "{lang}: codes on the ticket page: {codes:?}");
            b.go("/supervisor/audit").await;
            assert!(b.wait_for("#audit").await);
            let codes = codes_shown(&b, lang).await;
            assert!(codes.is_empty(), "{lang}: codes in the audit log: {codes:?}");
            b.check("audit").await;

            // 15. Out of scope: escalated, sent, answered in Chinese only.
            let f = with(&complete_fields(), "platform", "alipay");
            let f = with(&with(&f, "symptom", "button_inert"), "error_code", "");
            let f = with(&with(&f, "error_message", ""), "lang", lang);
            let (scope_ref, scope_link) = app.file_api(&f).await;
            let escalation: String = tickets::table
                .filter(tickets::reference.eq(&scope_ref))
                .select(tickets::escalation_id.assume_not_null())
                .first(&mut app.conn())
                .unwrap();
            diesel::update(escalations::table.find(&escalation))
                .set(escalations::status.eq("sent"))
                .execute(&mut app.conn())
                .unwrap();
            b.go(&format!("/supervisor/escalations#esc-{escalation}")).await;
            assert!(b.wait_for(&format!("#text-{escalation}")).await);
            b.click(&format!("form[action$='{escalation}/answer'] input[value='approved']")).await;
            b.fill(&format!("#text-{escalation}"), "支付宝已为该小程序开通电费缴纳，请重新支付。").await;
            b.check("platform-answer-form").await;
            b.click(&format!("form[action$='{escalation}/answer'] button[type=submit]")).await;
            assert!(b.wait_for("#done").await, "{lang}: recorded");
            b.go(&scope_link).await;
            assert!(b.wait_for("#platform-answer").await, "{lang}: the answer leads the page");
            let answer = b.client.find(Locator::Css("#platform-answer")).await.unwrap().text().await.unwrap();
            assert!(answer.contains("支付宝已为该小程序开通电费缴纳"), "{lang}: the platform's own words: {answer}");
            if en {
                assert!(answer.contains("(in Chinese)"), "marked as Chinese for an English reader: {answer}");
            }
            let first = b
                .client
                .execute(
                    "return document.getElementById('platform-answer').getBoundingClientRect().top < \
                     (document.getElementById('rate') || document.body).getBoundingClientRect().top + 1",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(first, serde_json::Value::Bool(true), "{lang}: above \"did this solve it?\"");
            b.check("platform-answer-customer").await;
            b.client.close().await.unwrap();
        }
    }
}

/// The rest of issue 29's walk, in a real browser, both languages, phone
/// and desktop (`target/e2e-screenshots/heard-…`): the boxes of "what have
/// you tried?" follow the symptom (2); a link that opens nothing offers
/// "find my request" (5); a canned reply is added after the draft (8); an
/// answer recorded without approved/declined comes back with the text and
/// the problem beside the field (16); a city is one row on the dashboard
/// (17); an update written only in Chinese reaches an English reader marked
/// as Chinese (18); chart labels are one size and a share of ratings says
/// its count (19).
#[tokio::test]
async fn what_people_tell_us_goes_somewhere_on_a_phone_and_a_desktop() {
    let _not_with_lighthouse = crate::support::TIMED.lock().await;
    use diesel::prelude::*;
    use paydesk::db::schema::{escalations, tickets};
    let app = spawn().await;
    for (size, size_name) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for lang in LANGS {
            let en = lang == "en";
            let mut b = browser_at(&app, &format!("heard-{size_name}-{lang}"), true, size).await;

            // 2. The boxes follow the symptom as it is chosen.
            b.go(&format!("/lang/{lang}?next=/tickets/new")).await;
            assert!(b.wait_for("#symptom").await);
            b.choose("#symptom", "money_taken_not_paid").await;
            assert!(shown(&b, "#check-checked_bank_record").await, "{lang}: the bank record box");
            assert!(shown(&b, "#check-none_yet").await, "{lang}: none of these yet");
            assert!(!shown(&b, "#check-retried_later").await, "{lang}: not 'retried' when told not to pay again");
            b.client.execute("document.getElementById('f-checks_tried').scrollIntoView()", vec![]).await.unwrap();
            b.check("checks-money-taken").await;
            b.choose("#symptom", "error_shown").await;
            assert!(shown(&b, "#check-checked_balance").await, "{lang}: balance and limits");
            b.check("checks-error-shown").await;

            // 5. A link that opens nothing.
            b.go("/t/this-link-is-old-or-broken").await;
            assert!(b.wait_for("a[href='/find']").await, "{lang}: find my request");
            b.check("broken-link").await;

            // 18. An update written only in Chinese.
            let city = format!("Xiamen {size_name}");
            let fields = with(&with(&complete_fields(), "city", "厦门"), "lang", lang);
            let (_, page) = app.file_api(&fields).await;
            let boss = app.staff("supervisor").await;
            let res = boss
                .post("/supervisor/incidents", &[("title", city.as_str()), ("dimension", "city"), ("value", "厦门")])
                .await;
            let incident = res.headers()["location"].to_str().unwrap().to_string();
            let update = [("body_zh", "银行网关故障，正在修复。"), ("body_en", "")];
            assert_eq!(boss.post(&format!("{incident}/update"), &update).await.status().as_u16(), 303);
            b.go(&page).await;
            assert!(b.shows("银行网关故障，正在修复。").await, "{lang}: the update");
            if en {
                assert!(b.shows("In Chinese:").await, "marked as Chinese for an English reader");
            }
            b.check("incident-update").await;
            let _ = boss.post(&format!("{incident}/resolve"), &[("body_zh", "已修复。"), ("body_en", "Fixed.")]).await;

            // Staff, in this language.
            let email = format!("heard-{size_name}-{lang}@paydesk.test").to_lowercase();
            app.add_staff(&email, &format!("Heard {size_name} {lang}"), "supervisor", &["general", "payments"]);
            b.go(&format!("/lang/{lang}?next=/login")).await;
            b.fill("#email", &email).await;
            b.fill("#password", PASSWORD).await;
            b.click("form[action='/login'] button[type=submit]").await;
            assert!(b.wait_for("#q").await, "signed in");

            // 8. A canned reply after what is typed.
            let (reference, tracking) = app.file_api(&with(&complete_fields(), "lang", lang)).await;
            b.go(&format!("/agent/tickets/{reference}")).await;
            assert!(b.wait_for("#reply-body").await);
            b.fill("#reply-body", "您好，").await;
            b.click("form[action$='/reply'] details > summary").await;
            b.click("button[name=canned]").await;
            let mut draft = String::new();
            for _ in 0..50 {
                draft = b.value("#reply-body").await;
                if draft.len() > "您好，".len() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(draft.starts_with("您好，\n\n") && draft.len() > "您好，".len(), "{lang}: added after: {draft}");
            // With the script it went in at the cursor, without a round trip.
            let url = b.client.current_url().await.unwrap();
            assert!(!url.path().ends_with("/canned"), "{lang}: in place, not posted: {url}");
            b.check("canned-after-draft").await;
            b.choose("#reply-then", "resolved").await;
            b.click("form[action$='/reply'] button[type=submit]").await;
            assert!(b.wait_for("#done").await, "{lang}: the reply says what it did");
            let csrf = app.csrf().await;
            let rating = [("good", "0"), ("csrf", csrf.as_str())];
            app.client.post(app.url(&format!("{tracking}/rate"))).form(&rating).send().await.unwrap();

            // 16. An answer without its outcome keeps what was typed.
            let f = with(&complete_fields(), "platform", "alipay");
            let f = with(&with(&f, "symptom", "button_inert"), "error_code", "");
            let (scope_ref, _) = app.file_api(&with(&f, "error_message", "")).await;
            let escalation: String = tickets::table
                .filter(tickets::reference.eq(&scope_ref))
                .select(tickets::escalation_id.assume_not_null())
                .first(&mut app.conn())
                .unwrap();
            diesel::update(escalations::table.find(&escalation))
                .set(escalations::status.eq("sent"))
                .execute(&mut app.conn())
                .unwrap();
            b.go("/supervisor/escalations").await;
            assert!(b.wait_for(&format!("#text-{escalation}")).await);
            b.fill(&format!("#text-{escalation}"), "场景已开通").await;
            b.click(&format!("form[action$='{escalation}/answer'] button[type=submit]")).await;
            assert!(b.wait_for(&format!("#outcome-error-{escalation}")).await, "{lang}: the problem beside the field");
            assert_eq!(b.value(&format!("#text-{escalation}")).await, "场景已开通", "{lang}: the text kept");
            b.client
                .execute(&format!("document.getElementById('outcome-error-{escalation}').scrollIntoView()"), vec![])
                .await
                .unwrap();
            b.check("answer-kept").await;

            // 17 and 19. One city however written; labels one size; counts.
            for typed in ["上海市", "Shanghai"] {
                app.file_api(&with(&complete_fields(), "city", typed)).await;
            }
            b.go("/supervisor").await;
            assert!(b.wait_for("#cities").await);
            // The table sits folded under its chart: read it, not its looks.
            let cities = b
                .client
                .execute("return document.querySelector('#cities table').textContent", vec![])
                .await
                .unwrap()
                .as_str()
                .unwrap_or_default()
                .to_string();
            let shanghai = if en { "Shanghai" } else { "上海" };
            assert_eq!(cities.matches(shanghai).count(), 1, "{lang}: one row: {cities}");
            assert!(!cities.contains("上海市"), "{lang}: {cities}");
            b.client.execute("document.getElementById('cities').scrollIntoView()", vec![]).await.unwrap();
            b.check("cities").await;
            let spread = b
                .client
                .execute(
                    "const h = [...document.querySelectorAll('figure.chart text')]\
                       .map(t => t.getBoundingClientRect().height).filter(x => x > 0);\
                     return h.length ? Math.max(...h) / Math.min(...h) : 1;",
                    vec![],
                )
                .await
                .unwrap()
                .as_f64()
                .unwrap();
            assert!(spread < 1.25, "{lang}: chart labels differ by {spread}×");
            let of = if en { " of " } else { "个评价中" };
            assert!(b.shows(of).await, "{lang}: a share of ratings says its count");
            b.client.execute("document.getElementById('satisfaction').scrollIntoView()", vec![]).await.unwrap();
            b.check("satisfaction").await;
            b.client.close().await.unwrap();
        }
    }
}
