/** SentinelOne network (ip), DNS and URL events. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sentinelOneToEcs } from "../../src/sources/index.ts";
import { at, s1Base } from "./s1-records.ts";

function ipEvent(o: Record<string, unknown> = {}): Record<string, unknown> {
  return s1Base({
    "event.category": "ip",
    "event.type": "IP Connect",
    "event.network.direction": "OUTGOING",
    "event.network.connectionStatus": "SUCCESS",
    "event.network.protocolName": "TCP",
    "src.ip.address": "10.1.2.3",
    "src.port.number": 50123,
    "dst.ip.address": "198.51.100.7",
    "dst.port.number": "443",
    ...o,
  });
}

describe("SentinelOne network (ip) events", () => {
  const e = sentinelOneToEcs(ipEvent());
  test("an outgoing IP Connect: network / start, connection / connection_attempted / egress", () => {
    assert.deepEqual(at(e, "event.category"), ["network"]);
    assert.deepEqual(at(e, "event.type"), ["start", "connection"]);
    assert.deepEqual(at(e, "event.action"), ["connection_attempted"]);
    assert.equal(at(e, "network.direction"), "egress");
  });
  test("an incoming one is connection_accepted / ingress (direction compared exactly for the action)", () => {
    const x = sentinelOneToEcs(ipEvent({ "event.network.direction": "INCOMING", "event.type": "IPConnect" }));
    assert.deepEqual(at(x, "event.action"), ["connection_accepted"]);
    assert.equal(at(x, "network.direction"), "ingress");
    const lower = sentinelOneToEcs(ipEvent({ "event.network.direction": "incoming" }));
    assert.equal(at(lower, "event.action"), undefined);
    assert.equal(at(lower, "network.direction"), "ingress");
  });
  test("addresses and ports: ports as numbers, destination.address = destination.ip", () => {
    assert.equal(at(e, "source.ip"), "10.1.2.3");
    assert.equal(at(e, "source.port"), 50123);
    assert.equal(at(e, "destination.ip"), "198.51.100.7");
    assert.equal(at(e, "destination.address"), "198.51.100.7");
    assert.equal(at(e, "destination.port"), 443);
  });
  test("outcome and protocol are lower-cased; Blocked is unknown", () => {
    assert.equal(at(e, "event.outcome"), "success");
    assert.equal(at(e, "network.protocol"), "tcp");
    assert.equal(
      at(sentinelOneToEcs(ipEvent({ "event.network.connectionStatus": "Blocked" })), "event.outcome"),
      "unknown",
    );
    assert.equal(
      at(sentinelOneToEcs(ipEvent({ "event.network.connectionStatus": "FAILURE" })), "event.outcome"),
      "failure",
    );
  });
  test("an address that is not an IP is dropped and marks a pipeline error", () => {
    const x = sentinelOneToEcs(ipEvent({ "dst.ip.address": "not-an-ip" }));
    assert.equal(at(x, "destination.ip"), undefined);
    assert.equal(at(x, "event.kind"), "pipeline_error");
    assert.equal(
      at(sentinelOneToEcs(ipEvent({ "dst.ip.address": "010.1.1.1" })), "destination.ip"),
      undefined,
    );
    assert.equal(
      at(sentinelOneToEcs(ipEvent({ "dst.ip.address": "2001:db8::1" })), "destination.ip"),
      "2001:db8::1",
    );
    assert.equal(
      at(sentinelOneToEcs(ipEvent({ "dst.ip.address": "::ffff:1.2.3.4" })), "destination.ip"),
      "::ffff:1.2.3.4",
    );
  });
  test("other ip event types: connection only when both ends are complete, else info", () => {
    const listen = sentinelOneToEcs(ipEvent({ "event.type": "IP Listen" }));
    assert.deepEqual(at(listen, "event.type"), ["connection"]);
    assert.equal(at(listen, "event.action"), undefined);
    const r = ipEvent({ "event.type": "IP Listen" });
    delete r["dst.port.number"];
    assert.deepEqual(at(sentinelOneToEcs(r), "event.type"), ["info"]);
  });
});

function dnsEvent(o: Record<string, unknown> = {}): Record<string, unknown> {
  return s1Base({ "event.category": "dns", "event.type": "DNS Resolved", ...o });
}

describe("SentinelOne DNS events", () => {
  test("category network, type info+protocol, action lookup_requested", () => {
    const e = sentinelOneToEcs(dnsEvent({ "event.dns.request": "example.org" }));
    assert.deepEqual(at(e, "event.category"), ["network"]);
    assert.deepEqual(at(e, "event.type"), ["info", "protocol"]);
    assert.deepEqual(at(e, "event.action"), ["lookup_requested"]);
    assert.deepEqual(at(e, "dns"), { question: { name: "example.org" } });
  });
  test("'type: N name' requests give the record type name", () => {
    const e = sentinelOneToEcs(dnsEvent({ "event.dns.request": "type:  28 v6.example.org" }));
    assert.deepEqual(at(e, "dns.question"), { type: "AAAA", name: "v6.example.org" });
    const unknownType = sentinelOneToEcs(dnsEvent({ "event.dns.request": "type: 9999 x.example" }));
    assert.deepEqual(at(unknownType, "dns.question"), { name: "x.example" });
  });
  test("responses: typed answers, resolved IPs (IPv4-mapped made plain), non-IPs dropped", () => {
    const e = sentinelOneToEcs(
      dnsEvent({
        "event.dns.request": "type: 1 www.example.org",
        "event.dns.response": "type:  5 cdn.example.net;::ffff:203.0.113.9;2001:db8::5;garbage;;type: 1",
      }),
    );
    assert.deepEqual(at(e, "dns.answers"), [{ type: "CNAME", data: "cdn.example.net" }, { type: "A" }]);
    assert.deepEqual(at(e, "dns.resolved_ip"), ["203.0.113.9", "2001:db8::5"]);
  });
  test("an answer 'type:' with no number stops the script: no dns at all, pipeline error", () => {
    const e = sentinelOneToEcs(dnsEvent({ "event.dns.request": "a.example", "event.dns.response": "type:" }));
    assert.equal(at(e, "dns"), undefined);
    assert.equal(at(e, "event.kind"), "pipeline_error");
  });
  test("no request nor response: no dns", () => {
    assert.equal(at(sentinelOneToEcs(dnsEvent()), "dns"), undefined);
  });
});

describe("SentinelOne URL events", () => {
  test("url.* from url.address; destination.* from its host via the Public Suffix List", () => {
    const e = sentinelOneToEcs(
      s1Base({
        "event.category": "url",
        "url.address": "https://user:pw@a.b.example.co.uk:8443/p/x.php?q=1#f",
      }),
    );
    assert.deepEqual(at(e, "url"), {
      original: "https://user:pw@a.b.example.co.uk:8443/p/x.php?q=1#f",
      scheme: "https",
      domain: "a.b.example.co.uk",
      port: 8443,
      user_info: "user:pw",
      username: "user",
      password: "pw",
      path: "/p/x.php",
      extension: "php",
      query: "q=1",
      fragment: "f",
    });
    assert.deepEqual(at(e, "destination"), {
      address: "a.b.example.co.uk",
      domain: "a.b.example.co.uk",
      registered_domain: "example.co.uk",
      top_level_domain: "co.uk",
      subdomain: "a.b",
    });
    assert.equal(at(e, "event.category"), undefined);
  });
  test("a bare host has no path, no subdomain", () => {
    const e = sentinelOneToEcs(s1Base({ "event.category": "url", "url.address": "http://example.com" }));
    assert.equal(at(e, "url.path"), undefined);
    assert.deepEqual(at(e, "destination"), {
      address: "example.com",
      domain: "example.com",
      registered_domain: "example.com",
      top_level_domain: "com",
    });
  });
});

describe("SentinelOne URL hosts as Elasticsearch's registered_domain (HttpClient's matcher) reports them", () => {
  const dest = (u: string) =>
    at(sentinelOneToEcs(s1Base({ "event.category": "url", "url.address": u })), "destination");
  test("case is kept, suffixes matched case-insensitively", () => {
    assert.deepEqual(dest("http://WWW.Example.COM/"), {
      address: "WWW.Example.COM",
      domain: "WWW.Example.COM",
      registered_domain: "Example.COM",
      top_level_domain: "COM",
      subdomain: "WWW",
    });
  });
  test("no rule (unknown TLD, IPv4): the last two labels", () => {
    assert.deepEqual(dest("http://a.b.unknowntld/"), {
      address: "a.b.unknowntld",
      domain: "a.b.unknowntld",
      registered_domain: "b.unknowntld",
      top_level_domain: "unknowntld",
      subdomain: "a",
    });
    assert.deepEqual(dest("http://192.0.2.1/x"), {
      address: "192.0.2.1",
      domain: "192.0.2.1",
      registered_domain: "2.1",
      top_level_domain: "1",
      subdomain: "192.0",
    });
  });
  test("a single label or a bare suffix: domain and suffix only", () => {
    assert.deepEqual(dest("http://intranet/x"), {
      address: "intranet",
      domain: "intranet",
      top_level_domain: "intranet",
    });
    assert.deepEqual(dest("http://co.uk/"), { address: "co.uk", domain: "co.uk", top_level_domain: "co.uk" });
  });
  test("private suffixes count (github.io)", () => {
    assert.equal(
      (dest("https://x.y.github.io/") as { registered_domain: string }).registered_domain,
      "y.github.io",
    );
  });
  test("path, query and fragment are percent-decoded as java.net.URI does", () => {
    const e = sentinelOneToEcs(
      s1Base({ "event.category": "url", "url.address": "http://h.example/a%20b.txt?q=%41#f%2F" }),
    );
    assert.equal(at(e, "url.path"), "/a b.txt");
    assert.equal(at(e, "url.query"), "q=A");
    assert.equal(at(e, "url.fragment"), "f/");
    assert.equal(at(e, "url.extension"), "txt");
  });
  test("a malformed escape anywhere: every part as written (java.net.URL's parse)", () => {
    const e = sentinelOneToEcs(
      s1Base({ "event.category": "url", "url.address": "http://h.example/a%20b.txt?q=%41#%zz" }),
    );
    assert.equal(at(e, "url.path"), "/a%20b.txt");
    assert.equal(at(e, "url.query"), "q=%41");
    assert.equal(at(e, "url.fragment"), "%zz");
  });
});
