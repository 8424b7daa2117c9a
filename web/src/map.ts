// The map: the offline basemap, an optional tile server of the site's own, the fixed layers
// (layers.ts), and the live picture on top: track trails, tracks (MIL-STD-2525 symbols by
// class, greyed when stale), patrols with their call signs.
//
// Labels (track ids, call signs, names) are drawn as small canvas images, not MapLibre text:
// text needs glyph files from a server, and the console must work with no network at all.

import maplibregl from "maplibre-gl";
import type { FeatureCollection } from "geojson";
import "maplibre-gl/dist/maplibre-gl.css";
import { basemap } from "./basemap";
import { NAME, overlayLayers, overlaySources } from "./layers";
import { SYMBOL, symbolImage } from "./symbols";

// The berm: Ras Ajdir to Dhehiba, roughly.
const HOME: maplibregl.LngLatBoundsLike = [
  [9.9, 31.6],
  [12.0, 33.3],
];
const TILES_KEY = "borderwatch.tiles";
const LABEL = "label:";
// A stale track's symbol: the class's symbol in grey (`grey:sym:person`).
const GREY = "grey:";
// Track ids are labelled from this zoom in: 2,000 labels at once would be unreadable, and
// each is an image.
const TRACK_LABEL_MINZOOM = 10;
const SITE = "site:";
// Above this many tracks, the overview shows them as dots coloured by class and the 2525
// symbols from SYMBOL_MINZOOM in: a symbol layer is placed anew at every redraw, and 2,000 of
// them take a software-rendered screen (no GPU in an ops room's thin client, nor on CI) to
// ~150 ms a frame, where dots take less than the 16 ms of a frame.
export const SYMBOL_LIMIT = 400;
const SYMBOL_MINZOOM = 9;
const CLASS_COLOUR: maplibregl.ExpressionSpecification = [
  "match",
  ["get", "cls"],
  "person",
  "#d62728",
  "vehicle",
  "#ff7f0e",
  "animal",
  "#2ca02c",
  "friendly",
  "#1f77b4",
  "#7f7f7f",
];

/** The site's tile URL: `?tiles=` in the page's address if given (empty: none), else the one
 * saved in this browser, else none. A `{z}/{x}/{y}` raster template, or a style JSON URL. */
export function siteTiles(): string | null {
  const param = new URLSearchParams(location.search).get("tiles");
  if (param !== null) return param.trim() === "" ? null : param.trim();
  return localStorage.getItem(TILES_KEY);
}

/** Save (or with null, clear) the site's tile URL in this browser. */
export function saveSiteTiles(url: string | null): void {
  if (url === null || url.trim() === "") localStorage.removeItem(TILES_KEY);
  else localStorage.setItem(TILES_KEY, url.trim());
}

/** The style: the basemap from the build, the fixed layers (empty until loaded), and empty
 * sources for trails, tracks and patrols. Site tiles are added under our layers later. */
export function style(): maplibregl.StyleSpecification {
  const base = basemap();
  const sources: maplibregl.StyleSpecification["sources"] = {
    land: { type: "geojson", data: base.land },
    borders: { type: "geojson", data: base.borders },
    coast: { type: "geojson", data: base.coast },
    ...overlaySources(),
    trails: { type: "geojson", data: empty() },
    tracks: { type: "geojson", data: empty() },
    patrols: { type: "geojson", data: empty() },
  };
  const layers: maplibregl.LayerSpecification[] = [
    { id: "sea", type: "background", paint: { "background-color": "#b9d3e6" } },
    { id: "land", type: "fill", source: "land", paint: { "fill-color": "#efe9dc" } },
    {
      id: "coast",
      type: "line",
      source: "coast",
      paint: { "line-color": "#5b8db8", "line-width": 1 },
    },
    {
      id: "borders",
      type: "line",
      source: "borders",
      paint: { "line-color": "#7a6a58", "line-width": 1, "line-dasharray": [3, 2] },
    },
    ...overlayLayers(),
    {
      id: "trails",
      type: "line",
      source: "trails",
      layout: { "line-join": "round", "line-cap": "round" },
      paint: {
        "line-color": ["case", ["get", "stale"], "#9a9a9a", CLASS_COLOUR],
        "line-width": 1.5,
        "line-opacity": 0.7,
      },
    },
    {
      id: "patrols",
      type: "symbol",
      source: "patrols",
      layout: {
        // Ours friendly; a partner's (joint patrols) an assumed friend, its frame dashed.
        "icon-image": [
          "concat",
          ["case", ["get", "stale"], GREY, ""],
          SYMBOL,
          ["case", ["get", "partner"], "partner", "friendly"],
        ],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    },
    {
      id: "patrol-labels",
      type: "symbol",
      source: "patrols",
      layout: {
        "icon-image": ["concat", LABEL, ["get", "label"]],
        "icon-anchor": "left",
        "icon-offset": [14, 0],
      },
    },
    {
      id: "track-dots",
      type: "circle",
      source: "tracks",
      maxzoom: 0, // shown only when there are too many tracks for symbols (`fitDetail`)
      paint: {
        "circle-radius": 3,
        "circle-color": ["case", ["get", "stale"], "#9a9a9a", CLASS_COLOUR],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 0.5,
      },
    },
    {
      id: "tracks",
      type: "symbol",
      source: "tracks",
      layout: {
        "icon-image": ["concat", ["case", ["get", "stale"], GREY, ""], SYMBOL, ["get", "cls"]],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    },
    {
      id: "track-labels",
      type: "symbol",
      source: "tracks",
      minzoom: TRACK_LABEL_MINZOOM,
      layout: {
        "icon-image": ["concat", LABEL, ["get", "id"]],
        "icon-anchor": "left",
        "icon-offset": [12, 0],
      },
    },
  ];
  return { version: 8, sources, layers };
}

/** A full-screen map in `container`, over the border. */
export function createMap(container: HTMLElement): maplibregl.Map {
  const map = new maplibregl.Map({
    container,
    style: style(),
    bounds: HOME,
    // No fade-in of symbols: with it every update redraws the map for 300 ms more, which a
    // software-rendered screen with thousands of tracks cannot afford.
    fadeDuration: 0,
    attributionControl: { compact: true, customAttribution: "Natural Earth" },
  });
  // Controls at the bottom of the reading start side: the panels hold the top and the far side.
  const corner = document.documentElement.dir === "rtl" ? "bottom-right" : "bottom-left";
  map.addControl(new maplibregl.NavigationControl(), corner);
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), corner);
  map.on("styleimagemissing", (event: { id: string }) => {
    if (map.hasImage(event.id)) return;
    const ratio = window.devicePixelRatio;
    const id = event.id;
    let image: Pixels | null = null;
    if (id.startsWith(LABEL)) image = labelImage(id.slice(LABEL.length));
    else if (id.startsWith(NAME)) image = labelImage(id.slice(NAME.length));
    else if (id.startsWith(GREY)) image = greyed(symbolImage(id.slice(GREY.length), ratio));
    else image = symbolImage(id, ratio);
    if (image !== null) map.addImage(id, image, { pixelRatio: ratio });
  });
  return map;
}

