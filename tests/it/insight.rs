//! Supervisor insight: the dashboard's numbers against known data, spike
//! detection with a clock the test sets, incidents from proposal to
//! resolution, and the CSV downloads.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use paydesk::db::schema::{incidents, outbox, tickets};
use paydesk::db::{incidents as inc, DbConn};
use paydesk::domain::intake::{validate, IntakeInput};
use paydesk::domain::screenshot::{samples, Screenshot};
use paydesk::domain::spikes::{Dimension, SpikeRules};
use paydesk::i18n::Lang;
use paydesk::routing::Rules;

use crate::support::{complete_fields, form, png_part, spawn, with};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// Files `n` tickets from `city` at `when` (UTC), as intake does.
fn file_at(conn: &mut DbConn, city: &str, n: usize, when: NaiveDateTime) {
    let rules = Rules::default_rules();
    for k in 0..n {
        let input = IntakeInput {
            platform: "wechat".into(),
            payment_scenario: "electricity_bill".into(),
            failing_step: "tap_pay".into(),
            symptom: "error_shown".into(),
            error_code: "E1003".into(),
            city: city.into(),
            account_number: "3100 1234 4821".into(),
            checks_tried: vec!["switched_network".into()],
            contact_email: "li.wei@example.com".into(),
            description: "付款失败".into(),
            screenshot: Some(Screenshot::parse(samples::png(), 1 << 20)),
            ..IntakeInput::default()
        };
        let t = validate(input, Lang::ZhCn, when).expect("a valid request");
        // Spread over the minutes before `when`, inside any window ending then.
        let filed = when - Duration::seconds(1 + k as i64 * 7 % 1800);
        paydesk::ops::intake::file(conn, &t, &rules, &Default::default(), Default::default(), filed).unwrap();
    }
}

fn city_spikes(conn: &mut DbConn, now: NaiveDateTime) -> Vec<(String, i64)> {
    inc::detect(conn, &SpikeRules::default(), now)
        .unwrap()
        .into_iter()
        .filter(|s| s.dimension == Dimension::City)
        .map(|s| (s.value, s.count))
        .collect()
}

