//! Payment truth over HTTP (issue 17), against local stand-ins that speak
//! each protocol as documented: a WeChat Pay API v3 server that checks the
//! request's `WECHATPAY2-SHA256-RSA2048` signature with the merchant's
//! public key and signs its answers with its own key (and, on purpose,
//! sometimes with a wrong key or an old time), and a merchant order system
//! speaking paydesk's HMAC-signed contract.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::{Signer, Verifier};

use crate::support::*;

const MCHID: &str = "1230000109";
const SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
const KEY_ID: &str = "PUB_KEY_ID_0000000000000024101100397200000006";
const ORDERS_SECRET: &str = "a secret shared with the order system";

/// How the WeChat Pay stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Honest,
    /// Signs with a key that is not the configured WeChat Pay key.
    WrongKey,
    /// Signs an answer dated ten minutes ago (a replay).
    OldTimestamp,
    /// 503 with no signature, as a gateway in trouble.
    Down,
    /// Holds every answer until released.
    Held,
    /// Answers every question with a genuine, freshly signed answer about
    /// another payment (the paid one): a replay of a real answer.
    OtherPayment,
    /// Sends again, byte for byte, the signed answer it first gave in this
    /// mode (its time, nonce and signature): what whoever captured one, on
    /// the way to this server or another, could send.
    Replay,
}

struct Order {
    trade_state: &'static str,
    desc: &'static str,
    payer_total: i64,
    success_time: Option<&'static str>,
}

struct WechatStandIn {
    url: String,
    mode: Arc<Mutex<Mode>>,
    /// (path, whether the request's signature verified).
    seen: Arc<Mutex<Vec<(String, bool)>>>,
    release: Arc<(Mutex<bool>, std::sync::Condvar)>,
    /// Refund number → WeChat Pay's refund status (SUCCESS, PROCESSING…).
    refunds: Arc<Mutex<HashMap<String, &'static str>>>,
}

/// When the answer `Mode::Replay` sends again was first signed.
static REPLAYED_AT: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

fn sign(key: &PKey<Private>, message: &str) -> String {
    let mut s = Signer::new(MessageDigest::sha256(), key).unwrap();
    base64::engine::general_purpose::STANDARD.encode(s.sign_oneshot_to_vec(message.as_bytes()).unwrap())
}

fn verify(key: &PKey<Public>, message: &str, signature: &str) -> bool {
    let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(signature) else { return false };
    Verifier::new(MessageDigest::sha256(), key).unwrap().verify_oneshot(&sig, message.as_bytes()).unwrap_or(false)
}

/// Reads one request's line and headers (GET: no body).
fn read_request(stream: &std::net::TcpStream) -> Option<(String, HashMap<String, String>)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    Some((path, headers))
}

fn respond(mut stream: &std::net::TcpStream, status: &str, headers: &[(String, String)], body: &str) {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out.push_str(body);
    let _ = stream.write_all(out.as_bytes());
}

