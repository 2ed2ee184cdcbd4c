// A small PNG decoder for tests, independent of the code under test: it checks the container (signature,
// chunk CRCs, IHDR), inflates IDAT with node:zlib and undoes the scanline filters (PNG spec, section 9).
import * as zlib from "zlib";

export interface Png {
  width: number;
  height: number;
  /** Bytes per pixel (8-bit channels only). */
  channels: number;
  /** Length of the inflated IDAT stream: one filter byte plus width × channels bytes per row. */
  inflatedLength: number;
  /** Unfiltered pixels, row by row. */
  pixels: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function decodePng(file: Buffer): Png {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG: bad signature");
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < file.length && !ended) {
    const length = file.readUInt32BE(offset);
    const type = file.toString("latin1", offset + 4, offset + 8);
    const data = file.subarray(offset + 8, offset + 8 + length);
    const crc = file.readUInt32BE(offset + 8 + length);
    if (crc32(file.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`bad CRC in ${type} chunk`);
    if (type === "IHDR") {
      header = {
        width: data.readUInt32BE(0), height: data.readUInt32BE(4),
        bitDepth: data[8], colorType: data[9], interlace: data[12],
      };
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      ended = true;
    }
    offset += 12 + length;
  }
  if (!header) throw new Error("no IHDR chunk");
  if (!ended) throw new Error("no IEND chunk");
  if (header.bitDepth !== 8 || header.interlace !== 0) throw new Error("only 8-bit, non-interlaced PNGs are supported");
  const channels = CHANNELS[header.colorType];
  if (channels === undefined) throw new Error(`bad colour type ${header.colorType}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const { width, height } = header;
  const stride = width * channels;
  if (raw.length !== height * (1 + stride)) {
    return { width, height, channels, inflatedLength: raw.length, pixels: Buffer.alloc(0) };
  }
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (1 + stride)];
    const line = raw.subarray(y * (1 + stride) + 1, (y + 1) * (1 + stride));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? pixels[y * stride + i - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`bad filter type ${filter} in row ${y}`);
      pixels[y * stride + i] = (line[i] + predictor) & 0xff;
    }
  }
  return { width, height, channels, inflatedLength: raw.length, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Number of pixels within `tolerance` (per channel) of the colour [r, g, b]. */
export function countColor(png: Png, [r, g, b]: [number, number, number], tolerance = 8): number {
  let n = 0;
  for (let i = 0; i + 2 < png.pixels.length; i += png.channels) {
    const near = Math.abs(png.pixels[i] - r) <= tolerance && Math.abs(png.pixels[i + 1] - g) <= tolerance &&
      Math.abs(png.pixels[i + 2] - b) <= tolerance;
    if (near) n++;
  }
  return n;
}
