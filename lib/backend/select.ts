// Picks the fastest tfjs backend that works on this machine and says why.
//
// Order: tfjs-node-gpu > tfjs-node > wasm > cpu. The native packages cannot be installed on the project's
// own machines (their installer downloads libtensorflow), so they are optional: a user with a GPU
// installs @tensorflow/tfjs-node-gpu@4.22.0 and it is picked up here without any code change.
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { installEagerBackprop } from "./backprop";
import { attentionEnabled, installAttentionKernels } from "./attention";
import { blasSettings, installBlasKernels } from "./blas";
import { fusedSettings, installFusedKernels } from "./fused";
import { installWasmAliasing } from "./wasm-aliasing";
import { installWasmSegmentSum } from "./wasm-segment-sum";

export const BACKEND_NAMES = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** One candidate: `load` registers the backend with tfjs and returns its tfjs name, or throws why not. */
export interface BackendCandidate {
  name: BackendName;
  load: () => Promise<string>;
  /** Set when automatic selection passes this candidate over (it is still loaded when forced): why. */
  forcedOnly?: string;
}

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was not used (empty when it was chosen). */
  why: string;
}

export interface BackendChoice {
  /** The package-level name, e.g. "wasm" or "tfjs-node-gpu". */
  name: BackendName;
  /** tfjs's own backend name ("tensorflow", "wasm", "cpu"). */
  tfBackend: string;
  /** One sentence: why this backend. */
  reason: string;
  /** Every candidate looked at, in order. */
  attempts: BackendAttempt[];
}

export class BackendError extends Error {
  override name = "BackendError";
}

let chosen: BackendChoice | undefined;

/** The backend selectBackend chose last, or undefined when it has not run (tfjs then sits on its slow cpu backend). */
export function chosenBackend(): BackendChoice | undefined {
  return chosen;
}

/** The tfjs backend to use, from QKV_BACKEND if set, else the first candidate that loads. */
export async function selectBackend(
  options: { override?: string; candidates?: BackendCandidate[] } = {},
): Promise<BackendChoice> {
  chosen = await choose(options);
  return chosen;
}

