// The MiniLM shape's LoRA step at a batch and length given on the command line (dropout off, r 8 on query and value,
// AdamW), 3 steps: their times and the process's peak RSS. For what fits the wasm backend's 4 GiB heap, with the
// freeing backward pass and without (QKV_EAGER_BACKPROP=0).
//   node --import tsx bench/heap-step.ts B T
import { selectBackend } from "../lib/backend/index";
import { attachAdapter } from "../lib/lora/index";
import { createModel, EncoderConfig, preset } from "../lib/models/index";
import { timedStep } from "./step";
(async () => {
  await selectBackend();
  const [B, T] = [Number(process.argv[2]), Number(process.argv[3])];
  const config: EncoderConfig = { ...(preset("all-minilm-l6-v2") as EncoderConfig), hiddenDropout: 0, attentionDropout: 0 };
  const model = createModel(config, { labels: 2, seed: 0 });
  attachAdapter(model, { method: "lora", r: 8, loraAlpha: 8, targetModules: ["query", "value"] }, 1);
  const rows = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => 3 + ((b * 131 + t * 17) % (config.vocabSize - 3))));
  const { step } = timedStep(model, rows, 4);
  const ms = [step(), step(), step()];
  console.log(JSON.stringify({ B, T, eager: process.env.QKV_EAGER_BACKPROP ?? "1", ms: ms.map(Math.round), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
})().catch((e) => { console.log(String(e).slice(0, 300)); process.exit(1); });
