// One entry point for either architecture.
import * as tf from "@tensorflow/tfjs";
import { decoderHidden, decoderLogits } from "./decoder";
import { encoderHidden, encoderLogits } from "./encoder";
import { Batch, ForwardOptions } from "./forward";
import { Model } from "./model";

/** Head outputs [B, labels] of a batch. */
export function modelLogits(model: Model, batch: Batch, options: ForwardOptions = {}): tf.Tensor2D {
  return model.config.architecture === "encoder"
    ? encoderLogits(model, batch, options)
    : decoderLogits(model, batch, options);
}

/** Final hidden states [B·T, d] of a batch (what the pretraining heads read). */
export function modelHidden(model: Model, batch: Batch, options: ForwardOptions = {}): tf.Tensor2D {
  return model.config.architecture === "encoder"
    ? encoderHidden(model, batch, options)
    : decoderHidden(model, batch, options);
}
