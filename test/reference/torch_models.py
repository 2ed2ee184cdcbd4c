"""Independent PyTorch reference for the encoder and decoder forward/backward (test/models.test.ts, test/bert.test.ts).

Written from transformers' RobertaForSequenceClassification, BertForSequenceClassification (config "family":
"bert") and LlamaForSequenceClassification and peft's LoRA/DoRA layers, in float64. BERT: positions 0..T-1,
token_type_ids from the case (segments), post-LN blocks, the tanh pooler on [CLS], one linear classifier. Reads a JSON list of cases on stdin, each {"config", "adapter", "labels", "tensors": {name: {"shape",
"data"}}, "trainable": [names], "input_ids", "attention_mask", "targets"} and optionally "direction"
({name: flat list}) with "eps": then it also returns the central finite difference of the loss along that
direction, (L(θ + εu) − L(θ − εu)) / 2ε, in float64. Writes a list of {"loss", "logits", "grads", "fd"}.
With "lm": {"positions": flat b·T + t indices, "targets": token ids} the loss is the language-model loss of
pretraining instead (transformers' RobertaLMHead, or Llama's lm_head / tied embeddings) at those positions.
"""
import json
import math
import sys

import torch

def main():
    torch.set_default_dtype(torch.float64)
    json.dump([run(case) for case in json.load(sys.stdin)], sys.stdout)


