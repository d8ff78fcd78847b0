import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { loadBuiltinRules } from "../../../src/rules/index.ts";
import { createRawPrefilter } from "../../../src/scan/prefilter/index.ts";
import { toEcs } from "../../../src/sources/index.ts";
import { flipCase, prng, serialise } from "../../eql/json-escape.ts";

const rules = await loadBuiltinRules();
const prefilter = createRawPrefilter(rules.map((r) => r.compiled.prefilter));
const dir = new URL("../../../events/objects/", import.meta.url);
const records: Record<string, unknown>[] = readdirSync(dir)
  .filter((f) => f.endsWith(".gz"))
  .sort()
  .flatMap((f) =>
    gunzipSync(readFileSync(new URL(f, dir)))
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );

/** Case changes in every string that contains the rule's directory (the like~ clause still holds). */
function recase(v: unknown, rnd: () => number): unknown {
  if (typeof v === "string") return /dispatcher\.d/i.test(v) ? flipCase(v, rnd) : v;
  if (Array.isArray(v)) return v.map((x) => recase(x, rnd));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: recase(x, rnd), enumerable: true });
    return out;
  }
  return v;
}

const matchesAny = (record: Record<string, unknown>): boolean => {
  const { event } = toEcs(record, "auto");
  return rules.some((r) => r.compiled.matches(event));
};

describe("raw prefilter against the real source mappings (Defend, SentinelOne, Endgame samples)", () => {
  test("the sample objects hold alerting records of every source", () => {
    const alerting = records.filter(matchesAny);
    assert.ok(alerting.length >= 4, `only ${alerting.length} alerting sample records`);
    for (const r of alerting) {
      const b = Buffer.from(JSON.stringify(r));
      assert.ok(prefilter.test(b, 0, b.length), JSON.stringify(r));
    }
  });

  test("property: a record whose ECS view a built-in rule matches is never rejected, whatever its case and escaping", () => {
    let matched = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...records),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (record, seed, p) => {
          const rnd = prng(seed);
          const variant = recase(record, rnd) as Record<string, unknown>;
          const text = serialise(variant, rnd, p);
          const parsed = JSON.parse(text) as Record<string, unknown>;
          if (!matchesAny(parsed)) return;
          matched++;
          const b = Buffer.from(text, "utf8");
          assert.ok(prefilter.test(b, 0, b.length), text);
          assert.ok(prefilter.forBuffer(b)(0, b.length), text);
        },
      ),
      { numRuns: 2000 },
    );
    assert.ok(matched > 200, `too few matching samples (${matched})`);
  });
});
