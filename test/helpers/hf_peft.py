# Reference side of test/peft.test.ts: peft itself (with transformers' BERT, RoBERTa and Llama classifiers) reading
# the adapter folders qkv-lab wrote, writing folders for qkv-lab to read, building LoRA+'s groups, and one DoRA
# layer under a given dropout mask. float64, eval mode unless said. Every warning peft or transformers gives while
# loading is returned, so the tests can require none.
# stdin: [{"op": "to_peft" | "from_peft" | "loraplus" | "dora_dropout", ...}]; stdout: [result per case], versions
import json
import logging
import sys
import warnings

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForSequenceClassification

torch.set_default_dtype(torch.float64)


def our_name(name):
    # peft's in-memory names → the checkpoint names both sides use.
    name = name.replace("base_model.model.", "", 1) if name.startswith("base_model.model.") else name
    for a, b in ((".lora_A.default.", ".lora_A."), (".lora_B.default.", ".lora_B."), ("lora_magnitude_vector.default.weight", "lora_magnitude_vector"),
                 ("lora_magnitude_vector.default", "lora_magnitude_vector"), (".modules_to_save.default.", ".")):
        name = name.replace(a, b)
    return name


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def base_model(case):
    return AutoModelForSequenceClassification.from_pretrained(case["model_dir"], num_labels=case["labels"], torch_dtype=torch.float64).double()


def forward(model, case):
    kwargs = {"input_ids": torch.tensor(case["input_ids"]), "attention_mask": torch.tensor(case["attention_mask"])}
    if case.get("token_type_ids") is not None:
        kwargs["token_type_ids"] = torch.tensor(case["token_type_ids"])
    return model(**kwargs).logits


def to_peft(case):
    if case.get("auto"):
        # As a user would: the base model named by the adapter's own base_model_name_or_path.
        from peft import AutoPeftModelForSequenceClassification
        model = AutoPeftModelForSequenceClassification.from_pretrained(case["adapter_dir"], torch_dtype=torch.float64).double()
    else:
        model = PeftModel.from_pretrained(base_model(case), case["adapter_dir"], is_trainable="targets" in case).double()
    model.eval()
    logits = forward(model, case)
    out = {"logits": logits.detach().flatten().tolist()}
    if "targets" in case:
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(case["targets"]))
        loss.backward()
        out["loss"] = loss.item()
        out["grads"] = {our_name(n): p.grad.flatten().tolist() for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}
    return out


def from_peft(case):
    model = get_peft_model(base_model(case), LoraConfig(task_type="SEQ_CLS", **case["config"])).double()
    torch.manual_seed(case["seed"])
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_" in n or "modules_to_save" in n:
                p.add_(torch.randn_like(p) * 0.1)
    model.save_pretrained(case["out_dir"])
    model.eval()
    shapes = {our_name(n): list(p.shape) for n, p in model.named_parameters() if p.requires_grad}
    return {"logits": forward(model, case).detach().flatten().tolist(), "shapes": shapes}


def loraplus(case):
    from peft.optimizers import create_loraplus_optimizer
    model = PeftModel.from_pretrained(base_model(case), case["adapter_dir"], is_trainable=True)
    optimizer = create_loraplus_optimizer(model, torch.optim.AdamW, lr=case["lr"], loraplus_lr_ratio=case["ratio"], loraplus_weight_decay=case["weight_decay"])
    names = {id(p): our_name(n) for n, p in model.named_parameters()}
    return {"groups": [{"names": sorted(names[id(p)] for p in g["params"]), "lr": g["lr"], "weight_decay": g["weight_decay"]} for g in optimizer.param_groups if g["params"]]}


class MaskDropout(torch.nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask


def dora_dropout(case):
    from peft.tuners.lora.layer import Linear
    t = lambda name: torch.tensor(case[name])
    base = torch.nn.Linear(case["d_in"], case["d_out"])
    with torch.no_grad():
        base.weight.copy_(t("weight"))
        base.bias.copy_(t("bias"))
    layer = Linear(base, "default", r=case["r"], lora_alpha=case["alpha"], lora_dropout=0.5, use_dora=True)
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(t("A"))
        layer.lora_B["default"].weight.copy_(t("B"))
        layer.lora_magnitude_vector["default"].weight.copy_(t("magnitude"))
    layer.lora_dropout["default"] = MaskDropout(t("mask"))
    layer.train()
    return {"y": layer(t("x")).detach().flatten().tolist()}


OPS = {"to_peft": to_peft, "from_peft": from_peft, "loraplus": loraplus, "dora_dropout": dora_dropout}
results = []
for case in json.load(sys.stdin):
    handler = Captured()
    for name in ("peft", "transformers"):
        logging.getLogger(name).addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = OPS[case["op"]](case)
    for name in ("peft", "transformers"):
        logging.getLogger(name).removeHandler(handler)
    # transformers' "newly initialized" notice about the head is expected when a base model without one is loaded.
    result["warnings"] = [str(w.message) for w in caught] + [m for m in handler.messages if "newly initialized" not in m and "You should probably TRAIN" not in m]
    results.append(result)
json.dump({"results": results, "versions": {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__}}, sys.stdout)
