// Parameter counting against the paper's Table 2 "#Param (M)" column (docs/paper.md §5.4) and Llama-3.1-8B's
// adapter sizes, which were computed by peft on the real models.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { adapterConfig } from "../lib/lora/config";
import { countParameters, CountConvention } from "../lib/lora/count";
import { backboneParameterCount, preset } from "../lib/models/index";
import { TABLE2_ROBERTA_GLUE } from "../lib/paper/index";

// [method, targets, r, #Param (M) as printed] of the 20 fine-tuned rows (lib/paper's transcription of docs/paper.md §5.2);
// LoRA rows are peft 0.5's count, DoRA rows peft 0.15's. Full fine-tuning has no rank: any r gives its count.
const TABLE2: [string, string, number, number][] = TABLE2_ROBERTA_GLUE.rows
  .filter((row) => row.method !== "before")
  .map((row) => [row.method, row.targets === "QKV" ? "q,k,v" : "q,v", row.r ?? 8, row.params]);

describe("parameter counting", () => {
  test("RoBERTa-base's backbone plus pooler is the published 124,645,632", () => {
    const base = preset("roberta-base");
    assert.equal(backboneParameterCount(base) + 768 * 768 + 768, 124_645_632);
  });

  // The paper truncates some counts and rounds others (1,626,628 → 1.62 but 2,068,996 → 2.07), so each
  // printed value is matched to within 0.007 M; the exact counts are pinned in the next test.
  test("all 20 fine-tuned rows of Table 2 match the printed #Param (M)", () => {
    assert.equal(TABLE2.length, 20); // + "Before fine-tune" (0) = 21 rows
    for (const [method, targets, r, printed] of TABLE2) {
      const convention: CountConvention = method === "lora" ? "peft-0.5" : "peft-0.15";
      const adapter = adapterConfig({ method: method as "lora", r, loraAlpha: 8, targetModules: targets.split(",") as never });
      const { trainable } = countParameters(preset("roberta-base"), adapter, { labels: 2, convention });
      assert.ok(Math.abs(trainable / 1e6 - printed) < 0.007, `${method} ${targets} r=${r}: ${trainable} vs ${printed} M`);
    }
  });

  test("exact counts worked out by hand (docs/paper.md §5.4)", () => {
    const count = (method: string, targets: string, convention: CountConvention) =>
      countParameters(preset("roberta-base"), adapterConfig({ method: method as "lora", r: 8, targetModules: targets.split(",") as never }), { labels: 2, convention });
    const head = 768 * 768 + 768 + 768 * 2 + 2;
    assert.deepEqual(count("lora", "q,k,v", "peft-0.5"), {
      adapter: 2 * 8 * 768 * 12 * 3, head: 2 * head, trainable: 1_626_628, total: 124_055_040 + 2 * head + 2 * 8 * 768 * 12 * 3,
    });
    assert.equal(count("lora", "q,k,v", "peft-0.15").trainable, 1_626_628 - head);
    assert.equal(count("full", "q,k,v", "peft-0.5").trainable, 21_853_442);
    assert.equal(count("lora", "q,v", "peft-0.5").trainable, 2 * 8 * 1536 * 12 + 2 * head);
    assert.equal(count("dora", "q,v", "peft-0.15").trainable, 905_474);
    assert.equal(count("dora", "q,k,v", "peft-0.15").adapter, 2 * 8 * 768 * 12 * 3 + 3 * 768 * 12);
  });

  test("Llama-3.1-8B adapters at r = 16 under grouped-query attention", () => {
    const llama = preset("llama-3.1-8b");
    const adapters = (targets: string) =>
      countParameters(llama, adapterConfig({ r: 16, targetModules: targets.split(",") as never }), { labels: 3 }).adapter;
    assert.equal(adapters("q,k,v"), 9_437_184);
    assert.equal(adapters("q,v"), 6_815_744);
    // The published size of the 8B backbone (embeddings + 32 layers + final norm, without lm_head).
    assert.equal(backboneParameterCount(llama) + 128256 * 4096, 8_030_261_248);
  });

  test("a subset of layers, and bad layers or labels", () => {
    const adapter = adapterConfig({ r: 8, targetModules: ["query", "value"] });
    const some = countParameters(preset("roberta-base"), adapter, { labels: 2, layers: [0, 1, 1] });
    assert.equal(some.adapter, 2 * 2 * 8 * (768 + 768));
    assert.throws(() => countParameters(preset("roberta-base"), adapter, { labels: 2, layers: [12] }), /layer 12 does not exist: the model has layers 0-11/);
    assert.throws(() => countParameters(preset("roberta-base"), adapter, { labels: 0 }), /labels must be a positive integer, got 0/);
  });
});
