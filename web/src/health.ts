// The sensors and sectors panel: the health queue (our equipment's faults, one row per
// cause: a tower down is one row, a sector cut off is one row; never in the intrusion queue),
// then every fixed sensor by sector with its health (unknown, ok, degraded, down, tampered)
// and last heartbeat, each sector's open intrusion incidents and its threat level.
//
// Sensors come from GET /sensors (again every POLL_S, for the heartbeats: a `sensors` frame
// is sent only when a health changes) and from `sensors` and `reset` frames; incidents and
// alerts from `incident`, `alert` and `reset` frames (every incident in its latest state).
// The threat level comes from evidence, a plain rule an operator can check by eye
// (`threatLevel`, and the tooltip says it):
//   high      an open intrusion incident of priority 1, three or more, or a tampered sensor
//   elevated  any other open intrusion incident, or coverage degraded (a sensor that reported
//             before is down)
//   low       otherwise
// Equipment faults are not intrusions, and a sensor never heard ("unknown": a sector not
// fielded, a twin run on another sector) degrades nothing.
// (Priority 1 is the rules' most urgent: a vehicle approaching, a line breach, a convoy.)

import { getJson, type Session } from "./api";
import { ago, bothTimes, utcDateTime } from "./clock";
import { t, tOr, type Key } from "./i18n";
import type { Frame, Item } from "./stream";

export type Health = "unknown" | "ok" | "degraded" | "down" | "tampered";
export type Threat = "low" | "elevated" | "high";

export interface SensorView {
  id: string;
  kind: string;
  sector: string;
  health: Health;
  lastHeardNs: number | null;
}

interface IncidentView {
  id: string;
  sector: string;
  state: string;
  priority: number;
  category: string;
  alertIds: readonly string[];
  updatedNs: number;
}

/** What the health queue shows of a system alert: its rule, subject and words. */
interface FaultAlert {
  rule: string;
  subject: string;
  summary: string;
}

const POLL_S = 30;
// The sector stations' links (distributed mode): a cut link is news within seconds.
const STATIONS_POLL_S = 5;
// This many open incidents in one sector make its threat high whatever their priority.
export const HIGH_COUNT = 3;
// Re-render at most this often (ms): frames can come many times a second.
const RENDER_MS = 1000;

/** A sector's threat level from its open intrusion incidents' priorities and its sensors'
 * health (see the module's comment; unknown sensors count for nothing). */
export function threatLevel(openPriorities: readonly number[], healths: readonly Health[]): Threat {
  if (
    openPriorities.some((p) => p <= 1) ||
    openPriorities.length >= HIGH_COUNT ||
    healths.includes("tampered")
  ) {
    return "high";
  }
  if (openPriorities.length > 0 || healths.includes("down")) return "elevated";
  return "low";
}

/** The health queue's rows: open equipment incidents, most urgent first, then the newest. */
export function faultOrder(faults: readonly IncidentView[]): IncidentView[] {
  return faults
    .filter((f) => f.category === "system" && f.state !== "resolved")
    .sort((a, b) => a.priority - b.priority || b.updatedNs - a.updatedNs || (a.id < b.id ? -1 : 1));
}

function sensorView(item: Item): SensorView {
  const heard = item["last_heard_ns"];
  return {
    id: String(item["sensor_id"]),
    kind: String(item["kind"]),
    sector: String(item["sector"]),
    health: String(item["health"] ?? "unknown") as Health,
    lastHeardNs: typeof heard === "number" ? heard : null,
  };
}

/** The health panel in `root`. */
export class HealthPanel {
  readonly sensors = new Map<string, SensorView>();
  private readonly incidents = new Map<string, IncidentView>();
  private readonly faultAlerts = new Map<string, FaultAlert>(); // system alerts by id
  private sectors: string[] = [];
  private timer: number | undefined;
  private stationsTimer: number | undefined;
  private renderTimer: number | undefined;
  private readonly open = new Set<string>(); // sectors whose sensor list is unfolded

