// The open incident on the map: its alert positions and its tracks (where they are now, and
// each one's history, `GET /api/v1/tracks/{id}/history`, as a line with a point per snapshot
// whose time shows on hover or click) as a highlighted layer, and the predicted crossing as
// a marker. Under them, the detections its alerts cite (`GET /api/v1/incidents/{id}/detections`):
// a small point each, coloured by sensor kind; a camera's (a bearing, no range) as a short
// ray from the camera. A track with no history (dropped, or a role that may not read tracks) gets the
// path through the alerts that named it instead. The layer is added on top of whatever
// map.ts drew: the map's style is not this module's.

import maplibregl from "maplibre-gl";
import type { Feature, FeatureCollection } from "geojson";
import { ApiError, getJson, type Session } from "./api";
import { bdi, el, utcTime } from "./dom";
import { t } from "./i18n";
import type { Item } from "./stream";

const EVIDENCE = "incident-evidence";

/** One point of a track's history (borderwatch.api.tracks.HistoryPoint). */
export interface HistoryPoint {
  time_ns: number;
  lat: number;
  lon: number;
  coasting: boolean;
}

/** `GET /api/v1/tracks/{id}/history` (borderwatch.api.tracks.History). */
export interface TrackHistory {
  track_id: string;
  current: boolean;
  points: HistoryPoint[];
}

/** One detection an incident's alerts cite (borderwatch.api.evidence.EvidenceDetection): a
 * camera's is at the camera, with the bearing it saw the target on. */
export interface EvidenceDetection {
  key: string;
  sensor_id: string;
  kind: string;
  time_ns: number;
  lat: number;
  lon: number;
  bearing_deg?: number;
}

/** `GET /api/v1/incidents/{id}/detections` (borderwatch.api.evidence.IncidentDetections). */
interface IncidentDetections {
  detections: EvidenceDetection[];
}

/** The detections incident `id`'s alerts cite; null if the API did not answer (the panel
 * works without them, and asks again at the next refresh). */
export async function loadDetections(session: Session, id: string): Promise<EvidenceDetection[] | null> {
  try {
    const path = `/incidents/${encodeURIComponent(id)}/detections`;
    const got = await getJson<IncidentDetections>(session, path);
    return got.detections;
  } catch {
    return null;
  }
}

// A detection's colour by its sensor's kind.
const KIND_COLOURS = ["radar", "#ffcc00", "camera", "#5ac8fa", "ugs", "#34c759", "line", "#bf5af2"];
const OTHER_COLOUR = "#ff9f0a"; // patrol reports
// A camera ray's length on the map: the camera gives no range, only a direction.
const RAY_M = 1_500;

/** A short segment from the camera along its (true) bearing; flat-earth is exact enough
 * over a kilometre or two for a line on the map. */
