//! The two judgements over HTTP (issue 16): one completeness model that the
//! form, the confirmation page, the agent's ticket page, the queue badge,
//! the "ask" preselection and the API all agree with, for every symptom and
//! kind of case; and a ticket routed again when an agent corrects its facts,
//! with every decision kept.

use crate::support::*;
use paydesk::domain::codes::{CaseKind, Symptom};
use paydesk::domain::completeness::{assess, need, Fact, Holds, Need};
use paydesk::i18n::Lang;

/// The fields every request needs, and nothing the symptom might.
fn base(symptom: Symptom) -> Vec<(&'static str, String)> {
    [
        ("platform", "wechat"),
        ("payment_scenario", "electricity_bill"),
        ("failing_step", "tap_pay"),
        ("symptom", symptom.as_str()),
        ("city", "上海"),
        ("account_number", "3100 1234 4821"),
        ("checks_tried", "switched_network"),
        ("contact_email", "li.wei@example.com"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

/// A value for a fact's field (the screenshot goes as a file part).
fn value(fact: Fact) -> Option<(&'static str, &'static str)> {
    match fact {
        Fact::Screenshot => None,
        // Words no vocabulary knows, so the kind is the agent's to set.
        Fact::ErrorDetail => Some(("error_message", "屏幕提示 ZQ-77")),
        Fact::PaymentMethod => Some(("payment_method", "wechat_pay")),
        Fact::OccurredAt => Some(("occurred_at", "2026-01-05T09:30")),
        Fact::Amount => Some(("amount", "88.50")),
        Fact::OrderNumber => Some(("order_number", "4200001234567890")),
    }
}

struct Given(Vec<Fact>);
impl Holds for Given {
    fn holds(&self, fact: Fact) -> bool {
        self.0.contains(&fact)
    }
}

fn labels(facts: &[Fact]) -> Vec<String> {
    facts.iter().map(|f| Lang::En.t(&f.label_key())).collect()
}

fn section<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page.find(start).unwrap_or_else(|| panic!("{start} in page"));
    let rest = &page[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn every_symptom_and_kind_agree_across_form_pages_queue_and_api() {
    let app = spawn().await;
    let email = "all-queues@paydesk.test";
    app.add_staff(email, "All Queues", "agent", &["general", "payments", "refunds", "platform", "engineering"]);
    let agent = app.browser();
    assert_eq!(agent.post("/login", &[("email", email), ("password", PASSWORD)]).await.status().as_u16(), 303);
    let id = app.add_staff("api-c@paydesk.test", "API", "agent", &["general"]);
    let token = paydesk::db::users::create_token(&mut app.conn(), &id, "t", chrono::Utc::now().naive_utc()).unwrap();
    // The form marks each fact field with the symptoms that require it.
    let new = app.get_lang("/tickets/new", "en").await.text().await.unwrap();
    for fact in Fact::ALL {
        let when: Vec<String> = Symptom::ALL
            .iter()
            .filter(|s| need(**s, None, fact) == Need::Required)
            .map(|s| s.label(Lang::En))
            .collect();
        for field in fact.fields() {
            let block = section(&new, &format!("id=\"f-{field}\""), "</div>");
            if when.is_empty() {
                assert!(block.contains("optional"), "{field}: optional");
            } else {
                assert!(block.contains("required if"), "{field}: {block}");
                for label in &when {
                    assert!(block.contains(&label.replace('\'', "&#39;")), "{field} names {label}: {block}");
                }
            }
        }
    }
    for symptom in Symptom::ALL.iter().copied() {
        let required: Vec<Fact> = Fact::ALL.into_iter().filter(|f| need(symptom, None, *f) == Need::Required).collect();
        let fields_for = |facts: &[Fact]| {
            let mut fields = base(symptom);
            fields.extend(facts.iter().filter_map(|f| value(*f)).map(|(k, v)| (k, v.to_string())));
            let shot = facts.contains(&Fact::Screenshot).then(|| png_part("e.png", samples::png()));
            form(&fields, shot)
        };
        // The form refuses each required fact left out, on its own field,
        // and the API the same.
        for left_out in &required {
            let given: Vec<Fact> = required.iter().copied().filter(|f| f != left_out).collect();
            let res = app.form_file(fields_for(&given), "en").await;
            assert_eq!(res.status().as_u16(), 422, "{symptom}: without {left_out:?}");
            let page = res.text().await.unwrap();
            let field = if *left_out == Fact::ErrorDetail { "error_message" } else { left_out.fields()[0] };
            assert!(page.contains(&format!("id=\"{field}-error\"")), "{symptom}: {field} marked");
            let (status, body) = app.api_file(fields_for(&given), "en").await;
            assert_eq!(status, 422, "{symptom}: API without {left_out:?}");
            let keys: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
            assert_eq!(keys, [field], "{symptom}: the API refuses exactly {field}: {body}");
        }
        // With exactly what the symptom requires, the form accepts, and the
        // confirmation agrees with the model for the kind routing chose.
        let res = app.form_file(fields_for(&required), "en").await;
        assert_eq!(res.status().as_u16(), 303, "{symptom}: accepted with {required:?}");
        let created = res.headers()["location"].to_str().unwrap().to_string();
        let page = app.get_lang(&created, "en").await.text().await.unwrap();
        let reference = page.split("id=\"reference\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let api = |reference: String| {
            let (app, token) = (&app, token.clone());
            async move {
                let res = app
                    .client
                    .get(app.url(&format!("/api/v1/tickets/{reference}")))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                res.json::<serde_json::Value>().await.unwrap()
            }
        };
        let t = api(reference.clone()).await;
        let routed = CaseKind::parse(t["case_kind"].as_str().unwrap()).unwrap();
        let expected = assess(symptom, Some(routed), &Given(required.clone()));
        assert_eq!(page.contains("id=\"still-needed\""), !expected.missing.is_empty(), "{symptom}/{routed}: created");

        for kind in CaseKind::ALL.iter().copied() {
            // The agent sets the kind by hand: every pair is reachable.
            let ticket = agent.text(&format!("/agent/tickets/{reference}")).await;
            let version = hidden_value(&ticket, "version").unwrap();
            let message = if required.contains(&Fact::ErrorDetail) { "屏幕提示 ZQ-77" } else { "" };
            let res = agent
                .post(
                    &format!("/agent/tickets/{reference}/facts"),
                    &[
                        ("version", &version),
                        ("symptom", symptom.as_str()),
                        ("failing_step", "tap_pay"),
                        ("error_message", message),
                        ("kind", kind.as_str()),
                    ],
                )
                .await;
            assert_eq!(res.status().as_u16(), 303, "{symptom}/{kind}: set by hand");
            let expected = assess(symptom, Some(kind), &Given(required.clone()));
            let what = format!("{symptom}/{kind}");

            // The API.
            let t = api(reference.clone()).await;
            assert_eq!(t["case_kind"], kind.as_str(), "{what}");
            let missing: Vec<&str> = expected.missing.iter().map(|f| f.as_str()).collect();
            assert_eq!(t["missing_facts"], serde_json::json!(missing), "{what}: API");

            // The ticket page: what is missing, what is offered and ticked.
            let page = agent.text(&format!("/agent/tickets/{reference}")).await;
            if expected.missing.is_empty() {
                assert!(!page.contains("id=\"missing\""), "{what}: nothing missing on the page");
            } else {
                let list = section(&page, "id=\"missing\"", "</ul>");
                for label in labels(&expected.missing) {
                    assert!(list.contains(&label), "{what}: {label} missing on the page");
                }
                assert_eq!(list.matches("<li>").count(), expected.missing.len(), "{what}: only those");
            }
            let ask = section(&page, &format!("action=\"/agent/tickets/{reference}/ask\""), "</form>");
            for fact in Fact::ALL {
                let offered = ask.contains(&format!("name=\"fact_{}\"", fact.as_str()));
                let ticked = ask.contains(&format!("name=\"fact_{}\" checked", fact.as_str()));
                assert_eq!(offered, !expected.not_applicable.contains(&fact), "{what}: {fact:?} offered");
                assert_eq!(ticked, expected.missing.contains(&fact), "{what}: {fact:?} preselected");
            }
            // A fact that does not apply is not listed as "not given"; one
            // that would help and is absent is.
            let facts = section(&page, "<dl class=\"facts\">", "</dl>");
            for fact in &expected.could_help {
                if matches!(fact, Fact::Screenshot | Fact::ErrorDetail) {
                    continue;
                }
                let label = Lang::En.t(&format!("field-{}", fact.fields()[0]));
                assert!(facts.contains(&format!("<dt>{label}</dt><dd>Not given</dd>")), "{what}: {label} not given");
            }
            for fact in &expected.not_applicable {
                if *fact == Fact::Screenshot || *fact == Fact::ErrorDetail {
                    continue;
                }
                let label = Lang::En.t(&format!("field-{}", fact.fields()[0]));
                assert!(
                    !facts.contains(&format!("<dt>{label}</dt>")),
                    "{what}: {label} shown though it does not apply"
                );
            }

            // The queue's badge.
            let queue = agent.text(&format!("/agent?view=open&q={reference}")).await;
            let badge = queue.contains(&format!(">{reference}</a> <span class=\"badge\">"));
            assert_eq!(badge, !expected.missing.is_empty(), "{what}: queue badge");
        }
    }
}

#[tokio::test]
async fn an_agent_correction_routes_again_and_keeps_every_decision() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    // Filed with words no rule knows: `other`.
    let (reference, _) = app.file_api(&complete_fields()).await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    // The agent copies the real message off the screenshot.
    let version = hidden_value(&page, "version").unwrap();
    let stale = version.clone();
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[
                ("version", &version),
                ("symptom", "error_shown"),
                ("failing_step", "tap_pay"),
                ("payment_method", "wechat_pay"),
                ("error_code", ""),
                ("error_message", "单日累计交易金额超限"),
                ("kind", ""),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    let decisions = section(&page, "id=\"decisions\"", "</ol>");
    assert_eq!(decisions.matches("<li>").count(), 2, "{decisions}");
    // Why routing decided, in words (issue 19: no internal codes).
    assert!(decisions.contains("On filing") && decisions.contains("After an agent corrected the facts"), "{decisions}");
    assert!(decisions.contains("declined or over a limit"), "{decisions}");
    assert!(page.contains("单日累计交易金额超限"));
    // Told on the phone: the agent adds the time and the amount; a blank
    // order number keeps what the ticket holds.
    let version = hidden_value(&page, "version").unwrap();
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[
                ("version", &version),
                ("symptom", "error_shown"),
                ("failing_step", "tap_pay"),
                ("payment_method", "wechat_pay"),
                ("error_message", "单日累计交易金额超限"),
                ("occurred_at", "2026-01-05T09:30"),
                ("amount", "88.50"),
                ("order_number", ""),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("¥88.50"), "the amount is on the ticket");
    let version = hidden_value(&page, "version").unwrap();
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[("version", &version), ("symptom", "error_shown"), ("failing_step", "tap_pay"), ("amount", "lots")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422, "a bad amount is refused");
    assert!(agent.text(&format!("/agent/tickets/{reference}")).await.contains("¥88.50"), "and nothing changed");
    // A stale form is refused like every other staff action.
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[("version", &stale), ("symptom", "error_shown"), ("failing_step", "tap_pay"), ("kind", "")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 409);
    // Control characters are refused, nothing changes.
    let version = hidden_value(&agent.text(&format!("/agent/tickets/{reference}")).await, "version").unwrap();
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[
                ("version", &version),
                ("symptom", "error_shown"),
                ("failing_step", "tap_pay"),
                ("error_message", "bad\u{202e}text"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
}

/// Posts the tracking page's "add the details" form as the page would.
async fn add_facts(app: &TestApp, tracking: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf().await;
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.client
        .post(app.url(&format!("{tracking}/facts")))
        .header("Accept-Language", "en")
        .form(&all)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_customer_adds_what_the_case_needs_and_the_ticket_is_complete() {
    let app = spawn().await;
    // An error whose words say the money was taken: the case needs the
    // traces, which the form (knowing only "an error was shown") did not ask.
    let fields = with(&complete_fields(), "error_code", "");
    let fields = with(&fields, "error_message", "已扣款，但缴费未成功");
    let res = app.form_file(form(&fields, Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(res.status().as_u16(), 303);
    let created = res.headers()["location"].to_str().unwrap().to_string();
    let tracking = created.trim_end_matches("/created").to_string();
    let page = app.get_lang(&created, "en").await.text().await.unwrap();
    let needed = section(&page, "id=\"still-needed\"", "</ul>");
    assert_eq!(needed.matches("<li>").count(), 3, "{needed}");
    // The tracking page offers exactly those, marked needed.
    let page = app.get_lang(&tracking, "en").await.text().await.unwrap();
    let form_html = section(&page, &format!("action=\"{tracking}/facts\""), "</form>");
    for name in ["occurred_at", "amount", "order_number"] {
        assert!(form_html.contains(&format!("name=\"{name}\"")), "{name} offered");
    }
    assert!(!form_html.contains("name=\"error_message\""), "what is held is not asked again");

    // A bad amount is refused, what was typed is kept, nothing is stored.
    let res = add_facts(&app, &tracking, &[("amount", "lots"), ("order_number", "4200001234567890")]).await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"amount-error\"") && page.contains("value=\"4200001234567890\""));
    let res = add_facts(&app, &tracking, &[]).await;
    assert_eq!(res.status().as_u16(), 422, "nothing given");

    // Given: the ticket is complete everywhere.
    let res = add_facts(
        &app,
        &tracking,
        &[("occurred_at", "2026-01-05T09:30"), ("amount", "¥88.50"), ("order_number", "4200001234567890")],
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(!page.contains("id=\"still-needed\""));
    assert!(page.contains("4200001234567890") && page.contains("You added details"));
}

#[tokio::test]
async fn a_customer_adding_the_error_text_routes_the_ticket_again() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    // "Something else" and no error text: nothing to go on, `other`.
    let fields = with(&complete_fields(), "symptom", "other");
    let fields = with(&with(&fields, "error_code", ""), "error_message", "");
    let fields = with(&fields, "description", "");
    let (reference, tracking) = app.file_api(&fields).await;
    let page = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(page.contains("name=\"error_message\""), "the error text would help, so it is offered");
    let res = add_facts(&app, &tracking, &[("error_message", "银行卡单日限额已超")]).await;
    assert_eq!(res.status().as_u16(), 303);
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    let decisions = section(&page, "id=\"decisions\"", "</ol>");
    assert!(
        decisions.contains("After the customer added facts") && decisions.contains("declined or over a limit"),
        "{decisions}"
    );
    assert!(page.contains("id=\"kind\">Insufficient") || page.contains("declined or over a limit"));
}

#[tokio::test]
async fn an_escalation_follows_the_kind_when_an_agent_corrects_it() {
    use diesel::prelude::*;
    use paydesk::db::schema::tickets;
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let state = |app: &TestApp| -> (String, String, Option<String>) {
        tickets::table
            .filter(tickets::reference.eq(&reference))
            .select((tickets::case_kind, tickets::status, tickets::escalation_id))
            .first(&mut app.conn())
            .unwrap()
    };
    let set_kind = |kind: &'static str| {
        let (agent, reference) = (&agent, reference.clone());
        async move {
            let page = agent.text(&format!("/agent/tickets/{reference}")).await;
            let version = hidden_value(&page, "version").unwrap();
            let res = agent
                .post(
                    &format!("/agent/tickets/{reference}/facts"),
                    &[
                        ("version", version.as_str()),
                        ("symptom", "error_shown"),
                        ("failing_step", "tap_pay"),
                        ("error_message", "支付失败"),
                        ("kind", kind),
                    ],
                )
                .await;
            assert_eq!(res.status().as_u16(), 303, "{kind}");
        }
    };
    // Only the platform can fix it: it joins a platform escalation and waits.
    set_kind("out_of_scope").await;
    let (kind, status, escalation) = state(&app);
    assert_eq!((kind.as_str(), status.as_str()), ("out_of_scope", "pending_platform"));
    assert!(escalation.is_some());
    // It was not: it leaves the escalation and no longer waits on the platform.
    set_kind("timeout_busy").await;
    assert_eq!(state(&app), ("timeout_busy".to_string(), "open".to_string(), None));
    // The hand-set kind is kept selected on the form, so saving again keeps it.
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("value=\"timeout_busy\" selected"));
}
