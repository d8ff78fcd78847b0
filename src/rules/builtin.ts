/** The rules shipped with the scanner (src/rules/*.toml; copied next to a bundle as rules/). */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LoadOptions } from "./load.ts";
import type { Rule } from "./rule.ts";
import { loadRules } from "./set.ts";

function hasToml(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => n.endsWith(".toml"));
  } catch {
    return false;
  }
}

/**
 * The directory of the built-in rules: this module's own directory when running from the source
 * tree (src/rules/), or `rules/` next to a bundle (dist/cli.js, the Lambda bundle), where the
 * build copies src/rules/*.toml.
 */
export function builtinRulesDir(): string {
  const candidates = [new URL("./", import.meta.url), new URL("./rules/", import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (hasToml(dir)) return dir;
  }
  throw new Error(
    `built-in rules not found: looked for *.toml in ${candidates.map((c) => fileURLToPath(c)).join(" and ")}`,
  );
}

/** Loads the built-in rules (see loadRules). */
export function loadBuiltinRules(options: LoadOptions = {}): Promise<Rule[]> {
  return loadRules(builtinRulesDir(), options);
}
