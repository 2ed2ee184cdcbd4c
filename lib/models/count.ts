// Parameter counts of the architectures, from their configuration alone (real-scale models are never built
// here). test/models checks these against the tensors of instantiated small models.
import { attentionShapes, ModelConfig } from "./config";

/** The backbone without any head (RoBERTa without pooler, Llama without lm_head). */
export function backboneParameterCount(config: ModelConfig): number {
  const d = config.hiddenSize;
  const ff = config.intermediateSize;
  const shapes = attentionShapes(config);
  const attentionWeights = Object.values(shapes).reduce((sum, s) => sum + s.dIn * s.dOut, 0);
  if (config.architecture === "encoder") {
    const attentionBiases = Object.values(shapes).reduce((sum, s) => sum + s.dOut, 0);
    const layer = attentionWeights + attentionBiases + 2 * d + (d * ff + ff) + (ff * d + d) + 2 * d;
    const embeddings = (config.vocabSize + config.maxPositions + config.typeVocabSize) * d + 2 * d;
    return embeddings + config.numLayers * layer;
  }
  const layer = attentionWeights + 3 * d * ff + 2 * d; // q,k,v,o; gate, up, down; two RMSNorms
  return config.vocabSize * d + config.numLayers * layer + d;
}

/**
 * The sequence-classification head: RoBERTa's dense (d×d + d) → tanh → out_proj (d×labels + labels);
 * Llama's `score` (d×labels, no bias).
 */
export function headParameterCount(config: ModelConfig, labels: number): number {
  const d = config.hiddenSize;
  return config.architecture === "encoder" ? d * d + d + d * labels + labels : d * labels;
}
