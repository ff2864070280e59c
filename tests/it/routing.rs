//! Routing over HTTP: classification at intake, out-of-scope escalations
//! through supervisor review, allow-lists, fair assignment, the SLA pause.

use std::time::Duration;

use crate::support::*;
use diesel::prelude::*;
use paydesk::db::schema::{audit_log, escalations, outbox, platforms, tickets};

/// A pay button that does nothing, on a platform that does not allow the
/// scenario (alipay allows only outpatient fees and hospital deposits).
fn out_of_scope(scenario: &str) -> Vec<(&'static str, String)> {
    let f = with(&complete_fields(), "platform", "alipay");
    let f = with(&f, "payment_scenario", scenario);
    let f = with(&f, "symptom", "button_inert");
    let f = with(&f, "error_code", "");
    with(&f, "error_message", "")
}

fn ticket_row(app: &TestApp, reference: &str) -> (String, String, String, Option<String>, Option<String>) {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select((
            tickets::status,
            tickets::case_kind,
            tickets::routing_rule,
            tickets::escalation_id,
            tickets::assignee_id,
        ))
        .first(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn tickets_are_classified_and_say_why() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let cases = [
        (with(&complete_fields(), "error_code", "101"), "insufficient_funds", "pending_customer", "declined-or-limit"),
        (
            with(&complete_fields(), "error_message", "系统繁忙，请稍后再试"),
            "timeout_busy",
            "pending_customer",
            "busy-or-timeout",
        ),
        (
            with(&complete_fields(), "symptom", "money_taken_not_paid"),
            "deducted_not_credited",
            "new",
            "money-taken-bill-unpaid",
        ),
        (out_of_scope("electricity_bill"), "out_of_scope", "pending_platform", "scenario-not-allowed-by-platform"),
        // Nothing says why, and the learned model is unsure: a person looks.
        (complete_fields(), "other", "new", paydesk::routing::NEEDS_A_LOOK),
    ];
    for (fields, kind, status, rule) in cases {
        let mut fields = fields;
        if kind == "deducted_not_credited" {
            fields.push(("occurred_at", "2026-01-05T09:30".into()));
            fields.push(("amount", "88".into()));
            fields.push(("order_number", "ORD1".into()));
        }
        let (reference, _) = app.file_api(&fields).await;
        let (s, k, r, _, _) = ticket_row(&app, &reference);
        assert_eq!((s.as_str(), k.as_str(), r.as_str()), (status, kind, rule), "{reference}");
        let page = agent.text(&format!("/agent/tickets/{reference}")).await;
        // In words where the rule has a label (issue 19), else by its name.
        let said = paydesk::web::staff::words::rule_label(paydesk::i18n::Lang::En, rule, None);
        assert!(page.contains(&said), "the ticket page says which rule");
    }
    // The API says why too.
    let (reference, _) = app.file_api(&with(&complete_fields(), "error_code", "202")).await;
    let id = app.add_staff("api@paydesk.test", "API", "agent", &["general"]);
    let token = paydesk::db::users::create_token(&mut app.conn(), &id, "t", chrono::Utc::now().naive_utc()).unwrap();
    let t: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/tickets/{reference}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["case_kind"], "timeout_busy");
    assert_eq!(t["queue"], "payments");
    assert_eq!(t["routing"]["rule"], "busy-or-timeout");
    assert_eq!(t["routing"]["facts"], "code 202 (paydesk)");
}

