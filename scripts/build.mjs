// `npm run build`: bundles the CLI into dist/cli.js (one ESM file for Node 20+, runnable as
// `node dist/cli.js` or through package.json's bin) and copies the built-in rules next to it
// (dist/rules/*.toml, where builtinRulesDir() looks from a bundle). The Lambda bundle is built
// by CDK's NodejsFunction, not here.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const rulesSrc = join(root, "src", "rules");
const rulesDist = join(dist, "rules");

rmSync(dist, { recursive: true, force: true });
mkdirSync(rulesDist, { recursive: true });

const result = await build({
  entryPoints: [join(root, "src", "cli.ts")],
  outfile: join(dist, "cli.js"),
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

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  console.log(`${file.padEnd(24)} ${kib(out.bytes)}`);
}
for (const f of rules)
  console.log(`${join("dist", "rules", f).padEnd(24)} ${kib(statSync(join(rulesDist, f)).size)}`);
