// Theorem 1 (lib/bounds/theorem1.ts) against numbers worked out by hand from docs/paper.md §2, the paper's own
// quoted values, the printed constants 4 and 6, and the ratios sqrt(1.5) and sqrt(ln 2); plus `qkv bound`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
  boundFormula, BoundsError, GLUE_TRAIN_SIZES, headParams, modelBound, informationBound, parameterBound, parseLayers,
  PAPER_THEOREM1_VALUES, theorem1Bound, xuRaginsky,
} from "../lib/bounds/index";
import { big, Big, math, positiveFinite, positiveInteger } from "../lib/bounds/math";
import { adapterConfig, countParameters } from "../lib/lora/index";
import { preset } from "../lib/models/presets";

interface PaperStatementInput {
  /** m: number of adapted matrix types (2 for QV, 3 for QKV). */
  adaptedTypes: number;
  /** The common shape of every adapted matrix (the theorem assumes W_q, W_k, W_v ∈ R^{d_in×d_out}). */
  dIn: number;
  dOut: number;
  /** |I|: number of adapted layers. */
  layers: number;
  rank: number;
  bits: number;
  subgaussian: number;
  samples: number;
}

/** The oracle: Theorem 1 exactly as printed (transcribed here, apart from lib/bounds): sqrt((2m R² / N) · q · r · Σ_{i∈I}(d_in + d_out)), i.e. 4 for QV, 6 for QKV. */
function paperStatement(input: PaperStatementInput): Big {
  const m = positiveInteger(input.adaptedTypes, "adaptedTypes (m)");
  const dSum = big(positiveInteger(input.layers, "layers (|I|)")).times(
    positiveInteger(input.dIn, "dIn") + positiveInteger(input.dOut, "dOut"));
  const R = big(positiveFinite(input.subgaussian, "subgaussian (R)"));
  const constant = R.times(R).times(2 * m).div(positiveInteger(input.samples, "samples (N)"));
  return math.sqrt(constant.times(positiveFinite(input.bits, "bits (q)")).times(positiveInteger(input.rank, "rank (r)")).times(dSum)) as Big;
}

import { mathBundle } from "../lib/plot/index";
import { REPO_ROOT } from "../lib/paths";

