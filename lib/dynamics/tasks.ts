// The units of work of the sweeps, as plain objects so pool.ts can send them to worker processes.
// One task shares its data and frozen weights among several runs that differ only in learning rates.
import { attentionConfig, AttentionConfig, attentionProblem, trainAttention } from "./attention";
import { loraNetConfig, LoraNetConfig, loraNetProblem, trainLoraNet } from "./lora-net";
import { TrainCurve } from "./train";

export interface LoraTask {
  config: Partial<LoraNetConfig> & { width: number };
  cells: { etaA: number; etaB: number }[];
}

export interface AttentionTask {
  config: Partial<AttentionConfig> & { width: number };
  runs: { etaQK: number; lambda: number }[];
}

interface Tasks {
  lora: { input: LoraTask; output: TrainCurve[] };
  attention: { input: AttentionTask; output: TrainCurve[] };
}
export type TaskKind = keyof Tasks;
export type TaskInput<K extends TaskKind> = Tasks[K]["input"];
export type TaskOutput<K extends TaskKind> = Tasks[K]["output"];

export function runTask<K extends TaskKind>(kind: K, task: TaskInput<K>): TaskOutput<K> {
  if (kind === "lora") {
    const t = task as LoraTask;
    const problem = loraNetProblem(loraNetConfig(t.config));
    return t.cells.map((c) => trainLoraNet(problem, c.etaA, c.etaB)) as TaskOutput<K>;
  }
  const t = task as AttentionTask;
  const problem = attentionProblem(attentionConfig(t.config));
  return t.runs.map((r) => trainAttention(problem, r.etaQK, r.lambda)) as TaskOutput<K>;
}
