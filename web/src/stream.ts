// The live picture over the WebSocket (/api/v1/stream): the token as the first message, then
// frames in seq order. On a drop it reconnects with `after=` the last seq it received, so
// nothing is missed (the server sends a `reset` first when that seq is too old).

import { PREFIX } from "./api";

export type FrameKind =
  | "tracks"
  | "alert"
  | "incident"
  | "action"
  | "patrols"
  | "sensors"
  | "reset"
  | "superseded";

/** One change of the picture; each item carries its kind in `type` (track, alert, ...). */
export interface Frame {
  seq: number;
  kind: FrameKind;
  time_ns: number;
  items?: Item[];
}

export interface Item {
  type: string;
  [field: string]: unknown;
}

export type StreamState = "connecting" | "live" | "down";

export interface StreamHandlers {
  frame(frame: Frame): void;
  state?(state: StreamState): void;
  /** The token was refused (expired, logged out): the user must sign in again. */
  refused?(reason: string): void;
}

// The server's close codes (borderwatch/api/stream.py).
const TOKEN_REFUSED = 4401;
const FORBIDDEN = 4403;
const BEHIND = 4429;
const MAX_BACKOFF_MS = 10_000;

/** A WebSocket that resumes from the last seq received. */
export class Stream {
  private socket: WebSocket | null = null;
  private stopped = false;
  private backoffMs = 500;
  private timer: number | undefined;
  lastSeq: number;

  constructor(
    private readonly token: string,
    private readonly handlers: StreamHandlers,
    after = 0,
  ) {
    this.lastSeq = after;
  }

  /** Connect (and keep reconnecting until `stop`). */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Close for good. */
  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.socket?.close(1000, "bye");
    this.socket = null;
  }

  private connect(): void {
    this.handlers.state?.("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}${PREFIX}/stream?after=${this.lastSeq}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ token: this.token }));
      this.backoffMs = 500;
      this.handlers.state?.("live");
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as Frame;
      // A reset carries the seq of the last frame it includes: anything after follows it.
      this.lastSeq = frame.seq;
      this.handlers.frame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handlers.state?.("down");
      if (this.stopped) return;
      if (event.code === TOKEN_REFUSED || event.code === FORBIDDEN) {
        this.stopped = true;
        this.handlers.refused?.(event.reason);
        return;
      }
      const resume = event.code === BEHIND ? /after=(\d+)/.exec(event.reason) : null;
      if (resume?.[1] !== undefined) this.lastSeq = Number(resume[1]);
      this.timer = window.setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    };
  }
}
