/**
 * `npx tsx test/bench/sequences.ts [--size-mb N] [--rules-dir DIR]`: the cost of the sequence
 * and sample rules of a rule pack (Elastic's Linux pack by default) on the bench object, and the
 * Lambda's state-store traffic per GB scanned. Prints figures; asserts nothing (issue 13).
 *
 * 1. Throughput of scanObject over the same object with (a) the pack's event rules, (b) the event
 *    rules plus its sequence/sample rules, (c) the sequence/sample rules alone. (b)/(a) is what
 *    adding the sequences costs; (c) is their cost alone (prefilter + step filters + matcher).
 * 2. Store traffic: the object is scanned with the sequence rules and correlated through the
 *    memory store exactly as the Lambda does (correlateObject), counting item writes, the items
 *    read back and their sizes as DynamoDB bills the items the Lambda's store writes (stepItem,
 *    dynamoItemBytes); per GB (10^9 uncompressed bytes) and in DynamoDB on-demand units (a write
 *    unit per started 1 KB of item, a strongly consistent read unit per started 4 KB a query
 *    reads, one at least), and the same for the items' former format (the event as JSON text).
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { digest } from "../../src/alerts/index.ts";
import { dynamoItemBytes, stepItem } from "../../src/lambda/sequence-store.ts";
import { parseRule, type Rule } from "../../src/rules/index.ts";
import {
  correlateObject,
  MemorySequenceStore,
  type SequenceStateStore,
  type StepEvent,
  type StoredStep,
  scanObject,
} from "../../src/scan/index.ts";
import { ensureDataset } from "./generate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "300" },
    "rules-dir": {
      type: "string",
      default: resolve(ROOT, "../shared/conformance/detection-rules/rules/linux"),
    },
    "out-dir": { type: "string", default: resolve(ROOT, ".bench") },
  },
});
const sizeMb = Number(values["size-mb"]);
const rulesDir = values["rules-dir"]!;
if (!Number.isFinite(sizeMb) || sizeMb <= 0)
  throw new RangeError(`--size-mb must be a positive number, got ${values["size-mb"]}`);
if (!existsSync(rulesDir)) throw new Error(`--rules-dir ${rulesDir} does not exist`);

function tomlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? tomlFiles(p) : n.endsWith(".toml") ? [p] : [];
    });
}

const events: Rule[] = [];
const sequences: Rule[] = [];
let refused = 0;
for (const f of tomlFiles(rulesDir)) {
  try {
    const r = parseRule(readFileSync(f, "utf8"), f);
    (r.sequence === undefined ? events : sequences).push(r);
  } catch {
    refused++;
  }
}
console.log(
  `rules: ${events.length} event rules, ${sequences.length} sequence/sample rules, ${refused} refused (${rulesDir})`,
);

const info = await ensureDataset(
  join(values["out-dir"]!, "data"),
  { kind: "mixed", bytes: sizeMb * 1e6, seed: 1, plantEvery: 20000 },
  (s) => console.log(s),
);
console.log(
  `object: ${info.file} (${(info.uncompressedBytes / 1e6).toFixed(0)} MB uncompressed, ${info.records} records)`,
);

async function timed(label: string, rules: readonly Rule[], sink?: { add(s: StepEvent): void }) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let alerts = 0;
  const r = await scanObject(createReadStream(info.file), {
    uri: "bench://object",
    rules,
    onAlert: () => {
      alerts++;
    },
    ...(sink === undefined ? {} : { sequences: sink }),
  });
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const mbs = info.uncompressedBytes / 1e6 / s;
  const notKept = Object.values(r.sequenceStepsNotKept ?? {}).reduce((x, y) => x + y, 0);
  console.log(
    `  ${label.padEnd(34)} ${s.toFixed(1).padStart(6)} s  ${mbs.toFixed(1).padStart(7)} MB/s  cpu ${cpu.toFixed(1).padStart(5)} s  ${alerts} alerts` +
      (notKept > 0 ? `  (${notKept} step events over the run's cap not kept)` : ""),
  );
  if (r.failure !== undefined) console.log(`    failure: ${r.failure.kind}`);
  return s;
}

console.log(
  `\nload average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
console.log("throughput (one run each, 2-core shared machine: read the ratios and cpu, not the digits):");
const a = await timed("(a) event rules", events);
const b = await timed("(b) event + sequence rules", [...events, ...sequences]);
const c = await timed("(c) sequence rules alone", sequences);
console.log(`  (b)/(a) = ${(b / a).toFixed(2)}  (the sequences' share of a full-pack scan)`);

// Store traffic, counted on a store that measures what it is asked to do.
class CountingStore implements SequenceStateStore {
  readonly inner = new MemorySequenceStore();
  writes = 0;
  writeUnits = 0;
  itemBytes = 0;
  reads = 0;
  readBytes = 0;
  queries = 0;
  readUnits = 0;
  claims = 0;
  /** What DynamoDB bills for the item the Lambda's store writes for this step. */
  private size(s: StoredStep) {
    return dynamoItemBytes(stepItem(s, `s#${digest([s.ruleId, s.partition])}`, Date.now()));
  }
  /** The same item with the event as JSON text (the format before ev1), for comparison. */
  private jsonSize(s: StoredStep) {
    const { ev1: _, ...rest } = stepItem(s, `s#${digest([s.ruleId, s.partition])}`, Date.now());
    return dynamoItemBytes({ ...rest, event: JSON.stringify(s.event) });
  }
  jsonWriteUnits = 0;
  jsonReadUnits = 0;
  async putSteps(steps: readonly StoredStep[]) {
    for (const s of steps) {
      const n = this.size(s);
      this.writes++;
      this.itemBytes += n;
      this.writeUnits += Math.ceil(n / 1024);
      this.jsonWriteUnits += Math.ceil(this.jsonSize(s) / 1024);
    }
    await this.inner.putSteps(steps);
  }
  async querySteps(ruleId: string, p: string, from: number, to: number, limit: number) {
    this.queries++;
    const out = await this.inner.querySteps(ruleId, p, from, to, limit);
    this.reads += out.length;
    let bytes = 0;
    let jsonBytes = 0;
    for (const s of out) {
      bytes += this.size(s);
      jsonBytes += this.jsonSize(s);
    }
    this.jsonReadUnits += Math.max(1, Math.ceil(jsonBytes / 4096));
    this.readBytes += bytes;
    // A strongly consistent Query is billed per started 4 KB of what it read, one unit at least.
    this.readUnits += Math.max(1, Math.ceil(bytes / 4096));
    return out;
  }
  async claimAlert(id: string, owner: string, now: number, lease: number) {
    this.claims++;
    return this.inner.claimAlert(id, owner, now, lease);
  }
  async markPublished(id: string, owner: string) {
    await this.inner.markPublished(id, owner);
  }
}