  constructor(
    private readonly root: HTMLElement,
    private readonly session: Session,
    /** The picture's time (UTC ns), for "heard 20 s ago"; 0: use the wall clock. */
    private readonly now: () => number,
    /** Called with every sensor's health after a change (to colour the map). */
    private readonly changed: (healths: ReadonlyMap<string, string>) => void,
  ) {}

  /** Load the sensors and keep polling them (if the role `readsSensors`; else only sectors
   * and incidents are shown); `sectors` in display order. */
  start(sectors: readonly string[], readsSensors = true): void {
    this.sectors = [...sectors];
    if (!readsSensors) {
      this.render();
      return;
    }
    void this.poll();
    void this.pollStations();
    this.timer = window.setInterval(() => void this.poll(), POLL_S * 1000);
    this.stationsTimer = window.setInterval(() => void this.pollStations(), STATIONS_POLL_S * 1000);
  }

  /** Stop polling. */
  stop(): void {
    window.clearInterval(this.timer);
    window.clearInterval(this.stationsTimer);
    window.clearTimeout(this.renderTimer);
  }

  /** Take what a frame says about sensors and incidents. */
  apply(frame: Frame): void {
    const kinds = ["sensors", "incident", "alert", "reset"];
    if (!kinds.includes(frame.kind)) return;
    let sensorsChanged = false;
    for (const item of frame.items ?? []) {
      if (item.type === "sensor") {
        const view = sensorView(item);
        this.sensors.set(view.id, view);
        sensorsChanged = true;
      } else if (item.type === "incident") {
        this.takeIncident(item);
      } else if (item.type === "alert" && item["category"] === "system") {
        const evidence = (item["evidence"] as string[] | undefined) ?? [];
        this.faultAlerts.set(String(item["id"]), {
          rule: String(item["rule"]),
          subject: evidence[0] ?? String(item["sector"] ?? ""),
          summary: String(item["summary"] ?? ""),
        });
      }
    }
    if (sensorsChanged) this.changed(this.healths());
    this.schedule();
  }

  /** Take one incident (the wire's; a new one leaves `state` and `category` out). */
  takeIncident(item: Item): void {
    this.incidents.set(String(item["id"]), {
      id: String(item["id"]),
      sector: String(item["sector"]),
      state: String(item["state"] ?? "new"),
      priority: Number(item["priority"] ?? 3),
      category: String(item["category"] ?? "intrusion"),
      alertIds: (item["alert_ids"] as string[] | undefined) ?? [],
      updatedNs: Number(item["updated_ns"] ?? 0),
    });
  }

  /** Open intrusion incidents in `sector`. */
  openIncidents(sector: string): number {
    let n = 0;
    for (const inc of this.incidents.values())
      if (inc.sector === sector && inc.state !== "resolved" && inc.category === "intrusion") n++;
    return n;
  }

  /** `sector`'s threat level (see the module's comment). */
  threat(sector: string): Threat {
    const priorities = [...this.incidents.values()]
      .filter((i) => i.sector === sector && i.state !== "resolved" && i.category === "intrusion")
      .map((i) => i.priority);
    const healths = [...this.sensors.values()]
      .filter((s) => s.sector === sector)
      .map((s) => s.health);
    return threatLevel(priorities, healths);
  }

