// The console's words in English, French and Arabic, and the page's direction (Arabic is
// right-to-left). A key missing from a language falls back to English.

export type Lang = "en" | "fr" | "ar";
export const LANGS: readonly Lang[] = ["en", "fr", "ar"];

const en = {
  title: "borderwatch",
  "login.heading": "Sign in",
  "login.user": "User",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.failed": "Sign-in failed",
  "logout": "Sign out",
  "lang": "Language",
  "stream.live": "live",
  "stream.connecting": "connecting",
  "stream.down": "disconnected",
  "tracks.count": "tracks",
  "class.person": "person",
  "class.vehicle": "vehicle",
  "class.animal": "animal",
  "class.unknown": "unknown",
  "class.friendly": "friendly",
  "sectors.unavailable": "Sectors unavailable",
} as const;

export type Key = keyof typeof en;

const fr: Partial<Record<Key, string>> = {
  "login.heading": "Connexion",
  "login.user": "Utilisateur",
  "login.password": "Mot de passe",
  "login.submit": "Se connecter",
  "login.failed": "Échec de la connexion",
  logout: "Se déconnecter",
  lang: "Langue",
  "stream.live": "en direct",
  "stream.connecting": "connexion",
  "stream.down": "déconnecté",
  "tracks.count": "pistes",
  "class.person": "personne",
  "class.vehicle": "véhicule",
  "class.animal": "animal",
  "class.unknown": "inconnu",
  "class.friendly": "ami",
  "sectors.unavailable": "Secteurs indisponibles",
};

const ar: Partial<Record<Key, string>> = {
  "login.heading": "تسجيل الدخول",
  "login.user": "المستخدم",
  "login.password": "كلمة المرور",
  "login.submit": "دخول",
  "login.failed": "فشل تسجيل الدخول",
  logout: "خروج",
  lang: "اللغة",
  "stream.live": "مباشر",
  "stream.connecting": "جارٍ الاتصال",
  "stream.down": "غير متصل",
  "tracks.count": "مسارات",
  "class.person": "شخص",
  "class.vehicle": "مركبة",
  "class.animal": "حيوان",
  "class.unknown": "مجهول",
  "class.friendly": "صديق",
  "sectors.unavailable": "القطاعات غير متاحة",
};

const DICTS: Record<Lang, Partial<Record<Key, string>>> = { en, fr, ar };
const STORE_KEY = "borderwatch.lang";

let current: Lang = "en";
const listeners: Array<(lang: Lang) => void> = [];

/** The word for `key` in the current language. */
export function t(key: Key): string {
  return DICTS[current][key] ?? en[key];
}

/** The current language. */
export function lang(): Lang {
  return current;
}

/** Switch language: the page's `lang` and `dir`, every `data-i18n` element, and listeners. */
export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORE_KEY, next);
  const root = document.documentElement;
  root.lang = next;
  root.dir = next === "ar" ? "rtl" : "ltr";
  translate(document.body);
  for (const listener of listeners) listener(next);
}

/** Call `listener` after each language switch. */
export function onLangChange(listener: (lang: Lang) => void): void {
  listeners.push(listener);
}

/** The language saved from last time, else the browser's if we have it, else English. */
export function initialLang(): Lang {
  const saved = localStorage.getItem(STORE_KEY);
  if (isLang(saved)) return saved;
  const browser = navigator.language.slice(0, 2);
  return isLang(browser) ? browser : "en";
}

/** Fill every element under `root` that has `data-i18n="key"` with its word. */
export function translate(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const key = el.dataset["i18n"];
    if (key !== undefined && key in en) el.textContent = t(key as Key);
  }
}

function isLang(value: string | null): value is Lang {
  return value !== null && (LANGS as readonly string[]).includes(value);
}
