// The fixed layers over the basemap: the border, the berm and its trench, sectors with their
// names, crossings and their roads, breaches, places, the sensor sites (towers, ground
// sensors, line-sensor fibres, patrol bases) and what they cover (radar and camera fans,
// ground-sensor circles, radar shadows), and the alert zones (where the rules act: the
// approach band on the Libyan side, the loitering band along the line, the crossings' road
// corridors where no alert is raised). Their shapes come from the API (`/border`, `/sites`,
// `/sectors`, `/zones`); the layer list turns groups on and off (kept in localStorage), and
// holds the setting for a site's own tile server.
//
// Sites are coloured by health through feature state (a sensor's id is its feature's id), so
// a health change restyles the map without touching the data.

import type maplibregl from "maplibre-gl";
import type { FeatureCollection } from "geojson";
import { getJson, type Session } from "./api";
import { t, type Key } from "./i18n";

/** Image names for static labels (drawn as canvas images by map.ts: no glyph server). */
export const NAME = "name:";

export type Group =
  | "border"
  | "berm"
  | "sectors"
  | "crossings"
  | "places"
  | "sites"
  | "coverage"
  | "blind"
  | "shadows"
  | "approach"
  | "loitering"
  | "corridors"
  | "trails";

export const GROUPS: readonly Group[] = [
  "border",
  "berm",
  "sectors",
  "crossings",
  "places",
  "sites",
  "coverage",
  "blind",
  "shadows",
  "approach",
  "loitering",
  "corridors",
  "trails",
];

// Shown until the user says otherwise: all but the loitering band and the corridors, which
// cover the line and the crossings an operator watches most.
const HIDDEN_AT_FIRST: ReadonlySet<Group> = new Set<Group>(["loitering", "corridors"]);

// The map layer ids of each group (the live layers of map.ts are listed under "trails" only:
// tracks and patrols are always shown).
const MEMBERS: Record<Group, readonly string[]> = {
  border: ["border-line"],
  berm: ["berm-line", "trench-line"],
  sectors: ["sectors-fill", "sectors-line", "sectors-label"],
  crossings: ["roads-line", "crossings-point", "crossings-label", "breaches-point"],
  places: ["places-point", "places-label"],
  sites: ["line-sensors", "ugs-point", "towers-point", "bases-point"],
  coverage: ["radar-fill", "camera-line", "ugs-fill"],
  blind: ["blind-never", "blind-unknown", "blind-down"], // the berm's blind stretches (blind.ts)
  shadows: ["shadows-fill"],
  approach: ["approach-fill"],
  loitering: ["loitering-fill"],
  corridors: ["corridors-fill"],
  trails: ["trails"],
};

const STORE_KEY = "borderwatch.layers";
// The groups there were when the choice was saved; a choice saved before this was kept knew
// every group but those added since.
const KNOWN_KEY = "borderwatch.layers.known";
const ADDED_SINCE_FIRST: ReadonlySet<Group> = new Set<Group>(["blind"]);
const HEALTH_COLOUR: maplibregl.ExpressionSpecification = [
  "match",
  ["coalesce", ["feature-state", "health"], "ok"],
  "ok",
  "#1b7f3b",
  "degraded",
  "#d08a00",
  "down",
  "#b00020",
  "tampered",
  "#7a1fa2",
  "#1b7f3b",
];

/** The blind stretches' colours (the map's lines and the panel's legend alike). */
export const BLIND_DOWN = "#e0115f";
export const BLIND_NEVER = "#5a5a5a";
export const BLIND_UNKNOWN = "#9c8fb8";

function layerIs(name: string): maplibregl.FilterSpecification {
  return ["==", ["get", "layer"], name];
}

/** The GeoJSON sources of the fixed layers (empty until `loadLayers`). */
export function overlaySources(): Record<string, maplibregl.SourceSpecification> {
  const empty: FeatureCollection = { type: "FeatureCollection", features: [] };
  return {
    border: { type: "geojson", data: empty },
    // Sensor sites by id, for their health as feature state.
    sites: { type: "geojson", data: empty, promoteId: "id" },
    sectors: { type: "geojson", data: empty },
    zones: { type: "geojson", data: empty },
    // The berm's blind stretches now (GET /coverage, refreshed by blind.ts).
    blind: { type: "geojson", data: empty, promoteId: "id" },
  };
}

