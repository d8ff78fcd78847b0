/**
 * The hit stages between the rules and the alerts: a filter stage drops hits, a stateful stage
 * holds them and emits at the end of the object (flush), in order, each into the next.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Rule } from "../../src/rules/index.ts";
import { chainHitStages, type Hit, type HitStage } from "../../src/scan/index.ts";

const rule = (id: string) => ({ id }) as unknown as Rule;
const hit = (id: string, ordinal: number): Hit => ({ rule: rule(id), event: {}, raw: {}, ordinal });

describe("chainHitStages", () => {
  test("no stage: hits go straight to the end", () => {
    const out: number[] = [];
    const c = chainHitStages([], (h) => out.push(h.ordinal));
    c.push(hit("a", 1));
    c.push(hit("a", 2));
    c.flush();
    assert.deepEqual(out, [1, 2]);
  });

  test("a filter drops, a holder emits on flush, into the stages after it", () => {
    const dropOdd: HitStage = { push: (h, emit) => (h.ordinal % 2 === 0 ? emit(h) : undefined) };
    const held: Hit[] = [];
    const holdUntilEnd: HitStage = {
      push: (h) => {
        held.push(h);
      },
      flush: (emit) => {
        for (const h of held.splice(0)) emit(h);
      },
    };
    const tag: HitStage = { push: (h, emit) => emit({ ...h, ordinal: h.ordinal * 10 }) };
    const out: number[] = [];
    const c = chainHitStages([dropOdd, holdUntilEnd, tag], (h) => out.push(h.ordinal));
    for (let i = 1; i <= 6; i++) c.push(hit("a", i));
    assert.deepEqual(out, [], "held until the end of the object");
    c.flush();
    assert.deepEqual(out, [20, 40, 60]);
  });
});
