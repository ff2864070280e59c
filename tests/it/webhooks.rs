//! Webhooks (issue 18), over HTTP against a real receiving server on a
//! local socket: an admin registers an endpoint, changes made through the
//! API and the pages reach it as signed JSON, a failing endpoint is tried
//! again and then set aside for "send again", and internal addresses are
//! refused unless the server allows them.

use std::sync::{Arc, Mutex};

use crate::support::*;
use hmac::{Hmac, Mac};
use paydesk::db::users;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request the endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A receiving endpoint: records each request, and answers 500 to the
/// first `failures` of them (or to all while `failing`), 204 otherwise.
pub struct Endpoint {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    failing: Arc<Mutex<bool>>,
}

impl Endpoint {
    pub async fn start(failures: usize) -> Endpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/paydesk", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(Mutex::new(false));
        let (log, fail) = (received.clone(), failing.clone());
        tokio::spawn(async move {
            let mut seen = 0usize;
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                // Headers, then as many body bytes as Content-Length says.
                let (head_end, length) = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break (None, 0);
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&data[..end]).to_string();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        break (Some(end), length);
                    }
                };
                let Some(end) = head_end else { continue };
                while data.len() < end + 4 + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&data[..end]).to_string();
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
                    .collect();
                let body = String::from_utf8_lossy(&data[end + 4..end + 4 + length]).to_string();
                log.lock().unwrap().push(Received { headers, body });
                seen += 1;
                let fail_now = seen <= failures || *fail.lock().unwrap();
                let answer: &[u8] = if fail_now {
                    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n"
                };
                let _ = socket.write_all(answer).await;
            }
        });
        Endpoint { url, received, failing }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until a request for `event` arrived; returns the requests so far.
    async fn wait_for(&self, event: &str, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.iter().filter(|r| r.header("Paydesk-Event") == event).count() >= count {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no {event} arrived: {:?}", self.received());
    }
}

/// Checks `Paydesk-Signature` as a receiver would.
fn verify(secret: &str, r: &Received) {
    let header = r.header("Paydesk-Signature");
    let (t, v1) = header.split_once(',').unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "signed {age} s ago");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", r.body).as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v1, expected, "signature of {}", r.body);
}

/// Runs the README's Python `verify` on a delivery.
async fn readme_verify(secret: &str, header: &str, body: &str) -> bool {
    let readme = include_str!("../../README.md");
    let snippet = readme.split("```python\n").nth(1).unwrap().split("```").next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body_file = dir.path().join("body");
    std::fs::write(&body_file, body).unwrap();
    let script =
        format!("{snippet}\nimport sys\nprint(verify(sys.argv[1], sys.argv[2], open(sys.argv[3], 'rb').read()))\n");
    let out = tokio::process::Command::new("python3")
        .args(["-c", &script, secret, header])
        .arg(&body_file)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim() == "True"
}

