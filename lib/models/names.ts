// Hugging Face tensor names and shapes of the architectures (RobertaForSequenceClassification,
// BertForSequenceClassification and LlamaForSequenceClassification), so checkpoints move between this project
// and transformers/peft unchanged. Linear weights are [out, in], as torch stores them.
import { AttentionMatrix, attentionShapes, EncoderConfig, encoderFamily, ModelConfig } from "./config";

/** The encoder's name prefix: "roberta" or "bert" (transformers' base_model_prefix, the family's name). */
export function encoderPrefix(config: EncoderConfig): "roberta" | "bert" {
  return encoderFamily(config);
}

/** The name prefix of one attention projection, e.g. "roberta.encoder.layer.3.attention.self.value". */
export function attentionLinearName(config: ModelConfig, layer: number, matrix: AttentionMatrix): string {
  if (config.architecture === "encoder") {
    const base = `${encoderPrefix(config)}.encoder.layer.${layer}.attention`;
    return matrix === "output" ? `${base}.output.dense` : `${base}.self.${matrix}`;
  }
  return `model.layers.${layer}.self_attn.${matrix[0]}_proj`;
}

/** Every tensor of the model with a head for `labels` outputs, name → shape, in checkpoint order. */
export function tensorShapes(config: ModelConfig, labels: number): Map<string, number[]> {
  const d = config.hiddenSize;
  const ff = config.intermediateSize;
  const shapes = new Map<string, number[]>();
  const linear = (name: string, dIn: number, dOut: number, bias: boolean): void => {
    shapes.set(`${name}.weight`, [dOut, dIn]);
    if (bias) shapes.set(`${name}.bias`, [dOut]);
  };
  const attention = attentionShapes(config);
  if (config.architecture === "encoder") {
    const prefix = encoderPrefix(config);
    shapes.set(`${prefix}.embeddings.word_embeddings.weight`, [config.vocabSize, d]);
    shapes.set(`${prefix}.embeddings.position_embeddings.weight`, [config.maxPositions, d]);
    shapes.set(`${prefix}.embeddings.token_type_embeddings.weight`, [config.typeVocabSize, d]);
    shapes.set(`${prefix}.embeddings.LayerNorm.weight`, [d]);
    shapes.set(`${prefix}.embeddings.LayerNorm.bias`, [d]);
    for (let i = 0; i < config.numLayers; i++) {
      for (const m of ["query", "key", "value", "output"] as const) {
        linear(attentionLinearName(config, i, m), attention[m].dIn, attention[m].dOut, true);
      }
      const layer = `${prefix}.encoder.layer.${i}`;
      shapes.set(`${layer}.attention.output.LayerNorm.weight`, [d]);
      shapes.set(`${layer}.attention.output.LayerNorm.bias`, [d]);
      linear(`${layer}.intermediate.dense`, d, ff, true);
      linear(`${layer}.output.dense`, ff, d, true);
      shapes.set(`${layer}.output.LayerNorm.weight`, [d]);
      shapes.set(`${layer}.output.LayerNorm.bias`, [d]);
    }
    if (prefix === "bert") {
      // BertModel's pooler (part of the backbone, frozen under peft), then BertForSequenceClassification's head.
      linear("bert.pooler.dense", d, d, true);
      linear("classifier", d, labels, true);
    } else {
      linear("classifier.dense", d, d, true);
      linear("classifier.out_proj", d, labels, true);
    }
  } else {
    shapes.set("model.embed_tokens.weight", [config.vocabSize, d]);
    for (let i = 0; i < config.numLayers; i++) {
      for (const m of ["query", "key", "value", "output"] as const) {
        linear(attentionLinearName(config, i, m), attention[m].dIn, attention[m].dOut, false);
      }
      const layer = `model.layers.${i}`;
      linear(`${layer}.mlp.gate_proj`, d, ff, false);
      linear(`${layer}.mlp.up_proj`, d, ff, false);
      linear(`${layer}.mlp.down_proj`, ff, d, false);
      shapes.set(`${layer}.input_layernorm.weight`, [d]);
      shapes.set(`${layer}.post_attention_layernorm.weight`, [d]);
    }
    shapes.set("model.norm.weight", [d]);
    shapes.set("score.weight", [labels, d]);
  }
  return shapes;
}

/** True for the names of the classification/regression head (trained in every method, like peft's modules_to_save). */
export function isHeadTensor(name: string): boolean {
  return name.startsWith("classifier.") || name.startsWith("score.");
}
