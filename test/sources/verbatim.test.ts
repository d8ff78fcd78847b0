/**
 * What the raw-text prefilter may rely on: outside SENTINELONE_DERIVED_FIELDS, every value a
 * SentinelOne view holds is a raw value or a piece of one, except that runs of backslashes are
 * halved and process.args pieces lose the quotes the split consumed. So every maximal piece of
 * a view string without `\` (and, for args, without `"`) occurs, JSON-escaped, in the raw text.
 * Numbers and booleans are not checked: the prefilter never derives literals from them.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fieldType } from "../../src/eql/field-types.ts";
import { compileQuery, NON_VERBATIM_FIELDS } from "../../src/eql/index.ts";
import { createRawPrefilter } from "../../src/scan/prefilter/index.ts";
import { SENTINELONE_DERIVED_FIELDS, sentinelOneToEcs } from "../../src/sources/index.ts";
import { readRecords } from "./helpers.ts";
import { s1Base } from "./s1-records.ts";

function leaves(node: unknown, path: string, out: [string, string][]): void {
  if (node === null || node === undefined) return;
  if (Array.isArray(node)) for (const x of node) leaves(x, path, out);
  else if (typeof node === "object") {
    for (const [k, x] of Object.entries(node)) {
      const p = path === "" ? k : `${path}.${k}`;
      if (p !== "sentinel_one_cloud_funnel") leaves(x, p, out);
    }
  } else if (typeof node === "string") out.push([path, node]);
}

const records: [string, Record<string, unknown>][] = [
  ...[
    "linux_dispatcher_file_creation.SYNTHETIC.ndjson",
    "file_filecreation_noext.raw.ndjson",
    "file_filerename.raw.ndjson",
    "linux_process_processcreation.raw.ndjson",
  ].flatMap((f) => readRecords(f).map((r, i): [string, Record<string, unknown>] => [`${f}#${i + 1}`, r])),
  ...["process", "file", "ip", "dns", "url", "registry", "logins", "cross_process", "command_script"].map(
    (c): [string, Record<string, unknown>] => [
      `hand-written ${c}`,
      s1Base({
        "event.category": c,
        "event.type": "X",
        "src.process.image.path": "\\\\srv\\\\share\\\\t.exe",
        "src.process.cmdline": 'a "b c" d\\"e',
        "tgt.process.cmdline": '"C:\\x y\\z.exe" -q',
        "tgt.file.path": "c:\\a\\b.txt",
        "event.dns.request": "type: 1 x.example",
        "event.dns.response": "::ffff:192.0.2.1;type: 5 y.example",
        "url.address": "https://a.example.org/p%20q.php?x=%41",
        "registry.keyPath": "MACHINE\\SOFTWARE\\k\\v",
        "event.network.direction": "OUTGOING",
        "event.network.protocolName": "TCP",
        "event.login.userName": "bob",
      }),
    ],
  ),
];

describe("SentinelOne views hold raw values verbatim outside SENTINELONE_DERIVED_FIELDS", () => {
  for (const [name, r] of records) {
    test(name, () => {
      const raw = JSON.stringify(r);
      const out: [string, string][] = [];
      leaves(sentinelOneToEcs(r), "", out);
      assert.ok(out.length > 5);
      for (const [path, value] of out) {
        if (SENTINELONE_DERIVED_FIELDS.includes(path)) continue;
        for (const piece of value.split(/\\+/)) {
          if (piece === "") continue;
          const escaped = JSON.stringify(piece).slice(1, -1);
          assert.ok(raw.includes(escaped), `${name}: ${path}=${value}: ${piece} is not in the raw record`);
        }
      }
    });
  }
  test("derived fields really are derived in these records (the list is not padding)", () => {
    const e = sentinelOneToEcs(records.find(([n]) => n === "hand-written ip")![1]);
    assert.equal((e as { network: { direction: string } }).network.direction, "egress");
  });
});

describe("the raw prefilter passes SentinelOne records whose view a rule on a derived field matches", () => {
  const ip = s1Base({
    "event.category": "ip",
    "event.type": "IP Connect",
    "event.network.direction": "OUTGOING",
    "event.network.protocolName": "TCP",
    "event.network.connectionStatus": "SUCCESS",
    "src.ip.address": "10.0.0.1",
    "src.port.number": 5000,
    "dst.ip.address": "198.51.100.1",
    "dst.port.number": 4444,
  });
  const file = s1Base({
    "event.category": "file",
    "event.type": "FileCreation",
    "tgt.file.path": "c:\\x\\y.exe",
  });
  const dns = s1Base({ "event.category": "dns", "event.dns.request": "type: 28 host.example" });
  const url = s1Base({ "event.category": "url", "url.address": "http://h.example/a%20b.hta" });
  const cases: [string, Record<string, unknown>][] = [
    [
      'network where network.direction == "egress" and network.protocol == "tcp" and destination.port == 4444',
      ip,
    ],
    ['network where event.action == "connection_attempted" and event.outcome == "success"', ip],
    ['file where file.drive_letter == "C" and file.name == "y.exe"', file],
    ['network where dns.question.type == "AAAA" and dns.question.name == "host.example"', dns],
    ['any where url.path == "/a b.hta" and url.extension == "hta"', url],
  ];
  for (const [query, record] of cases) {
    test(query, () => {
      const compiled = compileQuery(query);
      const view = sentinelOneToEcs(record);
      assert.equal(compiled.matches(view), true);
      const text = Buffer.from(JSON.stringify(record));
      assert.equal(createRawPrefilter([compiled.prefilter]).test(text, 0, text.length), true);
    });
  }
});

describe("the engine's list of fields a source derives covers the SentinelOne view's", () => {
  // src/eql cannot import src/sources (imports run one way), so the engine keeps its own list
  // (NON_VERBATIM_FIELDS) of fields whose values are not verbatim in a raw record: every derived
  // field that could give a literal (keyword-like or untyped) must be on it.
  test("every derived keyword-like field is non-verbatim for the engine", () => {
    const textual = (t: string | undefined) =>
      t === undefined || ["keyword", "constant_keyword", "wildcard", "text", "match_only_text"].includes(t);
    // The args are split from the command line: their pieces are raw text (tested above).
    const pieces = ["process.args", "process.parent.args"];
    const missing = SENTINELONE_DERIVED_FIELDS.filter(
      (f) => textual(fieldType(f)) && !pieces.includes(f) && !NON_VERBATIM_FIELDS.includes(f),
    );
    assert.deepEqual(missing, []);
  });
});