/** The fixed layers, bottom to top: areas (the alert zones first), then lines, then points
 * and names. */
export function overlayLayers(): maplibregl.LayerSpecification[] {
  return [
    {
      id: "approach-fill",
      type: "fill",
      source: "zones",
      filter: layerIs("approach_zone"),
      paint: { "fill-color": "#d35400", "fill-opacity": 0.08 },
    },
    {
      id: "loitering-fill",
      type: "fill",
      source: "zones",
      filter: layerIs("loitering_zone"),
      paint: { "fill-color": "#c0392b", "fill-opacity": 0.12 },
    },
    {
      id: "corridors-fill",
      type: "fill",
      source: "zones",
      filter: layerIs("corridor"),
      paint: { "fill-color": "#27ae60", "fill-opacity": 0.2, "fill-outline-color": "#1e8449" },
    },
    {
      id: "radar-fill",
      type: "fill",
      source: "sites",
      filter: layerIs("radar_coverage"),
      paint: { "fill-color": "#2f6fb0", "fill-opacity": 0.06, "fill-outline-color": "#2f6fb0" },
    },
    {
      id: "ugs-fill",
      type: "fill",
      source: "sites",
      filter: layerIs("ugs_coverage"),
      paint: { "fill-color": "#2f8f6f", "fill-opacity": 0.15 },
    },
    {
      id: "camera-line",
      type: "line",
      source: "sites",
      filter: layerIs("camera_coverage"),
      paint: { "line-color": "#2f6fb0", "line-width": 0.8, "line-dasharray": [2, 2] },
    },
    {
      id: "shadows-fill",
      type: "fill",
      source: "sites",
      filter: layerIs("radar_shadow"),
      paint: { "fill-color": "#555555", "fill-opacity": 0.25 },
    },
    {
      id: "sectors-fill",
      type: "fill",
      source: "sectors",
      paint: { "fill-color": "#6b4fa0", "fill-opacity": 0.05 },
    },
    {
      id: "sectors-line",
      type: "line",
      source: "sectors",
      paint: { "line-color": "#6b4fa0", "line-width": 1 },
    },
    {
      id: "border-line",
      type: "line",
      source: "border",
      filter: layerIs("border"),
      paint: { "line-color": "#c0392b", "line-width": 2, "line-dasharray": [4, 2] },
    },
    {
      id: "berm-line",
      type: "line",
      source: "border",
      filter: layerIs("berm"),
      paint: { "line-color": "#8a6a3a", "line-width": 3 },
    },
    {
      // The trench runs along the berm on the Libyan side (east, left of a line drawn north
      // to south).
      id: "trench-line",
      type: "line",
      source: "border",
      filter: layerIs("berm"),
      paint: {
        "line-color": "#4a3a22",
        "line-width": 1,
        "line-offset": -3,
        "line-dasharray": [1, 1],
      },
    },
    // Blind stretches over the berm: never covered (no sensor there at all) dotted grey, a
    // permanent gap of the layout; down now (its sensors fail) thick red, news to act on.
    {
      id: "blind-never",
      type: "line",
      source: "blind",
      filter: ["==", ["get", "kind"], "never_covered"],
      paint: { "line-color": BLIND_NEVER, "line-width": 5, "line-dasharray": [1, 1] },
    },
    {
      // Sensors never heard (not fielded, a twin on another sector): blind, not a fault.
      id: "blind-unknown",
      type: "line",
      source: "blind",
      filter: ["==", ["get", "kind"], "unknown"],
      paint: { "line-color": BLIND_UNKNOWN, "line-width": 4, "line-dasharray": [3, 2] },
    },
    {
      id: "blind-down",
      type: "line",
      source: "blind",
      filter: ["==", ["get", "kind"], "down"],
      layout: { "line-cap": "round" },
      paint: { "line-color": BLIND_DOWN, "line-width": 7, "line-opacity": 0.85 },
    },
    {
      id: "roads-line",
      type: "line",
      source: "border",
      filter: layerIs("road"),
      paint: { "line-color": "#444444", "line-width": 1.5 },
    },
    {
      id: "line-sensors",
      type: "line",
      source: "sites",
      filter: layerIs("line_sensor"),
      paint: { "line-color": HEALTH_COLOUR, "line-width": 1.5, "line-offset": 2 },
    },
    {
      id: "crossings-point",
      type: "circle",
      source: "border",
      filter: layerIs("crossing"),
      paint: {
        "circle-radius": 6,
        "circle-color": "#ffffff",
        "circle-stroke-color": "#222222",
        "circle-stroke-width": 2,
      },
    },
    {
      id: "breaches-point",
      type: "circle",
      source: "border",
      filter: layerIs("breach"),
      paint: {
        "circle-radius": 4,
        "circle-color": "#e67e22",
        "circle-stroke-color": "#222222",
        "circle-stroke-width": 1,
      },
    },
    {
      id: "places-point",
      type: "circle",
      source: "border",
      filter: layerIs("place"),
      paint: { "circle-radius": 3, "circle-color": "#333333" },
    },
    {
      id: "ugs-point",
      type: "circle",
      source: "sites",
      filter: layerIs("ugs"),
      paint: { "circle-radius": 2.5, "circle-color": HEALTH_COLOUR },
    },
    {
      id: "towers-point",
      type: "circle",
      source: "sites",
      filter: layerIs("tower"),
      paint: {
        "circle-radius": 5,
        "circle-color": HEALTH_COLOUR,
        "circle-stroke-color": "#ffffff",
        // A mobile radar kit has a thick ring (`mobile` is left out when false).
        "circle-stroke-width": ["case", ["==", ["get", "mobile"], true], 2.5, 1],
      },
    },
    {
      id: "bases-point",
      type: "circle",
      source: "sites",
      filter: layerIs("patrol_base"),
      paint: {
        "circle-radius": 5,
        "circle-color": "#1f5fbf",
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 2,
      },
    },
    nameLayer("sectors-label", "sectors", ["get", "id"], null, "center"),
    nameLayer("crossings-label", "border", ["get", "name"], layerIs("crossing"), "left"),
    nameLayer("places-label", "border", ["get", "name"], layerIs("place"), "left"),
  ];
}

