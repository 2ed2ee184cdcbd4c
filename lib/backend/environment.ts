// What a result was computed on: backend, versions, machine. Printed by `qkv env` and the overview
// notebook, and meant to be stored beside cached results so numbers can be traced to a machine.
import * as os from "os";
import * as tf from "@tensorflow/tfjs";
import { attentionStatus } from "./attention";
import { eagerBackpropEnabled } from "./backprop";
import { blasStatus } from "./blas";
import { fusedStatus } from "./fused";
import { BackendChoice } from "./select";

export interface EnvironmentReport {
  backend: string;
  tfBackend: string;
  backendReason: string;
  wasmSimd: boolean | null;
  /** Whether wasm's matMul runs through OpenBLAS, and why (null off the wasm backend). */
  blasMatmul: { active: boolean; detail: string } | null;
  /** Whether the fused native GELU/LayerNorm/softmax-gradient kernels run, and why (null off wasm). */
  fusedKernels: { active: boolean; detail: string } | null;
  /** Whether attention runs as one native kernel each way (lib/backend/attention.ts), and why (null off wasm). */
  fusedAttention: { active: boolean; detail: string } | null;
  /** Which backward pass runs (lib/backend/backprop.ts), on every backend. */
  backprop: string;
  versions: Record<string, string>;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
}

export async function environmentReport(choice: BackendChoice): Promise<EnvironmentReport> {
  const cpus = os.cpus();
  return {
    backend: choice.name,
    tfBackend: choice.tfBackend,
    backendReason: choice.reason,
    wasmSimd: choice.name === "wasm" ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : null,
    blasMatmul: choice.name === "wasm" ? { active: blasStatus().installed, detail: blasStatus().reason } : null,
    fusedKernels: choice.name === "wasm" ? { active: fusedStatus().installed, detail: fusedStatus().reason } : null,
    fusedAttention: choice.name === "wasm"
      ? { active: attentionStatus().installed, detail: attentionStatus().reason }
      : null,
    backprop: eagerBackpropEnabled()
      ? "frees each node's saved tensors and gradients as it goes (QKV_EAGER_BACKPROP=0: tfjs's, which holds them)"
      : "tfjs's own, holding every saved tensor and gradient to the end (QKV_EAGER_BACKPROP=0)",
    versions: {
      node: process.versions.node,
      "@tensorflow/tfjs": tf.version.tfjs,
      tslab: packageVersion("tslab"),
      "plotly.js": packageVersion("plotly.js-dist-min"),
      mathjs: packageVersion("mathjs"),
      "danfojs-node": packageVersion("danfojs-node"),
      "playwright-core": packageVersion("playwright-core"),
    },
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

/** The report as aligned `key  value` lines. */
export function formatEnvironment(report: EnvironmentReport): string {
  const rows: [string, string][] = [
    ["backend", `${report.backend} (tfjs "${report.tfBackend}")`],
    ["why", report.backendReason],
    ...(report.wasmSimd === null ? [] : [["wasm SIMD", String(report.wasmSimd)] as [string, string]]),
    ...(report.blasMatmul === null ? [] : [["BLAS matmul", report.blasMatmul.detail] as [string, string]]),
    ...(report.fusedKernels === null ? [] : [["fused kernels", report.fusedKernels.detail] as [string, string]]),
    ...(report.fusedAttention === null ? [] : [["fused attention", report.fusedAttention.detail] as [string, string]]),
    ["backward pass", report.backprop],
    ["cpus", `${report.cpus} × ${report.cpuModel}`],
    ["memory", `${report.memoryGiB} GiB`],
    ["platform", report.platform],
    ...Object.entries(report.versions),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