impl WechatStandIn {
    /// Knows `orders` by transaction id and by merchant order number.
    fn start(merchant_public: PKey<Public>, platform: PKey<Private>, orders: HashMap<String, Order>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(Mode::Honest));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let release = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let orders = Arc::new(orders);
        let refunds: Arc<Mutex<HashMap<String, &'static str>>> = Arc::default();
        let (m, s, r, rf) = (mode.clone(), seen.clone(), release.clone(), refunds.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (mode, seen, release, orders) = (m.clone(), s.clone(), r.clone(), orders.clone());
                let refunds = rf.clone();
                let (merchant_public, platform, other) = (merchant_public.clone(), platform.clone(), other.clone());
                std::thread::spawn(move || {
                    let Some((path, headers)) = read_request(&stream) else { return };
                    // The request, as WeChat Pay checks it.
                    let auth = headers.get("authorization").cloned().unwrap_or_default();
                    let field = |name: &str| {
                        auth.split(&format!("{name}=\""))
                            .nth(1)
                            .and_then(|r| r.split('"').next())
                            .unwrap_or("")
                            .to_string()
                    };
                    let message = format!("GET\n{path}\n{}\n{}\n\n", field("timestamp"), field("nonce_str"));
                    let ok = auth.starts_with("WECHATPAY2-SHA256-RSA2048 ")
                        && field("mchid") == MCHID
                        && field("serial_no") == SERIAL
                        && headers.get("accept").map(String::as_str) == Some("application/json")
                        && verify(&merchant_public, &message, &field("signature"));
                    seen.lock().unwrap().push((path.clone(), ok));
                    let mode = *mode.lock().unwrap();
                    if mode == Mode::Held {
                        let (lock, cv) = &*release;
                        let mut released = lock.lock().unwrap();
                        while !*released {
                            released = cv.wait(released).unwrap();
                        }
                    }
                    if mode == Mode::Down {
                        return respond(
                            &stream,
                            "503 Service Unavailable",
                            &[],
                            "{\"code\":\"SYSTEM_ERROR\",\"message\":\"系统繁忙\"}",
                        );
                    }
                    let refund = path.strip_prefix("/v3/refund/domestic/refunds/").map(str::to_string);
                    let (status, body) = if !ok {
                        ("401 Unauthorized", r#"{"code":"SIGN_ERROR","message":"签名错误"}"#.to_string())
                    } else if let Some(no) = refund {
                        match refunds.lock().unwrap().get(&no) {
                            Some(st) => (
                                "200 OK",
                                serde_json::json!({
                                    "refund_id": "50000000382019052709732678859", "out_refund_no": no,
                                    "transaction_id": PAID_ID, "out_trade_no": "PD-REFUND-3", "channel": "ORIGINAL",
                                    "user_received_account": "招商银行信用卡0403", "status": st,
                                    "create_time": "2026-11-19T20:05:00+08:00",
                                    "amount": { "total": 5000, "refund": 5000, "payer_total": 5000, "payer_refund": 5000, "currency": "CNY" }
                                })
                                .to_string(),
                            ),
                            None => ("404 Not Found", r#"{"code":"RESOURCE_NOT_EXISTS","message":"退款单不存在"}"#.to_string()),
                        }
                    } else {
                        let asked = path.split('/').nth(5).unwrap_or("").split('?').next().unwrap_or("");
                        let number = if mode == Mode::OtherPayment { PAID_ID } else { asked };
                        let by_id = path.starts_with("/v3/pay/transactions/id/");
                        let query_ok = path.ends_with(&format!("?mchid={MCHID}"));
                        match orders.get(number).filter(|_| query_ok) {
                            Some(o) => (
                                "200 OK",
                                serde_json::json!({
                                    "appid": "wxd678efh567hg6787", "mchid": MCHID,
                                    "out_trade_no": if by_id { "PD-ORDER-1" } else { number },
                                    "transaction_id": "4200000985202103031441826014",
                                    "trade_type": "JSAPI", "trade_state": o.trade_state, "trade_state_desc": o.desc,
                                    "bank_type": "OTHERS", "success_time": o.success_time,
                                    "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
                                    "amount": { "total": o.payer_total, "payer_total": o.payer_total, "currency": "CNY", "payer_currency": "CNY" }
                                })
                                .to_string(),
                            ),
                            None => ("404 Not Found", r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#.to_string()),
                        }
                    };
                    let now = chrono::Utc::now().timestamp();
                    let ts = match mode {
                        Mode::OldTimestamp => now - 600,
                        Mode::Replay => *REPLAYED_AT.get_or_init(|| now),
                        _ => now,
                    };
                    let nonce = if mode == Mode::Replay {
                        "5e1f0a2b3c4d5e6f708192a3b4c5d6e7".to_string()
                    } else {
                        uuid::Uuid::new_v4().simple().to_string()
                    };
                    let key = if mode == Mode::WrongKey { &other } else { &platform };
                    let signature = sign(key, &format!("{ts}\n{nonce}\n{body}\n"));
                    let headers = vec![
                        ("Wechatpay-Timestamp".to_string(), ts.to_string()),
                        ("Wechatpay-Nonce".to_string(), nonce.clone()),
                        ("Wechatpay-Signature".to_string(), signature),
                        ("Wechatpay-Serial".to_string(), KEY_ID.to_string()),
                        ("Wechatpay-Signature-Type".to_string(), "WECHATPAY2-SHA256-RSA2048".to_string()),
                    ];
                    respond(&stream, status, &headers, &body);
                });
            }
        });
        WechatStandIn { url, mode, seen, release, refunds }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn release(&self) {
        let (lock, cv) = &*self.release;
        *lock.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// The merchant's order system: `GET /bills/{number}`, HMAC both ways.
fn start_orders(bills: HashMap<String, (bool, &'static str)>) -> (String, Arc<Mutex<Vec<bool>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let bills = Arc::new(bills);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Some((path, headers)) = read_request(&stream) else { continue };
            let h = |name: &str| headers.get(name).cloned().unwrap_or_default();
            let expected = paydesk::payments::merchant::mac(
                ORDERS_SECRET.as_bytes(),
                &format!("GET\n{path}\n{}\n{}\n", h("x-paydesk-timestamp"), h("x-paydesk-nonce")),
            );
            let ok = h("x-paydesk-signature") == expected;
            s.lock().unwrap().push(ok);
            let number = path.trim_start_matches("/api/bills/");
            let (status, body) = match (ok, bills.get(number)) {
                (false, _) => ("401 Unauthorized", r#"{"error":"signature"}"#.to_string()),
                (true, Some((credited, amount))) => (
                    "200 OK",
                    serde_json::json!({
                        "order_number": number, "credited": credited, "amount": amount, "credited_at": null,
                        // The merchant started a refund for this one.
                        "refund_number": if number == "PD-REFUND-3" { Some("RF-3") } else { None },
                    })
                    .to_string(),
                ),
                (true, None) => ("404 Not Found", r#"{"error":"not_found"}"#.to_string()),
            };
            let ts = chrono::Utc::now().timestamp();
            let nonce = "0f3c";
            let asked = h("x-paydesk-nonce");
            let sig = paydesk::payments::merchant::mac(
                ORDERS_SECRET.as_bytes(),
                &format!("{ts}\n{nonce}\n{asked}\n{body}\n"),
            );
            let headers = vec![
                ("X-Paydesk-Timestamp".to_string(), ts.to_string()),
                ("X-Paydesk-Nonce".to_string(), nonce.to_string()),
                ("X-Paydesk-Signature".to_string(), sig),
            ];
            respond(&stream, status, &headers, &body);
        }
    });
    (url, seen)
}

/// Alipay's gateway: checks the RSA2 request signature with the app's
/// public key, answers `alipay.trade.query` signed with Alipay's key (or,
/// when `forge` is set, with another key).
struct AlipayStandIn {
    url: String,
    forge: Arc<Mutex<bool>>,
    /// Whether each request's signature verified.
    seen: Arc<Mutex<Vec<bool>>>,
}

impl AlipayStandIn {
    fn start(app_public: PKey<Public>, alipay: PKey<Private>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/gateway.do", listener.local_addr().unwrap());
        let forge = Arc::new(Mutex::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (f, s) = (forge.clone(), seen.clone());
        let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mut reader = BufReader::new(&stream);
                let mut length = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() {
                        break;
                    }
                    let h = h.trim_end().to_ascii_lowercase();
                    if h.is_empty() {
                        break;
                    }
                    if let Some(v) = h.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                    continue;
                }
                let params: std::collections::BTreeMap<String, String> =
                    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
                        .unwrap_or_default()
                        .into_iter()
                        .collect();
                let to_sign = params
                    .iter()
                    .filter(|(k, v)| *k != "sign" && !v.is_empty())
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&");
                let ok = params.get("sign_type").map(String::as_str) == Some("RSA2")
                    && params.get("app_id").map(String::as_str) == Some("2021000000000001")
                    && verify(&app_public, &to_sign, params.get("sign").map(String::as_str).unwrap_or(""));
                s.lock().unwrap().push(ok);
                let biz: serde_json::Value =
                    serde_json::from_str(params.get("biz_content").map(String::as_str).unwrap_or("{}"))
                        .unwrap_or_default();
                let asked = biz["out_trade_no"].as_str().unwrap_or("").to_string();
                let response = if !ok {
                    serde_json::json!({ "code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错" })
                } else if asked == "AP-ORDER-1" {
                    serde_json::json!({
                        "code": "10000", "msg": "Success", "trade_no": "2026112122001404781234567890",
                        "out_trade_no": asked, "buyer_logon_id": "159****5620", "trade_status": "TRADE_SUCCESS",
                        "total_amount": "66.00", "buyer_pay_amount": "66.00", "send_pay_date": "2026-11-21 10:00:00"
                    })
                } else {
                    serde_json::json!({ "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在" })
                };
                let text = response.to_string();
                let key = if *f.lock().unwrap() { &other } else { &alipay };
                let out = format!("{{\"alipay_trade_query_response\":{text},\"sign\":\"{}\"}}", sign(key, &text));
                respond(&stream, "200 OK", &[], &out);
            }
        });
        AlipayStandIn { url, forge, seen }
    }
}