function nameLayer(
  id: string,
  source: string,
  text: maplibregl.ExpressionSpecification,
  filter: maplibregl.FilterSpecification | null,
  anchor: "center" | "left",
): maplibregl.LayerSpecification {
  return {
    id,
    type: "symbol",
    source,
    ...(filter === null ? {} : { filter }),
    layout: {
      "icon-image": ["concat", NAME, text],
      "icon-anchor": anchor,
      "icon-offset": anchor === "left" ? [8, 0] : [0, 0],
    },
  };
}

/** Fetch the fixed layers into the map's sources, those the role `may` read (read_sectors:
 * border, sectors and zones; read_sensors: sites); one refused or failed goes without (a warning in
 * the console). Returns the sector ids, north to south; throws if the sectors are not read. */
export async function loadLayers(
  map: maplibregl.Map,
  session: Session,
  may: (permission: string) => boolean = () => true,
  /** Whether the map is still shown (a sign-out while the layers load removes it). */
  alive: () => boolean = () => true,
): Promise<string[]> {
  const set = (source: string, data: FeatureCollection): void => {
    map.getSource<maplibregl.GeoJSONSource>(source)?.setData(data);
    // How many shapes each source got, on the map's element (data-zones-features="4"): what
    // a browser test or a look in the inspector can read without the map object.
    map.getContainer().dataset[`${source}Features`] = String(data.features.length);
  };
  const get = (path: string, permission: string): Promise<FeatureCollection> =>
    may(permission)
      ? getJson<FeatureCollection>(session, path)
      : Promise.reject(new Error(`${path}: the role lacks ${permission}`));
  const [border, sites, zones, sectors] = await Promise.allSettled([
    get("/border", "read_sectors"),
    get("/sites", "read_sensors"),
    get("/zones", "read_sectors"),
    get("/sectors", "read_sectors"),
  ]);
  if (!alive()) return [];
  if (border.status === "fulfilled") set("border", border.value);
  else console.warn("border:", border.reason);
  if (sites.status === "fulfilled") set("sites", sites.value);
  else console.warn("sites:", sites.reason);
  if (zones.status === "fulfilled") set("zones", zones.value);
  else console.warn("zones:", zones.reason);
  if (sectors.status === "rejected") throw sectors.reason;
  set("sectors", sectors.value);
  return sectors.value.features.map((f) => String(f.id ?? f.properties?.["id"]));
}