const close = (actual: number, expected: number, rel = 1e-12, what = "") =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what} ${actual} vs ${expected}`);

const roberta = (targets: string, samples: number, extra: object = {}) =>
  modelBound({ model: "roberta-base", targets, rank: 8, bits: 32, subgaussian: 0.5, samples, ...extra });

describe("Theorem 1, closed form", () => {
  test("RoBERTa-base, QV, r = 8, q = 32, R = 1/2, N = 2490 gives 43.53 (paper form)", () => {
    const r = roberta("q,v", 2490);
    // By hand: P = 12 layers · 2 matrices · 8 · (768 + 768) = 294 912; 2·(1/4)·32·294 912 / 2490 = 4 718 592 / 2490.
    assert.equal(r.trainableParams, 294_912);
    close(r.bound, Math.sqrt(4_718_592 / 2490));
    assert.equal(r.bound.toFixed(2), "43.53");
    assert.equal(r.boundExact.slice(0, 12), "43.531791457");
  });

  test("the paper's quoted values: 43.5 on RTE and 3.47 on MNLI", () => {
    const s = PAPER_THEOREM1_VALUES.setting;
    for (const { task, bound } of PAPER_THEOREM1_VALUES.bounds) {
      const r = modelBound({ ...s, samples: GLUE_TRAIN_SIZES[task] });
      assert.equal(r.bound.toFixed(String(bound).split(".")[1].length), String(bound), task);
    }
  });

  test("QKV / QV = sqrt(1.5) at every N, rank and bit width when the shapes are equal (RoBERTa)", () => {
    for (const samples of [1, 2490, 392_702]) {
      for (const rank of [4, 64]) {
        for (const bits of [8, 32]) {
          const qv = roberta("q,v", samples, { rank, bits });
          const qkv = roberta("q,k,v", samples, { rank, bits });
          close(qkv.bound / qv.bound, Math.sqrt(1.5), 1e-14);
        }
      }
    }
  });

  test("the head in P: RoBERTa-base's 2-label head is 592,130, and QKV / QV falls from √1.5 to 1.080", () => {
    // RoBERTa's head: dense d×d + d, then out_proj d×labels + labels (lib/models/count.ts, counted once as the
    // tensors that are trained: lib/lora/count.ts's peft-0.15 convention; Table 2's "paper" convention counts two).
    const d = 768, L = 12, r = 8;
    const head = d * d + d + d * 2 + 2;
    assert.equal(head, 592_130);
    assert.equal(headParams("roberta-base", { labels: 2 }), head);
    assert.equal(headParams("roberta-base", { labels: 2, convention: "paper" }), 2 * head);
    assert.equal(headParams("roberta-base", { labels: 3 }), head + d + 1);
    assert.equal(headParams("llama-3.1-8b", { labels: 2 }), 4096 * 2, "Llama's score head has no bias");
    const qv = roberta("q,v", 2490, { head: { labels: 2 } });
    const qkv = roberta("q,k,v", 2490, { head: { labels: 2 } });
    const adapters = 2 * L * r * 2 * d;
    assert.deepEqual([qv.adapterParams, qv.headParams, qv.trainableParams], [adapters, head, adapters + head]);
    assert.equal(qkv.trainableParams, 3 * L * r * 2 * d + head);
    // Closed forms: the ratio of the bounds is sqrt of the ratio of the P's (the rest cancels).
    const withHead = Math.sqrt((3 * L * r * 2 * d + head) / (2 * L * r * 2 * d + head));
    close(qkv.bound / qv.bound, withHead, 1e-14, "head-included ratio");
    assert.equal((qkv.bound / qv.bound).toFixed(3), "1.080");
    close(roberta("q,k,v", 2490).bound / roberta("q,v", 2490).bound, Math.sqrt(1.5), 1e-14, "adapter-only ratio");
    assert.equal(Math.sqrt(1.5).toFixed(3), "1.225");
    close(qv.bound, Math.sqrt((2 * 0.25 * 32 * (294_912 + 592_130)) / 2490), 1e-14, "the bound itself");
    // The head's share shrinks with the rank: the ratio climbs back towards √1.5.
    const at = (targets: string, rank: number) => roberta(targets, 1000, { rank, head: { labels: 2 } }).bound;
    const ratioAt = (rank: number) => at("q,k,v", rank) / at("q,v", rank);
    assert.ok(ratioAt(8) < ratioAt(64) && ratioAt(64) < Math.sqrt(1.5));
    // The adapter count agrees with lib/lora's counter.
    const config = preset("roberta-base");
    const counted = countParameters(config, adapterConfig({ r: 8, targetModules: "q,v" }, config), { labels: 2 });
    assert.deepEqual([qv.adapterParams, qv.headParams], [counted.adapter, counted.head]);
    // Shown in the formula as its own term.
    assert.match(boundFormula(qv, "QV").plain, /\+ 592,130 \(head\) = 887,042$/);
    const matrices = [{ name: "q", dIn: 4, dOut: 4, layers: 1 }];
    const tiny = { matrices: matrices, rank: 1, bits: 1, subgaussian: 1, samples: 1 };
    assert.throws(() => theorem1Bound({ ...tiny, headParams: -3 }), /headParams must be a positive integer, got -3/);
    assert.equal(theorem1Bound({ ...tiny, headParams: 0 }).trainableParams, 8);
  });

  test("Zhu et al.'s form / the paper's = sqrt(ln 2)", () => {
    for (const targets of ["q", "q,v", "k,v", "q,k,v"]) {
      close(roberta(targets, 8551, { form: "zhu" }).bound / roberta(targets, 8551).bound, Math.sqrt(Math.LN2), 1e-14, targets);
    }
  });

  test("with equal shapes the general form reduces to the printed constants 4 (QV) and 6 (QKV)", () => {
    for (const [targets, m] of [["q,v", 2], ["q,k,v", 3]] as const) {
      const printed = paperStatement({ adaptedTypes: m, dIn: 768, dOut: 768, layers: 12, rank: 8, bits: 32, subgaussian: 0.5, samples: 2490 });
      close(roberta(targets, 2490).bound, printed.toNumber(), 1e-15, targets);
      // The constant itself: bound² · N / (R² q r Σ(d_in + d_out)) = 2m.
      close(printed.toNumber() ** 2 * 2490 / (0.25 * 32 * 8 * 12 * 1536), 2 * m, 1e-12);
    }
    // Unequal d_in, d_out (still equal across matrices): r(d_in + d_out) per matrix, as printed.
    const general = theorem1Bound({
      matrices: [{ name: "query", dIn: 300, dOut: 500, layers: 5 }, { name: "value", dIn: 300, dOut: 500, layers: 5 }],
      rank: 4, bits: 16, subgaussian: 2, samples: 777,
    });
    const printed = paperStatement({ adaptedTypes: 2, dIn: 300, dOut: 500, layers: 5, rank: 4, bits: 16, subgaussian: 2, samples: 777 });
    close(general.bound, printed.toNumber(), 1e-15);
  });

  test("Llama-3.1-8B: true GQA shapes (W_q 4096×4096, W_k and W_v 4096×1024), not the paper's equal-shape constant", () => {
    const llama = (targets: string) => modelBound({ model: "llama-3.1-8b", targets, rank: 16, bits: 32, subgaussian: 0.5, samples: 392_702 });
    const qv = llama("q,v");
    const qkv = llama("q,k,v");
    // docs/paper.md §5.4: Llama-3.1-8B adapters at r = 16 are 9 437 184 (QKV) and 6 815 744 (QV) parameters.
    assert.equal(qkv.trainableParams, 9_437_184);
    assert.equal(qv.trainableParams, 6_815_744);
    close(qv.bound, Math.sqrt((2 * 0.25 * 32 * 6_815_744) / 392_702));
    close(qkv.bound / qv.bound, Math.sqrt((8192 + 5120 + 5120) / (8192 + 5120)), 1e-14);
    assert.ok(qkv.bound / qv.bound < Math.sqrt(1.5));
    // Assuming every matrix were 4096×4096 would overstate the QKV bound.
    const equalShapes = paperStatement({ adaptedTypes: 3, dIn: 4096, dOut: 4096, layers: 32, rank: 16, bits: 32, subgaussian: 0.5, samples: 392_702 });
    assert.ok(equalShapes.toNumber() > qkv.bound);
  });

  test("B-only: P = r · d_out per matrix and layer", () => {
    const r = roberta("q,k,v", 2490, { variant: "b-only" });
    assert.equal(r.trainableParams, 3 * 12 * 8 * 768);
    const llama = modelBound({ model: "llama-3.1-8b", targets: "k", rank: 16, bits: 16, subgaussian: 1, samples: 1000, variant: "b-only", layers: [0, 1] });
    assert.equal(llama.trainableParams, 2 * 16 * 1024);
    close(llama.bound, Math.sqrt((2 * 16 * 2 * 16 * 1024) / 1000));
  });

  test("the bound scales as sqrt(r q |I| / N)", () => {
    const base = roberta("q,v", 1000).bound;
    close(roberta("q,v", 4000).bound, base / 2, 1e-14);
    close(roberta("q,v", 1000, { rank: 32 }).bound, base * 2, 1e-14);
    close(roberta("q,v", 1000, { bits: 8 }).bound, base / 2, 1e-14);
    close(roberta("q,v", 1000, { layers: [0, 1, 2] }).bound, base / 2, 1e-14);
  });

  test("Xu-Raginsky and the parameter bound, by hand", () => {
    close(xuRaginsky(0.5, 2, 4).toNumber(), 0.5); // sqrt(2 · 1/4 · 2 / 4)
    assert.equal(xuRaginsky(1, 0, 10).toNumber(), 0);
    close(parameterBound(1, 4, 0.5, 2, "zhu").toNumber(), Math.sqrt(Math.LN2));
    close(parameterBound(1, 4, 0.5, 2, "paper").toNumber(), 1);
    // The bound's one expression is Xu and Raginsky's bound at the entropy bound on I(W;S).
    for (const form of ["paper", "zhu"] as const) {
      for (const [P, q, R, N] of [[294_912, 32, 0.5, 2490], [7, 3.5, 2, 11]]) {
        close(parameterBound(P, q, R, N, form).toNumber(), xuRaginsky(R, informationBound(P, q, form), N).toNumber(), 1e-12);
      }
    }
  });
});

describe("Theorem 1, input checks", () => {
  const base = { matrices: [{ name: "query", dIn: 768, dOut: 768, layers: 12 }], rank: 8, bits: 32, subgaussian: 0.5, samples: 100 };
  const cases: [string, object, RegExp][] = [
    ["R = 0", { subgaussian: 0 }, /subgaussian \(R\) must be a positive finite number, got 0/],
    ["q < 0", { bits: -1 }, /bits \(q\) must be a positive finite number, got -1/],
    ["r not an integer", { rank: 2.5 }, /rank \(r\) must be a positive integer, got 2.5/],
    ["N = 0", { samples: 0 }, /samples \(N\) must be a positive integer, got 0/],
    ["N NaN", { samples: NaN }, /samples \(N\) must be a positive integer, got null/],
    ["r > min(d_in, d_out)", { rank: 65, matrices: [{ name: "key", dIn: 768, dOut: 64, layers: 1 }] }, /rank \(r\) = 65 exceeds min\(d_in, d_out\) = 64 of matrices\[0\] \(key\) \(768×64\)/],
    ["shape not an integer", { matrices: [{ name: "value", dIn: 768.5, dOut: 768, layers: 1 }] }, /matrices\[0\] \(value\)\.dIn must be a positive integer, got 768.5/],
    ["layers 0", { matrices: [{ name: "value", dIn: 768, dOut: 768, layers: 0 }] }, /matrices\[0\] \(value\)\.layers must be a positive integer, got 0/],
    ["no matrices", { matrices: [] }, /matrices must list at least one adapted matrix/],
    ["form", { form: "nats" }, /form must be one of paper, zhu, got "nats"/],
    ["variant", { variant: "a-only" }, /variant must be one of lora, b-only, got "a-only"/],
  ];
  for (const [name, change, message] of cases) {
    test(name, () => assert.throws(() => theorem1Bound({ ...base, ...change } as never), (e: Error) => e instanceof BoundsError && message.test(e.message)));
  }
  test("layer specifications", () => {
    assert.deepEqual(parseLayers("all", 4), [0, 1, 2, 3]);
    assert.deepEqual(parseLayers("0-2", 12), [0, 1, 2]);
    assert.deepEqual(parseLayers("8-9, 0,3,3", 12), [0, 3, 8, 9]);
    assert.throws(() => parseLayers("0-12", 12), /layer 12 does not exist; the model has layers 0-11/);
    assert.throws(() => parseLayers("5-2", 12), /range "5-2" runs backwards/);
    assert.throws(() => parseLayers("first", 12), /"first" is not a layer/);
    assert.throws(() => modelBound({ model: "roberta-base", targets: "q", rank: 8, bits: 32, subgaussian: 0.5, samples: 10, layers: [] }), /layers is empty/);
  });
});

describe("Theorem 1, the formula shown in notebooks", () => {
  test("numbers substituted, P spelled out from the shapes, and KaTeX accepts the LaTeX", () => {
    const f = boundFormula(roberta("q,v", 2490), "QV");
    assert.match(f.plain, /= sqrt\(2 \* 0\.5 \^ 2 \* 32 \* 294,912 \/ 2,490\) = 43\.53/);
    assert.match(f.plain, /P = Σ \|I\|·r·\(d_in\+d_out\) = 12·8·\(768\+768\) \+ 12·8·\(768\+768\) = 294,912/);
    assert.match(f.latex, /294\\,912/);
    assert.match(f.latex, /\\mathcal\{A\}_\{\\mathrm\{QV\}\}/);
    assert.match(mathBundle(f.latex, f.plain)["text/html"], /<math/);
    const zhu = boundFormula(roberta("q,k,v", 2490, { form: "zhu" }));
    assert.match(zhu.plain, /ln\(2\)/);
    assert.match(zhu.latex, /\\ln/);
    assert.match(mathBundle(zhu.latex, zhu.plain)["text/html"], /<math/);
  });
});

describe("qkv bound", () => {
  const qkv = (args: string[]) => {
    const r = spawnSync(path.join(REPO_ROOT, "bin", "qkv"), ["bound", ...args], { encoding: "utf8", timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test("--json prints the bound, P and the form", () => {
    const r = qkv(["--model", "roberta-base", "--targets", "q,v", "--rank", "8", "--bits", "32", "--subgaussian", "0.5", "--samples", "2490", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    close(out.bound, Math.sqrt(4_718_592 / 2490));
    assert.equal(out.trainableParams, 294_912);
    assert.equal(out.form, "paper");
    const zhu = JSON.parse(qkv(["--samples", "2490", "--form", "zhu", "--layers", "0-5", "--json"]).stdout);
    assert.equal(zhu.trainableParams, 294_912 / 2);
    close(zhu.bound, Math.sqrt((4_718_592 / 2) * Math.LN2 / 2490));
    const head = JSON.parse(qkv(["--samples", "2490", "--head-labels", "2", "--json"]).stdout);
    assert.deepEqual([head.adapterParams, head.headParams, head.trainableParams], [294_912, 592_130, 887_042]);
  });

  test("bad input exits 2 and names the option", () => {
    const cases: [string[], RegExp][] = [
      [["--samples", "0"], /--samples must be a positive number, got "0"/],
      [["--samples", "2.5"], /--samples must be a positive integer, got "2.5"/],
      [["--samples", "10", "--model", "gpt-2"], /unknown model "gpt-2"/],
      [["--samples", "10", "--targets", "q,z"], /unknown target "z"/],
      [["--samples", "10", "--layers", "3-40"], /--layers: layer 40 does not exist/],
      [["--samples", "10", "--rank", "2000"], /rank \(r\) = 2000 exceeds min\(d_in, d_out\) = 768/],
      [["--samples", "10", "--form", "bits"], /--form must be one of paper, zhu, got "bits"/],
      [["--samples", "10", "--head-labels", "0"], /--head-labels must be a positive number, got "0"/],
      [[], /--samples \(the training-set size N\) is required/],
    ];
    for (const [args, message] of cases) {
      const r = qkv(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
