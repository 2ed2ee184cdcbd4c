// A claim's verdict in a notebook: its per-task comparisons as a table (HTML in a kernel, coloured by verdict), then
// the verdict line (lib/experiments/verdicts computes both).
import { ClaimVerdict, comparisonTable, describeVerdict, Verdict } from "../experiments/index";
import { showTable, TableValue } from "../display/table";

/** How a verdict cell is coloured in a notebook's table. */
const VERDICT_STYLE: Record<Verdict, string> = {
  reproduced: "color:#1a7f37;font-weight:600", contradicted: "color:#cf222e;font-weight:600",
  inconclusive: "color:#9a6700", "no signal": "color:#6e7781", "not testable": "color:#6e7781",
};

/** A claim in a notebook: its per-task comparisons as a table (HTML in a kernel), then its verdict line. */
export function showVerdict(v: ClaimVerdict): void {
  const rows = comparisonTable(v);
  if (rows.length > 0) {
    showTable(rows, {
      cellStyle: (column: string, value: TableValue) =>
        (column === "verdict" ? VERDICT_STYLE[value as Verdict] : undefined),
    });
  }
  console.log(describeVerdict(v));
}
