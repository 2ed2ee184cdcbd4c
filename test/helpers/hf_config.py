# For test/checkpoint.test.ts: how transformers reads each config.json dict on stdin (a JSON list), as
# AutoConfig.for_model does when loading a model folder: the fields qkv-lab reads, or the error.
import json
import sys

from transformers import AutoConfig

KEYS = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings",
        "type_vocab_size", "layer_norm_eps", "pad_token_id", "hidden_dropout_prob", "attention_probs_dropout_prob",
        "num_key_value_heads", "rms_norm_eps", "rope_theta"]
out = []
for config in json.load(sys.stdin):
    try:
        fields = AutoConfig.for_model(**config).to_dict()
        out.append({k: fields[k] for k in KEYS if k in fields})
    except Exception as err:  # transformers refuses it too
        out.append({"error": f"{type(err).__name__}: {err}"})
json.dump(out, sys.stdout)
