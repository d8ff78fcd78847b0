/** Hand-built stand-ins for the reader and the rule loader, for in-process CLI tests. */
import { Writable } from "node:stream";
import { type Alert, buildAlert } from "../../src/alerts/alert.ts";
import type { CliDeps, CliIo } from "../../src/cli/main.ts";
import { fieldValues } from "../../src/document/index.ts";
import type { Rule } from "../../src/rules/index.ts";
import type { ScanOptions, ScanResult } from "../../src/scan/index.ts";

/** Matches records whose event.id contains "HIT". */
export const fakeRule: Rule = {
  id: "fake-rule-0001",
  name: "Fake rule",
  description: "test",
  severity: "low",
  riskScore: 21,
  threat: [{ framework: "MITRE ATT&CK", tactic: { id: "TA0003", name: "Persistence" } }],
  tags: [],
  indices: [],
  references: [],
  falsePositives: [],
  query: 'any where event.id : "*HIT*"',
  file: "fake.toml",
  compiled: {
    matches: (e) => fieldValues(e, "event.id").some((v) => v.includes("HIT")),
    fields: ["event.id"],
    prefilter: null,
  },
};

/**
 * NDJSON only, no compression; a line "CORRUPT" ends the object with a failure (like a damaged
 * gzip stream: the records before it are scanned and their alerts emitted).
 */
export async function fakeScanObject(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  o: ScanOptions,
): Promise<ScanResult> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c));
  const buf = Buffer.concat(chunks);
  const lines = buf.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  let records = 0;
  let malformed = 0;
  const malformedSamples: { record: number; reason: string }[] = [];
  const alerts: Alert[] = [];
  let failure: ScanResult["failure"];
  for (const line of lines) {
    if (line === "CORRUPT") {
      failure = { kind: "corrupt-compressed-stream", message: `${o.uri}: unexpected end of file` };
      break;
    }
    records++;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      malformed++;
      malformedSamples.push({ record: records, reason: "not JSON" });
      continue;
    }
    for (const rule of o.rules) {
      if (rule.compiled.matches(rec)) {
        const a = buildAlert({
          rule,
          ecs: rec,
          raw: rec,
          uri: o.uri,
          record: records,
          ...(o.version ? { version: o.version } : {}),
        });
        alerts.push(a);
        o.onAlert?.(a);
      }
    }
  }
  return {
    uri: o.uri,
    compression: "none",
    framing: "ndjson",
    compressedBytes: buf.length,
    decompressedBytes: buf.length,
    records,
    malformed,
    malformedSamples,
    skipped: 0,
    skippedSamples: [],
    alertCount: alerts.length,
    durationMs: 1,
    ...(failure === undefined ? {} : { failure }),
  };
}

export const fakeDeps: CliDeps = {
  scanObject: fakeScanObject,
  loadRules: async (path) => {
    if (path.endsWith("missing.toml")) throw new Error(`${path}: no such file`);
    return [fakeRule];
  },
  loadBuiltinRules: async () => [fakeRule],
  version: "9.9.9",
};

export class Capture extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export function io(
  env: Record<string, string | undefined> = {},
): CliIo & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture(), env };
}
