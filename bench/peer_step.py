"""The peer side of bench/peer.ts: one LoRA training step in PyTorch + transformers + peft, as a researcher writes it.

stdin: {"hf_config": transformers config.json dict, "batch", "length", "steps", "threads", "rank", "alpha",
"targets": [...], "lr", "betas", "eps"}; stdout: one JSON line {"first_ms", "step_ms": [...], "peak_rss_mb",
"rss_after_build_mb", "threads", "versions", "attn"}.

The model is AutoModelForSequenceClassification from the config (random weights, dropout as the config says: 0 in
the bench), wrapped by peft's get_peft_model with LoraConfig(task_type=SEQ_CLS): LoRA on the target modules and the
classifier trained (peft's modules_to_save), the rest frozen. AdamW over the trainable parameters. Each step:
zero_grad, forward with labels (transformers' own cross-entropy), backward, optimizer.step; timed with
perf_counter. The first step is timed on its own (it includes the allocator's and oneDNN's first-use costs).
"""
import json
import os
import resource
import sys
import time

spec = json.load(sys.stdin)
threads = int(spec["threads"])
import torch  # noqa: E402  (after reading stdin: the thread count is set before any work)

torch.set_num_threads(threads)
torch.set_num_interop_threads(max(1, threads))
import transformers  # noqa: E402
import peft  # noqa: E402
from transformers import AutoConfig, AutoModelForSequenceClassification  # noqa: E402

transformers.logging.set_verbosity_error()


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


torch.manual_seed(0)
hf = dict(spec["hf_config"])
model_type = hf.pop("model_type")
config = AutoConfig.for_model(model_type, **hf)
model = AutoModelForSequenceClassification.from_config(config)
lora = peft.LoraConfig(task_type=peft.TaskType.SEQ_CLS, r=spec["rank"], lora_alpha=spec["alpha"], lora_dropout=0.0,
                       target_modules=spec["targets"])
model = peft.get_peft_model(model, lora)
model.train()
trainable = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.AdamW(trainable, lr=spec["lr"], betas=tuple(spec["betas"]), eps=spec["eps"], weight_decay=0.0)

B, T = spec["batch"], spec["length"]
g = torch.Generator().manual_seed(0)
input_ids = torch.randint(3, config.vocab_size, (B, T), generator=g)
attention_mask = torch.ones(B, T, dtype=torch.long)
labels = torch.arange(B) % config.num_labels
rss_after_build = rss_mb()


def step() -> float:
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    out.loss.backward()
    optimizer.step()
    return (time.perf_counter() - start) * 1000


first = step()
times = [step() for _ in range(spec["steps"])]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
json.dump({
    "first_ms": first, "step_ms": times, "peak_rss_mb": peak, "rss_after_build_mb": rss_after_build,
    "threads": torch.get_num_threads(),
    "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
    "attn": getattr(model.config, "_attn_implementation", None),
    "trainable": sum(p.numel() for p in trainable),
}, sys.stdout)
print()