struct Setup {
    app: TestApp,
    wechat: WechatStandIn,
    alipay: AlipayStandIn,
    orders_seen: Arc<Mutex<Vec<bool>>>,
    token: String,
    _keys: tempfile::TempDir,
}

const PAID_ID: &str = "4200000985202103031441826014";

async fn setup() -> Setup {
    let merchant = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let platform = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let keys = tempfile::tempdir().unwrap();
    let private_path = keys.path().join("apiclient_key.pem");
    let public_path = keys.path().join("pub_key.pem");
    std::fs::write(&private_path, merchant.private_key_to_pem_pkcs8().unwrap()).unwrap();
    std::fs::write(&public_path, platform.public_key_to_pem().unwrap()).unwrap();
    let merchant_public = PKey::public_key_from_pem(&merchant.public_key_to_pem().unwrap()).unwrap();
    let orders: HashMap<String, Order> = [
        (
            PAID_ID,
            Order {
                trade_state: "SUCCESS",
                desc: "支付成功",
                payer_total: 12850,
                success_time: Some("2026-11-20T09:30:00+08:00"),
            },
        ),
        ("PD-NOTPAID-7", Order { trade_state: "NOTPAY", desc: "订单未支付", payer_total: 12850, success_time: None }),
        (
            "PD-REFUND-3",
            Order {
                trade_state: "REFUND",
                desc: "转入退款",
                payer_total: 5000,
                success_time: Some("2026-11-19T20:00:00+08:00"),
            },
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let wechat = WechatStandIn::start(merchant_public, platform, orders);
    let app_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let alipay_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let app_private_path = keys.path().join("app_private_key.pem");
    let alipay_public_path = keys.path().join("alipay_public_key.pem");
    std::fs::write(&app_private_path, app_key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    std::fs::write(&alipay_public_path, alipay_key.public_key_to_pem().unwrap()).unwrap();
    let app_public = PKey::public_key_from_pem(&app_key.public_key_to_pem().unwrap()).unwrap();
    let alipay = AlipayStandIn::start(app_public, alipay_key);
    let alipay_url = alipay.url.clone();
    // The order system knows the merchant's order numbers (the paid
    // payment's is PD-ORDER-1), not WeChat's transaction ids.
    let bills = [
        ("PD-ORDER-1".to_string(), (false, "128.50")),
        ("PD-REFUND-3".to_string(), (false, "50.00")),
        ("AP-ORDER-1".to_string(), (false, "66.00")),
    ]
    .into_iter()
    .collect();
    let (orders_url, orders_seen) = start_orders(bills);
    let wechat_url = wechat.url.clone();
    let app = spawn_with(|c| {
        c.payments.wechatpay_mchid = Some(MCHID.into());
        c.payments.wechatpay_serial = Some(SERIAL.into());
        c.payments.wechatpay_private_key = Some(private_path);
        c.payments.wechatpay_public_key = Some(public_path);
        c.payments.wechatpay_public_key_id = Some(KEY_ID.into());
        c.payments.wechatpay_base_url = wechat_url;
        c.payments.orders_url = Some(orders_url);
        c.payments.orders_secret = Some(paydesk::domain::secret::Secret::new(ORDERS_SECRET.to_string()));
        c.payments.alipay_app_id = Some("2021000000000001".into());
        c.payments.alipay_private_key = Some(app_private_path);
        c.payments.alipay_public_key = Some(alipay_public_path);
        c.payments.alipay_gateway = alipay_url;
        c.payments.payment_retry_base_secs = 1;
        c.payments.refund_check_secs = 1;
        c.payments.payment_max_attempts = 3;
    })
    .await;
    let id = app.add_staff("pay-api@paydesk.test", "API", "agent", &["general"]);
    let token = paydesk::db::users::create_token(&mut app.conn(), &id, "t", chrono::Utc::now().naive_utc()).unwrap();
    Setup { app, wechat, alipay, orders_seen, token, _keys: keys }
}

fn money_taken(order: &str) -> Vec<(&'static str, String)> {
    paid_as(order, "128.50", "2026-11-20T09:30")
}

/// Money taken, the customer saying how much and when (China time).
fn paid_as(order: &str, amount: &str, at: &str) -> Vec<(&'static str, String)> {
    let f = with(&complete_fields(), "symptom", "money_taken_not_paid");
    let f = with(&f, "occurred_at", at);
    let f = with(&f, "amount", amount);
    with(&f, "order_number", order)
}

/// The refunded payment as its customer describes it.
fn refunded() -> Vec<(&'static str, String)> {
    paid_as("PD-REFUND-3", "50.00", "2026-11-19T20:00")
}

impl Setup {
    async fn ticket(&self, reference: &str) -> serde_json::Value {
        self.app
            .client
            .get(self.app.url(&format!("/api/v1/tickets/{reference}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The ticket once its payment check is no longer pending.
    async fn checked(&self, reference: &str) -> serde_json::Value {
        for _ in 0..200 {
            let t = self.ticket(reference).await;
            let state = t["payment_check"]["state"].as_str().unwrap_or("").to_string();
            if !state.is_empty() && state != "pending" {
                // Read again: the ticket's row in that answer was read a
                // moment before its checks, possibly before the worker's
                // commit (recording and acting are one transaction).
                return self.ticket(reference).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{reference}: the payment check never finished");
    }
}

#[tokio::test]
async fn a_paid_payment_not_credited_to_the_bill_is_found_within_seconds() {
    let s = setup().await;
    // The refunds queue on a calendar closed today and the next four days:
    // a payment confirmed taken still runs around the clock (issue 30).
    let admin = s.app.staff("admin").await;
    let today = paydesk::domain::china::day(chrono::Utc::now().naive_utc());
    for n in 0..5 {
        let day = (today + chrono::Duration::days(n)).format("%Y-%m-%d").to_string();
        let res = admin
            .post("/admin/calendars/cn-workdays/days", &[("day", day.as_str()), ("kind", "closed"), ("note", "Test")])
            .await;
        assert_eq!(res.status().as_u16(), 303, "{day}");
    }
    let res = admin.post("/admin/calendars/queues", &[("q_refunds", "cn-workdays")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let (reference, tracking) = s.app.file_api(&money_taken(PAID_ID)).await;
    let t = s.checked(&reference).await;
    let c = &t["payment_check"];
    assert_eq!(c["state"], "paid", "{t}");
    assert_eq!(c["provider"], "wechat_pay");
    assert_eq!(c["amount"], "128.50", "the amount as WeChat Pay recorded it");
    assert_eq!(c["paid_at"], "2026-11-20T01:30:00Z");
    assert_eq!(c["provider_state"], "SUCCESS");
    assert_eq!(c["provider_description"], "支付成功");
    assert_eq!(c["bill_state"], "not_credited");
    assert_eq!(t["payment_checks"].as_array().unwrap().len(), 1);
    // Every request carried a valid signature, by transaction id, with the mchid.
    let seen = s.wechat.seen.lock().unwrap().clone();
    assert_eq!(seen, [(format!("/v3/pay/transactions/id/{PAID_ID}?mchid={MCHID}"), true)]);
    assert_eq!(*s.orders_seen.lock().unwrap(), [true]);
    // The agent sees it on the ticket page; the customer's page says nothing yet.
    let agent = s.app.staff("agent").await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    let section = page.split("id=\"payment\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(section.contains("Paid") && section.contains("¥128.50") && section.contains("Not credited to the bill"));
    // Acted on at once: urgent, refunds, to the provider through review,
    // and the customer told what was found, in the provider's figures.
    assert_eq!(
        (t["case_kind"].as_str(), t["queue"].as_str(), t["priority"].as_str()),
        (Some("deducted_not_credited"), Some("refunds"), Some("urgent"))
    );
    assert_eq!(t["escalation"]["target"], "provider");
    assert_eq!(t["escalation"]["status"], "pending_review");
    let due: chrono::NaiveDateTime = {
        use diesel::prelude::*;
        use paydesk::db::schema::tickets;
        tickets::table
            .filter(tickets::reference.eq(&reference))
            .select(tickets::due_at)
            .first(&mut s.app.conn())
            .unwrap()
    };
    assert!(
        due < chrono::Utc::now().naive_utc() + chrono::Duration::days(1),
        "money confirmed taken: due within hours ({due}), not after the queue's closed days"
    );
    let customer = s.app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(!customer.contains("SUCCESS"));
    assert!(
        customer.contains(
            "WeChat Pay received ¥128.50 from you at 2026-11-20 09:30 (China time). It has not reached your bill."
        ),
        "{customer}"
    );
    s.app.wait_outbox_sent(2).await;
    let kinds: Vec<String> = {
        use diesel::prelude::*;
        use paydesk::db::schema::outbox;
        outbox::table.select(outbox::kind).load(&mut s.app.conn()).unwrap()
    };
    assert!(kinds.iter().any(|k| k == "payment_found"), "{kinds:?}");
    // The email says it, in the customer's language, with the provider's figures.
    let texts: Vec<String> = std::fs::read_dir(s.app.mail_dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            let raw = std::fs::read(e.path()).unwrap();
            let mail = mailparse::parse_mail(&raw).unwrap();
            let mut text = mail.get_body().unwrap_or_default();
            for part in &mail.subparts {
                text.push_str(&part.get_body().unwrap_or_default());
            }
            text
        })
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("We checked your payment with the payment provider")
            && t.contains("WeChat Pay received ¥128.50 from you at 2026-11-20 09:30")),
        "{texts:?}"
    );
}

#[tokio::test]
async fn every_provider_state_reads_as_paydesks_and_unknown_numbers_are_not_found() {
    let s = setup().await;
    let mut not_found = String::new();
    for (order, state, bill, told) in [
        ("PD-NOTPAID-7", "not_paid", serde_json::Value::from("unknown"), "no money was taken by this payment"),
        ("PD-REFUND-3", "refunding", serde_json::Value::from("not_credited"), "shows that a refund was started"),
        ("PD-NO-SUCH-1", "not_found", serde_json::Value::Null, "has no payment with the order number you gave"),
    ] {
        let fields = if order == "PD-REFUND-3" { refunded() } else { money_taken(order) };
        let (reference, tracking) = s.app.file_api(&fields).await;
        let t = s.checked(&reference).await;
        assert_eq!(t["payment_check"]["state"], state, "{order}: {t}");
        if state != "not_found" {
            assert_eq!(t["payment_check"]["bill_state"], bill, "{order}");
        }
        let customer = s.app.get_lang(&tracking, "en").await.text().await.unwrap();
        assert!(customer.contains(told), "{order}: {customer}");
        if state == "not_paid" {
            // No money was taken: routed again on what the screen said.
            assert_ne!(t["case_kind"], "deducted_not_credited", "{t}");
            assert!(t["routing"]["facts"].as_str().unwrap().contains("payment not_paid"), "{t}");
        }
        if state == "not_found" {
            not_found = tracking;
        }
    }
    // The customer corrects the number; it is checked again, and found paid.
    let page = s.app.get_lang(&not_found, "en").await.text().await.unwrap();
    assert!(page.contains("name=\"order_number\""), "the number may be corrected");
    let csrf = s.app.csrf().await;
    let res = s
        .app
        .client
        .post(s.app.url(&format!("{not_found}/facts")))
        .form(&[("csrf", csrf.as_str()), ("order_number", PAID_ID)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let mut paid = false;
    for _ in 0..100 {
        let page = s.app.get_lang(&not_found, "en").await.text().await.unwrap();
        if page.contains("WeChat Pay received ¥128.50") {
            paid = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(paid, "the corrected number was checked and found paid");
    // By merchant order number, not transaction id.
    assert!(s
        .wechat
        .seen
        .lock()
        .unwrap()
        .iter()
        .any(|(p, ok)| *ok && p == &format!("/v3/pay/transactions/out-trade-no/PD-NOTPAID-7?mchid={MCHID}")));
}

#[tokio::test]
async fn forged_and_replayed_answers_are_never_acted_on() {
    let s = setup().await;
    for (mode, order, why) in [
        (Mode::WrongKey, PAID_ID, "signature does not match"),
        (Mode::OldTimestamp, PAID_ID, "from now"),
        (Mode::OtherPayment, "PD-NOTPAID-7", "another payment"),
    ] {
        s.wechat.set(mode);
        let (reference, tracking) = s.app.file_api(&money_taken(order)).await;
        let t = s.checked(&reference).await;
        let c = &t["payment_check"];
        assert_eq!(c["state"], "unverified", "{mode:?}: {t}");
        assert!(c["problem"].as_str().unwrap().contains(why), "{mode:?}: {c}");
        // Nothing from the unverified answer was kept, or acted on.
        assert_eq!(c["amount"], serde_json::Value::Null);
        assert_eq!(c["provider_state"], "");
        assert_eq!(t["priority"], "high", "not made urgent");
        assert!(t["escalation"].is_null(), "not escalated");
        let customer = s.app.get_lang(&tracking, "en").await.text().await.unwrap();
        assert!(!customer.contains("What we found about your payment"), "{mode:?}: nothing told");
        // It was tried as often as configured.
        let tries = s.wechat.seen.lock().unwrap().iter().filter(|(p, _)| p.contains(order)).count();
        assert!(tries >= 3, "{mode:?}: {tries} tries");
        s.wechat.seen.lock().unwrap().clear();
    }
}

#[tokio::test]
async fn a_provider_down_then_up_is_retried_and_an_agent_can_ask_again() {
    let s = setup().await;
    s.wechat.set(Mode::Down);
    let (reference, tracking) = s.app.file_api(&money_taken(PAID_ID)).await;
    // Wait for the first failed try, then bring the provider back.
    for _ in 0..100 {
        if !s.wechat.seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(s.ticket(&reference).await["payment_check"]["state"], "pending");
    s.wechat.set(Mode::Honest);
    let t = s.checked(&reference).await;
    assert_eq!(t["payment_check"]["state"], "paid", "{t}");
    // The agent asks again: a second check joins the history.
    let agent = s.app.staff("agent").await;
    let res = agent.post(&format!("/agent/tickets/{reference}/payment-check"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    for _ in 0..100 {
        if s.ticket(&reference).await["payment_checks"].as_array().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.ticket(&reference).await["payment_checks"].as_array().unwrap().len(), 2);
    // The same finding again is recorded, not told twice.
    let customer = s.app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert_eq!(customer.matches("WeChat Pay received ¥128.50").count(), 1);
    // A ticket with nothing to check says so.
    let (plain, _) = s.app.file_api(&complete_fields()).await;
    let res = agent.post(&format!("/agent/tickets/{plain}/payment-check"), &[]).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("cannot be checked"));
}

#[tokio::test]
async fn a_slow_provider_never_slows_intake() {
    let s = setup().await;
    s.wechat.set(Mode::Held);
    // The provider holds its answer (until released, or the ten-second
    // timeout); three tickets are filed meanwhile, none waiting on it.
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let (reference, _) = s.app.file_api(&money_taken(PAID_ID)).await;
        assert_eq!(s.ticket(&reference).await["payment_check"]["state"], "pending");
    }
    assert!(started.elapsed() < Duration::from_secs(8), "filing waited on the provider: {:?}", started.elapsed());
    s.wechat.set(Mode::Honest);
    s.wechat.release();
}

/// Waits until the customer's page says `text`.
async fn told(s: &Setup, tracking: &str, text: &str) -> String {
    for _ in 0..150 {
        let page = s.app.get_lang(tracking, "en").await.text().await.unwrap();
        if page.contains(text) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{tracking} never said {text:?}");
}

#[tokio::test]
async fn a_refund_is_followed_until_it_arrives_and_a_stuck_one_is_explained() {
    let s = setup().await;
    s.wechat.refunds.lock().unwrap().insert("RF-3".into(), "PROCESSING");
    // The order system names the refund the merchant started: it is
    // followed from then on, and the customer sees it under way.
    let (reference, tracking) = s.app.file_api(&refunded()).await;
    s.checked(&reference).await;
    for _ in 0..100 {
        if s.ticket(&reference).await["refunds"][0]["state"] == "processing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let t = s.ticket(&reference).await;
    assert_eq!(t["refunds"][0]["refund_number"], "RF-3", "{t}");
    assert_eq!(t["refunds"][0]["state"], "processing");
    assert_eq!(t["refunds"][0]["amount"], "50.00");
    let page = s.app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(page.contains("id=\"refunds\"") && page.contains("Under way"), "{page}");
    // Answered while the refund is under way: the resolution clock waits
    // on the provider, not on the agent (issue 30).
    let clock = || -> (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>) {
        use diesel::prelude::*;
        use paydesk::db::schema::tickets;
        tickets::table
            .filter(tickets::reference.eq(&reference))
            .select((tickets::due_at, tickets::paused_at))
            .first(&mut s.app.conn())
            .unwrap()
    };
    let agent = s.app.staff("agent").await;
    let reply = [("body", "退款已在处理中，请留意到账。"), ("then", "open")];
    let res = agent.post(&format!("/agent/tickets/{reference}/reply"), &reply).await;
    assert_eq!(res.status().as_u16(), 303);
    let (due, paused) = clock();
    assert!(paused.is_some(), "the clock stops while the refund is under way");
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("Clock paused: a refund is under way at the provider"), "the agent sees why");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // It arrives: the customer is told once, and it is no longer asked about.
    s.wechat.refunds.lock().unwrap().insert("RF-3".into(), "SUCCESS");
    let page = told(&s, &tracking, "The refund of ¥50.00 from WeChat Pay has arrived").await;
    assert_eq!(page.matches("has arrived").count(), 1);
    let (due_after, paused_after) = clock();
    assert!(paused_after.is_none(), "the clock runs again once the provider is done");
    assert!(due_after >= due + chrono::Duration::seconds(1), "the time waited on the provider is added back");
    let t = s.ticket(&reference).await;
    assert_eq!(t["refunds"][0]["state"], "succeeded");
    assert!(t["refunds"][0]["finished_at"].is_string());
    let asked = s.wechat.seen.lock().unwrap().iter().filter(|(p, _)| p.ends_with("/RF-3")).count();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = s.wechat.seen.lock().unwrap().iter().filter(|(p, _)| p.ends_with("/RF-3")).count();
    assert_eq!(asked, again, "an ended refund is not asked about again");

    // An agent follows a refund by its number; it could not reach the card.
    s.wechat.refunds.lock().unwrap().insert("RF-9".into(), "ABNORMAL");
    let (other, other_tracking) = s.app.file_api(&money_taken(PAID_ID)).await;
    let agent = s.app.staff("agent").await;
    let res = agent.post(&format!("/agent/tickets/{other}/refunds"), &[("refund_number", "RF 9!")]).await;
    assert_eq!(res.status().as_u16(), 422, "a refund number is checked");
    let res = agent.post(&format!("/agent/tickets/{other}/refunds"), &[("refund_number", "RF-9")]).await;
    assert_eq!(res.status().as_u16(), 303);
    told(&s, &other_tracking, "could not reach your card").await;
    let page = agent.text(&format!("/agent/tickets/{other}")).await;
    assert!(page.contains("RF-9 · Could not reach the card"), "the agent sees it");

    // Past its due date, a refund that has not ended is on the supervisors' dashboard.
    {
        use diesel::prelude::*;
        use paydesk::db::schema::refunds;
        diesel::update(refunds::table.filter(refunds::refund_number.eq("RF-9")))
            .set(refunds::due_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::days(1)))
            .execute(&mut s.app.conn())
            .unwrap();
    }
    let supervisor = s.app.staff("supervisor").await;
    let dashboard = supervisor.text("/supervisor").await;
    let late = dashboard.split("id=\"late-refunds\"").nth(1).expect("a late refunds section");
    assert!(late.contains(&other) && late.contains("RF-9"), "{late}");
    assert!(!late.split("</section>").next().unwrap().contains(&reference), "an arrived refund is not late");
}

#[tokio::test]
async fn an_alipay_payment_is_checked_the_same_way() {
    let s = setup().await;
    let alipay = |order: &str| {
        let paid = paid_as(order, "66.00", "2026-11-21T10:00");
        with(&with(&paid, "payment_method", "alipay"), "platform", "alipay")
    };
    let (reference, tracking) = s.app.file_api(&alipay("AP-ORDER-1")).await;
    let t = s.checked(&reference).await;
    let c = &t["payment_check"];
    assert_eq!((c["state"].as_str(), c["provider"].as_str()), (Some("paid"), Some("alipay")), "{t}");
    assert_eq!(c["amount"], "66.00");
    assert_eq!(c["paid_at"], "2026-11-21T02:00:00Z");
    assert_eq!(c["provider_state"], "TRADE_SUCCESS");
    assert_eq!(c["bill_state"], "not_credited");
    assert_eq!(t["priority"], "urgent");
    told(&s, &tracking, "Alipay received ¥66.00 from you at 2026-11-21 10:00").await;
    assert!(s.alipay.seen.lock().unwrap().iter().all(|ok| *ok), "every request was signed RSA2 with the app's key");
    // Not found, and a forged answer: the one explained, the other never acted on.
    let (missing, missing_tracking) = s.app.file_api(&alipay("AP-NOPE-2")).await;
    assert_eq!(s.checked(&missing).await["payment_check"]["state"], "not_found");
    told(&s, &missing_tracking, "has no payment with the order number you gave").await;
    *s.alipay.forge.lock().unwrap() = true;
    let (forged, forged_tracking) = s.app.file_api(&alipay("AP-ORDER-1")).await;
    let t = s.checked(&forged).await;
    assert_eq!(t["payment_check"]["state"], "unverified", "{t}");
    assert_eq!(t["priority"], "high");
    let page = s.app.get_lang(&forged_tracking, "en").await.text().await.unwrap();
    assert!(!page.contains("What we found about your payment"));
}

#[tokio::test]
async fn a_stranger_naming_someone_elses_payment_learns_nothing_and_cannot_try_number_after_number() {
    let s = setup().await;
    // The attack: someone else's paid transaction, with an amount and a
    // time of the stranger's own.
    let (reference, tracking) = s.app.file_api(&paid_as(PAID_ID, "313.37", "2026-11-25T15:00")).await;
    let t = s.checked(&reference).await;
    // The agent sees what the provider found, marked as not what the
    // customer said; nothing is acted on.
    let c = &t["payment_check"];
    assert_eq!(c["state"], "paid", "{t}");
    assert!(c["problem"].as_str().unwrap().contains("does not match what the customer said"), "{c}");
    assert_eq!(t["priority"], "high", "not made urgent");
    assert!(t["escalation"].is_null(), "not escalated");
    let agent = s.app.staff("agent").await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("does not match what the customer said"), "the agent is told");
    // The stranger is asked to check the number, and learns nothing of the
    // payment: no amount, no time, no "received".
    let page = told(&s, &tracking, "does not match the amount and time you told us").await;
    for private in ["128.50", "2026-11-20 09:30", "received ¥"] {
        assert!(!page.contains(private), "{private} on the stranger's page");
    }
    assert!(page.contains("name=\"order_number\""), "the number may be corrected");
    s.app.wait_outbox_sent(2).await;
    for e in std::fs::read_dir(s.app.mail_dir.path()).unwrap().flatten() {
        let raw = std::fs::read(e.path()).unwrap();
        let mail = mailparse::parse_mail(&raw).unwrap();
        let mut text = mail.get_body().unwrap_or_default();
        for part in &mail.subparts {
            text.push_str(&part.get_body().unwrap_or_default());
        }
        let told = text.contains("128.50") || text.contains("2026-11-20 09:30");
        assert!(!told, "nothing of the payment by email: {text}");
    }

    // A refund the merchant started is not followed for a customer whose
    // facts do not fit it.
    s.wechat.refunds.lock().unwrap().insert("RF-3".into(), "PROCESSING");
    let (other, _) = s.app.file_api(&money_taken("PD-REFUND-3")).await;
    let t = s.checked(&other).await;
    assert!(t["refunds"].as_array().unwrap().is_empty(), "{t}");
    assert!(t["escalation"].is_null());

    // Number after number through one ticket: a few are asked about, then
    // no more (an agent can still ask).
    let csrf = s.app.csrf().await;
    for n in 0..8 {
        let res = s
            .app
            .client
            .post(s.app.url(&format!("{tracking}/facts")))
            .form(&[("csrf", csrf.as_str()), ("order_number", &format!("PD-GUESS-{n}"))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303);
        s.checked(&reference).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let asked = s.wechat.seen.lock().unwrap().iter().filter(|(p, _)| p.contains("PD-GUESS-")).count();
    let cap = paydesk::domain::finding::CHECKS_BY_CUSTOMER as usize;
    assert_eq!(asked, cap - 1, "the filing's check and {} more", cap - 1);
}

#[tokio::test]
async fn a_signed_answer_sent_again_is_not_taken_on_any_server() {
    let s = setup().await;
    s.wechat.set(Mode::Replay);
    // The first answer is genuine: taken.
    let (first, _) = s.app.file_api(&money_taken(PAID_ID)).await;
    assert_eq!(s.checked(&first).await["payment_check"]["state"], "paid");
    // The same signed answer again, byte for byte: its nonce was used. The
    // nonce is remembered in the database, not in this server's memory, so
    // another server on the same database refuses it too.
    let (second, tracking) = s.app.file_api(&money_taken(PAID_ID)).await;
    let t = s.checked(&second).await;
    let c = &t["payment_check"];
    assert_eq!(c["state"], "unverified", "{t}");
    assert!(c["problem"].as_str().unwrap().contains("already received"), "{c}");
    assert_eq!(t["priority"], "high", "not acted on");
    let page = s.app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(!page.contains("What we found about your payment"));
    let kept: i64 = {
        use diesel::prelude::*;
        paydesk::db::schema::provider_nonces::table.count().get_result(&mut s.app.conn()).unwrap()
    };
    assert_eq!(kept, 1, "one nonce, remembered once");
}
