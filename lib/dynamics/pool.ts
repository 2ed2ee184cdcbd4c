// Runs independent sweep tasks on every core. Each task (one training run or a few sharing their data) is
// a plain JSON-able object handled by a function of tasks.ts, so the same code runs in-process (workers: 0)
// or in worker threads. The threads load the TypeScript sources through tsx's CommonJS hook themselves,
// so this works from the CLI and the tests (run by tsx) and inside the tslab kernel (which compiles lib
// itself and has no tsx hook to inherit).
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { REPO_ROOT } from "../paths";
import { DynamicsError } from "./errors";
import { runTask, TaskKind, TaskInput, TaskOutput } from "./tasks";

export interface PoolOptions {
  /** Worker threads (default: one per core, at most one per task); 0 runs everything in this thread. */
  workers?: number;
  /** Called as each task finishes (in completion order), e.g. to tick a progress bar. */
  onDone?: (index: number, done: number, total: number) => void;
}

const BOOTSTRAP = `
const { workerData } = require("worker_threads");
require(workerData.loader);
require(workerData.entry);
`;

/** Runs the tasks and returns their results in task order. */
export async function runTasks<K extends TaskKind>(kind: K, tasks: TaskInput<K>[], opts: PoolOptions = {}): Promise<TaskOutput<K>[]> {
  const requested = opts.workers ?? os.cpus().length;
  if (!Number.isInteger(requested) || requested < 0) throw new DynamicsError(`workers must be an integer ≥ 0, got ${JSON.stringify(requested)}`);
  const results: TaskOutput<K>[] = new Array(tasks.length);
  let done = 0;
  if (requested === 0 || tasks.length === 0) {
    tasks.forEach((task, i) => {
      results[i] = runTask(kind, task);
      done++;
      opts.onDone?.(i, done, tasks.length);
    });
    return results;
  }
  const loader = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cjs", "index.cjs");
  const entry = path.join(__dirname, "worker.ts");
  const count = Math.min(requested, tasks.length);
  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const feed = (worker: Worker) => {
        if (next >= tasks.length) return;
        const index = next++;
        worker.postMessage({ index: index, kind: kind, task: tasks[index] });
      };
      for (let w = 0; w < count; w++) {
        // execArgv: [] keeps the parent's `--import tsx` out of the threads: the CommonJS hook the bootstrap
        // requires is all they need, and an ESM loader thread per worker only adds start-up time.
        const worker = new Worker(BOOTSTRAP, { eval: true, execArgv: [], workerData: { loader: loader, entry: entry } });
        workers.push(worker);
        worker.on("message", (msg: { index: number; result?: TaskOutput<K>; error?: string }) => {
          if (failed) return;
          if (msg.error !== undefined) {
            failed = true;
            reject(new DynamicsError(`${kind} task ${msg.index} failed: ${msg.error}`));
            return;
          }
          results[msg.index] = msg.result as TaskOutput<K>;
          // Counted outside the optional call: `onDone?.(…, ++done)` skips the increment when onDone is unset.
          done++;
          opts.onDone?.(msg.index, done, tasks.length);
          if (done === tasks.length) resolve();
          else feed(worker);
        });
        worker.on("error", (e) => {
          if (!failed) reject(e);
          failed = true;
        });
        // A thread that ends on its own (killed, out of memory) must fail the run, never leave it waiting.
        worker.on("exit", (code) => {
          if (!failed && done < tasks.length) reject(new DynamicsError(`a ${kind} worker thread exited (code ${code}) with ${tasks.length - done} task(s) unfinished`));
          failed = true;
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
