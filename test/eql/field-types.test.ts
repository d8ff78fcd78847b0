import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  compareIp,
  compareVersion,
  type EsFieldType,
  encodeVersion,
  fieldType,
  formatIp,
  indexedValue,
  javaDateToString,
  knownFieldTypes,
  parseDate,
  parseIp,
  parseIpAddress,
  parseIpRange,
} from "../../src/eql/field-types.ts";

/** Mapped types, as ECS 9.4 and the Elastic Defend package define them. */
const TYPES: readonly [string, EsFieldType | undefined][] = [
  ["@timestamp", "date"],
  ["event.ingested", "date"],
  ["event.created", "date"],
  ["process.start", "date"],
  ["source.ip", "ip"],
  ["destination.ip", "ip"],
  ["host.ip", "ip"],
  ["client.ip", "ip"],
  ["source.port", "long"],
  ["destination.port", "long"],
  ["process.pid", "long"],
  ["process.parent.pid", "long"],
  ["process.args_count", "long"],
  ["process.exit_code", "long"],
  ["event.sequence", "long"],
  ["event.duration", "long"],
  ["event.severity", "long"],
  ["network.bytes", "long"],
  ["file.size", "long"],
  ["event.risk_score", "float"],
  ["process.code_signature.trusted", "boolean"],
  ["dll.code_signature.exists", "boolean"],
  ["process.command_line", "wildcard"],
  ["process.parent.command_line", "wildcard"],
  ["url.original", "wildcard"],
  ["registry.data.strings", "wildcard"],
  ["process.executable", "keyword"],
  ["process.name", "keyword"],
  ["file.path", "keyword"],
  ["event.category", "keyword"],
  ["dns.question.name", "keyword"],
  ["process.args", "keyword"],
  ["process.executable.text", "text"],
  ["process.command_line.text", "text"],
  ["message", "match_only_text"],
  ["data_stream.dataset", "constant_keyword"],
  ["process.pe.imports", "flattened"],
  ["process.pe.imports.name", "keyword"],
  ["labels", "object"],
  ["process.Ext.token.integrity_level", "long"],
  ["process.Ext.relative_file_creation_time", "double"],
  ["file.Ext.entropy", "double"],
  ["azure.signinlogs.properties.device_detail.is_managed", "boolean"],
  ["problemchild.prediction_probability", "float"],
  ["flow.final", "boolean"],
  ["no.such.field", undefined],
  ["serial_event_id", undefined],
  ["__proto__", undefined],
  ["constructor", undefined],
  ["toString", undefined],
  ["process.__proto__", undefined],
  ["", undefined],
];

/** strict_date_optional_time||epoch_millis, in epoch milliseconds (null: malformed). */
const DATES: readonly [unknown, number | null, string][] = [
  ["2017-08-30T20:47:33Z", Date.UTC(2017, 7, 30, 20, 47, 33), "seconds and Z"],
  ["2017-08-30T20:47:33.123Z", Date.UTC(2017, 7, 30, 20, 47, 33, 123), "milliseconds"],
  [
    "2017-08-30T20:47:33.123456789Z",
    Date.UTC(2017, 7, 30, 20, 47, 33, 123),
    "nanoseconds floor to the millisecond",
  ],
  ["2017-08-30T20:47:33.1Z", Date.UTC(2017, 7, 30, 20, 47, 33, 100), "one fraction digit"],
  ["2017-08-30T20:47:33,5Z", Date.UTC(2017, 7, 30, 20, 47, 33, 500), "a comma separates the fraction too"],
  ["2017-08-30T20:47:33.1234567891Z", null, "at most nine fraction digits"],
  ["2017-08-30T20:47:33", Date.UTC(2017, 7, 30, 20, 47, 33), "no zone is UTC"],
  ["2017-08-30T20:47", Date.UTC(2017, 7, 30, 20, 47), "seconds are optional"],
  ["2017-08-30T20", Date.UTC(2017, 7, 30, 20), "minutes are optional"],
  ["2017-08-30T", Date.UTC(2017, 7, 30), "a bare T"],
  ["2017-08-30", Date.UTC(2017, 7, 30), "a date alone is midnight UTC"],
  ["2017-08-30T20:47:33+02:00", Date.UTC(2017, 7, 30, 18, 47, 33), "an offset with a colon"],
  ["2017-08-30T20:47:33-0130", Date.UTC(2017, 7, 30, 22, 17, 33), "an offset without a colon"],
  ["2017-08-30T20:47:33+02", Date.UTC(2017, 7, 30, 18, 47, 33), "an hour offset"],
  ["2017-08-30T20Z", Date.UTC(2017, 7, 30, 20), "a zone right after the hour"],
  ["2017-08-30T20:47:33UTC", Date.UTC(2017, 7, 30, 20, 47, 33), "a UTC zone id"],
  ["2017-08-30T20:47:33+19:00", null, "offsets stop at 18 hours"],
  ["2017-08-30T20:47:33z", null, "a lower-case z is not a zone"],
  ["2017-08-30 20:47:33", null, "a space is not the T separator"],
  ["2017-08-30T24:00:00", null, "hour 24 is refused"],
  ["2017-02-29", null, "not a leap year"],
  ["2016-02-29", Date.UTC(2016, 1, 29), "a leap day"],
  ["2017-13-01", null, "month 13"],
  ["2017-00-10", null, "month 0"],
  ["2017-8-30", null, "two-digit month required"],
  ["17-08-30", null, "four-digit year required"],
  ["0001-01-01", -62135596800000, "year 1"],
  ["1503412345000", 1503412345000, "epoch millis as text"],
  [1503412345000, 1503412345000, "epoch millis as a JSON number"],
  ["-1000", -1000, "negative epoch millis"],
  ["1.5", 1, "epoch millis with a fraction floor to the millisecond"],
  ["2017", 2017, "a year alone is epoch millis under this format"],
  ["20170830", 20170830, "a compact date is epoch millis"],
  ["1e12", null, "no exponent in epoch millis"],
  ["", null, "empty string"],
  ["yesterday", null, "words"],
  [true, null, "a boolean"],
  [{}, null, "an object"],
  [null, null, "null"],
];

