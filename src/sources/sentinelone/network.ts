/**
 * Network-family event types: `ip` (pipeline-network-action.yml), `dns` (pipeline-dns.yml) and
 * `url` (pipeline-url.yml).
 */

import { longUnlessEmpty, mapContainer } from "./common.ts";
import { FAILED, isIp, toIp } from "./convert.ts";
import { append, child, type Doc, put } from "./doc.ts";
import { registeredDomain } from "./domain.ts";

const CONNECT: ReadonlySet<unknown> = new Set(["IPConnect", "IP Connect"]);

export function mapNetworkAction(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["network"];
  const type = raw.get("event.type");
  const direction = raw.get("event.network.direction");
  if (CONNECT.has(type)) {
    event.type = ["start", "connection"];
    if (direction === "OUTGOING") event.action = ["connection_attempted"];
    if (direction === "INCOMING") event.action = ["connection_accepted"];
  }
  mapContainer(d);
  const destination = child(root, "destination");
  const dstIp = toIp(raw.copy("dst.ip.address"));
  put(d, destination, "ip", dstIp);
  if (dstIp !== FAILED) put(d, destination, "address", dstIp);
  put(d, destination, "port", longUnlessEmpty(d, "dst.port.number"));

  const status = raw.get("event.network.connectionStatus");
  if (typeof status === "string") {
    if (status.toLowerCase() === "blocked") event.outcome = "unknown";
    if (status !== "" && event.outcome !== "unknown") event.outcome = status.toLowerCase();
  } else if (status !== undefined && status !== null) d.error = true; // lowercase of a non-string fails

  if (typeof direction === "string") {
    const dir = direction.toLowerCase();
    const network = child(root, "network");
    if (dir === "incoming") network.direction = "ingress";
    if (dir === "outgoing") network.direction = "egress";
  }
  const protocol = raw.get("event.network.protocolName");
  if (typeof protocol === "string") {
    if (protocol !== "") child(root, "network").protocol = protocol.toLowerCase();
  } else if (protocol !== undefined && protocol !== null) d.error = true;

  const source = child(root, "source");
  put(d, source, "ip", toIp(raw.copy("src.ip.address")));
  put(d, source, "port", longUnlessEmpty(d, "src.port.number"));

  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (
    (has(source.ip) || has(source.address)) &&
    has(source.port) &&
    (has(destination.ip) || has(destination.address)) &&
    has(destination.port)
  ) {
    append(event, "type", "connection");
  }
  if (event.type === undefined) event.type = ["info"];
}

/** DNS record type numbers as the pipeline's table names them. */
const DNS_TYPES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    "1": "A",
    "2": "NS",
    "3": "MD",
    "4": "MF",
    "5": "CNAME",
    "6": "SOA",
    "7": "MB",
    "8": "MG",
    "9": "MR",
    "10": "NULL",
    "11": "WKS",
    "12": "PTR",
    "13": "HINFO",
    "14": "MINFO",
    "15": "MX",
    "16": "TXT",
    "17": "RP",
    "18": "AFSDB",
    "19": "X25",
    "20": "ISDN",
    "21": "RT",
    "22": "NSAP",
    "23": "NSAPPTR",
    "24": "SIG",
    "25": "KEY",
    "26": "PX",
    "27": "GPOS",
    "28": "AAAA",
    "29": "LOC",
    "30": "NXT",
    "31": "EID",
    "32": "NIMLOC",
    "33": "SRV",
    "34": "ATMA",
    "35": "NAPTR",
    "36": "KX",
    "37": "CERT",
    "38": "A6",
    "39": "DNAME",
    "40": "SINK",
    "41": "OPT",
    "43": "DS",
    "46": "RRSIG",
    "47": "NSEC",
    "48": "DNSKEY",
    "49": "DHCID",
    "100": "UINFO",
    "101": "UID",
    "102": "GID",
    "103": "UNSPEC",
    "248": "ADDRS",
    "249": "TKEY",
    "250": "TSIG",
    "251": "IXFR",
    "252": "AXFR",
    "253": "MAILB",
    "254": "MAILA",
    "255": "ANY",
    "65281": "WINS",
    "65282": "WINSR",
  }),
);

const dnsType = (code: string): string | undefined =>
  Object.hasOwn(DNS_TYPES, code) ? DNS_TYPES[code] : undefined;