/** Replace a GeoJSON source's data (the live sources `style` made: trails, tracks, patrols). */
export function setData(map: maplibregl.Map, source: string, data: FeatureCollection): void {
  map.getSource<maplibregl.GeoJSONSource>(source)?.setData(data);
}

/** Symbols and trails for `count` tracks at every zoom, or, when they are too many, dots in
 * the overview and symbols and trails from SYMBOL_MINZOOM in (see SYMBOL_LIMIT; a minute's
 * trail is a pixel or two in the overview anyway). True if trails are drawn at this zoom. */
export function fitDetail(map: maplibregl.Map, count: number): boolean {
  const dots = count > SYMBOL_LIMIT;
  if (dots !== (map.getLayer("track-dots")?.maxzoom === SYMBOL_MINZOOM)) {
    map.setLayerZoomRange("track-dots", 0, dots ? SYMBOL_MINZOOM : 0);
    map.setLayerZoomRange("tracks", dots ? SYMBOL_MINZOOM : 0, 24);
    map.setLayerZoomRange("trails", dots ? SYMBOL_MINZOOM : 0, 24);
  }
  return !dots || map.getZoom() >= SYMBOL_MINZOOM;
}

/** Drop the label images of ids no longer shown (a long watch would otherwise keep them all). */
export function pruneLabels(map: maplibregl.Map, keep: ReadonlySet<string>): void {
  for (const id of map.listImages()) {
    if (id.startsWith(LABEL) && !keep.has(id.slice(LABEL.length))) map.removeImage(id);
  }
}

/** Draw the site's tiles under our layers (replacing any drawn before); null removes them.
 * A URL ending in `.json` is a MapLibre style (vector tiles): its sources and its line, fill
 * and raster layers are drawn, not its labels (they would need its glyph server). Anything
 * else is a raster `{z}/{x}/{y}` template. */
export async function showSiteTiles(map: maplibregl.Map, url: string | null): Promise<void> {
  for (const layer of map.getStyle().layers) {
    if (layer.id.startsWith(SITE)) map.removeLayer(layer.id);
  }
  for (const name of Object.keys(map.getStyle().sources)) {
    if (name.startsWith(SITE)) map.removeSource(name);
  }
  if (url === null) return;
  if (!new URL(url, location.href).pathname.endsWith(".json")) {
    map.addSource(`${SITE}raster`, { type: "raster", tiles: [url], tileSize: 256 });
    map.addLayer({ id: `${SITE}raster`, type: "raster", source: `${SITE}raster` }, "coast");
    return;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const site = (await response.json()) as maplibregl.StyleSpecification;
  for (const [name, source] of Object.entries(site.sources)) {
    map.addSource(SITE + name, source);
  }
  for (const layer of site.layers) {
    if (layer.type === "symbol" || layer.type === "background" || !("source" in layer)) continue;
    map.addLayer({ ...layer, id: SITE + layer.id, source: SITE + String(layer.source) }, "coast");
  }
}

function labelImage(text: string): Pixels {
  const ratio = window.devicePixelRatio;
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error("no 2D canvas");
  const font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
  ctx.font = font;
  const pad = Math.round(2 * ratio);
  canvas.width = Math.ceil(ctx.measureText(text).width) + 2 * pad;
  canvas.height = Math.round(15 * ratio);
  ctx.font = font; // resizing the canvas resets its state
  ctx.fillStyle = "rgba(255, 255, 255, 0.8)";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#111111";
  ctx.textBaseline = "middle";
  ctx.fillText(text, pad, canvas.height / 2);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

type Pixels = { data: Uint8ClampedArray; width: number; height: number };

/** The same image in grey, half transparent: how a stale track looks. */
function greyed(image: Pixels | null): Pixels | null {
  if (image === null) return null;
  const data = new Uint8ClampedArray(image.data);
  for (let i = 0; i < data.length; i += 4) {
    const luma = 0.3 * (data[i] ?? 0) + 0.59 * (data[i + 1] ?? 0) + 0.11 * (data[i + 2] ?? 0);
    const grey = 110 + luma * 0.4;
    data[i] = grey;
    data[i + 1] = grey;
    data[i + 2] = grey;
    data[i + 3] = (data[i + 3] ?? 0) * 0.6;
  }
  return { data, width: image.width, height: image.height };
}

function empty(): FeatureCollection {
  return { type: "FeatureCollection", features: [] };
}