function ray(d: EvidenceDetection): Feature {
  const b = ((d.bearing_deg ?? 0) * Math.PI) / 180;
  const dLat = (RAY_M * Math.cos(b)) / 111_320;
  const dLon = (RAY_M * Math.sin(b)) / (111_320 * Math.cos((d.lat * Math.PI) / 180));
  return {
    type: "Feature",
    geometry: { type: "LineString", coordinates: [[d.lon, d.lat], [d.lon + dLon, d.lat + dLat]] },
    properties: { kind: "ray", sensor: d.kind },
  };
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

/** The highlighted layer and the crossing marker on `map`. */
export class EvidenceLayer {
  private marker: maplibregl.Marker | null = null;
  private readonly popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false });

  constructor(private readonly map: maplibregl.Map) {}

  /** Draw the alerts, the tracks' current positions (id → lon, lat), their histories
   * (id → points, oldest first; null: none) and the cited detections. */
  draw(
    alerts: readonly Item[],
    tracks: ReadonlyMap<string, [number, number]>,
    histories: ReadonlyMap<string, readonly HistoryPoint[] | null>,
    detections: readonly EvidenceDetection[] = [],
  ): void {
    const features: Feature[] = [];
    for (const d of detections) {
      features.push(
        d.bearing_deg === undefined
          ? {
              type: "Feature",
              geometry: { type: "Point", coordinates: [d.lon, d.lat] },
              properties: { kind: "detection", sensor: d.kind },
            }
          : ray(d),
      );
    }
    const byTrack = new Map<string, Array<[number, number, number]>>(); // time, lon, lat
    for (const alert of alerts) {
      const lon = Number(alert["lon"]);
      const lat = Number(alert["lat"]);
      features.push(point(lon, lat, "alert"));
      for (const tid of (alert["track_ids"] as string[] | undefined) ?? []) {
        if (histories.get(tid)) continue;
        const path = byTrack.get(tid) ?? [];
        path.push([Number(alert["time_ns"]), lon, lat]);
        byTrack.set(tid, path);
      }
    }
    for (const [tid, at] of tracks) {
      features.push(point(at[0], at[1], "track"));
      if (histories.get(tid)) continue;
      const path = byTrack.get(tid) ?? [];
      path.push([Number.MAX_SAFE_INTEGER, at[0], at[1]]);
      byTrack.set(tid, path);
    }
    const drawn: string[] = [];
    for (const [tid, points] of histories) {
      if (points === null) continue;
      drawn.push(`${tid}:${points.length}`);
      for (const p of points) {
        features.push({
          type: "Feature",
          geometry: { type: "Point", coordinates: [p.lon, p.lat] },
          properties: { kind: "history", track: tid, time: p.time_ns, coasting: p.coasting },
        });
      }
      if (points.length < 2) continue;
      features.push({
        type: "Feature",
        geometry: { type: "LineString", coordinates: points.map((p) => [p.lon, p.lat]) },
        properties: { kind: "path" },
      });
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
    this.set({ type: "FeatureCollection", features }, drawn.join(" "), detections.length);
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
    this.popup.remove();
    this.set({ type: "FeatureCollection", features: [] }, "", 0);
  }

  /** Zoom to the incident, its alerts, its tracks' histories and its predicted crossing. */
  fit(
    incident: Item,
    alerts: readonly Item[],
    histories: ReadonlyMap<string, readonly HistoryPoint[] | null>,
  ): void {
    const bounds = new maplibregl.LngLatBounds();
    bounds.extend([Number(incident["lon"]), Number(incident["lat"])]);
    for (const alert of alerts) bounds.extend([Number(alert["lon"]), Number(alert["lat"])]);
    for (const points of histories.values()) {
      for (const p of points ?? []) bounds.extend([p.lon, p.lat]);
    }
    const crossing = predictedCrossing(alerts);
    if (crossing !== null) bounds.extend([crossing.lon, crossing.lat]);
    this.map.fitBounds(bounds, { padding: 80, maxZoom: 12, duration: 0 });
  }

  /** Put `data` in the layer; `history` says what of it is history (track:points ...) and
   * `detections` how many detections it holds, on the map's container, for a look at the page
   * (and its browser test). */
  private set(data: FeatureCollection, history: string, detections: number): void {
    const map = this.map;
    if (!map.isStyleLoaded() && map.getSource(EVIDENCE) === undefined) return;
    map.getContainer().dataset["evidenceHistory"] = history;
    map.getContainer().dataset["evidenceDetections"] = String(detections);
    const source = map.getSource<maplibregl.GeoJSONSource>(EVIDENCE);
    if (source !== undefined) {
      source.setData(data);
      return;
    }
    map.addSource(EVIDENCE, { type: "geojson", data });
    // The detections first, so the history line and the marks are drawn over them.
    const colour = ["match", ["get", "sensor"], ...KIND_COLOURS, OTHER_COLOUR];
    map.addLayer({
      id: `${EVIDENCE}-rays`,
      type: "line",
      source: EVIDENCE,
      filter: ["==", ["get", "kind"], "ray"],
      paint: {
        "line-color": colour as maplibregl.ExpressionSpecification,
        "line-width": 1,
        "line-opacity": 0.7,
      },
    });
    map.addLayer({
      id: `${EVIDENCE}-detections`,
      type: "circle",
      source: EVIDENCE,
      filter: ["==", ["get", "kind"], "detection"],
      paint: {
        // Wider than a history dot, so one under the line still shows as a ring of colour.
        "circle-radius": 4.5,
        "circle-color": colour as maplibregl.ExpressionSpecification,
        "circle-opacity": 0.85,
      },
    });
    map.addLayer({
      id: `${EVIDENCE}-path`,
      type: "line",
      source: EVIDENCE,
      filter: ["==", ["get", "kind"], "path"],
      paint: { "line-color": "#ff2d55", "line-width": 3, "line-opacity": 0.8 },
    });
    // A dot per snapshot; hollow where the track was coasting (predicted, not seen).
    map.addLayer({
      id: `${EVIDENCE}-history`,
      type: "circle",
      source: EVIDENCE,
      filter: ["==", ["get", "kind"], "history"],
      paint: {
        "circle-radius": 3,
        "circle-color": ["case", ["get", "coasting"], "rgba(255, 255, 255, 0.6)", "#ff2d55"],
        "circle-stroke-color": "#ff2d55",
        "circle-stroke-width": 1,
      },
    });
    const show = (e: maplibregl.MapLayerMouseEvent): void => this.showTime(e);
    map.on("mousemove", `${EVIDENCE}-history`, show);
    map.on("click", `${EVIDENCE}-history`, show);
    map.on("mouseleave", `${EVIDENCE}-history`, () => {
      map.getCanvas().style.cursor = "";
      this.popup.remove();
    });
    map.addLayer({
      id: `${EVIDENCE}-points`,
      type: "circle",
      source: EVIDENCE,
      filter: ["match", ["get", "kind"], ["alert", "track"], true, false],
      paint: {
        "circle-radius": ["match", ["get", "kind"], "track", 11, 6],
        "circle-color": "rgba(255, 45, 85, 0.15)",
        "circle-stroke-color": "#ff2d55",
        "circle-stroke-width": 2,
      },
    });
  }

  /** The time (and coasting) of the history point under the pointer, in a popup. */
  private showTime(e: maplibregl.MapLayerMouseEvent): void {
    const feature = e.features?.[0];
    if (feature === undefined || feature.geometry.type !== "Point") return;
    const props = feature.properties as { track: string; time: number; coasting: boolean };
    let text = `${props.track} · ${utcTime(Number(props.time))}`;
    if (props.coasting) text += ` · ${t("incident.coasting")}`;
    this.map.getCanvas().style.cursor = "pointer";
    const [lon, lat] = feature.geometry.coordinates as [number, number];
    this.popup.setLngLat([lon, lat]).setDOMContent(bdi(text)).addTo(this.map);
  }
}

