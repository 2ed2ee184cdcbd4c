// The body of a pool thread (see pool.ts): runs the tasks it is sent, one at a time.
import { parentPort } from "worker_threads";
import { runTask, TaskKind } from "./tasks";

if (!parentPort) throw new Error("lib/dynamics/worker.ts runs only as a worker thread of lib/dynamics/pool.ts");
const port = parentPort;
port.on("message", (msg: { index: number; kind: TaskKind; task: never }) => {
  try {
    port.postMessage({ index: msg.index, result: runTask(msg.kind, msg.task) });
  } catch (e) {
    port.postMessage({ index: msg.index, error: (e as Error).message });
  }
});
