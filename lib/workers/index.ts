// One pool of worker processes for every parallel computation in lib/ (grid runs, Theorem 2's sweeps): each worker
// is a forked Node process running a TypeScript entry module through tsx's CommonJS hook (so it works from the
// CLI, the tests and inside the tslab kernel, which has no hook to inherit), announces itself ready, computes the
// jobs it is sent one at a time and answers each. Ctrl-C (or a Jupyter interrupt, which signals the whole process
// group) stops the pool with PoolInterrupted; a worker that dies otherwise reports its job as lost and is replaced.
// The worker side is serveJobs.
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../paths";

/** The pool stopped by SIGINT or SIGTERM (what was done is kept by the caller; a rerun resumes). */
export class PoolInterrupted extends Error {
  override name = "PoolInterrupted";
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** What a worker sends: ready once set up, fatal when it cannot be, and each job's answer. */
type WorkerMessage<R> = { type: "ready" } | { type: "fatal"; error: string } | { type: "answer"; answer: R };

export interface PoolOptions<J, R> {
  /** The worker's entry module (a .ts file that calls serveJobs). */
  entry: string;
  /** Worker processes to start (at least 1). */
  count: number;
  env?: NodeJS.ProcessEnv;
  /** Who the workers are, for messages ("grid worker"). */
  name: string;
  /**
   * The next job for a free worker: a job, "wait" when jobs remain that cannot be taken yet (asked again shortly),
   * or undefined when there are none left.
   */
  take: () => J | "wait" | undefined;
  /** The message that asks a worker to compute `job`. */
  request: (job: J) => unknown;
  /** A worker's answer to `job`. Throwing stops the pool with that error. */
  onAnswer: (job: J, answer: R) => void;
  /** A worker died while computing `job` (`why`: its exit code or signal); the pool starts another if work remains. */
  onLost: (job: J, why: string) => void;
  /** Called once the pool has stopped, however it stopped (release what the jobs held). */
  onStop?: () => void;
}

const TSX_LOADER = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cjs", "index.cjs");
/** How often a free worker asks again when take() said "wait". */
const WAIT_MS = 250;

/** Runs the pool until take() has no job left and every worker is idle; rejects on the first error or a signal. */
export function runPool<J, R>(options: PoolOptions<J, R>): Promise<void> {
  if (!fs.existsSync(TSX_LOADER)) {
    throw new Error(`${TSX_LOADER} is missing: run \`npm run setup\` in ${REPO_ROOT} first`);
  }
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new Error(`${options.name}s: count must be a positive integer, got ${options.count}`);
  }
  const children = new Set<ChildProcess>();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      for (const child of children) child.kill("SIGTERM");
      options.onStop?.();
      if (err) reject(err);
      else resolve();
    };
    const onSignal = (signal: NodeJS.Signals): void => finish(new PoolInterrupted(signal));
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const guarded = (f: () => void): void => {
      try {
        f();
      } catch (err) {
        finish(err as Error);
      }
    };

    const start = (): void => {
      // "advanced" serialization keeps NaN, ±Infinity and typed arrays (JSON would turn a diverged NaN into null).
      const child = fork(options.entry, [], {
        execArgv: ["--require", TSX_LOADER], env: options.env ?? process.env, serialization: "advanced",
      });
      children.add(child);
      let job: J | undefined;
      let ready = false;
      const next = (): void => {
        if (settled) return;
        const taken = options.take();
        job = taken === "wait" ? undefined : taken;
        if (job !== undefined) child.send(options.request(job) as object);
        else if (taken === "wait") setTimeout(() => guarded(next), WAIT_MS);
        else {
          children.delete(child);
          child.disconnect();
          if (children.size === 0) finish();
        }
      };
      child.on("message", (message: WorkerMessage<R>) =>
        guarded(() => {
          if (message.type === "ready") {
            ready = true;
            next();
          } else if (message.type === "fatal") finish(new Error(`${options.name} could not start: ${message.error}`));
          else {
            const done = job!;
            job = undefined;
            options.onAnswer(done, message.answer);
            next();
          }
        }));
      child.on("error", (err) => finish(new Error(`${options.name}: ${err.message}`)));
      child.on("exit", (code, signal) =>
        guarded(() => {
          if (settled || !children.has(child)) return;
          children.delete(child);
          if (signal === "SIGINT" || signal === "SIGTERM") return finish(new PoolInterrupted(signal));
          const why = signal
            ? `killed by ${signal}${signal === "SIGKILL" ? ", out of memory?" : ""}`
            : `exit code ${code}`;
          if (!ready) return finish(new Error(`${options.name} exited before it was ready (${why})`));
          if (job !== undefined) options.onLost(job, why);
          // A replacement: its first take() says whether work remains (if not, it leaves and the pool ends).
          start();
        }));
    };
    for (let i = 0; i < options.count; i++) start();
  });
}

/**
 * The worker side: runs `prepare` once (picking a backend, say), then answers each request with `handle`. It
 * exits when its parent disconnects — a pool that finished, or a parent that died; a job in progress finishes
 * first (handle is synchronous), and a parent killed with -9 is noticed as EPIPE and left quietly.
 */
export function serveJobs<Q, R>(
  handle: (request: Q) => R, prepare: () => Promise<unknown> = async () => undefined,
): void {
  const parentGone = (): never => process.exit(0);
  const send = (message: WorkerMessage<R>, then?: () => void): void => {
    if (!process.connected) return then ? then() : undefined;
    try {
      process.send!(message, (err: Error | null) => (err ? parentGone() : then?.()));
    } catch {
      parentGone();
    }
  };
  process.on("disconnect", parentGone);
  process.on("message", (request: Q) => send({ type: "answer", answer: handle(request) }));
  prepare().then(
    () => send({ type: "ready" }),
    (err: unknown) =>
      send({ type: "fatal", error: err instanceof Error ? err.message : String(err) }, () => process.exit(1)),
  );
}
