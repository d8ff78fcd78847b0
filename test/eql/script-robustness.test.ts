/**
 * Bad input never crashes a scan: every compiled expression form, over arbitrary JSON records
 * (any shape, any scalar type where a string or a number is expected), answers true or false.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileQuery } from "../../src/eql/index.ts";

const QUERIES = [
  "any where length(process.name) > 2",
  'any where concat(process.name, process.pid, source.ip) : "*a*"',
  "any where process.pid / process.args_count > 1",
  "any where -process.pid % 7 == 0",
  'any where substring(process.command_line, process.pid) == "x"',
  "any where number(process.name, 16) > 3",
  'any where indexOf~(process.name, "A", process.pid) != null',
  'any where between(process.name, "a", "b", custom.flag) : "x"',
  'any where cidrMatch(source.ip, "10.0.0.0/8") or string(cidrMatch(source.ip, "::/0")) == "true"',
  'any where @timestamp > "2020-01-01" and process.name regex~ "a.*"',
  "any where ?custom.flag or custom.n * 2 == 4",
  'any where string(process.pid) in ("1", "2") and add(process.pid, 2147483647) > 0',
  'any where stringContains~(process.name, "x") and startsWith(process.executable, "/")',
];

const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("10.0.0.1", "::1", "2024-01-01T00:00:00Z", "0x1F", "-2147483648", "1e400"),
);
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(fc.string(), scalar, { maxKeys: 3 }),
);
const record = fc.record(
  {
    process: fc.oneof(
      value,
      fc.record(
        { name: value, pid: value, args_count: value, command_line: value, executable: value },
        { requiredKeys: [] },
      ),
    ),
    source: fc.oneof(value, fc.record({ ip: value }, { requiredKeys: [] })),
    "@timestamp": value,
    custom: fc.oneof(value, fc.record({ flag: value, n: value }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

describe("script forms over arbitrary records", () => {
  const compiled = QUERIES.map((q) => compileQuery(q));
  test("every query answers a boolean and never throws", () => {
    fc.assert(
      fc.property(record, (r) => {
        for (const q of compiled) assert.equal(typeof q.matches(r), "boolean");
      }),
      { numRuns: 500 },
    );
  });
});
