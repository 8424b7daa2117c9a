// MIL-STD-2525C symbols (milsymbol) for the track classes, one image per class, drawn once.
//
// Affiliation follows what the class says about intent: a person or vehicle at the berm is
// suspect until an operator says otherwise, an animal is neutral, an unclassified track is
// unknown, and our own patrols (and tracks near them) are friendly; a partner's patrols
// (joint patrols) are assumed friends, so they are told apart from ours at a glance.

// milsymbol exports one object (its typings also declare named exports it does not have).
import ms from "milsymbol";
import type { TrackClass } from "./tracks";

/** The 15-character SIDC (2525C letter code) for each class. */
export const SIDC: Record<TrackClass | "partner", string> = {
  person: "SSGPUCI--------", // suspect, ground, infantry
  vehicle: "SSGPEV---------", // suspect, ground equipment, vehicle
  animal: "SNGP-----------", // neutral, ground
  unknown: "SUGP-----------", // unknown, ground
  friendly: "SFGPU----------", // friendly, ground unit
  partner: "SAGPU----------", // assumed friend, ground unit: a partner's patrol (joint patrols)
};

export const SYMBOL = "sym:";
const SIZE = 18;

/** The symbol image named `name` (`sym:<class>`), or null if the name is not one. */
export function symbolImage(
  name: string,
  ratio: number,
): { data: Uint8ClampedArray; width: number; height: number } | null {
  const cls = name.slice(SYMBOL.length) as TrackClass | "partner";
  if (!name.startsWith(SYMBOL) || !(cls in SIDC)) return null;
  const canvas = new ms.Symbol(SIDC[cls], { size: SIZE }).asCanvas(ratio);
  const ctx = canvas.getContext("2d");
  if (ctx === null) return null;
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  return { data: image.data, width: image.width, height: image.height };
}

/** Whether every SIDC is one milsymbol knows (for the browser test and the console log). */
export function symbolsValid(): boolean {
  return Object.values(SIDC).every((sidc) => new ms.Symbol(sidc).isValid() === true);
}
