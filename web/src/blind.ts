// The berm's blind stretches (degraded mode): where a fibre trigger has no working sensor to
// confirm it, drawn on the map (layers.ts: "blind-down" thick red, sensors failing now;
// "blind-unknown" dashed lilac, sensors never heard; "blind-never" dotted grey, no sensor
// there at all) and listed in a small panel, down-now
// runs first, each with why (which sensors, down or silent) and the free patrol with the
// shortest ETA to its middle (the API ranks it as dispatch does). A row click flies there.
//
// From GET /coverage: on start, again after a `sensors` frame (a health changed) or a reset,
// at most once a second, and every POLL_S (a sensor falls silent without any frame: only
// time passing says so).

import type maplibregl from "maplibre-gl";
import type { FeatureCollection, LineString } from "geojson";
import { getJson, type Session } from "./api";
import { el, bdi } from "./dom";
import { t } from "./i18n";
import { BLIND_DOWN, BLIND_NEVER, BLIND_UNKNOWN } from "./layers";
import { setData } from "./map";
import type { Frame } from "./stream";

const POLL_S = 30;
const REFRESH_MS = 1000;
const ORDER = { down: 0, unknown: 1, never_covered: 2 } as const;

interface NearestPatrol {
  callsign: string;
  eta_s: number;
  stale: boolean;
}

interface BlindProperties {
  sector: string;
  from_km: number;
  to_km: number;
  length_m: number;
  kind: "down" | "unknown" | "never_covered";
  why: string;
  lat: number;
  lon: number;
  nearest_patrol?: NearestPatrol | null;
}

interface Coverage extends FeatureCollection<LineString, BlindProperties> {
  time_ns: number | null;
}

/** "12 min" (or "45 s") for an ETA in seconds. */
export function etaText(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** The blind stretches on the map and in their panel. */
export class BlindPanel {
  private coverage: Coverage | null = null;
  private timer: number | undefined;
  private refreshTimer: number | undefined;
  /** Stopped (signed out: the map is removed); a load still in flight must not draw. */
  private stopped = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly map: maplibregl.Map,
    private readonly session: Session,
    /** The role reads patrols: else the API names none, and the panel says nothing of them. */
    private readonly readsPatrols: boolean,
  ) {}

  /** Load the blind stretches and keep them fresh. */
  start(): void {
    void this.load();
    this.timer = window.setInterval(() => void this.load(), POLL_S * 1000);
  }

  /** Stop refreshing. */
  stop(): void {
    this.stopped = true;
    window.clearInterval(this.timer);
    window.clearTimeout(this.refreshTimer);
  }

  /** A health change or a reset: ask again (soon, once for a burst of frames). */
  apply(frame: Frame): void {
    if (frame.kind !== "sensors" && frame.kind !== "reset") return;
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = undefined;
      void this.load();
    }, REFRESH_MS);
  }

  private async load(): Promise<void> {
    try {
      this.coverage = await getJson<Coverage>(this.session, "/coverage");
    } catch (error) {
      console.warn("coverage:", error);
      return;
    }
    // Signed out while /coverage was on its way: the map is gone (a removed map throws
    // "reading 'getSource'", which the browser test caught now and then).
    if (this.stopped) return;
    setData(this.map, "blind", this.coverage);
    this.render();
    // What the map drew, by layer (on the container, for the browser test, as picture.ts
    // does for partners' patrols): the runs in view once the new data is rendered.
    this.map.once("idle", () => {
      const drawn: Record<string, number> = {};
      for (const layer of ["blind-down", "blind-unknown", "blind-never"]) {
        if (this.map.getLayer(layer) === undefined) continue;
        drawn[layer] = this.map.queryRenderedFeatures({ layers: [layer] }).length;
      }
      this.map.getContainer().dataset["blindDrawn"] = JSON.stringify(drawn);
    });
  }

  /** Draw the panel (also after a language switch). */
  render(): void {
    const legend = el("div", "blind-legend");
    for (const [kind, colour, key] of [
      ["down", BLIND_DOWN, "blind.down"],
      ["unknown", BLIND_UNKNOWN, "blind.unknown"],
      ["never_covered", BLIND_NEVER, "blind.never"],
    ] as const) {
      const entry = el("span", `legend ${kind}`);
      const swatch = el("span", "swatch");
      swatch.style.background = colour;
      entry.append(swatch, el("span", "", key));
      legend.append(entry);
    }
    const features = [...(this.coverage?.features ?? [])];
    // Down now first (news), then sensors never heard, then the layout's permanent gaps;
    // along the border within each.
    features.sort(
      (a, b) =>
        ORDER[a.properties.kind] - ORDER[b.properties.kind] ||
        a.properties.sector.localeCompare(b.properties.sector) ||
        a.properties.from_km - b.properties.from_km,
    );
    const list = el("ul", "blind-runs");
    for (const f of features) list.append(this.row(f.properties));
    const summary = el("p", "blind-summary");
    const down = features.filter((f) => f.properties.kind === "down").length;
    summary.textContent = down === 0 ? t("blind.none_down") : `${t("blind.down_runs")}: ${down}`;
    this.root.replaceChildren(legend, summary, list);
    this.root.dataset["down"] = String(down);
  }

  private row(p: BlindProperties): HTMLElement {
    const row = el("li", `blind-run ${p.kind}`);
    row.dataset["sector"] = p.sector;
    row.dataset["kind"] = p.kind;
    const where = el("span", "where");
    where.append(bdi(`${p.sector} km ${p.from_km.toFixed(1)}–${p.to_km.toFixed(1)}`));
    const why = el("span", "why");
    why.textContent = p.kind === "never_covered" ? t("blind.never_why") : p.why;
    row.append(where, why);
    const nearest = p.nearest_patrol;
    const patrol = el("span", "nearest");
    if (!this.readsPatrols || nearest === undefined) {
      patrol.textContent = "";
    } else if (nearest === null) {
      patrol.textContent = t("blind.no_patrol");
    } else {
      patrol.dataset["callsign"] = nearest.callsign;
      patrol.append(`${t("blind.nearest")}: `, bdi(nearest.callsign), ` ${etaText(nearest.eta_s)}`);
      if (nearest.stale) patrol.classList.add("stale");
    }
    row.append(patrol);
    row.addEventListener("click", () => this.map.flyTo({ center: [p.lon, p.lat], zoom: 11 }));
    return row;
  }
}
