// The map: the offline basemap, an optional tile server of the site's own, the sectors, and
// the live tracks (MIL-STD-2525 symbols by class) and patrols on top.
//
// Labels (track ids, call signs) are drawn as small canvas images, not MapLibre text: text
// needs glyph files from a server, and the console must work with no network at all.

import maplibregl from "maplibre-gl";
import type { FeatureCollection } from "geojson";
import "maplibre-gl/dist/maplibre-gl.css";
import { basemap } from "./basemap";
import { SYMBOL, symbolImage } from "./symbols";

// The berm: Ras Ajdir to Dhehiba, roughly.
const HOME: maplibregl.LngLatBoundsLike = [
  [9.9, 31.6],
  [12.0, 33.3],
];
const TILES_KEY = "borderwatch.tiles";
const LABEL = "label:";

/** The tile URL template the site set for its own server (`{z}/{x}/{y}`), if any. */
export function siteTiles(): string | null {
  return localStorage.getItem(TILES_KEY);
}

/** Set (or with null, clear) the site's tile URL; used at the next map load. */
export function setSiteTiles(url: string | null): void {
  if (url === null || url.trim() === "") localStorage.removeItem(TILES_KEY);
  else localStorage.setItem(TILES_KEY, url.trim());
}

/** The style: the basemap from the build, the site's raster tiles if set, and empty
 * sources for sectors, tracks and patrols. */
export function style(tiles: string | null = siteTiles()): maplibregl.StyleSpecification {
  const base = basemap();
  const sources: maplibregl.StyleSpecification["sources"] = {
    land: { type: "geojson", data: base.land },
    borders: { type: "geojson", data: base.borders },
    coast: { type: "geojson", data: base.coast },
    sectors: { type: "geojson", data: empty() },
    tracks: { type: "geojson", data: empty() },
    patrols: { type: "geojson", data: empty() },
  };
  const layers: maplibregl.LayerSpecification[] = [
    { id: "sea", type: "background", paint: { "background-color": "#b9d3e6" } },
    { id: "land", type: "fill", source: "land", paint: { "fill-color": "#efe9dc" } },
  ];
  if (tiles !== null) {
    sources["site"] = { type: "raster", tiles: [tiles], tileSize: 256 };
    layers.push({ id: "site", type: "raster", source: "site" });
  }
  layers.push(
    { id: "coast", type: "line", source: "coast", paint: { "line-color": "#5b8db8", "line-width": 1 } },
    {
      id: "borders",
      type: "line",
      source: "borders",
      paint: { "line-color": "#7a6a58", "line-width": 1.5, "line-dasharray": [3, 2] },
    },
    {
      id: "sectors-fill",
      type: "fill",
      source: "sectors",
      paint: { "fill-color": "#6b4fa0", "fill-opacity": 0.08 },
    },
    {
      id: "sectors-line",
      type: "line",
      source: "sectors",
      paint: { "line-color": "#6b4fa0", "line-width": 1 },
    },
    {
      id: "patrols",
      type: "symbol",
      source: "patrols",
      layout: {
        "icon-image": `${SYMBOL}friendly`,
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    },
    {
      id: "patrol-labels",
      type: "symbol",
      source: "patrols",
      layout: {
        "icon-image": ["concat", LABEL, ["get", "callsign"]],
        "icon-anchor": "left",
        "icon-offset": [14, 0],
      },
    },
    {
      id: "tracks",
      type: "symbol",
      source: "tracks",
      layout: {
        "icon-image": ["concat", SYMBOL, ["get", "cls"]],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    },
    {
      id: "track-labels",
      type: "symbol",
      source: "tracks",
      layout: {
        "icon-image": ["concat", LABEL, ["get", "id"]],
        "icon-anchor": "left",
        "icon-offset": [12, 0],
      },
    },
  );
  return { version: 8, sources, layers };
}

/** A full-screen map in `container`, over the border. */
export function createMap(container: HTMLElement): maplibregl.Map {
  const map = new maplibregl.Map({
    container,
    style: style(),
    bounds: HOME,
    attributionControl: { compact: true, customAttribution: "Natural Earth" },
  });
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  map.on("styleimagemissing", (event: { id: string }) => {
    if (map.hasImage(event.id)) return;
    const ratio = window.devicePixelRatio;
    const image = event.id.startsWith(LABEL)
      ? labelImage(event.id.slice(LABEL.length))
      : symbolImage(event.id, ratio);
    if (image !== null) map.addImage(event.id, image, { pixelRatio: ratio });
  });
  return map;
}

/** Replace a GeoJSON source's data (the sources `style` made: sectors, tracks, patrols). */
export function setData(map: maplibregl.Map, source: string, data: FeatureCollection): void {
  map.getSource<maplibregl.GeoJSONSource>(source)?.setData(data);
}

/** Drop the label images of ids no longer shown (a long watch would otherwise keep them all). */
export function pruneLabels(map: maplibregl.Map, keep: ReadonlySet<string>): void {
  for (const id of map.listImages()) {
    if (id.startsWith(LABEL) && !keep.has(id.slice(LABEL.length))) map.removeImage(id);
  }
}

function labelImage(text: string): { data: Uint8ClampedArray; width: number; height: number } {
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
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data: image.data, width: image.width, height: image.height };
}

function empty(): FeatureCollection {
  return { type: "FeatureCollection", features: [] };
}
