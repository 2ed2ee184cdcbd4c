# Reference side of test/tokenizers.test.ts: Hugging Face's fast tokenizers (transformers +
# tokenizers) loaded from the same files. Also writes the pinned reference the test always checks:
#   node --import tsx test/helpers/tokenizer-cases.ts | PYTHONPATH=... python3 test/helpers/hf_tokenizers.py \
#     > test/helpers/tokenizer_reference.json
# stdin: {"dirs": {"bert": dir, "roberta": dir}, "cases": [{"tokenizer", "text" | "batch", "pair"?, "max_length"?,
#         "truncation"?, "padding"?}]}
# stdout: the same object, each case given "expected": {"ids", "type_ids", "mask"} (or a list of them for a
# batch; {"error": message} where Hugging Face refuses), plus the library versions.
import json, sys
import tokenizers, transformers
from transformers import BertTokenizerFast, RobertaTokenizerFast

req = json.load(sys.stdin)
# transformers 4.x's RobertaTokenizerFast turns a plain "<mask>" into AddedToken(lstrip=True) in its __init__ (it
# then eats the spaces before <mask>); 5.x, which made tokenizer_reference.json (5.17), keeps the token as the
# files give it, as lib/tokenizers does. setup --test installs 4.40 (the last line for Debian's torch 1.13), so
# give 4.x the 5.x token explicitly: the comparison is then of the same tokenizer definition.
roberta_kwargs = {}
if int(transformers.__version__.split(".")[0]) < 5:
    from tokenizers import AddedToken
    roberta_kwargs["mask_token"] = AddedToken("<mask>", lstrip=False, rstrip=False, normalized=False, special=True)
loaded = {"bert": BertTokenizerFast.from_pretrained(req["dirs"]["bert"]),
          "roberta": RobertaTokenizerFast.from_pretrained(req["dirs"]["roberta"], **roberta_kwargs)}

def run(case):
    tok = loaded[case["tokenizer"]]
    kwargs = {"return_token_type_ids": True, "return_attention_mask": True}
    for key in ("max_length", "truncation", "padding"):
        if key in case:
            kwargs[key] = case[key]
    if "batch" in case:
        texts = [tuple(t) if isinstance(t, list) else t for t in case["batch"]]
        out = tok(texts, **kwargs)
        return [{"ids": i, "type_ids": t, "mask": m} for i, t, m in zip(out["input_ids"], out["token_type_ids"], out["attention_mask"])]
    out = tok(case["text"], case.get("pair"), **kwargs)
    return {"ids": out["input_ids"], "type_ids": out["token_type_ids"], "mask": out["attention_mask"]}

for case in req["cases"]:
    try:
        case["expected"] = run(case)
    except Exception as err:  # e.g. a sequence too short for only_first/only_second truncation
        case["expected"] = {"error": str(err)}
req["versions"] = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__}
del req["dirs"]
json.dump(req, sys.stdout, ensure_ascii=False, separators=(",", ":"))
