// Compiles rule directories at build time (src/rules/compiled-set.ts): writes DIR/.compiled-rules.json
// for the engine built from the current sources, so a bundle of those sources starts without
// parsing the rules. Used by scripts/build.mjs; a deployment that bundles the handler itself
// (infra's NodejsFunction) defines __EDR_ENGINE_ID__ as `--engine-id` prints and runs this on
// the bundle's rules/ folder.
//
//   node scripts/compile-rules.mjs DIR...        write the artefacts, print the engine id and counts
//   node scripts/compile-rules.mjs --engine-id   print the engine id only
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The engine's identity: a digest of every source file and the locked dependency versions. A
 * bundle carries it (__EDR_ENGINE_ID__) and so does every artefact written for it; an artefact
 * of another build is ignored at start-up.
 */
export function engineId() {
  const h = createHash("sha256");
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) h.update(`${relative(root, p)}\0`).update(readFileSync(p));
    }
  };
  walk(join(root, "src"));
  h.update(readFileSync(join(root, "package-lock.json")));
  return h.digest("hex").slice(0, 32);
}

/** Writes the artefact of each directory for `engine`; returns one line per directory. */
export async function compileRuleDirs(dirs, engine) {
  // The sources the bundle is built from, run through tsx (a dev dependency, as esbuild is).
  const { tsImport } = await import("tsx/esm/api");
  const { listRuleFiles, writeCompiledRuleSet } = await tsImport("../src/rules/index.ts", import.meta.url);
  // The scan's prefilter clauses of each rule and step, which start-up would derive otherwise.
  const { precomputedClauses } = await tsImport("../src/scan/index.ts", import.meta.url);
  const lines = [];
  for (const dir of dirs) {
    const { compiled, refused } = await writeCompiledRuleSet(dir, await listRuleFiles(dir), engine, {
      extras: precomputedClauses,
    });
    const where = relative(root, dir).startsWith("..") ? dir : relative(root, dir);
    lines.push(
      `${where}: ${compiled} rule files compiled at build time${refused.length > 0 ? `, ${refused.length} refused (they fail at start-up as before)` : ""}`,
    );
  }
  return lines;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes("--engine-id")) {
    console.log(engineId());
  } else if (args.length === 0 || args.some((a) => a.startsWith("-"))) {
    console.error("usage: node scripts/compile-rules.mjs DIR... | --engine-id");
    process.exit(2);
  } else {
    const engine = engineId();
    console.log(`engine ${engine}`);
    for (const line of await compileRuleDirs(
      args.map((d) => resolve(d)),
      engine,
    ))
      console.log(line);
  }
}
