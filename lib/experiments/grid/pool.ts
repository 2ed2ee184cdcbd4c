// The worker processes that compute a grid's runs (../worker), each taking the next run it can claim.
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../paths";
import { claimRun } from "../cache";
import { FineTuneConfig } from "../finetune";

/** runGrid stopped by SIGINT or SIGTERM (finished runs are stored; a rerun resumes). */
export class GridInterrupted extends Error {
  override name = "GridInterrupted";
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** What runGrid sends a worker, and what the worker answers. */
export type WorkerRequest = { type: "run"; key: string; config: FineTuneConfig; dir: string };
export type WorkerReply =
  | { type: "ready" }
  | { type: "fatal"; error: string }
  | { type: "done"; key: string; diverged: boolean; seconds: number }
  | { type: "failed"; key: string; error: string };

type Job = { index: number; key: string; config: FineTuneConfig };
/** A worker's answer for a job, or "stored": another process stored the run meanwhile (./cache claimRun). */
type RunReply = Extract<WorkerReply, { type: "done" | "failed" }> | { type: "stored"; key: string };

/** How often an idle worker looks again at runs another process is computing. */
const CLAIM_POLL_MS = 250;

const TSX_LOADER = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cjs", "index.cjs");
const WORKER = path.join(__dirname, "..", "worker.ts");

/**
 * Runs `jobs` on `count` forked workers, each taking the next job when it is free. Resolves when all are done;
 * rejects with GridInterrupted on SIGINT / SIGTERM (of this process or of a worker: Ctrl-C and a Jupyter
 * interrupt signal the whole process group), killing the workers. A worker that dies otherwise fails its run
 * and is replaced. Each job is claimed (./cache claimRun) just before it is sent: one stored meanwhile is reported
 * as "stored", one another process holds waits until that process stores it (or dies, and it is taken over).
 */
export function runJobs(jobs: Job[], count: number, runsDir: string, onReply: (job: Job, reply: RunReply) => void): Promise<void> {
  if (!fs.existsSync(TSX_LOADER)) throw new Error(`${TSX_LOADER} is missing: run \`npm run setup\` in ${REPO_ROOT} first`);
  // Two workers each running OpenBLAS on every core would thrash; an explicit QKV_BLAS_THREADS is kept.
  const env = count > 1 ? { ...process.env, QKV_BLAS_THREADS: process.env.QKV_BLAS_THREADS ?? "1" } : process.env;
  const queue = jobs.slice();
  const heldElsewhere: Job[] = [];
  const claims = new Map<string, () => void>();
  const release = (key: string): void => {
    claims.get(key)?.();
    claims.delete(key);
  };
  /** The next job this process may compute; the others are reported stored or set aside as held elsewhere. */
  const claimNext = (): Job | undefined => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const claim = claimRun(runsDir, job.config);
      if (claim.state === "claimed") {
        claims.set(job.key, claim.release);
        return job;
      }
      if (claim.state === "stored") onReply(job, { type: "stored", key: job.key });
      else heldElsewhere.push(job);
    }
    return undefined;
  };
  const children = new Set<ChildProcess>();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      for (const child of children) child.kill("SIGTERM");
      for (const key of [...claims.keys()]) release(key);
      if (err) reject(err);
      else resolve();
    };
    const onSignal = (signal: NodeJS.Signals): void => finish(new GridInterrupted(signal));
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    const start = (): void => {
      const child = fork(WORKER, [], { execArgv: ["--require", TSX_LOADER], env });
      children.add(child);
      let job: Job | undefined;
      let ready = false;
      const next = (): void => {
        if (settled) return;
        job = claimNext();
        if (job !== undefined) {
          const request: WorkerRequest = { type: "run", key: job.key, config: job.config, dir: runsDir };
          child.send(request);
        } else if (heldElsewhere.length > 0) {
          setTimeout(() => {
            queue.push(...heldElsewhere.splice(0));
            next();
          }, CLAIM_POLL_MS);
        } else {
          children.delete(child);
          child.disconnect();
          if (children.size === 0) finish();
        }
      };
      child.on("message", (reply: WorkerReply) => {
        if (reply.type === "ready") {
          ready = true;
          next();
        } else if (reply.type === "fatal") finish(new Error(`grid worker could not start: ${reply.error}`));
        else {
          release(job!.key);
          onReply(job!, reply);
          next();
        }
      });
      child.on("error", (err) => finish(new Error(`grid worker: ${err.message}`)));
      child.on("exit", (code, signal) => {
        if (settled || !children.has(child)) return;
        children.delete(child);
        if (signal === "SIGINT" || signal === "SIGTERM") return finish(new GridInterrupted(signal));
        const why = signal ? `killed by ${signal}${signal === "SIGKILL" ? ", out of memory?" : ""}` : `exit code ${code}`;
        if (!ready) return finish(new Error(`grid worker exited before it was ready (${why})`));
        if (job !== undefined) {
          release(job.key);
          onReply(job, { type: "failed", key: job.key, error: `the worker process died (${why})` });
        }
        if (queue.length > 0 || heldElsewhere.length > 0) start();
        else if (children.size === 0) finish();
      });
    };
    for (let i = 0; i < count; i++) start();
  });
}
