//! Admins manage staff accounts: add, edit, deactivate, and set the queues
//! each agent serves.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::Connection;

use super::Chrome;
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::{password, Staff};
use crate::db::audit::{self, Entry};
use crate::db::users::{self, NewUser, PasswordChange, User, UserError, UserUpdate};
use crate::domain::codes::{Queue, Role};
use crate::domain::text::{self, TextError};
use crate::error::{AppError, Refusal};
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub queues: String,
    pub active: bool,
}

/// The values of the add/edit form.
#[derive(Default)]
pub struct UserForm {
    pub email: String,
    pub name: String,
    pub role: String,
    pub queues: Vec<String>,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "staff/users.html")]
struct UsersPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    users: Vec<UserRow>,
    /// Set when editing one user.
    editing: Option<String>,
    form: UserForm,
    problem: String,
    saved: bool,
}

impl UsersPage {
    fn roles(&self) -> Vec<(&'static str, String, bool)> {
        Role::ALL.iter().map(|r| (r.as_str(), self.lang.t(&r.label_key()), self.form.role == r.as_str())).collect()
    }

    fn queue_choices(&self) -> Vec<(&'static str, String, bool)> {
        Queue::ALL
            .iter()
            .map(|q| (q.as_str(), self.lang.t(&q.label_key()), self.form.queues.iter().any(|x| x == q.as_str())))
            .collect()
    }
}

fn rows(lang: Lang, list: Vec<User>) -> Vec<UserRow> {
    list.into_iter()
        .map(|u| UserRow {
            role: lang.t(&u.role.label_key()),
            queues: u.queues().iter().map(|q| lang.t(&q.label_key())).collect::<Vec<_>>().join(", "),
            id: u.id,
            name: u.name,
            email: u.email,
            active: u.active,
        })
        .collect()
}

/// What the page shows besides the list: the form, and how the last save went.
struct FormState {
    editing: Option<String>,
    form: UserForm,
    problem: String,
    saved: bool,
}

async fn render(state: &AppState, chrome: Chrome, f: FormState) -> Result<UsersPage, AppError> {
    let list = state.db(|c| Ok(users::list(c)?)).await?;
    let Chrome { lang, path, me, csrf } = chrome;
    let FormState { editing, form, problem, saved } = f;
    Ok(UsersPage { users: rows(lang, list), lang, path, me, csrf, editing, form, problem, saved })
}

fn chrome(p: PageLang, me: Staff, csrf: CsrfToken) -> Chrome {
    Chrome { lang: p.lang, path: p.path, me, csrf: csrf.0 }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    saved: Option<String>,
}

pub async fn list(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = UserForm { role: "agent".into(), queues: vec!["general".into()], active: true, ..Default::default() };
    let f = FormState { editing: None, form, problem: String::new(), saved: q.saved.is_some() };
    crate::web::html(render(&state, chrome(p, me, csrf), f).await?)
}

pub async fn edit(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let id2 = id.clone();
    let user = state.db(move |c| users::find(c, &id2)?.ok_or(AppError::NotFound)).await?;
    let form = UserForm {
        queues: user.queues().iter().map(|q| q.as_str().to_string()).collect(),
        email: user.email,
        name: user.name,
        role: user.role.as_str().to_string(),
        active: user.active,
    };
    let f = FormState { editing: Some(id), form, problem: String::new(), saved: false };
    crate::web::html(render(&state, chrome(p, me, csrf), f).await?)
}

/// The posted add/edit form, read through [`CsrfForm`] as pairs: `queues`
/// repeats (one per ticked box), which serde_urlencoded cannot read into a
/// `Vec` field, so the pairs are parsed here, strictly.
type Pairs = CsrfForm<Vec<(String, String)>>;

/// The form as typed: what the page shows again when it is refused, and the
/// codes read strictly (an unknown role or queue is a 400, never dropped).
struct Submitted {
    form: UserForm,
    role: Role,
    queues: Vec<Queue>,
    password: String,
}

fn read_form(pairs: &[(String, String)]) -> Result<Submitted, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let text = |k: &str| get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let role = get("role").map(str::trim).and_then(Role::parse).ok_or(AppError::BadRequest("role"))?;
    let queues = pairs
        .iter()
        .filter(|(k, _)| k == "queues")
        .map(|(_, v)| Queue::parse(v).ok_or(AppError::BadRequest("queues")))
        .collect::<Result<Vec<_>, _>>()?;
    let form = UserForm {
        email: text("email"),
        name: text("name"),
        role: role.as_str().to_string(),
        queues: queues.iter().map(|q| q.as_str().to_string()).collect(),
        active: get("active").is_some(),
    };
    Ok(Submitted { form, role, queues, password: get("password").unwrap_or_default().to_string() })
}

