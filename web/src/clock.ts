// Times and measures as the console shows them: every time in UTC and in local time
// (Africa/Tunis), in the current language's conventions; distances in metres and kilometres.
//
// Intl does the work (time zones, digits, unit names); the formatters are cached per language
// since building one is slow and the health panel and labels format many times a second.

import { lang, type Lang } from "./i18n";

export const LOCAL_ZONE = "Africa/Tunis";

// Tunisia writes Arabic with Latin digits: "ar-TN", not plain "ar" (Arabic-Indic digits).
const LOCALE: Record<Lang, string> = { en: "en-GB", fr: "fr-TN", ar: "ar-TN" };

interface Formats {
  utc: Intl.DateTimeFormat;
  local: Intl.DateTimeFormat;
  utcDate: Intl.DateTimeFormat;
  relative: Intl.RelativeTimeFormat;
  metres: Intl.NumberFormat;
  km: Intl.NumberFormat;
}

const cache = new Map<Lang, Formats>();

function formats(): Formats {
  const current = lang();
  let found = cache.get(current);
  if (found === undefined) {
    const locale = LOCALE[current];
    const time: Intl.DateTimeFormatOptions = {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    };
    found = {
      utc: new Intl.DateTimeFormat(locale, { ...time, timeZone: "UTC" }),
      local: new Intl.DateTimeFormat(locale, { ...time, timeZone: LOCAL_ZONE }),
      utcDate: new Intl.DateTimeFormat(locale, {
        ...time,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        timeZone: "UTC",
      }),
      relative: new Intl.RelativeTimeFormat(locale, { numeric: "always", style: "short" }),
      metres: new Intl.NumberFormat(locale, {
        style: "unit",
        unit: "meter",
        maximumFractionDigits: 0,
      }),
      km: new Intl.NumberFormat(locale, {
        style: "unit",
        unit: "kilometer",
        maximumFractionDigits: 1,
      }),
    };
    cache.set(current, found);
  }
  return found;
}

/** `time_ns` (UTC ns since the epoch) as "HH:MM:SS UTC · HH:MM:SS Tunis" in the current language. */
export function bothTimes(timeNs: number): string {
  const date = new Date(timeNs / 1e6);
  const f = formats();
  return `${f.utc.format(date)} UTC · ${f.local.format(date)} ${localName()}`;
}

/** The UTC date and time (for a tooltip: which day a heartbeat was). */
export function utcDateTime(timeNs: number): string {
  return `${formats().utcDate.format(new Date(timeNs / 1e6))} UTC`;
}

/** How long ago, from the seconds elapsed: "12 s ago", "3 min ago", "2 h ago". */
export function ago(seconds: number): string {
  const f = formats().relative;
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return f.format(-s, "second");
  if (s < 7200) return f.format(-Math.round(s / 60), "minute");
  return f.format(-Math.round(s / 3600), "hour");
}

/** A distance in metres, or kilometres from 1 km up. */
export function distance(metres: number): string {
  const f = formats();
  return metres < 1000 ? f.metres.format(metres) : f.km.format(metres / 1000);
}

function localName(): string {
  // The zone's city, in the language of the page (the time zone id itself is English).
  return { en: "Tunis", fr: "Tunis", ar: "تونس" }[lang()];
}
