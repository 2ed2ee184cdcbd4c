// A child process of runGrid (./grid): picks the tfjs backend once, then computes the fine-tuning runs it is
// sent over IPC, stores each result itself (atomically, where runGrid looks for it) and replies. It exits when
// its parent disconnects — a grid that finished, or a parent that died; fineTune is synchronous, so a run in
// progress then finishes and is stored first.
import { selectBackend } from "../backend/index";
import { writeCached } from "./cache";
import { fineTune } from "./finetune";
import type { WorkerReply, WorkerRequest } from "./grid/index";

/**
 * Sends `message` to runGrid. A parent that died (kill -9) closes the channel under a run in progress, and send
 * then throws EPIPE (or reports it to the callback): the run is already stored, so the worker exits quietly.
 */
function reply(message: WorkerReply, then?: () => void): void {
  const parentGone = (): never => process.exit(0);
  if (!process.connected) return then ? then() : undefined;
  try {
    process.send!(message, (err: Error | null) => (err ? parentGone() : then?.()));
  } catch {
    parentGone();
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

process.on("disconnect", () => process.exit(0));
process.on("message", (request: WorkerRequest) => {
  const start = performance.now();
  try {
    const result = fineTune(request.config);
    writeCached(request.dir, request.config, result);
    reply({ type: "done", key: request.key, diverged: result.diverged, seconds: (performance.now() - start) / 1000 });
  } catch (err) {
    reply({ type: "failed", key: request.key, error: messageOf(err) });
  }
});
selectBackend().then(
  () => reply({ type: "ready" }),
  (err: unknown) => reply({ type: "fatal", error: messageOf(err) }, () => process.exit(1)),
);
