//! The page's SVG charts, drawn with plotters' SVG backend: a line chart of time against
//! inventory size and a horizontal bar chart for the single-size figures.

use std::path::Path;

use plotters::prelude::*;

/// The colours of the series, in order (colour-blind safe, after Okabe and Ito).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

/// One named series of (x, y) points.
#[derive(Clone, Debug)]
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) points: Vec<(f64, f64)>,
}

fn draw_error(e: impl std::fmt::Display) -> String {
    format!("drawing the chart failed: {e}")
}

/// A line chart with logarithmic axes (VMs against seconds), one line per series.
pub(crate) fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), String> {
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if x_min > x_max || x_min <= 0.0 || y_min <= 0.0 {
        return Err(format!("no positive points to draw for {title}"));
    }
    let root = SVGBackend::new(path, (760, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (x_min * 0.8..x_max * 1.25).log_scale(),
            (y_min * 0.7..y_max * 1.5).log_scale(),
        )
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.2}"))
        .draw()
        .map_err(draw_error)?;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(draw_error)?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
            )
            .map_err(draw_error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(draw_error)?;
    root.present().map_err(draw_error)
}

/// A horizontal bar chart: one labelled bar per item, its value written beside it.
pub(crate) fn bar_chart(
    path: &Path,
    title: &str,
    value_label: &str,
    items: &[(String, f64)],
) -> Result<(), String> {
    let max = items.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    if items.is_empty() || max <= 0.0 {
        return Err(format!("no positive values to draw for {title}"));
    }
    let height = 90 + 34 * u32::try_from(items.len()).unwrap_or(20);
    let root = SVGBackend::new(path, (760, height)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_error)?;
    let rows = items.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(230)
        .build_cartesian_2d(0.0..max * 1.3, 0.0..rows as f64)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(value_label)
        .x_label_formatter(&|x| format_value(*x))
        .y_labels(rows * 2 + 1)
        .y_label_formatter(&|y| {
            // Labels sit at the middle of each bar (k + 0.5), counted from the top.
            let k = *y - 0.5;
            if (k - k.round()).abs() < 1e-6 && k >= 0.0 && (k as usize) < rows {
                items[rows - 1 - k as usize].0.clone()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(draw_error)?;
    for (i, (_, value)) in items.iter().enumerate() {
        let color = PALETTE[(i + 1) % PALETTE.len()];
        let top = (rows - i) as f64 - 0.15;
        let bottom = (rows - 1 - i) as f64 + 0.15;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, bottom), (*value, top)],
                color.filled(),
            )))
            .map_err(draw_error)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format_value(*value),
                (*value + max * 0.01, (bottom + top) / 2.0 + 0.12),
                ("sans-serif", 13),
            )))
            .map_err(draw_error)?;
    }
    root.present().map_err(draw_error)
}

/// A value with three significant digits, as the tables print it.
pub(crate) fn format_value(value: f64) -> String {
    if value >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_files_with_their_labels() {
        let dir = std::env::temp_dir().join(format!("esx-bench-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let line = dir.join("line.svg");
        line_chart(
            &line,
            "t",
            "VMs",
            "s",
            &[Series {
                name: "esx-vi".into(),
                points: vec![(100.0, 0.02), (10_000.0, 0.3)],
            }],
        )
        .unwrap();
        let svg = std::fs::read_to_string(&line).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("esx-vi"));
        let bars = dir.join("bars.svg");
        bar_chart(
            &bars,
            "b",
            "MiB",
            &[("peer one".into(), 12.5), ("two".into(), 3.0)],
        )
        .unwrap();
        let svg = std::fs::read_to_string(&bars).unwrap();
        assert!(svg.contains("peer one") && svg.contains("12.5"), "{svg}");
        assert!(bar_chart(&bars, "b", "MiB", &[]).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn values_keep_three_significant_digits() {
        assert_eq!(format_value(1234.6), "1235");
        assert_eq!(format_value(12.345), "12.3");
        assert_eq!(format_value(0.1234), "0.123");
        assert_eq!(format_value(8.0), "8");
    }
}
