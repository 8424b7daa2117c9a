// The console's entry: the login form, then the map with the sectors and the live picture.

import type maplibregl from "maplibre-gl";
import { ApiError, getJson, login, logout, savedSession, type Session } from "./api";
import { initialLang, setLang, t, type Key, type Lang } from "./i18n";
import { createMap } from "./map";
import { Stream, type StreamState } from "./stream";
import { symbolsValid } from "./symbols";
// -- the alert queue and the incident panel --
import { AlertQueue } from "./alerts";
import { IncidentPanel } from "./incidents";
import { IncidentList } from "./released";
import { ReportsPanel } from "./governance";
import { onLangChange } from "./i18n";
// -- end --
// -- the map side: layers, filters, health, times (picture.ts) --
import { Picture } from "./picture";
// -- end of the map side --
// -- TAK devices: their markers on the map, their emergencies (issue 16) --
import { TakLayer } from "./tak";
// -- end of TAK devices --
// -- the officer's lane page (issue 17) --
import { LanePage } from "./lane";
import { ScriptLine } from "./script";
// -- end of the lane page --
import "./style.css";

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

const loginForm = element<HTMLFormElement>("login");
const loginError = element("login-error");
const mapEl = element("map");
const status = element("status");
const streamState = element("stream-state");
const trackCount = element("track-count");
const clock = element("clock");
const who = element("who");
const logoutButton = element<HTMLButtonElement>("logout");
const notice = element("notice");
const langSelect = element<HTMLSelectElement>("lang");
// -- the map side: layers, filters, health, times (picture.ts) --
const mapPanels = element("map-panels");
let picture: Picture | null = null;
// -- end of the map side --
// -- the officer's lane page: a post officer works travellers, not the border's picture --
const laneEl = element("lane");
let lanePage: LanePage | null = null;

function startLane(signedIn: Session): void {
  session = signedIn;
  loginForm.hidden = true;
  status.hidden = false;
  logoutButton.hidden = false;
  streamState.hidden = true;
  who.textContent = `${signedIn.user} (${signedIn.role}, ${signedIn.agency})`;
  lanePage = new LanePage(laneEl, signedIn);
  void lanePage.load().catch((error: unknown) => console.warn("posts:", error));
}
// -- end of the lane page --

// -- the alert queue and the incident panel --
const opsEl = element("ops");
const queueEl = element("alert-queue");
const panelEl = element("incident-panel");
let queue: AlertQueue | null = null;
let incidentList: IncidentList | null = null;
let panel: IncidentPanel | null = null;
const reportsEl = element("reports-panel"); // the governance reports (issue 19)
let reports: ReportsPanel | null = null;
let tak: TakLayer | null = null; // TAK devices (issue 16)
let script: ScriptLine | null = null; // the live twin's next crossing due (issue 14)

/** The alert queue (or a partner's incident list) and the incident panel, for the role
 * `/api/v1/me` says the user holds. */
async function startOps(signedIn: Session, shown: maplibregl.Map): Promise<void> {
  let permissions: ReadonlySet<string>;
  try {
    permissions = new Set((await getJson<{ permissions: string[] }>(signedIn, "/me")).permissions);
  } catch (error) {
    console.warn("me:", error);
    return;
  }
  if (session !== signedIn) return; // signed out meanwhile
  const may = (p: string): boolean => permissions.has(p);
  const shownPanel = new IncidentPanel(panelEl, { session: signedIn, map: shown, may });
  panel = shownPanel;
  const open = (id: string): void => void shownPanel.open(id);
  if (may("read_alerts")) {
    queue = new AlertQueue(queueEl, { session: signedIn, may, open });
    void queue.load();
    script = new ScriptLine(element("twin-script"), signedIn);
    script.start();
  } else if (may("read_released_incidents")) {
    incidentList = new IncidentList(queueEl, signedIn, open);
    void incidentList.load().catch((error: unknown) => console.warn("incidents:", error));
  }
  if (may("read_reports")) {
    reports = new ReportsPanel(reportsEl, signedIn);
    void reports.load().catch((error: unknown) => console.warn("reports:", error));
  }
  // TAK devices (issue 16): their markers on the map, their emergencies above the queue.
  tak = new TakLayer(
    shown,
    signedIn,
    {
      box: element("tak-box"),
      markers: element("tak-markers"),
      emergencies: element("tak-emergencies"),
    },
    may,
    open,
  );
  tak.start();
  opsEl.hidden = queue === null && incidentList === null && reports === null;
}