/// A staff name as typed, cleaned like customer text: at most 80
/// characters, without control or bidi characters (which could make one
/// name pass for another in the audit log and the assignment menus).
pub fn clean_name(name: &str) -> Result<String, &'static str> {
    match text::clean(name, text::limits::NAME, false) {
        Ok(Some(name)) => Ok(name),
        Ok(None) => Err("users-name-required"),
        Err(TextError::TooLong { .. }) => Err("users-name-long"),
        Err(TextError::BadCharacters) => Err("users-name-bad"),
    }
}

/// What is wrong with an add (`creating`) or edit form, as a message key.
/// An edit may leave the password empty to keep it.
fn problem(form: &UserForm, pw: &str, creating: bool) -> Option<&'static str> {
    if let Err(key) = clean_name(&form.name) {
        Some(key)
    } else if creating && !form.email.contains('@') {
        Some("err-email")
    } else if (creating || !pw.is_empty()) && !password::acceptable(pw) {
        Some("users-password-short")
    } else {
        None
    }
}

pub async fn create(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(pairs): Pairs,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Submitted { form, role, queues, password: pw } = read_form(&pairs)?;
    let problem = problem(&form, &pw, true);
    if let Some(key) = problem {
        let f = FormState { editing: None, form, problem: p.lang.t(key), saved: false };
        return unprocessable(render(&state, chrome(p, me, csrf), f).await?);
    }
    let hash = password::hash(&pw);
    let name = clean_name(&form.name).map_err(|_| AppError::BadRequest("name"))?;
    let (email, actor) = (form.email.clone(), me.id.clone());
    let created = state
        .transact(move |c| {
            let new = NewUser { email: &email, name: &name, role, password_hash: &hash, queues: &queues };
            match users::create(c, new, now()) {
                Ok(u) => {
                    let entry = Entry {
                        actor_id: Some(&actor),
                        action: "user_add",
                        ticket_id: None,
                        before: "",
                        after: &u.email,
                    };
                    audit::record(c, entry, now())?;
                    Ok(true)
                }
                // An error, so the transaction rolls back (on PostgreSQL the
                // failed insert has already spoiled it).
                Err(UserError::EmailTaken) => Err(AppError::Refused(Refusal::EmailTaken)),
                Err(UserError::Db(e)) => Err(e.into()),
            }
        })
        .await
        .or_else(|e| match e {
            AppError::Refused(Refusal::EmailTaken) => Ok(false),
            other => Err(other),
        })?;
    if !created {
        let f = FormState { editing: None, form, problem: p.lang.t("users-email-taken"), saved: false };
        return unprocessable(render(&state, chrome(p, me, csrf), f).await?);
    }
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/users?saved=1")).finish())
}

pub async fn update(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    id: web::Path<String>,
    CsrfForm(pairs): Pairs,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Submitted { form, role, queues, password: pw } = read_form(&pairs)?;
    let problem = problem(&form, &pw, false);
    if let Some(key) = problem {
        let f = FormState { editing: Some(id.into_inner()), form, problem: p.lang.t(key), saved: false };
        return unprocessable(render(&state, chrome(p, me, csrf), f).await?);
    }
    let hash = (!pw.is_empty()).then(|| password::hash(&pw));
    let name = clean_name(&form.name).map_err(|_| AppError::BadRequest("name"))?;
    let (id, actor) = (id.into_inner(), me.id.clone());
    // One transaction: the edit, the password with what it ends, the audit.
    state
        .write(move |c| {
            c.transaction(|c| {
                let before = users::find(c, &id)?.ok_or(AppError::NotFound)?;
                let update = UserUpdate { name: &name, role, queues: &queues, active: form.active };
                users::update(c, &id, update, now())?;
                // A new password ends every session of the account and revokes
                // its API tokens, with its own audit row.
                if let Some(hash) = &hash {
                    users::change_password(c, &id, hash, PasswordChange::Admin { admin_id: &actor }, now())?;
                }
                let describe = |role: &str, queues: &str, active: bool| format!("{role} [{queues}] active={active}");
                let after = describe(role.as_str(), &users::join_queues(&queues), form.active);
                let entry = Entry {
                    actor_id: Some(&actor),
                    action: "user_edit",
                    ticket_id: None,
                    before: &format!(
                        "{} {}",
                        before.email,
                        describe(before.role.as_str(), &before.queues.to_string(), before.active)
                    ),
                    after: &format!("{} {}", before.email, after),
                };
                audit::record(c, entry, now())?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/admin/users?saved=1")).finish())
}

fn unprocessable(page: UsersPage) -> Result<HttpResponse, AppError> {
    crate::web::html_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}
