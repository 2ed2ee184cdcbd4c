// What a GLUE directory holds for each of the paper's 8 tasks — found, replaced by a substitute, missing or
// malformed — with the rows per split beside the real GLUE sizes, the metric and the loader's notes
// (`qkv glue`, and the testbed notebook).
import { DataError, MissingDataError } from "./errors";
import { GLUE_TASK_NAMES, GLUE_TASKS, GlueTaskName, loadGlueTask } from "./glue";

export interface TaskReport {
  task: GlueTaskName;
  status: "found" | "substitute" | "missing" | "invalid";
  /** The paper's metric; MNLI's is the mean over its two eval sets. */
  metric: string;
  /** Rows loaded per split (absent when the task could not be loaded). */
  rows?: Record<string, number>;
  /** The real GLUE sizes (docs/paper.md §7.1). */
  glueRows: Record<string, number>;
  notes: string[];
  /** Why a missing or invalid task could not be loaded. */
  error?: string;
}

export function surveyGlue(dir: string): TaskReport[] {
  return GLUE_TASK_NAMES.map((task): TaskReport => {
    const spec = GLUE_TASKS[task];
    const glueRows: Record<string, number> = { train: spec.sizes.train };
    spec.evalSets.forEach((e, i) => (glueRows[e.name] = spec.sizes.eval[i]));
    const metric = spec.evalSets.length > 1
      ? `${spec.metric} (mean of ${spec.evalSets.map((e) => e.name).join(" and ")})`
      : spec.metric;
    try {
      const data = loadGlueTask(dir, task, { seed: 0 });
      const rows: Record<string, number> = { train: data.train.length };
      for (const e of data.evalSets) rows[e.name] = e.examples.length;
      if (data.test) rows.test = data.test.length;
      return { task, status: data.substituted ? "substitute" : "found", metric, rows, glueRows, notes: data.notes };
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      return {
        task, status: err instanceof MissingDataError ? "missing" : "invalid", metric, glueRows, notes: [],
        error: err.message,
      };
    }
  });
}

export function formatSurvey(dir: string, reports: TaskReport[]): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [`GLUE directory ${dir}`];
  for (const r of reports) {
    const splits = r.rows
      ? Object.entries(r.rows)
        .map(([name, rows]) => `${name} ${n(rows)}` +
          (r.glueRows[name] !== undefined && r.glueRows[name] !== rows ? ` (GLUE ${n(r.glueRows[name])})` : ""))
        .join(", ")
      : "";
    lines.push(`${r.task.padEnd(6)} ${r.status.padEnd(10)} ${r.metric}${splits ? ` — ${splits}` : ""}`);
    for (const note of r.notes) lines.push(`${" ".repeat(18)}note: ${note}`);
    if (r.error) lines.push(`${" ".repeat(18)}${r.error}`);
  }
  return lines.join("\n");
}
