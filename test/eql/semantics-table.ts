/**
 * The engine's behaviour as data: one or more cases for every row of the semantics table
 * (../shared/spec/eql-semantics.md) and every "worked consequence" of the seed rule. Each case is
 * a query, named events and the ids that must match (or, for refused queries, the construct the
 * load-time error must name). Shared by the compiler tests and usable by any other front end.
 */
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { EXPRESSION_ERROR_CASES, EXPRESSION_MATCH_CASES } from "./semantics-expressions.ts";

export interface MatchCase {
  /** Spec row (1-18) or "seed" for the worked consequences of the seed rule. */
  readonly row: number | "seed";
  readonly name: string;
  readonly query: string;
  readonly events: Readonly<Record<string, unknown>>;
  readonly expected: readonly string[];
  readonly options?: { readonly ignoreAbove?: number };
}

export interface ErrorCase {
  readonly row: number;
  readonly name: string;
  readonly query: string;
  /** "syntax" or "unsupported" */
  readonly error: "syntax" | "unsupported";
  /** The construct the error names (unsupported errors). */
  readonly construct?: string;
  /** 1-based line:column of the error inside the query. */
  readonly at: readonly [number, number];
}

const seedToml = parseToml(
  readFileSync(
    new URL("../../src/rules/network-manager-dispatcher-script-creation.toml", import.meta.url),
    "utf8",
  ),
) as { rule: { query: string } };

/** The seed rule's query, read from the shipped rule file (so the table tests what we ship). */
export const SEED_QUERY: string = seedToml.rule.query;

/** A Defend-like file-creation event that the seed rule matches; `over` replaces top-level parts. */
export function seedEvent(over: {
  path?: unknown;
  name?: unknown;
  extension?: unknown;
  executable?: unknown;
  processName?: unknown;
  osType?: unknown;
  type?: unknown;
  category?: unknown;
}): Record<string, unknown> {
  const pick = <T>(k: keyof typeof over, d: T): unknown => (Object.hasOwn(over, k) ? over[k] : d);
  const file: Record<string, unknown> = {};
  const path = pick("path", "/etc/NetworkManager/dispatcher.d/99-persist.sh");
  if (path !== undefined) file.path = path;
  const name = pick("name", "99-persist.sh");
  if (name !== undefined) file.name = name;
  const ext = pick("extension", "sh");
  if (ext !== undefined) file.extension = ext;
  const process: Record<string, unknown> = {};
  const exe = pick("executable", "/usr/bin/bash");
  if (exe !== undefined) process.executable = exe;
  const pname = pick("processName", "bash");
  if (pname !== undefined) process.name = pname;
  const event: Record<string, unknown> = {};
  const cat = pick("category", ["file"]);
  if (cat !== undefined) event.category = cat;
  const type = pick("type", ["creation"]);
  if (type !== undefined) event.type = type;
  const os: Record<string, unknown> = {};
  const osType = pick("osType", "linux");
  if (osType !== undefined) os.type = osType;
  return { "@timestamp": "2024-05-01T12:00:00Z", event, host: { name: "web-01", os }, file, process };
}

/** The same document with every leaf under a flat dotted key (`{"file.path": ...}`), as some exports write it. */
export function dotted(
  doc: unknown,
  prefix = "",
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  // defineProperty, not assignment: a key such as `__proto__` must stay a plain own key.
  const put = (k: string, v: unknown): void => {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  };
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) dotted(v, prefix === "" ? k : `${prefix}.${k}`, out);
    if (prefix !== "" && Object.keys(doc).length === 0) put(prefix, doc);
    return out;
  }
  put(prefix, doc);
  return out;
}

const long = (n: number, prefix = "/etc/NetworkManager/dispatcher.d/"): string =>
  prefix + "a".repeat(Math.max(0, n - prefix.length));

