import * as tf from "@tensorflow/tfjs";
export function hello(): string { return "hi " + tf.version.tfjs; }