/** Colour a sensor's site by its health (`sensorId` as the API names it: T01-R is tower T01's
 * radar; a tower shows the worse of its radar and camera). */
export function showHealth(map: maplibregl.Map, healths: ReadonlyMap<string, string>): void {
  const rank: Record<string, number> = { ok: 0, degraded: 1, down: 2, tampered: 3 };
  const bySite = new Map<string, string>();
  for (const [sensorId, health] of healths) {
    const site = /^(.*)-[RC]$/.exec(sensorId)?.[1] ?? sensorId;
    const was = bySite.get(site);
    if (was === undefined || (rank[health] ?? 0) > (rank[was] ?? 0)) bySite.set(site, health);
  }
  if (map.getSource("sites") === undefined) return;
  for (const [site, health] of bySite)
    map.setFeatureState({ source: "sites", id: site }, { health });
}

/** Which groups are shown (saved from last time; at first all but `HIDDEN_AT_FIRST`). A group
 * added since the choice was saved is shown as at first: a new layer (the blind stretches)
 * must not stay hidden from whoever once ticked a box. */
export function shownGroups(): Set<Group> {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) ?? "null") as string[] | null;
    if (saved !== null) {
      const known = JSON.parse(localStorage.getItem(KNOWN_KEY) ?? "null") as string[] | null;
      const knew = known ?? GROUPS.filter((g) => !ADDED_SINCE_FIRST.has(g));
      return new Set(
        GROUPS.filter(
          (g) => saved.includes(g) || (!knew.includes(g) && !HIDDEN_AT_FIRST.has(g)),
        ),
      );
    }
  } catch {
    // fall through: the first choice
  }
  return new Set(GROUPS.filter((g) => !HIDDEN_AT_FIRST.has(g)));
}

/** Show or hide each group's layers as `shown` says. */
export function applyGroups(map: maplibregl.Map, shown: ReadonlySet<Group>): void {
  for (const group of GROUPS) {
    for (const id of MEMBERS[group]) {
      if (map.getLayer(id) !== undefined) {
        map.setLayoutProperty(id, "visibility", shown.has(group) ? "visible" : "none");
      }
    }
  }
}

/** The layer list in `root`: a box per group, and the site tile URL. */
export class LayerPanel {
  readonly shown = shownGroups();

  constructor(
    root: HTMLElement,
    private readonly map: maplibregl.Map,
    tiles: string | null,
    setTiles: (url: string | null) => void,
  ) {
    root.replaceChildren();
    for (const group of GROUPS) {
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = this.shown.has(group);
      box.dataset["group"] = group;
      box.addEventListener("change", () => {
        if (box.checked) this.shown.add(group);
        else this.shown.delete(group);
        localStorage.setItem(STORE_KEY, JSON.stringify([...this.shown]));
        localStorage.setItem(KNOWN_KEY, JSON.stringify(GROUPS));
        applyGroups(this.map, this.shown);
      });
      const label = document.createElement("label");
      const word = document.createElement("span");
      const key = `layer.${group}` as Key;
      word.dataset["i18n"] = key;
      word.textContent = t(key);
      label.append(box, word);
      root.append(label);
    }
    const form = document.createElement("form");
    form.className = "tiles";
    const input = document.createElement("input");
    input.type = "url";
    input.id = "tiles-url";
    input.value = tiles ?? "";
    input.placeholder = "https://tiles.example/{z}/{x}/{y}.png";
    const caption = document.createElement("span");
    caption.dataset["i18n"] = "layer.tiles";
    caption.textContent = t("layer.tiles");
    caption.title = t("layer.tiles.help");
    const apply = document.createElement("button");
    apply.type = "submit";
    apply.dataset["i18n"] = "layer.tiles.apply";
    apply.textContent = t("layer.tiles.apply");
    form.append(caption, input, apply);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      setTiles(input.value.trim() === "" ? null : input.value.trim());
    });
    root.append(form);
    applyGroups(map, this.shown);
  }
}
