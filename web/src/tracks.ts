// The live tracks and patrols, kept from the stream's frames, as GeoJSON for the map.
//
// A `tracks` frame is a snapshot of every confirmed track at its time. A track it leaves out
// has ended at the engine; the map keeps it a while, greyed ("lost", at its last position), so
// an operator sees where it went, and drops it GONE_S after its last update. A track that is
// coasting (no detection lately, the engine predicting it) or not updated for STALE_S is
// greyed too. Ages are in event time (the picture's time, not the wall clock), so a replayed
// or sped-up picture ages the same way. A `reset` is the whole picture.
//
// Each track keeps its last TRAIL_POINTS positions for a short trail. Drawing stays cheap: a
// frame rebuilds two GeoJSON collections (points and trails), which the map sets in one go.

import type { Feature, FeatureCollection, LineString, Point } from "geojson";
import type { TrackFilter } from "./filters";
import type { Frame, Item } from "./stream";

export type TrackClass = "person" | "vehicle" | "animal" | "unknown" | "friendly";
export const TRACK_CLASSES: readonly TrackClass[] = [
  "person",
  "vehicle",
  "animal",
  "unknown",
  "friendly",
];

/** Positions kept per track for its trail (a snapshot every few seconds: about a minute). */
export const TRAIL_POINTS = 12;
/** Seconds (event time) without an update after which a track is greyed. */
export const STALE_S = 30;
/** Seconds (event time) after its last update at which a track leaves the map. */
export const GONE_S = 300;
/** A patrol not heard from for this long (s) is greyed. */
export const PATROL_STALE_S = 600;

/** One track as the map shows it. */
export interface TrackView {
  id: string;
  sector: string;
  lat: number;
  lon: number;
  timeNs: number;
  cls: TrackClass;
  friendly: boolean;
  coasting: boolean;
  /** Left out of the latest snapshot: ended at the engine, kept here until GONE_S. */
  lost: boolean;
  /** The last positions, oldest first, as [lon, lat] pairs. */
  trail: [number, number][];
}

export interface PatrolView {
  callsign: string;
  agency: string;
  lat: number;
  lon: number;
  status: string;
  timeNs: number;
}

/** A partner agency's patrol (joint patrols: agency `partner:<iso2>`), shown apart from ours. */
export function isPartner(agency: string): boolean {
  return agency.startsWith("partner:");
}

/** A patrol's label on the map: its call sign, and a partner's agency after it. */
export function patrolLabel(p: PatrolView): string {
  return isPartner(p.agency) ? `${p.callsign} · ${p.agency}` : p.callsign;
}

const CLASS_NAMES = ["person", "vehicle", "animal", "unknown"] as const;

