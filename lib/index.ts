// What notebooks import, the one entry point: `import * as qkv from "./lib/index";` (tslab needs the explicit
// /index). Every public module as a namespace (qkv.models, qkv.lora, qkv.train, qkv.bounds, qkv.dynamics,
// qkv.data, qkv.experiments, …); at the top level, what every notebook calls: setup(), the figures, tables and
// display (lib/plot), the paper's printed values (lib/paper), the backend and the notebook tools.
export * as bounds from "./bounds/index";
export * as data from "./data/index";
export * as dynamics from "./dynamics/index";
export * as experiments from "./experiments/index";
export * as files from "./files/index";
export * as lora from "./lora/index";
export * as models from "./models/index";
export * as pretrain from "./pretrain/index";
export * as stats from "./stats/index";
export * as tokenizers from "./tokenizers/index";
export * as train from "./train/index";
export * as weights from "./weights/index";
export * from "./backend/index";
export * from "./notebook/index";
export * from "./paper/index";
export * from "./plot/index";
// Parameter counting (Table 2's #Param column) with what it needs: the model presets and adapter configs.
export { adapterConfig } from "./lora/config";
export {
  COUNT_CONVENTIONS, PAPER_COUNT_CONVENTION, TABLE2_PARAM_ROUNDING, countParameters, describeConvention,
} from "./lora/count";
export type { CountConvention, CountOptions, ParameterCount } from "./lora/count";
export { PRESET_NAMES, preset } from "./models/presets";
