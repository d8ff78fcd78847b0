/**
 * The expression language as data (issue 10): functions, arithmetic, regex, typed fields, null
 * as a value, the script form's first-doc-value reading. Rows 19-25 extend the 18 rows of
 * ../shared/spec/eql-semantics.md ("Beyond the rows above"); each case states Elasticsearch's
 * documented behaviour in our own words, with events made up for the point being made.
 *
 * Row 19 functions in their query form (first argument a field, the rest constants: any value
 *        of the field counts, a missing field makes the call false, `not` over it true)
 * Row 20 functions and comparisons in their script form (first value in doc-values order,
 *        three-valued inside, true only when the script says true)
 * Row 21 arithmetic (Java int/long/double rules, precedence, folding of constant parts)
 * Row 22 regex / regex~ (Lucene syntax, whole-value, no backtracking)
 * Row 23 typed fields (date, ip, numeric, boolean; unknown fields keep their JSON type)
 * Row 24 null as a value and optional fields
 * Row 25 refusals that Elasticsearch makes too, with their position
 */
import type { ErrorCase, MatchCase } from "./semantics-table.ts";

const ev = (process: Record<string, unknown>): Record<string, unknown> => ({ process });

export const EXPRESSION_MATCH_CASES: readonly MatchCase[] = [
  // 19: query form of functions
  {
    row: 19,
    name: "startsWith on a field is a prefix query over every value; case-sensitive",
    query: 'any where startsWith(process.name, "bash")',
    events: {
      exact: ev({ name: "bash" }),
      longer: ev({ name: "bashful" }),
      upper: ev({ name: "BASH" }),
      none: ev({}),
      multi: ev({ name: ["zsh", "bash5"] }),
    },
    expected: ["exact", "longer", "multi"],
  },
  {
    row: 19,
    name: "startsWith~ folds ASCII case; `not` over a call is true for a missing field",
    query: 'any where startsWith~(process.name, "BAsh") or not startsWith(process.name, "z")',
    events: {
      upper: ev({ name: "BASHFUL" }),
      zed: ev({ name: "zsh" }),
      none: ev({}),
    },
    expected: ["upper", "none"],
  },
  {
    row: 19,
    name: "function names are looked up without regard to case (startswith, STARTSWITH)",
    query: 'any where startswith(process.name, "ba") and STARTSWITH~(process.name, "BA")',
    events: { yes: ev({ name: "bash" }), no: ev({ name: "dash" }) },
    expected: ["yes"],
  },
  {
    row: 19,
    name: "stringContains / endsWith on a field: any value containing / ending with the text",
    query: 'any where stringContains(process.command_line, "curl ") and endsWith~(process.name, ".SH")',
    events: {
      both: ev({ command_line: ["ls", "sh -c 'curl x'"], name: "run.sh" }),
      noContains: ev({ command_line: "wget x", name: "run.sh" }),
      noSuffix: ev({ command_line: "curl x", name: "run.py" }),
    },
    expected: ["both"],
  },
  {
    row: 19,
    name: "cidrMatch on an ip field: any listed block containing the address; IPv4 also written as ::ffff:a.b.c.d",
    query: 'any where cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")',
    events: {
      ten: { source: { ip: "10.1.2.3" } },
      home: { source: { ip: "192.168.7.7" } },
      mapped: { source: { ip: "::ffff:10.9.9.9" } },
      outside: { source: { ip: "11.0.0.1" } },
      malformed: { source: { ip: "10.1.2" } },
      none: {},
    },
    expected: ["ten", "home", "mapped"],
  },
  // 20: script form
  {
    row: 20,
    name: "length() reads the FIRST value in doc-values order (code point order), not any value",
    query: "any where length(process.name) == 5",
    events: {
      five: ev({ name: "bash5" }),
      // "bash5" < "zshhh" in code point order: the script sees "bash5" only.
      firstIsFive: ev({ name: ["zshhh4", "bash5"] }),
      firstIsNot: ev({ name: ["abc", "bash5"] }),
      none: ev({}),
    },
    expected: ["five", "firstIsFive"],
  },
  {
    row: 20,
    name: "a numeric field's first doc value is its smallest number",
    query: "any where process.pid + 1 == 43",
    events: { one: ev({ pid: 42 }), smallestFirst: ev({ pid: [50, 42] }), other: ev({ pid: [41, 42] }) },
    expected: ["one", "smallestFirst"],
  },
  {
    row: 20,
    name: "concat() writes numbers as Java does and is null when an argument is null",
    query:
      'any where concat(process.name, ":", process.pid) == "bash:42" or concat(process.name, null) != null',
    events: {
      yes: ev({ name: "bash", pid: 42 }),
      fromText: ev({ name: "bash", pid: "42" }),
      no: ev({ name: "bash" }),
    },
    expected: ["yes", "fromText"],
  },
  {
    row: 20,
    name: "substring() slices like Python (negative indexes count from the end)",
    query: 'any where substring(process.name, -3) == ".sh" and substring(process.name, 0, 2) : "RU"',
    events: { yes: ev({ name: "run.sh" }), no: ev({ name: "run.py" }) },
    expected: ["yes"],
  },
  {
    row: 20,
    name: "indexOf() gives the UTF-16 position or null; a comparison with null is not true",
    query: 'any where indexOf(process.name, "sh") == 2 or indexOf(process.name, "zz") > -1',
    events: { bash: ev({ name: "bash" }), sh: ev({ name: "sh" }) },
    expected: ["bash"],
  },
  {
    row: 20,
    name: "a call compared with a boolean is the call itself (== true) or its negation (== false)",
    query: 'any where startsWith(process.name, "b") == false',
    events: { b: ev({ name: "bash" }), z: ev({ name: "zsh" }), none: ev({}) },
    expected: ["z", "none"],
  },
  {
    row: 20,
    name: "a pattern operator over a function result (script like / :)",
    query: 'any where string(process.pid) like "4*" and string(process.pid) : "42"',
    events: { yes: ev({ pid: 42 }), no: ev({ pid: 52 }) },
    expected: ["yes"],
  },
  {
    row: 20,
    name: "constant sub-expressions are folded: number() and add() make a term query",
    query: 'any where process.pid == add(number("0x28"), 2)',
    events: { yes: ev({ pid: 42 }), text: ev({ pid: "42" }), no: ev({ pid: 40 }) },
    expected: ["yes", "text"],
  },
  // 21: arithmetic
  {
    row: 21,
    name: "integer division truncates; a decimal operand makes it floating",
    query: "any where process.pid / 2 == 21 and process.pid / 2.0 != 21.5",
    events: { even: ev({ pid: 42 }), odd: ev({ pid: 43 }), next: ev({ pid: 44 }) },
    expected: ["even"],
  },
  {
    row: 21,
    name: "precedence: * / % before + -, unary minus, parentheses",
    query: "any where 2 + 3 * 4 == 14 and (2 + 3) * 4 == 20 and -process.pid % 5 == -2 and 7 % 3 == 1",
    events: { yes: ev({ pid: 42 }), no: ev({ pid: 43 }), none: ev({}) },
    expected: ["yes"],
  },
  {
    row: 21,
    name: "a missing operand makes the arithmetic null, so the comparison is not true (and its `not` is true at query level)",
    query: "any where not (process.pid * 2 > 10)",
    events: { big: ev({ pid: 42 }), small: ev({ pid: 3 }), none: ev({}) },
    expected: ["small", "none"],
  },
  {
    row: 21,
    name: "a script that fails on a record (text where a number is needed) makes the whole query false for it, even under `not`: Elasticsearch fails the search",
    query: "any where not (custom.n * 2 > 10)",
    events: { text: { custom: { n: "abc" } }, small: { custom: { n: 3 } }, none: {} },
    expected: ["small", "none"],
  },
  // 22: regex
  {
    row: 22,
    name: "regex matches the whole value with Lucene syntax; case-sensitive",
    query: 'any where process.name regex "ba[sz]h[0-9]*"',
    events: {
      bash: ev({ name: "bash" }),
      bazh5: ev({ name: "bazh55" }),
      upper: ev({ name: "BASH" }),
      prefixed: ev({ name: "xbash" }),
      multi: ev({ name: ["x", "bash"] }),
    },
    expected: ["bash", "bazh5", "multi"],
  },
  {
    row: 22,
    name: "regex~ folds ASCII case; a list is an OR; `.` is any character",
    query: 'any where process.name regex~ ("BA.H", "z?sh")',
    events: {
      upper: ev({ name: "BASH" }),
      dash: ev({ name: "baXh" }),
      sh: ev({ name: "sh" }),
      no: ev({ name: "ksh" }),
    },
    expected: ["upper", "dash", "sh"],
  },
  // 23: typed fields
  {
    row: 23,
    name: "@timestamp is a date: ISO strings, epoch milliseconds and date literals compare as instants",
    query: 'any where @timestamp < "2024-01-01T00:00:00Z"',
    events: {
      before: { "@timestamp": "2023-12-31T23:59:59.999Z" },
      epoch: { "@timestamp": 1703980800000 },
      dateOnly: { "@timestamp": "2023-06-01" },
      offset: { "@timestamp": "2024-01-01T00:30:00+01:00" },
      equal: { "@timestamp": "2024-01-01T00:00:00Z" },
      malformed: { "@timestamp": "yesterday" },
    },
    expected: ["before", "epoch", "dateOnly", "offset"],
  },
  {
    row: 23,
    name: "date equality is the same instant, whatever the spelling",
    query: 'any where @timestamp == "2024-01-01T01:00:00+01:00"',
    events: {
      utc: { "@timestamp": "2024-01-01T00:00:00Z" },
      millis: { "@timestamp": "1704067200000" },
      other: { "@timestamp": "2024-01-01T01:00:00Z" },
    },
    expected: ["utc", "millis"],
  },
  {
    row: 23,
    name: "an ip field compares addresses: == takes a CIDR block, < compares addresses",
    query: 'any where source.ip == "10.0.0.0/8" or destination.ip < "1.0.0.0"',
    events: {
      inBlock: { source: { ip: "10.200.0.1" } },
      outside: { source: { ip: "100.0.0.1" } },
      low: { destination: { ip: "0.255.0.1" } },
      high: { destination: { ip: "1.0.0.1" } },
    },
    expected: ["inBlock", "low"],
  },
  {
    row: 23,
    name: "a numeric field compares numbers, also when the record spells them as text; an unknown field keeps text order",
    query: "any where process.pid < 9 or custom.count < 9",
    events: {
      textTen: ev({ pid: "10" }),
      eight: ev({ pid: 8 }),
      unknownText: { custom: { count: "10" } },
      unknownNumber: { custom: { count: 10 } },
    },
    expected: ["eight", "unknownText"],
  },
  {
    row: 23,
    name: "a value that does not parse as the field's type is not indexed: the field has no value",
    query: "any where process.pid == null and @timestamp != null",
    events: {
      malformedPid: { "@timestamp": 1704067200000, process: { pid: "abc" } },
      goodPid: { "@timestamp": 1704067200000, process: { pid: "12" } },
      malformedTime: { "@timestamp": "soon", process: {} },
    },
    expected: ["malformedPid"],
  },
  {
    row: 23,
    name: "in a script a date prints as Java's ZonedDateTime (UTC, zero seconds dropped) and an ip as ES formats it",
    query: 'any where string(@timestamp) == "2024-01-01T00:00Z" and concat(source.ip) == "10.0.0.1"',
    events: {
      both: { "@timestamp": "2024-01-01T01:00:00+01:00", source: { ip: "::ffff:10.0.0.1" } },
      seconds: { "@timestamp": "2024-01-01T00:00:01Z", source: { ip: "10.0.0.1" } },
    },
    expected: ["both"],
  },
  // 24: null and optional fields
  {
    row: 24,
    name: "`null == expr` is a null check of the expression",
    query: "any where null == (process.pid > 1)",
    events: { none: ev({}), present: ev({ pid: 42 }) },
    expected: ["none"],
  },
  {
    row: 24,
    name: "a comparison with null by < folds to null: nothing matches",
    query: "any where process.name < null",
    events: { a: ev({ name: "a" }), none: ev({}) },
    expected: [],
  },
  {
    row: 24,
    name: "`?field` alone: true only when its value is the boolean true (an unknown field is null)",
    query: "any where ?custom.flag",
    events: {
      t: { custom: { flag: true } },
      f: { custom: { flag: false } },
      text: { custom: { flag: "true" } },
      none: {},
    },
    expected: ["t"],
  },
  {
    row: 24,
    name: "`?x == ?y` over fields no record has is true (both resolve to null)",
    query: "any where ?custom.x == ?custom.y",
    events: { neither: {}, one: { custom: { x: "a" } } },
    expected: ["neither"],
  },
];

