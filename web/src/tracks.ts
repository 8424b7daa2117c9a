// The live tracks and patrols, kept from the stream's frames, as GeoJSON for the map.
//
// A `tracks` frame is a snapshot of every confirmed track at its time: a track it leaves out
// has ended, so it is dropped. A `reset` is the whole picture.

import type { Feature, FeatureCollection, Point } from "geojson";
import type { Frame, Item } from "./stream";

export type TrackClass = "person" | "vehicle" | "animal" | "unknown" | "friendly";
export const TRACK_CLASSES: readonly TrackClass[] = [
  "person",
  "vehicle",
  "animal",
  "unknown",
  "friendly",
];

/** One track as the map shows it. */
export interface TrackView {
  id: string;
  sector: string;
  lat: number;
  lon: number;
  timeNs: number;
  cls: TrackClass;
  friendly: boolean;
}

export interface PatrolView {
  callsign: string;
  agency: string;
  lat: number;
  lon: number;
  status: string;
}

const CLASS_NAMES = ["person", "vehicle", "animal", "unknown"] as const;

/** The most likely class of a wire track (`friendly` if it is one of ours). */
export function trackClass(item: Item): TrackClass {
  if (item["friendly"] === true) return "friendly";
  // The wire leaves out a value at its default: a class posterior left out is uniform, and
  // a class probability left out inside it is 1.0 (`ClassLikelihood`'s default).
  const classes = item["classes"] as Partial<Record<(typeof CLASS_NAMES)[number], number>> | undefined;
  if (classes === undefined) return "unknown";
  let best: TrackClass = "unknown";
  let bestP = -1;
  for (const name of CLASS_NAMES) {
    const p = classes[name] ?? 1.0;
    if (p > bestP) {
      best = name;
      bestP = p;
    }
  }
  return best;
}

function trackView(item: Item): TrackView {
  return {
    id: String(item["id"]),
    sector: String(item["sector"]),
    lat: Number(item["lat"]),
    lon: Number(item["lon"]),
    timeNs: Number(item["time_ns"]),
    cls: trackClass(item),
    friendly: item["friendly"] === true,
  };
}

/** The picture's tracks and patrols, updated frame by frame. */
export class TrackStore {
  readonly tracks = new Map<string, TrackView>();
  readonly patrols = new Map<string, PatrolView>();
  timeNs = 0;

  /** Apply a frame; true if the tracks or patrols changed. */
  apply(frame: Frame): boolean {
    const items = frame.items ?? [];
    switch (frame.kind) {
      case "reset":
        this.tracks.clear();
        this.patrols.clear();
        this.replaceTracks(items);
        this.updatePatrols(items);
        this.timeNs = frame.time_ns;
        return true;
      case "tracks":
        this.replaceTracks(items);
        this.timeNs = frame.time_ns;
        return true;
      case "patrols":
        this.updatePatrols(items);
        return true;
      default:
        return false;
    }
  }

  /** The tracks as GeoJSON points (properties: id, sector, cls). */
  trackFeatures(): FeatureCollection<Point> {
    const features: Feature<Point>[] = [];
    for (const t of this.tracks.values()) {
      features.push({
        type: "Feature",
        id: t.id,
        geometry: { type: "Point", coordinates: [t.lon, t.lat] },
        properties: { id: t.id, sector: t.sector, cls: t.cls },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** The patrols as GeoJSON points (properties: callsign, agency, status). */
  patrolFeatures(): FeatureCollection<Point> {
    const features: Feature<Point>[] = [];
    for (const p of this.patrols.values()) {
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [p.lon, p.lat] },
        properties: { callsign: p.callsign, agency: p.agency, status: p.status },
      });
    }
    return { type: "FeatureCollection", features };
  }

  private replaceTracks(items: Item[]): void {
    // Same ids are updated in place; those the snapshot leaves out have ended.
    const seen = new Set<string>();
    for (const item of items) {
      if (item.type !== "track") continue;
      const view = trackView(item);
      seen.add(view.id);
      this.tracks.set(view.id, view);
    }
    for (const id of this.tracks.keys()) if (!seen.has(id)) this.tracks.delete(id);
  }

  private updatePatrols(items: Item[]): void {
    for (const item of items) {
      if (item.type !== "patrol") continue;
      const callsign = String(item["callsign"]);
      this.patrols.set(callsign, {
        callsign,
        agency: String(item["agency"]),
        lat: Number(item["lat"]),
        lon: Number(item["lon"]),
        status: String(item["status"] ?? "available"),
      });
    }
  }
}
