/**
 * Deterministic synthetic Elastic Defend-shaped NDJSON, gzip-compressed as it is produced.
 *
 * The documents follow the field set of real Defend file/process/network/DNS events with invented
 * values drawn from a seeded PRNG, so the same parameters always give the same bytes and the
 * cache key can be the parameters. The mix (issue 15: not file events only) is 3/8 process, 1/4
 * file, 1/4 network connections and 1/8 DNS lookups (which Defend files under event.category
 * network, with dns.* fields and action lookup_requested/lookup_result).
 * Every `plantEvery`-th record is a file creation under /etc/NetworkManager/dispatcher.d/;
 * odd-numbered plants are written by an excluded process (dpkg), even-numbered ones alert.
 * Some alerting plants spell the path in another case or with JSON `\/` escapes, so the
 * scanner's raw-byte prefilter has to be sound to find them all.
 */
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGzip, gzipSync } from "node:zlib";

/** Bump when the document shape changes, so cached files are regenerated. */
export const GENERATOR_VERSION = 5;

export type DatasetKind = "mixed" | "worst";

export interface DatasetParams {
  /** "mixed": realistic mix; "worst": every record carries the rule's literals and does not match. */
  readonly kind: DatasetKind;
  /** Target uncompressed size in bytes (the last record may overshoot by one record). */
  readonly bytes: number;
  readonly seed: number;
  readonly plantEvery: number;
}

export interface DatasetInfo extends DatasetParams {
  readonly file: string;
  readonly generatorVersion: number;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly records: number;
  readonly planted: number;
  /** 1-based ordinals of the records the seed rule must alert on. */
  readonly expectedAlerts: readonly number[];
  readonly generateMs: number;
}

/** sfc32: small, fast, good enough for test data, and identical on every platform. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  /** Uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX = "0123456789abcdef";

function randStr(rng: Prng, alphabet: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** Defend entity ids are base64 of "<agent id>-<pid>-<start time>". */
function entityId(agentId: string, pid: number, start: number): string {
  return Buffer.from(`${agentId}-${pid}-${start}`).toString("base64");
}

