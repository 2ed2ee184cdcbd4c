// Theorem 1 and its ancestors: the Xu-Raginsky bound, the paper's and Zhu et al.'s forms for any set of
// adapted matrices, an exactly computable learner on which the whole chain is checked, and the analysis of
// measured generalization gaps beside the bound.
export { BoundsError, latexNumber, plainNumber } from "./math";
export {
  adapterParams, boundFormula, headParams, informationBound, modelBound, modelMatrices, parameterBound,
  parseForm, parseLayers, parseVariant, theorem1Bound, xuRaginsky, BOUND_FORMS, BOUND_VARIANTS,
} from "./theorem1";
export type {
  AdaptedMatrixGroup, BoundForm, BoundInput, BoundResult, BoundVariant, Formula, HeadCount, ModelBoundInput,
} from "./theorem1";
export { thresholdLearner, MAX_THRESHOLD_BITS, THRESHOLD_RULES, ZERO_ONE_SUBGAUSSIAN } from "./learner";
export type { ThresholdLearnerInput, ThresholdLearnerResult, ThresholdRule } from "./learner";
export { analyzeGaps, GAP_METRICS, GAP_RULES, judgeGaps, settingLabel } from "./gaps";
export type {
  ComparisonVerdict, GapAnalysis, GapCell, GapHead, GapJudgement, GapMetric, GapRules, GapRun, GapVerdict,
  QvQkvComparison, QvQkvJudgement, SlopeFit, SlopeJudgement,
} from "./gaps";
export {
  fitLine, incompleteBeta, lnGamma, meanInterval, studentTCdf, studentTQuantile, summarize,
} from "../stats/index";
export type { LineFit, Summary } from "../stats/index";
export { GLUE_TRAIN_SIZES, PAPER_THEOREM1_VALUES } from "./reference";
export type { GlueTask } from "./reference";
