//! Demonstration data: `paydesk demo seed --tickets N` fills a database with
//! tickets that look like a year of real traffic, to try the product and to
//! benchmark it at scale (a million tickets in a few minutes).
//!
//! Each ticket is made of facts a customer could have sent and classified by
//! the real routing rules; its status, answers and resolution follow from
//! its age. Rows are written in large batches straight to the tables, with
//! the dashboard's daily counts added up in memory and written once: going
//! through intake one ticket at a time would take hours. No email is queued.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::backend::{self, insert_many};
use crate::db::schema::{screenshots, ticket_events, tickets, tracking_links};
use crate::db::stats;
use crate::db::users::{self, NewUser};
use crate::db::{routing, search, DbConn};
use crate::domain::china;
use crate::domain::codes::*;
use crate::domain::reference::{hash_secret, new_reference};
use crate::domain::screenshot::samples;
use crate::domain::words;
use crate::routing::{Facts, Rules};

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "paydesk demo password";
/// The demo staff: (email, name, role, queues).
pub const DEMO_STAFF: &[(&str, &str, Role, &[Queue])] = &[
    ("admin@demo.paydesk.localhost", "管理员 Admin", Role::Admin, &[Queue::General]),
    ("supervisor@demo.paydesk.localhost", "主管 王芳", Role::Supervisor, &[Queue::General, Queue::Payments]),
    ("agent1@demo.paydesk.localhost", "客服 李伟", Role::Agent, &[Queue::Payments]),
    ("agent2@demo.paydesk.localhost", "客服 张敏", Role::Agent, &[Queue::Payments]),
    ("agent3@demo.paydesk.localhost", "客服 刘洋", Role::Agent, &[Queue::Payments, Queue::General]),
    ("agent4@demo.paydesk.localhost", "客服 陈静", Role::Agent, &[Queue::General]),
    ("agent5@demo.paydesk.localhost", "客服 杨帆", Role::Agent, &[Queue::Refunds]),
    ("agent6@demo.paydesk.localhost", "客服 赵磊", Role::Agent, &[Queue::Refunds, Queue::Payments]),
    ("agent7@demo.paydesk.localhost", "客服 黄丽", Role::Agent, &[Queue::Platform]),
    ("agent8@demo.paydesk.localhost", "客服 周强", Role::Agent, &[Queue::Engineering, Queue::Platform]),
];

/// Cities with weights roughly following population: the big ones file most.
const CITIES: &[(&str, u32)] = &[
    ("上海", 30),
    ("北京", 28),
    ("广州", 22),
    ("深圳", 22),
    ("成都", 16),
    ("重庆", 16),
    ("杭州", 14),
    ("武汉", 13),
    ("西安", 12),
    ("南京", 11),
    ("天津", 11),
    ("苏州", 10),
    ("郑州", 9),
    ("长沙", 9),
    ("东莞", 8),
    ("沈阳", 8),
    ("青岛", 8),
    ("合肥", 7),
    ("佛山", 7),
    ("济南", 6),
    ("昆明", 6),
    ("福州", 6),
    ("厦门", 5),
    ("哈尔滨", 5),
    ("长春", 5),
    ("南宁", 5),
    ("贵阳", 4),
    ("石家庄", 4),
    ("太原", 4),
    ("南昌", 4),
    ("无锡", 4),
    ("宁波", 4),
    ("温州", 3),
    ("兰州", 3),
    ("乌鲁木齐", 3),
    ("呼和浩特", 2),
    ("海口", 2),
    ("银川", 2),
    ("西宁", 2),
    ("拉萨", 1),
];

