// Issue 19, items 1, 2 and 16: every object of a run config, a grid file and a hand-written adapter rejects unknown
// keys and wrong types, naming the path (and the nearest field); and a fuzz test per parser: random mutations of a
// valid file (renamed keys, wrong types, extreme numbers) never parse with a changed meaning and never fail with an
// unnamed error.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expandGrid, GridSpec } from "../lib/experiments/index";
import { AdapterConfigError, strictAdapterFields } from "../lib/lora/index";
import { Rng } from "../lib/random/index";
import { parseRunConfig, RunConfigError } from "../lib/train/config";
import { nearestName } from "../lib/validate/index";

const RUN = {
  model: "encoder-tiny", labels: 2,
  adapter: { method: "lora", r: 4, lora_alpha: 32, lora_dropout: 0.1, target_modules: ["query", "value"] },
  rates: { etaQK: 1e-4, ratio: 4, grouping: "paper" },
  schedule: { name: "linear", warmupSteps: 10 },
  batchSize: 8, steps: 20, evalEvery: 5, seed: 0,
  data: { train: "train.jsonl", eval: "dev.jsonl", maxLength: 32 },
};

const GRID = (): GridSpec => ({
  name: "strict",
  base: {
    data: { dir: "data/tasks", task: "SST-2", maxTrain: 40, maxEval: 20 }, checkpoint: "data/checkpoints/encoder-builtin", init: "pretrained",
    adapter: { method: "lora", r: 2, loraAlpha: 2, targetModules: ["query", "value"] }, rates: { grouping: "paper" },
    steps: 12, batchSize: 8, maxLength: 16, schedule: "linear", seed: 0,
  },
  axes: { etaQK: [1e-3], ratio: [1, 4] },
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("strict run configs (issue 19, item 1)", () => {
  const bad = (mutate: (c: Record<string, any>) => void, message: RegExp) => {
    const c = clone(RUN) as Record<string, any>;
    mutate(c);
    assert.throws(() => parseRunConfig(c, "run.json"), (err: Error) => err instanceof RunConfigError && message.test(err.message), message.source);
  };
  test("the issue's typos are errors naming the path and the field meant", () => {
    bad((c) => { c.adapter.lora_aplha = 32; }, /run\.json: adapter\.lora_aplha: unknown field; did you mean lora_alpha\?/);
    bad((c) => { c.adapter = { rank: 4 }; }, /adapter\.rank: unknown field/);
    bad((c) => { c.rates.ration = 4; }, /rates\.ration: unknown field; did you mean ratio\?/);
    bad((c) => { c.schedule.warmup = 10; }, /schedule\.warmup: unknown field; did you mean warmupSteps\?|schedule\.warmup: unknown field/);
    bad((c) => { c.data.evel = "dev.jsonl"; }, /data\.evel: unknown field; did you mean eval\?/);
    bad((c) => { c.data.maxlength = 64; }, /data\.maxlength: unknown field; did you mean maxLength\?/);
    bad((c) => { c.stpes = 10; }, /run\.json: stpes: unknown field; did you mean steps\?/);
  });
  test("an adapter, rates, schedule or data that is not an object is refused", () => {
    bad((c) => { c.adapter = "lora"; }, /adapter: must be a JSON object, got "lora"/);
    bad((c) => { c.adapter = [1, 2]; }, /adapter: must be a JSON object, got \[1,2\]/);
    bad((c) => { c.rates = 1e-4; }, /rates: must be a JSON object/);
    bad((c) => { c.data = "train.jsonl"; }, /data: must be a JSON object/);
  });
  test("the valid file parses with every value as written", () => {
    const c = parseRunConfig(clone(RUN), "run.json");
    assert.equal(c.schedule.warmupSteps, 10);
    assert.equal(c.data.maxLength, 32);
    assert.equal(c.rates.ratio, 4);
    assert.equal(c.adapter.lora_alpha, 32);
  });
  test("nearestName suggests only near misses", () => {
    assert.equal(nearestName("lora_aplha", ["r", "lora_alpha", "lora_dropout"]), "lora_alpha");
    assert.equal(nearestName("colour", ["r", "lora_alpha"]), undefined);
  });
});

describe("strict grid files (issue 19, items 2 and 16)", () => {
  const bad = (mutate: (g: any) => void, message: RegExp) => {
    const g = GRID() as any;
    mutate(g);
    assert.throws(() => expandGrid(g), message);
  };
  test("typos in base, its data, rates and adapter, in the axes and at the top are errors, not cache hits of the old grid", () => {
    bad((g) => { g.base.adapter.lora_aplha = 8; }, /grid "strict": base\.adapter\.lora_aplha: unknown field; did you mean lora_alpha\?/);
    bad((g) => { g.base.rates.ration = 4; }, /base\.rates\.ration: unknown field; did you mean ratio\?/);
    bad((g) => { g.base.data.maxtrain = 10; }, /base\.data\.maxtrain: unknown field; did you mean maxTrain\?/);
    bad((g) => { g.base.stpes = 10; }, /base\.stpes: unknown field; did you mean steps\?/);
    bad((g) => { g.axis = {}; }, /axis: unknown field; did you mean axes\?/);
    bad((g) => { g.axes.ratios = [2]; }, /unknown axis "ratios"; did you mean ratio\?/);
    bad((g) => { g.axes.adapter = [{ method: "lora", rnak: 2 }]; }, /axes\.adapter\[0\]\.rnak: unknown field; did you mean rank\?|axes\.adapter\[0\]\.rnak: unknown field/);
    bad((g) => { g.axes.task = [{ dir: "data/tasks", task: "SST-2", maxEvel: 3 }]; }, /axes\.task\[0\]\.maxEvel: unknown field; did you mean maxEval\?/);
  });
  test("sizes that would fail in every worker fail at expansion", () => {
    bad((g) => { g.base.maxLength = 1; }, /base\.maxLength must be an integer ≥ 2, got 1/);
    bad((g) => { g.base.data.maxTrain = 0; }, /base\.data\.maxTrain must be a positive integer, got 0/);
    bad((g) => { g.base.data.maxEval = 2.5; }, /base\.data\.maxEval must be a positive integer, got 2.5/);
  });
});

/**
 * Random mutations of a valid object: rename a key to a near miss, replace a value by one of another type, or by an
 * extreme number. A parse that succeeds must hold exactly the values written (nothing dropped, nothing coerced).
 */
function fuzz(valid: unknown, parse: (x: unknown) => unknown, named: (err: Error) => boolean, check: (mutated: any, parsed: any) => void, trials = 300) {
  const rng = new Rng(19);
  const paths = (x: any, prefix: string[] = []): string[][] =>
    typeof x === "object" && x !== null && !Array.isArray(x) ? Object.keys(x).flatMap((k) => [[...prefix, k], ...paths(x[k], [...prefix, k])]) : [];
  const all = paths(valid);
  const odd = [null, "x", -1, 0, 1e308, -1e308, 1.5, true, [], {}, [1, 2], "1e-4", Number.MAX_SAFE_INTEGER + 2];
  for (let t = 0; t < trials; t++) {
    const mutated = clone(valid) as any;
    const p = all[Math.floor(rng.uniform() * all.length)];
    const parent = p.slice(0, -1).reduce((o, k) => o[k], mutated);
    const key = p[p.length - 1];
    let renamed: string | undefined;
    if (rng.uniform() < 0.4) {
      renamed = key.length > 2 ? key.slice(0, 1) + key.slice(2, 3) + key.slice(1, 2) + key.slice(3) : `${key}x`;
      if (renamed === key) renamed = `${key}_`;
      parent[renamed] = parent[key];
      delete parent[key];
    } else {
      parent[key] = odd[Math.floor(rng.uniform() * odd.length)];
    }
    let parsed: unknown;
    try {
      parsed = parse(mutated);
    } catch (err) {
      assert.ok(named(err as Error), `mutation ${p.join(".")}${renamed ? ` → ${renamed}` : ` = ${JSON.stringify(parent[key])}`}: unnamed error ${(err as Error).name}: ${(err as Error).message}`);
      if (renamed) assert.match((err as Error).message, new RegExp(renamed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), "a renamed key is named");
      continue;
    }
    assert.ok(renamed === undefined, `renamed ${p.join(".")} → ${renamed} parsed silently`);
    check(mutated, parsed);
  }
}

describe("fuzzed configs never parse with a changed meaning (issue 19, acceptance)", () => {
  test("run configs", () => {
    fuzz(RUN, (x) => parseRunConfig(x, "run.json"), (e) => e instanceof RunConfigError && /run\.json: /.test(e.message), (m, c) => {
      assert.equal(c.steps, m.steps);
      assert.equal(c.batchSize, m.batchSize ?? 32);
      assert.equal(c.rates.etaQK, m.rates.etaQK);
      assert.equal(c.rates.ratio, m.rates.ratio ?? 1);
      assert.equal(c.schedule.warmupSteps, m.schedule.warmupSteps ?? 0);
      assert.equal(c.data.maxLength, m.data.maxLength ?? 128);
    });
  });
  test("hand-written adapters", () => {
    fuzz(RUN.adapter, (x) => strictAdapterFields(x, "adapter"), (e) => e instanceof AdapterConfigError && /adapter/.test(e.message), () => {});
  });
  test("grid files", () => {
    fuzz(GRID(), (x) => expandGrid(x as GridSpec), (e) => /^grid /.test(e.message) || /grid "strict"/.test(e.message), (m, runs) => {
      for (const r of runs as any[]) {
        assert.equal(r.steps, m.base.data?.steps ?? m.base.steps);
        assert.equal(r.batchSize, m.base.batchSize);
        assert.equal(r.maxLength, m.base.maxLength);
      }
    }, 200);
  });
});
