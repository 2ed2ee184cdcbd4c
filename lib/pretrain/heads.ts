// The language-model heads of pretraining, under Hugging Face's names so a checkpoint loads in transformers
// as RobertaForMaskedLM or LlamaForCausalLM:
//   encoder (RobertaLMHead): logits = LN(gelu(h·Wdᵀ + bd))·Eᵀ + b, the decoder tied to the word embeddings E;
//   decoder: logits = h·Uᵀ with U = lm_head.weight, or E itself when the config ties the embeddings.
// Fine-tuning drops these tensors (lib/models/checkpoint.ts sets lm_head.* aside) and adds a fresh head.
import * as tf from "@tensorflow/tfjs";
import { EncoderConfig, ForwardOptions, Model, ModelConfig, tensor } from "../models/index";
import { gelu, layerNorm, linear } from "../models/layers";

/** The head's tensors, name → shape. */
export function lmHeadShapes(config: ModelConfig): Map<string, number[]> {
  const d = config.hiddenSize;
  if (config.architecture === "encoder") {
    return new Map([
      ["lm_head.dense.weight", [d, d]],
      ["lm_head.dense.bias", [d]],
      ["lm_head.layer_norm.weight", [d]],
      ["lm_head.layer_norm.bias", [d]],
      ["lm_head.bias", [config.vocabSize]],
    ]);
  }
  return config.tieEmbeddings ? new Map() : new Map([["lm_head.weight", [config.vocabSize, d]]]);
}

/** Vocabulary logits [n, V] of final hidden states [n, d]. */
export function lmLogits(model: Model, hidden: tf.Tensor2D, options: ForwardOptions): tf.Tensor2D {
  const config = model.config;
  if (config.architecture === "encoder") {
    const h = gelu(linear(model, "lm_head.dense", hidden, options)) as tf.Tensor2D;
    const normed = layerNorm(
      h, tensor(model, "lm_head.layer_norm.weight"), tensor(model, "lm_head.layer_norm.bias"),
      (config as EncoderConfig).layerNormEps,
    );
    return tf.add(
      tf.matMul(normed, tensor(model, "roberta.embeddings.word_embeddings.weight") as tf.Tensor2D, false, true),
      tensor(model, "lm_head.bias"),
    );
  }
  const unembed = config.tieEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
  return tf.matMul(hidden, tensor(model, unembed) as tf.Tensor2D, false, true);
}
