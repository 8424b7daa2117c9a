// The governance reports (for commanders, analysts and the oversight role: read_reports):
// the latest kept reports, one row per period, a link per language. A report is fetched
// with the session's token (a plain link would carry none) and opened as a file; each
// download is an audited action on the server.

import { getJson, PREFIX, type Session } from "./api";
import { bdi, el } from "./dom";
import { tOr } from "./i18n";

interface KeptReport {
  name: string;
  kind: string;
  first_day: string;
  lang: string | null;
  format: string;
}

const SHOWN = 8; // periods listed: the latest ones

/** The latest governance reports, each period with its PDFs (ar, fr, en). */
export class ReportsPanel {
  private readonly list: HTMLUListElement;
  private reports: KeptReport[] = [];

  constructor(
    root: HTMLElement,
    private readonly session: Session,
  ) {
    this.list = el("ul", "reports");
    root.replaceChildren(el("h2", "", "reports.title"), this.list);
    root.hidden = false;
  }

  /** The kept reports, from the REST API. */
  async load(): Promise<void> {
    this.reports = await getJson<KeptReport[]>(this.session, "/oversight/reports");
    this.render();
  }

  /** Rewrite the words (after a language switch). */
  relabel(): void {
    this.render();
  }

  private render(): void {
    const periods = new Map<string, KeptReport[]>();
    for (const r of this.reports) {
      if (r.format !== "pdf" || r.lang === null) continue;
      const key = `${r.kind} ${r.first_day}`;
      periods.set(key, [...(periods.get(key) ?? []), r]);
    }
    const rows = [...periods.entries()].slice(0, SHOWN);
    if (rows.length === 0) {
      this.list.replaceChildren(el("li", "empty", "reports.none"));
      return;
    }
    this.list.replaceChildren(
      ...rows.map(([key, files]) => {
        const [kind = "", day = ""] = key.split(" ");
        const li = el("li", "report");
        li.dataset["kind"] = kind;
        li.dataset["day"] = day;
        li.append(tOr(`reports.${kind}`, kind), " ", bdi(day), " ");
        for (const f of files.sort((a, b) => String(a.lang).localeCompare(String(b.lang)))) {
          const link = el("a", "report-file");
          link.href = "#";
          link.dataset["name"] = f.name;
          link.textContent = String(f.lang);
          link.addEventListener("click", (event) => {
            event.preventDefault();
            void this.download(f.name);
          });
          li.append(link, " ");
        }
        return li;
      }),
    );
  }

  private async download(name: string): Promise<void> {
    const response = await fetch(`${PREFIX}/oversight/reports/${encodeURIComponent(name)}`, {
      headers: { Authorization: `Bearer ${this.session.token}` },
    });
    if (!response.ok) {
      console.warn("report:", response.status);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
