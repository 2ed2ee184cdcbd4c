// Named model configurations. The real ones carry the true dimensions of the paper's models (used for
// counting parameters and for Theorem 1's bounds; no weights for them exist on this machine); the small ones
// are what the project trains.
import { DecoderConfig, EncoderConfig, ModelConfig, validateConfig } from "./config";

const ROBERTA = { typeVocabSize: 1, layerNormEps: 1e-5, padTokenId: 1, hiddenDropout: 0.1, attentionDropout: 0.1 };
const BERT = { family: "bert" as const, typeVocabSize: 2, padTokenId: 0, hiddenDropout: 0.1, attentionDropout: 0.1 };
const LLAMA_3_1 = {
  vocabSize: 128256, maxPositions: 131072, rmsNormEps: 1e-5, ropeTheta: 500000, tieEmbeddings: false, padTokenId: 0,
};
const LLAMA_3_1_ROPE = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 };

export const PRESETS = {
  // Real scale (Hugging Face config.json of FacebookAI/roberta-* and meta-llama/Llama-3.1-*).
  "roberta-base": encoder({
    ...ROBERTA, vocabSize: 50265, hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072,
    maxPositions: 514,
  }),
  "roberta-large": encoder({
    ...ROBERTA, vocabSize: 50265, hiddenSize: 1024, numLayers: 24, numHeads: 16, intermediateSize: 4096,
    maxPositions: 514,
  }),
  "llama-3.1-8b": decoder({
    ...LLAMA_3_1, hiddenSize: 4096, numLayers: 32, numHeads: 32, numKvHeads: 8, intermediateSize: 14336,
    ropeScaling: LLAMA_3_1_ROPE,
  }),
  "llama-3.1-70b": decoder({
    ...LLAMA_3_1, hiddenSize: 8192, numLayers: 80, numHeads: 64, numKvHeads: 8, intermediateSize: 28672,
    ropeScaling: LLAMA_3_1_ROPE,
  }),
  // sentence-transformers/all-MiniLM-L6-v2 (its config.json), installed by `qkv models fetch all-MiniLM-L6-v2`.
  "all-minilm-l6-v2": encoder({
    ...BERT, vocabSize: 30522, hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536, maxPositions: 512,
    layerNormEps: 1e-12,
  }),
  // Mini scale, trained here. encoder-small is the shape of the speed benchmark (issue 3).
  "encoder-tiny": encoder({
    ...ROBERTA, vocabSize: 64, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 34,
  }),
  "bert-tiny": encoder({
    ...BERT, vocabSize: 64, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 32,
    layerNormEps: 1e-12,
  }),
  "encoder-small": encoder({
    ...ROBERTA, vocabSize: 8192, hiddenSize: 256, numLayers: 4, numHeads: 4, intermediateSize: 1024, maxPositions: 130,
  }),
  "decoder-tiny": decoder({
    ...LLAMA_3_1, vocabSize: 64, maxPositions: 32, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2,
    intermediateSize: 32,
  }),
  // The shapes `qkv pretrain` trains (vocabSize is replaced by the learned vocabulary's size): ~1 M parameters,
  // a 10-20 minute pretraining run on two CPU cores, a checkpoint of a few MB.
  "encoder-mini": encoder({
    ...ROBERTA, vocabSize: 8192, hiddenSize: 128, numLayers: 4, numHeads: 4, intermediateSize: 512, maxPositions: 130,
  }),
  "decoder-mini": decoder({
    ...LLAMA_3_1, vocabSize: 8192, maxPositions: 128, hiddenSize: 128, numLayers: 4, numHeads: 4, numKvHeads: 2,
    intermediateSize: 344, ropeTheta: 10000, tieEmbeddings: true, padTokenId: 1,
  }),
  "decoder-small": decoder({
    ...LLAMA_3_1, vocabSize: 8192, maxPositions: 256, hiddenSize: 256, numLayers: 4, numHeads: 8, numKvHeads: 2,
    intermediateSize: 688,
  }),
};

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** A preset by name (a copy, safe to modify), with an error that lists the known names. */
export function preset(name: string): ModelConfig {
  if (!(name in PRESETS)) {
    throw new Error(`unknown model ${JSON.stringify(name)}; known models: ${PRESET_NAMES.join(", ")}`);
  }
  return { ...PRESETS[name as PresetName] };
}

function encoder(fields: Omit<EncoderConfig, "architecture">): EncoderConfig {
  return validateConfig({ architecture: "encoder", ...fields });
}

function decoder(fields: Omit<DecoderConfig, "architecture">): DecoderConfig {
  return validateConfig({ architecture: "decoder", ...fields });
}
