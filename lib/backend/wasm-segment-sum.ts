// UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient of gather: without it nothing
// that trains an embedding table (masked-LM or causal-LM pretraining) can run on wasm. A plain loop over the
// wasm heap: out[segmentIds[i], :] += x[i, :], ids outside [0, numSegments) dropped as tf.unsortedSegmentSum
// specifies. Memory-bound (its time for one shape is measured in bench/README.md).
import * as tf from "@tensorflow/tfjs";
import { WasmBackend } from "./wasm-heap";

type Args = {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo }; attrs: { numSegments: number }; backend: unknown;
};

function unsortedSegmentSum({ inputs: { x, segmentIds }, attrs: { numSegments }, backend }: Args): tf.TensorInfo {
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new Error(`UnsortedSegmentSum (wasm): dtype ${x.dtype} is not supported`);
  }
  const wasm = backend as WasmBackend;
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows;
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views after makeOutput: its allocation may have grown (and detached) the heap.
  const heap = wasm.wasm.HEAPU8.buffer;
  const view = (t: tf.TensorInfo, n: number) => {
    const offset = wasm.dataIdMap.get(t.dataId)!.memoryOffset;
    return t.dtype === "float32" ? new Float32Array(heap, offset, n) : new Int32Array(heap, offset, n);
  };
  const xs = view(x, rows * inner);
  const ids = view(segmentIds, rows);
  const sums = view(out, numSegments * inner);
  sums.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) sums[to + j] += xs[from + j];
  }
  return out;
}

/** Registers the kernel on wasm unless tfjs-wasm has one of its own (a later version might). */
export function installWasmSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm")) return;
  tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum as never });
}
