// The sensors and sectors panel: every fixed sensor by sector with its health (ok, degraded,
// down, tampered) and last heartbeat, each sector's open incidents and its threat level.
//
// Sensors come from GET /sensors (again every POLL_S, for the heartbeats: a `sensors` frame
// is sent only when a health changes) and from `sensors` and `reset` frames; incidents from
// `incident` and `reset` frames (every incident in its latest state). The threat level is a
// plain rule an operator can check by eye (`threatLevel`, and the tooltip says it):
//   high      an open incident of priority 1, three or more open incidents, or a tampered sensor
//   elevated  any other open incident, or a sensor down
//   low       otherwise
// (Priority 1 is the rules' most urgent: a vehicle approaching, a line breach, a convoy.)

import { getJson, type Session } from "./api";
import { ago, bothTimes, utcDateTime } from "./clock";
import { t, type Key } from "./i18n";
import type { Frame, Item } from "./stream";

export type Health = "ok" | "degraded" | "down" | "tampered";
export type Threat = "low" | "elevated" | "high";

export interface SensorView {
  id: string;
  kind: string;
  sector: string;
  health: Health;
  lastHeardNs: number | null;
}

interface IncidentView {
  sector: string;
  state: string;
  priority: number;
}

const POLL_S = 30;
// This many open incidents in one sector make its threat high whatever their priority.
export const HIGH_COUNT = 3;
// Re-render at most this often (ms): frames can come many times a second.
const RENDER_MS = 1000;

/** A sector's threat level from its open incidents' priorities and its sensors' health. */
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

function sensorView(item: Item): SensorView {
  const heard = item["last_heard_ns"];
  return {
    id: String(item["sensor_id"]),
    kind: String(item["kind"]),
    sector: String(item["sector"]),
    health: String(item["health"] ?? "ok") as Health,
    lastHeardNs: typeof heard === "number" ? heard : null,
  };
}

/** The health panel in `root`. */
export class HealthPanel {
  readonly sensors = new Map<string, SensorView>();
  private readonly incidents = new Map<string, IncidentView>();
  private sectors: string[] = [];
  private timer: number | undefined;
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
    this.timer = window.setInterval(() => void this.poll(), POLL_S * 1000);
  }

  /** Stop polling. */
  stop(): void {
    window.clearInterval(this.timer);
    window.clearTimeout(this.renderTimer);
  }

  /** Take what a frame says about sensors and incidents. */
  apply(frame: Frame): void {
    if (frame.kind !== "sensors" && frame.kind !== "incident" && frame.kind !== "reset") return;
    let sensorsChanged = false;
    for (const item of frame.items ?? []) {
      if (item.type === "sensor") {
        const view = sensorView(item);
        this.sensors.set(view.id, view);
        sensorsChanged = true;
      } else if (item.type === "incident") {
        this.incidents.set(String(item["id"]), {
          sector: String(item["sector"]),
          state: String(item["state"] ?? "new"),
          priority: Number(item["priority"] ?? 3),
        });
      }
    }
    if (sensorsChanged) this.changed(this.healths());
    this.schedule();
  }

  /** Open incidents in `sector`. */
  openIncidents(sector: string): number {
    let n = 0;
    for (const inc of this.incidents.values())
      if (inc.sector === sector && inc.state !== "resolved") n++;
    return n;
  }

  /** `sector`'s threat level (see the module's comment). */
  threat(sector: string): Threat {
    const priorities = [...this.incidents.values()]
      .filter((i) => i.sector === sector && i.state !== "resolved")
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
      const bad = sensors.filter((s) => s.health !== "ok").length;
      const row = body.insertRow();
      row.className = "sector";
      row.dataset["sector"] = sector;
      const threat = this.threat(sector);
      cell(row, sector);
      const badge = cell(row, t(`threat.${threat}`));
      badge.className = `threat ${threat}`;
      badge.title = t("threat.help");
      cell(row, String(this.openIncidents(sector))).className = "incidents";
      cell(row, `${sensors.length - bad}/${sensors.length}`).title = t("health.sensors.help");
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
    this.root.replaceChildren(table);
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

function cell(row: HTMLTableRowElement, text: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}
