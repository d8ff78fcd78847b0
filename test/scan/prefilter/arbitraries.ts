/**
 * Random rules and records for the prefilter's property tests: values and query constants share a
 * pool (with quotes, backslashes, slashes, controls, non-ASCII, number-like text) so that random
 * rules match random records often; records are serialised with random escapings (json-escape.ts).
 */
import fc from "fast-check";
import { flipCase, prng } from "../../eql/json-escape.ts";

export const POOL = [
  "/etc/NetworkManager/dispatcher.d/",
  "dispatcher.d",
  "linux",
  "creation",
  "sed",
  "x",
  "é",
  "É",
  "\u{1F600}",
  'q"r',
  "back\\slash",
  "a/b",
  "tab\there",
  "nl\nx",
  "\u2028",
  "1.5",
  "100",
  "true",
  "\u0001",
];

export const valueArb = fc
  .tuple(fc.array(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 }), fc.integer())
  .map(([parts, seed]) => {
    const rnd = prng(seed);
    return parts.map((s) => (rnd() < 0.3 ? flipCase(s, rnd) : s)).join("");
  });
const leafArb = fc.oneof(
  valueArb,
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.integer(),
  fc.constantFrom(100, 1.5, -0, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
/** A record of (field path, value) pairs: dotted keys as they are, or nested objects. */
export function recordOf(
  pairs: readonly (readonly [string, unknown])[],
  dottedKeys: boolean,
): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [f, v] of pairs) {
    if (dottedKeys) {
      rec[f] = v;
      continue;
    }
    const segs = f.split(".");
    let node = rec;
    for (const s of segs.slice(0, -1)) {
      if (typeof node[s] !== "object" || node[s] === null || Array.isArray(node[s])) node[s] = {};
      node = node[s] as Record<string, unknown>;
    }
    node[segs[segs.length - 1]!] = v;
  }
  return rec;
}

export const FIELDS = ["a", "b.c", "file.path", "process.name", "event.category"];
export const recordArb = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(leafArb, fc.array(leafArb, { maxLength: 3 }))), {
      maxLength: 6,
    }),
    fc.boolean(),
  )
  .map(([pairs, dottedKeys]) => recordOf(pairs, dottedKeys));

export const eqlString = (s: string): string =>
  `"${Array.from(s, (c) => {
    const u = c.codePointAt(0)!;
    if (c === '"') return '\\"';
    if (c === "\\") return "\\\\";
    if (u < 0x20 || (u >= 0xd800 && u <= 0xdfff)) return `\\u{${u.toString(16).padStart(2, "0")}}`;
    return c;
  }).join("")}"`;

const constArb = fc.tuple(valueArb, fc.integer({ min: 0, max: 4 }), fc.integer()).map(([v, mode, seed]) => {
  const rnd = prng(seed);
  const chars = Array.from(v);
  if (mode === 0 || chars.length === 0) return v;
  // Turn a random slice into `*`/`?` to make patterns.
  const i = Math.floor(rnd() * chars.length);
  if (mode === 1) return `*${chars.slice(i).join("")}`;
  if (mode === 2) return `${chars.slice(0, i).join("")}*`;
  if (mode === 3) return `*${chars.slice(0, i).join("")}?${chars.slice(i + 1).join("")}*`;
  return chars.join("*");
});
const leafQueryArb = fc
  .tuple(
    fc.constantFrom(...FIELDS),
    fc.constantFrom("==", "!=", ":", "like", "like~", "in", "in~", "not in"),
    fc.array(constArb, { minLength: 1, maxLength: 3 }),
  )
  .map(([f, op, cs]) => {
    if (op === "==" || op === "!=") return `${f} ${op} ${eqlString(cs[0]!)}`;
    return `${f} ${op} (${cs.map(eqlString).join(", ")})`;
  });
export const exprArb: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafQueryArb,
    fc.tuple(tie("expr"), fc.constantFrom("and", "or"), tie("expr")).map(([a, o, b]) => `(${a} ${o} ${b})`),
    tie("expr").map((e) => `not ${e}`),
  ),
})).expr as fc.Arbitrary<string>;
export const queryArb = fc.tuple(fc.constantFrom("any", "file"), exprArb).map(([c, e]) => `${c} where ${e}`);
