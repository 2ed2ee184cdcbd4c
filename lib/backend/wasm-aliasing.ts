// Zero-copy Identity and same-dtype Cast on the wasm backend. tfjs saves every input and output a gradient
// will need through `clone()` (the Identity kernel), and gradients cast float32 to float32 all the time; the
// wasm backend implements both as full memory copies, which made copies the largest single cost of a LoRA
// training step (measured in bench/README.md, lora-step.ts). tfjs tensors are immutable (Variable.assign
// rebinds its data, it never writes in place), so sharing the data under a reference count is safe — it is
// exactly what tfjs's own cpu backend does for these two kernels.
import * as tf from "@tensorflow/tfjs";
import { WasmBackend } from "./wasm-heap";

type KernelArgs = { inputs: { x: tf.TensorInfo }; attrs?: { dtype?: tf.DataType }; backend: unknown };

let originals: tf.KernelConfig[] | undefined;

function alias(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Replaces wasm's Identity and Cast kernels (Cast only when the dtype does not change). Idempotent. */
export function installWasmAliasing(): void {
  if (originals) return;
  const identity = tf.getKernel(tf.Identity, "wasm");
  const cast = tf.getKernel(tf.Cast, "wasm");
  if (!identity || !cast) throw new Error("the wasm backend's Identity/Cast kernels are not registered");
  originals = [identity, cast];
  const castFunc = cast.kernelFunc;
  const replace = (config: tf.KernelConfig): void => {
    tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  };
  replace({
    ...identity,
    kernelFunc: ((args: KernelArgs) => (args.inputs.x.dtype === "string"
      ? identity.kernelFunc(args as never)
      : alias(args.inputs.x, args.backend))) as never,
  });
  replace({
    ...cast,
    kernelFunc: ((args: KernelArgs) => (args.attrs?.dtype === args.inputs.x.dtype
      ? alias(args.inputs.x, args.backend)
      : castFunc(args as never))) as never,
  });
}

/** Restores tfjs's own kernels (tests compare both). */
export function uninstallWasmAliasing(): void {
  if (!originals) return;
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  }
  originals = undefined;
}
