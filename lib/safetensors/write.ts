// Writing safetensors byte-for-byte as the reference implementation does: tensors ordered by dtype (widest
// first) then by name, header JSON without spaces, padded with spaces to a multiple of 8 bytes.
import * as fs from "fs";
import * as path from "path";
import {
  DTYPES, Dtype, SafetensorsError, TensorData, encodeBF16, encodeF16, isDtype, requireLittleEndian,
} from "./dtypes";
import { METADATA_KEY } from "./read";

/**
 * A tensor to write. Without `dtype` the type follows the array (Float32Array → F32, BigInt64Array → I64…).
 * F16 and BF16 take a Float32Array and round to nearest even; BOOL takes a Uint8Array of 0s and 1s.
 */
export interface TensorInput {
  dtype?: Dtype;
  shape: readonly number[];
  data: TensorData;
}

export type TensorsInput = ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>;

// The dtype each array class stands for when none is given.
const NATURAL_DTYPES: [new (n: number) => TensorData, Dtype][] = [
  [Float64Array, "F64"], [Float32Array, "F32"], [BigInt64Array, "I64"], [BigUint64Array, "U64"],
  [Int32Array, "I32"], [Uint32Array, "U32"], [Int16Array, "I16"], [Uint16Array, "U16"], [Int8Array, "I8"],
  [Uint8Array, "U8"],
];

interface Layout {
  header: Uint8Array;
  chunks: Uint8Array[];
}

/** The complete file as bytes (for small tensors and tests; `writeSafetensors` streams instead). */
export function serializeSafetensors(tensors: TensorsInput, metadata?: Record<string, string>): Uint8Array {
  const { header, chunks } = layout(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, header.length));
  out.set(header);
  let at = header.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Writes a .safetensors file atomically: the bytes go to a temporary file in the same directory, which is
 * flushed to disk and then renamed over `file`, so a crash leaves the old checkpoint or the new one, never
 * half of one.
 */
export function writeSafetensors(file: string, tensors: TensorsInput, metadata?: Record<string, string>): void {
  const { header, chunks } = layout(tensors, metadata, file);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    const fd = fs.openSync(temp, "w");
    try {
      for (const chunk of [header, ...chunks]) {
        let done = 0;
        while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new SafetensorsError(
      `${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

function layout(tensors: TensorsInput, metadata: Record<string, string> | undefined, source = "safetensors"): Layout {
  requireLittleEndian();
  if (tensors === null || typeof tensors !== "object") {
    throw new SafetensorsError(`${source}: tensors must be a Map or an object of tensors`);
  }
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const prepared = entries.map(([name, tensor]) => prepare(name, tensor, source));
  const utf8 = (s: string) => Buffer.from(s, "utf8");
  prepared.sort((a, b) =>
    DTYPES[b.dtype].writeRank - DTYPES[a.dtype].writeRank || Buffer.compare(utf8(a.name), utf8(b.name)));

  // Built as [key, value] pairs: an object would move integer-like names ("0", "1") ahead of the rest.
  const fields: [string, unknown][] = [];
  if (metadata !== undefined) fields.push([METADATA_KEY, checkMetadata(metadata, source)]);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of prepared) {
    fields.push([t.name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] }]);
    chunks.push(t.bytes);
    offset += t.bytes.length;
  }
  const body = `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
  const text = utf8(body);
  const padded = text.length + ((8 - (text.length % 8)) % 8);
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  return { header, chunks };
}

function prepare(
  name: string, tensor: TensorInput, source: string,
): { name: string; dtype: Dtype; shape: number[]; bytes: Uint8Array } {
  const where = `${source}: tensor ${JSON.stringify(name)}`;
  if (name === METADATA_KEY) throw new SafetensorsError(`${where}: the name is reserved for the metadata`);
  if (tensor === null || typeof tensor !== "object") {
    throw new SafetensorsError(`${where}: expected { shape, data }, got ${String(tensor)}`);
  }
  const { shape, data } = tensor;
  const natural = NATURAL_DTYPES.find(([cls]) => data instanceof cls);
  if (natural === undefined) {
    throw new SafetensorsError(`${where}: data must be a typed array, got ${describeValue(data)}`);
  }
  if (tensor.dtype !== undefined && !isDtype(tensor.dtype)) {
    throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(tensor.dtype)} ` +
      `(expected one of ${Object.keys(DTYPES).join(", ")})`);
  }
  const dtype = tensor.dtype ?? natural[1];
  if (!(data instanceof DTYPES[dtype].array)) {
    throw new SafetensorsError(
      `${where}: dtype ${dtype} needs a ${DTYPES[dtype].array.name}, got a ${data.constructor.name}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      `${where}: shape must be an array of non-negative integers, got ${describeValue(shape)}`,
    );
  }
  const elements = shape.reduce((a: number, b: number) => a * b, 1);
  if (elements !== data.length) {
    throw new SafetensorsError(
      `${where}: shape [${shape.join(", ")}] has ${elements} elements but data has ${data.length}`,
    );
  }
  if (dtype === "BOOL") {
    const bad = (data as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0) throw new SafetensorsError(`${where}: BOOL data must be 0 or 1, got ${data[bad]} at index ${bad}`);
  }
  const encoded = dtype === "F16"
    ? encodeF16(data as Float32Array)
    : dtype === "BF16" ? encodeBF16(data as Float32Array) : data;
  return {
    name, dtype, shape: [...shape], bytes: new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength),
  };
}

function checkMetadata(metadata: Record<string, string>, source: string): Record<string, string> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new SafetensorsError(`${source}: metadata must be an object of strings, got ${describeValue(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new SafetensorsError(`${source}: metadata.${key} must be a string, got ${describeValue(value)}`);
    }
  }
  return metadata;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object" && !Array.isArray(v)) return (v as object).constructor?.name ?? "object";
  return JSON.stringify(v) ?? String(v);
}
