import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { S3Client } from "@aws-sdk/client-s3";
import { expandInputs, FILE_READ_BYTES, type InputItem } from "../../src/cli/inputs.ts";

const dir = mkdtempSync(join(tmpdir(), "edr-inputs-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const noS3 = (): S3Client => {
  throw new Error("no S3 here");
};

async function collect(inputs: string[]): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of expandInputs(inputs, noS3)) out.push(item);
  return out;
}

test("a small file is read through a buffer sized to it, a large one through FILE_READ_BYTES reads", async () => {
  writeFileSync(join(dir, "small.ndjson"), `${"x".repeat(1000)}\n`);
  writeFileSync(join(dir, "large.ndjson"), Buffer.alloc(FILE_READ_BYTES + 1, 0x61));
  const items = await collect([dir]);
  const hwm: Record<string, number> = {};
  for (const item of items) {
    assert.equal(item.kind, "object");
    if (item.kind !== "object") continue;
    const opened = await item.task.open();
    const body = opened.body as unknown as AsyncIterable<Uint8Array> & { readableHighWaterMark: number };
    hwm[item.task.uri.slice(dir.length + 1)] = body.readableHighWaterMark;
    // Reading one chunk waits for the open; leaving the loop closes the file.
    for await (const _ of body) break;
  }
  // Not the 4 MiB a 1 KB file used to get (an allocation 4,000 times its size per object).
  assert.ok((hwm["small.ndjson"] ?? Infinity) <= 64 * 1024, JSON.stringify(hwm));
  assert.equal(hwm["large.ndjson"], FILE_READ_BYTES);
});
