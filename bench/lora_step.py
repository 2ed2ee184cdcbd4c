"""PyTorch reference for bench/lora-step.ts: the same LoRA fine-tuning step on the same model shapes.

stdin: {"config", "adapter", "labels", "shapes": {name: shape}, "trainable": [names], "batch", "length",
"steps", "warmup", "threads"}; stdout: {"step_ms": [...], "threads", "torch", "blas"}. The forward pass is the
test suite's independent reference (test/reference/torch_models.py), run here in float32 with autograd and
torch.optim.AdamW, no dropout (as the TypeScript side of the comparison).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
from torch_models import forward  # noqa: E402

spec = json.load(sys.stdin)
torch.set_num_threads(spec["threads"])
torch.manual_seed(0)
p = {}
for name, shape in spec["shapes"].items():
    if "LayerNorm" in name or "norm" in name:
        p[name] = torch.ones(shape) if name.endswith("weight") else torch.zeros(shape)
    elif name.endswith("lora_B.weight"):
        p[name] = torch.zeros(shape)
    else:
        p[name] = torch.randn(shape) * 0.02
trainable = [p[n].requires_grad_() for n in spec["trainable"]]
B, T = spec["batch"], spec["length"]
case = {
    "config": spec["config"], "adapter": spec["adapter"], "labels": spec["labels"],
    # The TypeScript side's own padded batch when it sends one (dynamic padding), else random full rows.
    "input_ids": torch.tensor(spec["input_ids"]) if "input_ids" in spec else torch.randint(3, spec["config"]["vocabSize"], (B, T)),
    "attention_mask": torch.tensor(spec["attention_mask"], dtype=torch.float32) if "attention_mask" in spec else torch.ones(B, T),
    "targets": torch.randint(0, spec["labels"], (B,)),
}
optimizer = torch.optim.AdamW(trainable, lr=1e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.0)
times = []
for i in range(spec["warmup"] + spec["steps"]):
    start = time.perf_counter()
    optimizer.zero_grad()
    loss, _ = forward(case, p)
    loss.backward()
    optimizer.step()
    if i >= spec["warmup"]:
        times.append((time.perf_counter() - start) * 1000)
blas = "OpenBLAS" if "openblas" in torch.__config__.show().lower() else "other"
json.dump({"step_ms": times, "threads": torch.get_num_threads(), "torch": torch.__version__, "blas": blas}, sys.stdout)
