// The alert queue: every open intrusion alert (its incident not resolved; our equipment's
// faults are the health panel's queue, never this one), most urgent first (priority,
// then newest), each with its rule, class, sector and a ticking age, and Acknowledge (its
// incident) and Open. A new alert from the stream goes into the DOM the moment its frame
// arrives (no waiting for an animation frame), highlighted for a while, counted in the
// panel's and the page's title, and beeped if the operator turned the sound on.

import { ApiError, getJson, postJson, type Session } from "./api";
import { el } from "./dom";
import { tOr } from "./i18n";
import type { Frame, Item } from "./stream";

/** One alert as the queue shows it. */
export interface AlertView {
  id: string;
  rule: string;
  /** intrusion, or system (our own equipment: the health queue's, never this one's). */
  category: string;
  priority: number;
  cls: string;
  sector: string;
  timeNs: number;
}

/** What the queue needs of an incident: its state, its alerts, and its shelf (UTC ns). */
export interface IncidentRef {
  id: string;
  state: string;
  alertIds: readonly string[];
  shelvedUntilNs: number | null;
  shelvedReason: string;
}

export interface QueueOptions {
  session: Session;
  /** True if the signed-in role holds `permission` (`/api/v1/me`). */
  may(permission: string): boolean;
  /** Show an incident (the incident panel). */
  open(incidentId: string): void;
}

const FRESH_MS = 15_000; // how long a new alert stays highlighted
const SHELF_MINUTES = [15, 30, 60, 120, 480]; // what an operator may pick (the API caps it)
const SOUND_KEY = "borderwatch.alertSound";
const TITLE = "borderwatch";
const EVENT_TIME = new Set(["tracks", "reset", "alert", "patrols", "sensors"]);

/** The wire's alert (fields at their default are left out: priority 3, class unknown). */
export function alertView(item: Item): AlertView {
  return {
    id: String(item["id"]),
    rule: String(item["rule"]),
    category: String(item["category"] ?? "intrusion"),
    priority: Number(item["priority"] ?? 3),
    cls: String(item["cls"] ?? "unknown"),
    sector: String(item["sector"] ?? ""),
    timeNs: Number(item["time_ns"]),
  };
}

/** The wire's incident, as far as the queue cares (a new incident leaves `state` out). */
export function incidentRef(item: Item): IncidentRef {
  return {
    id: String(item["id"]),
    state: String(item["state"] ?? "new"),
    alertIds: (item["alert_ids"] as string[] | undefined) ?? [],
    shelvedUntilNs: typeof item["shelved_until_ns"] === "number" ? item["shelved_until_ns"] : null,
    shelvedReason: String(item["shelved_reason"] ?? ""),
  };
}

/** Shelved now? (The shelf is on the service's clock, which is the wall clock, or the twin's,
 * which starts at the wall clock.) */
export function isShelved(inc: IncidentRef | undefined, nowNs: number): boolean {
  return inc?.shelvedUntilNs != null && inc.shelvedUntilNs > nowNs;
}

// Flood handling as the API's queue does it (`[rules.alarms]` defaults): a burst of one rule
// in one sector, ROLLUP_MIN or more alerts each within ROLLUP_WINDOW_NS of the burst's first,
// is one row (the first in queue order: the most urgent, then the newest) with the count; the
// others fold under it.
export const ROLLUP_MIN = 3;
export const ROLLUP_WINDOW_NS = 600e9;

/** Bursts among `alerts`: for each burst of ROLLUP_MIN or more, its alerts in queue order
 * (the first is the row that stays, with the count). */
export function bursts(alerts: readonly AlertView[]): AlertView[][] {
  const byKind = new Map<string, AlertView[]>();
  for (const a of alerts) {
    const key = `${a.rule}\u0000${a.sector}`;
    byKind.set(key, [...(byKind.get(key) ?? []), a]);
  }
  const out: AlertView[][] = [];
  for (const found of byKind.values()) {
    found.sort((a, b) => a.timeNs - b.timeNs || (a.id < b.id ? -1 : 1));
    let burst: AlertView[] = [];
    for (const a of found) {
      if (burst.length > 0 && a.timeNs - (burst[0]?.timeNs ?? 0) > ROLLUP_WINDOW_NS) {
        if (burst.length >= ROLLUP_MIN) out.push(inQueueOrder(burst));
        burst = [];
      }
      burst.push(a);
    }
    if (burst.length >= ROLLUP_MIN) out.push(inQueueOrder(burst));
  }
  return out;
}

function inQueueOrder(alerts: AlertView[]): AlertView[] {
  return alerts.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}

