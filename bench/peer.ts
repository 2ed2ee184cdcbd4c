// Side by side with the real peer (issue 18, part 1): the same LoRA training step — r 8 on query and value, α 8,
// AdamW, the classifier trained, dropout off, random weights — in qkv-lab and in PyTorch + transformers + peft
// (bench/peer_step.py, from the project-local environment that bench/peer-python.sh installs), on the same shapes,
// each measurement in a fresh process (so that peak RSS is that configuration's own), sides alternated within each
// round, at 1 thread each and at the whole machine each.
//
//   node --import tsx bench/peer.ts [--rounds 3] [--steps 5] [--shapes small,minilm,long] [--threads 1,0]
//                                   [--sides qkv,torch,tfjs-node,qkv-tape] [--max-wait 60] [--json FILE]
//
// Shapes: small = bench/lora-step.ts's encoder (RoBERTa-style, 4 layers, d 256, 4 heads, FFN 1024), batch 32 × T 128;
// minilm = all-MiniLM-L6-v2's shape (BERT, 6 layers, d 384, 12 heads, FFN 1536, vocabulary 30,522), batch 32 × T 128;
// long = the MiniLM shape at batch 4 × T 512 (its whole position table; 8 × 512 aborted out of the wasm heap before the freeing backward pass). Threads: 1 = one thread each (qkv-lab:
// QKV_BLAS_THREADS=1 QKV_FUSED_THREADS=1; torch: set_num_threads(1); tfjs-node: TF's intra- and inter-op pools at 1);
// 0 = the whole machine, each side at its defaults (qkv-lab: OpenBLAS on every core, fused kernels on 1; torch: one
// thread per core; tfjs-node: TensorFlow's own pools).
// Sides: qkv = qkv-lab on wasm + OpenBLAS + fused kernels (attention included); qkv-composite = the same with
// attention as tfjs's composite (QKV_FUSED_ATTENTION=0); qkv-tape = the same with tfjs's own backward pass, which
// holds every saved tensor and gradient to its end (QKV_EAGER_BACKPROP=0, lib/backend/backprop.ts); qkv-pool = the same with OpenBLAS's idle workers sleeping at
// once (OPENBLAS_THREAD_TIMEOUT=4) and the fused kernels on every core (whole machine only; not by default); tfjs-node = qkv-lab on @tensorflow/tfjs-node built
// against PyPI's tensorflow-cpu (scripts/build-tfjs-node.sh), skipped when it is not built; torch = the peer.
// Before each measurement it waits (up to --max-wait seconds) until other processes leave the cores idle, and records
// the load average and how busy the machine was. Per configuration: the median over rounds of each run's median step, the median first step, the largest peak RSS.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EncoderConfig } from "../lib/models/index";

const ROOT = path.resolve(__dirname, "..");
type Side = "qkv" | "qkv-composite" | "qkv-tape" | "qkv-pool" | "tfjs-node" | "torch";
type Shape = "small" | "minilm" | "long";
const SHAPES: Record<Shape, { preset: string; batch: number; length: number; what: string }> = {
  small: { preset: "encoder-small", batch: 32, length: 128, what: "bench encoder (4 layers, d 256), 32 × 128" },
  minilm: { preset: "all-minilm-l6-v2", batch: 32, length: 128, what: "all-MiniLM-L6-v2 shape (6 layers, d 384, 12 heads), 32 × 128" },
  long: { preset: "all-minilm-l6-v2", batch: 4, length: 512, what: "all-MiniLM-L6-v2 shape, 4 × 512" },
};