#[tokio::test]
async fn a_steady_month_start_peak_is_no_spike_and_a_sudden_city_surge_is() {
    let app = spawn().await;
    let mut conn = app.conn();
    // Every month start, 10:00 in China (02:00 UTC), 上海 files ~30 tickets
    // an hour; on other days, two.
    for month_start in ["2026-09-01 02:00", "2026-10-01 02:00", "2026-11-01 02:00"] {
        file_at(&mut conn, "上海", 30, at(month_start));
    }
    for week in 1..=4 {
        file_at(&mut conn, "上海", 2, at("2026-12-01 02:00") - Duration::weeks(week));
    }
    // December the 1st brings its usual peak: no spike.
    file_at(&mut conn, "上海", 34, at("2026-12-01 02:00"));
    assert_eq!(city_spikes(&mut conn, at("2026-12-01 02:00")), vec![]);

    // A week later, 广州, which never files more than a few, files 25 in an hour.
    for week in 1..=4 {
        file_at(&mut conn, "广州", 1, at("2026-12-08 02:00") - Duration::weeks(week));
    }
    file_at(&mut conn, "广州", 25, at("2026-12-08 02:00"));
    assert_eq!(city_spikes(&mut conn, at("2026-12-08 02:00")), vec![("广州".to_string(), 25)]);
    // An hour later the window holds nothing new: no spike.
    assert_eq!(city_spikes(&mut conn, at("2026-12-08 03:01")), vec![]);

    // The sweep proposes it as an incident once and emails each supervisor.
    app.add_staff("boss@paydesk.test", "Boss", "supervisor", &[]);
    let rules = SpikeRules::default();
    let raised = paydesk::ops::incident::propose_for_spikes(&mut conn, &rules, at("2026-12-08 02:00")).unwrap();
    assert!(raised >= 1);
    assert_eq!(
        paydesk::ops::incident::propose_for_spikes(&mut conn, &rules, at("2026-12-08 02:05")).unwrap(),
        0,
        "raised once"
    );
    let proposed: Vec<(String, String, i64)> = incidents::table
        .filter(incidents::status.eq("proposed"))
        .filter(incidents::dimension.eq("city"))
        .select((incidents::value, incidents::title, incidents::spike_count))
        .load(&mut conn)
        .unwrap();
    assert_eq!(proposed, vec![("广州".to_string(), "city = 广州".to_string(), 25)]);
    let alerts: i64 = outbox::table
        .filter(outbox::kind.eq("spike_alert"))
        .filter(outbox::recipient.eq("boss@paydesk.test"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(alerts, raised as i64);
}

#[tokio::test]
async fn the_dashboard_counts_known_tickets_and_downloads_each_table_as_csv() {
    let app = spawn().await;
    let mut refs = Vec::new();
    for city in ["上海", "上海", "上海", "北京", "北京", "深圳"] {
        refs.push(app.file_api(&with(&complete_fields(), "city", city)).await.0);
    }
    let boss = app.staff("supervisor").await;
    // One ticket answered in time and resolved in time.
    let res = boss
        .post(
            &format!("/agent/tickets/{}/reply", refs[0]),
            &[("body", "Please retry after 10 minutes."), ("then", "resolved")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);

    let page = boss.text("/supervisor").await;
    for section in ["per-day", "cities", "steps", "sla", "backlog", "workload", "escalations", "answer-time"] {
        assert!(page.contains(&format!("id=\"{section}\"")), "{section}");
    }
    assert!(page.contains("<svg viewBox"), "charts drawn on the server");
    // Cities are one value, shown in the page's language (issue 29, 17).
    assert!(page.contains("<th scope=\"row\">Shanghai</th><td>3</td>"), "top cities table");

    let csv = boss.get("/supervisor/dashboard/cities.csv").await;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte order mark, for spreadsheet programs");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text, "City,Tickets\r\nShanghai,3\r\nBeijing,2\r\nShenzhen,1\r\n");

    // SLA: one first response met, one resolution met, in the general queue.
    let sla = String::from_utf8(boss.get("/supervisor/dashboard/sla.csv").await.bytes().await.unwrap()[3..].to_vec())
        .unwrap();
    assert!(sla.contains("\r\nGeneral,1,0,100%,1,0,100%\r\n"), "{sla}");
    let per_day =
        String::from_utf8(boss.get("/supervisor/dashboard/per-day.csv").await.bytes().await.unwrap()[3..].to_vec())
            .unwrap();
    assert!(per_day.lines().last().unwrap().ends_with(",6,6"), "today: six of one kind, six in all: {per_day}");
    let backlog =
        String::from_utf8(boss.get("/supervisor/dashboard/backlog.csv").await.bytes().await.unwrap()[3..].to_vec())
            .unwrap();
    assert!(backlog.contains("Under 4 hours,5"), "{backlog}");

    // Filters: a queue with nothing in it, a range refused with a clear message.
    let empty = String::from_utf8(
        boss.get("/supervisor/dashboard/cities.csv?queue=refunds").await.bytes().await.unwrap()[3..].to_vec(),
    )
    .unwrap();
    assert_eq!(empty, "City,Tickets\r\n");
    let bad = boss.get("/supervisor?from=2026-13-01").await;
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().await.unwrap().contains("Write dates as YYYY-MM-DD"));
    assert_eq!(boss.get("/supervisor/dashboard/nope.csv").await.status().as_u16(), 404);

    // Agents do not see the dashboard.
    let agent = app.staff("agent").await;
    assert_eq!(agent.get("/supervisor").await.status().as_u16(), 403);
    assert_eq!(agent.get("/supervisor/dashboard/cities.csv").await.status().as_u16(), 403);
}

fn status_of(conn: &mut DbConn, reference: &str) -> (String, Option<String>) {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select((tickets::status, tickets::incident_id))
        .first(conn)
        .unwrap()
}

#[tokio::test]
async fn an_incident_groups_tickets_tells_every_customer_and_resolves_them_together() {
    let app = spawn().await;
    // One customer writes in Chinese, one in English.
    let (status, body) = app
        .api_file(form(&with(&complete_fields(), "city", "深圳"), Some(png_part("e.png", samples::png()))), "zh-CN")
        .await;
    assert_eq!(status, 201);
    let first = body["reference"].as_str().unwrap().to_string();
    let first_page = body["tracking_url"].as_str().unwrap().trim_start_matches(&app.base).to_string();
    let (en, en_page) = app.file_api(&with(&complete_fields(), "city", "深圳")).await;
    let (other, _) = app.file_api(&with(&complete_fields(), "city", "杭州")).await;
    let boss = app.staff("supervisor").await;

    // Made by hand, matching a city: the open tickets from there join at once.
    let res = boss
        .post("/supervisor/incidents", &[("title", "深圳 bank gateway down"), ("dimension", "city"), ("value", "深圳")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page_path = res.headers()["location"].to_str().unwrap().to_string();
    let mut conn = app.conn();
    let incident_id = status_of(&mut conn, &first).1.expect("linked at creation");
    assert_eq!(status_of(&mut conn, &en).1.as_deref(), Some(incident_id.as_str()));
    assert_eq!(status_of(&mut conn, &other).1, None);

    // A new matching ticket joins while it is open; one is linked by hand.
    let (late, _) = app.file_api(&with(&complete_fields(), "city", "深圳")).await;
    assert_eq!(status_of(&mut conn, &late).1.as_deref(), Some(incident_id.as_str()));
    let res = boss.post(&format!("{page_path}/link"), &[("reference", &other.to_lowercase())]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(status_of(&mut conn, &other).1.as_deref(), Some(incident_id.as_str()));
    // …and unlinked again.
    assert_eq!(boss.post(&format!("{page_path}/unlink"), &[("reference", &other)]).await.status().as_u16(), 303);
    assert_eq!(status_of(&mut conn, &other).1, None);
    let res = boss.post(&format!("{page_path}/link"), &[("reference", "PD-NOPE00")]).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("There is no ticket with that reference."));

    // Agents see the incident on each linked ticket.
    let agent = app.staff("agent").await;
    let ticket_page = agent.text(&format!("/agent/tickets/{late}")).await;
    assert!(ticket_page.contains("Part of an incident") && ticket_page.contains("深圳 bank gateway down"));

    // One public update reaches every linked customer, in their language.
    let update =
        [("body_zh", "银行网关故障，正在修复。"), ("body_en", "The bank gateway is down; a fix is under way.")];
    assert_eq!(boss.post(&format!("{page_path}/update"), &update).await.status().as_u16(), 303);
    let customer = app.get(&first_page).await.text().await.unwrap();
    assert!(customer.contains("银行网关故障，正在修复。"), "the Chinese customer's page");
    let customer = app.get(&en_page).await.text().await.unwrap();
    assert!(customer.contains("The bank gateway is down; a fix is under way."), "the English customer's page");
    let updates: Vec<String> =
        outbox::table.filter(outbox::kind.eq("incident_update")).select(outbox::recipient).load(&mut conn).unwrap();
    assert_eq!(updates.len(), 3, "three linked customers");
    // A refused update says what is missing and sends nothing.
    let res = boss.post(&format!("{page_path}/update"), &[("body_zh", "  "), ("body_en", "x")]).await;
    assert_eq!(res.status().as_u16(), 422);

    // Resolving the incident resolves its open tickets, with the message.
    let words = [("body_zh", "已修复，请重新支付。"), ("body_en", "Fixed: please pay again.")];
    assert_eq!(boss.post(&format!("{page_path}/resolve"), &words).await.status().as_u16(), 303);
    for r in [&first, &en, &late] {
        assert_eq!(status_of(&mut conn, r).0, "resolved", "{r}");
    }
    assert_eq!(status_of(&mut conn, &other).0, "new", "an unlinked ticket is untouched");
    let page = boss.text(&page_path).await;
    assert!(page.contains("Resolved") && page.contains("3 customers told"));
    // Resolved once: a second try is a conflict, not a second round of mail.
    assert_eq!(boss.post(&format!("{page_path}/resolve"), &words).await.status().as_u16(), 409);

    // The audit log has each step.
    let audit = boss.text("/supervisor/audit?action=incident_resolve").await;
    assert!(audit.contains("incident_resolve"));
}

#[tokio::test]
async fn a_proposed_incident_shows_a_banner_and_accepting_it_links_the_spike() {
    let app = spawn().await;
    for _ in 0..10 {
        app.file_api(&with(&complete_fields(), "city", "成都")).await;
    }
    let boss = app.staff("supervisor").await;
    let now = chrono::Utc::now().naive_utc();
    paydesk::ops::incident::propose_for_spikes(&mut app.conn(), &SpikeRules::default(), now).unwrap();
    let page = boss.text("/agent").await;
    assert!(page.contains("spike alert(s) wait for a supervisor"), "the banner on every staff page");
    let id: String =
        incidents::table.filter(incidents::dimension.eq("city")).select(incidents::id).first(&mut app.conn()).unwrap();
    let page = boss.text(&format!("/supervisor/incidents/{id}")).await;
    assert!(page.contains("Accepting links these 10 open tickets"));
    let res = boss.post(&format!("/supervisor/incidents/{id}/accept"), &[("title", "成都 outage")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let linked: i64 = tickets::table.filter(tickets::incident_id.eq(&id)).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(linked, 10);
    // The same surge also raised its kind of case and step; dismiss those.
    let others: Vec<String> =
        incidents::table.filter(incidents::status.eq("proposed")).select(incidents::id).load(&mut app.conn()).unwrap();
    for other in others {
        let res = boss.post(&format!("/supervisor/incidents/{other}/dismiss"), &[]).await;
        assert_eq!(res.status().as_u16(), 303);
    }
    assert!(!boss.text("/agent").await.contains("spike alert(s)"), "no banner once handled");
    // Accepting twice is a conflict.
    assert_eq!(boss.post(&format!("/supervisor/incidents/{id}/accept"), &[]).await.status().as_u16(), 409);
}

fn count_outbox(conn: &mut DbConn, kind: &str, ticket: &str) -> i64 {
    outbox::table
        .inner_join(tickets::table.on(tickets::id.nullable().eq(outbox::ticket_id)))
        .filter(outbox::kind.eq(kind))
        .filter(tickets::reference.eq(ticket))
        .count()
        .get_result(conn)
        .unwrap()
}

fn audit_count(conn: &mut DbConn, action: &str) -> i64 {
    use paydesk::db::schema::audit_log;
    audit_log::table.filter(audit_log::action.eq(action)).count().get_result(conn).unwrap()
}

fn status_pair(a: reqwest::Response, b: reqwest::Response) -> Vec<u16> {
    let mut s = vec![a.status().as_u16(), b.status().as_u16()];
    s.sort();
    s
}

/// Two supervisors act on one incident at the same moment: each operation
/// reads the incident inside its transaction, so they end in one clear
/// outcome — one resolution and one round of mail, no ticket linked to an
/// incident that was resolved without it, one of accept and dismiss.
#[tokio::test]
async fn two_supervisors_acting_on_one_incident_at_once_end_in_one_outcome() {
    let app = spawn().await;
    let (a, b) = (app.staff("supervisor").await, app.staff("supervisor").await);
    let words = [("body_zh", "已修复，请重新支付。"), ("body_en", "Fixed: please pay again.")];
    let mut conn = app.conn();
    for round in 0..3 {
        // Two resolves of one incident at once: one resolves, one is told.
        let city = format!("厦门{round}");
        let mut linked = Vec::new();
        for _ in 0..3 {
            linked.push(app.file_api(&with(&complete_fields(), "city", &city)).await.0);
        }
        let res = a
            .post("/supervisor/incidents", &[("title", "厦门 gateway down"), ("dimension", "city"), ("value", &city)])
            .await;
        assert_eq!(res.status().as_u16(), 303);
        let path = res.headers()["location"].to_str().unwrap().to_string();
        let resolve = format!("{path}/resolve");
        let audited = audit_count(&mut conn, "incident_resolve");
        let (ra, rb) = tokio::join!(a.post(&resolve, &words), b.post(&resolve, &words));
        assert_eq!(status_pair(ra, rb), vec![303, 409], "round {round}: one resolves, one conflict");
        for r in &linked {
            assert_eq!(status_of(&mut conn, r).0, "resolved");
            assert_eq!(count_outbox(&mut conn, "resolved", r), 1, "{r}: one resolution mail");
        }
        assert_eq!(audit_count(&mut conn, "incident_resolve"), audited + 1, "one resolution audited");

        // A link and the resolve at once: either the ticket joined first
        // and was resolved with the others, or the resolve came first and
        // the link was refused — never an open ticket in a resolved incident.
        let res = a.post("/supervisor/incidents", &[("title", &format!("by hand {round}"))]).await;
        let path = res.headers()["location"].to_str().unwrap().to_string();
        let (resolve, link) = (format!("{path}/resolve"), format!("{path}/link"));
        let (first, late) = (
            app.file_api(&with(&complete_fields(), "city", "鹭岛")).await.0,
            app.file_api(&with(&complete_fields(), "city", "鹭岛")).await.0,
        );
        assert_eq!(a.post(&link, &[("reference", &first)]).await.status().as_u16(), 303);
        let late_form = [("reference", late.as_str())];
        let (rl, rr) = tokio::join!(a.post(&link, &late_form), b.post(&resolve, &words));
        let (link_status, resolve_status) = (rl.status().as_u16(), rr.status().as_u16());
        assert_eq!(resolve_status, 303);
        assert_eq!(status_of(&mut conn, &first).0, "resolved");
        assert_eq!(count_outbox(&mut conn, "resolved", &first), 1);
        let (late_status, late_incident) = status_of(&mut conn, &late);
        match link_status {
            303 => {
                assert!(late_incident.is_some(), "linked");
                assert_eq!(late_status, "resolved", "linked first, so resolved with the others");
                assert_eq!(count_outbox(&mut conn, "resolved", &late), 1);
            }
            409 => {
                assert_eq!((late_status.as_str(), late_incident), ("new", None), "refused: untouched");
                assert_eq!(count_outbox(&mut conn, "resolved", &late), 0);
            }
            other => panic!("link answered {other}"),
        }

        // Two links of different tickets at once: neither is lost.
        let res = a.post("/supervisor/incidents", &[("title", &format!("two links {round}"))]).await;
        let path = res.headers()["location"].to_str().unwrap().to_string();
        let link = format!("{path}/link");
        let id = path.trim_start_matches("/supervisor/incidents/").to_string();
        let (x, y) = (
            app.file_api(&with(&complete_fields(), "city", "鹭岛")).await.0,
            app.file_api(&with(&complete_fields(), "city", "鹭岛")).await.0,
        );
        let (form_x, form_y) = ([("reference", x.as_str())], [("reference", y.as_str())]);
        let (rx, ry) = tokio::join!(a.post(&link, &form_x), b.post(&link, &form_y));
        assert_eq!(status_pair(rx, ry), vec![303, 303]);
        for t in [&x, &y] {
            assert_eq!(status_of(&mut conn, t).1.as_deref(), Some(id.as_str()), "{t} linked");
        }
    }

    // Accepting and dismissing one proposal at once: one of the two.
    for _ in 0..10 {
        app.file_api(&with(&complete_fields(), "city", "泉州")).await;
    }
    paydesk::ops::incident::propose_for_spikes(&mut conn, &SpikeRules::default(), chrono::Utc::now().naive_utc())
        .unwrap();
    let id: String = incidents::table
        .filter(incidents::dimension.eq("city"))
        .filter(incidents::value.eq("泉州"))
        .select(incidents::id)
        .first(&mut conn)
        .unwrap();
    let path = format!("/supervisor/incidents/{id}");
    let (accept, dismiss) = (format!("{path}/accept"), format!("{path}/dismiss"));
    let (ra, rd) = tokio::join!(a.post(&accept, &[("title", "泉州 outage")]), b.post(&dismiss, &[]));
    let (accepted, dismissed) = (ra.status().as_u16() == 303, rd.status().as_u16() == 303);
    assert!(accepted != dismissed, "exactly one of accept and dismiss applies");
    let state: String = incidents::table.find(&id).select(incidents::status).first(&mut conn).unwrap();
    let linked: i64 = tickets::table.filter(tickets::incident_id.eq(&id)).count().get_result(&mut conn).unwrap();
    if accepted {
        assert_eq!((state.as_str(), linked), ("open", 10));
    } else {
        assert_eq!((state.as_str(), linked), ("dismissed", 0));
    }
}

/// Acting on a ticket the incident no longer allows is refused and leaves
/// no trace: unlinking a ticket that is not (or no longer) in it, linking
/// to an incident already resolved.
#[tokio::test]
async fn a_second_unlink_or_a_link_to_a_resolved_incident_is_refused_and_writes_nothing() {
    use paydesk::db::schema::ticket_events;
    let app = spawn().await;
    let boss = app.staff("supervisor").await;
    let (t, _) = app.file_api(&complete_fields()).await;
    let res = boss.post("/supervisor/incidents", &[("title", "by hand")]).await;
    let path = res.headers()["location"].to_str().unwrap().to_string();
    let mut conn = app.conn();
    let events = |conn: &mut DbConn, kind: &str| -> i64 {
        ticket_events::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(&t))
            .filter(ticket_events::kind.eq(kind))
            .count()
            .get_result(conn)
            .unwrap()
    };
    assert_eq!(boss.post(&format!("{path}/link"), &[("reference", &t)]).await.status().as_u16(), 303);
    assert_eq!(boss.post(&format!("{path}/unlink"), &[("reference", &t)]).await.status().as_u16(), 303);
    assert_eq!(boss.post(&format!("{path}/unlink"), &[("reference", &t)]).await.status().as_u16(), 409);
    assert_eq!(events(&mut conn, "incident_unlinked"), 1, "one unlink on the timeline");
    assert_eq!(audit_count(&mut conn, "incident_unlink"), 1);

    let words = [("body_zh", "已修复。"), ("body_en", "")];
    assert_eq!(boss.post(&format!("{path}/resolve"), &words).await.status().as_u16(), 303);
    assert_eq!(boss.post(&format!("{path}/link"), &[("reference", &t)]).await.status().as_u16(), 409);
    assert_eq!(status_of(&mut conn, &t), ("new".to_string(), None), "not linked, not resolved");
    assert_eq!(events(&mut conn, "incident_linked"), 1, "only the first link");
    // Updates and a second resolution of a resolved incident: refused.
    assert_eq!(boss.post(&format!("{path}/update"), &words).await.status().as_u16(), 409);
    assert_eq!(boss.post(&format!("{path}/resolve"), &words).await.status().as_u16(), 409);
    // Accept and dismiss are for proposals only.
    assert_eq!(boss.post(&format!("{path}/accept"), &[]).await.status().as_u16(), 409);
    assert_eq!(boss.post(&format!("{path}/dismiss"), &[]).await.status().as_u16(), 409);
    // An incident that does not exist: 404, whatever the action.
    for action in ["accept", "dismiss", "link", "unlink", "update", "resolve"] {
        let res =
            boss.post(&format!("/supervisor/incidents/nope/{action}"), &[("reference", &t), ("body_zh", "x")]).await;
        assert_eq!(res.status().as_u16(), 404, "{action}");
    }
}
