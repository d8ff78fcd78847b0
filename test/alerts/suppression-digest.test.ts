import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { planSuppressionDigest } from "../../src/alerts/index.ts";

describe("the suppression digest", () => {
  const digest = planSuppressionDigest({
    rule: { id: "r1", name: "Beacon @here [click](https://evil.example)", severity: "high" },
    object: { uri: "s3://b/k.ndjson.gz", version: "v1" },
    windowMs: 3_600_000,
    groups: [
      { group: { "host.name": ["web-1"] }, count: 12 },
      { group: { "host.name": null }, count: 3 },
    ],
  });
  const body = JSON.parse(digest.message) as Record<string, string>;

  test("counts every group, names the window, and has a deterministic id per rule and object", () => {
    const json = JSON.parse(body.default!) as { suppressed: number; groups: unknown[]; window_ms: number };
    assert.equal(json.suppressed, 15);
    assert.equal(json.groups.length, 2);
    assert.equal(json.window_ms, 3_600_000);
    assert.match(body.email!, /15 alerts of this rule .* were held back/s);
    assert.match(body.email!, /one alert per group per 1 h/);
    assert.match(body.email!, /\s12 {2}host\.name=web-1\n\s+3 {2}host\.name=\(missing\)/);
    const again = planSuppressionDigest({
      rule: { id: "r1", name: "x", severity: "high" },
      object: { uri: "s3://b/k.ndjson.gz", version: "v1" },
      windowMs: null,
      groups: [],
    });
    assert.equal(again.id, digest.id);
  });

  test("a hostile rule name makes no mention and no link in Slack, and the subject stays printable ASCII", () => {
    const slack = JSON.parse(body.https!) as { content: { title: string; description: string } };
    assert.doesNotMatch(slack.content.title, /(^|[^\uff20])@here|\[click\]\(/);
    assert.match(digest.subject, /^[\x20-\x7e]+$/);
  });
});
