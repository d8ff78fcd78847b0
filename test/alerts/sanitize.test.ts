import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  escapeControls,
  plainText,
  printableAscii,
  slackCode,
  slackTitleText,
  truncate,
} from "../../src/alerts/sanitize.ts";

describe("escapeControls", () => {
  test("C0, DEL, C1, bidi overrides, zero-width and line separators become visible escapes", () => {
    const hostile = "a\nb\rc\td\u0000e\u001bf\u007fg\u0085h\u202ei\u2066j\u200bk\ufeffl\u2028m";
    const out = escapeControls(hostile);
    assert.equal(out, "a\\nb\\rc\\td\\x00e\\x1bf\\x7fg\\x85h\\u202ei\\u2066j\\u200bk\\ufeffl\\u2028m");
    assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
  });
  test("ordinary Unicode (accents, CJK, emoji) is kept; lone surrogates escaped", () => {
    assert.equal(escapeControls("café 東京 🦀"), "café 東京 🦀");
    assert.equal(escapeControls("x\ud800y"), "x\\ud800y");
  });
});

describe("truncate", () => {
  test("long values end with a marker that says how much was cut", () => {
    const s = "x".repeat(12_345 + 100);
    assert.equal(truncate(s, 100), `${"x".repeat(100)}…[+12345 chars]`);
    assert.equal(truncate("short", 100), "short");
  });
  test("never splits a surrogate pair", () => {
    const out = truncate(`${"a".repeat(9)}🦀🦀`, 10);
    assert.equal(out, `${"a".repeat(9)}…[+4 chars]`);
  });
  test("plainText truncates before escaping (the count is of the original)", () => {
    assert.equal(plainText("\n".repeat(20), 5), "\\n\\n\\n\\n\\n…[+15 chars]");
  });
});

describe("slackCode", () => {
  test("mentions and links are neutralised; the value stays readable", () => {
    const out = slackCode("<!channel> <!here> <@U123> <http://evil.example|click me> & @here @channel");
    assert.equal(
      out,
      "`&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;http://evil.example|click me&gt; &amp; ＠here ＠channel`",
    );
    assert.doesNotMatch(out, /<|>/);
  });
  test("a backtick cannot close the code span, markdown stays inert inside it", () => {
    const out = slackCode("x` *bold* _it_ ~s~ `<!channel>`");
    assert.equal(out.split("`").length, 3, "exactly the two span delimiters");
    assert.ok(out.startsWith("`") && out.endsWith("`"));
  });
  test("control characters escaped, empty shown as (empty)", () => {
    assert.equal(slackCode("a\nb"), "`a\\nb`");
    assert.equal(slackCode(""), "(empty)");
  });
});

describe("printableAscii / slackTitleText", () => {
  test("only printable ASCII, bounded", () => {
    assert.equal(printableAscii("wéb-7\n\u202e"), "w?b-7??");
    assert.equal(printableAscii("a".repeat(100), 10), "aaaaaaa...");
  });
  test("Slack title: entities escaped, markup inert", () => {
    assert.equal(slackTitleText("<!here> *x* _y_ @channel"), "&lt;!here&gt; ＊x＊ ＿y＿ ＠channel");
  });
});
