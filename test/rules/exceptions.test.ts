import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  compileEsWildcard,
  compileExceptionItem,
  ExceptionError,
  matchingException,
  parseExceptionItem,
} from "../../src/rules/index.ts";

/** An exported exception item with the given entries (Kibana's export shape, trimmed). */
function item(entries: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    item_id: "item-1",
    list_id: "list-1",
    namespace_type: "single",
    type: "simple",
    name: "known admin tool",
    entries,
    ...extra,
  };
}

const linuxAdmin = {
  host: { os: { type: "linux", name: "Ubuntu" }, name: "build-1" },
  user: { name: "deploy" },
  process: { name: "ansible", args: ["ansible", "-m", "ping"], pid: 4242 },
  file: { path: "/opt/tools/run.sh" },
};

// [what, entries, os_types, event, expected: the item matches (so the event is excluded)]
const ROWS: [string, unknown[], string[], unknown, boolean][] = [
  [
    "match: exact value",
    [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "match is case-sensitive on keywords",
    [{ field: "user.name", operator: "included", type: "match", value: "Deploy" }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "match on a missing field does not hold",
    [{ field: "user.id", operator: "included", type: "match", value: "0" }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "match: any value of a multi-valued field",
    [{ field: "process.args", operator: "included", type: "match", value: "-m" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "match: a number's string form",
    [{ field: "process.pid", operator: "included", type: "match", value: "4242" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "match excluded: the value differs",
    [{ field: "user.name", operator: "excluded", type: "match", value: "root" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "match excluded: the field is missing",
    [{ field: "user.id", operator: "excluded", type: "match", value: "0" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "match excluded: the value is there",
    [{ field: "user.name", operator: "excluded", type: "match", value: "deploy" }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "match_any: one of the values",
    [{ field: "process.name", operator: "included", type: "match_any", value: ["puppet", "ansible"] }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "match_any: none of the values",
    [{ field: "process.name", operator: "included", type: "match_any", value: ["puppet", "chef"] }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "match_any excluded: none of the values",
    [{ field: "process.name", operator: "excluded", type: "match_any", value: ["puppet", "chef"] }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "wildcard: * spans slashes",
    [{ field: "file.path", operator: "included", type: "wildcard", value: "/opt/*.sh" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "wildcard: whole value, not a substring",
    [{ field: "file.path", operator: "included", type: "wildcard", value: "tools/*" }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "wildcard: ? is one character",
    [{ field: "host.name", operator: "included", type: "wildcard", value: "build-?" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "wildcard is case-sensitive",
    [{ field: "host.name", operator: "included", type: "wildcard", value: "BUILD-*" }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "wildcard excluded",
    [{ field: "host.name", operator: "excluded", type: "wildcard", value: "web-*" }],
    [],
    linuxAdmin,
    true,
  ],
  ["exists", [{ field: "file.path", operator: "included", type: "exists" }], [], linuxAdmin, true],
  [
    "exists on a missing field",
    [{ field: "file.hash.sha256", operator: "included", type: "exists" }],
    [],
    linuxAdmin,
    false,
  ],
  [
    "exists excluded on a missing field",
    [{ field: "file.hash.sha256", operator: "excluded", type: "exists" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    ".caseless compares the base field case-insensitively",
    [{ field: "host.os.name.caseless", operator: "included", type: "match", value: "ubuntu" }],
    [],
    linuxAdmin,
    true,
  ],
  [
    "entries are ANDed: one fails",
    [
      { field: "user.name", operator: "included", type: "match", value: "deploy" },
      { field: "host.name", operator: "included", type: "match", value: "web-1" },
    ],
    [],
    linuxAdmin,
    false,
  ],
  [
    "entries are ANDed: all hold",
    [
      { field: "user.name", operator: "included", type: "match", value: "deploy" },
      { field: "host.name", operator: "included", type: "match", value: "build-1" },
    ],
    [],
    linuxAdmin,
    true,
  ],
  [
    "os_types: the host's OS is listed",
    [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
    ["linux"],
    linuxAdmin,
    true,
  ],
  [
    "os_types: another OS",
    [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
    ["windows"],
    linuxAdmin,
    false,
  ],
  [
    "os_types: host.os.name compared case-insensitively (Defend's .caseless)",
    [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
    ["windows"],
    { host: { os: { name: "Windows" } }, user: { name: "deploy" } },
    true,
  ],
];

const signed = {
  file: {
    Ext: {
      code_signature: [
        { subject_name: "Acme Corp", trusted: false },
        { subject_name: "Microsoft Windows", trusted: true },
      ],
    },
  },
};

const NESTED: [string, unknown[], boolean][] = [
  [
    "nested: one element satisfies every inner entry",
    [
      { field: "subject_name", operator: "included", type: "match", value: "Microsoft Windows" },
      { field: "trusted", operator: "included", type: "match", value: "true" },
    ],
    true,
  ],
  [
    "nested: the entries hold on different elements only",
    [
      { field: "subject_name", operator: "included", type: "match", value: "Acme Corp" },
      { field: "trusted", operator: "included", type: "match", value: "true" },
    ],
    false,
  ],
];

describe("exception items, as Kibana's exception filter evaluates them", () => {
  for (const [what, entries, osTypes, event, expected] of ROWS) {
    test(what, () => {
      const x = compileExceptionItem(parseExceptionItem(item(entries, { os_types: osTypes }), "t:1"));
      assert.equal(x.matches(event), expected);
    });
  }
  for (const [what, inner, expected] of NESTED) {
    test(what, () => {
      const x = compileExceptionItem(
        parseExceptionItem(
          item([{ field: "file.Ext.code_signature", type: "nested", entries: inner }]),
          "t:1",
        ),
      );
      assert.equal(x.matches(signed), expected);
    });
  }

  test("an expired item is not applied; an unexpired one is", () => {
    const entries = [{ field: "user.name", operator: "included", type: "match", value: "deploy" }];
    const x = compileExceptionItem(
      parseExceptionItem(item(entries, { expire_time: "2026-01-01T00:00:00.000Z" }), "t:1"),
    );
    const exceptions = { lists: [], items: [x] };
    assert.equal(matchingException(exceptions, linuxAdmin, Date.parse("2025-12-31T23:59:59Z")), x);
    assert.equal(matchingException(exceptions, linuxAdmin, Date.parse("2026-01-01T00:00:01Z")), undefined);
  });

  test("record keys such as __proto__ are data, never an exception's match", () => {
    const x = compileExceptionItem(
      parseExceptionItem(item([{ field: "constructor", operator: "included", type: "exists" }]), "t:1"),
    );
    assert.equal(x.matches(JSON.parse('{"__proto__": {"constructor": "x"}}')), false);
    assert.equal(x.matches(JSON.parse('{"constructor": "x"}')), true);
  });

  test("value lists, .text fields and unknown types are refused by name with the origin", () => {
    const cases: [unknown, RegExp][] = [
      [
        { field: "source.ip", operator: "included", type: "list", list: { id: "ips", type: "ip" } },
        /value-list entries .* not supported/,
      ],
      [
        { field: "file.path.text", operator: "included", type: "match", value: "x" },
        /analysed text sub-field.*"file\.path"/,
      ],
      [{ field: "a", operator: "included", type: "regex", value: "x" }, /unknown entry type "regex"/],
      [
        { field: "a", operator: "maybe", type: "match", value: "x" },
        /`operator` must be "included" or "excluded"/,
      ],
    ];
    for (const [entry, re] of cases) {
      assert.throws(
        () => parseExceptionItem(item([entry]), "export.ndjson:7"),
        (e: unknown) =>
          e instanceof ExceptionError && e.message.startsWith("export.ndjson:7: ") && re.test(e.message),
      );
    }
  });
});

describe("Elasticsearch wildcard-query patterns", () => {
  const TABLE: [string, string, boolean][] = [
    ["*", "", true],
    ["a*b", "ab", true],
    ["a*b", "a/x/b", true],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["a\\*c", "a*c", true],
    ["a\\*c", "abc", false],
    ["a\\?", "a?", true],
    ["C:\\\\Windows\\\\*", "C:\\Windows\\x.exe", true],
    ["?", "😀", true],
    ["**a**", "xxa", true],
  ];
  for (const [pattern, value, expected] of TABLE) {
    test(`${JSON.stringify(pattern)} on ${JSON.stringify(value)}`, () => {
      assert.equal(compileEsWildcard(pattern)(value), expected);
    });
  }

  test("agrees with a regular-expression reference on random patterns", () => {
    const alphabet = fc.constantFrom("a", "b", "*", "?", "/");
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.array(fc.constantFrom("a", "b", "/"), { maxLength: 10 }),
        (p, v) => {
          const pattern = p.join("");
          const value = v.join("");
          const re = new RegExp(
            `^${pattern.replace(/[/]/g, "\\/").replace(/\*/g, ".*").replace(/\?/g, ".")}$`,
            "su",
          );
          return compileEsWildcard(pattern)(value) === re.test(value);
        },
      ),
    );
  });

  test("a long value against a many-star pattern returns (no exponential backtracking)", () => {
    const value = `${"a".repeat(300_000)}c`;
    assert.equal(compileEsWildcard("*a*a*a*a*a*a*a*a*b*")(value), false);
  });
});
