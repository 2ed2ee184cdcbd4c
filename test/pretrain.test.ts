// Pretraining: the vocabulary builder, the two objectives' batches, the LM heads' loss and gradients against
// the float64 PyTorch reference, and whole runs (same seed → same bytes; stopped and resumed → the same
// bytes as uninterrupted; the checkpoint loads for fine-tuning).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { attachAdapter } from "../lib/lora/index";
import { createModel, disposeBatch, loadModel, makeBatch, ModelConfig, preset, trainableVariables } from "../lib/models/index";
import { builtinSynonymItems, clozeAccuracy, loadLanguageModel } from "../lib/pretrain/cloze";
import { causalLmBatch, maskedLmBatch, MaskingVocab } from "../lib/pretrain/objectives";
import { sha256 } from "../lib/files/index";
import { lmLoss, maskingVocab, PretrainCorpus, PretrainError, pretrain, pretrainingModel, sampleRows } from "../lib/pretrain/run";
import { tokenizeCorpus } from "../lib/pretrain/corpus";
import { checkpointDir, pretrainRecipe } from "../lib/pretrain/recipe";
import { isSentimentGloss } from "../lib/data/builtin/index";
import { Rng } from "../lib/random/index";
import { buildWordPieceVocab, PRETRAIN_SPECIALS, WordPieceTokenizer } from "../lib/tokenizers/index";
import { relativeError, torchProblem, torchReference, values } from "./helpers/torch";

const skipTorch = torchProblem();

before(async () => {
  await selectBackend();
});

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "qkv-pretrain-"));
}

