import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSequenceAlert, type SequenceAlert } from "../../src/alerts/index.ts";
import { joinKeysText, sequenceStorySlack, sequenceStoryText } from "../../src/alerts/sequence-render.ts";
import { parseRule } from "../../src/rules/index.ts";
import { correlate, projectStep } from "../../src/scan/index.ts";
import { chmod, DROPPER, ran, tomlRule, wrote } from "../scan/sequence-fixtures.ts";

const rule = parseRule(tomlRule("dropper", DROPPER), "d.toml");

function story(recs: readonly Record<string, unknown>[]): SequenceAlert {
  const steps = recs.map((e, i) => ({
    rule,
    event: projectStep(rule, e),
    uri: "s3://b/o.ndjson",
    record: i + 1,
  }));
  const a = correlate(rule, steps).alerts[0];
  assert.ok(a !== undefined && isSequenceAlert(a));
  return a;
}

describe("sequence story", () => {
  test("curl wrote /tmp/x, chmod +x /tmp/x ran, /tmp/x ran (in order, with time, host and place)", () => {
    const a = story([wrote("h1", "/tmp/x", 1), chmod("h1", "/tmp/x", 3), ran("h1", "/tmp/x", 4)]);
    const lines = sequenceStoryText(a);
    assert.equal(lines.length, 3);
    assert.match(
      lines[0]!,
      /^1\. curl wrote \/tmp\/x - 2026-11-30T10:00:01\.000Z on h1\.example \(s3:\/\/b\/o\.ndjson record 1\)$/,
    );
    assert.match(lines[1]!, /^2\. chmod \+x \/tmp\/x ran - /);
    assert.match(lines[2]!, /^3\. \/tmp\/x ran - .*record 3\)$/);
    assert.equal(joinKeysText(a), "h1, /tmp/x");
  });

  test("attacker strings are escaped (controls in text; mentions and markup inert in Slack)", () => {
    const evil = "/tmp/x\u001b[2J<!channel>@here`";
    const a = story([wrote("h1", evil, 1), chmod("h1", evil, 3), ran("h1", evil, 4)]);
    const text = sequenceStoryText(a).join("\n");
    assert.ok(!text.includes("\u001b"));
    assert.match(text, /\\x1b\[2J/);
    const slack = sequenceStorySlack(a).join("\n");
    assert.ok(!slack.includes("<!channel>"));
    assert.ok(!slack.includes("@here"));
    assert.match(slack, /&lt;!channel&gt;/);
  });
});

describe("CLI text rendering of a sequence alert", () => {
  test("renderText tells the story after the alert's header", async () => {
    const { renderText } = await import("../../src/alerts/index.ts");
    const a = story([wrote("h1", "/tmp/x", 1), chmod("h1", "/tmp/x", 3), ran("h1", "/tmp/x", 4)]);
    const out = renderText(a);
    assert.match(
      out,
      /\n {2}sequence by h1, \/tmp\/x:\n {4}1\. curl wrote \/tmp\/x .*\n {4}2\. chmod \+x \/tmp\/x ran .*\n {4}3\. \/tmp\/x ran /,
    );
  });
});

describe("email and Slack messages of a sequence alert", () => {
  test("the email lists the story under the hit; the Slack description too, values inert", async () => {
    const { renderChatbot, renderEmail } = await import("../../src/alerts/render.ts");
    const { OBJECT } = await import("../fixtures/lambda/alerts.ts");
    const evil = "/tmp/x<!channel>";
    const a = story([wrote("h1", evil, 1), chmod("h1", evil, 3), ran("h1", evil, 4)]);
    const base = {
      id: "0123456789abcdef0123456789abcdef",
      object: OBJECT,
      rule: a.rule,
      alerts: [a],
      part: 1,
      parts: 1,
    };
    const email = renderEmail(base);
    assert.match(
      email,
      /WHAT WAS DETECTED\nSequence by h1, \/tmp\/x<!channel>:\n1\. curl wrote \/tmp\/x<!channel> - /,
    );
    assert.match(email, /\n2\. chmod \+x \/tmp\/x<!channel> ran - /);
    const slack = JSON.parse(renderChatbot(base)).content.description as string;
    assert.match(slack, /\n {4}1\. `curl` wrote `\/tmp\/x&lt;!channel&gt;` - /);
    assert.ok(!slack.includes("<!channel>"));
  });
});
