// Replay: a time slider over the last hours of the log. Letting go of the slider asks the API
// for the picture at that time (GET /replay: the log replayed through a fresh engine from a
// couple of minutes before it) and shows it in place of the live tracks, trails and patrols;
// "Live" goes back. The live picture keeps following the stream meanwhile.

import { getJson, type Session } from "./api";
import { bothTimes } from "./clock";
import { t } from "./i18n";
import type { Frame } from "./stream";

/** How far back the slider reaches (the log may hold less). */
export const REPLAY_HOURS = 6;
/** The slider's step, s. */
const STEP_S = 10;
/** How much log before the chosen time the API replays (tracks need it to form). */
const LEAD_S = 120;

interface Range {
  first_ns: number;
  last_ns: number;
}

interface Replay {
  at_ns: number;
  from_ns: number;
  events: number;
  frames: Frame[];
}

/** What the replay panel needs of the picture. */
export interface Replayable {
  /** The live picture's time (UTC ns; 0 before the first frame). */
  liveTimeNs(): number;
  /** Show these frames instead of the live picture. */
  showReplay(frames: Frame[], atNs: number): void;
  /** Back to the live picture. */
  goLive(): void;
}

/** The replay panel in `root`: a slider, the chosen time, and a Live button. */
export class ReplayPanel {
  private readonly slider: HTMLInputElement;
  private readonly when: HTMLElement;
  private readonly state: HTMLElement;
  private readonly live: HTMLButtonElement;
  private startNs = 0;
  private request = 0;

  constructor(
    root: HTMLElement,
    private readonly session: Session,
    private readonly picture: Replayable,
  ) {
    root.replaceChildren();
    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.id = "replay-slider";
    this.slider.step = String(STEP_S);
    this.slider.title = t("replay.help");
    this.when = document.createElement("bdi");
    this.when.className = "replay-time";
    this.state = document.createElement("span");
    this.state.className = "replay-state";
    this.live = document.createElement("button");
    this.live.type = "button";
    this.live.dataset["i18n"] = "replay.live";
    this.live.textContent = t("replay.live");
    this.live.disabled = true;
    root.append(this.slider, this.when, this.state, this.live);
    // Refresh the range each time the slider is grabbed: the log grows while we watch.
    this.slider.addEventListener("pointerdown", () => void this.refresh());
    this.slider.addEventListener("focus", () => void this.refresh());
    this.slider.addEventListener("input", () => this.showTime());
    this.slider.addEventListener("change", () => void this.load());
    this.live.addEventListener("click", () => {
      this.request++;
      this.picture.goLive();
      this.live.disabled = true;
      this.state.textContent = "";
      this.slider.value = this.slider.max;
      this.showTime();
    });
    void this.refresh();
  }

  /** The slider's range: the last REPLAY_HOURS the log holds. */
  async refresh(): Promise<void> {
    try {
      const range = await getJson<Range>(this.session, "/replay/range");
      const end = Math.max(range.last_ns, this.picture.liveTimeNs());
      this.startNs = Math.max(range.first_ns, end - REPLAY_HOURS * 3600e9);
      const atEnd = this.slider.value === this.slider.max;
      this.slider.max = String(Math.max(0, Math.floor((end - this.startNs) / 1e9)));
      if (atEnd || this.live.disabled) this.slider.value = this.slider.max;
      this.showTime();
    } catch (error) {
      // A role without read_tracks has nothing to replay.
      console.warn("replay:", error);
      this.slider.disabled = true;
    }
  }

  /** Words in the current language. */
  relabel(): void {
    this.slider.title = t("replay.help");
    this.showTime();
  }

  private atNs(): number {
    return this.startNs + Number(this.slider.value) * 1e9;
  }

  private showTime(): void {
    this.when.textContent = this.startNs > 0 ? bothTimes(this.atNs()) : "";
  }

  private async load(): Promise<void> {
    const at = this.atNs();
    const mine = ++this.request;
    this.state.textContent = t("replay.loading");
    try {
      const done = await getJson<Replay>(
        this.session,
        `/replay?at=${BigInt(Math.round(at))}&lead_s=${LEAD_S}`,
      );
      if (mine !== this.request) return; // a newer choice, or back to live, meanwhile
      this.picture.showReplay(done.frames, done.at_ns);
      this.live.disabled = false;
      this.state.textContent = "";
    } catch (error) {
      if (mine !== this.request) return;
      console.warn("replay:", error);
      this.state.textContent = t("replay.failed");
    }
  }
}
