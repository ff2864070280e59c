//! The staff side of issue 19: staff pages in staff words, the queue's
//! triage columns and order, bulk changes, and the ticket page's one Save.

use crate::support::*;
use diesel::prelude::*;
use paydesk::db::schema::{audit_log, tickets};

/// A signed-in agent whose id we know.
async fn agent(app: &TestApp, name: &str) -> (Browser, String) {
    let email = format!("{}@paydesk.test", name.to_lowercase().replace(' ', "."));
    let id = app.add_staff(&email, name, "agent", &["general", "payments"]);
    let b = app.browser();
    let res = b.post("/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 303);
    (b, id)
}

/// (id, version, status, priority, assignee) of a ticket.
fn row(app: &TestApp, reference: &str) -> (String, i64, String, String, Option<String>) {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select((tickets::id, tickets::version, tickets::status, tickets::priority, tickets::assignee_id))
        .first(&mut app.conn())
        .unwrap()
}

fn audits(app: &TestApp, ticket_id: &str, action: &str) -> i64 {
    audit_log::table
        .filter(audit_log::ticket_id.eq(ticket_id))
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn text_in(b: &Browser, path: &str, lang: &str) -> String {
    b.client.get(b.url(path)).header("Accept-Language", lang).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_bulk_change_updates_the_ticked_tickets_and_leaves_one_changed_meanwhile() {
    let app = spawn().await;
    let (me, _) = agent(&app, "Bulk Agent").await;
    let (other, _) = agent(&app, "Other Agent").await;
    let refs: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(app.file_api(&complete_fields()).await.0);
        }
        v
    };
    // The fifth is closed: a status change does not apply to it.
    let res = other.post(&format!("/agent/tickets/{}/status", refs[4]), &[("status", "closed")]).await;
    assert_eq!(res.status().as_u16(), 303);
    // What my queue page showed: each ticket's version then.
    let shown: Vec<(String, i64)> = refs.iter().map(|r| row(&app, r)).map(|(id, v, ..)| (id, v)).collect();
    // Meanwhile someone else changes the fourth.
    let res = other.post(&format!("/agent/tickets/{}/priority", refs[3]), &[("priority", "low")]).await;
    assert_eq!(res.status().as_u16(), 303);

    let mut form: Vec<(String, String)> = shown.iter().map(|(id, v)| (format!("t_{id}"), v.to_string())).collect();
    form.push(("status".into(), "pending_customer".into()));
    form.push(("priority".into(), "urgent".into()));
    form.push(("assignee".into(), String::new()));
    form.push(("back".into(), "/agent?view=open&sort=oldest".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = me.post("/agent/bulk", &fields).await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    // The two left as they were are named, and ticked again (issue 29, 12).
    let (id3, id4) = (&shown[3].0, &shown[4].0);
    assert_eq!(
        location,
        format!(
            "/agent?view=open&sort=oldest&done=3&stale=1&same=0&refused=1&which={},{}&tick={id3},{id4}",
            refs[3], refs[4]
        )
    );

    for r in &refs[..3] {
        let (id, _, status, priority, _) = row(&app, r);
        assert_eq!((status.as_str(), priority.as_str()), ("pending_customer", "urgent"), "{r}");
        // Through the same operation as the ticket page: audited per change.
        assert_eq!(audits(&app, &id, "status"), 1);
        assert_eq!(audits(&app, &id, "priority"), 1);
    }
    let (_, _, status, priority, _) = row(&app, &refs[3]);
    assert_eq!((status.as_str(), priority.as_str()), ("new", "low"), "the other agent's change stands");
    assert_eq!(row(&app, &refs[4]).2, "closed", "a closed ticket stays closed");

    let en = text_in(&me, &location, "en").await;
    assert!(en.contains("3 updated, 1 changed by someone else meanwhile"), "{en}");
    assert!(en.contains("1 refused"));
    assert!(en.contains(&format!("Left as they were: {}, {}.", refs[3], refs[4])), "{en}");
    // (The closed one is not in the open view; the other is, ticked.)
    let checkbox = en.split(&format!("name=\"t_{id3}\"")).nth(1).unwrap().split('>').next().unwrap();
    assert!(checkbox.contains("checked"), "ticked again");
    let zh = text_in(&me, &location, "zh-CN").await;
    assert!(zh.contains("已更新 3 个，1 个在此期间已被他人改动"), "{zh}");
    assert!(zh.contains("1 个无法修改"));
}

#[tokio::test]
async fn a_bulk_change_needs_a_ticket_a_change_a_valid_form_and_an_agent() {
    let app = spawn().await;
    let (me, _) = agent(&app, "Careful Agent").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let (id, version, ..) = row(&app, &reference);
    let ticked = format!("t_{id}");
    let version = version.to_string();

    let res = me.post("/agent/bulk", &[("priority", "high"), ("back", "/agent")]).await;
    assert_eq!(res.headers()["location"], "/agent?bulk=none");
    assert!(text_in(&me, "/agent?bulk=none", "en").await.contains("Tick at least one ticket first."));
    let res = me.post("/agent/bulk", &[(ticked.as_str(), version.as_str()), ("back", "/agent")]).await;
    assert_eq!(res.headers()["location"], "/agent?bulk=nochange");
    assert!(text_in(&me, "/agent?bulk=nochange", "zh-CN").await.contains("请至少选择一项修改"));
    // Never sent anywhere but the queue.
    let res = me.post("/agent/bulk", &[("priority", "high"), ("back", "https://evil.example/agent")]).await;
    assert_eq!(res.headers()["location"], "/agent?bulk=none");
    // An unknown code is a bad request, not a silent no-op.
    let res = me.post("/agent/bulk", &[(ticked.as_str(), version.as_str()), ("priority", "yesterday")]).await;
    assert_eq!(res.status().as_u16(), 400);
    // An assignee who is not staff: refused, nothing changed.
    let res = me
        .post(
            "/agent/bulk",
            &[(ticked.as_str(), version.as_str()), ("assignee", "0191e3c2-7d2e-7a3c-9a1b-2b3c4d5e6f70")],
        )
        .await;
    assert_eq!(
        res.headers()["location"],
        format!("/agent?done=0&stale=0&same=0&refused=1&which={reference}&tick={id}")
    );

    // Without the CSRF field, or without signing in: nothing is done.
    let url = me.url("/agent/bulk");
    let res = me.client.post(&url).form(&[(ticked.as_str(), version.as_str()), ("priority", "high")]).send().await;
    assert_eq!(res.unwrap().status().as_u16(), 403);
    let stranger = app.browser();
    let res = stranger.post("/agent/bulk", &[(ticked.as_str(), version.as_str()), ("priority", "high")]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(row(&app, &reference).3, "normal", "no change went through");
}

#[tokio::test]
async fn the_queue_shows_the_customers_words_platform_amount_and_who_spoke_last() {
    let app = spawn().await;
    let (me, _) = agent(&app, "Triage Agent").await;
    let long = format!("<b>扣款了</b> {}", "但是没有到账".repeat(20));
    let fields = with(&with(&complete_fields(), "description", &long), "amount", "88.50");
    let (quiet, _) = app.file_api(&fields).await;
    let (talking, tracking) = app.file_api(&complete_fields()).await;
    let res = me
        .post(&format!("/agent/tickets/{talking}/reply"), &[("body", "Please retry."), ("then", "pending_customer")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let res = app
        .post_multipart(
            &format!("{tracking}/messages"),
            reqwest::multipart::Form::new().text("message", "Still failing\nafter the retry"),
            "en",
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);

    let page = text_in(&me, "/agent?view=open", "en").await;
    let card = |reference: &str| {
        let start = page.find(&format!("href=\"/agent/tickets/{reference}\"")).unwrap();
        page[start..].split("</tr>").next().unwrap().to_string()
    };
    let q = card(&quiet);
    assert!(q.contains("&#60;b&#62;扣款了&#60;/b&#62; 但是没有到账"), "the description, escaped: {q}");
    assert!(!q.contains("<b>扣款了"));
    assert!(q.contains('…'), "cut short");
    assert!(q.contains("¥88.50") && q.contains("WeChat"), "{q}");
    assert!(!q.contains("Customer replied"), "nobody answered it yet");
    let t = card(&talking);
    assert!(t.contains("Still failing after the retry"), "the customer's latest words: {t}");
    assert!(t.contains("Customer replied"), "{t}");
    assert!(t.contains("Updated 0 min ago"), "{t}");
    assert!(t.contains(">0 min<"), "the age in words: {t}");
    let zh = text_in(&me, "/agent?view=open", "zh-CN").await;
    assert!(zh.contains("客户已回复") && zh.contains(">0分钟<") && zh.contains("0分钟前更新"));
    assert!(!zh.contains(">0m<"));
}

#[tokio::test]
async fn the_queue_keeps_the_chosen_order_in_its_links() {
    let app = spawn().await;
    let (me, _) = agent(&app, "Sorting Agent").await;
    let mut refs = Vec::new();
    for _ in 0..3 {
        refs.push(app.file_api(&complete_fields()).await.0);
    }
    // The last filed is urgent; the first filed changed last.
    me.post(&format!("/agent/tickets/{}/priority", refs[2]), &[("priority", "urgent")]).await;
    me.post(&format!("/agent/tickets/{}/priority", refs[1]), &[("priority", "low")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    me.post(&format!("/agent/tickets/{}/note", refs[0]), &[("body", "looked at it")]).await;
    let order = |page: &str| {
        let mut found: Vec<(usize, usize)> =
            refs.iter().enumerate().map(|(i, r)| (page.find(&format!(">{r}</a>")).unwrap(), i)).collect();
        found.sort();
        found.into_iter().map(|(_, i)| i).collect::<Vec<_>>()
    };
    assert_eq!(order(&me.text("/agent?view=open&sort=oldest").await), vec![0, 1, 2]);
    assert_eq!(order(&me.text("/agent?view=open&sort=priority").await), vec![2, 0, 1]);
    let updated = me.text("/agent?view=open&sort=updated").await;
    assert_eq!(order(&updated)[0], 0, "the one changed last comes first");
    // The order is chosen in the filters and kept by the tabs.
    assert!(updated.contains("<option value=\"updated\" selected>"));
    assert!(
        updated.contains("href=\"/agent?view=mine&#38;sort=updated\""),
        "{}",
        &updated[updated.find("class=\"tabs\"").unwrap()..][..300]
    );
    assert_eq!(me.get("/agent?sort=random").await.status().as_u16(), 400);
}

#[tokio::test]
async fn one_save_changes_status_priority_and_assignee_with_the_version_checked() {
    let app = spawn().await;
    let (me, _) = agent(&app, "Saving Agent").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    // Filed while I was the only agent: it came to me; I hand it over.
    let my_id = app.add_staff("next@paydesk.test", "Next Agent", "agent", &["general"]);
    let page = me.text(&format!("/agent/tickets/{reference}")).await;
    assert_eq!(page.matches(">Save changes<").count(), 1, "one Save");
    assert!(!page.contains("action=\"/agent/tickets/{reference}/status\""));
    let version = hidden_value(&page, "version").unwrap();
    let path = format!("/agent/tickets/{reference}/change");
    let change = [
        ("version", version.as_str()),
        ("status", "pending_customer"),
        ("priority", "high"),
        ("assignee", my_id.as_str()),
    ];
    let res = me.post(&path, &change).await;
    assert_eq!(res.status().as_u16(), 303);
    let (id, _, status, priority, assignee) = row(&app, &reference);
    assert_eq!(
        (status.as_str(), priority.as_str(), assignee.as_deref()),
        ("pending_customer", "high", Some(my_id.as_str()))
    );
    for action in ["status", "priority", "assign"] {
        assert_eq!(audits(&app, &id, action), 1, "{action} audited");
    }
    // The same form again, from the page as it was: stale, nothing changed.
    let stale = [("version", version.as_str()), ("status", "open"), ("priority", "low"), ("assignee", "")];
    let res = me.post(&path, &stale).await;
    assert_eq!(res.status().as_u16(), 409);
    assert_eq!(row(&app, &reference).3, "high");
    // Saving what the ticket already holds writes nothing.
    let page = me.text(&format!("/agent/tickets/{reference}")).await;
    let version = hidden_value(&page, "version").unwrap();
    let same = [
        ("version", version.as_str()),
        ("status", "pending_customer"),
        ("priority", "high"),
        ("assignee", my_id.as_str()),
    ];
    assert_eq!(me.post(&path, &same).await.status().as_u16(), 303);
    assert_eq!(audits(&app, &id, "priority"), 1);
    // A status staff may not set: refused with words, nothing changed.
    let wrong = [("version", version.as_str()), ("status", "new"), ("priority", "low"), ("assignee", my_id.as_str())];
    let res = me.post(&path, &wrong).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("This change is not possible for this ticket"));
    assert_eq!(row(&app, &reference).3, "high", "the priority in the same form was not applied either");
}

#[tokio::test]
async fn staff_pages_speak_about_the_customer_in_both_languages() {
    let app = spawn().await;
    let (me, _) = agent(&app, "Wording Agent").await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    me.post(&format!("/agent/tickets/{reference}/reply"), &[("body", "Please retry."), ("then", "pending_customer")])
        .await;
    let res = app
        .post_multipart(
            &format!("{tracking}/messages"),
            reqwest::multipart::Form::new().text("message", "Still no"),
            "en",
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    me.post(&format!("/agent/tickets/{reference}/status"), &[("status", "pending_customer")]).await;
    let path = format!("/agent/tickets/{reference}");
    let en = text_in(&me, &path, "en").await;
    for words in [
        "id=\"status\">Waiting on the customer<",
        "What the customer told us",
        "Customer wrote",
        "Customer filed this request",
    ] {
        assert!(en.contains(words), "{words}");
    }
    for words in [
        "Waiting for your answer",
        "What you told us",
        "You wrote",
        "You filed this request",
        "Checks you already tried",
    ] {
        assert!(!en.contains(words), "{words}");
    }
    let zh = text_in(&me, &path, "zh-CN").await;
    for words in ["id=\"status\">等待客户回复<", "客户提供的信息", "客户留言", "客户提交了此请求"]
    {
        assert!(zh.contains(words), "{words}");
    }
    for words in ["等待您的回复", "您提供的信息", "您的留言", "您提交了这次求助"] {
        assert!(!zh.contains(words), "{words}");
    }
    // After a reply the ticket waits on the customer unless the agent says
    // otherwise: that choice comes first, in staff words.
    let then = en.split("id=\"reply-then\"").nth(1).unwrap();
    assert!(then.trim_start().contains("<option value=\"pending_customer\" selected>Waiting on the customer</option>"));
    for lang in ["en", "zh-CN"] {
        let queue = text_in(&me, "/agent?view=open", lang).await;
        assert!(!queue.contains("Waiting for your answer") && !queue.contains("等待您的回复"), "{lang}");
    }
    // The customer's own page keeps the customer's words.
    let customer = app.get_lang(&tracking, "zh-CN").await.text().await.unwrap();
    assert!(customer.contains("等待您的回复"));
}

#[tokio::test]
async fn each_order_pages_through_every_ticket_once() {
    use paydesk::db::queue::{sorted_page, Filter, Sort, SortCursor, View, Viewer};
    let app = spawn().await;
    let (me, _) = agent(&app, "Paging Agent").await;
    let mut refs = Vec::new();
    for (i, priority) in ["urgent", "low", "high", "urgent", "normal", "low", "high"].into_iter().enumerate() {
        let (reference, _) = app.file_api(&complete_fields()).await;
        me.post(&format!("/agent/tickets/{reference}/priority"), &[("priority", priority)]).await;
        if i % 2 == 0 {
            me.post(&format!("/agent/tickets/{reference}/note"), &[("body", "seen")]).await;
        }
        refs.push(reference);
    }
    let now = chrono::Utc::now().naive_utc();
    let viewer = Viewer { id: "nobody", queues: &[] };
    let mut conn = app.conn();
    // Working time left counted on the real calendar where the tickets are.
    let calendars: std::collections::BTreeMap<_, _> = paydesk::domain::codes::Queue::ALL
        .iter()
        .map(|q| (*q, paydesk::domain::calendar::Calendar::cn_workdays()))
        .collect();
    for sort in Sort::ALL {
        let whole: Vec<String> =
            sorted_page(&mut conn, &viewer, View::AllOpen, &Filter::default(), sort, &calendars, None, 50, now)
                .unwrap()
                .into_iter()
                .map(|r| r.reference)
                .collect();
        assert_eq!(whole.len(), refs.len(), "{sort:?}");
        // Pages of two, each after the last row of the one before.
        let mut paged = Vec::new();
        let mut after: Option<SortCursor> = None;
        loop {
            let page = sorted_page(
                &mut conn,
                &viewer,
                View::AllOpen,
                &Filter::default(),
                sort,
                &calendars,
                after.as_ref(),
                2,
                now,
            )
            .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(SortCursor::decode(&SortCursor::after(sort, last, now).encode()).unwrap());
            paged.extend(page.iter().map(|r| r.reference.clone()));
        }
        assert_eq!(paged, whole, "{sort:?}: the same tickets in the same order, none twice");
        if sort == Sort::Priority {
            let priorities: Vec<String> = whole
                .iter()
                .map(|r| {
                    tickets::table.filter(tickets::reference.eq(r)).select(tickets::priority).first(&mut conn).unwrap()
                })
                .collect();
            assert_eq!(priorities, ["urgent", "urgent", "high", "high", "normal", "low", "low"]);
        }
    }
}
