"""torch.optim.AdamW on given parameters and per-step gradients (test/train.test.ts).

stdin: {"params": {name: {"shape", "data"}}, "groups": [{"names", "lr", "weight_decay"}], "grads": [ {name: flat} per
step ], "factors": [lr multiplier per step], "betas", "eps"}; stdout: {name: flat final values}.
"""
import json
import sys

import torch

case = json.load(sys.stdin)
params = {n: torch.tensor(p["data"], dtype=torch.float64).reshape(p["shape"]).requires_grad_() for n, p in case["params"].items()}
groups = [{"params": [params[n] for n in g["names"]], "lr": g["lr"], "weight_decay": g["weight_decay"]} for g in case["groups"]]
opt = torch.optim.AdamW(groups, betas=tuple(case["betas"]), eps=case["eps"])
peak = [g["lr"] for g in case["groups"]]
for grads, factor in zip(case["grads"], case["factors"]):
    for g, lr in zip(opt.param_groups, peak):
        g["lr"] = lr * factor
    for n, p in params.items():
        p.grad = torch.tensor(grads[n], dtype=torch.float64).reshape(p.shape)
    opt.step()
json.dump({n: p.detach().flatten().tolist() for n, p in params.items()}, sys.stdout)
