// The worker processes that compute a grid's runs (../worker on lib/workers' pool), each taking the next run it
// can claim (../cache claimRun), so that two processes computing the same grid compute each run once.
import * as path from "path";
import { PoolInterrupted, runPool } from "../../workers/index";
import { claimRun } from "../cache";
import { FineTuneConfig } from "../finetune";

/** runGrid stopped by SIGINT or SIGTERM (finished runs are stored; a rerun resumes). */
export { PoolInterrupted as GridInterrupted };

/** What runGrid sends a worker, and what the worker answers for each run. */
export type WorkerRequest = { type: "run"; key: string; config: FineTuneConfig; dir: string };
export type WorkerReply =
  | { type: "done"; key: string; diverged: boolean; seconds: number }
  | { type: "failed"; key: string; error: string };

export type Job = { index: number; key: string; config: FineTuneConfig };
/** A worker's answer for a job, or "stored": another process stored the run meanwhile. */
export type RunReply = WorkerReply | { type: "stored"; key: string };

const WORKER = path.join(__dirname, "..", "worker.ts");

/**
 * Runs `jobs` on `count` worker processes, each taking the next job when it is free; rejects with GridInterrupted
 * on SIGINT / SIGTERM, killing the workers. A worker that dies fails its run and is replaced. Each job is claimed
 * just before it is sent: one stored meanwhile is reported as "stored", one another process holds waits until
 * that process stores it (or dies, and it is taken over).
 */
export function runJobs(
  jobs: Job[], count: number, runsDir: string, onReply: (job: Job, reply: RunReply) => void,
): Promise<void> {
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
  const take = (): Job | "wait" | undefined => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const claim = claimRun(runsDir, job.config);
      if (claim.state === "claimed") {
        claims.set(job.key, claim.release);
        return job;
      }
      if (claim.state === "stored") onReply(job, { type: "stored", key: job.key });
      else heldElsewhere.push(job);
    }
    if (heldElsewhere.length === 0) return undefined;
    queue.push(...heldElsewhere.splice(0));
    return "wait";
  };
  return runPool<Job, WorkerReply>({
    entry: WORKER, count, env, name: "grid worker", take,
    request: (job): WorkerRequest => ({ type: "run", key: job.key, config: job.config, dir: runsDir }),
    onAnswer: (job, reply) => {
      release(job.key);
      onReply(job, reply);
    },
    onLost: (job, why) => {
      release(job.key);
      onReply(job, { type: "failed", key: job.key, error: `the worker process died (${why})` });
    },
    onStop: () => [...claims.keys()].forEach(release),
  });
}