/// What customers typically report: (symptom, step, error code, error text,
/// weight). Routing turns each into its kind of case.
type CustomerReport = (Symptom, FailingStep, Option<&'static str>, Option<&'static str>, u32);
const REPORTS: &[CustomerReport] = &[
    (Symptom::ErrorShown, FailingStep::TapPay, Some("101"), Some("余额不足"), 14),
    (Symptom::ErrorShown, FailingStep::Verification, None, Some("交易拒绝，超出限额"), 8),
    (Symptom::ErrorShown, FailingStep::TapPay, Some("202"), Some("系统繁忙，请稍后再试"), 12),
    (Symptom::ErrorShown, FailingStep::OpenOrLogin, None, Some("登录已过期，请重新登录"), 7),
    (Symptom::ErrorShown, FailingStep::WalletHandoff, None, Some("该交易存在风险，已被风控拦截"), 6),
    (Symptom::ErrorShown, FailingStep::EnterAccount, Some("E1003"), Some("户号不存在"), 6),
    (Symptom::ErrorShown, FailingStep::ResultPage, Some("E2001"), Some("支付失败"), 5),
    (Symptom::StuckLoading, FailingStep::WalletHandoff, None, None, 10),
    (Symptom::StuckLoading, FailingStep::ChooseBill, None, None, 4),
    (Symptom::ButtonInert, FailingStep::TapPay, None, None, 5),
    (Symptom::MoneyTakenNotPaid, FailingStep::ResultPage, None, None, 12),
    (Symptom::Other, FailingStep::ConfirmAmount, None, None, 3),
];

/// Which platforms customers pay through, and what for (some pairs are not
/// on the platform's allowed list: those cases are out of scope).
const PLATFORMS: &[(Platform, PaymentMethod, u32)] = &[
    (Platform::Wechat, PaymentMethod::WechatPay, 45),
    (Platform::Alipay, PaymentMethod::Alipay, 30),
    (Platform::UtilityApp, PaymentMethod::BankCard, 12),
    (Platform::BankApp, PaymentMethod::BankCard, 10),
    (Platform::Other, PaymentMethod::Other, 3),
];
const SCENARIOS: &[(PaymentScenario, u32)] = &[
    (PaymentScenario::ElectricityBill, 40),
    (PaymentScenario::WaterBill, 20),
    (PaymentScenario::GasBill, 15),
    (PaymentScenario::PrepaidPackage, 10),
    (PaymentScenario::OutpatientFee, 8),
    (PaymentScenario::HospitalDeposit, 4),
    (PaymentScenario::Other, 3),
];
const DESCRIPTIONS_ZH: &[&str] = &[
    "今天早上交电费一直失败，试了两次。",
    "月初缴费，页面提示错误，不知道怎么办。",
    "付款时卡住了，等了很久没有反应。",
    "钱已经扣了，但是账单还显示未缴。",
    "换了网络也不行，麻烦帮忙看一下。",
];
const DESCRIPTIONS_EN: &[&str] = &[
    "The payment failed twice this morning.",
    "Paying my bill at the start of the month, the page shows an error.",
    "It hangs when I tap pay and nothing happens.",
    "The money left my account but the bill still shows unpaid.",
];
const REPLY_ZH: &str =
    "您好，我们已收到您的求助，请按以下步骤操作：1. 确认余额和限额；2. 切换网络后重试；3. 如仍失败请回复我们。";
const REPLY_EN: &str = "Hello, we have your request. Please: 1. check your balance and limits; 2. switch networks and retry; 3. reply here if it still fails.";

#[derive(Debug, Clone)]
pub struct Options {
    pub tickets: u64,
    /// Tickets are spread over this many days before now.
    pub days: i64,
    /// One ticket in this many has a screenshot (0: none).
    pub screenshot_every: u64,
    pub seed: u64,
}

#[derive(Debug)]
pub struct Report {
    pub tickets: u64,
    pub open: u64,
    pub events: u64,
    pub screenshots: u64,
    pub seconds: f64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "added {} tickets ({} open), {} timeline entries and {} screenshots in {:.1} s",
            self.tickets, self.open, self.events, self.screenshots, self.seconds
        )?;
        write!(f, "demo staff (password \"{DEMO_PASSWORD}\"):")?;
        for (email, _, role, _) in DEMO_STAFF {
            write!(f, "\n  {email} ({role})")?;
        }
        Ok(())
    }
}