function uuid(rng: Prng): string {
  const h = randStr(rng, HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface Host {
  readonly agentId: string;
  readonly agentVersion: string;
  readonly hostId: string;
  readonly name: string;
  readonly ip: readonly string[];
  readonly mac: readonly string[];
  readonly os: Record<string, unknown>;
  readonly windows: boolean;
}

interface Proc {
  readonly executable: string;
  readonly name: string;
  readonly args: readonly string[];
}

const LINUX_OS = [
  {
    Ext: { variant: "Ubuntu" },
    family: "ubuntu",
    full: "Ubuntu 22.04.4",
    kernel: "5.15.0-105-generic",
    name: "Linux",
    platform: "ubuntu",
    type: "linux",
    version: "22.04.4",
  },
  {
    Ext: { variant: "Debian" },
    family: "debian",
    full: "Debian 12",
    kernel: "6.1.0-21-amd64",
    name: "Linux",
    platform: "debian",
    type: "linux",
    version: "12",
  },
  {
    Ext: { variant: "Red Hat Enterprise Linux" },
    family: "rhel",
    full: "Red Hat Enterprise Linux 9.3",
    kernel: "5.14.0-362.24.1.el9_3.x86_64",
    name: "Linux",
    platform: "rhel",
    type: "linux",
    version: "9.3",
  },
];

const WINDOWS_OS = {
  Ext: { variant: "Windows Server 2022 Datacenter" },
  family: "windows",
  full: "Windows Server 2022 Datacenter 21H2 (10.0.20348.2402)",
  kernel: "21H2 (10.0.20348.2402)",
  name: "Windows",
  platform: "windows",
  type: "windows",
  version: "21H2",
};

const LINUX_PROCS: readonly Proc[] = [
  { executable: "/usr/bin/bash", name: "bash", args: ["/bin/bash", "-c", "sleep 30; logrotate -f"] },
  { executable: "/usr/sbin/sshd", name: "sshd", args: ["sshd: deploy [priv]"] },
  { executable: "/usr/bin/python3.10", name: "python3.10", args: ["/usr/bin/python3", "/opt/app/worker.py"] },
  { executable: "/usr/sbin/nginx", name: "nginx", args: ["nginx: worker process"] },
  { executable: "/usr/bin/containerd", name: "containerd", args: ["/usr/bin/containerd"] },
  { executable: "/usr/lib/systemd/systemd-journald", name: "systemd-journald", args: ["systemd-journald"] },
  {
    executable: "/usr/sbin/NetworkManager",
    name: "NetworkManager",
    args: ["/usr/sbin/NetworkManager", "--no-daemon"],
  },
  {
    executable: "/usr/bin/curl",
    name: "curl",
    args: ["curl", "-fsS", "https://repo.example.internal/health"],
  },
  {
    executable: "/usr/bin/java",
    name: "java",
    args: ["/usr/bin/java", "-Xmx2g", "-jar", "/opt/svc/app.jar"],
  },
  { executable: "/usr/sbin/cron", name: "cron", args: ["/usr/sbin/cron", "-f"] },
  { executable: "/usr/bin/git", name: "git", args: ["git", "fetch", "--prune", "origin"] },
  { executable: "/usr/bin/node", name: "node", args: ["node", "/srv/api/dist/server.js"] },
];

const LINUX_PARENTS: readonly Proc[] = [
  { executable: "/usr/lib/systemd/systemd", name: "systemd", args: ["/sbin/init"] },
  { executable: "/usr/bin/bash", name: "bash", args: ["-bash"] },
  { executable: "/usr/sbin/cron", name: "cron", args: ["/usr/sbin/cron", "-f"] },
  {
    executable: "/usr/bin/containerd-shim-runc-v2",
    name: "containerd-shim-runc-v2",
    args: ["-namespace", "k8s.io"],
  },
];

const WINDOWS_PROCS: readonly Proc[] = [
  {
    executable: "C:\\Windows\\System32\\svchost.exe",
    name: "svchost.exe",
    args: ["svchost.exe", "-k", "netsvcs"],
  },
  {
    executable: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    name: "powershell.exe",
    args: ["powershell.exe", "-NoProfile", "-File", "C:\\ops\\inventory.ps1"],
  },
  {
    executable: "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    name: "OUTLOOK.EXE",
    args: [],
  },
  { executable: "C:\\Windows\\explorer.exe", name: "explorer.exe", args: ["C:\\Windows\\Explorer.EXE"] },
];

const WINDOWS_PARENT: Proc = {
  executable: "C:\\Windows\\System32\\services.exe",
  name: "services.exe",
  args: ["C:\\Windows\\system32\\services.exe"],
};

const LINUX_FILES = [
  "/var/log/nginx/access.log",
  "/tmp/tmp.Xk3b9Qz1/payload.json",
  "/home/deploy/.cache/pip/http/a/1/b/2/c3d4e5f6",
  "/etc/hosts",
  "/opt/app/releases/2024-05-01/config.yaml",
  "/var/lib/containerd/io.containerd.content.v1.content/ingest/ref",
  "/etc/NetworkManager/system-connections/eth0.nmconnection",
  "/srv/api/dist/server.js.map",
  "/var/spool/cron/crontabs/root",
  "/usr/share/doc/openssl/changelog.Debian.gz",
];

const WINDOWS_FILES = [
  "C:\\Users\\alice\\AppData\\Local\\Temp\\~DF3A2B.tmp",
  "C:\\Windows\\Prefetch\\POWERSHELL.EXE-022A1004.pf",
  "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\01",
  "C:\\Users\\bob\\Documents\\Q2 forecast.xlsx",
];

const USERS = ["root", "deploy", "www-data", "ubuntu", "svc-backup", "alice"];
const WINDOWS_USERS = ["SYSTEM", "alice", "bob", "NETWORK SERVICE"];
const FILE_TYPES: readonly (readonly [string, string])[] = [
  ["creation", "creation"],
  ["change", "modification"],
  ["change", "overwrite"],
  ["deletion", "deletion"],
  ["change", "rename"],
];
const DNS_NAMES = [
  "archive.ubuntu.com",
  "security.debian.org",
  "api.github.com",
  "registry-1.docker.io",
  "s3.us-east-1.amazonaws.com",
  "ntp.ubuntu.com",
  "packages.microsoft.com",
  "login.microsoftonline.com",
  "updates.example-corp.internal",
  "metrics.example-corp.internal",
];

const REMOTE_IPS = [
  "10.0.3.14",
  "10.0.7.201",
  "172.16.4.9",
  "52.94.133.131",
  "140.82.114.4",
  "35.186.224.25",
];

function makeHosts(rng: Prng): Host[] {
  const hosts: Host[] = [];
  for (let i = 0; i < 40; i++) {
    // Mostly Linux, as in a server fleet; a few Windows hosts keep the rule's os check honest.
    const windows = i % 10 === 9;
    const agentId = uuid(rng);
    hosts.push({
      agentId,
      agentVersion: rng.pick(["8.13.2", "8.14.1", "8.12.0"]),
      hostId: randStr(rng, HEX, 32),
      name: windows ? `WIN-SRV-${String(i).padStart(3, "0")}` : `ip-10-0-${rng.int(16)}-${rng.int(250)}`,
      ip: [`10.0.${rng.int(16)}.${rng.int(250)}`, `fe80::${randStr(rng, HEX, 4)}:${randStr(rng, HEX, 4)}`],
      mac: [Array.from({ length: 6 }, () => randStr(rng, HEX, 2).toUpperCase()).join("-")],
      os: windows ? WINDOWS_OS : rng.pick(LINUX_OS),
      windows,
    });
  }
  return hosts;
}

const EPOCH_MS = Date.UTC(2024, 4, 1, 0, 0, 0);

/** Builds one document; separate from the writer so the small-objects bench can reuse it. */
export class DefendDocs {
  private readonly rng: Prng;
  private readonly hosts: Host[];
  private seq = 184_000;

  constructor(seed: number) {
    this.rng = new Prng(seed);
    this.hosts = makeHosts(this.rng);
  }

  /** Record `ordinal` (1-based). `planted` > 0 makes it the n-th planted dispatcher.d creation. */
  doc(ordinal: number, kind: DatasetKind, planted: number): Record<string, unknown> {
    const rng = this.rng;
    const ms = EPOCH_MS + ordinal * 37 + rng.int(37);
    const ts = new Date(ms).toISOString();
    let host = rng.pick(this.hosts);
    if ((planted > 0 || kind === "worst") && host.windows) host = this.hosts[0]!;
    const drawn =
      planted > 0 || kind === "worst"
        ? "file"
        : rng.pick(["file", "file", "process", "process", "process", "network", "network", "dns"]);
    const category = drawn === "dns" ? "network" : drawn;
    const dataset = `endpoint.events.${category}`;
    const pid = 1000 + rng.int(60000);
    const ppid = 1 + rng.int(pid - 1);
    const start = 1714500000 + rng.int(86400);
    let proc = host.windows ? rng.pick(WINDOWS_PROCS) : rng.pick(LINUX_PROCS);
    const parent = host.windows ? WINDOWS_PARENT : rng.pick(LINUX_PARENTS);
    if (planted > 0) {
      proc =
        planted % 2 === 1
          ? { executable: "/usr/bin/dpkg", name: "dpkg", args: ["/usr/bin/dpkg", "--configure", "-a"] }
          : { executable: "/usr/bin/bash", name: "bash", args: ["bash", "-c", "cat > dispatch"] };
    }
    const userName = host.windows ? rng.pick(WINDOWS_USERS) : rng.pick(USERS);
    const userId = host.windows ? `S-1-5-21-${1000 + rng.int(9000)}` : String(rng.int(2000));

    let eventType: string[];
    let action: string;
    let extra: Record<string, unknown>;
    if (category === "file") {
      let path: string;
      if (planted > 0) {
        path = `/etc/NetworkManager/dispatcher.d/${String(planted).padStart(2, "0")}-ifup-hook`;
        eventType = ["creation"];
        action = "creation";
      } else if (kind === "worst") {
        path = `/etc/NetworkManager/dispatcher.d/${rng.pick(["01-ifupdown", "99-tlp-rdw-nm", "hook.sh"])}`;
        eventType = ["change"];
        action = "modification";
      } else {
        path = host.windows ? rng.pick(WINDOWS_FILES) : rng.pick(LINUX_FILES);
        const ft = rng.pick(FILE_TYPES);
        eventType = [ft[0]];
        action = ft[1];
      }
      const sep = host.windows ? "\\" : "/";
      const name = path.slice(path.lastIndexOf(sep) + 1);
      const dot = name.lastIndexOf(".");
      const file: Record<string, unknown> = {
        Ext: { entropy: rng.int(800) / 100 },
        hash: { sha256: randStr(rng, HEX, 64) },
        name,
        path,
        size: rng.int(200000),
      };
      if (dot > 0) file["extension"] = name.slice(dot + 1);
      extra = { file, message: "Endpoint file event" };
    } else if (category === "process") {
      const t = rng.pick(["start", "end"]);
      eventType = [t];
      action = t === "start" ? "exec" : "end";
      extra = { message: "Endpoint process event" };
    } else if (drawn === "dns") {
      const request = rng.chance(0.5);
      eventType = ["protocol", "info"];
      action = request ? "lookup_requested" : "lookup_result";
      const name = rng.pick(DNS_NAMES);
      extra = {
        dns: {
          question: { name, type: rng.pick(["A", "A", "AAAA", "TXT"]) },
          ...(request ? {} : { resolved_ip: [rng.pick(REMOTE_IPS)] }),
        },
        network: { protocol: "dns" },
        message: "Endpoint DNS event",
      };
    } else {
      const connect = rng.chance(0.5);
      eventType = [connect ? "start" : "end", "connection"];
      action = connect ? "connection_attempted" : "disconnect_received";
      const dst = rng.pick(REMOTE_IPS);
      const sport = 32768 + rng.int(28000);
      extra = {
        destination: { address: dst, ip: dst, port: rng.pick([443, 443, 80, 5432, 6379, 22]) },
        source: { address: host.ip[0], ip: host.ip[0], port: sport },
        network: { direction: "egress", transport: "tcp", type: "ipv4" },
        message: "Endpoint network event",
      };
    }

    const args = proc.args.length > 0 ? proc.args : [proc.executable];
    const ancestry: string[] = [];
    for (let i = 0, n = 1 + rng.int(2); i < n; i++)
      ancestry.push(entityId(host.agentId, ppid - i, start - i));
    const doc: Record<string, unknown> = {
      "@timestamp": ts,
      agent: { id: host.agentId, type: "endpoint", version: host.agentVersion },
      data_stream: { dataset, namespace: "default", type: "logs" },
      ecs: { version: "8.10.0" },
      elastic: { agent: { id: host.agentId } },
      event: {
        action,
        category: [category],
        dataset,
        id: randStr(rng, B64, 24),
        kind: "event",
        module: "endpoint",
        outcome: "unknown",
        sequence: this.seq++,
        type: eventType,
      },
      host: {
        hostname: host.name,
        id: host.hostId,
        ip: host.ip,
        name: host.name,
        os: host.os,
        uptime: rng.int(9_000_000),
      },
      ...extra,
      process: {
        Ext: { ancestry },
        args,
        args_count: args.length,
        command_line: args.join(" "),
        entity_id: entityId(host.agentId, pid, start),
        executable: proc.executable,
        name: proc.name,
        parent: {
          entity_id: ancestry[0],
          executable: parent.executable,
          name: parent.name,
          pid: ppid,
        },
        pid,
        start: new Date((start - rng.int(86400)) * 1000 + rng.int(1000)).toISOString(),
      },
      user: { id: userId, name: userName },
    };
    if (category !== "file") {
      (doc["host"] as Record<string, unknown>)["mac"] = host.mac;
      (doc["host"] as Record<string, unknown>)["architecture"] = "x86_64";
    }
    return doc;
  }
}

/** The NDJSON line of a planted record, with the spelling variants that test the prefilter. */
function plantedLine(doc: Record<string, unknown>, planted: number): string {
  let line = JSON.stringify(doc);
  if (planted % 2 === 0) {
    const path = (doc["file"] as { path: string }).path;
    if (planted % 6 === 2) {
      // like~ is case-insensitive: the rule must still match an upper-case spelling.
      line = line.replace(
        `"path":"${path}"`,
        `"path":"${path.replace("/etc/NetworkManager", "/ETC/networkmanager")}"`,
      );
    } else if (planted % 6 === 4) {
      // Valid JSON that spells "/" as "\/": a prefilter over raw bytes must not miss it.
      line = line.replace(`"path":"${path}"`, `"path":"${path.replaceAll("/", "\\/")}"`);
    }
  }
  return line;
}

export function datasetFile(dir: string, p: DatasetParams): string {
  const mb = Math.round(p.bytes / 1e6);
  return join(
    dir,
    `defend-${p.kind}-${mb}MB-seed${p.seed}-plant${p.plantEvery}-v${GENERATOR_VERSION}.ndjson.gz`,
  );
}

/**
 * Writes the dataset (or reuses a complete cached copy). Memory stays bounded: lines are
 * batched into ~1 MiB strings and written through gzip with backpressure.
 */
export async function ensureDataset(
  dir: string,
  p: DatasetParams,
  log: (s: string) => void,
): Promise<DatasetInfo> {
  await mkdir(dir, { recursive: true });
  const file = datasetFile(dir, p);
  const metaFile = `${file}.json`;
  try {
    const meta = JSON.parse(await readFile(metaFile, "utf8")) as DatasetInfo;
    if (meta.generatorVersion === GENERATOR_VERSION) return { ...meta, file };
  } catch {
    // No complete cached copy: generate it.
  }
  log(`generating ${file} (${(p.bytes / 1e6).toFixed(0)} MB uncompressed, gzip -6) ...`);
  const t0 = performance.now();
  const tmp = `${file}.tmp`;
  const gzip = createGzip({ level: 6 });
  const out = createWriteStream(tmp);
  gzip.pipe(out);
  const docs = new DefendDocs(p.seed);
  const expected: number[] = [];
  let bytes = 0;
  let records = 0;
  let planted = 0;
  let batch = "";
  while (bytes < p.bytes) {
    records++;
    const plant = records % p.plantEvery === 0 ? ++planted : 0;
    const doc = docs.doc(records, p.kind, plant);
    const line = (plant > 0 ? plantedLine(doc, plant) : JSON.stringify(doc)) + "\n";
    if (plant > 0 && plant % 2 === 0) expected.push(records);
    bytes += Buffer.byteLength(line);
    batch += line;
    if (batch.length >= 1 << 20) {
      if (!gzip.write(batch)) await once(gzip, "drain");
      batch = "";
    }
  }
  gzip.end(batch);
  await once(out, "close");
  const { size } = await import("node:fs/promises").then((m) => m.stat(tmp));
  await rename(tmp, file);
  const info: DatasetInfo = {
    ...p,
    file,
    generatorVersion: GENERATOR_VERSION,
    uncompressedBytes: bytes,
    compressedBytes: size,
    records,
    planted,
    expectedAlerts: expected,
    generateMs: Math.round(performance.now() - t0),
  };
  await writeFile(metaFile, JSON.stringify(info, null, 2));
  log(
    `  ${records} records, ${(bytes / records).toFixed(0)} B each, ${(size / 1e6).toFixed(1)} MB gzip, ` +
      `${planted} planted, in ${(info.generateMs / 1000).toFixed(1)} s`,
  );
  return info;
}

/** Removes a half-written file left by an interrupted run. */
export async function removePartial(dir: string, p: DatasetParams): Promise<void> {
  await rm(`${datasetFile(dir, p)}.tmp`, { force: true });
}

/** ~1 KB single-record objects, gzip-compressed: the many-small-objects case (one Lambda per PUT). */
function makeSmallObjects(n: number, seed: number): Buffer[] {
  const docs = new DefendDocs(seed);
  const out: Buffer[] = [];
  for (let i = 1; i <= n; i++) {
    const d = docs.doc(i, "mixed", i % 100 === 0 ? i / 50 : 0) as Record<string, Record<string, unknown>>;
    // Trim to about 1 KB while keeping every field the rule reads.
    delete d["elastic"];
    delete d["data_stream"];
    delete d["agent"];
    delete d["process"]!["Ext"];
    delete d["process"]!["entity_id"];
    delete d["process"]!["args"];
    const os = d["host"]!["os"] as Record<string, unknown>;
    d["host"]!["os"] = { type: os["type"], family: os["family"], name: os["name"], version: os["version"] };
    out.push(gzipSync(JSON.stringify(d) + "\n", { level: 6 }));
  }
  return out;
}

/** Writes (once) `n` small gzip objects to one file, each preceded by its length (u32 LE). */
export async function ensureSmallObjects(dir: string, n: number, seed: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `small-${n}-seed${seed}-v${GENERATOR_VERSION}.bin`);
  try {
    await readFile(`${file}.done`);
    return file;
  } catch {
    // not yet written
  }
  const parts: Buffer[] = [];
  for (const o of makeSmallObjects(n, seed)) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(o.length);
    parts.push(len, o);
  }
  await writeFile(file, Buffer.concat(parts));
  await writeFile(`${file}.done`, "");
  return file;
}

export function readSmallObjects(file: string): Buffer[] {
  const all = readFileSync(file);
  const out: Buffer[] = [];
  for (let p = 0; p + 4 <= all.length; ) {
    const len = all.readUInt32LE(p);
    out.push(all.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return out;
}