/** Java's `Pattern.split` with limit 0: trailing empty strings are removed. */
function javaSplit(s: string, re: RegExp): string[] {
  const parts = s.split(re);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

const JAVA_SPACE = /[ \t\n\x0B\f\r]+/;
const MAPPED_V4 = /^\[?::ffff:([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)(?:\](?::[0-9]+)?)?$/;

export function mapDns(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["network"];
  event.type = ["info", "protocol"];
  event.action = ["lookup_requested"];

  const request = raw.get("event.dns.request");
  const response = raw.get("event.dns.response");
  const hasReq = request !== undefined && request !== null && request !== "";
  const hasResp = response !== undefined && response !== null && response !== "";
  if (!hasReq && !hasResp) return;
  if ((hasReq && typeof request !== "string") || (hasResp && typeof response !== "string")) {
    d.error = true; // the script's String operations throw; dns stays unset
    return;
  }
  const dns: Record<string, unknown> = {};
  if (hasReq) {
    // "type: 1 example.com" -> A / example.com; anything else is the name as written.
    const parts = javaSplit(request as string, JAVA_SPACE);
    const question: Record<string, unknown> = {};
    if (parts.length === 3) {
      question.type = dnsType(parts[1]!);
      question.name = parts[2];
    } else question.name = request;
    dns.question = question;
  }
  if (hasResp) {
    const answers: Record<string, unknown>[] = [];
    const ips: string[] = [];
    for (const answer of javaSplit(response as string, /;/)) {
      if (answer === "") continue;
      if (answer.startsWith("type:")) {
        const parts = javaSplit(answer, JAVA_SPACE);
        if (parts.length < 2) {
          d.error = true; // "unexpected event.dns.response format": the script stops, dns unset
          return;
        }
        if (parts.length === 3) answers.push({ type: dnsType(parts[1]!), data: parts[2] });
        else answers.push({ type: dnsType(parts[1]!) });
      } else ips.push(answer);
    }
    if (answers.length > 0) dns.answers = answers;
    // IPv4-mapped IPv6 answers become plain IPv4; what is then not an IP address is dropped.
    const resolved = ips.map((ip) => ip.replace(MAPPED_V4, "$1")).filter(isIp);
    if (ips.length > 0) dns.resolved_ip = resolved;
  }
  root.dns = dns;
}

/**
 * `uri_parts` (java.net.URI's split of scheme, authority, path, query and fragment), then
 * `registered_domain` on the host.
 */
export function mapUrl(d: Doc): void {
  const { raw, root } = d;
  const address = raw.copy("url.address");
  if (address === undefined) return;
  const url = child(root, "url");
  url.original = address;
  if (typeof address !== "string") return;
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(
    address,
  );
  if (m === null || m[1] === undefined) {
    d.error = true; // a relative reference has no scheme: uri_parts fails
    return;
  }
  const [, scheme, authority, rawPath, rawQuery, rawFragment] = m;
  // java.net.URI's getters decode %XX escapes; a malformed escape anywhere makes URI refuse the
  // string, and java.net.URL (the fallback) returns every part as written.
  let decodes = true;
  const tryDecode = (part: string | undefined): void => {
    if (part === undefined || !decodes) return;
    try {
      decodeURIComponent(part);
    } catch {
      decodes = false;
    }
  };
  for (const part of [authority, rawPath, rawQuery, rawFragment]) tryDecode(part);
  const decode = (part: string | undefined): string | undefined =>
    part === undefined || !decodes ? part : decodeURIComponent(part);
  const path = decode(rawPath);
  const query = decode(rawQuery);
  const fragment = decode(rawFragment);
  url.scheme = scheme;
  if (authority !== undefined) {
    const at = authority.lastIndexOf("@");
    const userInfo = at >= 0 ? authority.slice(0, at) : undefined;
    const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
    const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
    if (pm !== null) {
      url.domain = pm[1];
      if (pm[2] !== undefined && pm[2] !== "") url.port = Number(pm[2]);
    }
    if (userInfo !== undefined) {
      url.user_info = decode(userInfo);
      const info = url.user_info as string;
      const colon = info.indexOf(":");
      url.username = colon >= 0 ? info.slice(0, colon) : info;
      if (colon >= 0) url.password = info.slice(colon + 1);
    }
  }
  if (path !== undefined && path !== "") {
    url.path = path;
    const lastSegment = path.slice(path.lastIndexOf("/") + 1);
    const dot = lastSegment.lastIndexOf(".");
    if (dot > -1) url.extension = lastSegment.slice(dot + 1);
  }
  if (query !== undefined) url.query = query;
  if (fragment !== undefined) url.fragment = fragment;

  if (typeof url.domain === "string" && url.domain !== "") {
    const destination = child(root, "destination");
    destination.address = url.domain;
    const rd = registeredDomain(url.domain);
    if (rd !== undefined) {
      destination.domain = url.domain;
      if (rd.registeredDomain !== undefined) destination.registered_domain = rd.registeredDomain;
      destination.top_level_domain = rd.topLevelDomain;
      if (rd.subdomain !== undefined) destination.subdomain = rd.subdomain;
    }
  }
}
