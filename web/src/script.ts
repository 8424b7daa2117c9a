// The live twin's script in the status bar (GET /twin): when its next crossing is due, so a
// newcomer facing an empty queue knows when to look and that nothing is broken. Shown only
// when a twin feeds the system (`borderwatch run --twin`, so `make run`) and labelled as the
// exercise's script: a real border has none.

import { getJson, type Session } from "./api";
import { t } from "./i18n";

/** How often the due time is read again (s): the script does not change, the clock does. */
const POLL_S = 10;

/** The next hostile crossing the script has due (GET /twin). */
export interface NextCrossing {
  due_ns: number;
  in_s: number; // event seconds from now
  in_wall_s: number; // wall-clock seconds from now (the twin may run faster than 1x)
  sector: string;
  cls: string;
}

/** GET /twin: `scenario` null when no twin feeds the system. */
export interface TwinStatus {
  now_ns: number;
  scenario?: string | null;
  speed?: number | null;
  from_s?: number | null;
  start_ns?: number | null;
  next_crossing?: NextCrossing | null;
}

/** The status bar's text, or null when there is nothing to say (no twin, nothing due). */
export function scriptText(s: TwinStatus): string | null {
  const next = s.next_crossing;
  if (!s.scenario || !next) return null;
  const min = Math.max(0, Math.round(next.in_wall_s / 60));
  const when = min < 1 ? t("script.now") : `${t("script.in")} ~${min} min`;
  return ` · ${t("script.label")}: ${t("script.next")} (${next.sector}) ${when}`;
}

/** Keeps `#twin-script` up to date; `stop()` ends it. */
export class ScriptLine {
  private timer: number | undefined;

  constructor(
    private readonly el: HTMLElement,
    private readonly session: Session,
  ) {}

  start(): void {
    void this.poll();
    this.timer = window.setInterval(() => void this.poll(), POLL_S * 1000);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.el.hidden = true;
  }

  private async poll(): Promise<void> {
    try {
      const s = await getJson<TwinStatus>(this.session, "/twin");
      const text = scriptText(s);
      this.el.hidden = text === null;
      this.el.textContent = text ?? "";
      this.el.title = s.scenario ? `${t("script.title")}: ${s.scenario}` : "";
    } catch (error) {
      console.warn("twin:", error);
    }
  }
}
