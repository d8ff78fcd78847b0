/**
 * Figures for docs/sources.md (not a timed test): cost of toEcs per record for each source and
 * each SentinelOne event type, with the index routing it now includes.
 * Run: npx tsx test/bench/toecs.ts
 */
import { toEcs } from "../../src/sources/index.ts";
import { readJson, readRecords } from "../sources/helpers.ts";
import { s1Base } from "../sources/s1-records.ts";

const s1 = (category: string, extra: Record<string, unknown>): Record<string, unknown> =>
  s1Base({ "event.category": category, ...extra });

const samples: [string, Record<string, unknown>][] = [
  ["defend (file)", readJson("linux_file_create.SYNTHETIC.json")],
  ["endgame (ECS)", readRecords("endgame_linux_dispatcher.SYNTHETIC.ndjson")[0]!],
  ["endgame (legacy)", readRecords("endgame_linux_dispatcher.SYNTHETIC.ndjson")[1]!],
  ["unknown", { file: { path: "/etc/x" }, event: { category: "file" } }],
  ["s1 file (real 2.0)", readRecords("linux_dispatcher_file_creation.SYNTHETIC.ndjson")[0]!],
  [
    "s1 process",
    s1("process", {
      "event.type": "ProcessCreation",
      "meta.event.name": "PROCESSCREATION",
      "tgt.process.name": "powershell.exe",
      "tgt.process.image.path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
      "tgt.process.cmdline": '"powershell.exe" -nop -w hidden -enc SQBFAFgA',
      "tgt.process.pid": 7777,
      "tgt.process.uid": "TGT",
      "tgt.process.user": "CORP\\bob",
      "tgt.process.signedStatus": "signed",
    }),
  ],
  [
    "s1 file",
    s1("file", { "event.type": "FileCreation", "tgt.file.path": "C:\\Users\\a\\x.ps1", "tgt.file.size": 10 }),
  ],
  [
    "s1 ip",
    s1("ip", {
      "event.type": "IP Connect",
      "event.network.direction": "OUTGOING",
      "event.network.connectionStatus": "SUCCESS",
      "src.ip.address": "10.0.0.1",
      "src.port.number": 5000,
      "dst.ip.address": "198.51.100.1",
      "dst.port.number": 443,
    }),
  ],
  [
    "s1 dns",
    s1("dns", {
      "event.type": "DNS Resolved",
      "event.dns.request": "type: 1 www.example.org",
      "event.dns.response": "type:  5 cdn.example.net;::ffff:203.0.113.9;",
    }),
  ],
  ["s1 url", s1("url", { "url.address": "https://a.b.example.co.uk/p/x.php?q=1" })],
  [
    "s1 registry",
    s1("registry", {
      "event.type": "RegistryValueCreate",
      "meta.event.name": "REGVALUECREATE",
      "registry.keyPath": "MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\u",
    }),
  ],
  [
    "s1 logins",
    s1("logins", {
      "event.type": "Login",
      "event.login.userName": "bob",
      "src.endpoint.ip.address": "192.0.2.1",
    }),
  ],
  [
    "s1 cross_process",
    s1("cross_process", { "event.type": "OpenRemoteProcessHandle", "tgt.process.user": "X\\y" }),
  ],
  ["s1 module", s1("module", { "event.type": "ModuleLoad", "module.path": "C:\\x.dll" })],
];

function bench(fn: () => unknown, n: number): number {
  for (let i = 0; i < n / 10; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t) / n);
  }
  runs.sort((a, b) => a - b);
  return runs[3]!;
}

// JSON.parse of the same line as a yardstick: the reader parses every candidate record anyway,
// and the ratio stays meaningful on a busy machine where absolute figures do not.
console.log("record                  bytes   toEcs+index ns   JSON.parse ns   toEcs/parse");
for (const [name, rec] of samples) {
  const line = JSON.stringify(rec);
  const ns = bench(() => toEcs(rec, "auto"), 20_000);
  const parse = bench(() => JSON.parse(line), 20_000);
  console.log(
    `${name.padEnd(22)} ${String(line.length).padStart(6)} ${ns.toFixed(0).padStart(16)} ${parse.toFixed(0).padStart(15)} ${(ns / parse).toFixed(2).padStart(13)}`,
  );
}