function point(lon: number, lat: number, kind: string): Feature {
  return { type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties: { kind } };
}

/** Fetch the histories of `ids` not in `into` yet: null where the API has none (404: a
 * track dropped long after it ended); left out on any other failure, to be asked again at
 * the next refresh (the panel works without them: the alert positions stand in). */
export async function loadHistories(
  session: Session,
  ids: readonly string[],
  into: Map<string, HistoryPoint[] | null>,
): Promise<void> {
  const wanted = ids.filter((id) => !into.has(id));
  const got = await Promise.all(
    wanted.map((id) =>
      getJson<TrackHistory>(session, `/tracks/${encodeURIComponent(id)}/history`).then(
        (history) => history.points,
        (error: unknown) => (error instanceof ApiError && error.status === 404 ? null : undefined),
      ),
    ),
  );
  wanted.forEach((id, i) => {
    const points = got[i];
    if (points !== undefined) into.set(id, points);
  });
}

// Two hours at one point per 5 s snapshot, as the engine keeps them.
const MAX_POINTS = 1440;

/** Add a track's position from a live tracks frame to its history, if it is newer. */
export function extendHistory(points: HistoryPoint[], track: Item): void {
  const timeNs = Number(track["time_ns"]);
  const last = points.at(-1);
  if (last !== undefined && timeNs <= last.time_ns) return;
  points.push({
    time_ns: timeNs,
    lat: Number(track["lat"]),
    lon: Number(track["lon"]),
    coasting: track["status"] === "coasting",
  });
  if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
}

/** The panel's line of tracks, each with its history's extent: how many snapshots, from when. */
export function trackList(
  ids: readonly string[],
  histories: ReadonlyMap<string, HistoryPoint[] | null>,
): HTMLElement {
  const line = el("p", "tracks");
  line.append(el("strong", "", "incident.tracks"), ":");
  for (const tid of ids) {
    const span = el("span", "track");
    span.dataset["track"] = tid;
    span.append(" ", bdi(tid));
    const points = histories.get(tid);
    const first = points?.[0];
    if (points && first !== undefined) {
      span.dataset["points"] = String(points.length);
      span.append(` (${points.length} `, el("span", "", "incident.points"), " · ");
      span.append(bdi(utcTime(first.time_ns)), ")");
    }
    line.append(span);
  }
  return line;
}
