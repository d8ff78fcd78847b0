import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { escapeControls, renderText, safeText } from "../../src/alerts/index.ts";
import { RunTotals, summaryText } from "../../src/cli/progress.ts";

describe("CLI text rendering: the same sanitiser as email and Slack", () => {
  test("safeText escapes controls, separators, bidi and zero-width characters, and cuts long values", () => {
    assert.equal(safeText("a\u001b[31mred\r\nb\u0000\u2028"), "a\\x1b[31mred\\r\\nb\\x00\\u2028");
    // The classic filename trick: "evil\u202Etxt.exe" reads as "evilexe.txt" in a terminal.
    assert.equal(safeText("evil\u202etxt.exe"), "evil\\u202etxt.exe");
    assert.equal(safeText("a\u200bb\u2066c\ufeff"), "a\\u200bb\\u2066c\\ufeff");
    assert.match(safeText("x".repeat(10), 4), /^xxxx…\[\+6 chars\]$/);
    // One sanitiser: the terminal shows exactly what the email shows.
    const hostile = "/tmp/\u202e\u200d\u001b]0;x\u0007";
    assert.equal(safeText(hostile), escapeControls(hostile));
  });

  test("an alert with hostile values renders on clean lines", () => {
    const text = renderText({
      id: "abc",
      rule: { id: "r\u001b]0;pwned\u0007", name: "N\r", severity: "low", risk_score: 21, threat: [] },
      source: { uri: "s3://b/k\n", record: 3 },
      event: { "file.path": "/etc/\u001b[2Jx\u202e", "process.args": ["a\nb", "c"] },
      raw: {},
    });
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    assert.match(text, /file\.path {5}\/etc\/\\x1b\[2Jx\\u202e/);
    assert.match(text, /process\.args {2}a\\nb, c/);
    assert.match(text, /object: {2}s3:\/\/b\/k\\n record 3/);
  });

  test("MITRE line: the shared formatter (tactic, technique and sub-technique names)", () => {
    const text = renderText({
      id: "abc",
      rule: {
        id: "r",
        name: "N",
        severity: "low",
        risk_score: 21,
        threat: [
          {
            framework: "MITRE ATT&CK",
            tactic: { id: "TA0003", name: "Persistence", reference: "" },
            technique: [
              {
                id: "T1543",
                name: "Create or Modify System Process",
                reference: "",
                subtechnique: [{ id: "T1543.002", name: "Systemd Service", reference: "" }],
              },
            ],
          },
        ],
      },
      source: { uri: "f", record: 1 },
      event: {},
      raw: {},
    } as Parameters<typeof renderText>[0]);
    assert.match(
      text,
      /att&ck: {2}TA0003 Persistence: T1543 Create or Modify System Process \(T1543\.002 Systemd Service\)/,
    );
  });

  test("failure lines of the summary are escaped too", () => {
    const t = new RunTotals();
    t.failures.push({ uri: "logs/\u202egz.exe", kind: "input", message: "bad\u200b\nthing" });
    const text = summaryText(t, 10);
    assert.match(text, /FAILED logs\/\\u202egz\.exe: bad\\u200b\\nthing \[input\]/);
    assert.doesNotMatch(text, /[\u202e\u200b]/);
  });
});