const steps: StepEvent[] = [];
await timed("(c) again, collecting step events", sequences, { add: (s) => steps.push(s) });
const perRule = new Map<string, number>();
for (const s of steps) perRule.set(s.rule.name, (perRule.get(s.rule.name) ?? 0) + 1);
console.log("  step events by rule (the five broadest steps):");
for (const [name, n] of [...perRule].sort((x, y) => y[1] - x[1]).slice(0, 5)) {
  console.log(`    ${String(n).padStart(8)}  ${name}`);
}
const store = new CountingStore();
const res = await correlateObject(steps, {
  store,
  owner: "bench",
  object: { uri: "bench://object" },
  nowMs: Date.now(),
});
const gb = info.uncompressedBytes / 1e9;
const per = (n: number) => (n / gb).toFixed(0);
console.log("\nLambda state store (this object as one S3 object; per GB = per 10^9 uncompressed bytes):");
console.log(
  `  step events ${steps.length}; items written ${store.writes} (${per(store.writes)}/GB), ` +
    `avg item ${(store.itemBytes / Math.max(1, store.writes)).toFixed(0)} B, write units ${store.writeUnits} (${per(store.writeUnits)}/GB)`,
);
console.log(
  `  queries ${store.queries} (${per(store.queries)}/GB), items read ${store.reads} (${per(store.reads)}/GB), ` +
    `read units ${store.readUnits} (${per(store.readUnits)}/GB; a query reads one at least)`,
);
console.log(
  `  sequences completed ${res.alerts.length}, claims ${store.claims} (each 1 write + 1 write at publish)`,
);
const wruPrice = 0.625e-6; // on-demand, us-east-1, per write request unit (2024 price list)
const rruPrice = 0.125e-6; // per read request unit
const dollars = (store.writeUnits * wruPrice + store.readUnits * rruPrice) / gb;
console.log(
  `  DynamoDB on-demand at $0.625/M writes and $0.125/M reads: $${(dollars * 1000).toFixed(4)} per TB scanned`,
);
const jsonDollars = (store.jsonWriteUnits * wruPrice + store.jsonReadUnits * rruPrice) / gb;
console.log(
  `  the same items with the event as JSON text (the format before ev1): write units ${store.jsonWriteUnits} (${per(store.jsonWriteUnits)}/GB), read units ${store.jsonReadUnits}: $${(jsonDollars * 1000).toFixed(4)} per TB`,
);
console.log(`  (c) alone costs ${((c / a) * 100).toFixed(0)}% of the event pack's scan time`);
console.log(
  `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
