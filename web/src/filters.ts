// Which tracks the map shows: by sector, by class, and by how recently each was updated (the
// time window). A small panel sets them; they are kept in localStorage, so a console opens
// the way its operator left it. Filtering happens where the frame's GeoJSON is built
// (`TrackStore.trackFeatures`), not in MapLibre: a filtered-out track costs nothing to draw.

import { t, type Key } from "./i18n";
import { GONE_S, TRACK_CLASSES, type TrackClass } from "./tracks";

export interface TrackFilter {
  /** Only tracks in these sectors; null: every sector. */
  sectors: ReadonlySet<string> | null;
  classes: ReadonlySet<TrackClass>;
  /** Only tracks updated within this many seconds of the picture's time. */
  windowS: number;
}

/** The time windows offered, in seconds; the last keeps every track still on the map. */
export const WINDOWS_S: readonly number[] = [30, 120, GONE_S];
const STORE_KEY = "borderwatch.filter";

/** Everything shown. */
export function showAll(): TrackFilter {
  return { sectors: null, classes: new Set(TRACK_CLASSES), windowS: GONE_S };
}

/** The filter saved last time (anything unreadable falls back to showing everything). */
export function savedFilter(): TrackFilter {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) ?? "null") as {
      sectors: string[] | null;
      classes: string[];
      windowS: number;
    } | null;
    if (saved === null) return showAll();
    return {
      sectors: saved.sectors === null ? null : new Set(saved.sectors),
      classes: new Set(TRACK_CLASSES.filter((c) => saved.classes.includes(c))),
      windowS: WINDOWS_S.includes(saved.windowS) ? saved.windowS : GONE_S,
    };
  } catch {
    return showAll();
  }
}

function save(filter: TrackFilter): void {
  localStorage.setItem(
    STORE_KEY,
    JSON.stringify({
      sectors: filter.sectors === null ? null : [...filter.sectors],
      classes: [...filter.classes],
      windowS: filter.windowS,
    }),
  );
}

/** The filter panel in `root`: a sector choice, a box per class, a time window. */
export class FilterPanel {
  filter: TrackFilter = savedFilter();
  private readonly sector: HTMLSelectElement;
  private readonly window: HTMLSelectElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly changed: (filter: TrackFilter) => void,
  ) {
    root.replaceChildren();
    this.sector = document.createElement("select");
    this.sector.id = "filter-sector";
    this.sector.addEventListener("change", () => this.read());
    this.window = document.createElement("select");
    this.window.id = "filter-window";
    this.window.addEventListener("change", () => this.read());
    root.append(labelled("filter.sector", this.sector));
    const classes = document.createElement("fieldset");
    classes.className = "filter-classes";
    for (const cls of TRACK_CLASSES) {
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = cls;
      box.checked = this.filter.classes.has(cls);
      box.addEventListener("change", () => this.read());
      const label = document.createElement("label");
      const name = document.createElement("span");
      name.dataset["i18n"] = `class.${cls}`;
      name.textContent = t(`class.${cls}`);
      label.append(box, name);
      classes.append(label);
    }
    root.append(classes, labelled("filter.window", this.window));
    this.setSectors([]);
    this.relabel();
  }

  /** Offer these sectors (ids, in order); a saved choice of one that is gone shows all. */
  setSectors(ids: readonly string[]): void {
    const chosen = this.filter.sectors === null ? "" : ([...this.filter.sectors][0] ?? "");
    this.sector.replaceChildren(option("", t("filter.all")));
    for (const id of ids) this.sector.append(option(id, id));
    this.sector.value = ids.includes(chosen) ? chosen : "";
    if (ids.length > 0 && this.sector.value !== chosen) this.read();
  }

  /** Words in the current language (the caller translates `data-i18n` ones). */
  relabel(): void {
    const all = this.sector.options[0];
    if (all !== undefined) all.textContent = t("filter.all");
    const chosen = this.filter.windowS;
    const words: Record<number, Key> = {
      30: "filter.window.30s",
      120: "filter.window.2min",
      [GONE_S]: "filter.window.all",
    };
    this.window.replaceChildren(
      ...WINDOWS_S.map((s) => option(String(s), t(words[s] ?? "filter.window.all"))),
    );
    this.window.value = String(chosen);
  }

  private read(): void {
    const boxes = this.root.querySelectorAll<HTMLInputElement>(".filter-classes input");
    this.filter = {
      sectors: this.sector.value === "" ? null : new Set([this.sector.value]),
      classes: new Set([...boxes].filter((b) => b.checked).map((b) => b.value as TrackClass)),
      windowS: Number(this.window.value),
    };
    save(this.filter);
    this.changed(this.filter);
  }
}

function labelled(key: Key, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement("label");
  const word = document.createElement("span");
  word.dataset["i18n"] = key;
  word.textContent = t(key);
  label.append(word, control);
  return label;
}

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}
