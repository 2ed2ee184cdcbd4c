// Runs independent sweep tasks on every core. Each task (one training run or a few sharing their data) is
// a plain object handled by a function of tasks.ts, so the same code runs in-process (workers: 0) or on
// lib/workers' process pool (the one the grid runner uses).
import * as os from "os";
import * as path from "path";
import { runPool } from "../workers/index";
import { DynamicsError } from "./errors";
import { runTask, TaskKind, TaskInput, TaskOutput } from "./tasks";

export interface PoolOptions {
  /** Worker processes (default: one per core, at most one per task); 0 runs everything in this process. */
  workers?: number;
  /** Called as each task finishes (in completion order), e.g. to tick a progress bar. */
  onDone?: (index: number, done: number, total: number) => void;
}

/** What a sweep worker (./worker) is sent and answers. */
export type SweepRequest = { index: number; kind: TaskKind; task: unknown };
export type SweepAnswer = { index: number; result?: unknown; error?: string };

/** Runs the tasks and returns their results in task order. */
export async function runTasks<K extends TaskKind>(
  kind: K, tasks: TaskInput<K>[], opts: PoolOptions = {},
): Promise<TaskOutput<K>[]> {
  const requested = opts.workers ?? os.cpus().length;
  if (!Number.isInteger(requested) || requested < 0) {
    throw new DynamicsError(`workers must be an integer ≥ 0, got ${JSON.stringify(requested)}`);
  }
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
  let next = 0;
  await runPool<number, SweepAnswer>({
    entry: path.join(__dirname, "worker.ts"), count: Math.min(requested, tasks.length), name: `${kind} worker`,
    take: () => (next < tasks.length ? next++ : undefined),
    request: (index): SweepRequest => ({ index, kind, task: tasks[index] }),
    onAnswer: (index, answer) => {
      if (answer.error !== undefined) throw new DynamicsError(`${kind} task ${index} failed: ${answer.error}`);
      results[index] = answer.result as TaskOutput<K>;
      done++;
      opts.onDone?.(index, done, tasks.length);
    },
    // A worker that ends on its own (killed, out of memory) fails the sweep, never leaves it waiting.
    onLost: (index, why) => {
      throw new DynamicsError(`a ${kind} worker (${why}) ended with task ${index} unfinished`);
    },
  });
  return results;
}
