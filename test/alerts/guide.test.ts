import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { guideToPlainText, guideToSlack } from "../../src/alerts/guide.ts";

const NOTE = `## Triage and analysis

### Investigating curl to a raw IP

**curl** fetched a file. See [Elastic's guide](https://www.elastic.co/guide) or [this](javascript:alert(1)).

- Examine the **parent** process \`process.parent.executable\`.
- Ask the owner.

\`\`\`
SELECT * FROM processes;
\`\`\`
`;

describe("investigation guides (rule notes) for people", () => {
  test("plain text: headings, lists, code and links read without markup", () => {
    const { text, truncated } = guideToPlainText(NOTE, 4000, "full guide in the rule");
    assert.equal(truncated, false);
    const lines = text.split("\n");
    assert.equal(lines[0], "TRIAGE AND ANALYSIS");
    assert.ok(lines.includes("Investigating curl to a raw IP"));
    assert.ok(lines.includes("- Examine the parent process process.parent.executable."));
    assert.ok(lines.includes("    SELECT * FROM processes;"));
    assert.match(text, /See Elastic's guide \(https:\/\/www\.elastic\.co\/guide\) or this\./);
    assert.doesNotMatch(text, /javascript:|\*\*|##/);
  });

  test("Slack: bold headings, http(s) links only, code spans kept", () => {
    const { text } = guideToSlack(NOTE, 4000, "x");
    assert.ok(text.startsWith("*Triage and analysis*"));
    assert.match(text, /<https:\/\/www\.elastic\.co\/guide\|Elastic's guide>/);
    assert.match(text, /• Examine the \*parent\* process `process\.parent\.executable`\./);
    assert.doesNotMatch(text, /javascript:/);
  });

  test("hostile text in a guide stays inert: no mentions, no entities, no bidi", () => {
    const hostile = "Ping <!channel> and @here, then `<@U123>` \u202egnp.exe";
    const slack = guideToSlack(hostile, 4000, "x").text;
    assert.doesNotMatch(slack, /<!channel>|<@U123>|(^|[^\uff20])@here/);
    assert.match(slack, /&lt;!channel&gt;/);
    assert.match(slack, /\\u202e/);
    assert.match(guideToPlainText(hostile, 4000, "x").text, /\\u202e/);
  });

  test("a long guide is cut to fit with a pointer to the full text, and a Slack code block stays closed", () => {
    const long = `## Steps\n\n\`\`\`\n${"line of code\n".repeat(400)}\`\`\`\n`;
    for (const render of [guideToPlainText, guideToSlack]) {
      const { text, truncated } = render(long, 500, "full guide: rules/x.toml");
      assert.equal(truncated, true);
      assert.ok(text.length <= 500 + 40, `length ${text.length}`);
      assert.ok(text.endsWith("… full guide: rules/x.toml"));
    }
    const slack = guideToSlack(long, 500, "p").text;
    assert.equal((slack.match(/^```$/gm) ?? []).length % 2, 0);
  });
});