describe("buildWordPieceVocab", () => {
  const texts = ["The cat sat.", "the cat ran!", "a dog sat", "zebra"];
  test("specials in RoBERTa's id order, then characters, continuations and words by frequency", () => {
    const vocab = buildWordPieceVocab(texts, { maxSize: 100 });
    assert.deepEqual(vocab.slice(0, 5), ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"]);
    const chars = [..."!.abcdeghnorstz"];
    assert.deepEqual(vocab.slice(5, 5 + chars.length), chars);
    assert.deepEqual(vocab.slice(5 + chars.length, 5 + 2 * chars.length), chars.map((c) => `##${c}`));
    // "the", "cat", "sat" twice (ties in code-point order); "ran", "a", "dog", "zebra" once: below minCount 2.
    assert.deepEqual(vocab.slice(5 + 2 * chars.length), ["cat", "sat", "the"]);
  });
  test("no word of the corpus becomes [UNK], and maxSize is respected", () => {
    const vocab = buildWordPieceVocab(texts, { maxSize: 37, minCount: 1 });
    assert.equal(vocab.length, 37);
    const tok = new WordPieceTokenizer(new Map(vocab.map((t, i) => [t, i])), { specials: PRETRAIN_SPECIALS });
    for (const text of texts) assert.ok(!tok.tokenize(text).includes(3), text);
    assert.deepEqual(tok.idsToTokens(tok.tokenize("zebra cat")), ["z", "##e", "##b", "##r", "##a", "cat"]);
  });
  test("a size below the specials and the alphabet is an error that says so", () => {
    assert.throws(() => buildWordPieceVocab(texts, { maxSize: 10 }), /maxSize 10 is below the 35 tokens/);
  });
});

describe("objectives", () => {
  const vocab: MaskingVocab = { size: 50, maskId: 4, padId: 1, specialIds: new Set([0, 1, 2, 3, 4]) };
  test("masked LM: about 15 % of real tokens, 80/10/10, never a special, at least one per row", () => {
    const rng = new Rng(7);
    const rows = Array.from({ length: 400 }, (_, i) => [0, ...Array.from({ length: 20 + (i % 20) }, () => 5 + rng.int(45)), 2]);
    const lm = maskedLmBatch(rows, vocab, new Rng(1));
    const T = lm.batch.inputIds.shape[1];
    const inputs = lm.batch.inputIds.arraySync();
    const realTokens = rows.reduce((n, r) => n + r.length - 2, 0);
    assert.ok(Math.abs(lm.positions.length / realTokens - 0.15) < 0.02, `rate ${lm.positions.length / realTokens}`);
    let masked = 0;
    let kept = 0;
    const perRow = new Array(rows.length).fill(0);
    lm.positions.forEach((p, i) => {
      const b = Math.floor(p / T);
      const t = p % T;
      perRow[b]++;
      assert.equal(lm.targets[i], rows[b][t]);
      assert.ok(t > 0 && t < rows[b].length - 1, "a special token was chosen");
      if (inputs[b][t] === vocab.maskId) masked++;
      else if (inputs[b][t] === rows[b][t]) kept++;
      else assert.ok(!vocab.specialIds.has(inputs[b][t]), "a special token was drawn as the random replacement");
    });
    assert.ok(perRow.every((n) => n >= 1));
    const n = lm.positions.length;
    assert.ok(Math.abs(masked / n - 0.8) < 0.04, `[MASK] share ${masked / n}`);
    // Kept: the 10 % left alone plus random draws that hit the same token (1/45 of the other 10 %).
    assert.ok(Math.abs(kept / n - 0.1) < 0.03, `kept share ${kept / n}`);
    tf.dispose([lm.batch.inputIds, lm.batch.attentionMask, lm.batch.lastIndex]);
  });
  test("causal LM: every position but a row's last predicts the next token", () => {
    const lm = causalLmBatch([[0, 7, 8, 2], [0, 9, 2]], 1);
    assert.deepEqual([...lm.positions], [0, 1, 2, 4, 5]);
    assert.deepEqual([...lm.targets], [7, 8, 2, 9, 2]);
    assert.deepEqual(lm.batch.inputIds.arraySync(), [[0, 7, 8, 2], [0, 9, 2, 1]]);
  });
});

describe("LM heads against PyTorch (float64 reference, 1e-4 relative)", { skip: skipTorch || false }, () => {
  const cases: [string, ModelConfig][] = [
    ["encoder (RobertaLMHead, decoder tied to the embeddings)", preset("encoder-tiny")],
    ["decoder with its own lm_head", { ...preset("decoder-tiny"), padTokenId: 1 } as ModelConfig],
    ["decoder with tied embeddings", { ...preset("decoder-tiny"), padTokenId: 1, tieEmbeddings: true } as ModelConfig],
  ];
  for (const [label, config] of cases) {
    test(label, () => {
      const model = pretrainingModel(config, 4);
      // Non-trivial head biases and norms, so their gradient paths are checked too.
      for (const [name, v] of trainableVariables(model)) if (name.startsWith("lm_head.") && v.rank === 1) v.assign(tf.randomNormal(v.shape, 1, 0.3, "float32", 9));
      const vocab = maskingVocab(["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]", ...Array.from({ length: config.vocabSize - 5 }, (_, i) => `w${i}`)]);
      const rows = [[0, 5, 9, 12, 7, 2], [0, 33, 40, 2], [0, 17, 60, 21, 40, 11, 2]];
      const lm = config.architecture === "encoder" ? maskedLmBatch(rows, vocab, new Rng(3), 0.4) : causalLmBatch(rows, 1);
      const vars = trainableVariables(model);
      const { value, grads } = tf.variableGrads(() => lmLoss(model, lm), [...vars.values()]);
      const masked = lm.batch.inputIds.arraySync().map((r, b) => r.slice(0, rows[b].length));
      const [ref] = torchReference([{ model, rows: masked, targets: [], trainable: [...vars.keys()], lm: { positions: [...lm.positions], targets: [...lm.targets] } }]);
      const loss = value.dataSync()[0];
      assert.ok(Math.abs(loss - ref.loss) / ref.loss < 1e-4, `loss ${loss} vs ${ref.loss}`);
      for (const [name, v] of vars) {
        // The softmax ignores a constant added to every score, so a key bias has no gradient: only noise.
        if (name.endsWith("key.bias")) {
          assert.ok(Math.max(...values(grads[v.name]).map(Math.abs)) < 1e-6, `${name} has a gradient`);
          continue;
        }
        const err = relativeError(values(grads[v.name]), ref.grads[name]);
        assert.ok(err < 1e-4, `gradient of ${name}: relative error ${err.toExponential(2)}`);
      }
      tf.dispose([value, ...Object.values(grads)]);
      for (const t of model.tensors.values()) t.dispose();
    });
  }
});

describe("pretrain runs", () => {
  const vocab = ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]", ...Array.from({ length: 59 }, (_, i) => `w${i}`)];
  const rng = new Rng(5);
  // A corpus with structure to learn: each sentence counts up from a random start.
  const sentence = () => {
    const start = 5 + rng.int(40);
    return [0, ...Array.from({ length: 4 + rng.int(8) }, (_, i) => Math.min(63, start + i)), 2];
  };
  const corpus: PretrainCorpus = { description: "counting", sha256: "c0ffee", vocab, train: Array.from({ length: 300 }, sentence), validation: Array.from({ length: 40 }, sentence) };
  const spec = (architecture: "encoder" | "decoder") => ({
    config: architecture === "encoder" ? preset("encoder-tiny") : ({ ...preset("decoder-tiny"), padTokenId: 1 } as ModelConfig),
    steps: 40, batchSize: 16, lr: 3e-3, warmupSteps: 4, weightDecay: 0.01, seed: 2, evalEvery: 10,
  });
  const hash = (dir: string) => sha256(fs.readFileSync(path.join(dir, "model.safetensors")));

  for (const architecture of ["encoder", "decoder"] as const) {
    test(`${architecture}: the loss falls, the same seed gives the same checkpoint, a resumed run ends identical`, () => {
      const [a, b, c] = [tmp(), tmp(), tmp()];
      const card = pretrain(spec(architecture), corpus, a, { checkpointEvery: 0 })!;
      const v = card.validationLoss;
      assert.equal(v.length, 4);
      assert.ok(v[3].loss < v[0].loss - 0.05, `validation loss ${v.map((p) => p.loss.toFixed(3))}`);
      assert.equal(card.modelSha256, hash(a));
      pretrain(spec(architecture), corpus, b, { checkpointEvery: 0 });
      assert.equal(hash(b), hash(a), "same seed, different checkpoint");
      // Stopped after step 23 (last saved state: step 20), then run again: it resumes from step 20.
      assert.equal(pretrain(spec(architecture), corpus, c, { checkpointEvery: 10, stopAfter: 23 }), undefined);
      assert.ok(fs.existsSync(path.join(c, ".resume", "state.json")));
      let resumedFrom: number | undefined;
      pretrain(spec(architecture), corpus, c, { checkpointEvery: 10, onProgress: (p) => (resumedFrom ??= p.resumedFrom) });
      assert.equal(resumedFrom, 23);
      assert.equal(hash(c), hash(a), "the resumed run differs from the uninterrupted one");
      assert.ok(!fs.existsSync(path.join(c, ".resume")));
      const loaded = loadModel(a, { labels: 3 });
      assert.ok(loaded.unused.some((n) => n.startsWith("lm_head.")) || spec(architecture).config.architecture === "decoder");
      assert.deepEqual(loaded.initialized.sort(), architecture === "encoder" ? ["classifier.dense.bias", "classifier.dense.weight", "classifier.out_proj.bias", "classifier.out_proj.weight"] : ["score.weight"]);
      const card2 = JSON.parse(fs.readFileSync(path.join(a, "card.json"), "utf8"));
      assert.equal(card2.modelSha256, card.modelSha256);
      assert.match(fs.readFileSync(path.join(a, "README.md"), "utf8"), /pretrained with (masked|causal)-LM/);
      for (const t of loaded.model.tensors.values()) t.dispose();
    });
  }

  for (const architecture of ["encoder", "decoder"] as const) {
    test(`cloze (${architecture}): the answer's probability is exp(−LM loss) of the same input; malformed items are named`, () => {
      const dir = tmp();
      pretrain(spec(architecture), corpus, dir, { checkpointEvery: 0 });
      const result = clozeAccuracy(dir, [{ text: "w10 w11 [MASK] w13", answer: "w12" }, { text: "w30 [MASK] w32 w33", answer: "w31" }]);
      assert.equal(result.items.length, 2);
      assert.ok(result.accuracy >= 0 && result.accuracy <= 1);
      const model = loadLanguageModel(dir);
      const id = (w: string) => vocab.indexOf(w);
      // The encoder sees the whole sentence with [MASK] (id 4) in place; the decoder sees the words before it.
      const row = architecture === "encoder" ? [0, id("w10"), id("w11"), 4, id("w13"), 2] : [0, id("w10"), id("w11")];
      const at = architecture === "encoder" ? 3 : 2;
      const lm = { batch: makeBatch([row], 1), positions: Int32Array.from([at]), targets: Int32Array.from([id("w12")]) };
      const p = Math.exp(-lmLoss(model, lm).dataSync()[0]);
      assert.ok(Math.abs(result.items[0].probability - p) < 1e-5, `${result.items[0].probability} vs ${p}`);
      assert.ok(vocab.includes(result.items[0].predicted));
      // `accept` widens what counts as right: every word of the vocabulary, so every item.
      assert.equal(clozeAccuracy(dir, [{ text: "w10 w11 [MASK] w13", answer: "w12", accept: vocab }]).accuracy, 1);
      assert.throws(() => clozeAccuracy(dir, [{ text: "w1 [MASK] [MASK]", answer: "w2" }]), /exactly one \[MASK\]/);
      assert.throws(() => clozeAccuracy(dir, [{ text: "w1 [MASK]", answer: "w2 w3" }]), /"w2 w3" is not one token/);
      disposeBatch(lm.batch);
      for (const t of model.tensors.values()) t.dispose();
    });
  }

  test("the synonym probe asks, for each QQP verb, for another verb of its synonym set", () => {
    const items = builtinSynonymItems();
    const repair = items.find((i) => i.text === "to repair something is to [MASK] it .");
    assert.deepEqual(repair?.accept, ["fix", "mend"]);
    assert.ok(items.every((i) => i.accept!.length > 0 && i.accept!.includes(i.answer) && !i.text.includes(` ${i.answer} `)));
    assert.equal(new Set(items.map((i) => i.text)).size, items.length);
  });

  test("masked-LM pretraining learns to copy a word from a fixed position (cloze 1 in 50 by chance)", () => {
    // "[CLS] a b c d e f a [SEP]": the last word repeats the first. The cloze probe of the checkpoint asks for it.
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`);
    const copyVocab = ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]", ...words];
    const random = new Rng(1);
    const row = () => {
      const xs = Array.from({ length: 6 }, () => 5 + random.int(50));
      return [0, ...xs, xs[0], 2];
    };
    const copyCorpus: PretrainCorpus = { description: "copy", sha256: "c0py", vocab: copyVocab, train: Array.from({ length: 5000 }, row), validation: Array.from({ length: 40 }, row) };
    const dir = tmp();
    const config = { ...preset("encoder-tiny"), vocabSize: copyVocab.length } as ModelConfig;
    pretrain({ config, steps: 800, batchSize: 64, lr: 3e-3, warmupSteps: 48, weightDecay: 0.01, seed: 0, evalEvery: 800 }, copyCorpus, dir, { checkpointEvery: 0 });
    const items = Array.from({ length: 100 }, () => {
      const r = row();
      return { text: `${r.slice(1, 7).map((i) => copyVocab[i]).join(" ")} [MASK]`, answer: copyVocab[r[1]] };
    });
    const { accuracy } = clozeAccuracy(dir, items);
    assert.ok(accuracy > 0.8, `copy cloze accuracy ${accuracy}`);
  });

  test("a resume folder from another spec is refused with a message that names it", () => {
    const dir = tmp();
    pretrain(spec("encoder"), corpus, dir, { checkpointEvery: 5, stopAfter: 5 });
    assert.throws(() => pretrain({ ...spec("encoder"), lr: 1e-3 }, corpus, dir), (e: Error) => e instanceof PretrainError && e.message.includes(path.join(dir, ".resume")));
  });

  test("bad specs are named", () => {
    assert.throws(() => pretrain({ ...spec("encoder"), steps: 0 }, corpus, tmp()), /steps must be a positive integer, got 0/);
    assert.throws(() => pretrain({ ...spec("encoder"), config: { ...preset("encoder-tiny"), vocabSize: 70 } }, corpus, tmp()), /vocabSize 70 ≠ the vocabulary's 64 tokens/);
    assert.throws(() => pretrain({ ...spec("encoder"), curriculum: { share: 0.6, steps: 10 } }, corpus, tmp()), /a curriculum needs lexicon lines, and counting has none/);
    const withLexicon = { ...corpus, lexicon: corpus.train.slice(0, 5) };
    assert.throws(() => pretrain({ ...spec("encoder"), curriculum: { share: 1.5, steps: 10 } }, withLexicon, tmp()), /curriculum.share must be in \[0, 1\], got 1.5/);
    assert.throws(() => pretrain({ ...spec("encoder"), curriculum: { share: 0.5, steps: 41 } }, withLexicon, tmp()), /curriculum.steps must be an integer in \[0, steps\], got 41/);
  });

  test("a curriculum draws its share of rows from the lexicon during its steps, and changes nothing after them", () => {
    const lexicon = [[0, 63, 63, 2]];
    const withLexicon = { ...corpus, lexicon };
    const curriculum = { ...spec("encoder"), batchSize: 2000, curriculum: { share: 0.6, steps: 10 } };
    const fromLexicon = (rows: number[][]) => rows.filter((r) => r === lexicon[0]).length / rows.length;
    assert.ok(Math.abs(fromLexicon(sampleRows(curriculum, withLexicon, 9, new Rng(1))) - 0.6) < 0.04);
    // Past the curriculum the draws are those of a run without one: the same rows from the same generator.
    const plain = { ...spec("encoder"), batchSize: 2000 };
    assert.deepEqual(sampleRows(curriculum, withLexicon, 10, new Rng(1)), sampleRows(plain, corpus, 10, new Rng(1)));
    assert.equal(fromLexicon(sampleRows(curriculum, withLexicon, 10, new Rng(1))), 0);
  });
});

describe("the built-in corpus's lexicon lines", () => {
  test("isSentimentGloss knows the SST-2 corpus's glosses, and tokenizeCorpus keeps them among the training rows", () => {
    assert.ok(isSentimentGloss("a dull script is a bad script ."));
    assert.ok(isSentimentGloss("a superb plot is a good plot ."));
    assert.ok(!isSentimentGloss("a superb plot is a bad plot ."), "the verdict must match the adjective");
    assert.ok(!isSentimentGloss("a dull script is a bad movie ."), "the noun is repeated");
    assert.ok(!isSentimentGloss("the acting was dull , and we hated it ."));
    const sentences = ["a dull script is a bad script .", "a superb plot is a good plot .", "the plot was dull .", "we hated it .", "we loved it ."];
    const tokenized = tokenizeCorpus(sentences, { description: "t", vocabSize: 200, maxLength: 64, seed: 0, validationShare: 0.2, isLexicon: isSentimentGloss });
    const decode = (row: number[]) => row.slice(1, -1).map((id) => tokenized.vocab[id]).join(" ").replace(/ ##/g, "");
    const lexicon = tokenized.lexicon!.map(decode);
    assert.ok(lexicon.length >= 1 && lexicon.every((s) => isSentimentGloss(s)));
    assert.deepEqual(lexicon, tokenized.train.map(decode).filter((s) => isSentimentGloss(s)));
    assert.ok(lexicon.every((s) => tokenized.train.map(decode).includes(s)) && !tokenized.validation.map(decode).some((s) => lexicon.includes(s)));
  });
});

describe("the recipe at another width", () => {
  test("hiddenSize scales the width and the feed-forward, keeps layers and heads, and has its own checkpoint folder", () => {
    const shape = (model: "encoder" | "decoder", hiddenSize?: number) => {
      const c = pretrainRecipe({ model, corpus: "builtin", hiddenSize }).spec.config;
      return [c.hiddenSize, c.intermediateSize, c.numHeads, c.numLayers];
    };
    assert.deepEqual(shape("encoder"), [128, 512, 4, 4]);
    assert.deepEqual(shape("encoder", 64), [64, 256, 4, 4]);
    assert.deepEqual(shape("encoder", 256), [256, 1024, 4, 4]);
    assert.deepEqual(shape("decoder", 64), [64, 172, 4, 4]); // 344 · 64 / 128
    assert.throws(() => shape("encoder", 36), /hiddenSize must be a positive multiple of 8 \(4 heads, each an even width\), got 36/);
    assert.equal(path.basename(checkpointDir("encoder", "builtin")), "encoder-builtin");
    assert.equal(path.basename(checkpointDir("encoder", "builtin", 128)), "encoder-builtin");
    assert.equal(path.basename(checkpointDir("encoder", "builtin", 256)), "encoder-builtin-d256");
  });
});

describe("qkv pretrain (command line)", () => {
  const qkv = (...args: string[]) => spawnSync(path.join(__dirname, "..", "bin", "qkv"), ["pretrain", ...args], { encoding: "utf8" });
  test("bad options exit 2 and name the option and value", () => {
    for (const [args, message] of [
      [["--model", "gpt", "--corpus", "builtin"], /--model must be encoder or decoder, got "gpt"/],
      [["--model", "encoder", "--corpus", "wiki"], /--corpus must be builtin or glue, got "wiki"/],
      [["--model", "encoder", "--corpus", "builtin", "--weight-decay=-1"], /--weight-decay must be a number ≥ 0, got "-1"/],
      [["--model", "encoder", "--corpus", "builtin", "--hidden-size", "0"], /--hidden-size must be a positive integer, got "0"/],
      [["--model", "encoder", "--corpus", "builtin", "--hidden-size", "30"], /hiddenSize must be a positive multiple of 8 .*got 30/],
      [["--model", "encoder", "--corpus", "glue", "--glue-dir", path.join(os.tmpdir(), "no-such-glue-dir")], /no-such-glue-dir/],
    ] as const) {
      const r = qkv(...args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

describe("seed 0 is a seed", () => {
  test("tfjs treats seed 0 as unseeded; models, adapters and pretraining models from seed 0 are identical run to run", () => {
    const sums = (m: { tensors: Map<string, tf.Tensor> }) => [...m.tensors.values()].map((t) => values(t).reduce((a, b) => a + b, 0));
    const make = () => {
      const m = pretrainingModel(preset("encoder-tiny"), 0);
      return sums(m);
    };
    assert.deepEqual(make(), make());
    const adapted = () => {
      const m = loadFree();
      return sums(m);
    };
    assert.deepEqual(adapted(), adapted());
  });
});

function loadFree() {
  const model = createModel(preset("encoder-tiny"), { labels: 2, seed: 0 });
  attachAdapter(model, { method: "lora", r: 2, targetModules: ["query"] }, 0);
  return model;
}
