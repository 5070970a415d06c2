//! The plot of the table: for each kernel's buggy variant, one bar per
//! tool, its length the median schedules to the first failure on a log
//! scale; a tool that missed, or cannot run the kernel, gets no bar. An SVG
//! written by hand: bars and labels at fixed places need no plotting
//! library, whose text layout would want the system's fonts.

use std::fmt::Write;

use crate::Variant;
use crate::table::{Row, Settings};
use crate::tools::Tool;

/// Pixels: the kernel labels' column, the bars' span, one bar's height,
/// the gap between kernels, the margins.
const LABELS: f64 = 190.0;
const SPAN: f64 = 560.0;
const BAR: f64 = 5.0;
const GAP: f64 = 10.0;
const MARGIN: f64 = 20.0;
const LEGEND: f64 = 170.0;

/// One colour per tool, in [`Tool::ALL`]'s order: the harness's in
/// blues and greens, bare shuttle's in oranges, bare loom's in red.
const COLOURS: [&str; Tool::ALL.len()] = [
    "#1f4e79", "#2e75b6", "#5b9bd5", "#9dc3e6", "#2d7d46", "#70ad47", "#c55a11", "#ed7d31",
    "#f4b183", "#c00000",
];

/// The SVG of `rows`' buggy variants.
pub fn svg(rows: &[Row], settings: Settings) -> String {
    let buggy: Vec<&Row> = rows
        .iter()
        .filter(|row| row.variant == Variant::Buggy)
        .collect();
    let group = Tool::ALL.len() as f64 * BAR + GAP;
    let (width, height) = (
        LABELS + SPAN + LEGEND + 2.0 * MARGIN,
        2.0 * MARGIN + 40.0 + buggy.len() as f64 * group,
    );
    let decades = (settings.budget.max(10) as f64).log10().ceil();
    let x = |schedules: u64| LABELS + MARGIN + SPAN * (schedules.max(1) as f64).log10() / decades;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{MARGIN}\" y=\"{MARGIN}\" font-size=\"13\">Median schedules to the first \
         failure (log scale; no bar: missed in half the searches or more, or cannot run)</text>\n"
    );
    let top = MARGIN + 30.0;
    for decade in 0..=decades as u32 {
        let at = x(10_u64.pow(decade));
        let _ = writeln!(
            svg,
            "<line x1=\"{at}\" y1=\"{top}\" x2=\"{at}\" y2=\"{}\" stroke=\"#ddd\"/>\
             <text x=\"{at}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            height - MARGIN,
            top - 4.0,
            10_u64.pow(decade)
        );
    }
    for (index, row) in buggy.iter().enumerate() {
        let y = top + index as f64 * group;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABELS + MARGIN - 8.0,
            y + group / 2.0,
            row.kernel.name
        );
        for (slot, cell) in row.cells.iter().enumerate() {
            if let Some(schedules) = cell.median_schedules() {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{}\" y=\"{}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\"/>",
                    LABELS + MARGIN,
                    y + slot as f64 * BAR,
                    (x(schedules) - LABELS - MARGIN).max(4.0),
                    COLOURS[slot]
                );
            }
        }
    }
    for (slot, tool) in Tool::ALL.iter().enumerate() {
        let (lx, ly) = (LABELS + SPAN + 2.0 * MARGIN, top + slot as f64 * 16.0);
        let _ = writeln!(
            svg,
            "<rect x=\"{lx}\" y=\"{ly}\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{tool}</text>",
            COLOURS[slot],
            lx + 14.0,
            ly + 9.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_colour_of_its_own() {
        let distinct: std::collections::BTreeSet<_> = COLOURS.iter().collect();
        assert_eq!(distinct.len(), Tool::ALL.len());
    }
}
