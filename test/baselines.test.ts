// The baselines against independent computations: the objective's gradient against central finite
// differences, the fitted optimum against closed forms (a 1-D logistic regression solved by bisection; an
// unregularised multinomial model whose optimum is the empirical class frequencies), and toy tasks whose
// answer is known (a separable rule; a rule that needs the pair's sides kept apart).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BagOfWords, bagOfWordsBaseline, BaselineError, fitSoftmaxRegression, majorityBaseline, predictProba, softmaxObjective, SparseRow, wordTokens,
} from "../lib/data/baselines";
import { TextExample } from "../lib/data/example";
import { Rng } from "../lib/random/index";

const row = (index: number[], value: number[]): SparseRow => ({ index: Int32Array.from(index), value: Float64Array.from(value) });

describe("softmax regression", () => {
  test("the gradient matches central finite differences", () => {
    const rng = new Rng(3);
    const classes = 3;
    const features = 5;
    const fixed = Array.from({ length: 7 }, () => {
      const index = [0, 1, 2, 3, 4].filter(() => rng.uniform() < 0.6);
      return row(index, index.map(() => rng.normal()));
    });
    const labels = fixed.map((_, i) => i % classes);
    const model = { classes: classes, features: features, params: new Float64Array(classes * (features + 1)) };
    const params = Float64Array.from({ length: model.params.length }, () => 0.5 * rng.normal());
    const l2 = 0.3;
    const { grad } = softmaxObjective(model, params, fixed, labels, l2);
    const h = 1e-6;
    for (let k = 0; k < params.length; k++) {
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[k] += h;
      minus[k] -= h;
      const numeric = (softmaxObjective(model, plus, fixed, labels, l2).loss - softmaxObjective(model, minus, fixed, labels, l2).loss) / (2 * h);
      assert.ok(Math.abs(numeric - grad[k]) < 1e-7, `parameter ${k}: analytic ${grad[k]}, numeric ${numeric}`);
    }
  });

  test("two classes in one dimension: the optimum solves σ(−w) = λw/2", () => {
    // Points x = +1 (class 1) and x = −1 (class 0). With weights w₀, w₁ both penalised, symmetry gives
    // w₀ = −w₁, biases equal, and the logit difference w = w₁ − w₀ minimises log(1 + e^{−w}) + λw²/4.
    const l2 = 0.1;
    const sigma = (t: number) => 1 / (1 + Math.exp(-t));
    let lo = 0;
    let hi = 50;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (sigma(-mid) - (l2 * mid) / 2 > 0) lo = mid;
      else hi = mid;
    }
    const w = (lo + hi) / 2;
    const model = fitSoftmaxRegression([row([0], [1]), row([0], [-1])], [1, 0], 2, 1, { l2: l2, iterations: 100 });
    const [p] = predictProba(model, [row([0], [1])]);
    assert.ok(Math.abs(p[1] - sigma(w)) < 1e-7, `P(class 1 | x = 1) = ${p[1]}, closed form ${sigma(w)}`);
  });

  test("without regularisation, one-hot groups fit their empirical class frequencies", () => {
    // Group g's rows all have feature g only; its counts per class are counts[g]. The unpenalised optimum
    // of a model that can give each group any distribution is the group's empirical distribution.
    const counts = [[6, 3, 1], [2, 2, 4], [1, 5, 2]];
    const rows: SparseRow[] = [];
    const labels: number[] = [];
    counts.forEach((perClass, g) => perClass.forEach((n, c) => {
      for (let i = 0; i < n; i++) {
        rows.push(row([g], [1]));
        labels.push(c);
      }
    }));
    const model = fitSoftmaxRegression(rows, labels, 3, 3, { l2: 0, iterations: 500 });
    const probs = predictProba(model, [0, 1, 2].map((g) => row([g], [1])));
    counts.forEach((perClass, g) => {
      const total = perClass.reduce((a, b) => a + b, 0);
      perClass.forEach((n, c) => assert.ok(Math.abs(probs[g][c] - n / total) < 1e-5, `group ${g} class ${c}: ${probs[g][c]} vs ${n / total}`));
    });
  });

  test("bad options are named", () => {
    assert.throws(() => fitSoftmaxRegression([row([0], [1])], [0], 2, 1, { l2: -1 }), (e: Error) => e instanceof BaselineError && /l2 .* -1/.test(e.message));
    assert.throws(() => fitSoftmaxRegression([row([0], [1])], [0], 2, 1, { iterations: 0 }), /iterations must be a positive integer, got 0/);
  });
});

describe("bag-of-words baselines", () => {
  test("wordTokens lowercases and splits punctuation off", () => {
    assert.deepEqual(wordTokens("It's a Charming , film!"), ["it's", "a", "charming", ",", "film", "!"]);
  });

  test("features count words; a pair's second text gets its own features", () => {
    const bow = BagOfWords.fit([{ text: "a b a", pair: "a", label: 0 }]);
    assert.deepEqual([...bow.vocabulary.keys()], ["a", "b", "2:a"]);
    const f = bow.features({ text: "a a c", pair: "b", label: 0 });
    // "c" and "2:b" were never seen in training: dropped.
    assert.deepEqual([...f.index], [0]);
    assert.deepEqual([...f.value], [2]);
  });

  const sample = (rng: Rng, n: number, make: (rng: Rng) => TextExample) => Array.from({ length: n }, () => make(rng));
  const filler = ["the", "a", "cat", "sat", "on", "mat", "it", "was", "then"];
  const words = (rng: Rng, k: number) => Array.from({ length: k }, () => filler[rng.int(filler.length)]);

  test("a separable rule is learnt exactly", () => {
    const make = (rng: Rng): TextExample => {
      const label = rng.int(2);
      return { text: [...words(rng, 4), label === 1 ? "good" : "bad", ...words(rng, 3)].join(" "), label: label };
    };
    const r = bagOfWordsBaseline(sample(new Rng(1), 200, make), [sample(new Rng(2), 100, make)]);
    assert.equal(r.accuracy[0], 1);
  });

  test("a rule on the second text only needs the sides kept apart", () => {
    // Label 1 iff "key" is in the pair; "key" appears in the first text at random, so merged features could not tell.
    const make = (rng: Rng): TextExample => {
      const label = rng.int(2);
      const first = [...words(rng, 3), ...(rng.int(2) ? ["key"] : [])].join(" ");
      return { text: first, pair: [...words(rng, 3), ...(label ? ["key"] : [])].join(" "), label: label };
    };
    const r = bagOfWordsBaseline(sample(new Rng(3), 300, make), [sample(new Rng(4), 100, make)]);
    assert.equal(r.accuracy[0], 1);
  });

  test("the majority class comes from train (the smaller id on a tie) and is scored on each set", () => {
    const ex = (label: number): TextExample => ({ text: "x", label: label });
    const r = majorityBaseline([0, 1, 2, 2, 1].map(ex), [[2, 2, 0, 1].map(ex), [1].map(ex)]);
    assert.equal(r.label, 1);
    assert.deepEqual(r.accuracy, [0.25, 1]);
    assert.equal(majorityBaseline([2, 2, 1, 1].map(ex), [[2].map(ex)]).label, 1);
  });

  test("a label that is no class id is named", () => {
    assert.throws(() => majorityBaseline([{ text: "x", label: 0 }], [[{ text: "y", label: 0.5 }]]), /evals\[0\]\[0\]\.label must be a class id .* got 0\.5/);
    assert.throws(() => bagOfWordsBaseline([], []), /train must hold at least one example/);
  });
});