/// Issue 33: every real provider code files as printed, through the form
/// and the API — the vocabulary's longest codes, and a 64-character one.
#[tokio::test]
async fn the_longest_provider_codes_file_through_the_form_and_the_api() {
    let app = spawn().await;
    let vocabulary = paydesk::routing::Vocabulary::default_vocabulary();
    let mut codes: Vec<(String, paydesk::domain::codes::CaseKind)> =
        vocabulary.codes().map(|(c, k)| (c.to_string(), k)).collect();
    codes.sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));
    assert!(codes[0].0.len() > 32, "the vocabulary has codes longer than the old limit: {:?}", codes[0]);
    let browser = app.browser();
    let csrf = browser.csrf().await;
    let post_form = |code: String| {
        let browser = &browser;
        let mut fields = with(&complete_fields(), "error_code", &code);
        fields.push(("csrf", csrf.clone()));
        async move {
            browser
                .client
                .post(browser.url("/tickets"))
                .header("Accept-Language", "en")
                .multipart(form(&fields, Some(png_part("e.png", samples::png()))))
                .send()
                .await
                .unwrap()
        }
    };
    let mut tried = codes[..3].to_vec();
    tried
        .push(("ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR".into(), paydesk::domain::codes::CaseKind::InsufficientFunds));
    for (code, kind) in &tried {
        // The API, as a provider prints it (lower case where it is).
        let (reference, _) = app.file_api(&with(&complete_fields(), "error_code", code)).await;
        let (_, k, _, _, _) = ticket_row(&app, &reference);
        assert_eq!(k, kind.as_str(), "{code} by the API");
        // The form.
        let res = post_form(code.clone()).await;
        assert_eq!(res.status().as_u16(), 303, "{code} by the form");
    }
    let longest = format!("isv.{}", "x".repeat(60));
    assert_eq!(longest.chars().count(), paydesk::domain::intake::ERROR_CODE_MAX);
    let (reference, _) = app.file_api(&with(&complete_fields(), "error_code", &longest)).await;
    let stored: Option<String> = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::error_code)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored.as_deref(), Some(longest.as_str()));
    // One more is refused, saying the limit, with nothing lost.
    let too_long = format!("{longest}y");
    let res = post_form(too_long.clone()).await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("64") && page.contains(&too_long), "the limit is said and the code kept");
}

/// Issue 33: the customer's words route, and the agent reads why.
#[tokio::test]
async fn the_customers_words_route_and_the_agent_reads_why() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    // The bank's SMS in the description beats "try later" on the screen.
    let f = with(&complete_fields(), "error_code", "");
    let f = with(&f, "error_message", "支付失败，请稍后再试");
    let f = with(&f, "description", "银行短信：您尾号1234的卡本次交易超过快捷支付单笔限额，请调整后再试");
    let (reference, _) = app.file_api(&f).await;
    let (_, kind, rule, _, _) = ticket_row(&app, &reference);
    assert_eq!((kind.as_str(), rule.as_str()), ("insufficient_funds", "words-say-declined-or-limit"));
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("words say it was declined or over a limit"), "rule in words: {page}");
    assert!(page.contains("The customer wrote"), "the phrase the words used");
    // A product fault told only in words goes to engineering.
    let f = with(&f, "error_message", "");
    let f = with(&f, "symptom", "other");
    let f = with(&f, "description", "输入我家户号后显示的是别人的名字和地址，不敢交");
    let (reference, _) = app.file_api(&f).await;
    let (_, kind, _, _, _) = ticket_row(&app, &reference);
    assert_eq!(kind, "product_bug");
    // Wording no phrase holds: the learned model decides, and says how
    // sure it is and which words counted.
    let f = with(&f, "symptom", "error_shown");
    let f = with(&f, "error_message", "支付失败");
    let f = with(&f, "description", "卡里的钱不太够了，付电费的时候被拒了好几次，额度也快用完");
    let (reference, _) = app.file_api(&f).await;
    let (_, kind, rule, _, _) = ticket_row(&app, &reference);
    assert_eq!((kind.as_str(), rule.as_str()), ("insufficient_funds", "words-say-declined-or-limit"));
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("The learned model reads Balance / declined, "), "the model reading in words: {page}");
    assert!(page.contains("% sure (strongest words: "), "its confidence and its words");
    // Vague: a person looks, with what the model made of it.
    let f = with(&f, "description", "付不了，怎么回事");
    let (reference, _) = app.file_api(&f).await;
    let (_, kind, rule, _, _) = ticket_row(&app, &reference);
    assert_eq!((kind.as_str(), rule.as_str()), ("other", paydesk::routing::NEEDS_A_LOOK));
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("Needs a human look") && page.contains("The learned model"), "{page}");
    let page = agent.text_in(&format!("/agent/tickets/{reference}"), "zh-CN").await;
    assert!(page.contains("需要人工查看") && page.contains("学习模型"), "in Chinese too");
}