  /** Draw the panel now (also after a language switch). */
  render(): void {
    window.clearTimeout(this.renderTimer);
    this.renderTimer = undefined;
    const nowNs = this.now() || Date.now() * 1e6;
    const table = document.createElement("table");
    table.className = "health";
    const head = table.createTHead().insertRow();
    for (const key of [
      "health.sector",
      "health.threat",
      "health.incidents",
      "health.sensors",
    ] as const) {
      const th = document.createElement("th");
      th.textContent = t(key);
      head.append(th);
    }
    const body = table.createTBody();
    const sectors =
      this.sectors.length > 0
        ? this.sectors
        : [...new Set([...this.sensors.values()].map((s) => s.sector))];
    for (const sector of sectors) {
      const sensors = [...this.sensors.values()].filter((s) => s.sector === sector);
      const ok = sensors.filter((s) => s.health === "ok").length;
      const unknown = sensors.filter((s) => s.health === "unknown").length;
      const row = body.insertRow();
      row.className = "sector";
      row.dataset["sector"] = sector;
      const threat = this.threat(sector);
      cell(row, sector);
      const badge = cell(row, t(`threat.${threat}`));
      badge.className = `threat ${threat}`;
      badge.title = t("threat.help");
      cell(row, String(this.openIncidents(sector))).className = "incidents";
      const up = `${ok}/${sensors.length - unknown}`;
      const count = cell(row, unknown > 0 ? `${up} · ${unknown} ${t("health.unknown")}` : up);
      count.title = t("health.sensors.help");
      count.className = "sensors-up";
      row.addEventListener("click", () => {
        if (this.open.has(sector)) this.open.delete(sector);
        else this.open.add(sector);
        this.render();
      });
      if (!this.open.has(sector)) continue;
      for (const s of sensors) {
        const line = body.insertRow();
        line.className = "sensor";
        line.dataset["sensor"] = s.id;
        cell(line, s.id);
        const health = cell(line, t(`health.${s.health}`));
        health.className = `health-${s.health}`;
        cell(line, t(`sensor.${s.kind}` as Key) || s.kind);
        const heard = cell(line, s.lastHeardNs === null ? "—" : ago((nowNs - s.lastHeardNs) / 1e9));
        if (s.lastHeardNs !== null)
          heard.title = `${bothTimes(s.lastHeardNs)}\n${utcDateTime(s.lastHeardNs)}`;
      }
    }
    this.root.replaceChildren(this.faultQueue(nowNs), table);
  }

  /** The health queue: one row per open equipment incident (one cause), most urgent first. */
  private faultQueue(nowNs: number): HTMLElement {
    const section = document.createElement("section");
    section.id = "fault-queue";
    const title = document.createElement("h3");
    const faults = faultOrder([...this.incidents.values()]);
    title.textContent = `${t("faults.title")}${faults.length > 0 ? ` (${faults.length})` : ""}`;
    section.append(title);
    if (faults.length === 0) {
      const empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = t("faults.empty");
      section.append(empty);
      return section;
    }
    const list = document.createElement("ol");
    list.className = "faults";
    for (const f of faults) {
      const latest = [...f.alertIds].reverse().find((id) => this.faultAlerts.has(id));
      const alert = latest === undefined ? undefined : this.faultAlerts.get(latest);
      const row = document.createElement("li");
      row.className = `fault p${f.priority}`;
      row.dataset["incident"] = f.id;
      row.dataset["sector"] = f.sector;
      const parts = [
        `P${f.priority}`,
        alert === undefined ? "" : tOr(`rule.${alert.rule}`, alert.rule),
        alert?.subject ?? "",
        f.sector,
        f.alertIds.length > 1 ? `×${f.alertIds.length}` : "",
        f.updatedNs > 0 ? ago((nowNs - f.updatedNs) / 1e9) : "",
      ];
      for (const [k, text] of parts.entries()) {
        const span = document.createElement(k === 2 || k === 3 ? "bdi" : "span");
        span.className = ["prio", "rule", "subject", "sector", "count", "age"][k] ?? "";
        span.textContent = text;
        row.append(span, " ");
      }
      row.title = alert?.summary ?? "";
      list.append(row);
    }
    section.append(list);
    return section;
  }

  private healths(): Map<string, string> {
    return new Map([...this.sensors.values()].map((s) => [s.id, s.health]));
  }

  private schedule(): void {
    if (this.renderTimer === undefined)
      this.renderTimer = window.setTimeout(() => this.render(), RENDER_MS);
  }

  private async pollEngine(): Promise<void> {
    const bar = document.getElementById("engine-state");
    if (bar === null) return;
    try {
      const e = await getJson<EngineStatus>(this.session, "/engine");
      bar.textContent = engineText(e);
      bar.title = e.last_fault;
      bar.className = e.ready && e.faults === 0 ? "ok" : "warn";
      bar.dataset["faults"] = String(e.faults);
      bar.hidden = false;
    } catch (error) {
      console.warn("engine:", error);
    }
  }

