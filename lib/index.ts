// What notebooks import: `import * as qkv from "./lib/index";` (tslab needs the explicit /index).
export * from "./backend/index";
export * from "./notebook/index";
export * from "./paper/index";
export * from "./plot/index";
// Parameter counting (Table 2's #Param column) with what it needs: the model presets and adapter configs.
export { adapterConfig } from "./lora/config";
export { COUNT_CONVENTIONS, PAPER_COUNT_CONVENTION, TABLE2_PARAM_ROUNDING, countParameters, describeConvention } from "./lora/count";
export type { CountConvention, CountOptions, ParameterCount } from "./lora/count";
export { PRESET_NAMES, preset } from "./models/presets";
