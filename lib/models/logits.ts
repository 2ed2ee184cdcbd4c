// One entry point for either architecture.
import * as tf from "@tensorflow/tfjs";
import { decoderLogits } from "./decoder";
import { encoderLogits } from "./encoder";
import { Batch, ForwardOptions } from "./forward";
import { Model } from "./model";

/** Head outputs [B, labels] of a batch. */
export function modelLogits(model: Model, batch: Batch, options: ForwardOptions = {}): tf.Tensor2D {
  return model.config.architecture === "encoder" ? encoderLogits(model, batch, options) : decoderLogits(model, batch, options);
}
