#!/usr/bin/env node
/**
 * edr-scan: wiring only (the logic is runCli in src/cli/main.ts; see docs/cli.md).
 */
import pkg from "../package.json" with { type: "json" };
import { isRulesCommand, runCli, runRulesCommand } from "./cli/index.ts";
import { loadBuiltinRules, loadRuleSet, loadRules } from "./rules/index.ts";
import { scanObject } from "./scan/index.ts";

const controller = new AbortController();
let interrupted = false;
process.on("SIGINT", () => {
  // First Ctrl-C: stop scanning and print the summary; a second one quits at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new Error("interrupted"));
});
// `edr-scan ... | head`: the reader went away. Only alerts are written to stdout, so at least one
// was found: stop at once with the alerts code instead of crashing on EPIPE.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  controller.abort(err);
  if (err.code === "EPIPE") process.exit(1);
  process.stderr.write(`edr-scan: cannot write alerts to stdout: ${err.message}\n`);
  process.exit(2);
});

const argv = process.argv.slice(2);
process.exitCode = isRulesCommand(argv)
  ? await runRulesCommand(argv, { stdout: process.stdout, stderr: process.stderr })
  : await runCli(
      argv,
      { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal },
      { scanObject, loadRules, loadBuiltinRules, loadRuleSet, version: pkg.version },
    );