const BASE_MATCH_CASES: readonly MatchCase[] = [
  // 1: category filter
  {
    row: 1,
    name: '`file where` is event.category == "file": case-sensitive, any array element',
    query: "file where true",
    events: {
      str: { event: { category: "file" } },
      arr: { event: { category: ["process", "file"] } },
      upper: { event: { category: "File" } },
      other: { event: { category: ["process"] } },
      none: { event: {} },
      dottedKey: { "event.category": ["file"] },
    },
    expected: ["str", "arr", "dottedKey"],
  },
  {
    row: 1,
    name: "`any where` has no category filter",
    query: "any where true",
    events: { file: { event: { category: "file" } }, none: {}, weird: { event: { category: 5 } } },
    expected: ["file", "none", "weird"],
  },
  {
    row: 1,
    name: "`cat where C` is `event.category == cat and C`",
    query: 'process where process.name == "sh"',
    events: {
      both: { event: { category: "process" }, process: { name: "sh" } },
      catOnly: { event: { category: "process" }, process: { name: "bash" } },
      condOnly: { event: { category: "file" }, process: { name: "sh" } },
    },
    expected: ["both"],
  },
  {
    row: 1,
    name: "a quoted category is the same",
    query: '"file" where true',
    events: { a: { event: { category: "file" } }, b: { event: { category: "network" } } },
    expected: ["a"],
  },
  // 2: field values
  {
    row: 2,
    name: "nested, dotted, mixed forms and arrays are equivalent",
    query: 'any where host.os.type == "linux"',
    events: {
      nested: { host: { os: { type: "linux" } } },
      dotted: { "host.os.type": "linux" },
      mixed1: { host: { "os.type": "linux" } },
      mixed2: { "host.os": { type: "linux" } },
      array: { host: { os: { type: ["windows", "linux"] } } },
      arrayOfObjects: { host: [{ os: { type: "windows" } }, { os: [{ type: "linux" }] }] },
      other: { host: { os: { type: "windows" } } },
      wrongLevel: { host: { type: "linux" } },
    },
    expected: ["nested", "dotted", "mixed1", "mixed2", "array", "arrayOfObjects"],
  },
  {
    row: 2,
    name: "null, [], an object or an absent key are no values",
    query: "any where file.path == null",
    events: {
      nullValue: { file: { path: null } },
      empty: { file: { path: [] } },
      arrayOfNulls: { file: { path: [null, []] } },
      object: { file: { path: { x: "a" } } },
      absent: { file: {} },
      noFile: {},
      present: { file: { path: "/x" } },
      emptyString: { file: { path: "" } },
    },
    expected: ["nullValue", "empty", "arrayOfNulls", "object", "absent", "noFile"],
  },
  {
    row: 2,
    name: "numbers and booleans compare as their string form",
    query: 'any where process.pid == "123" and flag == "true" and ratio == 1.5',
    events: {
      typed: { process: { pid: 123 }, flag: true, ratio: 1.5 },
      strings: { process: { pid: "123" }, flag: "true", ratio: "1.5" },
      other: { process: { pid: 1234 }, flag: false, ratio: 1.5 },
    },
    expected: ["typed", "strings"],
  },
  {
    row: 2,
    name: "a number constant equals the string form of the value (1.0 is 1)",
    query: "any where process.pid == 42 or size == 1.0",
    events: {
      int: { process: { pid: 42 } },
      str: { process: { pid: "42" } },
      one: { size: 1 },
      none: { size: 2 },
    },
    expected: ["int", "str", "one"],
  },
  {
    row: 2,
    name: "inherited properties are never values",
    query: "any where constructor == null and toString == null and __proto__ == null",
    events: { plain: {}, withProto: Object.create({ constructor: "x", toString: "y" }) },
    expected: ["plain", "withProto"],
  },
  {
    row: 2,
    name: "own keys named __proto__ / constructor are ordinary data",
    query: 'any where __proto__.x == "a" or constructor.prototype.x == "b"',
    events: {
      proto: JSON.parse('{"__proto__": {"x": "a"}}'),
      ctor: JSON.parse('{"constructor": {"prototype": {"x": "b"}}}'),
      dottedCtor: JSON.parse('{"constructor.prototype.x": "b"}'),
      none: JSON.parse('{"x": "a"}'),
    },
    expected: ["proto", "ctor", "dottedCtor"],
  },
  // 3: any-value rule
  {
    row: 3,
    name: "a leaf holds when any value satisfies it",
    query: 'any where process.args == "-c" and process.args like "/tmp/*"',
    events: {
      yes: { process: { args: ["bash", "-c", "/tmp/x"] } },
      firstOnly: { process: { args: ["-c"] } },
      objects: { process: [{ args: "-c" }, { args: ["/tmp/y"] }] },
    },
    expected: ["yes", "objects"],
  },
  // 4: ==
  {
    row: 4,
    name: "== is exact and case-sensitive, `*` and `?` are literal",
    query: 'any where a == "x*y?"',
    events: { exact: { a: "x*y?" }, glob: { a: "xzzyq" }, upper: { a: "X*Y?" }, prefix: { a: "x*y?z" } },
    expected: ["exact"],
  },
  {
    row: 4,
    name: "== with a boolean constant",
    query: "any where enabled == true",
    events: { t: { enabled: true }, s: { enabled: "true" }, f: { enabled: false }, up: { enabled: "True" } },
    expected: ["t", "s"],
  },
  // 5: !=
  {
    row: 5,
    name: "!= is not(==): true when missing, false when any value equals",
    query: 'any where a != "x"',
    events: {
      missing: {},
      nullValue: { a: null },
      other: { a: "y" },
      equal: { a: "x" },
      arrayWithEqual: { a: ["y", "x"] },
      upper: { a: "X" },
    },
    expected: ["missing", "nullValue", "other", "upper"],
  },
  // 6: in
  {
    row: 6,
    name: "in is exact, case-sensitive; wildcards in the list are literal",
    query: 'any where process.executable in ("/usr/bin/dpkg", "/dev/fd/*")',
    events: {
      dpkg: { process: { executable: "/usr/bin/dpkg" } },
      upper: { process: { executable: "/USR/BIN/DPKG" } },
      fd3: { process: { executable: "/dev/fd/3" } },
      star: { process: { executable: "/dev/fd/*" } },
      array: { process: { executable: ["/x", "/usr/bin/dpkg"] } },
    },
    expected: ["dpkg", "star", "array"],
  },
  {
    row: 6,
    name: "not in is not(in): true when the field is missing",
    query: 'any where process.name not in ("a", "b")',
    events: {
      missing: {},
      a: { process: { name: "a" } },
      c: { process: { name: "c" } },
      mix: { process: { name: ["c", "b"] } },
    },
    expected: ["missing", "c"],
  },
  {
    row: 6,
    name: "in with numbers compares string forms",
    query: "any where port in (22, 443)",
    events: { n: { port: 22 }, s: { port: "443" }, other: { port: 80 } },
    expected: ["n", "s"],
  },
  // 7: in~
  {
    row: 7,
    name: "in~ is exact, ASCII case-insensitive, no wildcards",
    query: 'any where a in~ ("Dpkg", "x*", "é")',
    events: {
      lower: { a: "dpkg" },
      upper: { a: "DPKG" },
      glob: { a: "xyz" },
      star: { a: "X*" },
      eAcute: { a: "é" },
      eAcuteUpper: { a: "É" },
      substring: { a: "dpkg2" },
    },
    expected: ["lower", "upper", "star", "eAcute"],
  },
  {
    row: 7,
    name: "not in~",
    query: 'any where a not in~ ("abc")',
    events: { same: { a: "ABC" }, other: { a: "abd" }, missing: {} },
    expected: ["other", "missing"],
  },
  // 8: like / like~
  {
    row: 8,
    name: "like is a whole-value, case-sensitive wildcard match",
    query: 'any where a like "/etc/*.conf"',
    events: {
      yes: { a: "/etc/x.conf" },
      deep: { a: "/etc/a/b/c.conf" },
      upper: { a: "/ETC/x.conf" },
      substring: { a: "x/etc/x.conf" },
      suffix: { a: "/etc/x.conf.bak" },
    },
    expected: ["yes", "deep"],
  },
  {
    row: 8,
    name: "like without wildcards is whole-value equality",
    query: 'any where a like "abc"',
    events: { eq: { a: "abc" }, sub: { a: "xabcx" }, up: { a: "ABC" } },
    expected: ["eq"],
  },
  {
    row: 8,
    name: "like~ is ASCII case-insensitive; a list is an OR",
    query: 'any where a like~ ("/nix/store/*", "*.SWP")',
    events: {
      nix: { a: "/NIX/Store/abc" },
      swp: { a: "/tmp/.x.swp" },
      none: { a: "/usr/bin/nix" },
    },
    expected: ["nix", "swp"],
  },
  {
    row: 8,
    name: "like list (case-sensitive)",
    query: 'any where a like ("a*", "*z")',
    events: { a: { a: "abc" }, z: { a: "xyz" }, A: { a: "ABC" }, none: { a: "m" } },
    expected: ["a", "z"],
  },
  // 9: `:`
  {
    row: 9,
    name: "`:` without wildcards is case-insensitive equality (not substring)",
    query: 'any where process.name : "Sed"',
    events: {
      lower: { process: { name: "sed" } },
      upper: { process: { name: "SED" } },
      longer: { process: { name: "sed2" } },
    },
    expected: ["lower", "upper"],
  },
  {
    row: 9,
    name: "`:` with wildcards is like~",
    query: 'any where file.name : "sed*"',
    events: {
      sedabc: { file: { name: "SEDabc" } },
      sed: { file: { name: "sed" } },
      xsed: { file: { name: "xsed" } },
    },
    expected: ["sedabc", "sed"],
  },
  {
    row: 9,
    name: "`:` accepts a list (OR)",
    query: 'any where a : ("x", "y?")',
    events: { x: { a: "X" }, y1: { a: "Y1" }, y: { a: "y" }, z: { a: "z" } },
    expected: ["x", "y1"],
  },
  // 10: wildcards
  {
    row: 10,
    name: "`*` crosses `/` and newlines",
    query: 'any where a like "a*z"',
    events: { slash: { a: "a/b/c/z" }, newline: { a: "a\nb\r\nz" }, empty: { a: "az" }, no: { a: "a/b" } },
    expected: ["slash", "newline", "empty"],
  },
  {
    row: 10,
    name: "`?` is exactly one code point, not one UTF-16 unit",
    query: 'any where a like "x?y"',
    events: {
      ascii: { a: "x1y" },
      astral: { a: "x\u{1F600}y" },
      twoChars: { a: "x12y" },
      none: { a: "xy" },
      bmp: { a: "x\u00e9y" },
    },
    expected: ["ascii", "astral", "bmp"],
  },
  {
    row: 10,
    name: "`??` does not match one astral code point",
    query: 'any where a like "??"',
    events: { astral: { a: "\u{1F600}" }, two: { a: "ab" }, astralPlusOne: { a: "\u{1F600}b" } },
    expected: ["two", "astralPlusOne"],
  },
  {
    row: 10,
    name: "`.` is literal",
    query: 'any where process.executable like~ "/tmp/vmis.*"',
    events: {
      dot: { process: { executable: "/tmp/vmis.abc/x" } },
      noDot: { process: { executable: "/tmp/vmisXabc" } },
    },
    expected: ["dot"],
  },
  {
    row: 10,
    name: "`%`, `_`, `[`, `+`, `\\` and other regex or SQL metacharacters are literal",
    query: 'any where a like ("100%", "a_b", "[ab]", "a+b", "^x$", "(y)|z")',
    events: {
      pct: { a: "100%" },
      pctOther: { a: "1000" },
      underscore: { a: "a_b" },
      underscoreOther: { a: "axb" },
      bracket: { a: "[ab]" },
      bracketOther: { a: "a" },
      plus: { a: "a+b" },
      plusOther: { a: "aab" },
      anchors: { a: "^x$" },
      anchorsOther: { a: "x" },
      group: { a: "(y)|z" },
      groupOther: { a: "z" },
    },
    expected: ["pct", "underscore", "bracket", "plus", "anchors", "group"],
  },
  {
    row: 10,
    name: 'no escape for `*`: "a\\\\*" is a literal backslash then anything',
    query: 'any where a like "a\\\\*"',
    events: {
      backslash: { a: "a\\xyz" },
      backslashOnly: { a: "a\\" },
      star: { a: "a*" },
      plain: { a: "axyz" },
    },
    expected: ["backslash", "backslashOnly"],
  },
  {
    row: 10,
    name: "`?` inside a pattern with several stars",
    query: 'any where a like "*a?c*e"',
    events: {
      yes: { a: "xxabcde" },
      crossing: { a: "a\u{1F600}ce" },
      no: { a: "acde" },
      tail: { a: "abce" },
    },
    expected: ["yes", "crossing", "tail"],
  },
  // 11: ASCII-only folding
  {
    row: 11,
    name: "case-insensitive folds ASCII only",
    query: 'any where a like~ "é*" or b : "k" or c in~ ("i") or d : "ss"',
    events: {
      eUpper: { a: "Éa" },
      eLower: { a: "éa" },
      kelvin: { b: "\u212A" },
      k: { b: "K" },
      dottedI: { c: "\u0130" },
      i: { c: "I" },
      sharpS: { d: "ß" },
      SS: { d: "SS" },
    },
    expected: ["eLower", "k", "i", "SS"],
  },
  // 12: two-valued logic and precedence
  {
    row: 12,
    name: "a leaf on a missing field is false, so its `not` is true",
    query:
      'file where file.path like "/x/*" and not (process.executable in ("/bin/a") or process.executable like "/opt/*")',
    events: {
      missingExe: { event: { category: "file" }, file: { path: "/x/1" } },
      excluded: { event: { category: "file" }, file: { path: "/x/1" }, process: { executable: "/bin/a" } },
      excludedByLike: {
        event: { category: "file" },
        file: { path: "/x/1" },
        process: { executable: "/opt/q" },
      },
      other: { event: { category: "file" }, file: { path: "/x/1" }, process: { executable: "/bin/b" } },
    },
    expected: ["missingExe", "other"],
  },
  {
    row: 12,
    name: "precedence: `and` binds tighter than `or`",
    query: 'any where a == "1" or b == "1" and c == "1"',
    events: { aOnly: { a: "1" }, bOnly: { b: "1" }, bc: { b: "1", c: "1" }, cOnly: { c: "1" } },
    expected: ["aOnly", "bc"],
  },
  {
    row: 12,
    name: "precedence: `not` binds tighter than `and`",
    query: 'any where not a == "1" and b == "1"',
    events: { b: { b: "1" }, ab: { a: "1", b: "1" }, none: {} },
    expected: ["b"],
  },
  {
    row: 12,
    name: "parentheses override precedence; `not not`",
    query: 'any where (a == "1" or b == "1") and not not c == "1"',
    events: { ac: { a: "1", c: "1" }, bc: { b: "1", c: "1" }, a: { a: "1" }, c: { c: "1" } },
    expected: ["ac", "bc"],
  },
  // 13: null checks
  {
    row: 13,
    name: "== null: no values; != null: at least one",
    query: "any where a == null and b != null",
    events: {
      yes: { b: "x" },
      bNull: { b: null },
      aEmpty: { a: [], b: ["x"] },
      aPresent: { a: "", b: "x" },
      bZero: { b: 0 },
      bFalse: { b: false },
    },
    expected: ["yes", "aEmpty", "bZero", "bFalse"],
  },
  {
    row: 13,
    name: "?field is an optional field with the same semantics",
    query: 'any where ?process.name == "x" or ?missing.field != null',
    events: { x: { process: { name: "x" } }, m: { missing: { field: 1 } }, none: {} },
    expected: ["x", "m"],
  },
  {
    row: 13,
    name: "null on the left side",
    query: "any where null == a",
    events: { none: {}, some: { a: "1" } },
    expected: ["none"],
  },
  // 14: strings
  {
    row: 14,
    name: 'escapes \\n \\r \\t \\\\ \\" \\u{XXXX}',
    query: 'any where a == "l1\\nl2\\r\\t\\\\\\"" or b == "\\u{41}\\u{1F600}\\u{000000e9}"',
    events: { a: { a: 'l1\nl2\r\t\\"' }, b: { b: "A\u{1F600}é" }, litA: { a: "l1\\nl2" }, none: {} },
    expected: ["a", "b"],
  },
  {
    row: 14,
    name: '"""raw""" strings have no escapes',
    query: 'any where a == """C:\\Windows\\n"x"y""" or b like """*\\t*"""',
    events: { raw: { a: 'C:\\Windows\\n"x"y' }, tab: { b: "a\\tb" }, realTab: { b: "a\tb" } },
    expected: ["raw", "tab"],
  },
  {
    row: 14,
    name: 'a raw string may end with one or two quotes ("""x"""" is x")',
    query: 'any where a == """x"""" or b == """y"""""',
    events: { a: { a: 'x"' }, b: { b: 'y""' }, plain: { a: "x" } },
    expected: ["a", "b"],
  },
  {
    row: 14,
    name: "comments (nested block comments) and numbers such as 1.",
    query: 'any where /* a /* nested */ comment */ n == 1. // trailing\n or child == "x"',
    events: { one: { n: 1 }, child: { child: "x" }, two: { n: 2 } },
    expected: ["one", "child"],
  },
  // 15: comparisons
  {
    row: 15,
    name: "numeric order when both sides are numbers; a digit string is text (a keyword)",
    query: "any where pid < 9",
    events: {
      ten: { pid: 10 },
      tenStr: { pid: "10" },
      eight: { pid: 8 },
      neg: { pid: -1 },
      float: { pid: 8.5 },
      ninetyStr: { pid: "90" },
    },
    expected: ["eight", "neg", "float", "tenStr"],
  },
  {
    row: 15,
    name: "<= >= > on numbers, any value",
    query: "any where size >= 100 and size <= 200 and n > 2",
    events: {
      a: { size: 150, n: 3 },
      b: { size: [50, 250], n: 5 },
      c: { size: 200, n: 2 },
      d: { size: 100, n: [1, 3] },
    },
    expected: ["a", "b", "d"],
  },
  {
    row: 15,
    name: "string (code point) order otherwise",
    query: 'any where a > "b" or c < "\u{1F600}"',
    events: { c: { a: "c" }, b: { a: "b" }, A: { a: "B" }, cp: { c: "\uFF01" }, above: { c: "\u{1F601}" } },
    expected: ["c", "cp"],
  },
  {
    row: 15,
    name: "a number constant against a string value compares strings",
    query: "any where a > 5",
    events: {
      word: { a: "abc" },
      six: { a: 6 },
      four: { a: "4" },
      fiveStr: { a: "5" },
      fortyStr: { a: "40" },
    },
    expected: ["word", "six"],
  },
  {
    row: 15,
    name: "constant on the left is mirrored",
    query: "any where 5 < a",
    events: { six: { a: 6 }, four: { a: 4 } },
    expected: ["six"],
  },
  // 17: long values
  {
    row: 17,
    name: "by default values of any length are evaluated",
    query: 'file where file.path like~ "/etc/NetworkManager/dispatcher.d/*"',
    events: {
      short: { event: { category: "file" }, file: { path: long(100) } },
      long: { event: { category: "file" }, file: { path: long(5000) } },
    },
    expected: ["short", "long"],
  },
  {
    row: 17,
    name: "ignoreAbove: longer values count as absent (exactly N still counts)",
    query: 'file where file.path like~ "/etc/NetworkManager/dispatcher.d/*" and not process.name like "x*"',
    options: { ignoreAbove: 1024 },
    events: {
      atLimit: { event: { category: "file" }, file: { path: long(1024) } },
      above: { event: { category: "file" }, file: { path: long(1025) } },
      arrayMixed: { event: { category: "file" }, file: { path: [long(2000), long(10)] } },
      longExcluder: {
        event: { category: "file" },
        file: { path: long(10) },
        process: { name: "x".repeat(1025) },
      },
      shortExcluder: {
        event: { category: "file" },
        file: { path: long(10) },
        process: { name: "x".repeat(1024) },
      },
    },
    expected: ["atLimit", "arrayMixed", "longExcluder"],
  },
  {
    row: 17,
    name: "ignoreAbove: a long value makes `== null` true and an exclusion miss",
    query: 'any where a == null and b not in ("' + "b".repeat(20) + '")',
    options: { ignoreAbove: 10 },
    events: { longA: { a: "a".repeat(11), b: "b".repeat(20) }, shortA: { a: "a".repeat(10) } },
    expected: ["longA"],
  },
  {
    row: 17,
    name: "ignoreAbove applies to the string form of numbers",
    query: "file where n == 123456",
    options: { ignoreAbove: 4 },
    events: { n: { event: { category: "file" }, n: 123456 } },
    expected: [],
  },
  // Worked consequences for the seed rule.
  {
    row: "seed",
    name: "path clause (like~): case variants and the trailing slash",
    query: SEED_QUERY,
    events: {
      mixedCase: seedEvent({ path: "/ETC/networkmanager/Dispatcher.D/x" }),
      noSlash: seedEvent({ path: "/etc/NetworkManager/dispatcher.d" }),
      slash: seedEvent({ path: "/etc/NetworkManager/dispatcher.d/" }),
      subFolder: seedEvent({ path: "/etc/NetworkManager/dispatcher.d/pre-up.d/10-x" }),
      sibling: seedEvent({ path: "/etc/NetworkManager/dispatcher.dx/y" }),
    },
    expected: ["mixedCase", "slash", "subFolder"],
  },
  {
    row: "seed",
    name: "exclusions: `in` is case-sensitive, `like~` is not",
    query: SEED_QUERY,
    events: {
      dpkgUpper: seedEvent({ executable: "/USR/BIN/DPKG" }),
      dpkg: seedEvent({ executable: "/usr/bin/dpkg" }),
      fdUpper: seedEvent({ executable: "/DEV/FD/3" }),
      fdStarInList: seedEvent({ executable: "/dev/fd/*" }),
    },
    expected: ["dpkgUpper"],
  },
  {
    row: "seed",
    name: "exclusions: `.` in /tmp/vmis.* is literal",
    query: SEED_QUERY,
    events: {
      vmisX: seedEvent({ executable: "/tmp/vmisXabc" }),
      vmisDot: seedEvent({ executable: "/tmp/vmis.abc/x" }),
    },
    expected: ["vmisX"],
  },
  {
    row: "seed",
    name: 'exclusions: process.name == "sed" (case-sensitive) and file.name : "sed*" (insensitive)',
    query: SEED_QUERY,
    events: {
      SEDname: seedEvent({ processName: "SED", name: "sed1" }),
      sedUpperFile: seedEvent({ processName: "sed", name: "SEDabc" }),
      sedExact: seedEvent({ processName: "sed", name: "sed" }),
      sedOtherFile: seedEvent({ processName: "sed", name: "x-sed" }),
    },
    expected: ["SEDname", "sedOtherFile"],
  },
  {
    row: "seed",
    name: "exclusions: file.extension `in` is case-sensitive",
    query: SEED_QUERY,
    events: { SWP: seedEvent({ extension: "SWP" }), swp: seedEvent({ extension: "swp" }) },
    expected: ["SWP"],
  },
  {
    row: "seed",
    name: 'host.os.type "Linux" does not match == "linux"',
    query: SEED_QUERY,
    events: { Linux: seedEvent({ osType: "Linux" }), linux: seedEvent({ osType: "linux" }) },
    expected: ["linux"],
  },
];

