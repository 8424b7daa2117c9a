// The incident panel: one incident, its alerts and evidence (which sensors saw it; its
// tracks highlighted on the map with their history, `/tracks/{id}/history`, kept up to date
// from the live tracks frames), the predicted crossing (a marker), the nearest available
// patrols with a one-click Assign, the notes, and Resolve with an outcome. Every step is a
// POST to the API, so it is in the audit trail; a refusal shows the API's own reason. What
// the role may not do is not shown (`/api/v1/me`'s permissions).
//
// A partner holds no read_alerts, so it has no alert queue: `IncidentList` (released.ts)
// lists the incidents released to it instead, and the panel shows the incident alone.

import type maplibregl from "maplibre-gl";
import { ApiError, getJson, postJson, type Session } from "./api";
import { bdi, el, utcTime } from "./dom";
import { EvidenceLayer, extendHistory, loadHistories, predictedCrossing } from "./evidence";
import { loadDetections, trackList, type EvidenceDetection, type HistoryPoint } from "./evidence";
import { t, tOr, type Key } from "./i18n";
import type { Frame, Item } from "./stream";

export const OUTCOMES = ["apprehended", "turned_back", "got_away", "nuisance", "false_alarm"];

/** `GET /api/v1/incidents/{id}`. */
interface Detail {
  incident: Item;
  alerts: Item[];
  notes: Item[];
}

/** One row of `GET /api/v1/incidents/{id}/patrols` (borderwatch.ops.dispatch.PatrolEta). */
export interface PatrolEta {
  callsign: string;
  agency: string;
  lat: number;
  lon: number;
  time_ns: number;
  status: string;
  distance_m: number;
  eta_s: number;
  stale: boolean;
  assigned_here: boolean;
}

export interface PanelOptions {
  session: Session;
  map: maplibregl.Map;
  may(permission: string): boolean;
}

/** Sensors behind the alerts (evidence keys are `sensor_id/seq`), with how many detections. */
export function sensorsOf(alerts: readonly Item[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const alert of alerts) {
    for (const key of (alert["evidence"] as string[] | undefined) ?? []) {
      const sensor = key.slice(0, key.lastIndexOf("/"));
      seen.set(sensor, (seen.get(sensor) ?? 0) + 1);
    }
  }
  return seen;
}

/** The incident panel, built inside `root` when an incident is opened. */
export class IncidentPanel {
  private id: string | null = null;
  private detail: Detail | null = null;
  private patrols: PatrolEta[] = [];
  private readonly trackPositions = new Map<string, [number, number]>(); // id → lon, lat
  // The open incident's tracks' histories (null: the API has none for that track).
  private readonly histories = new Map<string, HistoryPoint[] | null>();
  // The detections its alerts cite (null: not fetched, or the API did not answer).
  private detections: EvidenceDetection[] | null = null;
  private readonly evidenceLayer: EvidenceLayer;
  private error: HTMLElement | null = null;
  private refreshTimer: number | undefined;
  private lastPatrolsMs = 0;
  // Kept across re-renders (a patrol report re-renders the panel): what the operator is
  // typing or has chosen must not be lost.
  private readonly noteText = noteBox();
  private readonly outcome = outcomeSelect();

  constructor(
    private readonly root: HTMLElement,
    private readonly options: PanelOptions,
  ) {
    root.hidden = true;
    this.evidenceLayer = new EvidenceLayer(options.map);
  }

  /** The open incident's id, if one is open. */
  get current(): string | null {
    return this.id;
  }

  /** Show incident `id` (fetched from the API), centred on the map. */
  async open(id: string): Promise<void> {
    if (id !== this.id) {
      this.noteText.value = "";
      this.outcome.selectedIndex = 0;
    }
    this.histories.clear(); // fetched afresh on opening
    this.detections = null;
    this.id = id;
    this.detail = null;
    this.patrols = [];
    this.root.hidden = false;
    await this.refresh(true);
  }

  /** Hide the panel and its marks on the map. */
  close(): void {
    this.id = null;
    this.detail = null;
    this.root.hidden = true;
    this.root.replaceChildren();
    this.evidenceLayer.clear();
  }

  /** Take a frame: the open incident changed (refetch), its tracks moved (redraw). */
  apply(frame: Frame): void {
    if (this.id === null) return;
    const items = frame.items ?? [];
    if (frame.kind === "tracks" || frame.kind === "reset") {
      const ids = new Set(this.trackIds());
      this.trackPositions.clear();
      for (const item of items) {
        const tid = String(item["id"]);
        if (item.type === "track" && ids.has(tid)) {
          this.trackPositions.set(tid, [Number(item["lon"]), Number(item["lat"])]);
          const points = this.histories.get(tid);
          if (points) extendHistory(points, item);
        }
      }
      this.drawEvidence();
    }
    const touched = items.some(
      (item) =>
        (item.type === "incident" && item["id"] === this.id) ||
        (item.type === "action" && item["target"] === this.id),
    );
    // Patrols move every 10 s: their ETAs are refreshed at most every 10 s too.
    const patrolsDue = frame.kind === "patrols" && Date.now() - this.lastPatrolsMs > 10_000;
    if (touched || patrolsDue) this.scheduleRefresh(touched);
  }

