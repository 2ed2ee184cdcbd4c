// The measured-gap experiment (lib/experiments/gaps.ts) at toy size: the budget in epochs, students that can
// represent their teacher (well-specified) and one that cannot, the head variants' P as lib/lora/count.ts counts
// it, and the same runs in this process and on worker processes.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/index";
import { modelBound } from "../lib/bounds/index";
import {
  GAP_MODEL, gapSequences, gapSteps, gapStudent, gapTeacher, MATCHED_TEACHER, measureGaps,
} from "../lib/experiments/gaps";
import { adapterConfig, attachAdapter, countParameters } from "../lib/lora/index";
import { disposeModel, Model } from "../lib/models/index";
import { evaluate } from "../lib/train/loop";

before(async () => {
  await selectBackend();
});

/** The student's accuracy on the teacher's labels with the teacher's own update of `copied` put in its adapter. */
function accuracyWithTeacherUpdate(teacherTargets: string, studentTargets: string): number {
  const rows = gapSequences(400, 11);
  const teacher = gapTeacher(5000, 4, teacherTargets, rows);
  const student: Model = gapStudent(5000, teacher.threshold);
  attachAdapter(student, { r: 4, loraAlpha: 4, targetModules: studentTargets }, 3);
  for (const [name, t] of student.tensors) {
    if (!name.includes("lora_")) continue;
    const source = teacher.model.tensors.get(name);
    // A matrix the teacher did not adapt: B = 0 leaves it as the teacher has it.
    if (source) (t as tf.Variable).assign(source);
  }
  const acc = evaluate(student, rows.map((ids, k) => ({ ids, label: teacher.labels[k] }))).metrics.accuracy!;
  disposeModel(student);
  disposeModel(teacher.model);
  return acc;
}

describe("the measured-gap experiment", () => {
  test("budgets in epochs: steps = max(floor, ⌈epochs·N / batch⌉)", () => {
    assert.equal(gapSteps(512, { epochs: 40, minSteps: 100 }), 640);
    assert.equal(gapSteps(32, { epochs: 40, minSteps: 100 }), 100, "the floor binds at small N");
    assert.equal(gapSteps(100, { epochs: 3, minSteps: 1, batchSize: 16 }), 19);
    assert.throws(() => gapSteps(32, { epochs: 0, minSteps: 1 }), /epochs > 0/);
    assert.throws(() => gapSteps(32, { epochs: 1, minSteps: 0.5 }), /integer minSteps ≥ 1/);
  });

  test("well-specified: a student holding its teacher's update labels every example as the teacher does", () => {
    assert.equal(accuracyWithTeacherUpdate("q,v", "q,v"), 1);
    assert.equal(accuracyWithTeacherUpdate("q,k,v", "q,k,v"), 1);
    // QKV can represent the QV teacher too (its K update at 0); QV cannot represent the QKV teacher.
    assert.equal(accuracyWithTeacherUpdate("q,v", "q,k,v"), 1);
    assert.ok(accuracyWithTeacherUpdate("q,k,v", "q,v") < 1);
  });

  test("the teachers of one seed share their update of the matrices they both adapt; labels are balanced", () => {
    const rows = gapSequences(200, 11);
    const qv = gapTeacher(5000, 4, "q,v", rows);
    const qkv = gapTeacher(5000, 4, "q,k,v", rows);
    const names = [...qv.model.tensors.keys()].filter((n) => n.includes("lora_"));
    assert.equal(names.length, 2 * 2 * 2, "2 layers × (Q, V) × (A, B)");
    for (const name of names) {
      assert.deepEqual(qv.model.tensors.get(name)!.arraySync(), qkv.model.tensors.get(name)!.arraySync(), name);
    }
    assert.equal(qv.labels.reduce((a, b) => a + b, 0), 99, "label 1 strictly above the median of 200 scores");
    disposeModel(qv.model);
    disposeModel(qkv.model);
  });

  test("P: adapters + head if trained (lib/lora/count.ts), adapters if frozen; same runs on workers", async () => {
    const experiment = {
      subsets: ["q,v", "q,k,v"], sizes: [16, 48], seeds: [0], rank: 4, epochs: 2, minSteps: 2, batchSize: 16,
      teacher: MATCHED_TEACHER, heads: ["trained", "frozen"] as const, etaQK: 3e-3, testSize: 40,
    };
    const runs = await measureGaps({ ...experiment, heads: [...experiment.heads] });
    assert.equal(runs.length, 2 * 2 * 2);
    for (const run of runs) {
      const targets = String(run.targets).toLowerCase();
      const adapter = adapterConfig({ r: 4, loraAlpha: 4, targetModules: targets }, GAP_MODEL);
      const counted = countParameters(GAP_MODEL, adapter, { labels: 2 });
      const bound = modelBound({ model: GAP_MODEL, targets, rank: 4, bits: 32, subgaussian: 0.5, samples: run.N });
      assert.equal(bound.adapterParams, counted.adapter);
      const expected = run.head === "trained" ? counted.adapter + counted.head : counted.adapter;
      assert.equal(run.trainableParams, expected, `${run.targets} ${run.head}`);
      assert.equal(run.headParams, run.head === "trained" ? counted.head : 0);
      assert.equal(run.teacher, String(run.targets).replace(/,/g, ""), "matched teacher");
      assert.equal(run.steps, gapSteps(run.N, experiment));
      assert.equal(run.epochs, (run.steps! * 16) / run.N);
    }
    assert.deepEqual(runs.map((r) => `${r.targets} ${r.N} ${r.head}`).slice(0, 4),
      ["Q,V 16 trained", "Q,V 16 frozen", "Q,V 48 trained", "Q,V 48 frozen"]);
    const onWorkers = await measureGaps({ ...experiment, heads: [...experiment.heads], workers: 2 });
    assert.deepEqual(onWorkers, runs);
    const fixed = await measureGaps({ ...experiment, heads: ["frozen"], teacher: "q,k,v", sizes: [16] });
    assert.deepEqual(fixed.map((r) => r.teacher), ["QKV", "QKV"], "one teacher for every student (misspecified)");
    await assert.rejects(measureGaps({ ...experiment, heads: [] }), /heads is empty/);
    await assert.rejects(measureGaps({ ...experiment, heads: ["thawed" as never] }), /"thawed" is neither/);
  });
});
