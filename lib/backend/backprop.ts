// A backward pass that frees as it goes, for every tfjs backend.
//
// tfjs's engine.gradients (tfjs-core 4.22, engine.ts and tape.ts) keeps every node's saved tensors and the gradient
// of every intermediate tensor until the whole backward pass has ended, so a training step's peak memory is the
// forward pass's saved activations plus a gradient for each intermediate, all at once. This is the same walk over
// the same tape, with the same arithmetic in the same order (so the same gradients, bit for bit), except that once a
// node's gradient has been taken, its saved tensors and its outputs' gradients are released: nothing later reads
// them (a tensor's gradient is consumed by the one node that produced it). Nested gradients (higher order) keep
// tfjs's own path, which needs the tape afterwards. QKV_EAGER_BACKPROP=0 turns it off. The tape filter and the walk
// are ported from tape.ts (Apache-2.0) with that one change.
import * as tf from "@tensorflow/tfjs";

/** The engine's parts used here (internal to tfjs-core: declared, not imported). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}
type Gradients = (
  f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };
interface Engine {
  gradients: Gradients;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
}

export function eagerBackpropEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.QKV_EAGER_BACKPROP ?? "1";
  if (value !== "0" && value !== "1") {
    throw new Error(`QKV_EAGER_BACKPROP=${JSON.stringify(value)}: use 1 (free during the backward pass) or 0 (tfjs's)`);
  }
  return value === "1";
}

let original: Gradients | undefined;

/** Puts the freeing backward pass in place of the engine's (or tfjs's back, when QKV_EAGER_BACKPROP=0). */
export function installEagerBackprop(enabled = eagerBackpropEnabled()): void {
  const engine = tf.engine() as unknown as Engine;
  original ??= engine.gradients;
  const tfjs = original;
  if (!enabled) {
    engine.gradients = tfjs;
    return;
  }
  engine.gradients = function (this: Engine, f, xs, dy, allowNoGradients = false) {
    // Inside another gradient (higher order) the tape must outlive this pass.
    if (this.state.gradientDepth > 0) return tfjs.call(this, f, xs, dy, allowNoGradients);
    if (xs.length === 0) throw new Error("gradients() received an empty list of xs.");
    if (dy != null && dy.dtype !== "float32") throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y = this.scopedRun(() => this.startTape(), () => this.endTape(), () => this.tidy("forward", f));
    if (!(y instanceof tf.Tensor)) throw new Error("The result y returned by f() must be a tensor.");
    const tape = this.state.activeTape ?? [];
    const filtered = filterTape(tape, xs, y);
    if (!allowNoGradients && filtered.length === 0) {
      throw new Error(
        "Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all " +
          "operations that lead from x to y.",
      );
    }
    return this.tidy("backward", () => {
      const gradients = new Map<number, tf.Tensor>([[y.id, dy ?? tf.ones(y.shape)]]);
      const keep = new Set([...xs.map((x) => x.id), y.id]);
      backpropagate(gradients, filtered, keep, (fn) => this.tidy(fn));
      const grads = xs.map((x) => gradients.get(x.id)) as tf.Tensor[];
      for (const node of tape) for (const tensor of node.saved ?? []) tensor.dispose();
      this.state.activeTape = null;
      return { value: y, grads };
    });
  } as Gradients;
}

/** The nodes on a path from some x to y, their inputs pruned to those that depend on an x (tape.ts). */
function filterTape(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      for (const output of node.outputs) fromX.add(output.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((output) => toY.has(output.id))) {
      for (const input of Object.values(node.inputs)) toY.add(input.id);
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, input]) => fromX.has(input.id))),
    }));
}

/** tape.ts's backpropagateGradients, releasing each node's saved tensors and output gradients once it is done. */
function backpropagate(
  gradients: Map<number, tf.Tensor>, tape: TapeNode[], keep: Set<number>, tidy: (fn: () => tf.Tensor) => tf.Tensor,
): void {
  const stored = new Set(gradients.values());
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    const dys = node.outputs.map((o) => gradients.get(o.id) ?? null);
    if (node.gradient == null) {
      throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    }
    const inputGradients = node.gradient(dys);
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in inputGradients)) {
        throw new Error(
          `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
        );
      }
      const dx = tidy(() => inputGradients[name]());
      if (dx.dtype !== "float32") {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, ` +
            `but has '${dx.dtype}'`,
        );
      }
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', ` +
            `which does not match the shape of the input '${x.shape}'`,
        );
      }
      // A gradient function may hand back a tensor already held (a dy, or one it gave another input: both are in
      // `stored`, the map's values) or a saved tensor: each stored gradient gets its own reference, so that releasing
      // one never releases another.
      const own = stored.has(dx) || (node.saved ?? []).includes(dx) ? dx.clone() : dx;
      const current = gradients.get(x.id);
      if (current === undefined) {
        gradients.set(x.id, own);
      } else {
        gradients.set(x.id, tf.add(current, own));
        stored.delete(current);
        tf.dispose([current, own]);
      }
      stored.add(gradients.get(x.id)!);
    }
    // The change from tape.ts: nothing after this node reads its saved tensors or its outputs' gradients.
    for (const tensor of node.saved ?? []) tensor.dispose();
    node.outputs.forEach((o, k) => {
      const dy = dys[k];
      if (dy === null || keep.has(o.id)) return;
      gradients.delete(o.id);
      stored.delete(dy);
      dy.dispose();
    });
  }
}
