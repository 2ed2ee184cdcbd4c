import { environmentReport, formatEnvironment, selectBackend } from "../backend/index";
import { parseCommandArgs } from "./args";

export const usage = "qkv env [--json]";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: "boolean" } }, usage);
  const report = await environmentReport(await selectBackend());
  console.log(values.json ? JSON.stringify(report, null, 2) : formatEnvironment(report));
  return 0;
}
