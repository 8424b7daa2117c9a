// A partner's view: the incidents released to its agency (it holds no read_alerts, so it
// has no alert queue), each with Open.

import { getJson, type Session } from "./api";
import { bdi, el } from "./dom";
import { tOr } from "./i18n";
import type { Frame, Item } from "./stream";

/** The incidents a partner may see (released to its agency), each with Open. */
export class IncidentList {
  private readonly incidents = new Map<string, Item>();
  private readonly list: HTMLUListElement;

  constructor(
    root: HTMLElement,
    private readonly session: Session,
    private readonly open: (id: string) => void,
  ) {
    const title = el("h2", "", "incidents.title");
    this.list = el("ul", "incidents");
    root.replaceChildren(title, this.list);
  }

  /** The incidents as of now, from the REST API. */
  async load(): Promise<void> {
    for (const item of await getJson<Item[]>(this.session, "/incidents?limit=1000")) {
      this.incidents.set(String(item["id"]), item);
    }
    this.render();
  }

  /** Take incident frames (the stream sends a partner only what is released to it). */
  apply(frame: Frame): void {
    let changed = false;
    for (const item of frame.items ?? []) {
      if (item.type === "incident") {
        this.incidents.set(String(item["id"]), item);
        changed = true;
      }
    }
    if (changed) this.render();
  }

  /** Rewrite the words (after a language switch). */
  relabel(): void {
    this.render();
  }

  private render(): void {
    const rows = [...this.incidents.values()].sort(
      (a, b) => Number(b["updated_ns"]) - Number(a["updated_ns"]),
    );
    this.list.replaceChildren(
      ...rows.map((inc) => {
        const li = el("li");
        const id = String(inc["id"]);
        const state = String(inc["state"] ?? "new");
        const open = el("button", "open", "alerts.open");
        open.type = "button";
        open.addEventListener("click", () => this.open(id));
        li.append(bdi(`${id} ${String(inc["sector"])}`), " ", tOr(`state.${state}`, state), " ", open);
        return li;
      }),
    );
  }
}
