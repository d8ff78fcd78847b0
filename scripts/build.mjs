// `npm run build`: bundles the CLI into dist/cli.js (ESM for Node 20+, runnable as `node
// dist/cli.js` or through package.json's bin) and copies the built-in rules next to it
// (dist/rules/*.toml, where builtinRulesDir() looks from a bundle). The Lambda bundle is built
// by CDK's NodejsFunction, not here.
//
// What the CLI imports only for s3:// inputs (src/s3 and the AWS SDK, ~1 MB of the 1.8 MB) is
// split into chunks beside cli.js (dist/*-HASH.js, loaded by its dynamic import): a run over
// local files no longer has V8 compile and initialise it, ~40 ms of the start-up (median wall
// 290 -> 250 ms with the Linux pack compiled at build, docs/performance.md). The chunks stay in
// dist/ itself, so `import.meta.url` points at dist/ from any of them; copy dist/ as a whole.
//
// The rules are also compiled at build time (dist/rules/.compiled-rules.json, see
// src/rules/compiled-set.ts), so start-up skips parsing them. `npm run build -- --compile-rules
// DIR` (repeatable) writes the same artefact into a rule pack of yours, for `--rules DIR`: a
// start with Elastic's 287 Linux rules then costs a digest of each file instead of ~350 ms of
// parsing and compiling. An artefact is used only by the build that wrote it (engine id:
// scripts/compile-rules.mjs) and only for files whose text it recorded; rebuild after editing
// rules to keep the gain.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { compileRuleDirs, engineId } from "./compile-rules.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const rulesSrc = join(root, "src", "rules");
const rulesDist = join(dist, "rules");
const { values } = parseArgs({ options: { "compile-rules": { type: "string", multiple: true } } });
const packs = (values["compile-rules"] ?? []).map((d) => resolve(d));

const engine = engineId();

rmSync(dist, { recursive: true, force: true });
mkdirSync(rulesDist, { recursive: true });

const result = await build({
  entryPoints: [join(root, "src", "cli.ts")],
  outdir: dist,
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: false,
  // Whitespace and syntax only: identifiers stay readable in stack traces.
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  define: { __EDR_ENGINE_ID__: JSON.stringify(engine) },
  // src/cli.ts starts with `#!/usr/bin/env node`, which esbuild keeps as the first line.
  // Some dependencies are CommonJS and call require() for Node built-ins; an ESM bundle has no
  // require, so give them one.
  banner: {
    js: 'import { createRequire as __edrCreateRequire } from "node:module"; const require = __edrCreateRequire(import.meta.url);',
  },
});

chmodSync(join(dist, "cli.js"), 0o755);

const rules = readdirSync(rulesSrc).filter((f) => f.endsWith(".toml"));
if (rules.length === 0) {
  console.error(`build: no .toml rules in ${rulesSrc}; the bundle would have no built-in rules`);
  process.exit(1);
}
for (const f of rules) copyFileSync(join(rulesSrc, f), join(rulesDist, f));

// Compiled by the sources the bundle was built from (same engine id).
for (const line of await compileRuleDirs([rulesDist, ...packs], engine)) console.log(line);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  console.log(`${file.padEnd(24)} ${kib(out.bytes)}`);
}
for (const f of rules)
  console.log(`${join("dist", "rules", f).padEnd(24)} ${kib(statSync(join(rulesDist, f)).size)}`);
