// `qkv glue`: what a GLUE directory holds for each of the paper's 8 tasks — found, replaced by a substitute,
// missing or malformed — with the rows per split beside the real GLUE sizes, the metric and the loader's notes.
import { glueDir, requireGlueDir } from "../data/glue";
import { formatSurvey, surveyGlue } from "../data/survey";
import { asUsageError, parseCommandArgs } from "./args";

export const usage = "qkv glue [--dir DIR] [--json]   (DIR defaults to $GLUE_DIR; data/tasks holds the built-in tasks)";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { dir: { type: "string" }, json: { type: "boolean" } }, usage);
  // An unset or wrong directory is the user's to fix: exit 2, like any bad option.
  const dir = asUsageError(() => (values.dir === undefined ? glueDir() : requireGlueDir(values.dir, "--dir")));
  const reports = surveyGlue(dir);
  if (values.json) console.log(JSON.stringify({ dir, tasks: reports }, null, 2));
  else console.log(formatSurvey(dir, reports));
  // Usable means every task loads, directly or through a substitute.
  return reports.every((r) => r.status === "found" || r.status === "substitute") ? 0 : 1;
}
