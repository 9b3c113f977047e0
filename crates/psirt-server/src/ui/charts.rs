//! Charts drawn on the server as SVG (no JavaScript). Labels are XML-escaped here: the
//! templates insert the result unescaped.

use std::fmt::Write;

/// One bar: a label and its value (with the text shown beside it).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// A column of a stacked chart: a label and its stacked parts (series index, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub parts: Vec<(usize, f64)>,
}

const PALETTE: [&str; 8] = [
    "#2f6db5", "#d9822b", "#3a9a5b", "#b53f3f", "#7c5cbf", "#8c6d46", "#c2579f", "#5f6b73",
];

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Horizontal bars, one row each.
pub fn bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let row = 22.0;
    let (label_w, bar_w, text_w) = (170.0, 300.0, 140.0);
    let height = 30.0 + row * bars.len().max(1) as f64;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" id="{}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" viewBox="0 0 {} {height}"><title>{}</title>"#,
        escape(id),
        escape(title),
        label_w + bar_w + text_w,
        label_w + bar_w + text_w,
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<text x="0" y="16" class="chart-title">{}</text>"#,
        escape(title)
    );
    if bars.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="0" y="44" class="chart-empty">No data</text>"#
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = 30.0 + row * i as f64;
        let w = if max > 0.0 {
            b.value / max * bar_w
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" class="chart-label">{}</text><rect class="bar" x="{label_w}" y="{}" width="{w:.1}" height="{}" fill="{}"><title>{}: {}</title></rect><text x="{}" y="{}" class="chart-value">{}</text>"#,
            y + 14.0,
            escape(&b.label),
            y + 3.0,
            row - 6.0,
            PALETTE[0],
            escape(&b.label),
            escape(&b.text),
            label_w + w + 4.0,
            y + 14.0,
            escape(&b.text)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Vertical stacked columns with a legend (`series` names the parts' indices).
pub fn stacked(id: &str, title: &str, series: &[String], columns: &[Column]) -> String {
    let (plot_h, col_w, gap, top) = (160.0, 28.0, 10.0, 30.0);
    let width = (60.0 + (col_w + gap) * columns.len().max(1) as f64).max(420.0);
    let legend_h = 18.0 * series.len() as f64;
    let height = top + plot_h + 40.0 + legend_h;
    let max = columns
        .iter()
        .map(|c| c.parts.iter().map(|p| p.1).sum::<f64>())
        .fold(0.0, f64::max);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" id="{}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{}</title><text x="0" y="16" class="chart-title">{}</text>"#,
        escape(id),
        escape(title),
        escape(title),
        escape(title)
    );
    if columns.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="0" y="44" class="chart-empty">No data</text>"#
        );
    }
    let _ = write!(
        svg,
        r#"<text x="0" y="{}" class="chart-axis">{max}</text>"#,
        top + 10.0
    );
    for (i, c) in columns.iter().enumerate() {
        let x = 40.0 + (col_w + gap) * i as f64;
        let mut y = top + plot_h;
        for &(s, v) in &c.parts {
            let h = if max > 0.0 { v / max * plot_h } else { 0.0 };
            y -= h;
            let name = series.get(s).map_or("", String::as_str);
            let _ = write!(
                svg,
                r#"<rect class="bar" x="{x}" y="{y:.1}" width="{col_w}" height="{h:.1}" fill="{}"><title>{} {}: {v}</title></rect>"#,
                PALETTE[s % PALETTE.len()],
                escape(&c.label),
                escape(name)
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{}" class="chart-label" font-size="9">{}</text>"#,
            top + plot_h + 14.0,
            escape(&c.label)
        );
    }
    for (i, name) in series.iter().enumerate() {
        let y = top + plot_h + 30.0 + 18.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="0" y="{y}" width="12" height="12" fill="{}"/><text x="18" y="{}" class="chart-label">{}</text>"#,
            PALETTE[i % PALETTE.len()],
            y + 10.0,
            escape(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "t",
            "A <title>",
            &[
                Bar {
                    label: "S1 & co".into(),
                    value: 2.0,
                    text: "2".into(),
                },
                Bar {
                    label: "S2".into(),
                    value: 1.0,
                    text: "1".into(),
                },
            ],
        );
        assert!(
            svg.contains(r#"width="300.0""#) && svg.contains(r#"width="150.0""#),
            "{svg}"
        );
        assert!(svg.contains("S1 &amp; co") && svg.contains("A &lt;title&gt;"));
        assert!(!svg.contains("<title>A <title>"));
        assert_eq!(svg.matches(r#"class="bar""#).count(), 2);
    }

    #[test]
    fn stacked_columns_sum_to_the_tallest() {
        let svg = stacked(
            "s",
            "Reports",
            &["web".into(), "email".into()],
            &[
                Column {
                    label: "2026-01".into(),
                    parts: vec![(0, 1.0), (1, 1.0)],
                },
                Column {
                    label: "2026-02".into(),
                    parts: vec![(0, 1.0)],
                },
            ],
        );
        assert_eq!(svg.matches(r#"class="bar""#).count(), 3);
        assert!(svg.contains(r#"height="80.0""#), "{svg}");
        assert!(bars("e", "Empty", &[]).contains("No data"));
    }
}