/** Addresses as an ip field indexes them (null: malformed). */
const MAPPED = 0xffffn << 32n;
const IPS: readonly [string, bigint | null, string][] = [
  ["10.0.0.1", MAPPED | 0x0a000001n, "IPv4 maps into ::ffff:0:0/96"],
  ["0.0.0.0", MAPPED, "all zeros"],
  ["255.255.255.255", MAPPED | 0xffffffffn, "all ones"],
  ["256.0.0.1", null, "an octet above 255"],
  ["01.2.3.4", null, "a leading zero"],
  ["1.2.3", null, "three octets"],
  ["1.2.3.4.5", null, "five octets"],
  ["1..3.4", null, "an empty octet"],
  [" 1.2.3.4", null, "whitespace"],
  ["1.2.3.4%eth0", MAPPED | 0x01020304n, "a scope id is ignored, also after IPv4"],
  ["1.2.3.4%", null, "an empty scope id"],
  ["::", 0n, "the unspecified address"],
  ["::1", 1n, "loopback"],
  ["2001:db8::1", (0x20010db8n << 96n) | 1n, "compressed IPv6"],
  ["2001:DB8::1", (0x20010db8n << 96n) | 1n, "upper-case hex"],
  ["2001:db8:0:0:0:0:0:1", (0x20010db8n << 96n) | 1n, "full IPv6"],
  ["1:2:3:4:5:6:7:8:9", null, "nine hextets"],
  ["1:2:3:4::5:6:7:8", null, ":: standing for no hextet"],
  ["1::2::3", null, "two ::"],
  [":1::2", null, "a single leading colon"],
  ["1::2:", null, "a single trailing colon"],
  ["1::", 1n << 112n, "a trailing ::"],
  ["00001::", 1n << 112n, "a hextet may have more than four digits if its value fits"],
  ["10000::", null, "but not a value above ffff"],
  ["::ffff:1.2.3.4", MAPPED | 0x01020304n, "a dotted quad tail"],
  ["::1.2.3.4", 0x01020304n, "IPv4-compatible is not IPv4-mapped"],
  ["::ffff:1.2.3", null, "a short dotted tail"],
  ["1.2.3.4::", null, "a colon after a dot"],
  ["fe80::1%eth0", (0xfe80n << 112n) | 1n, "IPv6 with a scope id"],
  ["g::1", null, "not a hex digit"],
  ["::١", null, "non-ASCII digits"],
  ["", null, "empty"],
  ["localhost", null, "names are not addresses"],
];

