// Theorem 2: the toy δ dynamics, the γ-exponent solver, slope estimation, and the learning-rate sweeps of
// a small LoRA network and a single attention head (run on every core).
export { DynamicsError } from "./errors";
export { Rng } from "../random/index"; // re-exported for notebooks
export { parseRate } from "./rates";
export type { RateExpression } from "./rates";
export {
  deltaMagnitudes, simulateToy, simulateToyLimit, summarizeToy, summarizeToySteps, TOY_OPTIMIZERS, toyLimitMedians,
  toyResultFromJson, toyResultToJson,
} from "./toy";
export type {
  ToyBreakdown, ToyConfig, ToyLimitConfig, ToyLimitRun, ToyOptimizer, ToyResult, ToyResultJson, ToyRun, ToyRunJson,
  ToyStepSummaries, ToySummary,
} from "./toy";
export { describeCheck, judgeTheta1, THETA1_RULE } from "./verdict";
export type { Theta1Check, Theta1Judgement, Theta1Rule, Theta1Verdict } from "./verdict";
export { bootstrapSlope, logLogSlope, median } from "./slope";
export type { BootstrapOptions, SlopeEstimate } from "./slope";
export {
  evaluateExponent, expMax, exponentLatex, exponentSteps, exponentText, exponentValues, expProduct, solveEfficient,
  solveZeroExponents, SYMBOLIC_STEPS,
} from "./gamma";
export type {
  AffineForm, EfficientSolution, Exponent, ExponentStep, ExponentValueStep, GammaStep, ZeroSet,
} from "./gamma";
export { ADAM, SweepOptimizer, OPTIMIZERS } from "./optim";
export type { OptimizerName, SweepRateGroup } from "./optim";
export { checkpoints, trainSweepModel } from "./train";
export type { Trainable, TrainCurve, SweepTrainOptions } from "./train";
export { LORA_NET_DEFAULTS, loraNetConfig, loraNetInit, loraNetLoss, loraNetProblem, trainLoraNet } from "./lora-net";
export type { LoraNetConfig, LoraNetParams, LoraNetProblem } from "./lora-net";
export {
  ATTENTION_DEFAULTS, attentionConfig, attentionInit, attentionLoss, attentionProblem, attentionZeros, LOGIT_SCALES,
  trainAttention,
} from "./attention";
export type { AttentionConfig, AttentionParams, AttentionProblem, LogitScale } from "./attention";
export { runTasks } from "./pool";
export type { PoolOptions } from "./pool";
export { attentionSweeps, loraHeatmaps } from "./sweeps";
export type {
  AttentionLambdaResult, AttentionSweep, AttentionSweepOptions, LoraHeatmap, LoraHeatmapOptions,
} from "./sweeps";