#[derive(Insertable)]
#[diesel(table_name = tickets)]
struct TicketRow {
    id: String,
    reference: String,
    tracking_token_hash: String,
    status: &'static str,
    language: &'static str,
    platform: &'static str,
    payment_scenario: &'static str,
    payment_method: Option<&'static str>,
    failing_step: &'static str,
    symptom: &'static str,
    error_code: Option<&'static str>,
    error_message: Option<&'static str>,
    city: &'static str,
    account_masked: String,
    checks_tried: String,
    occurred_at: Option<NaiveDateTime>,
    amount_cents: Option<i64>,
    order_number: Option<String>,
    contact_email: String,
    contact_phone: String,
    contact_channel: &'static str,
    sms_extend_code: String,
    description: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    case_kind: &'static str,
    queue: &'static str,
    priority: &'static str,
    assignee_id: Option<String>,
    due_at: NaiveDateTime,
    first_response_at: Option<NaiveDateTime>,
    screenshot_count: i32,
    routing_rule: String,
    routing_facts: String,
    paused_at: Option<NaiveDateTime>,
    resolved_at: Option<NaiveDateTime>,
    breach_notified_at: Option<NaiveDateTime>,
    words_version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = ticket_events)]
struct EventRow {
    id: String,
    ticket_id: String,
    kind: crate::domain::codes::EventKind,
    author_kind: crate::domain::codes::EventAuthor,
    is_public: bool,
    body: String,
    created_at: NaiveDateTime,
    author_id: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = screenshots)]
struct ScreenshotRow {
    id: String,
    ticket_id: String,
    event_id: Option<String>,
    content_type: &'static str,
    byte_size: i64,
    width: i32,
    height: i32,
    sha256: String,
    data: Vec<u8>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = tracking_links)]
struct LinkRow {
    token_hash: String,
    ticket_id: String,
    created_at: NaiveDateTime,
}

/// Rows per INSERT statement: tickets have 33 values a row, and SQLite
/// allows 32,766 bound values a statement.
const ROWS_PER_INSERT: usize = 500;
/// Tickets per transaction.
const TICKETS_PER_TRANSACTION: u64 = 10_000;