describe("field types (ECS 9.4 + Elastic Defend 9.5)", () => {
  for (const [path, type] of TYPES) {
    test(`${JSON.stringify(path)} is ${type ?? "unknown"}`, () => {
      assert.equal(fieldType(path), type);
    });
  }

  test("the data is substantial and every entry has a known type", () => {
    const all = knownFieldTypes();
    assert.ok(all.size > 4000, `${all.size} fields`);
    const allowed = new Set<string>([
      "keyword",
      "text",
      "date",
      "date_nanos",
      "ip",
      "long",
      "unsigned_long",
      "integer",
      "short",
      "byte",
      "double",
      "float",
      "scaled_float",
      "half_float",
      "boolean",
      "wildcard",
      "match_only_text",
      "constant_keyword",
      "flattened",
      "geo_point",
      "histogram",
      "object",
      "nested",
    ]);
    for (const [path, t] of all) assert.ok(allowed.has(t), `${path}: ${t}`);
  });
});

describe("parseDate (strict_date_optional_time||epoch_millis)", () => {
  for (const [input, expected, why] of DATES) {
    test(`${JSON.stringify(input)} -> ${expected}: ${why}`, () => {
      assert.equal(parseDate(input), expected);
    });
  }

  test("every ISO string JavaScript prints parses back to its millisecond", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(0, 0, 1) - 1900 * 365 * 86400000, max: Date.UTC(9999, 11, 31) }),
        (ms) => {
          const iso = new Date(ms).toISOString();
          fc.pre(!iso.startsWith("+") && !iso.startsWith("-"));
          assert.equal(parseDate(iso), ms, iso);
        },
      ),
    );
  });

  test("an offset shifts the instant by exactly that offset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.UTC(9000, 0, 1) }),
        fc.integer({ min: -18, max: 18 }),
        fc.integer({ min: 0, max: 59 }),
        (ms, h, m) => {
          fc.pre(Math.abs(h) < 18 || m === 0);
          const base = new Date(ms).toISOString().replace("Z", "");
          const sign = h < 0 ? "-" : "+";
          const zone = `${sign}${String(Math.abs(h)).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
          const offset = (h < 0 ? -1 : 1) * (Math.abs(h) * 60 + m) * 60000;
          assert.equal(parseDate(base + zone), ms - offset, base + zone);
        },
      ),
    );
  });

  test("arbitrary strings never throw", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const v = parseDate(s);
        assert.ok(v === null || Number.isFinite(v));
      }),
    );
    assert.equal(parseDate("2".repeat(300_000)), null);
  });
});

describe("parseIp (InetAddresses.forString, 16-byte form)", () => {
  for (const [input, expected, why] of IPS) {
    test(`${JSON.stringify(input)} -> ${expected === null ? "malformed" : `0x${expected.toString(16)}`}: ${why}`, () => {
      assert.equal(parseIp(input), expected);
    });
  }

  test("IPv4-mapped IPv6 is reported as IPv4, as Java's InetAddress does", () => {
    assert.equal(parseIpAddress("::ffff:1.2.3.4")?.v4, true);
    assert.equal(parseIpAddress("::ffff:102:304")?.v4, true);
    assert.equal(parseIpAddress("::1.2.3.4")?.v4, false);
    assert.equal(parseIpAddress("1.2.3.4")?.v4, true);
  });

  test("dotted quads round-trip and order like their numeric value", () => {
    const quad = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    fc.assert(
      fc.property(quad, quad, (a, b) => {
        const num = (q: number[]): bigint =>
          BigInt(((q[0]! << 24) | (q[1]! << 16) | (q[2]! << 8) | q[3]!) >>> 0);
        const pa = parseIp(a.join("."));
        const pb = parseIp(b.join("."));
        assert.equal(pa, MAPPED | num(a));
        assert.equal(compareIp(pa!, pb!), Math.sign(Number(num(a) - num(b))));
      }),
    );
  });

  test("full and compressed IPv6 spellings of one address agree", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }), (words) => {
        const full = words.map((w) => w.toString(16)).join(":");
        const expected = words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
        assert.equal(parseIp(full), expected, full);
        assert.equal(parseIp(full.toUpperCase()), expected);
        // Compress the first run of zero hextets, if any.
        const zero = words.indexOf(0);
        if (zero >= 0) {
          let end = zero;
          while (end < 8 && words[end] === 0) end++;
          const left = words.slice(0, zero).map((w) => w.toString(16));
          const right = words.slice(end).map((w) => w.toString(16));
          if (left.length + right.length <= 6 || end - zero >= 1) {
            const compressed = `${left.join(":")}::${right.join(":")}`;
            if (left.length + right.length < 8) assert.equal(parseIp(compressed), expected, compressed);
          }
        }
      }),
    );
  });

  test("arbitrary strings never throw, and long inputs are linear", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const v = parseIp(s);
        assert.ok(v === null || (v >= 0n && v < 1n << 128n));
      }),
    );
    assert.equal(parseIp("1".repeat(300_000)), null);
    assert.equal(parseIp(":".repeat(300_000)), null);
    assert.equal(parseIp("1:".repeat(150_000)), null);
  });
});

describe("formatIp (how an ip doc value prints in a script)", () => {
  const rows: [string, string][] = [
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["10.0.0.1", "10.0.0.1"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ["::1.2.3.4", "::102:304"],
  ];
  for (const [input, printed] of rows) {
    test(`${input} prints as ${printed}`, () => assert.equal(formatIp(parseIp(input)!), printed));
  }
  test("printing then parsing gives the same address", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => {
        assert.equal(parseIp(formatIp(v)), v);
      }),
    );
  });
});

describe("javaDateToString (how a date doc value prints in a script)", () => {
  const rows: [number, string][] = [
    [Date.UTC(2017, 7, 30, 20, 47, 33), "2017-08-30T20:47:33Z"],
    [Date.UTC(2017, 7, 30, 20, 47), "2017-08-30T20:47Z"],
    [Date.UTC(2017, 7, 30, 20, 47, 0, 5), "2017-08-30T20:47:00.005Z"],
    [Date.UTC(2017, 7, 30, 20, 47, 33, 120), "2017-08-30T20:47:33.120Z"],
    [0, "1970-01-01T00:00Z"],
  ];
  for (const [ms, printed] of rows) {
    test(`${ms} prints as ${printed}`, () => assert.equal(javaDateToString(ms), printed));
  }
  test("what it prints parses back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (ms) => {
        assert.equal(parseDate(javaDateToString(ms)), ms);
      }),
    );
  });
});

describe("compareVersion (the version field type's order)", () => {
  // Each list is in ascending Elasticsearch order.
  const ORDERED: readonly (readonly string[])[] = [
    ["1.0.0", "1.2.0", "1.5.0", "1.11.3", "2.0.0", "10.0.0"],
    [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ],
    ["1.2", "1.2.0", "1.2.0.1", "1.3"],
    ["1.2.4-SNAPSHOT", "1.2.4"],
    ["1.0.0", "1.0.0+build.1", "1.0.0+build.2"],
    ["99.99.99", "", "01.2.3", "1.2.alpha.4", "bad"],
  ];
  for (const list of ORDERED) {
    test(list.map((v) => JSON.stringify(v)).join(" < "), () => {
      for (let i = 0; i < list.length; i++) {
        for (let j = 0; j < list.length; j++) {
          assert.equal(compareVersion(list[i]!, list[j]!), Math.sign(i - j), `${list[i]} vs ${list[j]}`);
        }
      }
    });
  }
  test("a digit run of 128 or more is refused, as Elasticsearch does", () => {
    assert.equal(encodeVersion(`1.${"9".repeat(128)}`), undefined);
    assert.ok(encodeVersion(`1.${"9".repeat(127)}`));
    assert.equal(indexedValue(`1.${"9".repeat(200)}`, "version"), undefined);
    assert.equal(indexedValue("1.2.3", "version"), "1.2.3");
  });
  test("the order is total and consistent with equality on arbitrary strings", () => {
    const v = fc.oneof(
      fc.stringMatching(
        /^[0-9]{1,3}(\.[0-9]{1,3}){0,3}(-[0-9a-z]{1,3}(\.[0-9a-z]{1,3}){0,2})?(\+[0-9a-z]{1,3})?$/,
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(v, v, v, (a, b, c) => {
        // === rather than assert.equal (Object.is): equal versions give 0, and -0 is the same order.
        assert.ok(compareVersion(a, b) === -compareVersion(b, a));
        assert.equal(compareVersion(a, b) === 0, a === b);
        if (compareVersion(a, b) <= 0 && compareVersion(b, c) <= 0) assert.ok(compareVersion(a, c) <= 0);
      }),
    );
  });
});

describe("parseIpRange (cidrMatch operands)", () => {
  const ok = (text: string, lower: bigint, upper: bigint): void => {
    const r = parseIpRange(text);
    assert.ok(typeof r !== "string", `${text}: ${String(r)}`);
    assert.equal(r.lower, lower, `${text} lower`);
    assert.equal(r.upper, upper, `${text} upper`);
  };
  test("IPv4 blocks cover their host bits, in the mapped space", () => {
    ok("10.0.0.0/8", MAPPED | 0x0a000000n, MAPPED | 0x0affffffn);
    ok("10.1.2.3/8", MAPPED | 0x0a000000n, MAPPED | 0x0affffffn);
    ok("10.0.0.1/32", MAPPED | 0x0a000001n, MAPPED | 0x0a000001n);
    ok("0.0.0.0/0", MAPPED, MAPPED | 0xffffffffn);
    ok("10.0.0.1", MAPPED | 0x0a000001n, MAPPED | 0x0a000001n);
    ok("10.0.0.0/+8", MAPPED | 0x0a000000n, MAPPED | 0x0affffffn);
    ok("10.0.0.0/٨", MAPPED | 0x0a000000n, MAPPED | 0x0affffffn); // Integer.parseInt reads Unicode digits
  });
  test("IPv6 blocks", () => {
    ok("::/0", 0n, (1n << 128n) - 1n);
    ok("2001:db8::/32", 0x20010db8n << 96n, (0x20010db8n << 96n) | ((1n << 96n) - 1n));
    ok("::1/128", 1n, 1n);
  });
  test("refusals, in Elasticsearch's words", () => {
    const bad: [string, RegExp][] = [
      ["10.0.0.0/33", /Illegal prefix length \[33\]/],
      ["2001:db8::/129", /Illegal prefix length \[129\]/],
      ["10.0.0.0/-1", /Illegal prefix length \[-1\]/],
      ["10.0.0.0/", /Expected \[ip\/prefix\]/],
      ["10.0.0.0//8", /Expected \[ip\/prefix\]/],
      ["10.0.0.0/ 8", /For input string/],
      ["::ffff:10.0.0.0/104", /IPv6-mapped IPv4/],
      ["10.0.0/8", /is not an IP string literal/],
    ];
    for (const [text, message] of bad) {
      const r = parseIpRange(text);
      assert.equal(typeof r, "string", text);
      assert.match(r as string, message, text);
    }
  });
});

/** [value, type, indexed value (undefined: malformed, counts as absent)] */
const INDEXED: readonly [unknown, EsFieldType, string | number | boolean | bigint | undefined][] = [
  ["abc", "keyword", "abc"],
  [42, "keyword", "42"],
  [true, "keyword", "true"],
  [{ a: 1 }, "keyword", undefined],
  ["x y", "wildcard", "x y"],
  [42, "long", 42],
  ["42", "long", 42],
  ["42.9", "long", 42],
  [42.9, "long", 42],
  [-42.9, "long", -42],
  ["1e3", "long", 1000],
  ["4x", "long", undefined],
  ["", "long", undefined],
  [true, "long", undefined],
  [2 ** 63, "long", undefined],
  [2 ** 31, "integer", undefined],
  [2 ** 31 - 1, "integer", 2 ** 31 - 1],
  [128, "byte", undefined],
  [-1, "unsigned_long", undefined],
  ["1.5", "double", 1.5],
  ["NaN", "double", undefined],
  [Number.POSITIVE_INFINITY, "float", undefined],
  [0.98, "float", Math.fround(0.98)],
  [0.98000001, "float", Math.fround(0.98)],
  [0.1, "double", 0.1],
  [1.0009765625, "half_float", 1.0009765625],
  [1.00048828125, "half_float", 1],
  [1.00146484375, "half_float", 1.001953125],
  [65520, "half_float", undefined],
  [65519, "half_float", 65504],
  [true, "boolean", true],
  ["false", "boolean", false],
  ["", "boolean", false],
  ["yes", "boolean", undefined],
  [1, "boolean", undefined],
  ["2017-08-30T20:47:33Z", "date", Date.UTC(2017, 7, 30, 20, 47, 33)],
  [1503412345000, "date", 1503412345000],
  ["not a date", "date", undefined],
  ["10.0.0.1", "ip", MAPPED | 0x0a000001n],
  ["10.0.0.256", "ip", undefined],
  [167772161, "ip", undefined],
  [null, "keyword", undefined],
  [{ lat: 1, lon: 2 }, "geo_point", undefined],
];

describe("indexedValue (what Elasticsearch indexes; malformed values count as absent)", () => {
  for (const [value, type, expected] of INDEXED) {
    test(`${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v))} as ${type} -> ${String(expected)}`, () => {
      assert.equal(indexedValue(value, type), expected);
    });
  }
});
