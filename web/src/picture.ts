// The map side of the console, wired: the fixed layers and the layer list, the live tracks
// and patrols (filtered, with trails, stale ones greyed), the filter panel, the sensors and
// sectors panel, the picture's clock in UTC and Tunis time, and the replay slider (a past
// picture from the log shown in place of the live one). main.ts makes one `Picture` per
// signed-in map and hands it every frame.

import type maplibregl from "maplibre-gl";
import { getJson, type Session } from "./api";
import { bothTimes } from "./clock";
import { BlindPanel } from "./blind";
import { FilterPanel, type TrackFilter } from "./filters";
import { HealthPanel } from "./health";
import { LayerPanel, loadLayers, showHealth } from "./layers";
import { fitDetail, pruneLabels, saveSiteTiles, setData, showSiteTiles, siteTiles } from "./map";
import { ReplayPanel } from "./replay";
import type { Frame } from "./stream";
import { t } from "./i18n";
import { isPartner, patrolLabel, TrackStore } from "./tracks";

// A filter that lets nothing through (trails not drawn at this zoom).
const NONE: TrackFilter = { sectors: new Set(), classes: new Set(), windowS: 0 };

/** Where the picture shows its numbers and panels (elements of index.html). */
export interface PictureElements {
  trackCount: HTMLElement;
  clock: HTMLElement;
  panels: HTMLElement;
  layers: HTMLElement;
  filters: HTMLElement;
  health: HTMLElement;
  blind: HTMLElement;
  replay: HTMLElement;
}

/** The live picture on `map` for `session`. */
export class Picture {
  /** The live picture, kept up to date even while a replay is shown. */
  readonly live = new TrackStore();
  /** A past picture from the log, shown instead of the live one; null: live. */
  private replayed: TrackStore | null = null;
  readonly filters: FilterPanel;
  readonly health: HealthPanel;
  replay: ReplayPanel | null = null;
  /** The berm's blind stretches (a role that reads sectors). */
  blind: BlindPanel | null = null;
  private pending = false;
  /** Stopped (signed out: the map is removed); a redraw already scheduled must not draw. */
  private stopped = false;
  private trailsSent = true;

  constructor(
    private readonly map: maplibregl.Map,
    session: Session,
    private readonly el: PictureElements,
    /** Called when the sectors cannot be read (a role without read_sectors). */
    sectorsFailed: (error: unknown) => void,
  ) {
    this.filters = new FilterPanel(el.filters, () => this.schedule());
    this.health = new HealthPanel(
      el.health,
      session,
      () => this.live.timeNs,
      (healths) => showHealth(map, healths),
    );
    el.panels.hidden = false;
    const tiles = siteTiles();
    new LayerPanel(el.layers, map, tiles, (url) => {
      saveSiteTiles(url);
      void showSiteTiles(map, url).catch((error: unknown) => console.warn("tiles:", error));
    });
    map.on("zoomend", () => this.schedule());
    if (tiles !== null) {
      void showSiteTiles(map, tiles).catch((error: unknown) => console.warn("tiles:", error));
    }
    void this.begin(session, sectorsFailed);
  }

  /** Ask only for what the role may read (GET /me): a partner's console asks for no sensor,
   * sector or track history it would be refused. */
  private async begin(session: Session, sectorsFailed: (error: unknown) => void): Promise<void> {
    let may = (_: string): boolean => true;
    try {
      const held = new Set((await getJson<{ permissions: string[] }>(session, "/me")).permissions);
      may = (p) => held.has(p);
    } catch (error) {
      console.warn("me:", error); // ask for everything; refusals are logged as warnings
    }
    if (this.stopped) return; // signed out meanwhile: the map is gone
    const box = (el: HTMLElement): void => {
      const details = el.closest("details");
      if (details !== null) details.hidden = true;
    };
    if (may("read_tracks")) this.replay = new ReplayPanel(this.el.replay, session, this);
    else box(this.el.replay);
    if (!may("read_sectors") && !may("read_sensors")) box(this.el.health);
    if (may("read_sectors")) {
      this.blind = new BlindPanel(this.el.blind, this.map, session, may("read_patrols"));
      this.blind.start();
    } else box(this.el.blind);
    try {
      const sectors = await loadLayers(this.map, session, may, () => !this.stopped);
      if (this.stopped) return;
      this.filters.setSectors(sectors);
      this.health.start(sectors, may("read_sensors"));
    } catch (error) {
      sectorsFailed(error);
      this.health.start([], may("read_sensors"));
    }
  }

  /** The store shown: the replay's, or the live one. */
  get store(): TrackStore {
    return this.replayed ?? this.live;
  }

  /** Take a frame from the stream. */
  apply(frame: Frame): void {
    this.health.apply(frame);
    this.blind?.apply(frame);
    if (this.live.apply(frame) && this.replayed === null) this.schedule();
  }

  /** The live picture's time (UTC ns). */
  liveTimeNs(): number {
    return this.live.timeNs;
  }

  /** Show a past picture: these frames (from GET /replay) applied in order to an empty store. */
  showReplay(frames: Frame[], atNs: number): void {
    const store = new TrackStore();
    for (const frame of frames) store.apply(frame);
    store.timeNs = atNs;
    this.replayed = store;
    this.schedule();
  }

  /** Back to the live picture. */
  goLive(): void {
    this.replayed = null;
    this.schedule();
  }

  /** Words in the new language. */
  relabel(): void {
    this.replay?.relabel();
    this.filters.relabel();
    this.health.render();
    this.blind?.render();
    this.redraw();
  }

  /** Stop the panels' timers and hide them. */
  stop(): void {
    this.stopped = true;
    this.health.stop();
    this.blind?.stop();
    this.el.panels.hidden = true;
  }

  /** Redraw at the next animation frame (frames can come faster than the screen). */
  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.redraw());
  }

  private redraw(): void {
    this.pending = false;
    if (this.stopped) return;
    const store = this.store;
    const filter = this.filters.filter;
    const shown = store.count(filter);
    const trails = fitDetail(this.map, shown);
    // One setData per source per redraw: the map parses each collection in its worker. Trails
    // not drawn at this zoom are not sent (the picture redraws when the zoom changes).
    if (trails || this.trailsSent)
      setData(this.map, "trails", store.trailFeatures(trails ? filter : NONE));
    this.trailsSent = trails;
    setData(this.map, "tracks", store.trackFeatures(filter));
    setData(this.map, "patrols", store.patrolFeatures());
    const patrols = [...store.patrols.values()];
    pruneLabels(this.map, new Set([...store.tracks.keys(), ...patrols.map(patrolLabel)]));
    // How many partners' patrols are on the map (for the browser test, as tak.ts's markers).
    this.map.getContainer().dataset.partnerPatrols = String(
      patrols.filter((p) => isPartner(p.agency)).length,
    );
    this.el.trackCount.textContent =
      shown === store.tracks.size ? String(shown) : `${shown}/${store.tracks.size}`;
    const time = store.timeNs > 0 ? bothTimes(store.timeNs) : "";
    this.el.clock.textContent = this.replayed === null ? time : `${t("replay.badge")} ${time}`;
    this.el.clock.classList.toggle("replaying", this.replayed !== null);
  }
}
