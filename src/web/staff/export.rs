//! `GET /agent/export.csv`: any queue view, with its filters, as CSV that
//! spreadsheet programs open correctly with Chinese text (UTF-8 with a byte
//! order mark).

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::queue::QueueQuery;
use crate::auth::Staff;
use crate::db::queue::{self, Cursor, Viewer};
use crate::error::AppError;
use crate::web::lang::PageLang;
use crate::web::{china_time, now, AppState};

/// Rows in one export at most; past that, narrow the filters.
const MAX_ROWS: usize = 50_000;
const PAGE: i64 = 1000;

/// Characters that start a formula: ASCII, and the full-width forms some
/// spreadsheet programs (and input methods for Chinese) turn into them.
const FORMULA_START: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];

/// A cell a spreadsheet would run as a formula gets a leading apostrophe:
/// one starting with a formula character, a tab or a carriage return, also
/// after leading spaces (ASCII or ideographic) or a `;` that a program may
/// skip or read as a separator (` =1+1`, `;=cmd|…`).
pub fn safe_cell(value: &str) -> String {
    let start = value.trim_start_matches(|c: char| c == ';' || (c.is_whitespace() && c != '\t' && c != '\r'));
    let risky = value.starts_with(['\t', '\r']) || start.starts_with(FORMULA_START) || start.starts_with(['\t', '\r']);
    if risky {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// UTF-8 CSV with a byte order mark, CRLF line ends, every cell made safe.
pub fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::from("\u{FEFF}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(header).map_err(|e| AppError::Internal(e.to_string()))?;
        for row in rows {
            w.write_record(row.iter().map(|c| safe_cell(c))).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(out)
}

pub fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(body)
}

pub async fn queue_csv(
    p: PageLang,
    me: Staff,
    q: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (view, filter, _) = q.parse()?;
    let (id, queues) = (me.id.clone(), me.queues.clone());
    let rows = state
        .db(move |c| {
            let viewer = Viewer { id: &id, queues: &queues };
            let mut all = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = queue::page(c, &viewer, view, &filter, after.as_ref(), PAGE, now())?;
                let full = page.len() as i64 == PAGE;
                after = page.last().map(|r| Cursor { due_at: r.due_at, id: r.id.clone() });
                all.extend(page);
                if !full || all.len() >= MAX_ROWS {
                    break;
                }
            }
            Ok(all)
        })
        .await?;
    let lang = p.lang;
    let header: Vec<String> = [
        "col-reference",
        "field-status",
        "field-case_kind",
        "field-queue",
        "field-priority",
        "col-city",
        "col-step",
        "ticket-created",
        "col-due",
        "col-assignee",
        "ticket-missing",
    ]
    .iter()
    .map(|k| lang.t(k))
    .collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.reference.clone(),
                super::words::status(lang, r.status),
                r.case_kind.label(lang),
                r.queue.label(lang),
                r.priority.label(lang),
                r.city.clone(),
                r.failing_step.label(lang),
                china_time(r.created_at),
                china_time(r.due_at),
                r.assignee_name.clone().unwrap_or_default(),
                r.missing_facts().iter().map(|f| lang.t(&f.label_key())).collect::<Vec<_>>().join("; "),
            ]
        })
        .collect();
    Ok(csv_response(&format!("paydesk-{}.csv", view.as_str()), csv_bytes(&header, &rows)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_escapes_quotes_commas_newlines_and_formulas() {
        let header = vec!["编号".to_string(), "城市".to_string()];
        let rows = vec![vec!["=HYPERLINK(\"x\")".to_string(), "上海, \"浦东\"\n新区".to_string()]];
        let bytes = csv_bytes(&header, &rows).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte order mark for spreadsheet programs");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "编号,城市\r\n\"'=HYPERLINK(\"\"x\"\")\",\"上海, \"\"浦东\"\"\n新区\"\r\n");
        assert_eq!(safe_cell("-5"), "'-5");
        assert_eq!(safe_cell("PD-7KM3QX"), "PD-7KM3QX");
    }

    #[test]
    fn full_width_and_hidden_formula_starts_are_neutralised() {
        for risky in [
            "＝1+1",
            "＋86 400",
            "－5",
            "＠SUM(A1)",
            " =1+1",
            "\u{3000}=1",
            ";=cmd|' /C calc'!A0",
            "\tx",
            "\rx",
            "\n=1",
        ] {
            assert_eq!(safe_cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["上海", "PD-7KM3QX", "a=b", "北京 ＝ 上海", " 上海"] {
            assert_eq!(safe_cell(plain), plain, "{plain:?}");
        }
    }
}
