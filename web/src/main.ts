// The console's entry: the login form, then the map with the sectors and the live picture.

import type maplibregl from "maplibre-gl";
import { ApiError, getJson, login, logout, savedSession, type Session } from "./api";
import { initialLang, setLang, t, type Key, type Lang } from "./i18n";
import { createMap, pruneLabels, setData } from "./map";
import { Stream, type StreamState } from "./stream";
import { symbolsValid } from "./symbols";
import { TrackStore } from "./tracks";
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

let stream: Stream | null = null;
let map: maplibregl.Map | null = null;
let session: Session | null = null;
let state: StreamState = "connecting";

function showLogin(message = ""): void {
  stream?.stop();
  stream = null;
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
  session = signedIn;
  loginForm.hidden = true;
  mapEl.hidden = false;
  status.hidden = false;
  logoutButton.hidden = false;
  who.textContent = `${signedIn.user} (${signedIn.role}, ${signedIn.agency})`;
  const shown = createMap(mapEl);
  map = shown;
  const store = new TrackStore();
  // Frames can come faster than the screen: redraw at most once per animation frame.
  let pending = false;
  const redraw = (): void => {
    pending = false;
    setData(shown, "tracks", store.trackFeatures());
    setData(shown, "patrols", store.patrolFeatures());
    pruneLabels(shown, new Set([...store.tracks.keys(), ...store.patrols.keys()]));
    trackCount.textContent = String(store.tracks.size);
    clock.textContent = store.timeNs > 0 ? utc(store.timeNs) : "";
  };
  shown.on("load", () => {
    void loadSectors(shown, signedIn);
    stream = new Stream(signedIn.token, {
      frame(frame) {
        if (store.apply(frame) && !pending) {
          pending = true;
          requestAnimationFrame(redraw);
        }
      },
      state: showState,
      refused(reason) {
        showLogin(reason);
      },
    });
    stream.start();
  });
}

async function loadSectors(shown: maplibregl.Map, signedIn: Session): Promise<void> {
  try {
    setData(shown, "sectors", await getJson(signedIn, "/sectors"));
    showNotice(null);
  } catch (error) {
    // A role without read_sectors still sees the live picture.
    console.warn("sectors:", error);
    showNotice("sectors.unavailable");
  }
}

function utc(timeNs: number): string {
  return `${new Date(timeNs / 1e6).toISOString().slice(11, 19)} UTC`;
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
});

if (!symbolsValid()) console.error("milsymbol refuses one of the SIDCs in symbols.ts");
const first = initialLang();
langSelect.value = first;
setLang(first);
const resumed = savedSession();
if (resumed !== null) start(resumed);
