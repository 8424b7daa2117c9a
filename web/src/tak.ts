// What TAK devices said, on the console: the markers patrols dropped from ATAK (GET
// /tak/markers: hostile, unknown, suspect) as a layer of their own on the map, hollow
// rings coloured by affiliation so they never pass for the engine's tracks (filled symbols
// and dots), and listed in the map side's TAK box; and the patrols' emergencies (GET
// /tak/emergencies) in a red box of their own above the alert queue, where no one can miss
// them: their incidents are of category `emergency`, in neither the intrusion queue nor the
// health queue, so a click on one opens its incident (to acknowledge, assign, resolve) and
// takes the map to its place.
//
// Both are read again every POLL_MS, and at once when the stream brings an emergency alert
// (rule `emergency`): a device's marker is not in the stream (it is a sighting, not the
// engine's picture). A role that may not read them (GET /me) asks for neither.

import type maplibregl from "maplibre-gl";
import type { Feature, FeatureCollection, Point } from "geojson";
import { getJson, type Session } from "./api";
import { bdi, el, utcTime } from "./dom";
import { tOr } from "./i18n";
import type { Frame } from "./stream";

interface DeviceMarker {
  uid: string;
  device: string;
  type: string;
  time_ns: number;
  lat: number;
  lon: number;
  sigma_m: number;
}

interface EmergencyIncident {
  id: string;
  alert_ids: string[];
  state?: string; // omitted while "new" (the message's default)
}

interface Emergency {
  id: string;
  time_ns: number;
  lat: number;
  lon: number;
  sector?: string;
  summary?: string;
  evidence?: string[];
}

export const POLL_MS = 5_000;
const SOURCE = "tak-markers";
const SHOWN = 20; // markers listed (newest first); the map shows them all

/** `a-h-G` → hostile, `a-s-…` → suspect, anything else → unknown (CoT's second letter). */
export function affiliation(cotType: string): "hostile" | "suspect" | "unknown" {
  const a = cotType.split("-")[1] ?? "";
  if (a === "h" || a === "j" || a === "k") return "hostile";
  if (a === "s") return "suspect";
  return "unknown";
}

function features(markers: DeviceMarker[]): FeatureCollection<Point> {
  return {
    type: "FeatureCollection",
    features: markers.map(
      (m): Feature<Point> => ({
        type: "Feature",
        id: m.uid,
        geometry: { type: "Point", coordinates: [m.lon, m.lat] },
        properties: { uid: m.uid, device: m.device, affiliation: affiliation(m.type) },
      }),
    ),
  };
}

/** Where the TAK side shows itself (elements of index.html). */
export interface TakElements {
  box: HTMLElement; // the map side's <details> with the markers' list
  markers: HTMLElement;
  emergencies: HTMLElement;
}

/** The devices' markers on `map` and their emergencies, for `session`. */
export class TakLayer {
  private markers: DeviceMarker[] = [];
  private emergencies: Emergency[] = [];
  private incidentOf = new Map<string, EmergencyIncident>(); // by alert id
  private timer: number | undefined;
  private stopped = false;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly session: Session,
    private readonly els: TakElements,
    private readonly may: (permission: string) => boolean,
    /** Open an incident in the incident panel. */
    private readonly open: (incidentId: string) => void,
  ) {
    if (may("read_tracks")) {
      map.addSource(SOURCE, { type: "geojson", data: features([]) });
      map.addLayer({
        id: SOURCE,
        type: "circle",
        source: SOURCE,
        paint: {
          "circle-radius": 8,
          "circle-color": "rgba(0,0,0,0)",
          "circle-stroke-width": 3,
          "circle-stroke-color": [
            "match",
            ["get", "affiliation"],
            "hostile",
            "#e4002b",
            "suspect",
            "#ff8c00",
            "#f2c200",
          ],
        },
      });
      els.box.hidden = false;
    } else {
      els.box.hidden = true;
    }
    els.emergencies.hidden = true;
  }

  /** Read both now, then every POLL_MS until `stop`. */
  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      void this.load().finally(() => {
        if (!this.stopped) this.timer = window.setTimeout(tick, POLL_MS);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.els.emergencies.hidden = true;
    this.els.emergencies.replaceChildren();
  }

  /** A frame from the stream: an emergency alert is read at once. */
  apply(frame: Frame): void {
    if (frame.kind !== "alert") return;
    if ((frame.items ?? []).some((i) => i["rule"] === "emergency")) void this.load();
  }

  relabel(): void {
    this.render();
  }

  async load(): Promise<void> {
    try {
      if (this.may("read_tracks")) {
        this.markers = await getJson<DeviceMarker[]>(this.session, "/tak/markers");
      }
      if (this.may("read_alerts")) {
        this.emergencies = await getJson<Emergency[]>(this.session, "/tak/emergencies");
      }
      if (this.may("read_incidents") && this.emergencies.length > 0) {
        const incidents = await getJson<EmergencyIncident[]>(
          this.session,
          "/incidents?category=emergency&limit=1000",
        );
        this.incidentOf = new Map(incidents.flatMap((i) => i.alert_ids.map((a) => [a, i])));
      }
    } catch (error) {
      console.warn("tak:", error);
      return;
    }
    if (this.stopped) return;
    const source = this.map.getSource(SOURCE) as maplibregl.GeoJSONSource | undefined;
    source?.setData(features(this.markers));
    this.els.markers.dataset["onMap"] = String(source === undefined ? 0 : this.markers.length);
    this.render();
  }

  private render(): void {
    const newest = [...this.markers].sort((a, b) => b.time_ns - a.time_ns).slice(0, SHOWN);
    this.els.markers.replaceChildren(
      newest.length === 0
        ? el("p", "empty", "tak.none")
        : el("ul", "tak-markers"),
    );
    const list = this.els.markers.querySelector("ul");
    for (const m of newest) {
      const li = el("li", `tak-marker ${affiliation(m.type)}`);
      li.dataset["uid"] = m.uid;
      li.append(
        tOr(`tak.${affiliation(m.type)}`, affiliation(m.type)),
        " ",
        bdi(m.device),
        " ",
        bdi(utcTime(m.time_ns)),
      );
      li.addEventListener("click", () => this.fly(m.lon, m.lat));
      list?.append(li);
    }
    const box = this.els.emergencies;
    box.hidden = this.emergencies.length === 0;
    if (box.hidden) {
      box.replaceChildren();
      return;
    }
    const rows = [...this.emergencies].sort((a, b) => b.time_ns - a.time_ns);
    box.replaceChildren(
      el("h2", "", "tak.emergencies"),
      ...rows.map((e) => {
        const row = el("button", "tak-emergency");
        row.type = "button";
        row.dataset["id"] = e.id;
        const who = e.evidence?.[0] ?? "";
        const incident = this.incidentOf.get(e.id);
        if (incident !== undefined) {
          row.dataset["incident"] = incident.id;
          row.dataset["state"] = incident.state ?? "new";
        }
        row.append(
          bdi(who),
          " ",
          bdi(utcTime(e.time_ns)),
          " ",
          bdi(`${e.lat.toFixed(4)}, ${e.lon.toFixed(4)}`),
          e.sector === undefined ? "" : ` ${e.sector}`,
          incident === undefined ? "" : " · ",
          incident === undefined ? "" : el("span", "state", `state.${incident.state ?? "new"}`),
        );
        row.addEventListener("click", () => {
          this.fly(e.lon, e.lat);
          if (incident !== undefined) this.open(incident.id);
        });
        return row;
      }),
    );
  }

  private fly(lon: number, lat: number): void {
    this.map.flyTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), 12) });
  }
}
