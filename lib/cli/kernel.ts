import { JUPYTER_DIR, KERNEL_NAME, installKernelSpec, kernelProblems } from "../notebook/index";
import { UsageError, parseCommandArgs } from "./args";

export const usage = "qkv kernel install|check";

export async function run(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {}, usage, 1);
  const action = positionals[0] ?? "check";
  if (action === "install") {
    const result = installKernelSpec();
    console.log(`kernel ${KERNEL_NAME}: ${result} (${JUPYTER_DIR}; use it with JUPYTER_PATH=${JUPYTER_DIR})`);
    return 0;
  }
  if (action === "check") {
    const problems = kernelProblems();
    console.log(problems.length === 0
      ? `kernel ${KERNEL_NAME}: ready (JUPYTER_PATH=${JUPYTER_DIR})`
      : problems.join("\n"));
    return problems.length === 0 ? 0 : 1;
  }
  throw new UsageError(`unknown action ${JSON.stringify(action)}\nusage: ${usage}`);
}
