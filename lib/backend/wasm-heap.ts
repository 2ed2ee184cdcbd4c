// The parts of tfjs-backend-wasm's BackendWasm that the project's own kernels use (blas.ts, fused.ts,
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
