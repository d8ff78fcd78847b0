/**
 * `edr-scan rules check PATH...` and `edr-scan rules list [PATH...]`: what a directory of rules
 * (the 954-rule pack, a Kibana export) holds, which rules load and why the others do not, before
 * a scan depends on it (docs/cli.md, "Rule sets").
 */
import { Command, CommanderError, Option } from "commander";
import { escapeControls } from "../alerts/index.ts";
import {
  builtinRulesDir,
  loadRuleSet,
  parseRuleFilter,
  type Rule,
  type RuleFilter,
  type RuleSet,
} from "../rules/index.ts";
import { choiceOption } from "./options.ts";

export interface RulesIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const EXIT_OK = 0;
const EXIT_PROBLEMS = 2;

/** `argv` starts a rules subcommand (`rules check ...`, `rules list ...`, `rules --help`). */
export function isRulesCommand(argv: readonly string[]): boolean {
  return argv[0] === "rules" && ["check", "list", "--help", "-h", "help"].includes(argv[1] ?? "");
}

const oneLine = (s: string): string => escapeControls(s.split("\n")[0] ?? s);

function typeOf(rule: Rule): string {
  const q = rule.query.trimStart().toLowerCase();
  if (q.startsWith("sequence")) return "eql-sequence";
  if (q.startsWith("sample")) return "eql-sample";
  return "eql";
}

function checkReport(set: RuleSet, out: NodeJS.WritableStream): void {
  const lines: [string, string, string][] = [];
  for (const r of set.rules) lines.push([r.file, "loaded", `${r.id}  ${r.name}`]);
  for (const r of set.disabled)
    lines.push([r.file, "disabled", `${r.id}  ${r.name} (enabled: false; not run)`]);
  for (const r of set.filteredOut) lines.push([r.file, "filtered", `${r.id}  ${r.name}`]);
  for (const p of set.refused) lines.push([p.file, "refused", p.reason]);
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [file, status, detail] of lines) {
    out.write(`${status.padEnd(8)}  ${escapeControls(file)}  ${oneLine(detail)}\n`);
  }
  const total = set.rules.length + set.disabled.length + set.filteredOut.length + set.refused.length;
  out.write(
    `\n${total} rules in ${set.files.length} files: ${set.rules.length} loaded, ${set.refused.length} refused` +
      `${set.disabled.length > 0 ? `, ${set.disabled.length} disabled` : ""}` +
      `${set.filteredOut.length > 0 ? `, ${set.filteredOut.length} filtered out` : ""}\n`,
  );
  const byReason = new Map<string, number>();
  for (const p of set.refused) byReason.set(oneLine(p.reason), (byReason.get(oneLine(p.reason)) ?? 0) + 1);
  const reasons = [...byReason].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (reasons.length > 0) out.write("refused, by reason:\n");
  for (const [reason, n] of reasons) out.write(`${String(n).padStart(6)}  ${reason}\n`);
}

function listReport(set: RuleSet, format: "text" | "ndjson", out: NodeJS.WritableStream): void {
  for (const r of [...set.rules, ...set.disabled]) {
    const row = {
      id: r.id,
      name: r.name,
      severity: r.severity,
      risk_score: r.riskScore,
      type: typeOf(r),
      enabled: r.enabled !== false,
      index: r.indices,
      tags: r.tags,
      file: r.file,
    };
    if (format === "ndjson") out.write(`${JSON.stringify(row)}\n`);
    else {
      out.write(
        `${[r.id, r.severity.padEnd(8), typeOf(r).padEnd(12), r.name].map(escapeControls).join("  ")}${r.enabled === false ? "  (disabled)" : ""}\n` +
          `    index: ${escapeControls(r.indices.join(", ") || "(Kibana's default security indices)")}\n` +
          `    tags:  ${escapeControls(r.tags.join(", ") || "-")}\n`,
      );
    }
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function runRulesCommand(argv: readonly string[], io: RulesIo): Promise<number> {
  let exit = EXIT_OK;
  const filtersOf = (texts: readonly string[]): RuleFilter[] => texts.map(parseRuleFilter);
  const root = new Command()
    .name("edr-scan rules")
    .description("Inspect rule sets: detection-rules TOML files and Kibana rule exports (NDJSON).")
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run edr-scan rules --help for usage)")
    .exitOverride();
  root
    .command("check")
    .description(
      "load every rule below PATH... and print each with loaded / refused and the reason, then totals by reason; exit 0 only when all load",
    )
    .argument("<paths...>", "rule files and directories")
    .option(
      "--exceptions <path>",
      "an exception-list export the rules may reference (repeatable)",
      collect,
      [],
    )
    .option(
      "--rule-filter <filter>",
      "check only rules matching (repeatable): tag:<tag>, severity>=<level>, id:<id>, name:<glob>, index:<name>",
      collect,
      [],
    )
    .action(async (paths: string[], o: { exceptions: string[]; ruleFilter: string[] }) => {
      const set = await loadRuleSet(paths, {
        skipUnsupported: true,
        exceptions: o.exceptions,
        filters: filtersOf(o.ruleFilter),
      });
      checkReport(set, io.stdout);
      exit = set.refused.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
    });
  root
    .command("list")
    .description("list the rules that load (id, severity, type, name, index patterns, tags)")
    .argument("[paths...]", "rule files and directories (default: the built-in rules)")
    .option(
      "--exceptions <path>",
      "an exception-list export the rules may reference (repeatable)",
      collect,
      [],
    )
    .option("--rule-filter <filter>", "list only rules matching (repeatable)", collect, [])
    .addOption(
      new Option("--format <format>", "text or ndjson")
        .argParser(choiceOption(["text", "ndjson"] as const))
        .default("text"),
    )
    .action(
      async (
        paths: string[],
        o: { exceptions: string[]; ruleFilter: string[]; format: "text" | "ndjson" },
      ) => {
        const set = await loadRuleSet(paths.length > 0 ? paths : [builtinRulesDir()], {
          skipUnsupported: true,
          exceptions: o.exceptions,
          filters: filtersOf(o.ruleFilter),
        });
        listReport(set, o.format, io.stdout);
        if (set.refused.length > 0) {
          io.stderr.write(
            `edr-scan: ${set.refused.length} rules could not be loaded and are not listed (edr-scan rules check shows why)\n`,
          );
          exit = EXIT_PROBLEMS;
        }
      },
    );
  try {
    await root.parseAsync([...argv.slice(1)], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.exitCode === 0 ? EXIT_OK : EXIT_PROBLEMS;
    }
    io.stderr.write(`edr-scan rules: ${escapeControls(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_PROBLEMS;
  }
  return exit;
}
