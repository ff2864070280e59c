//! Satisfaction for supervisors: the follow-up list of bad ratings
//! (`/supervisor/ratings`, "mark followed up", audited) and the dashboard's
//! satisfaction section (share of good ratings by kind, queue and agent).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;

use super::dashboard::{Section, Table};
use super::On;
use crate::auth::csrf::{CsrfForm, CsrfToken, NoFields};
use crate::auth::Staff;
use crate::db::ratings::{self, Bad, By, Tally};
use crate::db::stats::Range;
use crate::db::DbConn;
use crate::domain::china;
use crate::domain::codes::{CaseKind, Queue, Role};
use crate::domain::satisfaction::percent_good;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::Actor;
use crate::web::charts;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

/// The longest list one page shows (oldest first: they waited longest).
const LIST: i64 = 200;

pub struct BadView {
    pub id: String,
    pub reference: String,
    pub when: String,
    pub kind: String,
    pub queue: String,
    pub agent: String,
    pub reason: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "staff/ratings.html")]
struct RatingsPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    bad: Vec<BadView>,
    done: bool,
}

fn view(lang: Lang, b: Bad) -> BadView {
    BadView {
        when: crate::present::china_time(b.created_at),
        kind: CaseKind::label_of(&b.case_kind, lang),
        queue: Queue::label_of(&b.queue, lang),
        agent: b.agent.unwrap_or_else(|| lang.t("rate-nobody")),
        reason: if b.reason.is_empty() { String::new() } else { lang.t(&format!("rate-reason-{}", b.reason)) },
        comment: b.comment,
        reference: b.reference,
        id: b.id,
    }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    done: Option<String>,
}

/// `GET /supervisor/ratings`: bad ratings not followed up yet.
pub async fn list(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = state.db(|c| Ok(ratings::to_follow_up(c, LIST)?)).await?;
    let lang = p.lang;
    crate::web::html(RatingsPage {
        bad: rows.into_iter().map(|b| view(lang, b)).collect(),
        lang,
        path: p.path,
        me,
        csrf: csrf.0,
        done: q.done.is_some(),
    })
}

/// `POST /supervisor/ratings/{id}/follow-up`: marks one followed up.
pub async fn follow_up(on: On, CsrfForm(_): CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    let id = on.key.into_inner();
    let (me_id, me_name) = (on.me.id.clone(), on.me.name.clone());
    on.state
        .write(move |c| {
            let actor = Actor { id: &me_id, name: &me_name };
            crate::ops::satisfaction::follow_up(c, &id, &actor, now())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/supervisor/ratings?done=1")).finish())
}

/// The dashboard's ratings in its range (China days) and queue, by kind,
/// queue and agent.
pub fn tallies(c: &mut DbConn, r: &Range) -> Result<[Vec<Tally>; 3], AppError> {
    let (from, to) = (china::start_of(r.from), china::start_of(r.to + Duration::days(1)));
    Ok([
        ratings::tally(c, from, to, r.queue, By::Kind)?,
        ratings::tally(c, from, to, r.queue, By::Queue)?,
        ratings::tally(c, from, to, r.queue, By::Agent)?,
    ])
}

/// The dashboard's satisfaction section: a chart of the share of good
/// ratings for each grouping, and one table (its CSV) with the counts.
pub fn section(lang: Lang, t: &[Vec<Tally>; 3]) -> Section {
    let name = |by: By, v: &str| match by {
        By::Kind => CaseKind::label_of(v, lang),
        By::Queue => Queue::label_of(v, lang),
        By::Agent if v.is_empty() => lang.t("rate-nobody"),
        By::Agent => v.to_string(),
    };
    let groups = [(By::Kind, "dash-sat-by-kind"), (By::Queue, "dash-sat-by-queue"), (By::Agent, "dash-sat-by-agent")];
    let mut charts_out = Vec::new();
    let mut rows = Vec::new();
    for ((by, key), tallies) in groups.iter().zip(t.iter()) {
        // A share says nothing without its count: "0%" of one rating is
        // not "0%" of fifty.
        let label = |x: &Tally| {
            let of = lang.t_args("dash-sat-of", &[("good", x.good.to_string()), ("total", x.total.to_string())]);
            format!("{} · {of}", name(*by, &x.value))
        };
        let bars: Vec<(String, i64)> =
            tallies.iter().filter_map(|x| percent_good(x.good, x.total).map(|p| (label(x), p))).collect();
        charts_out.push(charts::bars(&lang.t(key), &bars, "%", Some(100)));
        for x in tallies {
            rows.push(vec![
                lang.t(key),
                name(*by, &x.value),
                x.good.to_string(),
                x.total.to_string(),
                percent_good(x.good, x.total).map(|p| format!("{p}%")).unwrap_or_else(|| "—".into()),
            ]);
        }
    }
    let title = lang.t("dash-satisfaction");
    Section {
        key: "satisfaction",
        empty: lang.t("dash-sat-empty"),
        charts: charts_out,
        table: Table {
            header: ["dash-sat-group", "dash-sat-value", "dash-sat-good", "dash-sat-count", "dash-sat-share"]
                .iter()
                .map(|k| lang.t(k))
                .collect(),
            rows,
        },
        title,
    }
}