export const EXPRESSION_ERROR_CASES: readonly ErrorCase[] = [
  { row: 25, name: "unknown function", query: "any where nosuch(a)", error: "syntax", at: [1, 11] },
  {
    row: 25,
    name: "a function called with too few arguments",
    query: "any where length()",
    error: "syntax",
    at: [1, 11],
  },
  {
    row: 25,
    name: "a function without a case-insensitive form written with `~`",
    query: 'any where length~("a") == 1',
    error: "syntax",
    at: [1, 11],
  },
  {
    row: 25,
    name: "a string function given a numeric field",
    query: "any where length(process.pid) > 1",
    error: "syntax",
    at: [1, 18],
  },
  {
    row: 25,
    name: "integer division by zero in constants",
    query: "any where 1 / 0 == 1",
    error: "syntax",
    at: [1, 11],
  },
  {
    row: 25,
    name: "comparing two fields (also through a function)",
    query: "any where length(process.name) == length(process.parent.name)",
    error: "unsupported",
    construct: "field-to-field comparison",
    at: [1, 35],
  },
  {
    row: 25,
    name: "an invalid regular expression",
    query: 'any where a regex "ba(sh"',
    error: "syntax",
    at: [1, 25],
  },
  {
    row: 25,
    name: "a number constant for a date field that is not a date",
    query: 'any where @timestamp == "soon"',
    error: "syntax",
    at: [1, 25],
  },
  {
    row: 25,
    name: "a wildcard on an ip field",
    query: 'any where source.ip : "10.*"',
    error: "unsupported",
    construct: ": on a ip field",
    at: [1, 11],
  },
  {
    row: 25,
    name: "a condition that is not boolean",
    query: 'any where concat("a", b)',
    error: "syntax",
    at: [1, 11],
  },
  {
    row: 25,
    name: "a sequence's maxspan is named as a sequence, not a number error",
    query: "sequence with maxspan=3s [file where true] [process where true]",
    error: "unsupported",
    construct: "sequence",
    at: [1, 1],
  },
];
