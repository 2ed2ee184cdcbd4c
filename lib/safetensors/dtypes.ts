// The safetensors element types this library reads and writes, and exact conversions of the two 16-bit
// float formats to and from float32 (typed arrays have no float16 or bfloat16 view in Node 20).

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

export type Dtype =
  "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U64" | "U32" | "U16" | "U8" | "BOOL";

export type TensorData =
  | Float64Array | Float32Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array
  | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** A decoded tensor: `data` is row-major; F16 and BF16 are widened (exactly) to a Float32Array. */
export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: TensorData;
}

type ArrayClass = {
  new (length: number): TensorData; new (buffer: ArrayBuffer): TensorData; readonly BYTES_PER_ELEMENT: number;
};

interface DtypeInfo {
  /** Bytes per element in the file. */
  bytes: number;
  /** The typed array the data is decoded into. */
  array: ArrayClass;
  /** The reference implementation writes tensors sorted by this rank, largest first, then by name. */
  writeRank: number;
}

// writeRank is the order of the Rust `Dtype` enum that safetensors sorts by (read off files the Python
// package writes: U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL).
export const DTYPES: Readonly<Record<Dtype, DtypeInfo>> = {
  BOOL: { bytes: 1, array: Uint8Array, writeRank: 0 },
  U8: { bytes: 1, array: Uint8Array, writeRank: 1 },
  I8: { bytes: 1, array: Int8Array, writeRank: 2 },
  I16: { bytes: 2, array: Int16Array, writeRank: 3 },
  U16: { bytes: 2, array: Uint16Array, writeRank: 4 },
  F16: { bytes: 2, array: Float32Array, writeRank: 5 },
  BF16: { bytes: 2, array: Float32Array, writeRank: 6 },
  I32: { bytes: 4, array: Int32Array, writeRank: 7 },
  U32: { bytes: 4, array: Uint32Array, writeRank: 8 },
  F32: { bytes: 4, array: Float32Array, writeRank: 9 },
  F64: { bytes: 8, array: Float64Array, writeRank: 10 },
  I64: { bytes: 8, array: BigInt64Array, writeRank: 11 },
  U64: { bytes: 8, array: BigUint64Array, writeRank: 12 },
};

// Types the format defines that this library does not decode (8-bit and smaller floats, complex).
const KNOWN_UNSUPPORTED = new Set(["F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"]);

export function isDtype(name: unknown): name is Dtype {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(DTYPES, name);
}

/** The dtype a header names, or an error that says whether it is unknown or only unsupported here. */
export function parseDtype(name: unknown, where: string): Dtype {
  if (isDtype(name)) return name;
  if (typeof name === "string" && KNOWN_UNSUPPORTED.has(name)) {
    throw new SafetensorsError(
      `${where}: dtype ${name} is not supported by this reader (supported: ${Object.keys(DTYPES).join(", ")})`,
    );
  }
  throw new SafetensorsError(
    `${where}: unknown dtype ${JSON.stringify(name)} (expected one of ${Object.keys(DTYPES).join(", ")})`,
  );
}

// Typed arrays use the host's byte order and safetensors is little-endian; every platform Node ships
// for today is little-endian, and a big-endian one gets an error rather than byte-swapped numbers.
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new SafetensorsError("safetensors I/O needs a little-endian host");
}

// All 65,536 half-precision values, built once on first use (256 KiB): decoding is then one lookup.
let halfTable: Float32Array | undefined;

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (0x400 + mantissa) * 2 ** (exponent - 25);
}

/** IEEE binary16 bit patterns → float32 (exact: every half is a float32). */
export function decodeF16(bits: Uint16Array): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(0x10000);
    for (let b = 0; b < 0x10000; b++) halfTable[b] = halfToFloat(b);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}

/** bfloat16 bit patterns → float32: a bfloat16 is the top half of a float32. */
export function decodeBF16(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** float32 → binary16, rounding to nearest even as IEEE casts do; overflow gives ±Infinity. */
export function encodeF16(values: Float32Array): Uint16Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = words[i];
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    let mant = b & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // NaN stays a (quiet) NaN
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    let shift: number;
    let half: number;
    if (e <= 0) {
      // Below 2^-25 everything rounds to zero (also keeps the shift below 32).
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      shift = 14 - e;
      half = mant >>> shift;
    } else {
      shift = 13;
      half = (e << 10) | (mant >>> 13);
    }
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    // A carry out of the mantissa correctly bumps the exponent (and the largest finite value to infinity).
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    out[i] = sign | half;
  }
  return out;
}

/** float32 → bfloat16, rounding to nearest even. */
export function encodeBF16(values: Float32Array): Uint16Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = words[i];
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) out[i] = (b >>> 16) | 0x40;
    else out[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}
