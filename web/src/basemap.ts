// The offline basemap: Natural Earth's 1:50m countries (world-atlas, shipped in the build),
// turned into land, land borders and coastline. No tile server, no network.

import type { FeatureCollection, MultiLineString } from "geojson";
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesTopology from "world-atlas/countries-50m.json";

export interface Basemap {
  land: FeatureCollection;
  borders: MultiLineString;
  coast: MultiLineString;
}

type Countries = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;

let cached: Basemap | null = null;

/** Land, borders between countries, and coastlines, as GeoJSON (built once). */
export function basemap(): Basemap {
  if (cached !== null) return cached;
  const topology = countriesTopology as unknown as Countries;
  const countries = topology.objects.countries;
  cached = {
    land: feature(topology, topology.objects.land),
    // An arc shared by two countries is a border; an arc of only one is coast.
    borders: mesh(topology, countries, (a, b) => a !== b),
    coast: mesh(topology, countries, (a, b) => a === b),
  };
  return cached;
}
