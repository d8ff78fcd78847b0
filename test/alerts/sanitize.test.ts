import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  escapeControls,
  plainText,
  printableAscii,
  slackCode,
  slackPlainSummary,
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
  test("invisible and blank-rendering characters become visible escapes", () => {
    const hidden = [
      "\u{e0000}",
      "\u{e0041}",
      "\u{e007f}",
      "\u00ad",
      "\u034f",
      "\u115f",
      "\u1160",
      "\u17b4",
      "\u17b5",
      "\u180e",
      "\u3164",
      "\uffa0",
      "\ufe00",
      "\ufe0f",
      "\ufff9",
      "\ufffa",
      "\ufffb",
      "\u{e0100}",
    ];
    for (const c of hidden) {
      const code = c.codePointAt(0) ?? 0;
      const want =
        code <= 0xff
          ? `\\x${code.toString(16)}`
          : code <= 0xffff
            ? `\\u${code.toString(16).padStart(4, "0")}`
            : `\\u{${code.toString(16)}}`;
      assert.equal(escapeControls(`a${c}b`), `a${want}b`, `U+${code.toString(16)}`);
    }
    assert.equal(
      plainText("/etc/NetworkManager/dispatcher.d/a\u{e0041}\u00ad"),
      "/etc/NetworkManager/dispatcher.d/a\\u{e0041}\\xad",
    );
    assert.equal(slackCode("a\u{e0041}\u00ad"), "`a\\u{e0041}\\xad`");
  });
  test("ordinary Unicode (accents, CJK, emoji) is kept; lone surrogates escaped", () => {
    assert.equal(escapeControls("café 東京 🦀"), "café 東京 🦀");
    assert.equal(escapeControls("x\ud800y"), "x\\ud800y");
    assert.equal(escapeControls("x\udc00y\ud83e"), "x\\udc00y\\ud83e");
    assert.equal(escapeControls("\ud83e\udd80 \u{1f600}"), "🦀 😀", "surrogate pairs are kept");
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

describe("Slack title and summary: no links, no mentions", () => {
  test("markdown link syntax and mentions in a title become inert look-alikes", () => {
    const t = slackTitleText("[click](https://evil.example) @here\u202e", 100);
    assert.doesNotMatch(t, /[[\]()]/);
    assert.doesNotMatch(t, /(^|[^\uff20])@here/);
    assert.equal(t, "\uff3bclick\uff3d\uff08https://evil.example\uff09 \uff20here?");
  });
  test("slackPlainSummary: no bare @here, <!here> or [a](url); still readable", () => {
    const s = slackPlainSummary("[click](https://evil.example) @here <!channel> @Everyone", 100);
    assert.doesNotMatch(s, /[[\]()<>]/);
    assert.doesNotMatch(s, /(^|[^\uff20])@(here|channel|everyone)/i);
    assert.equal(
      s,
      "\uff3bclick\uff3d\uff08https://evil.example\uff09 \uff20here \uff1c!channel\uff1e \uff20Everyone",
    );
    assert.equal(slackPlainSummary("web-7"), "web-7");
  });
});
