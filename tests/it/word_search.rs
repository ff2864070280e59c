//! Word search in the agents' queue (issue 32), over HTTP: Chinese words of
//! two characters, phrases, one character, Traditional and English words
//! inside Chinese text, what staff wrote, ranked and filtered like the
//! queue. The suite runs on SQLite and on PostgreSQL with the same
//! expectations: both backends find and rank the same tickets.

use crate::support::*;
use diesel::prelude::*;
use paydesk::db::schema::tickets;

fn refs_in(page: &str) -> Vec<String> {
    page.split("href=\"/agent/tickets/").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

fn search_path(words: &str, more: &str) -> String {
    let q: String = url::form_urlencoded::byte_serialize(words.as_bytes()).collect();
    format!("/agent?view=open&q={q}{more}")
}

/// The tickets a search lists, in the order shown.
async fn found(agent: &Browser, words: &str, more: &str) -> Vec<String> {
    refs_in(&agent.text(&search_path(words, more)).await)
}

async fn found_set(agent: &Browser, words: &str) -> Vec<String> {
    let mut refs = found(agent, words, "").await;
    refs.sort();
    refs
}

fn sorted(refs: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = refs.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

async fn file(app: &TestApp, message: &str, description: &str) -> String {
    let fields = with(&with(&complete_fields(), "error_message", message), "description", description);
    app.file_api(&fields).await.0
}

#[tokio::test]
async fn chinese_words_are_found_ranked_and_filtered_like_the_queue() {
    let app = spawn().await;
    let busy = file(&app, "系统繁忙，请稍后再试", "月初交电费一直转圈").await;
    let sms = file(&app, "交易失败", "银行短信说余额不足，扣款没成功").await;
    let screen = file(&app, "余额不足", "点了pay按钮，App版本8.0.50").await;
    let traditional = file(&app, "支付失败", "餘額不足，唔該幫手睇下").await;
    let agent = app.staff("agent").await;

    // Two characters, a phrase, one character, a Traditional search.
    assert_eq!(found_set(&agent, "扣款").await, sorted(&[&sms]));
    assert_eq!(found_set(&agent, "系统繁忙").await, sorted(&[&busy]));
    assert_eq!(found_set(&agent, "扣").await, sorted(&[&sms]));
    assert_eq!(found_set(&agent, "餘額").await, sorted(&[&sms, &screen, &traditional]));
    assert_eq!(found_set(&agent, "繁忙系统").await, sorted(&[]), "other pairs than the ticket holds");
    // English words inside Chinese text, any case; the city; a masked
    // account's last digits.
    assert_eq!(found_set(&agent, "PAY").await, sorted(&[&screen]));
    assert_eq!(found_set(&agent, "app 按钮").await, sorted(&[&screen]));
    assert_eq!(found_set(&agent, "上海").await.len(), 4);
    assert_eq!(found_set(&agent, "4821").await.len(), 4);

    // Most relevant first: the screen's words, then the customer's (ties
    // newest first), then a scattered match.
    let ranked = found(&agent, "余额不足", "").await;
    assert_eq!(ranked, vec![screen.clone(), traditional.clone(), sms.clone()]);
    let page = agent.text(&search_path("余额不足", "")).await;
    assert!(page.contains("id=\"search-ranked\""), "the page says how hits are ranked");
    // Another sort pages through the same hits in its own order.
    let by_due = found(&agent, "余额不足", "&sort=oldest").await;
    assert_eq!(by_due, vec![sms.clone(), screen.clone(), traditional.clone()]);

    // Filtered like the queue: the filters narrow the hits, the tabs count
    // them.
    diesel::update(tickets::table.filter(tickets::reference.eq(&sms)))
        .set(tickets::case_kind.eq("deducted_not_credited"))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(found(&agent, "余额不足", "&case_kind=deducted_not_credited").await, vec![sms.clone()]);
    assert!(page.contains("All open <span class=\"count\">(3)</span>"), "{page}");

    // What staff write is searched too, and so is the customer's answer.
    agent.post(&format!("/agent/tickets/{busy}/note"), &[("body", "核对了网关日志：09:31 超时")]).await;
    assert_eq!(found_set(&agent, "网关").await, sorted(&[&busy]));
    agent
        .post(
            &format!("/agent/tickets/{busy}/reply"),
            &[("body", "请切换到4G网络后重试"), ("then", "pending_customer")],
        )
        .await;
    assert_eq!(found_set(&agent, "4g").await, sorted(&[&busy]));

    // A search with nothing to look for finds nothing, and is no error.
    let res = agent.get(&search_path("，。！", "")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(refs_in(&res.text().await.unwrap()).is_empty());
}

#[tokio::test]
async fn tickets_filed_before_word_search_are_indexed_when_the_server_starts() {
    let app = spawn().await;
    let old = file(&app, "交易失败", "电费扣款两次").await;
    // As a ticket filed before the migration: never indexed.
    let mut conn = app.conn();
    let id: String = tickets::table.filter(tickets::reference.eq(&old)).select(tickets::id).first(&mut conn).unwrap();
    paydesk::db::search::store(&mut conn, &id, &Default::default(), 0).unwrap();
    let agent = app.staff("agent").await;
    assert!(found(&agent, "扣款", "").await.is_empty());
    assert_eq!(paydesk::db::search::stale(&mut conn, paydesk::domain::words::VERSION).unwrap(), 1);

    assert_eq!(paydesk::ops::search::index_stale(&mut conn).unwrap(), 1);
    assert_eq!(found(&agent, "扣款", "").await, vec![old]);
    assert_eq!(paydesk::ops::search::index_stale(&mut conn).unwrap(), 0, "nothing twice");
}