  private async pollStations(): Promise<void> {
    const bar = document.getElementById("stations-state");
    if (bar === null) return;
    try {
      const s = await getJson<StationsStatus>(this.session, "/stations");
      bar.hidden = s.mode !== "distributed";
      bar.textContent = stationsText(s);
      bar.title = s.stations.map(stationDetail).join("\n");
      const down = s.stations.some((st) => st.link !== "up");
      bar.className = s.running && !s.stale && !down ? "ok" : "warn";
    } catch (error) {
      console.warn("stations:", error);
    }
  }

  private async poll(): Promise<void> {
    void this.pollEngine();
    try {
      const sensors = await getJson<Item[]>(this.session, "/sensors");
      for (const item of sensors) {
        const view = sensorView(item);
        this.sensors.set(view.id, view);
      }
      this.changed(this.healths());
      this.render();
    } catch (error) {
      // A role without read_sensors: the panel shows sectors and incidents only.
      console.warn("sensors:", error);
      this.render();
    }
  }
}

export interface EngineStatus {
  ready: boolean;
  lag_events: number;
  faults: number;
  quarantined: number;
  last_fault: string;
}

/** The engine's state for the status bar: following or rebuilding, how far behind the log,
 * and, only when there are any, its faults and quarantined events (GET /engine). */
export function engineText(e: EngineStatus): string {
  const parts = [`${t("engine.label")}: ${t(e.ready ? "engine.ready" : "engine.rebuilding")}`];
  if (e.lag_events > 0) parts.push(`${e.lag_events} ${t("engine.lag")}`);
  if (e.faults > 0) parts.push(`${e.faults} ${t("engine.faults")}`);
  if (e.quarantined > 0) parts.push(`${e.quarantined} ${t("engine.quarantined")}`);
  return ` · ${parts.join(", ")}`;
}

/** A sector station as the operations room last saw it (GET /stations). */
export interface StationRow {
  station: string;
  link?: "up" | "down";
  last_heard_s_ago?: number;
  last_heard_event_ns?: number;
  backlog?: number;
  pending?: number;
  lag_s?: number;
  received?: number;
}

export interface StationsStatus {
  mode: "embedded" | "distributed";
  running: boolean;
  stale: boolean;
  health_age_s?: number;
  stations: StationRow[];
  error?: string;
}

/** The stations for the status bar (distributed mode only): each station's link, and for
 * one that is not up or not caught up, its backlog and lag; or that the room is silent. */
export function stationsText(s: StationsStatus): string {
  const label = t("stations.label");
  if (!s.running || s.stale) return ` · ${label}: ${t("stations.silent")}`;
  const parts = s.stations.map((st) => {
    const link = st.link === undefined ? "?" : t(st.link === "up" ? "stations.up" : "stations.down");
    const extra: string[] = [];
    const waiting = (st.backlog ?? 0) + (st.pending ?? 0);
    if (waiting > 0) extra.push(`${t("stations.backlog")} ${waiting}`);
    if (st.lag_s !== undefined && st.lag_s >= 5) extra.push(`${t("stations.lag")} ${Math.round(st.lag_s)} s`);
    return `${st.station} ${link}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
  });
  return ` · ${label}: ${parts.join(", ")}`;
}

function stationDetail(st: StationRow): string {
  const heard =
    st.last_heard_s_ago === undefined ? "—" : ago(st.last_heard_s_ago);
  const event =
    st.last_heard_event_ns === undefined ? "" : ` (${utcDateTime(st.last_heard_event_ns)})`;
  return (
    `${st.station}: ${t("stations.heard")} ${heard}${event}; ` +
    `${t("stations.backlog")} ${st.backlog ?? "—"} + ${st.pending ?? "—"}; ` +
    `${t("stations.lag")} ${st.lag_s ?? "—"} s`
  );
}

function cell(row: HTMLTableRowElement, text: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}
