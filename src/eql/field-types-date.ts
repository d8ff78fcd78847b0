/**
 * Dates as a `date` field with Elasticsearch's default format `strict_date_optional_time||epoch_millis`
 * reads them (ES 8.x/9.x: server/.../common/time/Iso8601Parser.java for the first format, which is
 * configured with month and day mandatory and the time optional; EpochTime.java for the second).
 *
 * strict_date_optional_time: `yyyy-MM-dd` (four-digit year, optionally negative), then optionally
 * `T`, `HH`, `:mm`, `:ss`, a fraction of 1-9 digits after `.` or `,`, and a zone after the hour,
 * minute, second or fraction: `Z`, `+HH`, `+HHmm`, `+HH:mm`, `+HH:mm:ss` (or `-`), or a zone
 * region. No zone means UTC. The calendar is strict (no 2023-02-30, no 24:00).
 * epoch_millis: an optional `-`, 1-19 digits, optionally `.` and 0-6 fraction digits (nanoseconds
 * of the millisecond); a JSON number is read through its text.
 * The field keeps millisecond resolution: nanosecond fractions are floored to the millisecond.
 *
 * Known gap: zone regions other than UTC/GMT/UT/Z forms (e.g. `Europe/Paris`, which ES resolves
 * with java.time's zone rules) are not parsed here: such a value counts as malformed. A date
 * literal in a query with such a zone should be refused by the compiler rather than guessed.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function digitsAt(s: string, from: number, count: number): number | null {
  if (s.length < from + count) return null;
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

/** Offset in seconds east of UTC for the zone text at the end of a date, or null when not accepted. */
function zoneOffsetSeconds(z: string): number | null {
  if (z === "Z") return 0;
  const first = z.charCodeAt(0);
  if (first === 43 || first === 45) {
    const m = /^[+-](\d\d)(?:(:?)(\d\d)(?:\2(\d\d))?)?$/.exec(z);
    if (!m) return null;
    const total = Number(m[1]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    // java.time.ZoneOffset accepts at most +-18:00, and minutes/seconds below 60.
    if (Number(m[3] ?? 0) > 59 || Number(m[4] ?? 0) > 59 || total > 18 * 3600) return null;
    return first === 45 ? -total : total;
  }
  // ZoneId.of: "UTC", "GMT", "UT" alone or followed by an offset ("UTC+01:00", "GMT-5").
  const m = /^(?:UTC|GMT|UT)(?:([+-])(\d\d?)(?::?(\d\d))?)?$/.exec(z);
  if (!m) return null;
  if (!m[1]) return 0;
  const h = Number(m[2]);
  const min = Number(m[3] ?? 0);
  if (h > 18 || min > 59 || h * 60 + min > 18 * 60) return null;
  return (m[1] === "-" ? -1 : 1) * (h * 3600 + min * 60);
}

function isZoneStart(c: number): boolean {
  return c === 43 || c === 45 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** strict_date_optional_time: epoch milliseconds, or null. */
export function parseIsoDate(input: string): number | null {
  let s = input;
  let negativeYear = false;
  if (s.charCodeAt(0) === 45) {
    negativeYear = true;
    s = s.slice(1);
  }
  const len = s.length;
  const yearAbs = digitsAt(s, 0, 4);
  if (yearAbs === null || len < 10 || s[4] !== "-" || s[7] !== "-") return null;
  const year = negativeYear ? -yearAbs : yearAbs;
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  if (month === null || day === null || month < 1 || month > 12 || day < 1) return null;
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > dim) return null;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let zone = 0;
  let pos = 10;
  if (len > 10) {
    if (s[10] !== "T") return null;
    pos = 11;
    if (len > 11) {
      const h = digitsAt(s, 11, 2);
      if (h === null || h > 23) return null;
      hour = h;
      pos = 13;
      const fields: [number, (v: number) => void][] = [
        [
          16,
          (v) => {
            minute = v;
          },
        ],
        [
          19,
          (v) => {
            second = v;
          },
        ],
      ];
      for (const [end, set] of fields) {
        if (pos === len || isZoneStart(s.charCodeAt(pos))) break;
        if (s[pos] !== ":") return null;
        const v = digitsAt(s, pos + 1, 2);
        if (v === null || v > 59) return null;
        set(v);
        pos = end;
      }
      if (pos === 19 && pos < len && (s[pos] === "." || s[pos] === ",")) {
        let p = 20;
        let n = 0;
        while (p < len && p < 29) {
          const c = s.charCodeAt(p) - 48;
          if (c < 0 || c > 9) break;
          n = n * 10 + c;
          p++;
        }
        if (p === 20) return null;
        nanos = n * 10 ** (29 - p);
        pos = p;
      }
      if (pos < len) {
        if (!isZoneStart(s.charCodeAt(pos))) return null;
        const offset = zoneOffsetSeconds(s.slice(pos));
        if (offset === null) return null;
        zone = offset;
        pos = len;
      }
    }
  }
  if (pos !== len) return null;
  const utc = Date.UTC(2000, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999, so shift the year separately (the calendar is proleptic Gregorian in both).
  const shifted = new Date(utc);
  shifted.setUTCFullYear(year);
  const millis = shifted.getTime() - zone * 1000 + Math.floor(nanos / 1e6);
  return Number.isFinite(millis) ? millis : null;
}

const EPOCH_MILLIS = /^(-?)(\d{1,19})(?:\.(\d{0,6}))?$/;

/** epoch_millis: epoch milliseconds (floored), or null. */
export function parseEpochMillis(s: string): number | null {
  const m = EPOCH_MILLIS.exec(s);
  if (!m) return null;
  const whole = Number(m[2]);
  const frac = m[3] ? Number(m[3].padEnd(6, "0")) / 1e6 : 0;
  const v = m[1] === "-" ? -(whole + frac) : whole + frac;
  return Math.floor(v);
}

/**
 * A record or query value read as a `date` field with the default format, in epoch milliseconds;
 * null when Elasticsearch would find it malformed. Strings are tried as ISO first, then as epoch
 * millis ("20170830" is 20 million milliseconds, not a day); JSON numbers are epoch millis.
 */
export function parseDate(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // ES reads a JSON number through its text; integral values are plain digits.
    return parseEpochMillis(Number.isInteger(value) ? value.toFixed(0) : String(value));
  }
  if (typeof value !== "string" || value.length === 0) return null;
  return parseIsoDate(value) ?? parseEpochMillis(value);
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/**
 * How a `date` doc value prints in an Elasticsearch script (what `string(@timestamp)` and
 * `concat(@timestamp)` see): java.time's ZonedDateTime.toString() in UTC, i.e.
 * `uuuu-MM-ddTHH:mm`, then `:ss` unless seconds and fraction are both zero, then the fraction in
 * groups of three digits (`.SSS`; the date type keeps milliseconds), then `Z`. Years beyond 9999
 * carry a `+`, years before 0 a `-` (ISO-8601 extended years).
 */
export function javaDateToString(millis: number): string {
  const d = new Date(millis);
  const year = d.getUTCFullYear();
  const y = year > 9999 ? `+${year}` : year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  let s = `${y}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}`;
  const sec = d.getUTCSeconds();
  const ms = d.getUTCMilliseconds();
  if (sec !== 0 || ms !== 0) s += `:${pad(sec, 2)}`;
  if (ms !== 0) s += `.${pad(ms, 3)}`;
  return s + "Z";
}
