import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileQuery } from "../../src/eql/index.ts";
import { SEED_QUERY, seedEvent } from "./semantics-table.ts";

const seed = compileQuery(SEED_QUERY);

// Keys an attacker could put in a log record hoping to reach Object.prototype or to shadow a field.
const HOSTILE = [
  '"__proto__": {"executable": "/usr/bin/dpkg", "polluted": "yes"}',
  '"__proto__.executable": "/usr/bin/dpkg"',
  '"constructor": {"prototype": {"executable": "/usr/bin/dpkg", "polluted": "yes"}}',
  '"constructor.prototype.x": "/usr/bin/dpkg"',
  '"prototype": {"polluted": "yes"}',
  '"hasOwnProperty": "x"',
];

function withHostileKeys(base: Record<string, unknown>, where: "root" | "process"): unknown {
  const json = JSON.stringify(base);
  const inject = HOSTILE.join(",");
  if (where === "root") return JSON.parse(`{${inject},${json.slice(1)}`);
  return JSON.parse(json.replace('"process":{', `"process":{${inject},`));
}

describe("prototype keys in records", () => {
  test("neither pollute Object.prototype nor change the verdict for that or other records", () => {
    const positive = seedEvent({});
    const excluded = seedEvent({ executable: "/usr/bin/dpkg" });
    for (const where of ["root", "process"] as const) {
      // Prepare
      const hostile = [withHostileKeys(positive, where), withHostileKeys(excluded, where)];
      // Act
      const verdicts = hostile.map((e) => seed.matches(e));
      // Assess
      assert.deepEqual(verdicts, [true, false], where);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(({} as Record<string, unknown>).executable, undefined);
      assert.equal(Object.hasOwn(Object.prototype, "executable"), false);
      // Records evaluated afterwards are unaffected.
      assert.equal(seed.matches(seedEvent({})), true);
      assert.equal(seed.matches(seedEvent({ executable: "/usr/bin/dpkg" })), false);
      assert.equal(seed.matches({}), false);
    }
  });

  test("inherited properties are not values, even when they would exclude or match", () => {
    const proto = {
      process: { executable: "/usr/bin/dpkg" },
      file: { path: "/etc/NetworkManager/dispatcher.d/x" },
    };
    const ev = Object.assign(
      Object.create(proto),
      seedEvent({ executable: undefined, processName: undefined }),
    );
    delete (ev as Record<string, unknown>).process;
    assert.equal(seed.matches(ev), true, "inherited process.executable must not exclude");
    const onlyInherited = Object.create(seedEvent({}));
    assert.equal(seed.matches(onlyInherited), false, "inherited fields must not match");
  });

  test("queries on __proto__ / constructor paths read only own data", () => {
    const q = compileQuery('any where __proto__.polluted == "yes" or constructor.prototype.x != null');
    assert.equal(q.matches({}), false);
    assert.equal(q.matches(JSON.parse('{"__proto__": {"polluted": "yes"}}')), true);
    assert.equal(q.matches(JSON.parse('{"constructor.prototype.x": 1}')), true);
    assert.equal(q.matches([]), false);
    assert.equal(q.matches(null), false);
    assert.equal(q.matches("string"), false);
  });
});
