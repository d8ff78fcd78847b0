/**
 * Child process of memory.test.ts (also runnable by hand):
 *   node --import tsx test/scan/memory-child.ts [uncompressedMB=300] [gzip|plain] [signal|nosignal]
 * Streams a generated NDJSON object (made on the fly, never on disk or whole in memory), gzipped
 * or plain, with a 64 MiB line without a newline in the middle, through scanObject, with an
 * AbortSignal as the CLI and the Lambda pass one (default) or without, and prints one JSON line:
 * counts, peak RSS (process.resourceUsage().maxRSS) and rough throughput.
 */
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { scanObject } from "../../src/scan/index.ts";
import { SHOULD_ALERT } from "../ingest/helpers.ts";

const targetBytes = Number(process.argv[2] ?? 300) * 1e6;
const compression = process.argv[3] ?? "gzip";
const withSignal = (process.argv[4] ?? "signal") === "signal";
const LONG_LINE_BYTES = 64 * 1024 * 1024;
const PLANT_EVERY = 20_000;

function record(n: number): string {
  const id = n % PLANT_EVERY === 0 ? `${n}_SHOULD_ALERT` : `${n}_nomatch`;
  return JSON.stringify({
    "@timestamp": new Date(1714564800000 + n).toISOString(),
    agent: { id: "9f1c1e4a-4f0a-4c55-9d2e-3c8c0b1a2f77", type: "endpoint", version: "8.13.2" },
    event: {
      id,
      action: "creation",
      category: ["file"],
      type: ["creation"],
      kind: "event",
      module: "endpoint",
    },
    host: { name: `host-${n % 97}`, os: { type: "linux", name: "Ubuntu", version: "22.04" } },
    file: {
      path: `/var/lib/app/cache/${n}/data-${n % 1000}.bin`,
      name: `data-${n % 1000}.bin`,
      extension: "bin",
    },
    process: {
      pid: 1000 + (n % 30000),
      name: "python3",
      executable: "/usr/bin/python3.10",
      command_line: `/usr/bin/python3 /opt/app/worker.py --shard ${n % 64} --queue jobs`,
      parent: { pid: 1, name: "systemd", executable: "/usr/lib/systemd/systemd" },
      Ext: { ancestry: ["a1b2c3", "d4e5f6", "0a1b2c"] },
    },
    user: { name: "svc-app", id: "1001" },
    message: "Endpoint file event ".repeat(20),
  });
}

let generatedRecords = 0;
let plantedAlerts = 0;

async function* plain(): AsyncGenerator<Buffer> {
  let produced = 0;
  let longDone = false;
  while (produced < targetBytes) {
    if (!longDone && produced >= targetBytes / 2) {
      // A 64 MiB record without a newline, streamed in 1 MiB pieces.
      longDone = true;
      generatedRecords++;
      const piece = Buffer.alloc(1 << 20, 0x61);
      piece.write('{"pad":"', 0);
      for (let i = 0; i < LONG_LINE_BYTES / piece.length; i++) {
        yield i === 0 ? piece : Buffer.alloc(1 << 20, 0x61);
      }
      yield Buffer.from('"}\n');
      produced += LONG_LINE_BYTES;
      continue;
    }
    const lines: string[] = [];
    let size = 0;
    while (size < 1 << 20) {
      generatedRecords++;
      if (generatedRecords % PLANT_EVERY === 0) plantedAlerts++;
      const l = record(generatedRecords);
      lines.push(l);
      size += l.length + 1;
    }
    const buf = Buffer.from(`${lines.join("\n")}\n`);
    produced += buf.length;
    yield buf;
  }
}

const source = Readable.from(plain());
const input = compression === "gzip" ? source.pipe(zlib.createGzip({ level: 1 })) : source;
// Never fired: the scan must not hold the object's chunks because a signal was passed (issue 12).
const abort = new AbortController();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const r = await scanObject(input, {
  uri: "generated://memory-test",
  rules: [SHOULD_ALERT],
  ...(withSignal ? { signal: abort.signal } : {}),
});
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    generatedRecords,
    plantedAlerts,
    records: r.records,
    malformed: r.malformed,
    skipped: r.skipped,
    skippedSamples: r.skippedSamples,
    compression,
    withSignal,
    alerts: r.alertCount,
    failure: r.failure ?? null,
    compressedBytes: r.compressedBytes,
    decompressedBytes: r.decompressedBytes,
    seconds: Number(seconds.toFixed(2)),
    mbPerSecondIncludingGeneration: Number((r.decompressedBytes / 1e6 / seconds).toFixed(1)),
    rssBeforeMB: Math.round(rssBefore / 1e6),
    peakRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
  }),
);