/// Adds `options.tickets` tickets (and the demo staff when absent).
pub fn seed(conn: &mut DbConn, options: &Options, progress: &mut dyn FnMut(u64)) -> QueryResult<Report> {
    let started = std::time::Instant::now();
    backend::before_bulk_load(conn)?;
    let rules = Rules::default_rules();
    let now = crate::clock::now();
    let staff = ensure_staff(conn, now)?;
    // Whether each platform allows each scenario, asked once.
    let mut allowed = HashMap::new();
    for (p, _, _) in PLATFORMS {
        for (s, _) in SCENARIOS {
            allowed.insert((*p, *s), routing::allows(conn, *p, *s)?);
        }
    }
    let mut references: HashSet<String> =
        tickets::table.select(tickets::reference).load::<String>(conn)?.into_iter().collect();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut counts: HashMap<(&'static str, chrono::NaiveDate, &'static str, &'static str), stats::Counts> =
        HashMap::new();
    let mut report = Report { tickets: 0, open: 0, events: 0, screenshots: 0, seconds: 0.0 };
    let png = samples::png();
    let png_sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&png))
    };

    // Filed in time order, as real tickets are: ids (UUIDv7) then grow, so
    // the largest indexes are appended to rather than written all over.
    let mut times: Vec<NaiveDateTime> = (0..options.tickets).map(|_| created_at(&mut rng, now, options.days)).collect();
    times.sort_unstable();
    let mut terms_of: HashMap<String, std::collections::BTreeSet<String>> = HashMap::new();
    let mut done = 0;
    while done < options.tickets {
        let n = TICKETS_PER_TRANSACTION.min(options.tickets - done);
        let mut batch = Batch::default();
        for i in done..done + n {
            let mut reference = new_reference();
            while !references.insert(reference.clone()) {
                reference = new_reference();
            }
            let with_screenshot = options.screenshot_every > 0 && i % options.screenshot_every == 0;
            let at = times[i as usize];
            let made = make_ticket(&mut rng, &rules, &allowed, &staff, reference, now, at, with_screenshot);
            let t = &made.row;
            let day = china::day(t.created_at);
            let add = |counts: &mut HashMap<_, stats::Counts>, dim, value, c: stats::Counts| {
                counts.entry((dim, day, t.queue, value)).or_default().add(c);
            };
            let filed = stats::Counts { filed: 1, ..Default::default() };
            add(&mut counts, "case_kind", t.case_kind, filed);
            add(&mut counts, "city", t.city, filed);
            add(&mut counts, "failing_step", t.failing_step, filed);
            let sla = stats::Counts::outcomes(made.first_response_met, made.resolved_met);
            add(&mut counts, "case_kind", t.case_kind, sla);
            if Status::parse(t.status).is_some_and(Status::is_open) {
                report.open += 1;
            }
            if with_screenshot {
                batch.screenshots.push(ScreenshotRow {
                    id: uuid_at(t.created_at),
                    ticket_id: t.id.clone(),
                    event_id: Some(made.events[0].id.clone()),
                    content_type: "image/png",
                    byte_size: png.len() as i64,
                    width: 1,
                    height: 1,
                    sha256: png_sha.clone(),
                    data: png.clone(),
                    created_at: t.created_at,
                });
            }
            batch.links.push(LinkRow {
                token_hash: t.tracking_token_hash.clone(),
                ticket_id: t.id.clone(),
                created_at: t.created_at,
            });
            // The terms of each text are cut once: the demo's texts repeat.
            let mut words = std::collections::BTreeSet::new();
            let searched = [t.error_code.unwrap_or(""), t.error_message.unwrap_or(""), t.description, t.city];
            let said = made.events.iter().filter(|e| search::searched_event(e.kind, e.author_kind));
            for text in searched.into_iter().chain(said.map(|e| e.body.as_str())) {
                let cut = terms_of.entry(text.to_string()).or_insert_with(|| words::terms([text]));
                words.extend(cut.iter().cloned());
            }
            words.extend(words::terms([t.account_masked.as_str()]));
            batch.words.push((t.id.clone(), words.into_iter().collect::<Vec<_>>().join(" ")));
            batch.events.extend(made.events);
            batch.tickets.push(made.row);
        }
        report.tickets += batch.tickets.len() as u64;
        report.events += batch.events.len() as u64;
        report.screenshots += batch.screenshots.len() as u64;
        conn.transaction(|conn| batch.write(conn))?;
        done += n;
        progress(done);
    }
    conn.transaction(|conn| {
        for ((dimension, day, queue, value), c) in &counts {
            stats::add(conn, dimension, *day, queue, value, *c)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    backend::after_bulk_load(conn)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[derive(Default)]
struct Batch {
    tickets: Vec<TicketRow>,
    events: Vec<EventRow>,
    screenshots: Vec<ScreenshotRow>,
    links: Vec<LinkRow>,
    /// Each ticket's search terms, space-joined.
    words: Vec<(String, String)>,
}

impl Batch {
    fn write(&self, conn: &mut DbConn) -> QueryResult<()> {
        for chunk in self.tickets.chunks(ROWS_PER_INSERT) {
            insert_many!(conn, tickets::table, chunk)?;
        }
        for chunk in self.events.chunks(ROWS_PER_INSERT * 3) {
            insert_many!(conn, ticket_events::table, chunk)?;
        }
        for chunk in self.links.chunks(ROWS_PER_INSERT * 5) {
            insert_many!(conn, tracking_links::table, chunk)?;
        }
        for chunk in self.screenshots.chunks(ROWS_PER_INSERT) {
            insert_many!(conn, screenshots::table, chunk)?;
        }
        crate::db::search::store_many(conn, &self.words)
    }
}

struct Staff {
    /// Agents and supervisors serving each queue: (id, name).
    by_queue: HashMap<Queue, Vec<(String, String)>>,
}

fn ensure_staff(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Staff> {
    let mut by_queue: HashMap<Queue, Vec<(String, String)>> = HashMap::new();
    for (email, name, role, queues) in DEMO_STAFF {
        let user = match users::find_by_email(conn, email)? {
            Some(u) => u,
            None => {
                let hash = crate::auth::password::hash(DEMO_PASSWORD);
                let new = NewUser { email, name, role: *role, password_hash: &hash, queues };
                users::create(conn, new, now).map_err(|e| match e {
                    users::UserError::Db(e) => e,
                    other => diesel::result::Error::QueryBuilderError(other.to_string().into()),
                })?
            }
        };
        if *role != Role::Admin {
            for q in *queues {
                by_queue.entry(*q).or_default().push((user.id.clone(), user.name.clone()));
            }
        }
    }
    Ok(Staff { by_queue })
}

struct Made {
    row: TicketRow,
    events: Vec<EventRow>,
    first_response_met: Option<bool>,
    resolved_met: Option<bool>,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T], weight: impl Fn(&T) -> u32) -> T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut x = rng.random_range(0..total);
    for item in items {
        let w = weight(item);
        if x < w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1]
}

/// A UUIDv7 for a moment in the past, so ids sort like the real ones.
fn uuid_at(at: NaiveDateTime) -> String {
    let t = at.and_utc();
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, t.timestamp() as u64, t.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(ts).to_string()
}

/// When a ticket was filed: more by day than by night (China time), and
/// twice as many in the first five days of a month, when bills come.
fn created_at(rng: &mut StdRng, now: NaiveDateTime, days: i64) -> NaiveDateTime {
    loop {
        let at = now - Duration::seconds(rng.random_range(0..days.max(1) * 86_400));
        let china = crate::domain::china::to_china_time(at);
        let hour_weight = match china.hour() {
            0..=6 => 1,
            7..=9 | 22..=23 => 3,
            _ => 5,
        };
        let month_weight = if chrono::Datelike::day(&china) <= 5 { 2 } else { 1 };
        if rng.random_range(0..10) < hour_weight * month_weight {
            return at;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn make_ticket(
    rng: &mut StdRng,
    rules: &Rules,
    allowed: &HashMap<(Platform, PaymentScenario), bool>,
    staff: &Staff,
    reference: String,
    now: NaiveDateTime,
    created: NaiveDateTime,
    with_screenshot: bool,
) -> Made {
    let (symptom, step, code, message, _) = pick(rng, REPORTS, |r| r.4);
    let (platform, method, _) = pick(rng, PLATFORMS, |p| p.2);
    // Most customers pay for what their platform allows; some try what it
    // does not (those cases are out of scope).
    let mut scenario = pick(rng, SCENARIOS, |s| s.1).0;
    while !allowed[&(platform, scenario)] && rng.random_range(0..100) < 85 {
        scenario = pick(rng, SCENARIOS, |s| s.1).0;
    }
    let city = pick(rng, CITIES, |c| c.1).0;
    let english = rng.random_range(0..100) < 15;
    let checks: Vec<CheckTried> = CheckTried::ALL.iter().copied().filter(|_| rng.random_range(0..100) < 35).collect();
    let description = if english {
        DESCRIPTIONS_EN[rng.random_range(0..DESCRIPTIONS_EN.len())]
    } else {
        DESCRIPTIONS_ZH[rng.random_range(0..DESCRIPTIONS_ZH.len())]
    };
    let decision = rules.route(&Facts {
        symptom,
        failing_step: step,
        error_code: code,
        error_message: message,
        description,
        checks_tried: &checks,
        payment_method: Some(method),
        scenario_allowed: allowed[&(platform, scenario)],
        learned: None,
    });
    let age = now - created;
    let target = rules.target(decision.priority);
    let id = uuid_at(created);

    // How far this ticket got, by its age.
    let roll = rng.random_range(0..100);
    let status = if age < Duration::hours(2) {
        if decision.kind == CaseKind::OutOfScope {
            Status::PendingPlatform
        } else if decision.self_service && !decision.kind.steps_left(&checks).is_empty() {
            Status::PendingCustomer
        } else {
            Status::New
        }
    } else if age < Duration::days(3) {
        match roll {
            0..=9 => Status::New,
            10..=44 => Status::Open,
            45..=64 => Status::PendingCustomer,
            _ => Status::Resolved,
        }
    } else {
        match roll {
            0..=3 => Status::Open,
            4..=6 => Status::PendingCustomer,
            7 => Status::PendingPlatform,
            8..=19 => Status::Closed,
            _ => Status::Resolved,
        }
    };
    // Out-of-scope cases are told at once by the system; new ones wait.
    let answered = !matches!(status, Status::New | Status::PendingPlatform);
    let late = rng.random_range(0..100) < 12;
    let first_response_hours = target.first_response as f64 * if late { 1.5 } else { rng.random_range(0.05..0.9) };
    let first_response_at =
        answered.then(|| created + Duration::minutes((first_response_hours * 60.0) as i64 + 1)).map(|t| t.min(now));
    let resolved_at = matches!(status, Status::Resolved | Status::Closed).then(|| {
        let hours =
            target.resolution as f64 * if rng.random_range(0..100) < 10 { 1.4 } else { rng.random_range(0.1..0.9) };
        (created + Duration::minutes((hours * 60.0) as i64 + 5)).min(now)
    });
    let paused_at = (status == Status::PendingCustomer).then(|| first_response_at.unwrap_or(created).min(now));
    let due_at = rules.due_at(created, decision.priority, first_response_at.is_some());
    let assignee = match staff.by_queue.get(&decision.queue) {
        Some(list) if status != Status::New || roll % 2 == 0 => Some(list[rng.random_range(0..list.len())].clone()),
        _ => None,
    };

    let mut events = Vec::new();
    let mut event = |kind, author_kind, is_public, body: String, at: NaiveDateTime, author: Option<String>| {
        events.push(EventRow {
            id: uuid_at(at),
            ticket_id: id.clone(),
            kind,
            author_kind,
            is_public,
            body,
            created_at: at,
            author_id: author,
        })
    };
    event(EventKind::Created, EventAuthor::Customer, true, String::new(), created, None);
    if let Some((_, name)) = &assignee {
        event(EventKind::Assigned, EventAuthor::System, false, name.clone(), created, None);
    }
    if let Some(at) = first_response_at {
        let body = if english { REPLY_EN } else { REPLY_ZH }.to_string();
        event(EventKind::PublicReply, EventAuthor::Staff, true, body, at, assignee.as_ref().map(|a| a.0.clone()));
    }
    if let Some(at) = resolved_at {
        event(EventKind::StatusChanged, EventAuthor::Staff, true, status.as_str().to_string(), at, None);
    }
    let updated_at = [Some(created), first_response_at, resolved_at].into_iter().flatten().max().unwrap_or(created);
    let money = symptom == Symptom::MoneyTakenNotPaid;
    let by_phone = rng.random_range(0..10) < 7;
    let account = format!("{:02}******{:04}", rng.random_range(10..99), rng.random_range(0..10_000));
    let first_response_met = first_response_at.map(|at| at <= created + Duration::hours(target.first_response));
    let resolved_met = resolved_at.map(|at| at <= created + Duration::hours(target.resolution));
    let row = TicketRow {
        tracking_token_hash: hash_secret(&uuid::Uuid::from_u128(rng.random()).to_string()),
        reference,
        status: status.as_str(),
        language: if english { "en" } else { "zh-CN" },
        platform: platform.as_str(),
        payment_scenario: scenario.as_str(),
        payment_method: Some(method.as_str()),
        failing_step: step.as_str(),
        symptom: symptom.as_str(),
        error_code: code,
        error_message: message,
        city,
        account_masked: account,
        checks_tried: crate::domain::codes::Checks::from(&checks[..]).to_string(),
        occurred_at: money.then(|| created - Duration::hours(2)),
        amount_cents: money.then(|| rng.random_range(2_000..50_000)),
        order_number: money.then(|| format!("420000{:012}", rng.random_range(0..1_000_000_000_000u64))),
        // Most customers leave a mobile number and are texted; some an
        // email only; a few both.
        contact_email: if by_phone && rng.random_range(0..4) > 0 {
            String::new()
        } else {
            format!("customer{}@example.com", rng.random_range(0..10_000_000))
        },
        contact_phone: if by_phone {
            format!("13{}{:08}", rng.random_range(3..10), rng.random_range(0..100_000_000))
        } else {
            String::new()
        },
        contact_channel: if by_phone { "sms" } else { "email" },
        sms_extend_code: crate::domain::sms::new_extend_code(),
        description,
        created_at: created,
        updated_at,
        case_kind: decision.kind.as_str(),
        queue: decision.queue.as_str(),
        priority: decision.priority.as_str(),
        assignee_id: assignee.map(|a| a.0),
        due_at,
        first_response_at,
        screenshot_count: i32::from(with_screenshot),
        routing_rule: decision.rule.clone(),
        routing_facts: decision.used.join("; "),
        paused_at,
        resolved_at,
        // Supervisors heard of a past-due ticket back then, not today.
        breach_notified_at: (status.is_open() && due_at < now).then_some(due_at),
        words_version: crate::domain::words::VERSION,
        id,
    };
    Made { row, events, first_response_met, resolved_met }
}
