// The committed notebooks and the catalog the overview renders: names resolve, metadata is right, and
// notebooks are committed without outputs (an executed notebook carries ~5 MB of plotly.js).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { CATALOG, KERNEL_NAME, PROFILES, REPO_ROOT, byProfile, currentProfile, listNotebooks, resolveNotebooks } from "../lib/notebook/index";

/** The notebook as git will commit it (the index), or undefined outside a git checkout. */
function staged(file: string): string | undefined {
  const r = spawnSync("git", ["show", `:${path.relative(REPO_ROOT, file)}`], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
  return r.status === 0 ? r.stdout : undefined;
}

describe("notebooks/", () => {
  for (const file of listNotebooks()) {
    const name = path.basename(file);
    test(`${name}: listed in the catalog and on the project kernel`, () => {
      assert.ok(CATALOG.some((e) => e.notebook === name), `${name} is missing from lib/notebook/catalog.ts`);
      assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).metadata.kernelspec.name, KERNEL_NAME);
    });
    // Issue 20: one entry point and one setup call open every notebook, and tables come from lib/display's renderer.
    test(`${name}: opens with one import and one setup call; builds no markdown table by hand`, () => {
      const cells = (JSON.parse(fs.readFileSync(file, "utf8")).cells as { cell_type: string; source: string | string[] }[])
        .filter((c) => c.cell_type === "code").map((c) => (typeof c.source === "string" ? c.source : c.source.join("")));
      const code = cells[0].split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("//"));
      assert.equal(code[0], 'import * as qkv from "./lib/index";');
      assert.match(code[1], /^const \{ [a-z, ]+ \} = await qkv\.setup\((\{ tasks: true \})?\);$/);
      assert.ok(!code.slice(1).some((l) => l.startsWith("import ")), `${name}'s first cell imports more than lib/index`);
      const handBuilt = cells.findIndex((c) => /\|\s*-{3}/.test(c));
      assert.equal(handBuilt, -1, `${name}: code cell ${handBuilt + 1} writes a markdown table by hand (use qkv.markdownTable)`);
    });
    // `qkv reproduce` fills the working copy with outputs; what is committed must stay output-free.
    const committed = staged(file);
    test(`${name}: staged for commit without outputs`, { skip: committed === undefined && "not tracked by git" }, () => {
      const nb = JSON.parse(committed!);
      const withOutputs = nb.cells.filter((c: { outputs?: unknown[] }) => (c.outputs ?? []).length > 0).length;
      assert.equal(withOutputs, 0, `${name} is staged with outputs: \`git checkout ${path.relative(REPO_ROOT, file)}\` or clear them first`);
    });
  }
});

describe("resolveNotebooks", () => {
  test("accepts a name, a name with .ipynb, a path, or a unique prefix", () => {
    const overview = listNotebooks().find((f) => f.endsWith("00_overview.ipynb"))!;
    for (const name of ["00_overview", "00_overview.ipynb", "notebooks/00_overview.ipynb", "00_ov"]) {
      assert.deepEqual(resolveNotebooks([name]), [overview], name);
    }
    assert.deepEqual(resolveNotebooks([]), listNotebooks());
  });

  test("an unknown name lists what exists", () => {
    assert.throws(() => resolveNotebooks(["zz"]), /no notebook "zz" in notebooks\/ \(there are: .*00_overview/);
  });
});

describe("profiles", () => {
  test("QKV_PROFILE selects the value; a bad one is named", () => {
    assert.deepEqual([...PROFILES], ["smoke", "default", "full", "paper"]);
    assert.equal(currentProfile({}), "default");
    assert.equal(byProfile({ smoke: 1, default: 2, full: 3 }, currentProfile({ QKV_PROFILE: "smoke" })), 1);
    assert.throws(() => currentProfile({ QKV_PROFILE: "big" }), /QKV_PROFILE="big" is not a profile; use one of smoke, default, full/);
  });
});