/** The most likely class of a wire track (`friendly` if it is one of ours). */
export function trackClass(item: Item): TrackClass {
  if (item["friendly"] === true) return "friendly";
  // The wire leaves out a value at its default: a class posterior left out is uniform, and
  // a class probability left out inside it is 1.0 (`ClassLikelihood`'s default).
  const classes = item["classes"] as
    | Partial<Record<(typeof CLASS_NAMES)[number], number>>
    | undefined;
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

/** The picture's tracks and patrols, updated frame by frame. */
export class TrackStore {
  readonly tracks = new Map<string, TrackView>();
  readonly patrols = new Map<string, PatrolView>();
  /** The picture's time: the latest tracks frame's (UTC ns). */
  timeNs = 0;

  /** Apply a frame; true if the tracks or patrols changed. */
  apply(frame: Frame): boolean {
    const items = frame.items ?? [];
    switch (frame.kind) {
      case "reset":
        // The whole picture: tracks it lacks have ended (greyed, as in a snapshot); the
        // patrols it holds are all there are.
        this.patrols.clear();
        this.updatePatrols(items);
        this.replaceTracks(items, frame.time_ns);
        return true;
      case "tracks":
        this.replaceTracks(items, frame.time_ns);
        return true;
      case "patrols":
        this.updatePatrols(items);
        return true;
      default:
        return false;
    }
  }

  /** Forget everything (a replay starts from an empty picture). */
  clear(): void {
    this.tracks.clear();
    this.patrols.clear();
    this.timeNs = 0;
  }

  /** Whether a track is greyed: coasting, lost, or not updated for STALE_S. */
  isStale(t: TrackView): boolean {
    return t.coasting || t.lost || this.timeNs - t.timeNs > STALE_S * 1e9;
  }

  /** The tracks `filter` lets through, as GeoJSON points (properties: id, sector, cls, stale). */
  trackFeatures(filter: TrackFilter | null = null): FeatureCollection<Point> {
    const features: Feature<Point>[] = [];
    for (const t of this.tracks.values()) {
      if (filter !== null && !this.passes(t, filter)) continue;
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [t.lon, t.lat] },
        properties: { id: t.id, sector: t.sector, cls: t.cls, stale: this.isStale(t) },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** The trails of the tracks `filter` lets through, as GeoJSON lines (properties: cls, stale). */
  trailFeatures(filter: TrackFilter | null = null): FeatureCollection<LineString> {
    const features: Feature<LineString>[] = [];
    for (const t of this.tracks.values()) {
      if (t.trail.length < 2 || (filter !== null && !this.passes(t, filter))) continue;
      features.push({
        type: "Feature",
        geometry: { type: "LineString", coordinates: t.trail },
        properties: { cls: t.cls, stale: this.isStale(t) },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** The patrols as GeoJSON points (properties: callsign, agency, status, stale). */
  patrolFeatures(): FeatureCollection<Point> {
    const features: Feature<Point>[] = [];
    for (const p of this.patrols.values()) {
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [p.lon, p.lat] },
        properties: {
          callsign: p.callsign,
          label: patrolLabel(p),
          partner: isPartner(p.agency),
          agency: p.agency,
          status: p.status,
          stale: this.timeNs - p.timeNs > PATROL_STALE_S * 1e9,
        },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** How many tracks `filter` lets through. */
  count(filter: TrackFilter | null = null): number {
    if (filter === null) return this.tracks.size;
    let n = 0;
    for (const t of this.tracks.values()) if (this.passes(t, filter)) n++;
    return n;
  }

  private passes(t: TrackView, filter: TrackFilter): boolean {
    return (
      (filter.sectors === null || filter.sectors.has(t.sector)) &&
      filter.classes.has(t.cls) &&
      this.timeNs - t.timeNs <= filter.windowS * 1e9
    );
  }

  private replaceTracks(items: Item[], timeNs: number): void {
    this.timeNs = Math.max(this.timeNs, timeNs);
    // Same ids are updated in place; those the snapshot leaves out are lost.
    const seen = new Set<string>();
    for (const item of items) {
      if (item.type !== "track") continue;
      const id = String(item["id"]);
      seen.add(id);
      const lon = Number(item["lon"]);
      const lat = Number(item["lat"]);
      const at = Number(item["time_ns"]);
      const known = this.tracks.get(id);
      if (known === undefined) {
        this.tracks.set(id, {
          id,
          sector: String(item["sector"]),
          lat,
          lon,
          timeNs: at,
          cls: trackClass(item),
          friendly: item["friendly"] === true,
          coasting: item["status"] === "coasting",
          lost: false,
          trail: [[lon, lat]],
        });
        continue;
      }
      // A snapshot can repeat a track's last update: only a newer one adds a trail point.
      if (at > known.timeNs) {
        known.trail.push([lon, lat]);
        if (known.trail.length > TRAIL_POINTS) known.trail.shift();
      }
      known.sector = String(item["sector"]);
      known.lat = lat;
      known.lon = lon;
      known.timeNs = at;
      known.cls = trackClass(item);
      known.friendly = item["friendly"] === true;
      known.coasting = item["status"] === "coasting";
      known.lost = false;
    }
    const gone = this.timeNs - GONE_S * 1e9;
    for (const [id, t] of this.tracks) {
      if (!seen.has(id)) t.lost = true;
      if (t.timeNs < gone) this.tracks.delete(id);
    }
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
        timeNs: Number(item["time_ns"]),
      });
    }
  }
}
