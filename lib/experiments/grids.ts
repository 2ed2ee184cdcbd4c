// The named grids `qkv grid NAME` runs (a grid can also come from a JSON file). Each is a function of the
// profile, which sets its sizes (steps, examples) the way notebooks do with byProfile.
import { byProfile, Profile } from "../notebook/profile";
import { experimentCheckpoint } from "./finetune";
import { GridSpec } from "./grid";

export const GRID_NAMES: string[] = ["example"];

export function namedGrid(name: string, profile: Profile): GridSpec {
  if (name === "example") return exampleGrid(profile);
  throw new Error(`unknown grid ${JSON.stringify(name)}; the named grids are ${GRID_NAMES.join(", ")} (or pass a grid JSON file)`);
}

/** η_QK × λ (2 × 2) with LoRA on W_q, W_v (r = 8) on the built-in SST-2 analog: the runner end to end. */
function exampleGrid(profile: Profile): GridSpec {
  const size = byProfile({
    smoke: { steps: 30, maxTrain: 256, maxEval: 200 },
    default: { steps: 250, maxTrain: 2000, maxEval: 500 },
    full: { steps: 500, maxTrain: 2000, maxEval: 500 },
  }, profile);
  return {
    name: "example",
    base: {
      data: { dir: "data/tasks", task: "SST-2", maxTrain: size.maxTrain, maxEval: size.maxEval },
      checkpoint: experimentCheckpoint("encoder"), init: "pretrained",
      adapter: { method: "lora", r: 8, loraAlpha: 8, loraDropout: 0, targetModules: ["query", "value"] },
      rates: { grouping: "paper" }, steps: size.steps, batchSize: 32, maxLength: 64, schedule: "linear",
    },
    axes: { etaQK: [5e-4, 1e-3], ratio: [1, 4], seed: [0] },
  };
}