function stopOps(): void {
  script?.stop();
  script = null;
  tak?.stop(); // TAK devices (issue 16)
  tak = null;
  queue?.destroy();
  queue = null;
  incidentList = null;
  panel?.close();
  panel = null;
  reports = null;
  reportsEl.replaceChildren();
  reportsEl.hidden = true;
  queueEl.replaceChildren();
  opsEl.hidden = true;
}

onLangChange(() => {
  queue?.relabel();
  incidentList?.relabel();
  panel?.relabel();
  reports?.relabel();
  tak?.relabel();
});
// -- end of the alert queue and the incident panel --

let stream: Stream | null = null;
let map: maplibregl.Map | null = null;
let session: Session | null = null;
let state: StreamState = "connecting";

function showLogin(message = ""): void {
  stream?.stop();
  stream = null;
  picture?.stop(); // the map side
  picture = null;
  stopOps(); // the alert queue and the incident panel
  lanePage?.destroy(); // the lane page
  lanePage = null;
  streamState.hidden = false;
  map?.remove();
  map = null;
  session = null;
  loginForm.hidden = false;
  mapEl.hidden = true;
  status.hidden = true;
  logoutButton.hidden = true;
  loginError.textContent = message;
}

function showNotice(key: Key | null): void {
  notice.hidden = key === null;
  if (key !== null) notice.textContent = t(key);
}

function showState(next: StreamState): void {
  state = next;
  const keys: Record<StreamState, Key> = {
    connecting: "stream.connecting",
    live: "stream.live",
    down: "stream.down",
  };
  streamState.className = next;
  streamState.dataset["i18n"] = keys[next];
  streamState.textContent = t(keys[next]);
}

function start(signedIn: Session): void {
  if (signedIn.role === "officer") return startLane(signedIn); // the lane page
  session = signedIn;
  loginForm.hidden = true;
  mapEl.hidden = false;
  status.hidden = false;
  logoutButton.hidden = false;
  who.textContent = `${signedIn.user} (${signedIn.role}, ${signedIn.agency})`;
  const shown = createMap(mapEl);
  map = shown;
  shown.on("load", () => {
    // The map side: fixed layers, live tracks and patrols, filters, health, clock.
    picture = new Picture(
      shown,
      signedIn,
      {
        trackCount,
        clock,
        panels: mapPanels,
        layers: element("layer-list"),
        filters: element("filter-panel"),
        health: element("health-panel"),
        blind: element("blind-panel"),
        replay: element("replay-panel"),
      },
      (error) => {
        // A role without read_sectors still sees the live picture.
        console.warn("sectors:", error);
        showNotice("sectors.unavailable");
      },
    );
    void startOps(signedIn, shown); // the alert queue and the incident panel
    stream = new Stream(signedIn.token, {
      frame(frame) {
        // The alert queue first: a new alert is in the DOM before anything else is done.
        queue?.apply(frame);
        incidentList?.apply(frame);
        panel?.apply(frame);
        tak?.apply(frame); // TAK devices' emergencies
        picture?.apply(frame); // the map side
      },
      state: showState,
      refused(reason) {
        showLogin(reason);
      },
    });
    stream.start();
  });
}

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(loginForm);
  loginError.textContent = "";
  login(String(data.get("username")), String(data.get("password")))
    .then(start)
    .catch((error: unknown) => {
      loginError.textContent =
        error instanceof ApiError ? `${t("login.failed")}: ${error.detail}` : t("login.failed");
    });
});

logoutButton.addEventListener("click", () => {
  const ending = session;
  showLogin();
  if (ending !== null) void logout(ending);
});

langSelect.addEventListener("change", () => {
  setLang(langSelect.value as Lang);
  showState(state);
  picture?.relabel(); // the map side
});

if (!symbolsValid()) console.error("milsymbol refuses one of the SIDCs in symbols.ts");
const first = initialLang();
langSelect.value = first;
setLang(first);
const resumed = savedSession();
if (resumed !== null) start(resumed);
