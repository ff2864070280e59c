//! Chart geometry for server-drawn SVG (the markup is in
//! `templates/staff/chart.html`, escaped by askama). A stacked column chart
//! and a horizontal bar chart are all the dashboard needs; both scale with
//! their `viewBox`, so they fit a phone, and each sits above a table with
//! the same numbers. (plotters would need a font backend to measure text
//! and draws at a fixed pixel size; these few shapes do not need it.)

/// Colour classes in `static/style.css`, one per series.
const PALETTE: usize = 9;

#[derive(Debug, Clone)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub class: String,
    /// Shown on hover: what the shape stands for.
    pub tip: String,
}

#[derive(Debug, Clone)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub rects: Vec<Rect>,
    pub labels: Vec<Label>,
    /// Grid lines: (x1, y1, x2, y2).
    pub lines: Vec<(f64, f64, f64, f64)>,
    /// Series names and their colour class, drawn as an HTML list.
    pub legend: Vec<(String, String)>,
    /// Nothing to draw: the page says so in words instead of an empty box.
    pub empty: bool,
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A round number at or above `max`, for the top of a scale.
pub fn nice_max(max: i64) -> i64 {
    if max <= 5 {
        return 5;
    }
    let magnitude = 10_i64.pow((max as f64).log10().floor() as u32);
    [1, 2, 5, 10].iter().map(|m| m * magnitude).find(|&v| v >= max).unwrap_or(10 * magnitude)
}

/// The value a gridline stands at, `k` halves of `max` up: the middle one
/// of a scale to 5 is 2.5, not 2.
fn gridline_value(max: i64, k: i64) -> String {
    if (max * k) % 2 == 0 {
        (max * k / 2).to_string()
    } else {
        format!("{:.1}", (max * k) as f64 / 2.0)
    }
}

/// Columns along `xs`, each stacked from the series (name, one value per x).
pub fn stacked_columns(title: &str, xs: &[String], series: &[(String, Vec<i64>)]) -> Chart {
    let (width, height) = (640.0, 260.0);
    let (left, right, top, bottom) = (48.0, 8.0, 12.0, 34.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let totals: Vec<i64> =
        (0..xs.len()).map(|i| series.iter().map(|(_, v)| v.get(i).copied().unwrap_or(0)).sum()).collect();
    let max = nice_max(totals.iter().copied().max().unwrap_or(0));
    let slot = plot_w / xs.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(1.0);
    let mut rects = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        let mut y = top + plot_h;
        for (s, (name, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let h = plot_h * v as f64 / max as f64;
            y -= h;
            rects.push(Rect {
                x: round(left + slot * i as f64 + (slot - bar_w) / 2.0),
                y: round(y),
                w: round(bar_w),
                h: round(h),
                class: format!("s{}", s % PALETTE),
                tip: format!("{x} · {name}: {v}"),
            });
        }
    }
    // At most about eight x labels, so they never overlap.
    let every = xs.len().div_ceil(8).max(1);
    let mut labels: Vec<Label> = xs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, x)| Label {
            x: round(left + slot * (i as f64 + 0.5)),
            y: height - 8.0,
            text: x.clone(),
            anchor: "middle",
        })
        .collect();
    let mut lines = Vec::new();
    for k in 0..=2 {
        let y = round(top + plot_h * (1.0 - k as f64 / 2.0));
        lines.push((left, y, width - right, y));
        labels.push(Label { x: left - 6.0, y: y + 6.0, text: gridline_value(max, k), anchor: "end" });
    }
    let legend = series.iter().enumerate().map(|(s, (name, _))| (name.clone(), format!("s{}", s % PALETTE))).collect();
    let empty = totals.iter().all(|t| *t == 0);
    Chart { title: title.into(), width: width as u32, height: height as u32, rects, labels, lines, legend, empty }
}

