// A child process of runGrid (./grid): picks the tfjs backend once, then computes the fine-tuning runs it is
// sent (lib/workers serveJobs), stores each result itself (atomically, where runGrid looks for it) and answers.
import { selectBackend } from "../backend/index";
import { serveJobs } from "../workers/index";
import { writeCached } from "./cache";
import { fineTune } from "./finetune";
import type { WorkerReply, WorkerRequest } from "./grid/index";

serveJobs<WorkerRequest, WorkerReply>((request) => {
  const start = performance.now();
  try {
    const result = fineTune(request.config);
    writeCached(request.dir, request.config, result);
    return { type: "done", key: request.key, diverged: result.diverged, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    return { type: "failed", key: request.key, error: err instanceof Error ? err.message : String(err) };
  }
}, selectBackend);
