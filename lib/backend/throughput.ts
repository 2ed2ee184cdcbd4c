// What the machine's tfjs backends deliver: the median throughput of a square float32 matmul, the number that sizes
// every profile (the overview prints it beside the environment).
import * as tf from "@tensorflow/tfjs";

/**
 * Median GFLOP/s of an n×n·n×n float32 matmul on the current tfjs backend over `repeats` timed runs (after one
 * warm-up).
 */
export async function matmulGflops(n: number, repeats: number): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    if (i > 0) times.push(performance.now() - t0);
  }
  a.dispose();
  b.dispose();
  times.sort((p, q) => p - q);
  return (2 * n ** 3) / (times[Math.floor(times.length / 2)] / 1000) / 1e9;
}

/** Sets the tfjs backend by name (the overview compares the chosen one with pure-JS cpu). */
export async function useTfBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
}