interface Measurement {
  first_ms: number;
  step_ms: number[];
  peak_rss_mb: number;
  threads: number;
  trainable: number;
  detail: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---- child: one measurement of qkv-lab in this process --------------------------------------------------------
async function child(shapeName: Shape, steps: number): Promise<void> {
  const { selectBackend, environmentReport } = await import("../lib/backend/index");
  const { attachAdapter } = await import("../lib/lora/index");
  const { createModel, preset, trainableVariables } = await import("../lib/models/index");
  const { timedStep } = await import("./step");
  const shape = SHAPES[shapeName];
  const choice = await selectBackend();
  const env = await environmentReport(choice);
  const config: EncoderConfig = { ...(preset(shape.preset) as EncoderConfig), hiddenDropout: 0, attentionDropout: 0 };
  const model = createModel(config, { labels: 2, seed: 0 });
  attachAdapter(model, { method: "lora", r: 8, loraAlpha: 8, targetModules: ["query", "value"] }, 1);
  const { batch: B, length: T } = shape;
  const rows = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => 3 + ((b * 131 + t * 17) % (config.vocabSize - 3))));
  const { step } = timedStep(model, rows, 1);
  const first = step();
  const times = Array.from({ length: steps }, step);
  const out: Measurement = {
    first_ms: first,
    step_ms: times,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    threads: Number(process.env.QKV_BLAS_THREADS ?? os.availableParallelism()),
    trainable: [...trainableVariables(model).values()].reduce((n, v) => n + v.size, 0),
    detail: `${choice.name}${env.blasMatmul ? `; ${env.blasMatmul.detail}` : ""}`,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

// ---- parent ---------------------------------------------------------------------------------------------------
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function tfjsNodeBuilt(): boolean {
  return fs.existsSync(path.join(ROOT, ".qkv/tfjs-node/node_modules/@tensorflow/tfjs-node/package.json"));
}

function peerPython(): string {
  const r = spawnSync("bash", [path.join(ROOT, "bench/peer-python.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error("bench/peer-python.sh could not install the peer (see above)");
  return r.stdout.trim().split("\n").pop()!;
}

function measure(side: Side, shapeName: Shape, threads: number, steps: number, python: string): Measurement {
  const shape = SHAPES[shapeName];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["QKV_BLAS_THREADS", "QKV_FUSED_THREADS", "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "MKL_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT"]) delete env[k];
  if (threads === 1) {
    Object.assign(env, { QKV_BLAS_THREADS: "1", QKV_FUSED_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", TF_NUM_INTRAOP_THREADS: "1", TF_NUM_INTEROP_THREADS: "1" });
  }
  let r;
  if (side === "torch") {
    const { preset, configToHf } = require("../lib/models/index") as typeof import("../lib/models/index");
    const config: EncoderConfig = { ...(preset(shape.preset) as EncoderConfig), hiddenDropout: 0, attentionDropout: 0 };
    const input = JSON.stringify({
      hf_config: configToHf(config, 2), batch: shape.batch, length: shape.length, steps, threads: threads || os.availableParallelism(),
      rank: 8, alpha: 8, targets: ["query", "value"], lr: 1e-4, betas: [0.9, 0.99], eps: 1e-8,
    });
    r = spawnSync(python, [path.join(ROOT, "bench/peer_step.py")], { input, encoding: "utf8", env, maxBuffer: 1 << 24 });
  } else {
    env.QKV_BACKEND = side === "tfjs-node" ? "tfjs-node" : "wasm";
    // The avenue of a shared pool, approximated: OpenBLAS's idle workers sleep at once instead of spinning
    // (OPENBLAS_THREAD_TIMEOUT=4: 2⁴ cycles, its minimum) so the fused kernels can take the second core.
    // The attention as tfjs's chain of kernels, as before the fused attention kernel (lib/backend/attention.ts).
    if (side === "qkv-composite") env.QKV_FUSED_ATTENTION = "0";
    // tfjs's own backward pass, as before lib/backend/backprop.ts.
    if (side === "qkv-tape") env.QKV_EAGER_BACKPROP = "0";
    if (side === "qkv-pool" && threads !== 1) Object.assign(env, { OPENBLAS_THREAD_TIMEOUT: "4", QKV_FUSED_THREADS: String(os.availableParallelism()) });
    r = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", shapeName, String(steps)], { encoding: "utf8", env, cwd: ROOT, maxBuffer: 1 << 24 });
  }
  if (r.status !== 0) throw new Error(`${side} ${shapeName} ${threads || "all"} thread(s) failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  const m = JSON.parse(r.stdout.trim().split("\n").pop()!) as Measurement & { versions?: Record<string, string>; attn?: string };
  if (side === "torch") m.detail = `torch ${m.versions!.torch}, transformers ${m.versions!.transformers}, peft ${m.versions!.peft}, attention ${m.attn}`;
  return m;
}

/** Runnable tasks besides this one (from /proc/loadavg's running count), averaged over `ms`. */
async function othersRunnable(ms = 2000): Promise<number> {
  let sum = 0;
  let n = 0;
  for (const end = Date.now() + ms; Date.now() < end; n++) {
    sum += Math.max(0, Number(fs.readFileSync("/proc/loadavg", "utf8").split(" ")[3].split("/")[0]) - 1);
    await new Promise((r) => setTimeout(r, 100));
  }
  return sum / n;
}

/** Waits up to maxWait seconds for the other processes to leave the cores idle (≤ 0.5 runnable on average). */
async function waitQuiet(maxWait: number): Promise<{ waited: number; others: number }> {
  const start = Date.now();
  let others = await othersRunnable();
  while (others > 0.5 && Date.now() - start < maxWait * 1000) others = await othersRunnable();
  return { waited: (Date.now() - start) / 1000, others };
}

async function parent(): Promise<void> {
  const rounds = Number(option("rounds", "3"));
  const steps = Number(option("steps", "5"));
  const shapes = option("shapes", "small,minilm,long").split(",") as Shape[];
  const threadsList = option("threads", "1,0").split(",").map(Number);
  const maxWait = Number(option("max-wait", "60"));
  let sides = option("sides", "qkv,torch,tfjs-node").split(",") as Side[];
  for (const s of shapes) if (!(s in SHAPES)) throw new Error(`unknown shape ${s}; use ${Object.keys(SHAPES).join(", ")}`);
  if (sides.includes("tfjs-node") && !tfjsNodeBuilt()) {
    console.log("tfjs-node: not built (scripts/build-tfjs-node.sh), its rows are skipped");
    sides = sides.filter((s) => s !== "tfjs-node");
  }
  const python = sides.includes("torch") ? peerPython() : "";
  const results = new Map<string, { runs: Measurement[]; loads: number[] }>();
  const key = (shape: Shape, threads: number, side: Side) => `${shape}/${threads}/${side}`;
  console.log(`${os.cpus()[0].model}, ${os.availableParallelism()} cores; ${rounds} rounds × ${steps} timed steps; load at start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) {
      for (const threads of threadsList) {
        // Alternate which side goes first from round to round.
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          if (side === "qkv-pool" && threads === 1) continue; // the same as qkv on one thread
          const quiet = await waitQuiet(maxWait);
          const load = os.loadavg()[0];
          const m = measure(side, shape, threads, steps, python);
          m.detail += `; others runnable before ${quiet.others.toFixed(1)} after waiting ${quiet.waited.toFixed(0)} s`;
          const k = key(shape, threads, side);
          if (!results.has(k)) results.set(k, { runs: [], loads: [] });
          results.get(k)!.runs.push(m);
          results.get(k)!.loads.push(load);
          console.log(`round ${round + 1} ${shape.padEnd(6)} ${threads === 0 ? "all" : threads} thr ${side.padEnd(9)} median ${median(m.step_ms).toFixed(0).padStart(6)} ms  first ${m.first_ms.toFixed(0).padStart(6)} ms  peak RSS ${m.peak_rss_mb.toFixed(0).padStart(5)} MB  (load ${load.toFixed(2)}; ${m.detail}; trainable ${m.trainable})`);
        }
      }
    }
  }
  console.log("\nshape | threads | side | median step ms (per-run medians) | first step ms | peak RSS MB | step / torch | RSS / torch | load");
  const summary: Record<string, unknown>[] = [];
  for (const shape of shapes) {
    for (const threads of threadsList) {
      const torch = results.get(key(shape, threads, "torch"));
      const tStep = torch ? median(torch.runs.map((m) => median(m.step_ms))) : NaN;
      const tRss = torch ? Math.max(...torch.runs.map((m) => m.peak_rss_mb)) : NaN;
      for (const side of sides) {
        const r = results.get(key(shape, threads, side));
        if (!r) continue;
        const perRun = r.runs.map((m) => median(m.step_ms));
        const step = median(perRun);
        const rss = Math.max(...r.runs.map((m) => m.peak_rss_mb));
        const first = median(r.runs.map((m) => m.first_ms));
        const row = { shape, threads: threads === 0 ? "all" : threads, side, step_ms: step, runs_ms: perRun, first_ms: first, peak_rss_mb: rss, step_ratio: step / tStep, rss_ratio: rss / tRss, loads: r.loads, detail: r.runs[0].detail };
        summary.push(row);
        console.log(`${shape} | ${row.threads} | ${side} | ${step.toFixed(0)} (${perRun.map((x) => x.toFixed(0)).join(", ")}) | ${first.toFixed(0)} | ${rss.toFixed(0)} | ${(step / tStep).toFixed(2)} | ${(rss / tRss).toFixed(2)} | ${Math.min(...r.loads).toFixed(1)}-${Math.max(...r.loads).toFixed(1)}`);
      }
    }
  }
  const out = option("json", "");
  if (out) fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0].model, cores: os.availableParallelism(), rounds, steps, summary }, null, 2));
}

const childAt = process.argv.indexOf("--child");
(childAt >= 0 ? child(process.argv[childAt + 1] as Shape, Number(process.argv[childAt + 2])) : parent()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
