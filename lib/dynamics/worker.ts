// A sweep worker process of pool.ts (on lib/workers' pool): runs the tasks it is sent, one at a time.
import { serveJobs } from "../workers/index";
import type { SweepAnswer, SweepRequest } from "./pool";
import { runTask } from "./tasks";

serveJobs<SweepRequest, SweepAnswer>((request) => {
  try {
    return { index: request.index, result: runTask(request.kind, request.task as never) };
  } catch (e) {
    return { index: request.index, error: (e as Error).message };
  }
});
