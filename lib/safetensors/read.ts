// Reading safetensors: an 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {key: value}}, then the data buffer,
// with offsets relative to its start. The checks are those of the reference implementation
// (huggingface/safetensors, Metadata::validate): the tensors, sorted by offset, tile the buffer exactly.
import * as fs from "fs";
import {
  DTYPES, Dtype, SafetensorsError, Tensor, TensorData, decodeBF16, decodeF16, parseDtype, requireLittleEndian,
} from "./dtypes";

/** The reference implementation's cap: a corrupt length field cannot make us allocate gigabytes. */
export const MAX_HEADER_BYTES = 100_000_000;

export const METADATA_KEY = "__metadata__";

/** Where a tensor lives, from the header alone. */
export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  /** Every tensor in the file, in the order of its data. */
  infos: Map<string, TensorInfo>;
  /** Bytes before the data buffer: 8 + the header length. */
  dataStart: number;
}

export interface SafetensorsContents extends SafetensorsHeader {
  /** The decoded tensors: all of them, or those named in `names`. */
  tensors: Map<string, Tensor>;
}

export interface ReadOptions {
  /** Decode only these tensors (each must exist); the others are still validated from the header. */
  names?: readonly string[];
}

/** Parses and validates the whole file held in memory, then decodes the tensors asked for. */
export function readSafetensors(
  bytes: Uint8Array, source = "<buffer>", options: ReadOptions = {},
): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new SafetensorsError(`${source}: expected the file's bytes as a Uint8Array`);
  }
  const headerLength = readHeaderLength(bytes, bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.length, source);
  const tensors = new Map<string, Tensor>();
  for (const name of selectNames(header, options.names, source)) {
    const info = header.infos.get(name)!;
    const begin = header.dataStart + info.dataOffsets[0];
    tensors.set(name, decodeTensor(info, bytes.subarray(begin, header.dataStart + info.dataOffsets[1])));
  }
  return { ...header, tensors };
}

/**
 * Reads a .safetensors file. Only the header and the tensors asked for are read from disk, so picking a
 * few tensors out of a 500 MB checkpoint costs what those tensors weigh.
 */
export function loadSafetensors(file: string, options: ReadOptions = {}): SafetensorsContents {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    throw new SafetensorsError(
      `${file}: cannot open (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = readAt(fd, 0, Math.min(8, size));
    const headerLength = readHeaderLength(prefix, size, file);
    const header = parseHeader(readAt(fd, 8, headerLength), size, file);
    const tensors = new Map<string, Tensor>();
    for (const name of selectNames(header, options.names, file)) {
      const info = header.infos.get(name)!;
      const [begin, end] = info.dataOffsets;
      tensors.set(name, decodeTensor(info, readAt(fd, header.dataStart + begin, end - begin)));
    }
    return { ...header, tensors };
  } finally {
    fs.closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) break; // the size checks already guarantee the bytes exist; a file shrinking under us stops here
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

function readHeaderLength(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8) {
    throw new SafetensorsError(`${source}: file is ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`${source}: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const length = Number(n);
  if (8 + length > fileSize) {
    throw new SafetensorsError(`${source}: header length ${length} runs past the end of the ${fileSize}-byte file`);
  }
  return length;
}

/** Validates the JSON header against the file's size and returns the tensor table. */
export function parseHeader(headerBytes: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  const dataStart = 8 + headerBytes.length;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${source}: header is not valid UTF-8`);
  }
  if (!text.startsWith("{")) throw new SafetensorsError(`${source}: header does not start with "{"`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new SafetensorsError(`${source}: header is not a JSON object`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) throw new SafetensorsError(`${source}: header names ${JSON.stringify(duplicate)} twice`);

  let metadata: Record<string, string> = {};
  const infos: [string, TensorInfo][] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(entry, source);
      continue;
    }
    infos.push([name, parseInfo(entry, `${source}: tensor ${JSON.stringify(name)}`)]);
  }

  // The tensors, in offset order, must tile [0, buffer length) with no gap and no overlap.
  infos.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  const bufferLength = fileSize - dataStart;
  let cursor = 0;
  let previous = "";
  for (const [name, info] of infos) {
    const [begin, end] = info.dataOffsets;
    const where = `${source}: tensor ${JSON.stringify(name)}`;
    if (begin < cursor) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] overlap tensor ` +
        `${JSON.stringify(previous)} (which ends at ${cursor})`);
    }
    if (begin > cursor) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] leave a gap after byte ${cursor}`);
    }
    if (end > bufferLength) {
      throw new SafetensorsError(
        `${where}: data_offsets [${begin}, ${end}] run past the ${bufferLength}-byte data buffer`,
      );
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== bufferLength) {
    throw new SafetensorsError(`${source}: ${bufferLength - cursor} trailing bytes after the last tensor ` +
      `(data buffer is ${bufferLength} bytes, tensors cover ${cursor})`);
  }
  return { metadata, infos: new Map(infos), dataStart };
}