def read_safetensors(path, prefix):
    """A float32 safetensors file read by hand (8-byte header length, JSON header, raw little-endian data)."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[8 + n + a:8 + n + b]), dtype=torch.float32).reshape(info["shape"]).to(torch.float64)
        out[name if name.startswith(prefix) else prefix + name] = t
    return out


def run(case):
    # "safetensors": {"file", "prefix"} loads a real checkpoint's weights (bare names get the prefix); the JSON tensors override them.
    p = read_safetensors(case["safetensors"]["file"], case["safetensors"]["prefix"]) if "safetensors" in case else {}
    p.update({n: torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"]) for n, t in case["tensors"].items()})
    case = {**case, "input_ids": torch.tensor(case["input_ids"]), "attention_mask": torch.tensor(case["attention_mask"], dtype=torch.float64)}
    if "token_type_ids" in case:
        case["token_type_ids"] = torch.tensor(case["token_type_ids"])
    fd = None
    if "direction" in case:
        with torch.no_grad():
            shifted = lambda sign: forward(case, {n: t + sign * case["eps"] * torch.tensor(case["direction"][n]).reshape(t.shape) if n in case["direction"] else t for n, t in p.items()})[0].item()
            fd = (shifted(1) - shifted(-1)) / (2 * case["eps"])
    for n in case["trainable"]:
        p[n].requires_grad_(True)
    loss, logits = forward(case, p)
    if case["trainable"]:
        loss.backward()
    grads = {n: p[n].grad.flatten().tolist() for n in case["trainable"]}
    return {"loss": loss.item(), "logits": logits.detach().flatten().tolist(), "grads": grads, "fd": fd}


def forward(case, p):
    cfg, ad = case["config"], case.get("adapter")
    ids, mask = case["input_ids"], case["attention_mask"]
    B, T = ids.shape

    def linear(x, name):
        y = x @ p[name + ".weight"].T
        if ad and name + ".lora_A.weight" in p:
            a, b = p[name + ".lora_A.weight"], p[name + ".lora_B.weight"]
            s = ad["loraAlpha"] / ad["r"]
            y = y + s * (x @ a.T @ b.T)
            if name + ".lora_magnitude_vector" in p:
                w = p[name + ".weight"] + s * (b @ a)
                norm = w.norm(dim=1)
                if ad["detachNorm"]:
                    norm = norm.detach()
                y = y * (p[name + ".lora_magnitude_vector"] / norm)
        if name + ".bias" in p:
            y = y + p[name + ".bias"]
        return y

    def attend(q, k, v, bias):
        dh = q.shape[-1]
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, dim=-1)
        return w @ v

    def heads(x, h):
        return x.reshape(B, T, h, -1).transpose(1, 2)

    def merge(x):
        return x.transpose(1, 2).reshape(B, T, -1)

    def ln(x, n):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], p[n + ".weight"], p[n + ".bias"], cfg["layerNormEps"])

    def post_ln_layers(x, prefix):
        # The post-LN encoder layers RoBERTa and BERT share (exact GELU, a residual then LayerNorm after each block).
        bias = ((1 - mask) * -1e9)[:, None, None, :]
        for i in range(cfg["numLayers"]):
            L = f"{prefix}.encoder.layer.{i}"
            H = cfg["numHeads"]
            q, k, v = (heads(linear(x, f"{L}.attention.self.{m}"), H) for m in ("query", "key", "value"))
            a = ln(linear(merge(attend(q, k, v, bias)), f"{L}.attention.output.dense") + x, f"{L}.attention.output.LayerNorm")
            f = linear(torch.nn.functional.gelu(linear(a, f"{L}.intermediate.dense")), f"{L}.output.dense")
            x = ln(f + a, f"{L}.output.LayerNorm")
        return x

    if cfg["architecture"] == "encoder" and cfg.get("family") == "bert":
        types = case.get("token_type_ids", torch.zeros_like(ids))
        x = p["bert.embeddings.word_embeddings.weight"][ids] + p["bert.embeddings.position_embeddings.weight"][torch.arange(T)][None]
        x = ln(x + p["bert.embeddings.token_type_embeddings.weight"][types], "bert.embeddings.LayerNorm")
        x = post_ln_layers(x, "bert")
        pooled = torch.tanh(linear(x[:, 0], "bert.pooler.dense"))
        logits = linear(pooled, "classifier")
    elif cfg["architecture"] == "encoder":
        pos = torch.cumsum(mask.long(), 1) * mask.long() + cfg["padTokenId"]
        x = p["roberta.embeddings.word_embeddings.weight"][ids] + p["roberta.embeddings.position_embeddings.weight"][pos]
        x = ln(x + p["roberta.embeddings.token_type_embeddings.weight"][0], "roberta.embeddings.LayerNorm")
        x = post_ln_layers(x, "roberta")
        if "lm" in case:
            h = x.reshape(B * T, -1)[torch.as_tensor(case["lm"]["positions"])]
            h = ln(torch.nn.functional.gelu(linear(h, "lm_head.dense")), "lm_head.layer_norm")
            return lm_loss(case, h @ p["roberta.embeddings.word_embeddings.weight"].T + p["lm_head.bias"])
        logits = linear(torch.tanh(linear(x[:, 0], "classifier.dense")), "classifier.out_proj")
    else:
        rms = lambda x, n: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg["rmsNormEps"]) * p[n + ".weight"]
        H, Hkv = cfg["numHeads"], cfg["numKvHeads"]
        dh = cfg["hiddenSize"] // H
        inv = 1.0 / (cfg["ropeTheta"] ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
        sc = cfg.get("ropeScaling")
        if sc:  # transformers' _compute_llama3_parameters
            old = sc["originalMaxPositions"]
            wavelen = 2 * math.pi / inv
            smooth = (old / wavelen - sc["lowFreqFactor"]) / (sc["highFreqFactor"] - sc["lowFreqFactor"])
            scaled = torch.where(wavelen > old / sc["lowFreqFactor"], inv / sc["factor"], inv)
            medium = (wavelen >= old / sc["highFreqFactor"]) & (wavelen <= old / sc["lowFreqFactor"])
            inv = torch.where(medium, (1 - smooth) * inv / sc["factor"] + smooth * inv, scaled)
        freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv)
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        rot = lambda x: torch.cat([-x[..., dh // 2:], x[..., : dh // 2]], -1)
        rope = lambda x: x * cos + rot(x) * sin
        causal = torch.triu(torch.full((T, T), -1e9), 1)
        bias = causal[None, None] + ((1 - mask) * -1e9)[:, None, None, :]
        x = p["model.embed_tokens.weight"][ids]
        for i in range(cfg["numLayers"]):
            L = f"model.layers.{i}"
            h = rms(x, f"{L}.input_layernorm")
            q = rope(heads(linear(h, f"{L}.self_attn.q_proj"), H))
            k = rope(heads(linear(h, f"{L}.self_attn.k_proj"), Hkv)).repeat_interleave(H // Hkv, dim=1)
            v = heads(linear(h, f"{L}.self_attn.v_proj"), Hkv).repeat_interleave(H // Hkv, dim=1)
            x = x + linear(merge(attend(q, k, v, bias)), f"{L}.self_attn.o_proj")
            g = rms(x, f"{L}.post_attention_layernorm")
            x = x + linear(torch.nn.functional.silu(linear(g, f"{L}.mlp.gate_proj")) * linear(g, f"{L}.mlp.up_proj"), f"{L}.mlp.down_proj")
        x = rms(x, "model.norm")
        if "lm" in case:
            h = x.reshape(B * T, -1)[torch.as_tensor(case["lm"]["positions"])]
            return lm_loss(case, h @ p["model.embed_tokens.weight" if cfg["tieEmbeddings"] else "lm_head.weight"].T)
        last = mask.long().sum(1) - 1
        logits = linear(x[torch.arange(B), last], "score")

    targets = torch.as_tensor(case["targets"])
    if case["labels"] == 1:
        loss = ((logits[:, 0] - targets.to(logits.dtype)) ** 2).mean()
    else:
        loss = torch.nn.functional.cross_entropy(logits, targets)
    return loss, logits


def lm_loss(case, logits):
    return torch.nn.functional.cross_entropy(logits, torch.as_tensor(case["lm"]["targets"])), logits


if __name__ == "__main__":
    main()
