//! A local stand-in for Alibaba Cloud SMS (`dysmsapi`, version 2017-05-25, action `SendSms`): tests send SMS to it
//! over real HTTP, and it checks and answers as Alibaba documents.
//!
//! - SendSms parameters and answer (`BizId` like `900619746936498440^0`):
//!   <https://help.aliyun.com/document_detail/55284.html>
//! - RPC signature 1.0, HMAC-SHA1: <https://help.aliyun.com/document_detail/69009.html>
//! - gateway errors, HTTP 4xx with `HostId` and `Recommend` (`SignatureDoesNotMatch` 400,
//!   `InvalidAccessKeyId.NotFound` 404, `InvalidTimeStamp.Expired` 400 past 15 minutes, `SignatureNonceUsed` 400,
//!   `Missing{Name}` 400, `InvalidApi.NotFound` 404): <https://developer.aliyun.com/ask/278265>
//! - business errors (`isv.*`, `isp.*`: HTTP 200, the code in the body):
//!   <https://help.aliyun.com/document_detail/101346.html>
//! - a template variable is 1~35 characters: <https://help.aliyun.com/document_detail/44357.html>
//! - `SmsReport` and `SmsUp` HTTP batch pushes: <https://help.aliyun.com/document_detail/101867.html>,
//!   <https://help.aliyun.com/zh/sms/developer-reference/smsup-http>

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

pub const KEY_ID: &str = "LTAI5tStandInKeyId";
pub const KEY_SECRET: &str = "stand-in-access-key-secret";
pub const SIGN_NAME: &str = "缴费助手";
/// The longest template variable Alibaba takes, in characters.
pub const MAX_VARIABLE_CHARS: usize = 35;

/// One SendSms Alibaba accepted (one per number when `PhoneNumbers` lists several; they share the `BizId`).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The 11-digit number, without the `+86`/`0086`/`86` prefix Alibaba also takes.
    pub phone: String,
    pub sign_name: String,
    pub template_code: String,
    pub params: serde_json::Value,
    pub out_id: Option<String>,
    pub extend_code: Option<String>,
    pub biz_id: String,
}

/// How the stand-in answers the next SendSms (queued, in order; after the queue, normal behaviour).
#[derive(Debug, Clone)]
pub enum Next {
    /// HTTP 503 from a gateway in trouble (an HTML page, not Alibaba JSON), before any check; nothing sent.
    Unavailable,
    /// This code with its documented status and body, for the next request that is correctly signed; nothing sent.
    Code(&'static str),
}

#[derive(Default)]
struct State {
    queue: VecDeque<Next>,
    sent: Vec<Sent>,
    requests: usize,
    refusals: Vec<String>,
    nonces: HashSet<String>,
}

pub struct AliyunSms {
    pub url: String,
    state: Arc<Mutex<State>>,
}

/// A refused request: Alibaba's code and message.
type Refusal = (String, String);

impl AliyunSms {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        AliyunSms { url, state }
    }