  /** Rewrite the panel's words (after a language switch). */
  relabel(): void {
    if (this.detail !== null) this.render();
  }

  private scheduleRefresh(full: boolean): void {
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(false, full), 100);
  }

  private async refresh(fit: boolean, full = true): Promise<void> {
    const id = this.id;
    if (id === null) return;
    const path = `/incidents/${encodeURIComponent(id)}`;
    try {
      const [detail, patrols] = await Promise.all([
        full || this.detail === null
          ? getJson<Detail>(this.options.session, path)
          : Promise.resolve(this.detail),
        this.options.may("read_patrols")
          ? getJson<PatrolEta[]>(this.options.session, `${path}/patrols`)
          : Promise.resolve([]),
      ]);
      if (this.id !== id) return; // another incident was opened meanwhile
      this.detail = detail;
      this.patrols = patrols;
      this.lastPatrolsMs = Date.now();
      if (this.options.may("read_tracks")) {
        await loadHistories(this.options.session, this.trackIds(), this.histories);
        if (this.id !== id) return;
      }
      // The evidence grows with the incident's alerts: fetched again when it changed.
      if (this.options.may("read_alerts") && (full || this.detections === null)) {
        const detections = await loadDetections(this.options.session, id);
        if (this.id !== id) return;
        this.detections = detections ?? this.detections;
      }
      this.render();
      this.drawEvidence();
      if (fit) this.evidenceLayer.fit(detail.incident, detail.alerts, this.histories);
    } catch (error) {
      if (this.detail === null) this.render();
      this.showError(error);
    }
  }

  private drawEvidence(): void {
    if (this.detail === null) return;
    const { alerts } = this.detail;
    this.evidenceLayer.draw(alerts, this.trackPositions, this.histories, this.detections ?? []);
  }

  private trackIds(): string[] {
    return (this.detail?.incident["track_ids"] as string[] | undefined) ?? [];
  }

  private render(): void {
    const detail = this.detail;
    const typing = document.activeElement === this.noteText;
    this.renderInto(detail);
    if (typing && this.noteText.isConnected) this.noteText.focus();
  }

  private renderInto(detail: Detail | null): void {
    this.root.replaceChildren();
    this.error = el("p", "error");
    this.error.setAttribute("role", "alert");
    const head = el("header");
    const title = el("h2");
    const close = el("button", "close", "incident.close");
    close.type = "button";
    close.addEventListener("click", () => this.close());
    if (detail === null) {
      title.append(el("span", "", "incident.title"), " ", bdi(this.id ?? ""));
      head.append(title, close);
      this.root.append(head, this.error);
      return;
    }
    const inc = detail.incident;
    const id = String(inc["id"]);
    const state = String(inc["state"] ?? "new");
    const badge = el("span", `state state-${state}`);
    badge.textContent = tOr(`state.${state}`, state);
    title.append(el("span", "", "incident.title"), " ", bdi(id), " ", badge);
    head.append(title, close);
    this.root.dataset["state"] = state;

    const facts = el("dl");
    const fact = (key: Key, value: string | Node): void => {
      const dd = el("dd");
      dd.append(value);
      facts.append(el("dt", "", key), dd);
    };
    fact("incident.priority", `P${Number(inc["priority"] ?? 3)}`);
    fact("incident.sector", bdi(String(inc["sector"])));
    fact("incident.opened", bdi(utcTime(Number(inc["opened_ns"]))));
    if (inc["assigned_patrol"] !== undefined) {
      fact("incident.patrol", bdi(String(inc["assigned_patrol"])));
    }
    if (inc["outcome"] !== undefined) {
      fact("incident.outcome", tOr(`outcome.${String(inc["outcome"])}`, String(inc["outcome"])));
    }
    this.root.append(head, this.error, facts);
    if (state === "new" && this.options.may("acknowledge")) {
      this.root.append(this.button("alerts.ack", "ack", () => this.act("acknowledge", {})));
    }
    if (detail.alerts.length > 0) this.root.append(this.evidence(detail));
    if (state !== "resolved" && this.options.may("read_patrols")) this.root.append(this.dispatch(state));
    if (this.options.may("read_incidents")) this.root.append(this.notes(detail));
    if (state !== "resolved" && this.options.may("resolve")) this.root.append(this.resolve());
  }

  private evidence(detail: Detail): HTMLElement {
    const part = el("section", "evidence");
    part.append(el("h3", "", "incident.alerts"));
    const list = el("ul", "alerts");
    for (const alert of detail.alerts) {
      const li = el("li");
      const rule = String(alert["rule"]);
      li.append(
        `P${Number(alert["priority"] ?? 3)} `,
        tOr(`rule.${rule}`, rule),
        " · ",
        tOr(`class.${String(alert["cls"] ?? "unknown")}`, String(alert["cls"])),
        " · ",
        bdi(utcTime(Number(alert["time_ns"]))),
      );
      list.append(li);
    }
    part.append(list);
    const sensors = el("p", "sensors");
    sensors.append(el("strong", "", "incident.sensors"), ": ");
    const seen = [...sensorsOf(detail.alerts)].map(([s, n]) => `${s} ×${n}`);
    sensors.append(seen.length > 0 ? bdi(seen.join(", ")) : t("incident.none"));
    part.append(sensors);
    if (this.detections !== null) {
      const count = el("p", "detections");
      count.dataset["count"] = String(this.detections.length);
      count.append(el("strong", "", "incident.detections"), `: ${this.detections.length}`);
      part.append(count);
    }
    part.append(trackList(this.trackIds(), this.histories));
    const crossing = predictedCrossing(detail.alerts);
    if (crossing !== null) {
      const p = el("p", "crossing");
      const where = `${crossing.lat.toFixed(4)}, ${crossing.lon.toFixed(4)}`;
      const when = crossing.timeNs === null ? "" : ` · ${utcTime(crossing.timeNs)}`;
      p.append(el("strong", "", "incident.crossing"), ": ", bdi(where + when));
      part.append(p);
    }
    return part;
  }

  private dispatch(state: string): HTMLElement {
    const part = el("section", "patrols");
    part.append(el("h3", "", "incident.patrols"));
    if (this.patrols.length === 0) {
      part.append(el("p", "none", "incident.none"));
      return part;
    }
    const list = el("ol");
    const mayAssign = this.options.may("assign") && (state === "acknowledged" || state === "assigned");
    for (const p of this.patrols) {
      const li = el("li", p.stale ? "patrol stale" : "patrol");
      li.dataset["callsign"] = p.callsign;
      const km = `${(p.distance_m / 1000).toFixed(1)} ${t("unit.km")}`;
      const eta = `${Math.round(p.eta_s / 60)} ${t("unit.min")}`;
      li.append(bdi(p.callsign), ` · ${km} · ${eta} · `, bdi(utcTime(p.time_ns)));
      if (p.stale) li.append(" ", el("span", "flag", "incident.stale"));
      if (mayAssign && !p.assigned_here) {
        li.append(
          " ",
          this.button("incident.assign", "assign", () => this.act("assign", { patrol: p.callsign })),
        );
      }
      list.append(li);
    }
    part.append(list);
    return part;
  }

  private notes(detail: Detail): HTMLElement {
    const part = el("section", "notes");
    part.append(el("h3", "", "incident.notes"));
    const list = el("ul");
    for (const note of detail.notes) {
      const li = el("li");
      // A partner's patrol answering a proposal (joint patrols) is named with its agency.
      const agency = String(note["agency"] ?? "");
      const who = agency.startsWith("partner:")
        ? `${String(note["user"])} (${agency})`
        : String(note["user"]);
      li.append(bdi(`${who} ${utcTime(Number(note["time_ns"]))}`), ": ");
      li.append(bdi(String(note["why"] ?? "")));
      list.append(li);
    }
    part.append(list);
    if (this.options.may("note")) {
      const text = this.noteText;
      const add = this.button("incident.note", "add-note", async () => {
        if (text.value.trim() === "") return;
        if (await this.act("notes", { text: text.value })) text.value = "";
      });
      part.append(text, add);
    }
    return part;
  }

  private resolve(): HTMLElement {
    const part = el("section", "resolve");
    const outcome = this.outcome;
    for (const option of outcome.options) option.textContent = t(`outcome.${option.value}` as Key);
    const label = el("label");
    label.append(el("span", "", "incident.outcome"), " ", outcome);
    part.append(
      label,
      " ",
      this.button("incident.resolve", "resolve", () => this.act("resolve", { outcome: outcome.value })),
    );
    return part;
  }

  private button(key: Key, className: string, onClick: () => unknown): HTMLButtonElement {
    const button = el("button", className, key);
    button.type = "button";
    button.addEventListener("click", () => {
      button.disabled = true;
      void Promise.resolve(onClick()).finally(() => {
        button.disabled = false;
      });
    });
    return button;
  }

  /** POST one step; true if it took (the panel then shows the incident after it). */
  private async act(step: string, body: Record<string, string>): Promise<boolean> {
    const id = this.id;
    if (id === null) return false;
    if (this.error !== null) this.error.textContent = "";
    try {
      await postJson(this.options.session, `/incidents/${encodeURIComponent(id)}/${step}`, body);
    } catch (error) {
      this.showError(error);
      return false;
    }
    await this.refresh(false);
    return true;
  }

  private showError(error: unknown): void {
    if (this.error !== null) {
      this.error.textContent = error instanceof ApiError ? error.detail : String(error);
    }
  }
}

function noteBox(): HTMLTextAreaElement {
  const text = el("textarea");
  text.name = "note";
  text.rows = 2;
  text.maxLength = 2000;
  return text;
}

function outcomeSelect(): HTMLSelectElement {
  const outcome = el("select");
  outcome.name = "outcome";
  for (const name of OUTCOMES) {
    const option = el("option", "", `outcome.${name}`);
    option.value = name;
    outcome.append(option);
  }
  return outcome;
}