/// One horizontal bar per row (label, value), longest first as given;
/// `suffix` follows each value (e.g. "%"); `max` fixes the scale (100 for
/// percentages: then 0% is a value to show), else the largest value sets it
/// (and all zeros is nothing to show). Each label is written whole on its
/// own line above its bar, so a long one ("WeChat · Waiting for review")
/// is never cut.
pub fn bars(title: &str, rows: &[(String, i64)], suffix: &str, max: Option<i64>) -> Chart {
    let (width, row_h, left, right) = (640.0, 56.0, 4.0, 96.0);
    let height = (row_h * rows.len().max(1) as f64 + 8.0).round();
    let empty = rows.is_empty() || (max.is_none() && rows.iter().all(|r| r.1 == 0));
    let max = max.unwrap_or_else(|| rows.iter().map(|r| r.1).max().unwrap_or(0)).max(1);
    let plot_w = width - left - right;
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = plot_w * (*v).clamp(0, max) as f64 / max as f64;
        labels.push(Label { x: left, y: round(y + 20.0), text: label.clone(), anchor: "start" });
        rects.push(Rect {
            x: left,
            y: round(y + 28.0),
            w: round(w),
            h: 20.0,
            class: "s0".into(),
            tip: format!("{label}: {v}{suffix}"),
        });
        labels.push(Label {
            x: round(left + w + 6.0),
            y: round(y + 45.0),
            text: format!("{v}{suffix}"),
            anchor: "start",
        });
    }
    Chart {
        title: title.into(),
        width: width as u32,
        height: height as u32,
        rects,
        labels,
        lines: Vec::new(),
        legend: Vec::new(),
        empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_end_on_round_numbers() {
        assert_eq!(nice_max(0), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(48), 50);
        assert_eq!(nice_max(51), 100);
        assert_eq!(nice_max(1000), 1000);
        assert_eq!(nice_max(1001), 2000);
    }

    #[test]
    fn gridlines_say_the_value_they_stand_at() {
        assert_eq!(
            (gridline_value(5, 0), gridline_value(5, 1), gridline_value(5, 2)),
            ("0".into(), "2.5".into(), "5".into())
        );
        assert_eq!(gridline_value(10, 1), "5");
        assert_eq!(gridline_value(1, 1), "0.5");
        let c = stacked_columns("t", &["11-20".to_string()], &[("a".to_string(), vec![3])]);
        assert!(c.labels.iter().any(|l| l.text == "2.5"), "the middle of a scale to 5");
    }

    #[test]
    fn columns_stack_their_series_within_the_plot() {
        let xs = vec!["11-20".to_string(), "11-21".to_string()];
        let series = vec![("a".to_string(), vec![3, 0]), ("b".to_string(), vec![2, 10])];
        let c = stacked_columns("t", &xs, &series);
        // Three non-zero parts; the tallest column (10) reaches the top (max 10).
        assert_eq!(c.rects.len(), 3);
        let top = c.rects.iter().map(|r| r.y).fold(f64::MAX, f64::min);
        assert_eq!(top, 12.0);
        // The first column's parts sit one on the other.
        assert_eq!(round(c.rects[0].y - c.rects[1].h), c.rects[1].y);
        assert!(c.rects[1].tip.contains("11-20 · b: 2"));
        assert_eq!(c.legend.len(), 2);
    }

    #[test]
    fn bars_scale_to_their_maximum_and_keep_long_labels_whole() {
        let long = "一个非常非常非常非常长的城市名字 · 等待审核".to_string();
        let rows = vec![("上海".to_string(), 50), (long.clone(), 25)];
        let c = bars("t", &rows, "%", Some(100));
        assert_eq!(c.rects[0].w, round(540.0 * 0.5));
        assert!(c.labels.iter().any(|l| l.text == long));
        assert!(c.labels.iter().any(|l| l.text == "50%"));
        assert!(!c.empty);
    }

    #[test]
    fn charts_with_nothing_to_draw_say_so() {
        assert!(bars("t", &[], "", None).empty);
        assert!(bars("t", &[("a".into(), 0)], "", None).empty);
        // 0% of tickets answered in time is a number to show.
        assert!(!bars("t", &[("a".into(), 0)], "%", Some(100)).empty);
        let xs = vec!["11-20".to_string()];
        assert!(stacked_columns("t", &xs, &[]).empty);
        assert!(stacked_columns("t", &xs, &[("a".into(), vec![0])]).empty);
        assert!(!stacked_columns("t", &xs, &[("a".into(), vec![1])]).empty);
    }
}
