// The encoder: RoBERTa (RobertaForSequenceClassification) or BERT (BertForSequenceClassification). Both are
// post-LayerNorm residual blocks with erf-GELU feed-forward. RoBERTa: learned positions offset past the padding
// id, one token type, a dense → tanh → out_proj head on <s>. BERT: positions 0..T-1, token types (segments),
// the tanh pooler on [CLS] and one linear classifier.
import * as tf from "@tensorflow/tfjs";
import { EncoderConfig, encoderFamily } from "./config";
import { Batch, ForwardOptions } from "./forward";
import { dropout, gelu, layerNorm, linear, paddingBias, selfAttention } from "./layers";
import { Model, tensor } from "./model";
import { attentionLinearName, encoderPrefix } from "./names";

/** Final hidden states, [B·T, d]. */
export function encoderHidden(model: Model, batch: Batch, options: ForwardOptions): tf.Tensor2D {
  const config = model.config as EncoderConfig;
  const [B, T] = batch.inputIds.shape;
  const t = (name: string) => tensor(model, name);
  const ids = tf.reshape(batch.inputIds, [B * T]);
  let x: tf.Tensor2D;
  if (encoderFamily(config) === "bert") {
    // BERT: position t for every row's t-th token (padding included, as transformers' position_ids), and the
    // token type of each token (0 throughout without tokenTypeIds).
    if (T > config.maxPositions) throw new RangeError(`the batch has ${T} positions, the model ${config.maxPositions}`);
    const word = tf.reshape(tf.gather(t("bert.embeddings.word_embeddings.weight"), ids), [B, T, -1]);
    const position = tf.slice(t("bert.embeddings.position_embeddings.weight"), [0, 0], [T, -1]);
    const types = t("bert.embeddings.token_type_embeddings.weight");
    const type = batch.tokenTypeIds
      ? tf.reshape(tf.gather(types, tf.reshape(batch.tokenTypeIds, [B * T])), [B, T, -1])
      : tf.slice(types, [0, 0], [1, -1]);
    x = tf.reshape(tf.add(tf.add(word, position), type), [B * T, -1]);
    x = dropout(
      layerNorm(x, t("bert.embeddings.LayerNorm.weight"), t("bert.embeddings.LayerNorm.bias"), config.layerNormEps),
      config.hiddenDropout,
      options,
    );
  } else {
    // RoBERTa numbers real tokens from padTokenId + 1 and gives padding the position padTokenId.
    const mask = tf.cast(batch.attentionMask, "int32");
    const positions = tf.add(tf.mul(tf.cumsum(mask, 1), mask), tf.scalar(config.padTokenId, "int32"));
    x = tf.add(
      tf.add(
        tf.gather(t("roberta.embeddings.word_embeddings.weight"), ids),
        tf.gather(t("roberta.embeddings.position_embeddings.weight"), tf.reshape(positions, [B * T])),
      ),
      tf.slice(t("roberta.embeddings.token_type_embeddings.weight"), [0, 0], [1, -1]),
    ) as tf.Tensor2D;
    x = dropout(
      layerNorm(
        x, t("roberta.embeddings.LayerNorm.weight"), t("roberta.embeddings.LayerNorm.bias"), config.layerNormEps,
      ),
      config.hiddenDropout,
      options,
    );
  }
  const bias = paddingBias(batch.attentionMask);
  for (let i = 0; i < config.numLayers; i++) x = encoderLayer(model, i, x, bias, B, T, options);
  return x;
}

/** One post-LN block: x ← LN(x + Attn(x)); x ← LN(x + FFN(x)). */
export function encoderLayer(
  model: Model, i: number, x: tf.Tensor2D, bias: tf.Tensor, B: number, T: number, options: ForwardOptions,
): tf.Tensor2D {
  const config = model.config as EncoderConfig;
  const t = (name: string) => tensor(model, name);
  const H = config.numHeads;
  const project = (m: "query" | "key" | "value") => linear(model, attentionLinearName(config, i, m), x, options);
  const context = selfAttention(
    project("query"), project("key"), project("value"), B, T, H, bias, config.attentionDropout, options,
  );
  const layer = `${encoderPrefix(config)}.encoder.layer.${i}`;
  const attended = dropout(
    linear(model, attentionLinearName(config, i, "output"), context, options), config.hiddenDropout, options,
  );
  const a = layerNorm(
    tf.add(attended, x), t(`${layer}.attention.output.LayerNorm.weight`), t(`${layer}.attention.output.LayerNorm.bias`),
    config.layerNormEps,
  );
  const inner = gelu(linear(model, `${layer}.intermediate.dense`, a, options)) as tf.Tensor2D;
  const ff = dropout(linear(model, `${layer}.output.dense`, inner, options), config.hiddenDropout, options);
  return layerNorm(
    tf.add(ff, a), t(`${layer}.output.LayerNorm.weight`), t(`${layer}.output.LayerNorm.bias`), config.layerNormEps,
  );
}

/** Logits [B, labels] from the <s> / [CLS] token through the classification head. */
export function encoderLogits(model: Model, batch: Batch, options: ForwardOptions): tf.Tensor2D {
  const config = model.config as EncoderConfig;
  const [B, T] = batch.inputIds.shape;
  const hidden = encoderHidden(model, batch, options);
  const first = tf.reshape(tf.slice(tf.reshape(hidden, [B, T, -1]), [0, 0, 0], [B, 1, -1]), [B, -1]) as tf.Tensor2D;
  if (encoderFamily(config) === "bert") {
    // BertPooler (dense → tanh on [CLS], no dropout before it), then dropout and the linear classifier.
    const pooled = tf.tanh(linear(model, "bert.pooler.dense", first, options)) as tf.Tensor2D;
    return linear(model, "classifier", dropout(pooled, config.hiddenDropout, options), options);
  }
  const dense = tf.tanh(
    linear(model, "classifier.dense", dropout(first, config.hiddenDropout, options), options),
  ) as tf.Tensor2D;
  return linear(model, "classifier.out_proj", dropout(dense, config.hiddenDropout, options), options);
}
