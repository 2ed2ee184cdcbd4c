// One LoRA fine-tuning step of the encoder (issue 3's benchmark): 4 layers, d = 256, 4 heads, T = 128,
// batch 32, r = 8 on query+value, AdamW — in tfjs on the selected backend, and the same model and step in
// PyTorch CPU (bench/lora_step.py), timed in one run and reported as a ratio. `minilm`: the shape of
// all-MiniLM-L6-v2 (BERT, 6 layers, d = 384, 12 heads, FFN 1536), batch 32 of 40-64 tokens padded to the
// batch's longest row (dynamic padding, T = 64), the same padded batch on both sides.
//   node --import tsx bench/lora-step.ts [steps=10] [encoder-small|minilm]
import { spawnSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { environmentReport, selectBackend } from "../lib/backend/index";
import { attachAdapter } from "../lib/lora/index";
import { createModel, EncoderConfig, preset } from "../lib/models/index";
import { timedStep } from "./step";

const STEPS = Number(process.argv[2] ?? 10);
const SHAPE = process.argv[3] ?? "encoder-small";
if (SHAPE !== "encoder-small" && SHAPE !== "minilm") throw new Error(`shape must be encoder-small or minilm, got ${SHAPE}`);
const B = 32;
const T = SHAPE === "minilm" ? 64 : 128;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const choice = await selectBackend();
  const env = await environmentReport(choice);
  // Dropout off on both sides: the comparison is of the same arithmetic.
  const config: EncoderConfig = { ...(preset(SHAPE === "minilm" ? "all-minilm-l6-v2" : "encoder-small") as EncoderConfig), hiddenDropout: 0, attentionDropout: 0 };
  const model = createModel(config, { labels: 2, seed: 0 });
  attachAdapter(model, { method: "lora", r: 8, loraAlpha: 8, targetModules: ["query", "value"] }, 1);
  // minilm: lengths 40-64 ([CLS] … [SEP]); padded to the longest row, 64.
  const length = (b: number) => (SHAPE === "minilm" ? (b === 0 ? T : 40 + ((b * 37) % 25)) : T);
  const rows = Array.from({ length: B }, (_, b) => Array.from({ length: length(b) }, (_, t) => 3 + ((b * 131 + t * 17) % (config.vocabSize - 3))));
  const { step, forwardBackward, names } = timedStep(model, rows, 4);
  for (let i = 0; i < 2; i++) step();
  const ours = Array.from({ length: STEPS }, step);

  // Where the time goes: kernel time per op over one step.
  const profile = await tf.profile(forwardBackward);
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  const kernelTotal = [...byKernel.values()].reduce((a, b) => a + b, 0);

  const shapes = Object.fromEntries([...model.tensors].map(([n, t]) => [n, t.shape]));
  const torchRun = (threads: number) => {
    const padded = rows.map((r) => [...r, ...Array(T - r.length).fill(config.padTokenId)]);
    const mask = rows.map((r) => [...r.map(() => 1), ...Array(T - r.length).fill(0)]);
    const input = JSON.stringify({ config, adapter: model.adapter, labels: 2, shapes, trainable: names, batch: B, length: T, steps: STEPS, warmup: 2, threads, ...(SHAPE === "minilm" ? { input_ids: padded, attention_mask: mask } : {}) });
    const r = spawnSync("/usr/bin/python3", [path.join(__dirname, "lora_step.py")], { input, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { step_ms: number[]; threads: number; torch: string; blas: string };
  };
  const cores = env.cpus;
  const torchRuns = [torchRun(1), ...(cores > 1 ? [torchRun(cores)] : [])];

  const tokens = rows.reduce((n, r) => n + r.length, 0);
  const what = SHAPE === "minilm" ? `all-MiniLM-L6-v2 shape (BERT 6 layers, d 384, 12 heads), ${tokens} tokens padded to T ${T}` : `encoder 4 layers, d 256, 4 heads, T ${T}`;
  console.log(`LoRA step: ${what}, batch ${B}, r 8 on query+value, AdamW (${STEPS} timed steps)`);
  console.log(`backend: ${choice.name} — ${env.backendReason}${env.blasMatmul ? `; BLAS matmul: ${env.blasMatmul.detail}` : ""}`);
  const ourMs = median(ours);
  console.log(`  tfjs (${choice.name})`.padEnd(34) + `${ourMs.toFixed(0).padStart(6)} ms/step  ${(tokens / (ourMs / 1000)).toFixed(0).padStart(7)} tokens/s`);
  for (const r of torchRuns) {
    const ms = median(r.step_ms);
    console.log(`  PyTorch ${r.torch} CPU, ${r.threads} thread(s)`.padEnd(34) + `${ms.toFixed(0).padStart(6)} ms/step  ${(tokens / (ms / 1000)).toFixed(0).padStart(7)} tokens/s   tfjs / PyTorch = ${(ourMs / ms).toFixed(2)}`);
  }
  console.log(`kernel time of one forward+backward: ${kernelTotal.toFixed(0)} ms; top kernels:`);
  for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / kernelTotal).toFixed(1).padStart(5)} %`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