    pub fn answer_next(&self, next: Next) {
        self.state.lock().unwrap().queue.push_back(next);
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().unwrap().sent.clone()
    }

    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }

    /// Codes of refused requests, queued `Next::Code` answers included (`Next::Unavailable` is no Alibaba code).
    pub fn refusals(&self) -> Vec<String> {
        self.state.lock().unwrap().refusals.clone()
    }

    pub async fn wait_sent(&self, n: usize) -> Vec<Sent> {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            let (got, refused) = (sent.len(), self.refusals());
            assert!(Instant::now() < until, "Aliyun stand-in: {got} of {n} SMS in 30 s: {sent:?}; refused {refused:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One SmsReport element as Alibaba pushes it (err_code `DELIVERED` when delivered). Times are Beijing time.
    pub fn report(sent: &Sent, success: bool, err_code: &str) -> Value {
        let now = beijing_now();
        let mut report = json!({
            "phone_number": sent.phone, "send_time": now, "report_time": now, "success": success,
            "err_code": err_code, "err_msg": if success { "用户接收成功" } else { err_code },
            "sms_size": "1", "biz_id": sent.biz_id,
        });
        // Pushed only when the request carried one (the docs show it always, with the OutId sent).
        if let Some(out_id) = &sent.out_id {
            report["out_id"] = json!(out_id);
        }
        report
    }

    /// One SmsUp element (a customer's reply) as the current docs show it: no `sign_name`, `sequence_id` a string.
    pub fn up(phone: &str, dest_code: &str, content: &str) -> Value {
        let sequence_id = rand::random_range(1_000_000_000u64..10_000_000_000).to_string();
        json!({"phone_number": phone, "content": content, "send_time": beijing_now(), "dest_code": dest_code,
               "sequence_id": sequence_id})
    }
}

/// SendSms parameters as a correct client sends them, unsigned: the common ones and `action`'s.
pub fn send_sms_params(action: &[(&str, &str)]) -> BTreeMap<String, String> {
    let common = [
        ("AccessKeyId", KEY_ID),
        ("Action", "SendSms"),
        ("Format", "JSON"),
        ("RegionId", "cn-hangzhou"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("Version", "2017-05-25"),
    ];
    let mut params: BTreeMap<String, String> =
        common.iter().chain(action).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    params.insert("SignatureNonce".into(), uuid::Uuid::new_v4().to_string());
    params.insert("Timestamp".into(), chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    params
}

/// Adds (or replaces) `Signature`, computed with `KEY_SECRET` for a request sent with `method`.
pub fn sign_params(method: &str, params: &mut BTreeMap<String, String>) {
    let signature = sign(KEY_SECRET, &string_to_sign(method, params));
    params.insert("Signature".into(), signature);
}

/// RFC 3986 unreserved characters stay; everything else is `%XY` (space `%20`, `*` `%2A`, `~` kept): Alibaba's
/// percentEncode.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// METHOD & percentEncode("/") & percentEncode(the parameters but Signature, sorted by name, encoded, joined).
fn string_to_sign(method: &str, params: &BTreeMap<String, String>) -> String {
    let canonical: Vec<String> = params
        .iter()
        .filter(|(k, _)| *k != "Signature")
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    format!("{method}&{}&{}", percent_encode("/"), percent_encode(&canonical.join("&")))
}

/// Base64(HMAC-SHA1(key = secret + "&", string to sign)).
fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn beijing_now() -> String {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::Utc::now().with_timezone(&beijing).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Reads one request: method, target and its Content-Length body.
fn read_request(stream: &TcpStream) -> Option<(String, String, String)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut length = 0;
    for header in reader.by_ref().lines() {
        let header = header.ok()?.to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, target, String::from_utf8(body).ok()?))
}

/// `application/x-www-form-urlencoded` pairs (a query string or a body).
fn form(s: &str) -> BTreeMap<String, String> {
    let decode = |x: &str| percent_decode_str(&x.replace('+', " ")).decode_utf8_lossy().into_owned();
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let Some((method, target, body)) = read_request(&stream) else { return };
    let (status, body) = answer(&mut state.lock().unwrap(), &method, &target, &body);
    let kind = if body.starts_with('<') { "text/html" } else { "application/json;charset=utf-8" };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(format!("{head}{body}").as_bytes());
}

/// What a gateway in trouble answers (an HTML page, not Alibaba JSON).
const GATEWAY_DOWN: &str = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>";

fn answer(st: &mut State, method: &str, target: &str, body: &str) -> (&'static str, String) {
    st.requests += 1;
    if let Some(Next::Unavailable) = st.queue.front() {
        st.queue.pop_front();
        return ("503 Service Temporarily Unavailable", GATEWAY_DOWN.into());
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    // The parameters count the same in the query string or the form body (a client may split them).
    let mut params = form(query);
    if method == "POST" {
        params.extend(form(body));
    }
    let outcome = check(st, method, path, &params).and_then(|()| match st.queue.front() {
        Some(&Next::Code(code)) => {
            st.queue.pop_front();
            Err(refuse(code))
        }
        _ => accept(&params),
    });
    match outcome {
        Ok(sent) => {
            let biz_id = sent[0].biz_id.clone();
            st.sent.extend(sent);
            ("200 OK", json!({"Message": "OK", "RequestId": request_id(), "BizId": biz_id, "Code": "OK"}).to_string())
        }
        Err((code, message)) => {
            st.refusals.push(code.clone());
            reply(&code, &message)
        }
    }
}

/// What Alibaba's gateway checks before the SMS service sees the request, in its order.
fn check(st: &mut State, method: &str, path: &str, p: &BTreeMap<String, String>) -> Result<(), Refusal> {
    let get = |k: &str| p.get(k).map_or("", String::as_str);
    refuse_if(path != "/" || get("Action") != "SendSms" || get("Version") != "2017-05-25", "InvalidApi.NotFound")?;
    for name in ["AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp"] {
        if get(name).is_empty() {
            return Err(missing(name));
        }
    }
    // Without Format=JSON Alibaba answers XML, which a JSON client cannot read.
    refuse_if(get("Format") != "JSON", "InvalidParameter.Format")?;
    refuse_if(get("SignatureMethod") != "HMAC-SHA1", "InvalidSignatureMethod")?;
    refuse_if(get("SignatureVersion") != "1.0", "InvalidSignatureVersion")?;
    let at = chrono::NaiveDateTime::parse_from_str(get("Timestamp"), "%Y-%m-%dT%H:%M:%SZ")
        .map_err(|_| refuse("InvalidTimeStamp.Format"))?;
    refuse_if((chrono::Utc::now().naive_utc() - at).num_seconds().abs() > 15 * 60, "InvalidTimeStamp.Expired")?;
    refuse_if(get("AccessKeyId") != KEY_ID, "InvalidAccessKeyId.NotFound")?;
    refuse_if(st.nonces.contains(get("SignatureNonce")), "SignatureNonceUsed")?;
    let to_sign = string_to_sign(method, p);
    if sign(KEY_SECRET, &to_sign) != get("Signature") {
        // Alibaba shows the string it signed: how a client finds its encoding mistake.
        let (code, message) = refuse("SignatureDoesNotMatch");
        return Err((code, format!("{message} server string to sign is:{to_sign}")));
    }
    // Spent once a genuine request carried it, whatever the answer: a retry needs a new nonce.
    st.nonces.insert(get("SignatureNonce").to_string());
    Ok(())
}

/// What the SMS service checks, then the message(s) it takes.
fn accept(p: &BTreeMap<String, String>) -> Result<Vec<Sent>, Refusal> {
    for name in ["PhoneNumbers", "SignName", "TemplateCode"] {
        if p.get(name).is_none_or(String::is_empty) {
            return Err(missing(name));
        }
    }
    let phones: Option<Vec<String>> = p["PhoneNumbers"].split(',').map(mainland).collect();
    let phones = phones.ok_or_else(|| refuse("isv.MOBILE_NUMBER_ILLEGAL"))?;
    refuse_if(phones.len() > 1000, "isv.MOBILE_COUNT_OVER_LIMIT")?;
    refuse_if(p["SignName"] != SIGN_NAME, "isv.SMS_SIGNATURE_ILLEGAL")?;
    let template_code = &p["TemplateCode"];
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let known_template = template_code.strip_prefix("SMS_").is_some_and(|n| !n.is_empty() && digits(n));
    refuse_if(!known_template, "isv.SMS_TEMPLATE_ILLEGAL")?;
    // A JSON object of strings: {"code":123} is refused too ("只接受字符串值").
    let params = match p.get("TemplateParam") {
        None => json!({}),
        Some(t) => serde_json::from_str::<Value>(t)
            .ok()
            .filter(|v| v.as_object().is_some_and(|o| o.values().all(Value::is_string)))
            .ok_or_else(|| refuse("isv.INVALID_JSON_PARAM"))?,
    };
    for value in params.as_object().into_iter().flat_map(|o| o.values()).filter_map(Value::as_str) {
        refuse_if(value.is_empty(), "isv.TEMPLATE_MISSING_PARAMETERS")?;
        refuse_if(value.chars().count() > MAX_VARIABLE_CHARS, "isv.PARAM_LENGTH_LIMIT")?;
        refuse_if(looks_like_url(value), "isv.PARAM_NOT_SUPPORT_URL")?;
    }
    let (out_id, extend_code) = (p.get("OutId").cloned(), p.get("SmsUpExtendCode").cloned());
    if extend_code.as_deref().is_some_and(|e| !digits(e)) {
        return Err(("isv.INVALID_PARAMETERS".into(), "smsUpExtendCode must be numeric".into()));
    }
    refuse_if(out_id.as_ref().is_some_and(|o| o.len() >= 256), "isv.INVALID_PARAMETERS")?;
    let biz_id = format!("{}^0", rand::random_range(100_000_000_000_000_000u64..1_000_000_000_000_000_000));
    let sent = |phone| Sent {
        phone,
        sign_name: SIGN_NAME.into(),
        template_code: template_code.clone(),
        params: params.clone(),
        out_id: out_id.clone(),
        extend_code: extend_code.clone(),
        biz_id: biz_id.clone(),
    };
    Ok(phones.into_iter().map(sent).collect())
}

/// A mainland mobile number, written bare or with `+86`, `0086`, `86` or `+` in front.
fn mainland(number: &str) -> Option<String> {
    let n = ["+86", "0086", "86", "+", ""].iter().find_map(|p| number.strip_prefix(p).filter(|n| n.len() == 11))?;
    let ok = n.starts_with('1') && matches!(n.as_bytes()[1], b'3'..=b'9') && n.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| n.to_string())
}

/// Alibaba refuses links in variables without saying how it spots one: a scheme, `www.`, or a dotted name ending in
/// a common top-level domain.
fn looks_like_url(value: &str) -> bool {
    const TLDS: [&str; 12] = ["com", "cn", "net", "org", "io", "cc", "top", "xyz", "me", "co", "info", "vip"];
    let v = value.to_ascii_lowercase();
    v.contains("://")
        || v.contains("www.")
        || v.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .any(|w| w.rsplit_once('.').is_some_and(|(host, tld)| !host.is_empty() && TLDS.contains(&tld)))
}

fn refuse_if(bad: bool, code: &str) -> Result<(), Refusal> {
    (!bad).then_some(()).ok_or_else(|| refuse(code))
}

fn missing(name: &str) -> Refusal {
    (format!("Missing{name}"), format!("{name} is mandatory for this action."))
}

/// A documented code with its documented message.
fn refuse(code: &str) -> Refusal {
    let message = match code {
        "InvalidApi.NotFound" => "Specified api is not found, please check your url and method.",
        "InvalidParameter.Format" => "Specified parameter format is not valid.",
        "InvalidSignatureMethod" => "Specified signature method is not valid.",
        "InvalidSignatureVersion" => "Specified parameter SignatureVersion is not valid.",
        "InvalidTimeStamp.Format" => "Specified time stamp or date value is not well formatted.",
        "InvalidTimeStamp.Expired" => "Specified time stamp or date value is expired.",
        "InvalidAccessKeyId.NotFound" => "Specified access key is not found.",
        "SignatureNonceUsed" => "Specified signature nonce was used already.",
        "SignatureDoesNotMatch" => "Specified signature is not matched with our calculation.",
        "Throttling.User" => "Request was denied due to user flow control.",
        "ServiceUnavailable" => "The request has failed due to a temporary failure of the server.",
        "InternalError" => "The request processing has failed due to some unknown error, exception or failure.",
        "isp.SYSTEM_ERROR" => "系统错误",
        "isv.BUSINESS_LIMIT_CONTROL" => "触发分钟级流控Permits:1",
        "isv.MOBILE_NUMBER_ILLEGAL" => "非法手机号",
        "isv.MOBILE_COUNT_OVER_LIMIT" => "手机号码数量超过限制",
        "isv.SMS_SIGNATURE_ILLEGAL" => "签名不合法(不存在或被拉黑)",
        "isv.SMS_TEMPLATE_ILLEGAL" => "模板不合法(不存在或被拉黑)",
        "isv.INVALID_JSON_PARAM" => "JSON参数不合法，只接受字符串值",
        "isv.TEMPLATE_MISSING_PARAMETERS" => "模板缺少变量",
        "isv.PARAM_LENGTH_LIMIT" => "参数超出长度限制",
        "isv.PARAM_NOT_SUPPORT_URL" => "不支持URL",
        "isv.INVALID_PARAMETERS" => "参数异常",
        "isv.AMOUNT_NOT_ENOUGH" => "账户余额不足",
        other => other,
    };
    (code.to_string(), message.to_string())
}

/// Business codes come back with HTTP 200 and a short body; gateway codes with their HTTP status and more fields.
fn reply(code: &str, message: &str) -> (&'static str, String) {
    let request_id = request_id();
    if code.starts_with("isv.") || code.starts_with("isp.") {
        return ("200 OK", json!({"Message": message, "RequestId": request_id, "Code": code}).to_string());
    }
    let status = match code {
        "InvalidApi.NotFound" | "InvalidAccessKeyId.NotFound" => "404 Not Found",
        "InternalError" => "500 Internal Server Error",
        "ServiceUnavailable" => "503 Service Unavailable",
        _ => "400 Bad Request",
    };
    let recommend = format!("https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi&requestId={request_id}");
    let body = json!({"RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com", "Code": code, "Message": message,
                      "Recommend": recommend});
    (status, body.to_string())
}

/// Like `F655A8D5-B967-440B-8683-DAD6FF8DE990`.
fn request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

#[tokio::test]
async fn the_stand_in_takes_what_alibaba_takes_and_nothing_else() {
    let sms = AliyunSms::start();
    // A correct request with `before` changed, signed for `sign_as`, with `after` changed.
    let request = |sign_as: &str, before: &[(&str, &str)], after: &[(&str, &str)]| {
        let mut p =
            send_sms_params(&[("PhoneNumbers", "+8613800138000"), ("SignName", SIGN_NAME), ("TemplateCode", "SMS_1")]);
        p.extend(before.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        sign_params(sign_as, &mut p);
        p.extend(after.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        p
    };
    let send = |method: &str, p: &BTreeMap<String, String>| {
        let url = format!("{}/", sms.url);
        let client = reqwest::Client::new();
        let request = if method == "GET" { client.get(url).query(p) } else { client.post(url).form(p) };
        async move {
            let res = request.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.map_or(Value::Null, |v| v["Code"].clone()))
        }
    };
    let first =
        request("POST", &[("TemplateParam", r#"{"n":"张 三*~"}"#), ("OutId", "t-1"), ("SmsUpExtendCode", "12")], &[]);
    assert_eq!(send("POST", &first).await, (200, json!("OK")));
    assert_eq!(send("POST", &first).await, (400, json!("SignatureNonceUsed")));
    let late = (chrono::Utc::now() - chrono::Duration::minutes(16)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let long = format!(r#"{{"name":"{}"}}"#, "长".repeat(MAX_VARIABLE_CHARS + 1));
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 11] = [
        ("GET", "GET", &[], &[], 200, "OK"),
        ("GET", "POST", &[], &[], 400, "SignatureDoesNotMatch"),
        ("POST", "POST", &[], &[("PhoneNumbers", "13900139000")], 400, "SignatureDoesNotMatch"),
        ("POST", "POST", &[("AccessKeyId", "LTAI5tSomeoneElse")], &[], 404, "InvalidAccessKeyId.NotFound"),
        ("POST", "POST", &[("Timestamp", &late)], &[], 400, "InvalidTimeStamp.Expired"),
        ("POST", "POST", &[("Version", "2018-05-01")], &[], 404, "InvalidApi.NotFound"),
        ("POST", "POST", &[("PhoneNumbers", "")], &[], 400, "MissingPhoneNumbers"),
        ("POST", "POST", &[("PhoneNumbers", "12345678901")], &[], 200, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("POST", "POST", &[("TemplateParam", r#"{"code":123456}"#)], &[], 200, "isv.INVALID_JSON_PARAM"),
        ("POST", "POST", &[("TemplateParam", &long)], &[], 200, "isv.PARAM_LENGTH_LIMIT"),
        ("POST", "POST", &[("TemplateParam", r#"{"u":"见a.cn/t"}"#)], &[], 200, "isv.PARAM_NOT_SUPPORT_URL"),
    ];
    for (sign_as, send_as, before, after, status, code) in cases {
        assert_eq!(send(send_as, &request(sign_as, before, after)).await, (status, json!(code)), "{before:?}");
    }
    sms.answer_next(Next::Unavailable);
    sms.answer_next(Next::Code("isv.BUSINESS_LIMIT_CONTROL"));
    assert_eq!(send("POST", &request("POST", &[], &[])).await, (503, Value::Null));
    assert_eq!(send("POST", &request("POST", &[], &[])).await, (200, json!("isv.BUSINESS_LIMIT_CONTROL")));

    let sent = sms.wait_sent(2).await;
    let s = &sent[0];
    assert_eq!((s.phone.as_str(), s.sign_name.as_str(), s.template_code.as_str()), ("13800138000", SIGN_NAME, "SMS_1"));
    assert_eq!(
        (&s.params["n"], s.out_id.as_deref(), s.extend_code.as_deref()),
        (&json!("张 三*~"), Some("t-1"), Some("12"))
    );
    assert_eq!((sms.requests(), sms.refusals().len()), (15, 12), "{:?}", sms.refusals());
    let report = AliyunSms::report(s, true, "DELIVERED");
    assert_eq!((&report["biz_id"], &report["out_id"]), (&json!(s.biz_id), &json!("t-1")));
    assert_eq!(AliyunSms::up("13800138000", "12", "T")["dest_code"], "12");
}
