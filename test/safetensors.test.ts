// safetensors against the format's specification (bytes written out by hand), closed forms of IEEE
// binary16/bfloat16, Hugging Face's Python package when it is importable, and a fuzz test.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { Rng } from "../lib/random/index";
import {
  DTYPES, Dtype, SafetensorsError, TensorInput, decodeBF16, decodeF16, encodeBF16, encodeF16,
  loadSafetensors, readSafetensors, serializeSafetensors, writeSafetensors,
} from "../lib/safetensors/index";
import { pythonProblem, runReference } from "./helpers/hf";
import { tempDir } from "./helpers/notebooks";

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const ascii = (s: string) => Buffer.from(s, "latin1").toString("hex");

/** A file from a header text and data bytes, with the length field set to the text's length. */
function rawFile(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = Buffer.from(header, "utf8");
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function throwsSafetensors(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SafetensorsError, `expected a SafetensorsError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe("safetensors bytes, written out by hand from the specification", () => {
  // Length 54 (0x36) padded with two spaces to 56 (0x38); 1.0f = 0x3f800000 and -2.0f = 0xc0000000, little-endian.
  const single = hex(`3800000000000000 ${ascii('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}')} 2020 0000803f 000000c0`);
  // Metadata first; the I64 scalar before the F32 because the reference writes wider dtypes first.
  // 138 bytes of JSON + 6 spaces = 144 (0x90); -3 as int64 and 0.5f (0x3f000000).
  const two = hex(`9000000000000000 ${ascii(
    '{"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
  )} 202020202020 fdffffffffffffff 0000003f`);

  test("one F32 tensor is written byte for byte", () => {
    assert.deepEqual(serializeSafetensors({ x: { shape: [2], data: new Float32Array([1, -2]) } }), single);
  });

  test("metadata and two dtypes are written byte for byte", () => {
    const bytes = serializeSafetensors(
      { a: { shape: [1], data: new Float32Array([0.5]) }, b: { shape: [], data: new BigInt64Array([-3n]) } },
      { format: "pt" },
    );
    assert.deepEqual(bytes, two);
  });

  test("the hand-written files read back to their values", () => {
    const one = readSafetensors(single);
    assert.deepEqual(one.metadata, {});
    assert.deepEqual(one.tensors.get("x"), { dtype: "F32", shape: [2], data: new Float32Array([1, -2]) });
    const both = readSafetensors(two);
    assert.deepEqual(both.metadata, { format: "pt" });
    assert.deepEqual(both.tensors.get("b"), { dtype: "I64", shape: [], data: new BigInt64Array([-3n]) });
    assert.deepEqual(both.tensors.get("a")?.data, new Float32Array([0.5]));
    assert.deepEqual([...both.infos.keys()], ["b", "a"]);
    assert.deepEqual(both.infos.get("a"), { dtype: "F32", shape: [1], dataOffsets: [8, 12] });
  });
});

// One tensor of every dtype, with values at each type's edges.
function everyDtype(): Record<string, TensorInput> {
  return {
    f64: { shape: [2, 2], data: new Float64Array([Math.PI, -0, Number.MAX_VALUE, Number.MIN_VALUE]) },
    f32: { shape: [3], data: new Float32Array([1.5, -Infinity, 3.4028234663852886e38]) },
    f16: { dtype: "F16", shape: [4], data: new Float32Array([65504, -(2 ** -24), 0.333251953125, Infinity]) },
    bf16: { dtype: "BF16", shape: [2], data: new Float32Array([-1.5, 3.3895313892515355e38]) },
    i64: { shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
    u64: { shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
    i32: { shape: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
    u32: { shape: [1], data: new Uint32Array([2 ** 32 - 1]) },
    i16: { shape: [2], data: new Int16Array([-32768, 32767]) },
    u16: { shape: [1], data: new Uint16Array([65535]) },
    i8: { shape: [2], data: new Int8Array([-128, 127]) },
    u8: { shape: [1, 1, 1], data: new Uint8Array([255]) },
    bool: { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) },
    scalar: { shape: [], data: new Float32Array([7]) },
    empty: { shape: [0, 5], data: new Float32Array(0) },
    "0": { shape: [1], data: new Int8Array([3]) }, // integer-like names must not be reordered
    "δ.ünïcode ✓": { shape: [1], data: new Float64Array([2]) },
  };
}

describe("round trips", () => {
  test("every dtype, in memory and through a file, with the names filter", () => {
    const input = everyDtype();
    const check = (tensors: Map<string, { dtype: Dtype; shape: number[]; data: unknown }>, names: string[]) => {
      assert.deepEqual([...tensors.keys()].sort(), [...names].sort());
      for (const name of names) {
        const t = tensors.get(name)!;
        const natural = DTYPES[t.dtype].array;
        assert.equal(t.dtype, input[name].dtype ?? t.dtype);
        assert.ok(t.data instanceof natural, `${name}: ${t.dtype} decodes into ${natural.name}`);
        assert.deepEqual(t.shape, input[name].shape);
        assert.deepEqual(Array.from(t.data as ArrayLike<unknown>), Array.from(input[name].data as ArrayLike<unknown>), name);
      }
    };
    const bytes = serializeSafetensors(input, { format: "pt", note: "é" });
    const read = readSafetensors(bytes);
    assert.deepEqual(read.metadata, { format: "pt", note: "é" });
    check(read.tensors, Object.keys(input));
    assert.equal(read.tensors.get("i64")!.dtype, "I64");

    const dir = tempDir("safetensors");
    const file = path.join(dir, "model.safetensors");
    writeSafetensors(file, new Map(Object.entries(input)), { format: "pt", note: "é" });
    assert.deepEqual(new Uint8Array(fs.readFileSync(file)), bytes);
    const some = loadSafetensors(file, { names: ["f16", "bool", "δ.ünïcode ✓"] });
    check(some.tensors, ["f16", "bool", "δ.ünïcode ✓"]);
    assert.equal(some.infos.size, Object.keys(input).length);
    check(loadSafetensors(file).tensors, Object.keys(input));
    assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"], "no temporary file is left behind");
  });

  test("a failed write leaves the existing checkpoint untouched and no temporary file", () => {
    const dir = tempDir("safetensors");
    const file = path.join(dir, "keep.safetensors");
    writeSafetensors(file, { w: { shape: [1], data: new Float32Array([1]) } });
    const before = fs.readFileSync(file);
    throwsSafetensors(() => writeSafetensors(file, { w: { shape: [2], data: new Float32Array([1]) } }), /"w".*shape \[2\] has 2 elements but data has 1/);
    throwsSafetensors(() => writeSafetensors(path.join(dir, "missing", "x.safetensors"), {}), /missing.*cannot write \(ENOENT\)/);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(dir), ["keep.safetensors"]);
  });

  test("an empty file round-trips as the reference writes it", () => {
    // "{}" padded to 8 bytes, no data.
    assert.deepEqual(serializeSafetensors({}), hex(`0800000000000000 ${ascii("{}")} 202020202020`));
    assert.equal(readSafetensors(serializeSafetensors({})).infos.size, 0);
  });
});

describe("binary16 and bfloat16", () => {
  // Closed form of IEEE 754 binary16: (-1)^s · 2^(e-15) · (1 + m/1024), subnormals 2^-14 · m/1024.
  const closedForm = (h: number) => {
    const s = h >> 15 ? -1 : 1;
    const e = (h >> 10) & 31;
    const m = h & 1023;
    if (e === 31) return m ? NaN : s * Infinity;
    return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024);
  };
  const allHalves = new Uint16Array(65536).map((_, i) => i);

  test("all 65,536 halves decode to the closed form (subnormals, ±0, ±inf, NaN)", () => {
    const decoded = decodeF16(allHalves);
    for (let h = 0; h < 65536; h++) assert.ok(Object.is(decoded[h], closedForm(h)), `0x${h.toString(16)}: ${decoded[h]} vs ${closedForm(h)}`);
    assert.equal(decoded[0x7bff], 65504);
    assert.equal(decoded[0x0001], 2 ** -24);
  });

  test("encoding rounds to nearest even: every half, every midpoint and its neighbours", () => {
    const decoded = decodeF16(allHalves);
    const back = encodeF16(decoded);
    for (let h = 0; h < 65536; h++) if (!Number.isNaN(decoded[h])) assert.equal(back[h], h);
    assert.ok(Number.isNaN(decodeF16(encodeF16(new Float32Array([NaN])))[0]));
    // Between two adjacent positive finite halves the midpoint (exact in float32) goes to the even one,
    // and the float32 just below or above it to the nearer one.
    const mids: number[] = [];
    const expect: number[] = [];
    const up = (x: number) => { const f = new Float32Array([x]); new Uint32Array(f.buffer)[0]++; return f[0]; };
    const down = (x: number) => { const f = new Float32Array([x]); new Uint32Array(f.buffer)[0]--; return f[0]; };
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (closedForm(h) + closedForm(h + 1)) / 2;
      mids.push(mid, down(mid), up(mid));
      expect.push(h % 2 === 0 ? h : h + 1, h, h + 1);
    }
    // Past the largest finite half (65504) by half an ulp or more is infinity; below it rounds down.
    mids.push(65520, down(65520), 1e10, -1e10, 2 ** -25, up(2 ** -25), -(2 ** -26));
    expect.push(0x7c00, 0x7bff, 0x7c00, 0xfc00, 0, 1, 0x8000);
    assert.deepEqual(Array.from(encodeF16(new Float32Array(mids))), expect);
  });

  test("bfloat16 is the top half of a float32, rounded to nearest even", () => {
    const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
    assert.deepEqual(Array.from(decodeBF16(new Uint16Array([0x3f80, 0xc040, 0x7f80, 0x0001]))), [1, -3, Infinity, 2 ** -133]);
    const f = new Float32Array(new Uint32Array([0x3f808000, 0x3f818000, 0x3f808001, 0x7f7fffff, 0x7fc00001]).buffer);
    // 1 + 2^-8 ties to 1 (even), 1 + 3·2^-8 ties up to 1 + 2^-6, just above a tie rounds up, the largest
    // float overflows to infinity, NaN stays NaN.
    assert.deepEqual(Array.from(encodeBF16(f)), [0x3f80, 0x3f82, 0x3f81, 0x7f80, 0x7fc0]);
    assert.equal(bits(decodeBF16(encodeBF16(new Float32Array([Math.PI])))[0]) >>> 16, 0x4049);
  });
});

describe("malformed files give a SafetensorsError naming the file and the field", () => {
  const f32 = (n: number) => new Uint8Array(4 * n);
  const entry = (name: string, body: string) => `{"${name}":${body}}`;
  const cases: [string, Uint8Array, RegExp][] = [
    ["shorter than 8 bytes", new Uint8Array(5), /in\.st: file is 5 bytes, shorter than the 8-byte header length/],
    ["header length past the end", hex("ff00000000000000 7b7d"), /header length 255 runs past the end of the 10-byte file/],
    ["header length over the cap", hex("ffffffffffffffff"), /header length 18446744073709551615 exceeds the 100000000-byte limit/],
    ["header not UTF-8", rawFile("{\"\xff\":1}").map((b, i) => (i === 10 ? 0xff : b)), /header is not valid UTF-8/],
    ["header not starting with {", rawFile(' {"a":1}'), /does not start with "\{"/],
    ["header not JSON", rawFile('{"a":'), /header is not valid JSON/],
    ["header an array", rawFile("[1]"), /does not start with "\{"/],
    ["unknown dtype", rawFile(entry("w", '{"dtype":"F31","shape":[1],"data_offsets":[0,4]}'), f32(1)), /tensor "w": unknown dtype "F31"/],
    ["unsupported dtype", rawFile(entry("w", '{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}'), f32(1)), /tensor "w": dtype F8_E4M3 is not supported/],
    ["entry not an object", rawFile(entry("w", "[]")), /tensor "w": entry must be an object, got \[\]/],
    ["shape not an array", rawFile(entry("w", '{"dtype":"F32","shape":4,"data_offsets":[0,4]}'), f32(1)), /tensor "w": shape must be an array of non-negative integers, got 4/],
    ["negative shape", rawFile(entry("w", '{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}'), f32(1)), /tensor "w": shape .* got \[-1\]/],
    ["fractional shape", rawFile(entry("w", '{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}'), f32(2)), /tensor "w": shape .* got \[1\.5\]/],
    ["offsets not a pair", rawFile(entry("w", '{"dtype":"F32","shape":[1],"data_offsets":[0]}'), f32(1)), /tensor "w": data_offsets must be \[begin, end\]/],
    ["offsets reversed", rawFile(entry("w", '{"dtype":"F32","shape":[0],"data_offsets":[4,0]}'), f32(1)), /tensor "w": data_offsets \[4, 0\] end before they begin/],
    ["size mismatch", rawFile(entry("w", '{"dtype":"F32","shape":[2],"data_offsets":[0,4]}'), f32(1)), /tensor "w": data_offsets \[0, 4\] hold 4 bytes, but F32 \[2\] needs 8/],
    ["shape too large", rawFile(entry("w", '{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}'), f32(2)), /tensor "w": shape \[4294967296, 4294967296\] is too large/],
    ["offsets out of range", rawFile(entry("w", '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'), f32(1)), /tensor "w": data_offsets \[0, 8\] run past the 4-byte data buffer/],
    ["overlapping tensors", rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(2)), /tensor "b": data_offsets \[4, 8\] overlap tensor "a"/],
    ["a gap between tensors", rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32(3)), /tensor "b": data_offsets \[8, 12\] leave a gap after byte 4/],
    ["trailing bytes", rawFile(entry("w", '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'), f32(2)), /4 trailing bytes after the last tensor/],
    ["duplicate names", rawFile('{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'), /header names "w" twice/],
    ["duplicate field", rawFile(entry("w", '{"dtype":"U8","shape":[1],"shape":[0],"data_offsets":[0,0]}')), /header names "shape" twice/],
    ["metadata not strings", rawFile('{"__metadata__":{"epoch":3}}'), /__metadata__\.epoch must be a string, got 3/],
    ["metadata not an object", rawFile('{"__metadata__":"x"}'), /__metadata__ must be an object of strings, got "x"/],
  ];
  for (const [what, bytes, pattern] of cases) {
    test(what, () => throwsSafetensors(() => readSafetensors(bytes, "in.st"), pattern));
  }

  test("the same checks apply when reading from disk, and a missing file or tensor is named", () => {
    const dir = tempDir("safetensors");
    const file = path.join(dir, "bad.safetensors");
    fs.writeFileSync(file, rawFile(entry("w", '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'), f32(2)));
    throwsSafetensors(() => loadSafetensors(file), new RegExp(`${file.replace(/[.]/g, "\\.")}: 4 trailing bytes`));
    fs.writeFileSync(file, new Uint8Array(3));
    throwsSafetensors(() => loadSafetensors(file), /file is 3 bytes/);
    throwsSafetensors(() => loadSafetensors(path.join(dir, "nope.safetensors")), /nope\.safetensors: cannot open \(ENOENT\)/);
    writeSafetensors(file, { a: { shape: [1], data: new Float32Array([1]) } });
    throwsSafetensors(() => loadSafetensors(file, { names: ["b"] }), /no tensor named "b" \(the file has 1\)/);
  });

  test("bad tensors to write are refused, naming the tensor and field", () => {
    const w = (t: unknown, metadata?: unknown) => () => serializeSafetensors({ t: t as TensorInput }, metadata as Record<string, string>);
    throwsSafetensors(w({ shape: [1], data: [1] }), /tensor "t": data must be a typed array, got \[1\]/);
    throwsSafetensors(w({ dtype: "F8", shape: [1], data: new Float32Array(1) }), /tensor "t": unknown dtype "F8"/);
    throwsSafetensors(w({ dtype: "I32", shape: [1], data: new Float32Array(1) }), /tensor "t": dtype I32 needs a Int32Array, got a Float32Array/);
    throwsSafetensors(w({ dtype: "F16", shape: [1], data: new Float64Array(1) }), /dtype F16 needs a Float32Array, got a Float64Array/);
    throwsSafetensors(w({ shape: [-1], data: new Float32Array(1) }), /tensor "t": shape must be an array of non-negative integers, got \[-1\]/);
    throwsSafetensors(w({ dtype: "BOOL", shape: [2], data: new Uint8Array([1, 2]) }), /BOOL data must be 0 or 1, got 2 at index 1/);
    throwsSafetensors(w({ shape: [1], data: new Float32Array(1) }, { epoch: 3 }), /metadata\.epoch must be a string, got 3/);
    throwsSafetensors(() => serializeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } }), /"__metadata__": the name is reserved/);
  });
});

describe("against Hugging Face's safetensors package", () => {
  const problem = pythonProblem("safetensors", "numpy");
  const skip = problem === "" ? false : problem;

  test("files written by the reference read back to the same values, and ours are byte-identical", { skip }, () => {
    const rng = new Rng(7);
    const shapes: number[][] = [[], [0], [3], [2, 3], [2, 1, 4]];
    const spec = (Object.keys(DTYPES) as Dtype[]).filter((d) => d !== "BF16").map((dtype, i) => {
      const shape = shapes[i % shapes.length];
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, () => {
        if (dtype === "BOOL") return rng.int(2);
        if (dtype[0] === "F") return Number(Math.fround(rng.normal() * 100).toPrecision(dtype === "F16" ? 3 : 7));
        const bits = DTYPES[dtype].bytes * 8;
        const signed = dtype[0] === "I";
        const max = 2 ** (bits - (signed ? 1 : 0));
        return Math.floor(rng.uniform() * Math.min(max, 2 ** 52)) - (signed ? Math.floor(Math.min(max, 2 ** 52) / 2) : 0);
      });
      return { name: `t${i}.${dtype.toLowerCase()}`, dtype, shape, values };
    });
    const { written } = runReference<{ written: string }>("hf_safetensors.py", { write: spec, metadata: { format: "np" } });
    const reference = new Uint8Array(Buffer.from(written, "base64"));
    const read = readSafetensors(reference, "reference");
    const input: Record<string, TensorInput> = {};
    for (const t of spec) {
      const got = read.tensors.get(t.name)!;
      assert.equal(got.dtype, t.dtype);
      assert.deepEqual(got.shape, t.shape);
      const expected = t.dtype === "F16" ? t.values.map((v) => decodeF16(encodeF16(new Float32Array([v])))[0]) : t.values;
      assert.deepEqual(Array.from(got.data as ArrayLike<number | bigint>, Number), expected.map((v) => (t.dtype === "F32" ? Math.fround(v) : v)), t.name);
      input[t.name] = got;
    }
    assert.deepEqual(serializeSafetensors(input, { format: "np" }), reference);
  });

  test("bfloat16 files and float → half rounding match torch and numpy", { skip: problem !== "" ? problem : pythonProblem("torch") || false }, () => {
    const rng = new Rng(11);
    const bits: number[] = [];
    for (let i = 0; i < 20000; i++) {
      // Random exponents over the whole range, plus exact ties.
      const f = new Float32Array([rng.normal() * 2 ** (rng.int(80) - 40)]);
      const b = new Uint32Array(f.buffer)[0];
      bits.push(b, (b & 0xffff0000) | 0x8000, (b & 0xffffe000) | 0x1000);
    }
    const ref = runReference<{ f16: number[]; bf16: number[]; bf16file: string }>("hf_safetensors.py", { f16: bits, bf16: bits, bf16file: bits.slice(0, 300) });
    const floats = new Float32Array(new Uint32Array(bits).buffer);
    assert.deepEqual(Array.from(encodeF16(floats)), ref.f16);
    assert.deepEqual(Array.from(encodeBF16(floats)), ref.bf16);
    const file = readSafetensors(new Uint8Array(Buffer.from(ref.bf16file, "base64")));
    assert.deepEqual(Array.from(file.tensors.get("w")!.data as Float32Array), Array.from(decodeBF16(new Uint16Array(ref.bf16.slice(0, 300)))));
    assert.deepEqual(serializeSafetensors({ w: file.tensors.get("w")! }), new Uint8Array(Buffer.from(ref.bf16file, "base64")));
  });
});

describe("fuzz", () => {
  test("random bytes and mutated files give only SafetensorsErrors, quickly", () => {
    const rng = new Rng(2024);
    const valid = serializeSafetensors(everyDtype(), { format: "pt" });
    const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
    const dtypes = [...Object.keys(DTYPES), "F8_E5M2", "X", ""];
    const randomHeader = () => {
      const fields: string[] = [];
      for (let t = rng.int(4); t > 0; t--) {
        const shape = Array.from({ length: rng.int(3) }, () => rng.int(4));
        const begin = rng.int(40);
        fields.push(`"t${rng.int(3)}":{"dtype":"${dtypes[rng.int(dtypes.length)]}","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${begin + rng.int(40)}]}`);
      }
      return rawFile(`{${fields.join(",")}}`, new Uint8Array(rng.int(80)));
    };
    const start = Date.now();
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      let bytes: Uint8Array;
      const kind = i % 5;
      if (kind === 0) bytes = new Uint8Array(rng.int(64)).map(() => rng.int(256));
      else if (kind === 1) bytes = valid.slice(0, rng.int(valid.length + 1)); // truncation
      else if (kind === 2) {
        bytes = valid.slice();
        for (let k = 1 + rng.int(4); k > 0; k--) {
          // Flip bytes, mostly inside the header where the structure is.
          const at = rng.int(8) === 0 ? rng.int(bytes.length) : 8 + rng.int(headerLength);
          bytes[at] = rng.int(2) ? rng.int(256) : "{}[]\",:0123456789-e. ".charCodeAt(rng.int(21));
        }
      } else if (kind === 3) {
        bytes = valid.slice();
        new DataView(bytes.buffer).setBigUint64(0, BigInt(rng.int(2) ? rng.int(headerLength * 2) : rng.nextUint32() * 2 ** 20), true);
      } else bytes = randomHeader();
      try {
        const read = readSafetensors(bytes, `case ${i}`);
        for (const [name, t] of read.tensors) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), `case ${i} ${name}`);
        accepted++;
      } catch (err) {
        if (!(err instanceof SafetensorsError)) assert.fail(`case ${i} threw ${(err as Error).stack}`);
        rejected++;
      }
    }
    assert.ok(accepted > 0 && rejected > 0, `accepted ${accepted}, rejected ${rejected}`);
    assert.ok(Date.now() - start < 20_000, "4000 cases should take well under 20 s");
  });
});
