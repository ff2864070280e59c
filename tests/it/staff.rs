//! Staff sign-in, sessions, CSRF, the queue and the ticket actions.

use crate::support::*;
use diesel::prelude::*;
use paydesk::db::schema::tickets;

#[tokio::test]
async fn sign_in_and_out() {
    let app = spawn().await;
    app.add_staff("li@paydesk.test", "Li Na", "agent", &["general"]);
    let b = app.browser();

    // Before: staff pages send you to sign in, and bring you back after.
    let res = b.get("/agent?view=open").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fagent%3Fview%3Dopen");

    let wrong = b.post("/login", &[("email", "li@paydesk.test"), ("password", "not the password")]).await;
    assert_eq!(wrong.status().as_u16(), 401);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("Email or password is incorrect."));
    assert!(wrong.contains("value=\"li@paydesk.test\""), "the email is kept");
    let unknown = b.post("/login", &[("email", "nobody@paydesk.test"), ("password", "not the password")]).await;
    assert_eq!(unknown.status().as_u16(), 401);
    assert!(
        unknown.text().await.unwrap().contains("Email or password is incorrect."),
        "same answer: no account probing"
    );

    let ok =
        b.post("/login", &[("email", "LI@paydesk.test"), ("password", PASSWORD), ("next", "/agent?view=open")]).await;
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(ok.headers()["location"], "/agent?view=open");
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("paydesk_session="));
    let cookie = cookie.expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let queue = b.get("/agent").await;
    assert_eq!(queue.status().as_u16(), 200);
    assert!(queue.text().await.unwrap().contains("Li Na"));

    // Never sent elsewhere after sign-in.
    let res = b
        .post("/login", &[("email", "li@paydesk.test"), ("password", PASSWORD), ("next", "https://evil.example/")])
        .await;
    assert_eq!(res.headers()["location"], "/agent");

    let out = b.post("/logout", &[]).await;
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(b.get("/agent").await.status().as_u16(), 303, "the session is over");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_whether_or_not_it_exists() {
    let app = spawn().await;
    app.add_staff("wang@paydesk.test", "Wang", "agent", &["general"]);
    for email in ["wang@paydesk.test", "ghost@paydesk.test"] {
        let b = app.browser();
        for _ in 0..5 {
            let res = b.post("/login", &[("email", email), ("password", "wrong password!")]).await;
            assert_eq!(res.status().as_u16(), 401);
        }
        // Now even the right password waits.
        let res = b.post("/login", &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(res.status().as_u16(), 429, "{email}");
        let retry: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry));
        assert!(res.text().await.unwrap().contains("Too many failed attempts."));
    }
    // Another account from the same address is not locked out by these.
    app.add_staff("zhao@paydesk.test", "Zhao", "agent", &["general"]);
    let res = app.browser().post("/login", &[("email", "zhao@paydesk.test"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 303);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_and_frees_their_tickets() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let agent_id = app.add_staff("chen@paydesk.test", "Chen", "agent", &["general"]);
    let agent = app.browser();
    agent.post("/login", &[("email", "chen@paydesk.test"), ("password", PASSWORD)]).await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let res = agent.post(&format!("/agent/tickets/{reference}/claim"), &[]).await;
    assert_eq!(res.status().as_u16(), 303);

    let res = admin
        .post(&format!("/admin/users/{agent_id}"), &[("name", "Chen"), ("role", "agent"), ("queues", "general")])
        .await;
    assert_eq!(res.status().as_u16(), 303, "saved without `active`: deactivated");
    assert_eq!(agent.get("/agent").await.status().as_u16(), 303, "signed out at once");
    let res = agent.post("/login", &[("email", "chen@paydesk.test"), ("password", PASSWORD)]).await;
    assert_eq!(res.status().as_u16(), 401, "and cannot sign in again");
    let assignee: Option<String> = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::assignee_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(assignee, None, "their open ticket waits to be assigned again");
    let users = admin.text("/admin/users").await;
    assert!(users.contains("inactive"));
}

#[tokio::test]
async fn forms_without_the_csrf_field_are_refused() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    // A staff action, posted without (or with a wrong) token.
    let url = agent.url(&format!("/agent/tickets/{reference}/note"));
    let res = agent.client.post(&url).form(&[("body", "x")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = agent.client.post(&url).form(&[("body", "x"), ("csrf", "forged")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("This form has expired"));
    // Sign-in and the customer's forms too.
    let b = app.browser();
    let res = b.client.post(b.url("/login")).form(&[("email", "a@b.c"), ("password", "x")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let intake = form(&complete_fields(), Some(png_part("e.png", samples::png())));
    let res = b.client.post(b.url("/tickets")).multipart(intake).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let msg = reqwest::multipart::Form::new().text("message", "hello");
    let res = b.client.post(b.url(&format!("{tracking}/messages"))).multipart(msg).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // Nothing was written by any of them.
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(!page.contains("Internal note</p>"));
}

/// Sets what routing will set, so the filters have something to tell apart.
fn classify(app: &TestApp, reference: &str, kind: &str, queue: &str, priority: &str, city: &str) {
    diesel::update(tickets::table.filter(tickets::reference.eq(reference)))
        .set((
            tickets::case_kind.eq(kind),
            tickets::queue.eq(queue),
            tickets::priority.eq(priority),
            tickets::city.eq(city),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

async fn check(agent: &Browser, query: &str, expected: &[&String]) {
    let found = refs_in(&agent.text(&format!("/agent?view=open&{query}")).await);
    let mut found: Vec<&str> = found.iter().map(String::as_str).collect();
    found.sort();
    let mut expected: Vec<&str> = expected.iter().map(|s| s.as_str()).collect();
    expected.sort();
    assert_eq!(found, expected, "{query}");
}

async fn act(agent: &Browser, reference: &str, action: &str, fields: &[(&str, &str)]) {
    let path = format!("/agent/tickets/{reference}/{action}");
    let res = agent.post(&path, fields).await;
    assert_eq!(res.status().as_u16(), 303, "{path}");
}

fn refs_in(page: &str) -> Vec<String> {
    page.split("href=\"/agent/tickets/").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn staff_pages_speak_both_languages() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let zh = |path: String| {
        let agent = &agent;
        async move {
            agent
                .client
                .get(agent.url(&path))
                .header("Accept-Language", "zh-CN")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let queue = zh("/agent?view=open".into()).await;
    assert!(queue.contains("<html lang=\"zh-CN\">") && queue.contains("全部未关闭") && queue.contains("点击“支付”"));
    let ticket = zh(format!("/agent/tickets/{reference}")).await;
    assert!(ticket.contains("回复客户") && ticket.contains("请客户补充信息") && ticket.contains("31******4821"));
    let login = app.browser().client.get(app.url("/login")).header("Accept-Language", "zh-CN").send().await.unwrap();
    assert!(login.text().await.unwrap().contains("客服登录"));
    let en = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(en.contains("Reply to the customer") && en.contains("Ask for the missing information"));
}

#[tokio::test]
async fn queue_views_filters_and_search() {
    let app = spawn().await;
    let (a, _) = app.file_api(&with(&complete_fields(), "order_number", "WX-777-ABC")).await;
    let (b, _) = app.file_api(&with(&complete_fields(), "account_number", "**********9931")).await;
    let (c, _) = app.file_api(&with(&complete_fields(), "description", "The pay button froze twice")).await;
    classify(&app, &a, "insufficient_funds", "payments", "high", "上海");
    classify(&app, &b, "timeout_busy", "payments", "normal", "北京");
    classify(&app, &c, "login_expired", "general", "low", "上海");
    // Signed up after the tickets came in: nobody was there to get them.
    let agent = app.staff("agent").await;

    let open = refs_in(&agent.text("/agent?view=open").await);
    assert_eq!(open.len(), 3);
    // Most urgent first: the high-priority ticket is due soonest.
    assert_eq!(open[0], a);
    check(&agent, "case_kind=timeout_busy", &[&b]).await;
    check(&agent, "queue=payments", &[&a, &b]).await;
    check(&agent, "priority=low", &[&c]).await;
    check(&agent, "city=%E4%B8%8A%E6%B5%B7", &[&a, &c]).await;
    check(&agent, "status=new", &[&a, &b, &c]).await;
    check(&agent, "status=resolved", &[]).await;
    check(&agent, "assignee=none", &[&a, &b, &c]).await;
    check(&agent, "sla=breached", &[]).await;
    check(&agent, "sla=ok", &[&a, &b, &c]).await;
    check(&agent, "q=WX-777-ABC", &[&a]).await;
    check(&agent, "q=9931", &[&b]).await;
    check(&agent, "q=froze", &[&c]).await;
    check(&agent, "q=50%25", &[]).await;
    let lower = a.to_lowercase();
    let found = refs_in(&agent.text(&format!("/agent?view=open&q={lower}")).await);
    assert_eq!(found, vec![a.clone()], "by reference, typed any way");
    let bad = agent.get("/agent?status=bogus").await;
    assert_eq!(bad.status().as_u16(), 400);

    // Views: claiming moves a ticket from "unassigned" to "mine".
    let unassigned = refs_in(&agent.text("/agent?view=unassigned").await);
    assert_eq!(unassigned.len(), 3, "all in the agent's queues");
    agent.post(&format!("/agent/tickets/{b}/claim"), &[]).await;
    assert_eq!(refs_in(&agent.text("/agent?view=mine").await), vec![b.clone()]);
    assert_eq!(refs_in(&agent.text("/agent?view=unassigned").await).len(), 2);
    let mine = agent.text("/agent?view=mine").await;
    let assignee_filter = mine.split("id=\"f-assignee\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(!assignee_filter.contains(" selected>"), "no assignee filter chosen yet");
    let me = paydesk::db::users::list(&mut app.conn())
        .unwrap()
        .into_iter()
        .find(|u| u.role == paydesk::domain::codes::Role::Agent)
        .unwrap();
    check(&agent, &format!("assignee={}", me.id), &[&b]).await;
    let page = agent.text("/agent?view=mine").await;
    assert!(page.contains("Mine <span class=\"count\">(1)</span>"));
    assert!(page.contains("All open <span class=\"count\">(3)</span>"));
    // A complete request is not flagged: for a timeout, the order number
    // and amount do not apply (the completeness tests walk every case).
    assert!(!page.contains("facts missing"));
}

#[tokio::test]
async fn the_queue_pages_by_keyset() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let fields = with(&complete_fields(), "symptom", "stuck_loading");
    let filed = futures_util::future::join_all((0..55).map(|_| app.api_file_no_shot(&fields))).await;
    let first = agent.text("/agent?view=open").await;
    let first_refs = refs_in(&first);
    assert_eq!(first_refs.len(), 50);
    let next = first.split("href=\"/agent?").find(|s| s.contains("after=")).expect("a next-page link");
    let next = format!("/agent?{}", next.split('"').next().unwrap().replace("&#38;", "&"));
    let second_refs = refs_in(&agent.text(&next).await);
    assert_eq!(second_refs.len(), 5);
    let mut all: Vec<String> = first_refs.into_iter().chain(second_refs).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), filed.len(), "every ticket exactly once");
}

#[tokio::test]
async fn every_ticket_action_is_done_and_audited() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let supervisor = app.staff("supervisor").await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let (other, other_tracking) = app.file_api(&complete_fields()).await;
    act(&agent, &reference, "claim", &[]).await;
    act(&agent, &reference, "priority", &[("priority", "urgent")]).await;
    act(&agent, &reference, "status", &[("status", "open")]).await;
    act(&agent, &reference, "note", &[("body", "Checked the gateway log: timeout at 09:31.")]).await;
    act(&agent, &reference, "ask", &[("fact_order_number", "on"), ("fact_occurred_at", "on")]).await;
    act(&agent, &reference, "reply", &[("body", "Please retry in 30 minutes."), ("then", "pending_customer")]).await;

    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("id=\"priority\">Urgent<"));
    assert!(page.contains("id=\"status\">Waiting on the customer<"));
    assert!(page.contains("Checked the gateway log"));
    assert!(page.contains("internal"));

    // The customer sees the reply and the request for facts, in their
    // language, and never the internal note.
    let customer = app.get_lang(&tracking, "en").await.text().await.unwrap();
    assert!(customer.contains("Please retry in 30 minutes."));
    assert!(customer.contains("To go on with your request, please add:"));
    assert!(customer.contains("the order or transaction number from your wallet or bank record"));
    assert!(customer.contains("when it happened (date and time)"));
    assert!(!customer.contains("Checked the gateway log"));
    assert!(!customer.contains("Internal note"));

    // The customer's answer reopens it.
    let res = app
        .post_multipart(
            &format!("{tracking}/messages"),
            reqwest::multipart::Form::new().text("message", "Order WX1"),
            "en",
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    assert!(page.contains("id=\"status\">Open<"));

    // Merge the other ticket into this one.
    let res = agent.post(&format!("/agent/tickets/{other}/merge"), &[("into", &reference)]).await;
    assert_eq!(res.status().as_u16(), 303);
    let merged = app.get_lang(&other_tracking, "en").await.text().await.unwrap();
    assert!(merged.contains(&format!("Merged into {reference}")));
    assert!(merged.contains("id=\"status\">Closed<"));
    let bad = agent.post(&format!("/agent/tickets/{reference}/merge"), &[("into", "PD-2222222")]).await;
    assert_eq!(bad.status().as_u16(), 422);

    // Refused actions say why and keep what was typed.
    let res = agent.post(&format!("/agent/tickets/{reference}/reply"), &[("body", "  "), ("then", "open")]).await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Write something first."));

    // Every action is in the audit log, with before → after.
    let audit = supervisor.text(&format!("/supervisor/audit?ticket={reference}")).await;
    for action in ["assign", "priority", "status", "note", "ask_missing", "reply"] {
        // Named in words (issue 19).
        let said = paydesk::web::staff::words::action_label(paydesk::i18n::Lang::En, action);
        assert!(audit.contains(&format!("<td>{said}</td>")), "{action} audited");
    }
    // Codes in words (issue 29, 11).
    assert!(audit.contains("Normal → Urgent"), "{audit}");
    assert!(audit.contains("New → Open"), "{audit}");
    let merges = supervisor.text("/supervisor/audit?action=merge").await;
    assert!(merges.contains(&other) && merges.contains(&format!("→ {reference}")));
    // Agents may not read it.
    assert_eq!(agent.get("/supervisor/audit").await.status().as_u16(), 403);
}

#[tokio::test]
async fn canned_replies_fill_the_reply_box_and_supervisors_edit_them() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let supervisor = app.staff("supervisor").await;
    let (reference, _) = app.file_api(&with(&complete_fields(), "lang", "zh-CN")).await;
    let page = agent.text(&format!("/agent/tickets/{reference}")).await;
    // Offered in the customer's language.
    assert!(page.contains("余额与银行卡限额"));
    assert!(!page.contains("Balance and card limits"));
    let link = page.split("name=\"canned\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let filled = agent.text(&format!("/agent/tickets/{reference}?canned={link}")).await;
    let textarea = filled.split("id=\"reply-body\" name=\"body\" rows=\"6\">").nth(1).unwrap();
    assert!(!textarea.starts_with("</textarea>"), "the reply box holds the canned text");
    // Chosen while a reply is being typed: added after it, nothing lost
    // (issue 29, 8).
    let res = agent
        .post(&format!("/agent/tickets/{reference}/canned"), &[("body", "您好，李先生："), ("canned", &link)])
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.unwrap();
    let textarea = page.split("id=\"reply-body\" name=\"body\" rows=\"6\">").nth(1).unwrap();
    let draft = textarea.split("</textarea>").next().unwrap();
    assert!(draft.starts_with("您好，李先生：\n\n") && draft.len() > "您好，李先生：\n\n".len(), "{draft}");

    let list = supervisor.text("/supervisor/canned").await;
    assert!(list.contains("Network and app self-check") && list.contains("网络与应用自查"));
    let id = list.split("action=\"/supervisor/canned/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let res =
        supervisor.post(&format!("/supervisor/canned/{id}"), &[("title", "Edited title"), ("body", "New text.")]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(supervisor.text("/supervisor/canned").await.contains("Edited title"));
    let res = agent.post(&format!("/supervisor/canned/{id}"), &[("title", "x"), ("body", "y")]).await;
    assert_eq!(res.status().as_u16(), 403);
}

#[tokio::test]
async fn admins_add_users_and_users_keep_tokens() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let res = admin
        .post(
            "/admin/users",
            &[
                ("email", "new@paydesk.test"),
                ("name", "New Agent"),
                ("role", "agent"),
                ("queues", "refunds"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("The password needs at least 10 characters."));
    let res = admin
        .post(
            "/admin/users",
            &[
                ("email", "new@paydesk.test"),
                ("name", "New Agent"),
                ("role", "agent"),
                ("queues", "refunds"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let again = admin
        .post(
            "/admin/users",
            &[("email", "NEW@paydesk.test"), ("name", "Dup"), ("role", "agent"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status().as_u16(), 422);
    assert!(again.text().await.unwrap().contains("already exists"));

    let newbie = app.browser();
    assert_eq!(
        newbie.post("/login", &[("email", "new@paydesk.test"), ("password", PASSWORD)]).await.status().as_u16(),
        303
    );
    let settings = newbie.post("/settings/tokens", &[("name", "my script")]).await.text().await.unwrap();
    let token = settings.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(token.starts_with("pdk_"));
    let listed = newbie.text("/settings").await;
    assert!(listed.contains("my script") && !listed.contains(&token), "shown once only");
}

/// A second reply on a resolved ticket that leaves it resolved is a reply:
/// it was counted as a second resolution and mailed as "resolved" again.
#[tokio::test]
async fn replying_to_a_resolved_ticket_does_not_resolve_it_twice() {
    use paydesk::db::schema::{daily_stats, outbox};
    let app = spawn().await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let agent = app.staff("agent").await;
    let path = format!("/agent/tickets/{reference}/reply");
    for body in ["Your payment went through; the bill is paid.", "And the receipt is in your app."] {
        let res = agent.post(&path, &[("body", body), ("then", "resolved")]).await;
        assert_eq!(res.status().as_u16(), 303);
    }
    let mut conn = app.conn();
    let kinds: Vec<String> = outbox::table
        .inner_join(tickets::table.on(outbox::ticket_id.eq(tickets::id.nullable())))
        .filter(tickets::reference.eq(&reference))
        .filter(outbox::kind.ne("received"))
        .order(outbox::created_at)
        .select(outbox::kind)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(kinds, ["resolved", "reply"]);
    let counts: Vec<(i64, i64)> = daily_stats::table
        .filter(daily_stats::dimension.eq("case_kind"))
        .select((daily_stats::resolved_met, daily_stats::resolved_missed))
        .load(&mut *conn)
        .unwrap();
    let resolved: i64 = counts.iter().map(|(met, missed)| met + missed).sum();
    assert_eq!(resolved, 1, "one resolution counted");
}

#[tokio::test]
async fn a_closed_ticket_says_so_when_asked_noted_or_merged() {
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let (reference, _) = app.file_api(&complete_fields()).await;
    let (other, _) = app.file_api(&complete_fields()).await;
    diesel::update(tickets::table.filter(tickets::reference.eq(&reference)))
        .set(tickets::status.eq("closed"))
        .execute(&mut app.conn())
        .unwrap();
    let events = |app: &TestApp| -> i64 {
        use paydesk::db::schema::ticket_events;
        ticket_events::table.count().get_result(&mut app.conn()).unwrap()
    };
    let before = events(&app);
    let path = format!("/agent/tickets/{reference}");
    for (action, fields) in [
        ("ask", vec![("fact_order_number", "on")]),
        ("merge", vec![("into", other.as_str())]),
        ("note", vec![("body", "Too late for this one.")]),
    ] {
        let res = agent.post(&format!("{path}/{action}"), &fields).await;
        assert_eq!(res.status().as_u16(), 409, "{action}");
        let page = res.text().await.unwrap();
        assert!(page.contains("This ticket is closed, so nothing was done"), "{action}");
        assert!(!page.contains("No other ticket has this reference."), "{action}");
    }
    // Nothing changed.
    assert_eq!(events(&app), before);
    let status: String = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::status)
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(status, "closed");
    let merged: Option<String> = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::merged_into)
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(merged, None);
}

#[tokio::test]
async fn staff_fields_carry_the_text_limits_the_handlers_apply() {
    use paydesk::domain::text::limits;
    let app = spawn().await;
    let supervisor = app.staff("supervisor").await;
    let max = |n: usize| format!("maxlength=\"{n}\"");
    let incidents = supervisor.text("/supervisor/incidents").await;
    assert!(incidents.contains(&max(limits::TITLE)) && incidents.contains(&max(limits::VALUE)));
    assert!(supervisor.text("/supervisor/canned").await.contains(&max(limits::SHORT_TITLE)));
    assert!(supervisor.text("/settings").await.contains(&max(limits::NAME)));
}