#[tokio::test]
async fn self_service_customers_get_guidance_at_once_and_the_clock_pauses() {
    let app = spawn().await;
    let res = app
        .form_file(form(&with(&complete_fields(), "error_code", "101"), Some(png_part("e.png", samples::png()))), "en")
        .await;
    let created = res.headers()["location"].to_str().unwrap().to_string();
    let page = app.get_lang(&created, "en").await.text().await.unwrap();
    assert!(page.contains("What you can do now") && page.contains("Check your balance and your card&#39;s limits"));
    let tracking = created.trim_end_matches("/created").to_string();
    let reference = page.split("id=\"reference\">").nth(1).unwrap().split('<').next().unwrap().to_string();

    // Waiting on the customer: the clock is paused. Pretend two hours passed.
    let (due_before, paused): (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>) = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select((tickets::due_at, tickets::paused_at))
        .first(&mut app.conn())
        .unwrap();
    let paused = paused.expect("paused while waiting on the customer");
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::paused_at.eq(paused - chrono::Duration::hours(2)))
        .execute(&mut app.conn())
        .unwrap();
    let res = app
        .post_multipart(
            &format!("{tracking}/messages"),
            reqwest::multipart::Form::new().text("message", "Still fails."),
            "en",
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (status, due_after, paused_after): (String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>) =
        tickets::table
            .filter(tickets::reference.eq(&reference))
            .select((tickets::status, tickets::due_at, tickets::paused_at))
            .first(&mut app.conn())
            .unwrap();
    assert_eq!(status, "open");
    assert_eq!(paused_after, None);
    let moved = due_after - due_before;
    assert!(
        moved >= chrono::Duration::hours(2) && moved < chrono::Duration::hours(2) + chrono::Duration::minutes(1),
        "{moved}"
    );
}