async function choose(options: { override?: string; candidates?: BackendCandidate[] }): Promise<BackendChoice> {
  quietCpuBackend();
  blasSettings(); // throws on a malformed QKV_BLAS / QKV_BLAS_THREADS
  fusedSettings(); // and QKV_FUSED / QKV_FUSED_THREADS
  attentionEnabled(); // and QKV_FUSED_ATTENTION
  installEagerBackprop(); // (throws on a malformed QKV_EAGER_BACKPROP)
  const override = options.override ?? process.env.QKV_BACKEND ?? "";
  const candidates = options.candidates ?? defaultCandidates();
  const attempts: BackendAttempt[] = [];

  if (override !== "" && override !== "auto") {
    if (!(BACKEND_NAMES as readonly string[]).includes(override)) {
      throw new BackendError(
        `QKV_BACKEND=${JSON.stringify(override)} is not a backend; use one of ${BACKEND_NAMES.join(", ")} or auto`,
      );
    }
    const candidate = candidates.find((c) => c.name === override);
    if (!candidate) throw new BackendError(`QKV_BACKEND=${override}: no loader for this backend`);
    try {
      const tfBackend = await activate(candidate);
      attempts.push({ name: candidate.name, ok: true, why: "" });
      return { name: candidate.name, tfBackend, reason: `forced by QKV_BACKEND=${override}`, attempts };
    } catch (err) {
      throw new BackendError(`QKV_BACKEND=${override} was requested but cannot be used: ${messageOf(err)}`);
    }
  }

  for (const candidate of candidates) {
    if (candidate.forcedOnly) {
      attempts.push({ name: candidate.name, ok: false, why: candidate.forcedOnly });
      continue;
    }
    try {
      const tfBackend = await activate(candidate);
      attempts.push({ name: candidate.name, ok: true, why: "" });
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.why}`);
      const reason =
        skipped.length === 0
          ? `${candidate.name} is the fastest backend and it loaded`
          : `fastest backend that loaded (${skipped.join("; ")})`;
      return { name: candidate.name, tfBackend, reason, attempts };
    } catch (err) {
      attempts.push({ name: candidate.name, ok: false, why: messageOf(err) });
    }
  }
  throw new BackendError(
    `no tfjs backend could be loaded: ${attempts.map((a) => `${a.name}: ${a.why}`).join("; ")}`,
  );
}

async function activate(candidate: BackendCandidate): Promise<string> {
  const tfBackend = await candidate.load();
  if (!(await tf.setBackend(tfBackend))) {
    throw new Error(`tf.setBackend("${tfBackend}") failed to initialise`);
  }
  await tf.ready();
  if (tfBackend === "wasm") {
    installWasmAliasing();
    installWasmSegmentSum();
    // wasm's matMul is single-threaded under Node; the OpenBLAS kernel takes over when it was built.
    installBlasKernels();
    // GELU, LayerNorm, softmax's gradient and gathers in one native pass each, when the addon was built.
    installFusedKernels();
    // Attention's products, softmax and gradient in one native call each way, on the OpenBLAS addon.
    installAttentionKernels();
  }
  return tfBackend;
}

/**
 * tfjs's cpu backend prints a banner recommending tfjs-node on its first tensor in Node. Here the choice
 * is made (and reported) by selectBackend, so the banner would only be noise in notebooks and logs.
 */
function quietCpuBackend(): void {
  const cpu = tf.engine().findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/** The real loaders, in order of speed. */
export function defaultCandidates(): BackendCandidate[] {
  return [
    { name: "tfjs-node-gpu", load: () => loadNative("@tensorflow/tfjs-node-gpu") },
    {
      name: "tfjs-node",
      load: () => loadNative("@tensorflow/tfjs-node"),
      // The local build (scripts/build-tfjs-node.sh) is slower than wasm + OpenBLAS + the fused kernels on the
      // shapes measured and takes twice the memory (bench/README.md, bench/peer.ts), so it is there to be chosen.
      ...(fs.existsSync(path.join(LOCAL_TFJS_NODE, "node_modules", "@tensorflow", "tfjs-node", "package.json"))
        ? {
            forcedOnly: "built here against tensorflow-cpu, used only when QKV_BACKEND=tfjs-node " +
              "(slower than wasm + OpenBLAS here, bench/README.md)",
          }
        : {}),
    },
    { name: "wasm", load: loadWasm },
    { name: "cpu", load: async () => "cpu" },
  ];
}

/**
 * Where scripts/build-tfjs-node.sh installs @tensorflow/tfjs-node, its addon built against the TensorFlow C library of
 * PyPI's tensorflow-cpu wheel (the package's own installer downloads libtensorflow, which the project's machines
 * cannot); looked in before node_modules, where danfojs-node's override puts a pure-JS alias under that name.
 */
export const LOCAL_TFJS_NODE = path.resolve(__dirname, "..", "..", ".qkv", "tfjs-node");

async function loadNative(pkg: string): Promise<string> {
  let manifestPath: string;
  try {
    const local = pkg === "@tensorflow/tfjs-node" &&
      fs.existsSync(path.join(LOCAL_TFJS_NODE, "node_modules", pkg, "package.json"));
    manifestPath = local
      ? require.resolve(`${pkg}/package.json`, { paths: [LOCAL_TFJS_NODE] })
      : require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(pkg === "@tensorflow/tfjs-node"
      ? "not built (scripts/build-tfjs-node.sh, which setup runs)"
      : "not installed (optional)");
  }
  // TensorFlow's C++ runtime logs its CPU-feature and oneDNN notices at INFO level on load.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { name: string; version: string };
  // danfojs-node's npm override installs the pure-JS @tensorflow/tfjs under the tfjs-node name.
  if (manifest.name !== pkg) {
    throw new Error(
      `only the pure-JS alias of ${manifest.name}@${manifest.version} that danfojs-node needs is installed`,
    );
  }
  require(path.dirname(manifestPath)); // registers the "tensorflow" backend, or throws if libtensorflow is missing
  if (tf.findBackendFactory("tensorflow") == null) {
    throw new Error(
      `${pkg}@${manifest.version} loaded but registered on another copy of tfjs-core; ` +
        `install the version matching @tensorflow/tfjs ${tf.version.tfjs}`,
    );
  }
  return "tensorflow";
}

async function loadWasm(): Promise<string> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  // Point at the .wasm binaries explicitly: the default lookup is relative to the bundle, which breaks
  // when a notebook kernel or a worker runs from another directory.
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  wasm.setWasmPaths(dist + path.sep);
  return "wasm";
}
