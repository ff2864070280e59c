//! Which language a page is shown in: the `lang` query parameter, then the
//! remembered choice (cookie), then the browser's `Accept-Language`, then
//! Chinese.

use std::future::{ready, Ready};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::i18n::Lang;

pub const COOKIE: &str = "paydesk_lang";

/// The language of the page being answered, and the path it was asked for
/// with its query (for the switch link: `/tickets/new?symptom=…` comes back
/// as itself, without a `lang` parameter that would override the switch).
#[derive(Debug, Clone)]
pub struct PageLang {
    pub lang: Lang,
    pub path: String,
}

/// The request's path and query, less any `lang` parameter.
fn path_without_lang(req: &HttpRequest) -> String {
    let kept: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "lang" && !pair.starts_with("lang="))
        .collect();
    if kept.is_empty() {
        req.path().to_string()
    } else {
        format!("{}?{}", req.path(), kept.join("&"))
    }
}

/// The cookie that remembers a chosen language for a year.
pub fn cookie(lang: Lang) -> Cookie<'static> {
    Cookie::build(COOKIE, lang.code())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}

pub fn negotiate(req: &HttpRequest) -> Lang {
    let from_query = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.as_deref().and_then(Lang::parse));
    from_query
        .or_else(|| req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

impl FromRequest for PageLang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageLang { lang: negotiate(req), path: path_without_lang(req) }))
    }
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path`: remembers the choice and goes back.
pub async fn switch(code: web::Path<String>, query: web::Query<SwitchQuery>) -> HttpResponse {
    let lang = Lang::parse(&code).unwrap_or_default();
    // Only paths on this site: never an open redirect.
    let next = super::redirect::local_target(query.next.as_deref(), "/");
    HttpResponse::SeeOther().insert_header((header::LOCATION, next)).cookie(cookie(lang)).finish()
}
