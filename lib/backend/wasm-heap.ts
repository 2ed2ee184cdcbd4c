// The parts of tfjs-backend-wasm's BackendWasm that the project's own kernels use (blas.ts, fused.ts, attention.ts,
// wasm-aliasing.ts): tensors live in the wasm heap at `memoryOffset`, outputs are allocated by makeOutput,
// and data is shared under a reference count (incRef / disposeData).
import * as tf from "@tensorflow/tfjs";

export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
}

/**
 * The heap and the byte offsets of `tensors`, for a native addon: read after every makeOutput, since a malloc may
 * grow the wasm memory and detach older views of it.
 */
export function locate(backend: WasmBackend, tensors: tf.TensorInfo[]): [ArrayBuffer, number[]] {
  const offsets = tensors.map((t) => (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset);
  return [backend.wasm.HEAPU8.buffer as ArrayBuffer, offsets];
}