#[tokio::test]
async fn out_of_scope_cases_are_grouped_reviewed_sent_and_answered() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| c.smtp_url = Some(smtp.url().into())).await;
    let supervisor = app.staff("supervisor").await;
    let agent = app.staff("agent").await;

    let (first, first_tracking) = app.file_api(&out_of_scope("electricity_bill")).await;
    let (second, _) = app.file_api(&with(&out_of_scope("electricity_bill"), "lang", "zh-CN")).await;
    let (other, _) = app.file_api(&out_of_scope("water_bill")).await;
    let (_, _, _, esc1, _) = ticket_row(&app, &first);
    let (_, _, _, esc2, _) = ticket_row(&app, &second);
    let (_, _, _, esc3, _) = ticket_row(&app, &other);
    assert_eq!(esc1, esc2, "one escalation for the same platform and scenario");
    assert_ne!(esc1, esc3);
    let esc1 = esc1.unwrap();
    let esc3 = esc3.unwrap();

    // The customer is told at once that only the platform can help, with
    // the alternatives.
    let page = app.get_lang(&first_tracking, "en").await.text().await.unwrap();
    assert!(page.contains("Only the platform can enable this payment"));
    assert!(page.contains("service hall"));
    assert!(page.contains("id=\"status\">Waiting for the platform<"));

    // Supervisors only.
    assert_eq!(agent.get("/supervisor/escalations").await.status().as_u16(), 403);
    assert_eq!(agent.post(&format!("/supervisor/escalations/{esc1}/approve"), &[]).await.status().as_u16(), 403);
    let list = supervisor.text("/supervisor/escalations").await;
    assert!(list.contains(&first) && list.contains(&second) && list.contains(&other));
    assert!(list.contains("2 tickets"));

    // Send one back, approve the other.
    let res = supervisor
        .post(
            &format!("/supervisor/escalations/{esc3}/send-back"),
            &[("reason", "Water bills are handled by the city office, not the platform.")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (status, _, _, esc, _) = ticket_row(&app, &other);
    assert_eq!((status.as_str(), esc), ("open", None), "back with the agents");
    let page = agent.text(&format!("/agent/tickets/{other}")).await;
    assert!(page.contains("Water bills are handled by the city office"));

    let res = supervisor.post(&format!("/supervisor/escalations/{esc1}/approve"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let again = supervisor.post(&format!("/supervisor/escalations/{esc1}/approve"), &[]).await;
    assert_eq!(again.status().as_u16(), 409, "approved once only");

    // The packet reaches the platform's contact, with the screenshots.
    let mut packet = None;
    for _ in 0..100 {
        packet = smtp.messages().into_iter().find(|m| m.contains("mini-program-review@alipay.example"));
        if packet.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let raw = packet.expect("the packet was sent");
    let packet = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let mut text = String::new();
    let mut images = 0;
    fn walk(p: &mailparse::ParsedMail, text: &mut String, images: &mut usize) {
        match p.ctype.mimetype.as_str() {
            "text/plain" => *text = p.get_body().unwrap(),
            t if t.starts_with("image/") => *images += 1,
            _ => {}
        }
        for s in &p.subparts {
            walk(s, text, images);
        }
    }
    walk(&packet, &mut text, &mut images);
    assert!(text.contains("Customers affected: 2"), "{text}");
    assert!(text.contains(&first) && text.contains(&second));
    assert!(text.contains("31******4821") && !text.contains("310012344821"));
    assert_eq!(images, 2, "one screenshot per ticket");

    // The platform's answer reaches every grouped ticket and customer.
    let res = supervisor
        .post(
            &format!("/supervisor/escalations/{esc1}/answer"),
            &[("outcome", "approved"), ("reference", "ALI-2026-77"), ("text", "Enabled.")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = app.get_lang(&first_tracking, "en").await.text().await.unwrap();
    assert!(page.contains("The platform has enabled this payment."));
    assert!(page.contains("id=\"status\">Resolved<"));
    let (status, _, _, _, _) = ticket_row(&app, &second);
    assert_eq!(status, "resolved");
    let state: String = escalations::table.find(&esc1).select(escalations::status).first(&mut app.conn()).unwrap();
    assert_eq!(state, "approved");
    let mut answered = 0;
    for _ in 0..100 {
        answered = smtp
            .messages()
            .iter()
            .filter(|m| {
                mailparse::parse_mail(m.as_bytes())
                    .map(|p| {
                        use mailparse::MailHeaderMap;
                        let s = p.headers.get_first_value("Subject").unwrap_or_default();
                        s.contains("The platform answered") || s.contains("平台已就您的缴费作出答复")
                    })
                    .unwrap_or(false)
            })
            .count();
        if answered == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answered, 2, "both customers are mailed, each in their language");

    // Every transition is audited.
    let audit = supervisor.text("/supervisor/audit?action=escalation_approve").await;
    assert!(audit.contains("sent to mini-program-review@alipay.example"));
    assert!(supervisor.text("/supervisor/audit?action=escalation_send_back").await.contains("city office"));
    assert!(supervisor.text("/supervisor/audit?action=escalation_answer").await.contains("Approved ALI-2026-77"));
    // Each grouped ticket's resolution is audited under the supervisor's name.
    let resolutions: Vec<(Option<String>, String)> = audit_log::table
        .filter(audit_log::action.eq("resolve_with_message"))
        .select((audit_log::actor_id, audit_log::before_value))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(resolutions.len(), 2, "{resolutions:?}");
    assert!(resolutions.iter().all(|(actor, before)| actor.is_some() && before == "pending_platform"));

    // An answer is recorded once; the escalation sent back takes none.
    let again = supervisor
        .post(&format!("/supervisor/escalations/{esc1}/answer"), &[("outcome", "declined"), ("text", "No.")])
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let res = supervisor.post(&format!("/supervisor/escalations/{esc3}/answer"), &[("outcome", "approved")]).await;
    assert_eq!(res.status().as_u16(), 409);
    let bad = supervisor.post(&format!("/supervisor/escalations/{esc1}/answer"), &[("outcome", "maybe")]).await;
    assert_eq!(bad.status().as_u16(), 400, "an unknown outcome is refused");
    let missing = supervisor.post("/supervisor/escalations/nope/approve", &[]).await;
    assert_eq!(missing.status().as_u16(), 404);
}

/// Before: a platform without a contact address silently had its packet
/// mailed to engineering. Now approving is refused on the page, in the
/// supervisor's language, with the way to fix it, and nothing changes.
#[tokio::test]
async fn approving_for_a_platform_without_contact_is_refused_and_changes_nothing() {
    let app = spawn().await;
    let supervisor = app.staff("supervisor").await;
    diesel::update(platforms::table.find("alipay"))
        .set(platforms::contact_email.eq(""))
        .execute(&mut app.conn())
        .unwrap();
    let (reference, _) = app.file_api(&out_of_scope("electricity_bill")).await;
    let esc = ticket_row(&app, &reference).3.expect("escalated");
    let packets = || -> Vec<String> {
        outbox::table.filter(outbox::escalation_id.eq(&esc)).select(outbox::recipient).load(&mut app.conn()).unwrap()
    };
    let approvals = || -> i64 {
        audit_log::table.filter(audit_log::action.eq("escalation_approve")).count().get_result(&mut app.conn()).unwrap()
    };

    let res = supervisor.post(&format!("/supervisor/escalations/{esc}/approve"), &[]).await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Alipay (mini-program) has no contact address, so its packet cannot be sent."), "{page}");
    assert!(page.contains("Set the platform&#39;s contact on Admin › Platforms first."), "{page}");
    assert!(page.contains("<a href=\"/admin/platforms\">"), "{page}");
    assert!(page.contains(&reference), "the escalation is still listed for review");

    let res = supervisor.post(&format!("/supervisor/escalations/{esc}/approve?lang=zh-CN"), &[]).await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("没有联系邮箱，无法发送材料。请先在“管理 › 平台”中设置该平台的联系邮箱。"), "{page}");

    let state: String = escalations::table.find(&esc).select(escalations::status).first(&mut app.conn()).unwrap();
    assert_eq!(state, "pending_review");
    assert!(packets().is_empty(), "no packet, to engineering or anyone");
    assert_eq!(approvals(), 0);
    assert_eq!(ticket_row(&app, &reference).0, "pending_platform");

    // Once the contact is set, the same approval goes to it.
    diesel::update(platforms::table.find("alipay"))
        .set(platforms::contact_email.eq("review@alipay.example"))
        .execute(&mut app.conn())
        .unwrap();
    let res = supervisor.post(&format!("/supervisor/escalations/{esc}/approve"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(packets(), vec!["review@alipay.example".to_string()]);
    assert_eq!(approvals(), 1);
}

/// Sending back needs a reason: without one the page says so (422) and the
/// escalation keeps its tickets.
#[tokio::test]
async fn sending_back_without_a_reason_is_refused_on_the_page() {
    let app = spawn().await;
    let supervisor = app.staff("supervisor").await;
    let (reference, _) = app.file_api(&out_of_scope("water_bill")).await;
    let esc = ticket_row(&app, &reference).3.expect("escalated");
    let res = supervisor.post(&format!("/supervisor/escalations/{esc}/send-back"), &[("reason", "   ")]).await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Write why it goes back."));
    assert!(!page.contains("href=\"/admin/platforms\">Open"), "no platform link for this one");
    let (status, _, _, still, _) = ticket_row(&app, &reference);
    assert_eq!((status.as_str(), still), ("pending_platform", Some(esc.clone())));
    let state: String = escalations::table.find(&esc).select(escalations::status).first(&mut app.conn()).unwrap();
    assert_eq!(state, "pending_review");
}

#[tokio::test]
async fn allow_lists_are_data_that_admins_keep() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    // Allowed on its platform, and any scenario on an unrestricted one.
    let (a, _) = app.file_api(&with(&out_of_scope("outpatient_fee"), "platform", "alipay")).await;
    assert_ne!(ticket_row(&app, &a).1, "out_of_scope");
    let (b, _) = app.file_api(&with(&out_of_scope("prepaid_package"), "platform", "utility_app")).await;
    assert_ne!(ticket_row(&app, &b).1, "out_of_scope");
    let (c, _) = app.file_api(&with(&out_of_scope("prepaid_package"), "platform", "wechat")).await;
    assert_eq!(ticket_row(&app, &c).1, "out_of_scope");

    // The admin allows prepaid packages on wechat: the next one is in scope.
    let page = admin.text("/admin/platforms").await;
    assert!(page.contains("id=\"platform-wechat\""));
    let res = admin
        .post(
            "/admin/platforms/wechat",
            &[
                ("restricted", "on"),
                ("scenarios", "electricity_bill"),
                ("scenarios", "prepaid_package"),
                ("contact_email", "review@wechat.example"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let (d, _) = app.file_api(&with(&out_of_scope("prepaid_package"), "platform", "wechat")).await;
    assert_eq!(ticket_row(&app, &d).1, "product_bug", "allowed now: an inert button is our bug");
    let (e, _) = app.file_api(&with(&out_of_scope("water_bill"), "platform", "wechat")).await;
    assert_eq!(ticket_row(&app, &e).1, "out_of_scope", "water is no longer ticked");

    // The rules page shows the rules and tests a ticket against them.
    let rules = admin.text(&format!("/admin/routing?reference={d}")).await;
    assert!(rules.contains("scenario-not-allowed-by-platform") && rules.contains("everything-else"));
    assert!(rules.contains("pay-button-inert-on-allowed-scenario"));
    let agent = app.staff("agent").await;
    assert_eq!(agent.get("/admin/platforms").await.status().as_u16(), 403);
    assert_eq!(agent.get("/admin/routing").await.status().as_u16(), 403);
}

#[tokio::test]
async fn new_tickets_go_fairly_to_the_agents_serving_their_queue() {
    let app = spawn().await;
    let ids: Vec<String> = (0..3)
        .map(|i| app.add_staff(&format!("a{i}@paydesk.test"), &format!("Agent {i}"), "agent", &["general"]))
        .collect();
    let outsider = app.add_staff("refunds@paydesk.test", "Refunds only", "agent", &["refunds"]);
    let fields = with(&complete_fields(), "symptom", "other");
    let filed = futures_util::future::join_all((0..30).map(|_| app.api_file_no_shot(&fields))).await;
    assert_eq!(filed.len(), 30);
    let assigned: Vec<Option<String>> = tickets::table.select(tickets::assignee_id).load(&mut app.conn()).unwrap();
    for id in &ids {
        let n = assigned.iter().filter(|a| a.as_deref() == Some(id.as_str())).count();
        assert_eq!(n, 10, "each of three agents gets a third");
    }
    assert!(!assigned.iter().any(|a| a.as_deref() == Some(outsider.as_str())));

    // A deactivated agent's open tickets go to the others.
    let admin = app.staff("admin").await;
    let res = admin
        .post(&format!("/admin/users/{}", ids[0]), &[("name", "Agent 0"), ("role", "agent"), ("queues", "general")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let assigned: Vec<Option<String>> = tickets::table.select(tickets::assignee_id).load(&mut app.conn()).unwrap();
    assert!(assigned.iter().all(|a| a.as_deref() != Some(ids[0].as_str()) && a.is_some()));
    assert_eq!(assigned.iter().filter(|a| a.as_deref() == Some(ids[1].as_str())).count(), 15);
    assert_open_counts_match(&app);

    // Resolving, reassigning and reopening keep each agent's open count,
    // which assignment reads, equal to their open tickets.
    let agent = app.staff("agent").await;
    let refs: Vec<String> = tickets::table.select(tickets::reference).limit(3).load(&mut app.conn()).unwrap();
    let res = agent.post(&format!("/agent/tickets/{}/status", refs[0]), &[("status", "resolved")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let res = agent.post(&format!("/agent/tickets/{}/assign", refs[1]), &[("assignee", &ids[2])]).await;
    assert_eq!(res.status().as_u16(), 303);
    let res = agent.post(&format!("/agent/tickets/{}/claim", refs[2]), &[]).await;
    assert_eq!(res.status().as_u16(), 303);
    let res = agent.post(&format!("/agent/tickets/{}/status", refs[0]), &[("status", "open")]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_open_counts_match(&app);
}

/// `users.open_tickets` (kept by triggers) equals a count of open tickets.
fn assert_open_counts_match(app: &TestApp) {
    use paydesk::db::schema::users;
    let mut conn = app.conn();
    let kept: Vec<(String, i64)> = users::table.select((users::id, users::open_tickets)).load(&mut conn).unwrap();
    for (id, open) in kept {
        let counted: i64 = tickets::table
            .filter(tickets::assignee_id.eq(&id))
            .filter(tickets::status.ne_all(["resolved", "closed"]))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(open, counted, "open tickets of {id}");
    }
}

#[test]
fn a_broken_rules_file_stops_start_up_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let broken = paydesk::routing::DEFAULT_RULES.replace("queue = \"refunds\"", "queue = \"refundz\"");
    std::fs::write(&rules, broken).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paydesk"))
        .args(["serve", "--metrics-bind", "127.0.0.1:0", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("x.db").display()))
        .env("PAYDESK_RULES", &rules)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("routing rule \"money-taken-bill-unpaid\": unknown queue \"refundz\""), "{stderr}");
}

/// Moves a ticket's clock: as if `field` happened `hours` ago.
fn age_ticket(app: &TestApp, reference: &str, field: &str, hours: i64) {
    let at = chrono::Utc::now().naive_utc() - chrono::Duration::hours(hours);
    let target = tickets::table.filter(tickets::reference.eq(reference));
    let mut conn = app.conn();
    match field {
        "paused_at" => diesel::update(target).set(tickets::paused_at.eq(at)).execute(&mut conn),
        "created_at" => diesel::update(target).set(tickets::created_at.eq(at)).execute(&mut conn),
        _ => diesel::update(target).set(tickets::due_at.eq(at)).execute(&mut conn),
    }
    .unwrap();
}

async fn eventually(mut check: impl FnMut() -> bool, what: &str) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test]
async fn time_resolves_silent_self_service_escalates_old_deductions_and_flags_breaches() {
    let smtp = SmtpSink::start();
    let app = spawn_with(|c| {
        c.smtp_url = Some(smtp.url().into());
        c.sweep_secs = 0;
    })
    .await;
    let supervisor_id = app.add_staff("boss@paydesk.test", "Boss", "supervisor", &["general"]);
    let _ = supervisor_id;

    // A self-service ticket nobody answered for longer than allowed.
    let (silent, silent_tracking) = app.file_api(&with(&complete_fields(), "error_code", "101")).await;
    age_ticket(&app, &silent, "paused_at", 73);
    // Money taken and not credited for four days.
    let mut money = with(&complete_fields(), "symptom", "money_taken_not_paid");
    money.extend([
        ("occurred_at", "2026-01-05T09:30".to_string()),
        ("amount", "50".into()),
        ("order_number", "X1".into()),
    ]);
    let (deducted, _) = app.file_api(&money).await;
    age_ticket(&app, &deducted, "created_at", 4 * 24);
    // A ticket past its due time.
    let (late, _) = app.file_api(&complete_fields()).await;
    age_ticket(&app, &late, "due_at", 1);

    eventually(|| ticket_row(&app, &silent).0 == "resolved", "resolving the silent self-service ticket").await;
    let page = app.get_lang(&silent_tracking, "en").await.text().await.unwrap();
    assert!(page.contains("We have not heard back, so we consider this resolved."));
    // Audited once, on nobody's behalf, and mailed as resolved.
    let silent_id: String =
        tickets::table.filter(tickets::reference.eq(&silent)).select(tickets::id).first(&mut app.conn()).unwrap();
    let audited: Vec<(Option<String>, String, String)> = audit_log::table
        .filter(audit_log::ticket_id.eq(&silent_id))
        .filter(audit_log::action.eq("resolve_with_message"))
        .select((audit_log::actor_id, audit_log::before_value, audit_log::after_value))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(audited, vec![(None, "pending_customer".to_string(), "resolved".to_string())]);
    let mailed: Vec<String> = outbox::table
        .filter(outbox::ticket_id.eq(&silent_id))
        .filter(outbox::kind.eq("resolved"))
        .select(outbox::language)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(mailed, vec!["en".to_string()]);

    eventually(|| ticket_row(&app, &deducted).3.is_some(), "escalating the old deduction").await;
    let esc = ticket_row(&app, &deducted).3.unwrap();
    let target: String = escalations::table.find(&esc).select(escalations::target).first(&mut app.conn()).unwrap();
    assert_eq!(target, "provider");

    let notified = || {
        tickets::table
            .filter(tickets::reference.eq(&late))
            .select(tickets::breach_notified_at)
            .first::<Option<chrono::NaiveDateTime>>(&mut app.conn())
            .unwrap()
            .is_some()
    };
    eventually(notified, "flagging the breach").await;
    // Supervisors hear of the breach and of the provider escalation, with a
    // link to the staff page, never a customer's private link.
    let for_boss = || smtp.messages().into_iter().filter(|m| m.contains("boss@paydesk.test")).collect::<Vec<_>>();
    eventually(|| for_boss().len() >= 2, "mailing the supervisor").await;
    let to_boss = for_boss();
    let bodies: Vec<String> = to_boss
        .iter()
        .map(|m| {
            let p = mailparse::parse_mail(m.as_bytes()).unwrap();
            p.subparts
                .iter()
                .find(|s| s.ctype.mimetype == "text/plain")
                .map(|s| s.get_body().unwrap())
                .unwrap_or_default()
        })
        .collect();
    assert!(bodies.iter().any(|b| b.contains("此工单已超过处理时限") && b.contains(&format!("/agent/tickets/{late}"))));
    assert!(bodies.iter().any(|b| b.contains("等待主管审核")));
    assert!(bodies.iter().all(|b| !b.contains("/t/")));
    // The queue flags it too.
    let agent = app.staff("agent").await;
    let breached = agent.text("/agent?view=open&sla=breached").await;
    assert!(breached.contains(&late));
}

/// Two supervisors act on one escalation at the same moment, one approving
/// and one sending it back: the escalation is read and locked inside each
/// action, so exactly one wins and the other is told (409); the tickets and
/// the outbox agree with the winner.
#[tokio::test]
async fn approving_and_sending_back_at_once_leaves_one_clear_outcome() {
    let app = spawn().await;
    let first = app.staff("supervisor").await;
    let second = app.staff("supervisor").await;
    for round in 0..3 {
        // A fresh escalation each round: the previous one was closed.
        let scenario = ["electricity_bill", "water_bill", "gas_bill"][round];
        let (reference, _) = app.file_api(&out_of_scope(scenario)).await;
        let esc = ticket_row(&app, &reference).3.expect("escalated");
        let approve = format!("/supervisor/escalations/{esc}/approve");
        let send_back = format!("/supervisor/escalations/{esc}/send-back");
        let (a, b) = tokio::join!(first.post(&approve, &[]), second.post(&send_back, &[("reason", "Not ours.")]));
        let (a, b) = (a.status().as_u16(), b.status().as_u16());
        assert!(matches!((a, b), (303, 409) | (409, 303)), "round {round}: {a} {b}");
        let state: String = escalations::table.find(&esc).select(escalations::status).first(&mut app.conn()).unwrap();
        let packets: i64 =
            outbox::table.filter(outbox::escalation_id.eq(&esc)).count().get_result(&mut app.conn()).unwrap();
        let (status, _, _, joined, _) = ticket_row(&app, &reference);
        if a == 303 {
            assert_eq!((state.as_str(), packets), ("sent", 1));
            assert_eq!((status.as_str(), joined), ("pending_platform", Some(esc.clone())));
        } else {
            assert_eq!((state.as_str(), packets), ("sent_back", 0));
            assert_eq!((status.as_str(), joined), ("open", None));
        }
    }
}
