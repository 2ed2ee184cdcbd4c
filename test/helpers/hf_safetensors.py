# Reference side of test/safetensors.test.ts: Hugging Face's safetensors package (with numpy, and torch
# for bfloat16) reads and writes the files the TypeScript side compares against.
# stdin: {"write": [{name, dtype, shape, values}], "metadata": {...}, "reencode": "<base64 of a file>",
#         "f16": [float32 bit patterns], "bf16": [float32 bit patterns]}
# stdout: {"written": base64 file, "reencoded": base64 file, "f16": [...], "bf16": [...]}
import base64, json, sys
import numpy as np
from safetensors.numpy import save, load

req = json.load(sys.stdin)
out = {}
NP = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "I16": np.int16,
      "I8": np.int8, "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_}

if "write" in req:
    arrays = {}
    for t in req["write"]:
        values = [int(v) for v in t["values"]] if t["dtype"][0] in "IU" else t["values"]
        arrays[t["name"]] = np.array(values, dtype=NP[t["dtype"]]).reshape(t["shape"])
    out["written"] = base64.b64encode(save(arrays, metadata=req.get("metadata"))).decode()

if "bf16file" in req:
    import torch
    from safetensors.torch import save as tsave
    bits = np.array(req["bf16file"], dtype=np.uint32).view(np.float32)
    out["bf16file"] = base64.b64encode(tsave({"w": torch.from_numpy(bits.copy()).to(torch.bfloat16)})).decode()

if "reencode" in req:
    loaded = load(base64.b64decode(req["reencode"]))
    out["reencoded"] = base64.b64encode(save(loaded, metadata=req.get("metadata"))).decode()

if "f16" in req:
    x = np.array(req["f16"], dtype=np.uint32).view(np.float32)
    out["f16"] = x.astype(np.float16).view(np.uint16).tolist()

if "bf16" in req:
    import torch
    x = torch.from_numpy(np.array(req["bf16"], dtype=np.uint32).view(np.float32).copy())
    out["bf16"] = x.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16).tolist()

json.dump(out, sys.stdout)