fn secret_on(page: &str) -> String {
    let start = page.find("<code id=\"webhook-secret\">").expect("the secret is shown once") + 26;
    page[start..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn registered_endpoints_get_signed_events_for_what_changes() {
    let app = spawn_with(|c| c.webhooks_allow_private = true).await;
    let endpoint = Endpoint::start(0).await;
    let admin = app.staff("admin").await;
    let res = admin
        .post(
            "/admin/webhooks",
            &[
                ("url", endpoint.url.as_str()),
                ("events", "ticket.created"),
                ("events", "ticket.resolved"),
                ("events", "escalation.approved"),
                ("events", "escalation.answered"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let page = res.text().await.unwrap();
    let secret = secret_on(&page);
    assert_eq!(secret.len(), 64);
    // Listed, and the secret never shown again.
    let list = admin.text("/admin/webhooks").await;
    assert!(list.contains(&endpoint.url) && !list.contains(&secret));
    // A second endpoint that wants only changes.
    let changes = Endpoint::start(0).await;
    let res = admin.post("/admin/webhooks", &[("url", changes.url.as_str()), ("events", "ticket.updated")]).await;
    assert_eq!(res.status().as_u16(), 201);
    let changes_secret = secret_on(&res.text().await.unwrap());

    // Filed through the API: ticket.created, the ticket as the API shows it.
    let (reference, _) = app.file_api(&complete_fields()).await;
    let got = endpoint.wait_for("ticket.created", 1).await;
    let created = got.iter().find(|r| r.header("Paydesk-Event") == "ticket.created").unwrap();
    verify(&secret, created);
    assert_eq!(created.header("Content-Type"), "application/json");
    let body = created.json();
    assert_eq!(body["type"], "ticket.created");
    assert_eq!(body["ticket"]["reference"], reference.as_str());
    assert_eq!(body["ticket"]["account_number"], "31******4821", "masked, as the API shows it");
    assert!(body["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(!created.body.contains("6217000012344821"), "never the whole account number");
    // The README's few lines of Python accept it, and refuse it changed.
    assert!(readme_verify(&secret, created.header("Paydesk-Signature"), &created.body).await);
    let forged = created.body.replace("ticket.created", "ticket.resolved");
    assert!(!readme_verify(&secret, created.header("Paydesk-Signature"), &forged).await);

    // Resolved by an agent through the API: ticket.resolved; the changes in
    // between (priority) were not asked for and are not sent.
    let id = app.add_staff("hooks-agent@paydesk.test", "Hooks", "agent", &["general"]);
    let token = users::create_token(&mut app.conn(), &id, "t", chrono::Utc::now().naive_utc()).unwrap();
    let url = app.url(&format!("/api/v1/tickets/{reference}"));
    for change in [json!({ "priority": "high" }), json!({ "status": "resolved" })] {
        let res = app.client.patch(&url).bearer_auth(&token).json(&change).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    // The endpoint that wants changes is told of the new priority (and
    // only of changes).
    let mut updates = Vec::new();
    for _ in 0..200 {
        updates = changes.received();
        if updates.iter().any(|r| r.json()["ticket"]["priority"] == "high") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(updates.iter().all(|r| r.header("Paydesk-Event") == "ticket.updated"));
    for r in &updates {
        verify(&changes_secret, r);
    }
    assert!(updates.iter().any(|r| r.json()["ticket"]["priority"] == "high"), "{updates:?}");
    let got = endpoint.wait_for("ticket.resolved", 1).await;
    let resolved = got.iter().find(|r| r.header("Paydesk-Event") == "ticket.resolved").unwrap();
    verify(&secret, resolved);
    assert_eq!(resolved.json()["ticket"]["status"], "resolved");
    assert!(got.iter().all(|r| r.header("Paydesk-Event") != "ticket.updated"));

    // An out-of-scope case approved by a supervisor: escalation.approved.
    let f = with(&complete_fields(), "platform", "alipay");
    let f = with(&with(&f, "payment_scenario", "electricity_bill"), "symptom", "button_inert");
    let (oos, _) = app.file_api(&with(&with(&f, "error_code", ""), "error_message", "")).await;
    let esc: Option<String> = {
        use diesel::prelude::*;
        use paydesk::db::schema::tickets;
        tickets::table
            .filter(tickets::reference.eq(&oos))
            .select(tickets::escalation_id)
            .first(&mut app.conn())
            .unwrap()
    };
    let esc = esc.unwrap();
    let supervisor = app.staff("supervisor").await;
    let res = supervisor.post(&format!("/supervisor/escalations/{esc}/approve"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let got = endpoint.wait_for("escalation.approved", 1).await;
    let approved = got.iter().find(|r| r.header("Paydesk-Event") == "escalation.approved").unwrap();
    verify(&secret, approved);
    let body = approved.json();
    assert_eq!(body["escalation"]["status"], "sent");
    assert_eq!(body["escalation"]["target"], "platform");
    // The platform's answer, recorded by a supervisor: escalation.answered.
    let answer = [("outcome", "approved"), ("text", "Enabled from tomorrow.")];
    let res = supervisor.post(&format!("/supervisor/escalations/{esc}/answer"), &answer).await;
    assert_eq!(res.status().as_u16(), 303);
    let got = endpoint.wait_for("escalation.answered", 1).await;
    let answered = got.iter().find(|r| r.header("Paydesk-Event") == "escalation.answered").unwrap();
    verify(&secret, answered);
    assert_eq!(answered.json()["escalation"]["status"], "approved");

    // Removed: nothing more is sent.
    let id: String = {
        use diesel::prelude::*;
        use paydesk::db::schema::webhooks;
        webhooks::table.filter(webhooks::url.eq(&endpoint.url)).select(webhooks::id).first(&mut app.conn()).unwrap()
    };
    let res = admin.post(&format!("/admin/webhooks/{id}/delete"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let (last, _) = app.file_api(&complete_fields()).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(endpoint.received().iter().all(|r| !r.body.contains(&last)));
}

#[tokio::test]
async fn a_failing_endpoint_is_tried_again_then_set_aside_and_sent_again_by_hand() {
    let app = spawn_with(|c| {
        c.webhooks_allow_private = true;
        c.mail_max_attempts = 3;
    })
    .await;
    // Two failures, then accepted: delivered on the third try, once.
    let flaky = Endpoint::start(2).await;
    let secret = "a-shared-secret-of-enough-length";
    let id = {
        let mut conn = app.conn();
        paydesk::webhooks::register(&mut conn, &flaky.url, secret, &["ticket.created"], chrono::Utc::now().naive_utc())
            .unwrap()
    };
    assert!(!id.is_empty());
    let (reference, _) = app.file_api(&complete_fields()).await;
    let got = flaky.wait_for("ticket.created", 3).await;
    let deliveries: Vec<&Received> = got.iter().filter(|r| r.header("Paydesk-Event") == "ticket.created").collect();
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|r| r.json()["ticket"]["reference"] == reference.as_str()));
    assert_eq!(
        deliveries[0].header("Paydesk-Delivery"),
        deliveries[2].header("Paydesk-Delivery"),
        "one delivery, retried"
    );
    verify(secret, deliveries[2]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(flaky.received().len(), 3, "accepted: not sent again");

    // Always failing: set aside after three tries, with the reason; sent
    // again by an admin once the endpoint works.
    *flaky.failing.lock().unwrap() = true;
    app.file_api(&complete_fields()).await;
    let mut dead = 0;
    for _ in 0..200 {
        dead = app.outbox_count("dead");
        if dead == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(dead, 1);
    let admin = app.staff("admin").await;
    let outbox = admin.text("/admin/outbox").await;
    assert!(outbox.contains("answered HTTP 500"), "the reason is shown");
    assert!(outbox.contains(&flaky.url));
    let message_id: String = {
        use diesel::prelude::*;
        use paydesk::db::schema::outbox;
        outbox::table.filter(outbox::status.eq("dead")).select(outbox::id).first(&mut app.conn()).unwrap()
    };
    *flaky.failing.lock().unwrap() = false;
    let before = flaky.received().len();
    let res = admin.post(&format!("/admin/outbox/{message_id}/retry"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    for _ in 0..100 {
        if flaky.received().len() > before && app.outbox_count("dead") == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(flaky.received().len(), before + 1);
    assert_eq!(app.outbox_count("dead"), 0);
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_allowed() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
    ] {
        let res = admin.post("/admin/webhooks", &[("url", url), ("events", "ticket.created")]).await;
        assert_eq!(res.status().as_u16(), 422, "{url}");
        assert!(res.text().await.unwrap().contains("loopback or private network"), "{url}");
    }
    for (url, events, says) in [
        ("ftp://example.com/", "ticket.created", "http:// or https://"),
        ("https://93.184.216.34/hook", "", "Tick at least one event"),
    ] {
        let res = admin.post("/admin/webhooks", &[("url", url), ("events", events)]).await;
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.unwrap().contains(says), "{url}");
    }
    // The page and its refusals in Chinese too.
    let csrf = admin.csrf().await;
    let form = [("url", "http://10.0.0.5/hook"), ("events", "ticket.created"), ("csrf", csrf.as_str())];
    let res = admin.client.post(admin.url("/admin/webhooks")).header("Accept-Language", "zh-CN").form(&form).send();
    let res = res.await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("此地址位于本机或内部网络") && page.contains("添加 Webhook"), "{page}");
    use diesel::prelude::*;
    let stored: i64 = paydesk::db::schema::webhooks::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(stored, 0);
    // Agents may not manage webhooks.
    let agent = app.staff("agent").await;
    let res =
        agent.post("/admin/webhooks", &[("url", "https://93.184.216.34/hook"), ("events", "ticket.created")]).await;
    assert_eq!(res.status().as_u16(), 403);
}

#[tokio::test]
async fn a_public_endpoint_must_be_https() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let res =
        admin.post("/admin/webhooks", &[("url", "http://93.184.216.34/hook"), ("events", "ticket.created")]).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Use an https:// address"));
    use diesel::prelude::*;
    let stored: i64 = paydesk::db::schema::webhooks::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(stored, 0);
}