/** Queue order: priority 1 first, then the newest, then by id (stable). */
export function before(a: AlertView, b: AlertView): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.timeNs !== b.timeNs) return a.timeNs > b.timeNs;
  return a.id < b.id;
}

/** An age as h:mm:ss or m:ss (digits read the same in all three languages). */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The alert queue panel, built inside `root`. */
export class AlertQueue {
  readonly alerts = new Map<string, AlertView>();
  readonly incidents = new Map<string, IncidentRef>();
  private readonly incidentOf = new Map<string, string>(); // alert id → incident id
  private readonly rows = new Map<string, HTMLLIElement>();
  private readonly expanded = new Set<string>(); // bursts unfolded, by their head alert's id
  private readonly list: HTMLOListElement;
  private readonly count: HTMLElement;
  private readonly error: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly sound: HTMLInputElement;
  private audio: AudioContext | null = null;
  private loaded = false;
  // The picture's clock: event time of the latest frame, and the wall clock when it came.
  private clockNs = 0;
  private clockWallMs = 0;
  private readonly ticker: number;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: QueueOptions,
  ) {
    root.replaceChildren();
    const head = el("header");
    const title = el("h2");
    title.append(el("span", "", "alerts.title"), " ");
    this.count = el("span", "count");
    title.append(this.count);
    const label = el("label", "sound");
    this.sound = el("input");
    this.sound.type = "checkbox";
    this.sound.id = "alert-sound";
    this.sound.checked = localStorage.getItem(SOUND_KEY) === "on";
    this.sound.addEventListener("change", () => {
      localStorage.setItem(SOUND_KEY, this.sound.checked ? "on" : "off");
      if (this.sound.checked) this.beep(); // a user gesture: the browser lets audio start
    });
    label.append(this.sound, " ", el("span", "", "alerts.sound"));
    head.append(title, label);
    this.error = el("p", "error");
    this.error.setAttribute("role", "alert");
    this.empty = el("p", "empty", "alerts.empty");
    this.list = el("ol", "queue");
    root.append(head, this.error, this.empty, this.list);
    this.relabel();
    this.ticker = window.setInterval(() => this.tick(), 1000);
  }

  /** The open alerts and incidents as of now, from the REST API. */
  async load(): Promise<void> {
    const session = this.options.session;
    try {
      const [alerts, incidents] = await Promise.all([
        getJson<Item[]>(session, "/alerts?category=intrusion&limit=1000"),
        this.options.may("read_incidents")
          ? getJson<Item[]>(session, "/incidents?limit=1000")
          : Promise.resolve([]),
      ]);
      for (const item of incidents) this.takeIncident(incidentRef(item));
      for (const item of alerts) this.takeAlert(alertView(item), false);
    } catch (error) {
      this.showError(error);
    }
    this.loaded = true;
    this.updateCount();
    this.tick();
  }

  /** Take a frame from the stream: alerts, incidents, and the picture's clock. */
  apply(frame: Frame): void {
    // Only frames stamped with event time: an operator's action (and the incident it
    // changes) carries the wall clock, which a replayed or simulated picture is not on.
    if (EVENT_TIME.has(frame.kind) && frame.time_ns > this.clockNs) {
      this.clockNs = frame.time_ns;
      this.clockWallMs = Date.now();
    }
    const items = frame.items ?? [];
    if (frame.kind === "reset") {
      for (const item of items) if (item.type === "incident") this.takeIncident(incidentRef(item));
      for (const item of items) if (item.type === "alert") this.takeAlert(alertView(item), false);
    } else if (frame.kind === "alert") {
      // Announced only once the initial list is in: the stream's backlog is not news.
      for (const item of items) this.takeAlert(alertView(item), this.loaded);
    } else if (frame.kind === "incident") {
      for (const item of items) this.takeIncident(incidentRef(item));
    } else {
      return;
    }
    this.updateCount();
  }

  /** Rewrite every row's words (after a language switch). */
  relabel(): void {
    for (const [id, row] of this.rows) {
      const alert = this.alerts.get(id);
      if (alert !== undefined) this.fill(row, alert);
    }
    this.updateCount();
  }

  /** Stop the clock and let the panel go. */
  destroy(): void {
    window.clearInterval(this.ticker);
    void this.audio?.close();
    this.root.replaceChildren();
    document.title = TITLE;
  }

  private takeAlert(alert: AlertView, announce: boolean): void {
    if (alert.category !== "intrusion") return; // faults: the health queue's; lookout hits: posts'
    const known = this.alerts.has(alert.id);
    this.alerts.set(alert.id, alert);
    const iid = this.incidentOf.get(alert.id);
    const inc = iid === undefined ? undefined : this.incidents.get(iid);
    if (inc?.state === "resolved" || isShelved(inc, Date.now() * 1e6)) return;
    let row = this.rows.get(alert.id);
    if (row === undefined) {
      row = el("li", "alert");
      row.dataset["id"] = alert.id;
      this.rows.set(alert.id, row);
    } else {
      row.remove(); // its priority may have changed: put it back in its place
    }
    this.fill(row, alert);
    this.insert(row, alert);
    if (announce && !known) {
      row.classList.add("fresh");
      window.setTimeout(() => row.classList.remove("fresh"), FRESH_MS);
      if (this.sound.checked) this.beep();
    }
  }

  private takeIncident(inc: IncidentRef): void {
    this.incidents.set(inc.id, inc);
    const hidden = inc.state === "resolved" || isShelved(inc, Date.now() * 1e6);
    for (const aid of inc.alertIds) {
      this.incidentOf.set(aid, inc.id);
      const row = this.rows.get(aid);
      if (row === undefined) {
        // Back from its shelf (unshelved, or escalated): in the queue again.
        const alert = this.alerts.get(aid);
        if (!hidden && alert !== undefined) this.takeAlert(alert, false);
        continue;
      }
      if (hidden) {
        row.remove();
        this.rows.delete(aid);
      } else {
        const alert = this.alerts.get(aid);
        if (alert !== undefined) this.fill(row, alert);
      }
    }
  }

  private insert(row: HTMLLIElement, alert: AlertView): void {
    // A linear walk: a queue holds tens of open alerts, not thousands.
    for (const other of this.list.children) {
      const view = this.alerts.get((other as HTMLElement).dataset["id"] ?? "");
      if (view !== undefined && before(alert, view)) {
        this.list.insertBefore(row, other);
        return;
      }
    }
    this.list.append(row);
  }

  private fill(row: HTMLLIElement, alert: AlertView): void {
    const iid = this.incidentOf.get(alert.id);
    const state = iid === undefined ? "" : (this.incidents.get(iid)?.state ?? "");
    row.className = row.className.replace(/\bp\d\b|\bstate-\w+\b/g, "").trim();
    row.classList.add("alert", `p${alert.priority}`);
    if (state !== "") row.classList.add(`state-${state}`);
    row.dataset["incident"] = iid ?? "";
    const prio = el("span", "prio");
    prio.textContent = `P${alert.priority}`;
    const rule = el("span", "rule");
    rule.textContent = tOr(`rule.${alert.rule}`, alert.rule);
    const cls = el("span", "cls");
    cls.textContent = tOr(`class.${alert.cls}`, alert.cls);
    const sector = el("bdi", "sector");
    sector.textContent = alert.sector;
    const age = el("span", "age");
    age.textContent = this.age(alert);
    const actions = el("span", "actions");
    if (iid !== undefined && state === "new" && this.options.may("acknowledge")) {
      const ack = el("button", "ack", "alerts.ack");
      ack.type = "button";
      ack.addEventListener("click", () => void this.acknowledge(iid, ack));
      actions.append(ack);
    } else if (state !== "" && state !== "new") {
      const shown = el("span", "state");
      shown.textContent = tOr(`state.${state}`, state);
      actions.append(shown);
    }
    if (iid !== undefined && state !== "resolved" && this.options.may("acknowledge")) {
      const shelve = el("button", "shelve", "alerts.shelve");
      shelve.type = "button";
      shelve.addEventListener("click", () => this.shelfForm(row, iid));
      actions.append(shelve);
    }
    if (iid !== undefined && this.options.may("read_incidents")) {
      const open = el("button", "open", "alerts.open");
      open.type = "button";
      open.addEventListener("click", () => this.options.open(iid));
      actions.append(open);
    }
    row.replaceChildren(prio, rule, cls, sector, age, actions);
  }

  /** Under `row`, a small form: why (required) and for how long; Shelve sends it. */
  private shelfForm(row: HTMLLIElement, iid: string): void {
    if (row.nextElementSibling?.classList.contains("shelf-form") === true) return;
    const form = el("form", "shelf-form");
    const why = el("input");
    why.name = "why";
    why.required = true;
    why.maxLength = 2000;
    why.placeholder = tOr("alerts.shelve.why", "why");
    const minutes = el("select");
    minutes.name = "minutes";
    for (const m of SHELF_MINUTES) {
      const option = el("option");
      option.value = String(m);
      option.textContent = `${m} ${tOr("unit.min", "min")}`;
      minutes.append(option);
    }
    minutes.value = "30";
    const ok = el("button", "", "alerts.shelve");
    ok.type = "submit";
    form.append(why, minutes, ok);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.shelve(iid, why.value, Number(minutes.value), form);
    });
    row.after(form);
    why.focus();
  }

  private async shelve(iid: string, why: string, minutes: number, form: HTMLElement): Promise<void> {
    this.error.textContent = "";
    try {
      const result = await postJson<{ incident: Item }>(
        this.options.session,
        `/incidents/${encodeURIComponent(iid)}/shelve`,
        { why, minutes },
      );
      form.remove();
      this.takeIncident(incidentRef(result.incident));
      this.updateCount();
    } catch (error) {
      this.showError(error);
    }
  }

  /** Fold each burst under its newest alert, which shows the count (click: unfold). */
  private rollUp(): void {
    const shown = [...this.rows.keys()]
      .map((id) => this.alerts.get(id))
      .filter((a): a is AlertView => a !== undefined);
    const folded = new Set<string>();
    const heads = new Map<string, number>();
    for (const burst of bursts(shown)) {
      const head = burst[0];
      if (head === undefined) continue;
      heads.set(head.id, burst.length);
      if (!this.expanded.has(head.id)) for (const a of burst.slice(1)) folded.add(a.id);
    }
    for (const [id, row] of this.rows) {
      row.hidden = folded.has(id);
      row.classList.toggle("rolled", folded.has(id));
      const count = heads.get(id);
      let badge = row.querySelector<HTMLElement>(".burst");
      if (count === undefined) {
        badge?.remove();
        continue;
      }
      if (badge === null) {
        badge = el("button", "burst");
        badge.setAttribute("type", "button");
        badge.addEventListener("click", () => {
          if (this.expanded.has(id)) this.expanded.delete(id);
          else this.expanded.add(id);
          this.rollUp();
        });
        row.querySelector(".actions")?.prepend(badge);
      }
      badge.textContent = `×${count}`;
      badge.title = tOr("alerts.burst", "");
    }
  }

  /** Shelves that have ended: their alerts back in the queue. */
  private unshelveExpired(): void {
    const nowNs = Date.now() * 1e6;
    for (const inc of this.incidents.values()) {
      if (inc.shelvedUntilNs === null || inc.shelvedUntilNs > nowNs) continue;
      if (inc.state === "resolved") continue;
      if (inc.alertIds.every((aid) => this.rows.has(aid) || !this.alerts.has(aid))) continue;
      this.takeIncident(inc);
      this.updateCount();
    }
  }

  private async acknowledge(iid: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.error.textContent = "";
    try {
      const result = await postJson<{ incident: Item }>(
        this.options.session,
        `/incidents/${encodeURIComponent(iid)}/acknowledge`,
        {},
      );
      this.takeIncident(incidentRef(result.incident));
      this.updateCount();
    } catch (error) {
      button.disabled = false;
      this.showError(error);
    }
  }

  private showError(error: unknown): void {
    this.error.textContent = error instanceof ApiError ? error.detail : String(error);
  }

  /** Unacknowledged open alerts: in the panel's title and the page's. */
  private updateCount(): void {
    let waiting = 0;
    for (const id of this.rows.keys()) {
      const iid = this.incidentOf.get(id);
      if (iid === undefined || this.incidents.get(iid)?.state === "new") waiting += 1;
    }
    this.rollUp();
    this.count.textContent = waiting > 0 ? `(${waiting})` : "";
    this.empty.hidden = this.rows.size > 0;
    document.title = waiting > 0 ? `(${waiting}) ${TITLE}` : TITLE;
  }

  private age(alert: AlertView): string {
    if (this.clockNs === 0) return "";
    const nowNs = this.clockNs + (Date.now() - this.clockWallMs) * 1e6;
    return formatAge((nowNs - alert.timeNs) / 1e9);
  }

  private tick(): void {
    this.unshelveExpired();
    for (const [id, row] of this.rows) {
      const alert = this.alerts.get(id);
      const cell = row.querySelector(".age");
      if (alert !== undefined && cell !== null) cell.textContent = this.age(alert);
    }
  }

  /** A short two-tone beep (WebAudio: no sound file to ship). */
  private beep(): void {
    this.audio ??= new AudioContext();
    const ctx = this.audio;
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
    const osc = ctx.createOscillator();
    osc.type = "sine";
    osc.frequency.setValueAtTime(880, ctx.currentTime);
    osc.frequency.setValueAtTime(660, ctx.currentTime + 0.15);
    osc.connect(gain);
    osc.start();
    osc.stop(ctx.currentTime + 0.35);
  }
}
