// A worker process of measureGaps (./gaps, on lib/workers' pool): picks the tfjs backend once, then computes the
// jobs it is sent, one seed and subset at a time.
import { selectBackend } from "../backend/index";
import { serveJobs } from "../workers/index";
import { GapJob, GapJobAnswer, measureGapJob } from "./gaps";

serveJobs<GapJob, GapJobAnswer>((job) => {
  try {
    return { runs: measureGapJob(job) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}, selectBackend);
