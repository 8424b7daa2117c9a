// The incident panel: one incident, its alerts and evidence (which sensors saw it; its
// tracks highlighted on the map), the predicted crossing (a marker), the nearest available
// patrols with a one-click Assign, the notes, and Resolve with an outcome. Every step is a
// POST to the API, so it is in the audit trail; a refusal shows the API's own reason. What
// the role may not do is not shown (`/api/v1/me`'s permissions).
//
// A partner holds no read_alerts, so it has no alert queue: `IncidentList` lists the
// incidents released to it instead, and the panel shows the incident alone.

import maplibregl from "maplibre-gl";
import type { Feature, FeatureCollection } from "geojson";
import { ApiError, getJson, postJson, type Session } from "./api";
import { el, utcTime } from "./dom";
import { t, tOr, type Key } from "./i18n";
import type { Frame, Item } from "./stream";

export const OUTCOMES = ["apprehended", "turned_back", "got_away", "nuisance", "false_alarm"];
const EVIDENCE = "incident-evidence";

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

/** The latest predicted crossing among the alerts (lat, lon, and when, if said). */
export function predictedCrossing(
  alerts: readonly Item[],
): { lat: number; lon: number; timeNs: number | null } | null {
  let best: { lat: number; lon: number; timeNs: number | null } | null = null;
  let bestAt = -1;
  for (const alert of alerts) {
    const p = alert["predicted_crossing"] as { lat: number; lon: number; time_ns?: number } | undefined;
    const at = Number(alert["time_ns"]);
    if (p !== undefined && at > bestAt) {
      best = { lat: p.lat, lon: p.lon, timeNs: p.time_ns ?? null };
      bestAt = at;
    }
  }
  return best;
}

