// Parameter counts of the architectures, from their configuration alone (real-scale models are never built
// here). test/models checks these against the tensors of instantiated small models.
import { attentionShapes, encoderFamily, ModelConfig } from "./config";

/**
 * The backbone without any head (RoBERTa without pooler, BERT with its pooler as BertModel has it, Llama without
 * lm_head).
 */
export function backboneParameterCount(config: ModelConfig): number {
  const d = config.hiddenSize;
  const ff = config.intermediateSize;
  const shapes = attentionShapes(config);
  const attentionWeights = Object.values(shapes).reduce((sum, s) => sum + s.dIn * s.dOut, 0);
  if (config.architecture === "encoder") {
    const attentionBiases = Object.values(shapes).reduce((sum, s) => sum + s.dOut, 0);
    const layer = attentionWeights + attentionBiases + 2 * d + (d * ff + ff) + (ff * d + d) + 2 * d;
    const embeddings = (config.vocabSize + config.maxPositions + config.typeVocabSize) * d + 2 * d;
    const pooler = encoderFamily(config) === "bert" ? d * d + d : 0;
    return embeddings + config.numLayers * layer + pooler;
  }
  const layer = attentionWeights + 3 * d * ff + 2 * d; // q,k,v,o; gate, up, down; two RMSNorms
  return config.vocabSize * d + config.numLayers * layer + d;
}

/**
 * The sequence-classification head: RoBERTa's dense (d×d + d) → tanh → out_proj (d×labels + labels);
 * BERT's `classifier` (d×labels + labels, on the pooled [CLS]); Llama's `score` (d×labels, no bias).
 */
export function headParameterCount(config: ModelConfig, labels: number): number {
  const d = config.hiddenSize;
  if (config.architecture === "encoder" && encoderFamily(config) === "bert") return d * labels + labels;
  return config.architecture === "encoder" ? d * d + d + d * labels + labels : d * labels;
}
