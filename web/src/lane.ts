// The officer's lane page (issue 17): paste the document's machine-readable zone and the
// plate, record the passage, see the screening and why, record the second line's decision.
// A post officer sees this page instead of the map: they work travellers, not the border.

import { ApiError, getJson, postJson, type Session } from "./api";
import { bdi, el } from "./dom";
import { t, type Key } from "./i18n";

interface Hit {
  list: string;
  entry: string;
  score: number;
  why: string[];
}

interface PassageView {
  passage: {
    id: string;
    post: string;
    lane: string;
    traveller: { names_latin: string; names_arabic?: string; document_number: string; dob?: string | null };
    plate?: string | null;
  };
  hits: Hit[];
  decision?: string | null;
  incident?: string | null;
}

const DECISIONS = ["cleared", "referred", "held"] as const;

/** The lane page inside `root`, for `session` (an officer). */
export class LanePage {
  private readonly form = el("form", "lane-form");
  private readonly post = el("select");
  private readonly lane = el("select");
  private readonly direction = el("select");
  private readonly mrz = el("textarea");
  private readonly plate = el("input");
  private readonly arabic = el("input");
  private readonly error = el("p", "lane-error");
  private readonly result = el("section", "lane-result");
  private lanes: Record<string, string[]> = {};

  constructor(
    private readonly root: HTMLElement,
    private readonly session: Session,
  ) {
    this.mrz.name = "mrz";
    this.mrz.rows = 3;
    this.mrz.cols = 46;
    this.mrz.spellcheck = false;
    this.mrz.dir = "ltr"; // a zone reads left to right whatever the page's language
    this.plate.name = "plate";
    this.arabic.name = "names_arabic";
    this.arabic.dir = "rtl";
    this.post.name = "post";
    this.lane.name = "lane";
    this.direction.name = "direction";
    for (const d of ["in", "out"]) this.direction.append(option(d, `lane.direction.${d}`));
    this.error.setAttribute("role", "alert");
    this.result.setAttribute("aria-live", "polite");
    const submit = el("button", "", "lane.record");
    submit.type = "submit";
    this.form.append(
      el("h1", "", "lane.title"),
      labelled("lane.post", this.post),
      labelled("lane.lane", this.lane),
      labelled("lane.direction", this.direction),
      labelled("lane.mrz", this.mrz),
      labelled("lane.plate", this.plate),
      labelled("lane.names_arabic", this.arabic),
      submit,
      this.error,
    );
    this.post.addEventListener("change", () => this.fillLanes());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.record();
    });
    root.replaceChildren(this.form, this.result);
    root.hidden = false;
  }

  /** The officer's posts and lanes, from the API. */
  async load(): Promise<void> {
    const mine = await getJson<{ posts: Record<string, string[]> }>(this.session, "/checkpoints/posts");
    this.lanes = mine.posts;
    this.post.replaceChildren(...Object.keys(this.lanes).map((p) => option(p, `post.${p}`)));
    if (this.post.options.length === 0) this.showError(t("lane.unbound"));
    this.fillLanes();
  }

  /** Leave the page. */
  destroy(): void {
    this.root.replaceChildren();
    this.root.hidden = true;
  }

  private fillLanes(): void {
    const lanes = this.lanes[this.post.value] ?? [];
    this.lane.replaceChildren(...lanes.map((l) => option(l, "")));
  }

  private showError(text: string): void {
    this.error.textContent = text;
  }

  private async record(): Promise<void> {
    this.showError("");
    const body = {
      post: this.post.value,
      lane: this.lane.value,
      direction: this.direction.value,
      mrz: this.mrz.value.trim(),
      plate: this.plate.value.trim() || null,
      names_arabic: this.arabic.value.trim(),
    };
    try {
      this.show(await postJson<PassageView>(this.session, "/checkpoints/passages", body));
    } catch (error) {
      this.result.replaceChildren();
      this.showError(refusal(error));
    }
  }

  private show(view: PassageView): void {
    const p = view.passage;
    const who = el("p", "lane-traveller");
    who.append(bdi(p.traveller.names_latin));
    if (p.traveller.names_arabic) who.append(" · ", bdi(p.traveller.names_arabic));
    who.append(" · ", bdi(p.traveller.document_number));
    if (p.plate) who.append(" · ", bdi(p.plate));
    const verdict = el("p", view.hits.length ? "lane-verdict hit" : "lane-verdict clear",
      view.hits.length ? "lane.hit" : "lane.clear");  // prettier-ignore
    verdict.dataset["passage"] = p.id;
    const hits = el("ol", "lane-hits");
    for (const h of view.hits) {
      const item = el("li");
      const head = el("strong");
      head.append(bdi(`${h.list}/${h.entry}`), ` ${t("lane.score")} ${h.score.toFixed(2)}`);
      const why = el("ul", "lane-why");
      for (const line of h.why) why.append(Object.assign(el("li"), { textContent: line }));
      item.append(head, why);
      hits.append(item);
    }
    this.result.replaceChildren(who, verdict, hits);
    if (view.incident) this.result.append(this.decisionForm(p.id, view.incident, view.decision));
  }

  private decisionForm(pid: string, incident: string, decided?: string | null): HTMLElement {
    const box = el("form", "lane-decision");
    const inc = el("p");
    inc.append(el("span", "", "lane.incident"), " ", bdi(incident));
    const why = el("input");
    why.name = "why";
    why.required = true;
    const state = el("p", "lane-decided");
    if (decided) state.textContent = `${t("lane.decided")}: ${t(`decision.${decided}` as Key)}`;
    box.append(inc, labelled("lane.why", why));
    for (const d of DECISIONS) {
      const button = el("button", `decide ${d}`, `decision.${d}`);
      button.type = "button";
      button.dataset["decision"] = d;
      button.addEventListener("click", () => {
        if (!box.reportValidity()) return;
        void this.decide(pid, d, why.value.trim(), state);
      });
      box.append(button);
    }
    box.append(state);
    return box;
  }

  private async decide(pid: string, decision: string, why: string, state: HTMLElement): Promise<void> {
    this.showError("");
    try {
      const view = await postJson<PassageView>(this.session, `/checkpoints/passages/${pid}/decision`,
        { decision, why });  // prettier-ignore
      state.textContent = `${t("lane.decided")}: ${t(`decision.${view.decision ?? decision}` as Key)}`;
    } catch (error) {
      this.showError(refusal(error));
    }
  }
}

function option(value: string, key: string): HTMLOptionElement {
  const o = el("option", "", key);
  o.value = value;
  if (key === "") o.textContent = value;
  return o;
}

function labelled(key: string, control: HTMLElement): HTMLLabelElement {
  const label = el("label");
  label.append(el("span", "", key), control);
  return label;
}

/** What the API said, with the field it named (`$.mrz.composite`) when it named one. */
function refusal(error: unknown): string {
  if (error instanceof ApiError) {
    const where = error.field ? ` (${error.field})` : "";
    return `${t("lane.refused")}${where}: ${error.detail}`;
  }
  return t("lane.refused");
}
