# Reference side of test/bert.test.ts: Hugging Face's own BertForSequenceClassification (transformers) with
# peft's LoRA/DoRA, loaded from the folders qkv-lab wrote (config.json + model.safetensors, and peft's
# adapter_config.json + adapter_model.safetensors), in float64, eval mode (no dropout).
# stdin: [{"model_dir", "adapter_dir"?, "trainable_full"?: [names], "classifier"?: {name: {"shape", "data"}},
#          "input_ids", "attention_mask", "token_type_ids", "targets", "labels",
#          "tokenize"?: {"texts": [[a, b] | a]}}]
# stdout: [{"loss", "logits", "grads": {our name: flat}, "tokens"?: [{"ids", "type_ids"}]}, versions]
import json, sys

import torch
import transformers
from transformers import BertForSequenceClassification, BertTokenizerFast


def our_name(name):
    # peft's in-memory names → the checkpoint names both sides use.
    name = name.replace("base_model.model.", "", 1) if name.startswith("base_model.model.") else name
    for a, b in ((".lora_A.default.", ".lora_A."), (".lora_B.default.", ".lora_B."), ("lora_magnitude_vector.default.weight", "lora_magnitude_vector"),
                 ("lora_magnitude_vector.default", "lora_magnitude_vector"),
                 ("classifier.modules_to_save.default.", "classifier.")):
        name = name.replace(a, b)
    return name


def run(case):
    model = BertForSequenceClassification.from_pretrained(case["model_dir"], num_labels=case["labels"], torch_dtype=torch.float64)
    model = model.double()
    if "classifier" in case:
        with torch.no_grad():
            for n, t in case["classifier"].items():
                dict(model.named_parameters())[n].copy_(torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"]))
    if case.get("adapter_dir"):
        from peft import LoraConfig, PeftModel
        with open(case["adapter_dir"] + "/adapter_config.json") as f:
            fields = json.load(f)
        known = LoraConfig.__dataclass_fields__.keys()
        config = LoraConfig(**{k: v for k, v in fields.items() if k in known})
        model = PeftModel.from_pretrained(model, case["adapter_dir"], config=config, is_trainable=True)
        model = model.double()
    else:
        for n, p in model.named_parameters():
            p.requires_grad_(n in case.get("trainable_full", []))
    model.eval()
    ids = torch.tensor(case["input_ids"])
    mask = torch.tensor(case["attention_mask"])
    types = torch.tensor(case["token_type_ids"])
    logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
    targets = torch.tensor(case["targets"])
    if case["labels"] == 1:
        loss = ((logits[:, 0] - targets.double()) ** 2).mean()
    else:
        loss = torch.nn.functional.cross_entropy(logits, targets)
    if any(p.requires_grad for p in model.parameters()):
        loss.backward()
    grads = {our_name(n): p.grad.flatten().tolist() for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}
    out = {"loss": loss.item(), "logits": logits.detach().flatten().tolist(), "grads": grads}
    if "tokenize" in case:
        tok = BertTokenizerFast.from_pretrained(case["model_dir"])
        out["tokens"] = []
        for t in case["tokenize"]["texts"]:
            enc = tok(*t) if isinstance(t, list) else tok(t)
            out["tokens"].append({"ids": enc["input_ids"], "type_ids": enc["token_type_ids"]})
    return out


if __name__ == "__main__":
    torch.manual_seed(0)
    cases = json.load(sys.stdin)
    import peft
    json.dump({"results": [run(c) for c in cases], "versions": {"transformers": transformers.__version__, "peft": peft.__version__, "torch": torch.__version__}}, sys.stdout)