/** The incident panel, built inside `root` when an incident is opened. */
export class IncidentPanel {
  private id: string | null = null;
  private detail: Detail | null = null;
  private patrols: PatrolEta[] = [];
  private readonly trackPositions = new Map<string, [number, number]>(); // id → lon, lat
  private marker: maplibregl.Marker | null = null;
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
    this.marker?.remove();
    this.marker = null;
    this.setEvidence({ type: "FeatureCollection", features: [] });
  }

  /** Take a frame: the open incident changed (refetch), its tracks moved (redraw). */
  apply(frame: Frame): void {
    if (this.id === null) return;
    const items = frame.items ?? [];
    if (frame.kind === "tracks" || frame.kind === "reset") {
      const ids = new Set(this.trackIds());
      this.trackPositions.clear();
      for (const item of items) {
        if (item.type === "track" && ids.has(String(item["id"]))) {
          this.trackPositions.set(String(item["id"]), [Number(item["lon"]), Number(item["lat"])]);
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
      this.render();
      this.drawEvidence();
      if (fit) this.fit();
    } catch (error) {
      if (this.detail === null) this.render();
      this.showError(error);
    }
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
    const tracks = el("p", "tracks");
    tracks.append(el("strong", "", "incident.tracks"), ": ", bdi(this.trackIds().join(", ")));
    part.append(sensors, tracks);
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
      li.append(bdi(`${String(note["user"])} ${utcTime(Number(note["time_ns"]))}`), ": ");
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

  // -- the map: the evidence as a highlighted layer, the predicted crossing as a marker --
  private drawEvidence(): void {
    const detail = this.detail;
    if (detail === null) return;
    const features: Feature[] = [];
    const byTrack = new Map<string, Array<[number, number, number]>>(); // time, lon, lat
    for (const alert of detail.alerts) {
      const lon = Number(alert["lon"]);
      const lat = Number(alert["lat"]);
      features.push(point(lon, lat, "alert"));
      for (const tid of (alert["track_ids"] as string[] | undefined) ?? []) {
        const path = byTrack.get(tid) ?? [];
        path.push([Number(alert["time_ns"]), lon, lat]);
        byTrack.set(tid, path);
      }
    }
    for (const [tid, at] of this.trackPositions) {
      features.push(point(at[0], at[1], "track"));
      const path = byTrack.get(tid) ?? [];
      path.push([Number.MAX_SAFE_INTEGER, at[0], at[1]]);
      byTrack.set(tid, path);
    }
    for (const path of byTrack.values()) {
      if (path.length < 2) continue;
      path.sort((a, b) => a[0] - b[0]);
      features.push({
        type: "Feature",
        geometry: { type: "LineString", coordinates: path.map((p) => [p[1], p[2]]) },
        properties: { kind: "path" },
      });
    }
    this.setEvidence({ type: "FeatureCollection", features });
    const crossing = predictedCrossing(detail.alerts);
    this.marker?.remove();
    this.marker = null;
    if (crossing !== null) {
      const mark = el("div", "crossing-marker");
      mark.title = t("incident.crossing");
      this.marker = new maplibregl.Marker({ element: mark })
        .setLngLat([crossing.lon, crossing.lat])
        .addTo(this.options.map);
    }
  }

  private setEvidence(data: FeatureCollection): void {
    const map = this.options.map;
    if (!map.isStyleLoaded() && map.getSource(EVIDENCE) === undefined) return;
    const source = map.getSource<maplibregl.GeoJSONSource>(EVIDENCE);
    if (source !== undefined) {
      source.setData(data);
      return;
    }
    // Added here, on top of whatever map.ts drew: the map's style is not this module's.
    map.addSource(EVIDENCE, { type: "geojson", data });
    map.addLayer({
      id: `${EVIDENCE}-path`,
      type: "line",
      source: EVIDENCE,
      filter: ["==", ["get", "kind"], "path"],
      paint: { "line-color": "#ff2d55", "line-width": 3, "line-opacity": 0.8 },
    });
    map.addLayer({
      id: `${EVIDENCE}-points`,
      type: "circle",
      source: EVIDENCE,
      filter: ["!=", ["get", "kind"], "path"],
      paint: {
        "circle-radius": ["match", ["get", "kind"], "track", 11, 6],
        "circle-color": "rgba(255, 45, 85, 0.15)",
        "circle-stroke-color": "#ff2d55",
        "circle-stroke-width": 2,
      },
    });
  }

  private fit(): void {
    const detail = this.detail;
    if (detail === null) return;
    const bounds = new maplibregl.LngLatBounds();
    bounds.extend([Number(detail.incident["lon"]), Number(detail.incident["lat"])]);
    for (const alert of detail.alerts) bounds.extend([Number(alert["lon"]), Number(alert["lat"])]);
    const crossing = predictedCrossing(detail.alerts);
    if (crossing !== null) bounds.extend([crossing.lon, crossing.lat]);
    this.options.map.fitBounds(bounds, { padding: 80, maxZoom: 12, duration: 0 });
  }
}

/** The incidents a partner may see (released to its agency), each with Open. */
export class IncidentList {
  private readonly incidents = new Map<string, Item>();
  private readonly list: HTMLUListElement;

  constructor(
    root: HTMLElement,
    private readonly session: Session,
    private readonly open: (id: string) => void,
  ) {
    const title = el("h2", "", "incidents.title");
    this.list = el("ul", "incidents");
    root.replaceChildren(title, this.list);
  }

  /** The incidents as of now, from the REST API. */
  async load(): Promise<void> {
    for (const item of await getJson<Item[]>(this.session, "/incidents?limit=1000")) {
      this.incidents.set(String(item["id"]), item);
    }
    this.render();
  }

  /** Take incident frames (the stream sends a partner only what is released to it). */
  apply(frame: Frame): void {
    let changed = false;
    for (const item of frame.items ?? []) {
      if (item.type === "incident") {
        this.incidents.set(String(item["id"]), item);
        changed = true;
      }
    }
    if (changed) this.render();
  }

  /** Rewrite the words (after a language switch). */
  relabel(): void {
    this.render();
  }

  private render(): void {
    const rows = [...this.incidents.values()].sort(
      (a, b) => Number(b["updated_ns"]) - Number(a["updated_ns"]),
    );
    this.list.replaceChildren(
      ...rows.map((inc) => {
        const li = el("li");
        const id = String(inc["id"]);
        const state = String(inc["state"] ?? "new");
        const open = el("button", "open", "alerts.open");
        open.type = "button";
        open.addEventListener("click", () => this.open(id));
        li.append(bdi(`${id} ${String(inc["sector"])}`), " ", tOr(`state.${state}`, state), " ", open);
        return li;
      }),
    );
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

function bdi(text: string): HTMLElement {
  const node = el("bdi");
  node.textContent = text;
  return node;
}

function point(lon: number, lat: number, kind: string): Feature {
  return { type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: { kind } };
}
