// The fine-tuning losses: cross-entropy for classification, mean squared error for regression (labels = 1,
// STS-B), as transformers' sequence-classification models compute them.
import * as tf from "@tensorflow/tfjs";

/** Mean loss of logits [B, labels] against targets (class ids, or scores when labels = 1). */
export function taskLoss(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const labels = logits.shape[1];
  if (labels === 1) return tf.mean(tf.square(tf.sub(tf.reshape(logits, [-1]), targets))) as tf.Scalar;
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(targets, "int32"), labels)), 1);
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}
