// safetensors I/O (https://github.com/huggingface/safetensors), the checkpoint format of Hugging Face models.
//
//   loadSafetensors(file, { names? })          → { metadata, infos, tensors, dataStart }; reads only what it decodes
//   readSafetensors(bytes, source?, { names? }) → the same from bytes in memory
//   writeSafetensors(file, tensors, metadata?)  atomic (temporary file + rename), byte-identical to the reference
//   serializeSafetensors(tensors, metadata?)    → the file's bytes
//
// Tensors are { dtype, shape, data } with row-major typed-array data: F64 → Float64Array; F32, F16, BF16 →
// Float32Array (halves widened exactly); I64/U64 → BigInt64Array/BigUint64Array; I32, U32, I16, U16, I8, U8
// → the matching array; BOOL → Uint8Array. Every malformed input throws a SafetensorsError naming the file
// and the tensor or field.
export { DTYPES, SafetensorsError, decodeBF16, decodeF16, encodeBF16, encodeF16 } from "./dtypes";
export type { Dtype, Tensor, TensorData } from "./dtypes";
export { MAX_HEADER_BYTES, METADATA_KEY, loadSafetensors, parseHeader, readSafetensors } from "./read";
export type { ReadOptions, SafetensorsContents, SafetensorsHeader, TensorInfo } from "./read";
export { serializeSafetensors, writeSafetensors } from "./write";
export type { TensorInput, TensorsInput } from "./write";
