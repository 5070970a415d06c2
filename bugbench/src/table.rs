//! The benchmark's table: every kernel's variants under every tool with
//! one budget, and its rendering as Markdown.

use std::time::Duration;

use crate::tools::{Search, Tool};
use crate::{Kernel, Variant};

/// How much every cell gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Seeds per seeded tool (the systematic ones run once).
    pub seeds: u64,
    /// Schedules per search, the same for every tool.
    pub budget: usize,
}

impl Settings {
    /// What the published table uses.
    pub const PUBLISHED: Settings = Settings {
        seeds: 50,
        budget: 1_000,
    };
}

/// One tool on one kernel's variant: each search it ran.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The tool.
    pub tool: Tool,
    /// One search per seed, or one for a systematic tool; none if the
    /// tool cannot run the kernel.
    pub searches: Vec<Search>,
}

impl Cell {
    /// Searches that found a failure.
    pub fn found(&self) -> usize {
        self.searches.iter().filter(|s| s.found.is_some()).count()
    }

    /// The median schedules to the first failure, a miss counting as
    /// more than any; `None` if half the searches or more missed.
    pub fn median_schedules(&self) -> Option<u64> {
        self.median(|search| search.schedules)
    }

    /// The median wall time to the first failure, as [`Cell::median_schedules`].
    pub fn median_wall(&self) -> Option<Duration> {
        self.median(|search| search.wall)
    }

    fn median<T: Ord + Copy>(&self, of: impl Fn(&Search) -> T) -> Option<T> {
        let mut found: Vec<T> = self
            .searches
            .iter()
            .filter(|search| search.found.is_some())
            .map(of)
            .collect();
        found.sort();
        // The median of all searches, misses sorted last.
        found.get(self.searches.len() / 2).copied()
    }
}

/// One kernel's variant under every tool.
#[derive(Clone, Debug)]
pub struct Row {
    /// The kernel.
    pub kernel: Kernel,
    /// Its variant.
    pub variant: Variant,
    /// One cell per tool, in [`Tool::ALL`]'s order.
    pub cells: Vec<Cell>,
}

/// Runs every kernel's variants under every tool; `progress` hears each
/// cell as it starts.
pub fn measure(
    kernels: &[Kernel],
    settings: Settings,
    mut progress: impl FnMut(&Kernel, Variant, Tool),
) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for kernel in kernels {
        for variant in Variant::ALL {
            let mut cells = Vec::new();
            for tool in Tool::ALL {
                progress(kernel, variant, tool);
                let runs = match (tool.can_run(kernel), tool.is_seeded()) {
                    (false, _) => 0,
                    (true, true) => settings.seeds,
                    (true, false) => 1,
                };
                let searches = (0..runs)
                    .map(|seed| tool.search(kernel, variant, settings.budget, seed))
                    .collect::<Result<_, _>>()?;
                cells.push(Cell { tool, searches });
            }
            rows.push(Row {
                kernel: *kernel,
                variant,
                cells,
            });
        }
    }
    Ok(rows)
}

/// The tables in Markdown: the buggy variants, each cell what was found
/// and how fast; then the fixed variants, each cell clean or its false
/// alarms; then each kernel's source.
pub fn render(rows: &[Row], settings: Settings) -> String {
    let header = |title: &str| {
        let tools: Vec<String> = Tool::ALL.iter().map(Tool::to_string).collect();
        format!(
            "| {title} | {} |\n|---|{}\n",
            tools.join(" | "),
            "---:|".repeat(tools.len())
        )
    };
    let mut text = format!(
        "Budget: {} schedules per search; {} seeds for each seeded tool, one search for each \
         systematic one (DFS, loom). n/a: loom runs at most {} threads besides the main one.\n\n",
        settings.budget,
        settings.seeds,
        crate::tools::LOOM_SPAWNED_THREADS
    );
    text.push_str("Buggy variants: searches that found the bug, then the median schedules and wall time to the first failure (— where half the searches or more missed).\n\n");
    text.push_str(&header("kernel (buggy)"));
    text.push_str(&variant_rows(rows, Variant::Buggy, found_cell));
    text.push_str("\nFixed variants: false alarms (searches that failed on the fixed code), which must be none.\n\n");
    text.push_str(&header("kernel (fixed)"));
    text.push_str(&variant_rows(rows, Variant::Fixed, alarm_cell));
    text.push_str("\n| kernel | class | oracle | source |\n|---|---|---|---|\n");
    for row in rows.iter().filter(|row| row.variant == Variant::Buggy) {
        let kernel = &row.kernel;
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            kernel.name,
            kernel.class.name(),
            kernel.oracle,
            kernel.source
        ));
    }
    text
}

/// The table lines of `rows`' `variant`, each cell as `cell` renders it.
fn variant_rows(rows: &[Row], variant: Variant, cell: fn(&Cell) -> String) -> String {
    rows.iter()
        .filter(|row| row.variant == variant)
        .map(|row| {
            let cells: Vec<String> = row.cells.iter().map(cell).collect();
            format!("| {} | {} |\n", row.kernel.name, cells.join(" | "))
        })
        .collect()
}

/// What a cell of a tool that cannot run the kernel says.
const CANNOT_RUN: &str = "n/a";

fn found_cell(cell: &Cell) -> String {
    if cell.searches.is_empty() {
        return CANNOT_RUN.to_owned();
    }
    let found = format!("{}/{}", cell.found(), cell.searches.len());
    match (cell.median_schedules(), cell.median_wall()) {
        (Some(schedules), Some(wall)) => {
            format!("{found} · {schedules} · {:.1} ms", wall.as_secs_f64() * 1e3)
        }
        _ => format!("{found} · —"),
    }
}

fn alarm_cell(cell: &Cell) -> String {
    if cell.searches.is_empty() {
        return CANNOT_RUN.to_owned();
    }
    match cell.found() {
        0 => "clean".to_owned(),
        alarms => format!("**{alarms}/{} false alarms**", cell.searches.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(schedules: u64, found: bool) -> Search {
        Search {
            schedules,
            found: found.then(|| "broke".to_owned()),
            wall: Duration::from_millis(schedules),
        }
    }

    fn cell(searches: Vec<Search>) -> Cell {
        Cell {
            tool: Tool::ShuttleRandom,
            searches,
        }
    }

    #[test]
    fn the_median_counts_a_miss_as_more_than_any_find() {
        let three_finds = cell(vec![
            search(9, true),
            search(1000, false),
            search(3, true),
            search(5, true),
        ]);
        assert_eq!(three_finds.median_schedules(), Some(9));
    }

    #[test]
    fn there_is_no_median_when_half_the_searches_missed() {
        let half = cell(vec![search(2, true), search(1000, false)]);
        assert_eq!(half.median_schedules(), None);
        assert_eq!(found_cell(&half), "1/2 · —");
    }

    #[test]
    fn a_fixed_variant_that_fails_is_a_false_alarm() {
        assert_eq!(alarm_cell(&cell(vec![search(10, false)])), "clean");
        assert_eq!(
            alarm_cell(&cell(vec![search(1, true), search(10, false)])),
            "**1/2 false alarms**"
        );
    }
}