// Returned as parsed (not copied with Object.assign, which would treat a "__proto__" key as the prototype).
function parseMetadata(entry: unknown, source: string): Record<string, string> {
  if (entry === null) return {}; // the reference reads `"__metadata__": null` as no metadata
  if (typeof entry !== "object" || Array.isArray(entry)) {
    throw new SafetensorsError(`${source}: ${METADATA_KEY} must be an object of strings, got ${describe(entry)}`);
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== "string") {
      throw new SafetensorsError(`${source}: ${METADATA_KEY}.${key} must be a string, got ${describe(value)}`);
    }
  }
  return entry as Record<string, string>;
}

function parseInfo(entry: unknown, where: string): TensorInfo {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    throw new SafetensorsError(`${where}: entry must be an object, got ${describe(entry)}`);
  }
  // Other fields are ignored, as the reference implementation ignores them.
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  const type = parseDtype(dtype, where);
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new SafetensorsError(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw new SafetensorsError(
      `${where}: data_offsets must be [begin, end] of non-negative integers, got ${describe(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * DTYPES[type].bytes;
  if (!Number.isSafeInteger(expected)) throw new SafetensorsError(`${where}: shape [${shape.join(", ")}] is too large`);
  if (end - begin !== expected) {
    throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ` +
      `but ${type} [${shape.join(", ")}] needs ${expected}`);
  }
  return { dtype: type, shape: [...(shape as number[])], dataOffsets: [begin, end] };
}

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function selectNames(header: SafetensorsHeader, names: readonly string[] | undefined, source: string): string[] {
  if (names === undefined) return [...header.infos.keys()];
  for (const name of names) {
    if (!header.infos.has(name)) {
      throw new SafetensorsError(
        `${source}: no tensor named ${JSON.stringify(name)} (the file has ${header.infos.size})`,
      );
    }
  }
  return [...new Set(names)];
}

/** Copies a tensor's bytes out of the file (which may be unaligned for its type) into its typed array. */
function decodeTensor(info: TensorInfo, bytes: Uint8Array): Tensor {
  requireLittleEndian();
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  let data: TensorData;
  if (info.dtype === "F16") data = decodeF16(new Uint16Array(copy.buffer));
  else if (info.dtype === "BF16") data = decodeBF16(new Uint16Array(copy.buffer));
  else data = new DTYPES[info.dtype].array(copy.buffer);
  return { dtype: info.dtype, shape: [...info.shape], data };
}

/**
 * The first key that one JSON object of `text` holds twice (JSON.parse keeps the last silently). `text`
 * is known to be valid JSON, so a scan that tracks strings and nesting is enough.
 */
function firstDuplicateKey(text: string): string | undefined {
  const stack: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === "{") stack.push({ keys: new Set(), expectKey: true });
    else if (c === "[") stack.push({ keys: undefined, expectKey: false });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack[stack.length - 1];
      if (top.keys !== undefined) top.expectKey = true;
    }
  }
  return undefined;
}
