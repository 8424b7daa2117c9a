// The open incident on the map: its alert positions and its tracks (where they are now, and
// the path through the alerts that named them) as a highlighted layer, and the predicted
// crossing as a marker. The layer is added on top of whatever map.ts drew: the map's style
// is not this module's.

import maplibregl from "maplibre-gl";
import type { Feature, FeatureCollection } from "geojson";
import { el } from "./dom";
import { t } from "./i18n";
import type { Item } from "./stream";

const EVIDENCE = "incident-evidence";

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

/** The highlighted layer and the crossing marker on `map`. */
export class EvidenceLayer {
  private marker: maplibregl.Marker | null = null;

  constructor(private readonly map: maplibregl.Map) {}

  /** Draw the alerts and the tracks' current positions (id → lon, lat). */
  draw(alerts: readonly Item[], tracks: ReadonlyMap<string, [number, number]>): void {
    const features: Feature[] = [];
    const byTrack = new Map<string, Array<[number, number, number]>>(); // time, lon, lat
    for (const alert of alerts) {
      const lon = Number(alert["lon"]);
      const lat = Number(alert["lat"]);
      features.push(point(lon, lat, "alert"));
      for (const tid of (alert["track_ids"] as string[] | undefined) ?? []) {
        const path = byTrack.get(tid) ?? [];
        path.push([Number(alert["time_ns"]), lon, lat]);
        byTrack.set(tid, path);
      }
    }
    for (const [tid, at] of tracks) {
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
    this.set({ type: "FeatureCollection", features });
    const crossing = predictedCrossing(alerts);
    this.marker?.remove();
    this.marker = null;
    if (crossing !== null) {
      const mark = el("div", "crossing-marker");
      mark.title = t("incident.crossing");
      this.marker = new maplibregl.Marker({ element: mark })
        .setLngLat([crossing.lon, crossing.lat])
        .addTo(this.map);
    }
  }

  /** Take the marks off the map. */
  clear(): void {
    this.marker?.remove();
    this.marker = null;
    this.set({ type: "FeatureCollection", features: [] });
  }

  /** Zoom to the incident, its alerts and its predicted crossing. */
  fit(incident: Item, alerts: readonly Item[]): void {
    const bounds = new maplibregl.LngLatBounds();
    bounds.extend([Number(incident["lon"]), Number(incident["lat"])]);
    for (const alert of alerts) bounds.extend([Number(alert["lon"]), Number(alert["lat"])]);
    const crossing = predictedCrossing(alerts);
    if (crossing !== null) bounds.extend([crossing.lon, crossing.lat]);
    this.map.fitBounds(bounds, { padding: 80, maxZoom: 12, duration: 0 });
  }

  private set(data: FeatureCollection): void {
    const map = this.map;
    if (!map.isStyleLoaded() && map.getSource(EVIDENCE) === undefined) return;
    const source = map.getSource<maplibregl.GeoJSONSource>(EVIDENCE);
    if (source !== undefined) {
      source.setData(data);
      return;
    }
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
}

function point(lon: number, lat: number, kind: string): Feature {
  return { type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: { kind } };
}
