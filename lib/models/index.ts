// Models: configurations and presets, the encoder and decoder forward passes, Hugging Face tensor names.
export * from "./config";
export * from "./count";
export * from "./memory";
export * from "./presets";
export * from "./names";
export * from "./model";
export * from "./forward";
export { modelHidden, modelLogits } from "./logits";
export { encoderHidden, encoderLogits } from "./encoder";
export { decoderHidden, decoderLogits } from "./decoder";
export { CheckpointError, configFromHf, configToHf, loadModel, safetensorsInput, saveModel } from "./checkpoint";
export type { LoadedModel } from "./checkpoint";