const BASE_ERROR_CASES: readonly ErrorCase[] = [
  {
    row: 14,
    name: "single-quoted string",
    query: "any where a == 'x'",
    error: "unsupported",
    construct: "single-quoted string",
    at: [1, 16],
  },
  { row: 14, name: "unknown escape", query: 'any where a == "\\x41"', error: "syntax", at: [1, 17] },
  { row: 14, name: "bad \\u escape", query: 'any where a == "\\u0041"', error: "syntax", at: [1, 17] },
  { row: 14, name: "unterminated string", query: 'any where a == "abc', error: "syntax", at: [1, 16] },
  {
    row: 16,
    name: "field-to-field ==",
    query: "any where a == b",
    error: "unsupported",
    construct: "field-to-field comparison",
    at: [1, 16],
  },
  {
    row: 16,
    name: "field-to-field like",
    query: "any where a like b",
    error: "unsupported",
    construct: "field-to-field comparison",
    at: [1, 18],
  },
  {
    row: 16,
    name: "field in an `in` list",
    query: 'any where a in ("x", b)',
    error: "unsupported",
    construct: "field-to-field comparison",
    at: [1, 22],
  },
  {
    row: 16,
    name: "field after `:`",
    query: "any where a : b",
    error: "unsupported",
    construct: "field-to-field comparison",
    at: [1, 15],
  },
  {
    row: 16,
    name: "constant on the left of like",
    query: 'any where "a" like "b"',
    error: "unsupported",
    construct: "constant on the left of like",
    at: [1, 11],
  },
  {
    row: 18,
    name: "sequence",
    query: "sequence by host.id\n  [file where true]\n  [process where true]",
    error: "unsupported",
    construct: "sequence",
    at: [1, 1],
  },
  {
    row: 18,
    name: "sample",
    query: "sample by host.id [file where true] [process where true]",
    error: "unsupported",
    construct: "sample",
    at: [1, 1],
  },
  {
    row: 18,
    name: "pipe",
    query: "file where true | head 5",
    error: "unsupported",
    construct: "pipe",
    at: [1, 17],
  },
  {
    row: 18,
    name: "single =",
    query: 'file where a = "x"',
    error: "unsupported",
    construct: "=",
    at: [1, 14],
  },
  {
    row: 18,
    name: "not like",
    query: 'file where a not like "x"',
    error: "unsupported",
    construct: "not like",
    at: [1, 14],
  },
  {
    row: 18,
    name: "lineage",
    query: "process where descendant of [process where true]",
    error: "unsupported",
    construct: "descendant of",
    at: [1, 15],
  },
  { row: 12, name: "missing operand", query: "any where a == ", error: "syntax", at: [1, 16] },
  { row: 12, name: "unbalanced parenthesis", query: 'any where (a == "x"', error: "syntax", at: [1, 20] },
  { row: 12, name: "bare field", query: "any where a", error: "syntax", at: [1, 12] },
  { row: 1, name: "no where", query: 'file a == "x"', error: "syntax", at: [1, 6] },
  { row: 1, name: "empty query", query: "   ", error: "syntax", at: [1, 4] },
  {
    row: 14,
    name: "a newline inside a string",
    query: 'any where a == "x\ny"',
    error: "syntax",
    at: [1, 16],
  },
  {
    row: 14,
    name: "a raw string spanning lines",
    query: 'any where a == """x\ny"""',
    error: "syntax",
    at: [1, 16],
  },
  {
    row: 18,
    name: "array index",
    query: 'any where a[0] == "x"',
    error: "unsupported",
    construct: "array index",
    at: [1, 12],
  },
  {
    row: 12,
    name: "a no-break space is not whitespace",
    query: 'any where\u00a0a == "x"',
    error: "syntax",
    at: [1, 10],
  },
];

/** Rows 1-18 of the spec table, then the expression language's rows 19-25. */
export const MATCH_CASES: readonly MatchCase[] = [...BASE_MATCH_CASES, ...EXPRESSION_MATCH_CASES];
export const ERROR_CASES: readonly ErrorCase[] = [...BASE_ERROR_CASES, ...EXPRESSION_ERROR_CASES];
