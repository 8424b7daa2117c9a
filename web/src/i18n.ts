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
  // -- the alert queue and the incident panel (alerts.ts, incidents.ts) --
  "alerts.title": "Alerts",
  "alerts.sound": "Sound",
  "alerts.empty": "No open alerts",
  "alerts.ack": "Acknowledge",
  "alerts.open": "Open",
  "incidents.title": "Incidents",
  "incident.title": "Incident",
  "incident.close": "Close",
  "incident.priority": "Priority",
  "incident.sector": "Sector",
  "incident.opened": "Opened",
  "incident.patrol": "Patrol",
  "incident.alerts": "Alerts",
  "incident.sensors": "Seen by",
  "incident.detections": "Detections",
  "incident.tracks": "Tracks",
  "incident.crossing": "Predicted crossing",
  "incident.patrols": "Nearest available patrols",
  "incident.assign": "Assign",
  "incident.stale": "old report",
  "incident.none": "none",
  "incident.notes": "Notes",
  "incident.note": "Add note",
  "incident.resolve": "Resolve",
  "incident.outcome": "Outcome",
  "incident.points": "points",
  "incident.coasting": "coasting (predicted, not seen)",
  "state.new": "new",
  "state.acknowledged": "acknowledged",
  "state.assigned": "assigned",
  "state.resolved": "resolved",
  "outcome.apprehended": "apprehended",
  "outcome.turned_back": "turned back",
  "outcome.got_away": "got away",
  "outcome.nuisance": "nuisance",
  "outcome.false_alarm": "false alarm",
  "rule.approach": "approach",
  "rule.crossing": "crossing",
  "rule.line_breach": "line breach",
  "rule.loitering": "loitering",
  "rule.convoy": "convoy",
  "rule.sensor_down": "sensor down",
  "rule.sensor_tampered": "sensor tampered",
  "rule.sector_quiet": "sector quiet",
  "unit.km": "km",
  "unit.min": "min",
  // -- end of the alert queue and the incident panel --
  // -- the map side: layers, filters, health, times --
  "layers.title": "Layers",
  "filters.title": "Filters",
  "health.title": "Sensors and sectors",
  "layer.border": "border",
  "layer.berm": "berm and trench",
  "layer.sectors": "sectors",
  "layer.crossings": "crossings and breaches",
  "layer.places": "places",
  "layer.sites": "sensor sites",
  "layer.coverage": "coverage",
  "layer.shadows": "radar shadows",
  "layer.trails": "track trails",
  "layer.approach": "approach zone",
  "layer.loitering": "loitering zone",
  "layer.corridors": "road corridors (no alert)",
  "layer.tiles": "Tile server",
  "layer.tiles.help": "A {z}/{x}/{y} raster tile URL, or a MapLibre style JSON URL (vector tiles); empty: the built-in map",
  "layer.tiles.apply": "Apply",
  "filter.sector": "Sector",
  "filter.all": "all",
  "filter.window": "Updated within",
  "filter.window.30s": "30 s",
  "filter.window.2min": "2 min",
  "filter.window.all": "any time",
  "health.sector": "Sector",
  "health.threat": "Threat",
  "health.incidents": "Open incidents",
  "health.sensors": "Sensors up",
  "health.sensors.help": "sensors ok / all sensors; click the sector for each sensor and its last heartbeat",
  "health.ok": "ok",
  "health.degraded": "degraded",
  "health.down": "down",
  "health.tampered": "tampered",
  "threat.low": "low",
  "threat.elevated": "elevated",
  "threat.high": "high",
  "threat.help": "high: an open incident of priority 1, three or more open incidents, or a tampered sensor; elevated: any other open incident, or a sensor down; low: otherwise",
  "sensor.radar": "radar",
  "sensor.camera": "camera",
  "sensor.ugs": "ground sensor",
  "sensor.line": "line sensor",
  "replay.title": "Replay",
  "replay.live": "Live",
  "replay.badge": "REPLAY",
  "replay.loading": "loading…",
  "replay.failed": "replay failed",
  "replay.help": "Drag to a time of the last hours and let go: the picture at that time, redrawn from the event log",
  // -- end of the map side --
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
  // -- the alert queue and the incident panel (alerts.ts, incidents.ts) --
  "alerts.title": "Alertes",
  "alerts.sound": "Son",
  "alerts.empty": "Aucune alerte ouverte",
  "alerts.ack": "Acquitter",
  "alerts.open": "Ouvrir",
  "incidents.title": "Incidents",
  "incident.title": "Incident",
  "incident.close": "Fermer",
  "incident.priority": "Priorité",
  "incident.sector": "Secteur",
  "incident.opened": "Ouvert",
  "incident.patrol": "Patrouille",
  "incident.alerts": "Alertes",
  "incident.sensors": "Vu par",
  "incident.detections": "Détections",
  "incident.tracks": "Pistes",
  "incident.crossing": "Franchissement prévu",
  "incident.patrols": "Patrouilles disponibles les plus proches",
  "incident.assign": "Affecter",
  "incident.stale": "position ancienne",
  "incident.none": "aucune",
  "incident.notes": "Notes",
  "incident.note": "Ajouter une note",
  "incident.resolve": "Clore",
  "incident.outcome": "Issue",
  "incident.points": "points",
  "incident.coasting": "en extrapolation (prévue, non vue)",
  "state.new": "nouveau",
  "state.acknowledged": "acquitté",
  "state.assigned": "affecté",
  "state.resolved": "clos",
  "outcome.apprehended": "interpellés",
  "outcome.turned_back": "refoulés",
  "outcome.got_away": "échappés",
  "outcome.nuisance": "nuisance",
  "outcome.false_alarm": "fausse alarme",
  "rule.approach": "approche",
  "rule.crossing": "franchissement",
  "rule.line_breach": "rupture de ligne",
  "rule.loitering": "rôdeur",
  "rule.convoy": "convoi",
  "rule.sensor_down": "capteur hors service",
  "rule.sensor_tampered": "capteur saboté",
  "rule.sector_quiet": "secteur muet",
  "unit.km": "km",
  "unit.min": "min",
  // -- end of the alert queue and the incident panel --
  // -- the map side: layers, filters, health, times --
  "layers.title": "Couches",
  "filters.title": "Filtres",
  "health.title": "Capteurs et secteurs",
  "layer.border": "frontière",
  "layer.berm": "berme et fossé",
  "layer.sectors": "secteurs",
  "layer.crossings": "points de passage et brèches",
  "layer.places": "localités",
  "layer.sites": "sites de capteurs",
  "layer.coverage": "couverture",
  "layer.shadows": "zones d'ombre radar",
  "layer.trails": "traces des pistes",
  "layer.approach": "zone d'approche",
  "layer.loitering": "zone de rôdeur",
  "layer.corridors": "couloirs routiers (sans alerte)",
  "layer.tiles": "Serveur de tuiles",
  "layer.tiles.help": "Une URL de tuiles raster {z}/{x}/{y}, ou l'URL d'un style MapLibre JSON (tuiles vectorielles) ; vide : la carte intégrée",
  "layer.tiles.apply": "Appliquer",
  "filter.sector": "Secteur",
  "filter.all": "tous",
  "filter.window": "Mises à jour depuis",
  "filter.window.30s": "30 s",
  "filter.window.2min": "2 min",
  "filter.window.all": "toujours",
  "health.sector": "Secteur",
  "health.threat": "Menace",
  "health.incidents": "Incidents ouverts",
  "health.sensors": "Capteurs en service",
  "health.sensors.help": "capteurs en état / tous les capteurs ; cliquer sur le secteur pour chaque capteur et son dernier signal",
  "health.ok": "en état",
  "health.degraded": "dégradé",
  "health.down": "hors service",
  "health.tampered": "saboté",
  "threat.low": "faible",
  "threat.elevated": "accrue",
  "threat.high": "élevée",
  "threat.help": "élevée : un incident ouvert de priorité 1, trois incidents ouverts ou plus, ou un capteur saboté ; accrue : tout autre incident ouvert, ou un capteur hors service ; faible : sinon",
  "sensor.radar": "radar",
  "sensor.camera": "caméra",
  "sensor.ugs": "capteur au sol",
  "sensor.line": "capteur linéaire",
  "replay.title": "Rejeu",
  "replay.live": "Direct",
  "replay.badge": "REJEU",
  "replay.loading": "chargement…",
  "replay.failed": "échec du rejeu",
  "replay.help": "Glisser jusqu'à une heure récente et relâcher : la situation à cette heure, redessinée depuis le journal des événements",
  // -- end of the map side --
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
  // -- the alert queue and the incident panel (alerts.ts, incidents.ts) --
  "alerts.title": "التنبيهات",
  "alerts.sound": "الصوت",
  "alerts.empty": "لا توجد تنبيهات مفتوحة",
  "alerts.ack": "إقرار",
  "alerts.open": "فتح",
  "incidents.title": "الحوادث",
  "incident.title": "حادث",
  "incident.close": "إغلاق اللوحة",
  "incident.priority": "الأولوية",
  "incident.sector": "القطاع",
  "incident.opened": "فُتح",
  "incident.patrol": "الدورية",
  "incident.alerts": "التنبيهات",
  "incident.sensors": "رصده",
  "incident.detections": "الرصدات",
  "incident.tracks": "المسارات",
  "incident.crossing": "العبور المتوقع",
  "incident.patrols": "أقرب الدوريات المتاحة",
  "incident.assign": "تكليف",
  "incident.stale": "موقع قديم",
  "incident.none": "لا شيء",
  "incident.notes": "ملاحظات",
  "incident.note": "إضافة ملاحظة",
  "incident.resolve": "إنهاء",
  "incident.outcome": "النتيجة",
  "incident.points": "نقاط",
  "incident.coasting": "مُقدَّر (متوقَّع، غير مرصود)",
  "state.new": "جديد",
  "state.acknowledged": "تم الإقرار",
  "state.assigned": "مكلَّف",
  "state.resolved": "منتهٍ",
  "outcome.apprehended": "تم القبض",
  "outcome.turned_back": "أُعيدوا",
  "outcome.got_away": "فرّوا",
  "outcome.nuisance": "إزعاج",
  "outcome.false_alarm": "إنذار كاذب",
  "rule.approach": "اقتراب",
  "rule.crossing": "عبور",
  "rule.line_breach": "اختراق الخط",
  "rule.loitering": "تسكّع",
  "rule.convoy": "قافلة",
  "rule.sensor_down": "مستشعر معطّل",
  "rule.sensor_tampered": "عبث بمستشعر",
  "rule.sector_quiet": "قطاع صامت",
  "unit.km": "كم",
  "unit.min": "د",
  // -- end of the alert queue and the incident panel --
  // -- the map side: layers, filters, health, times --
  "layers.title": "الطبقات",
  "filters.title": "المرشّحات",
  "health.title": "المستشعرات والقطاعات",
  "layer.border": "الحدود",
  "layer.berm": "الساتر والخندق",
  "layer.sectors": "القطاعات",
  "layer.crossings": "المعابر والثغرات",
  "layer.places": "الأماكن",
  "layer.sites": "مواقع المستشعرات",
  "layer.coverage": "التغطية",
  "layer.shadows": "مناطق ظل الرادار",
  "layer.trails": "آثار المسارات",
  "layer.approach": "منطقة الاقتراب",
  "layer.loitering": "منطقة التسكّع",
  "layer.corridors": "ممرات الطرق (بلا إنذار)",
  "layer.tiles": "خادم البلاطات",
  "layer.tiles.help": "رابط بلاطات نقطية {z}/{x}/{y}، أو رابط نمط MapLibre بصيغة JSON (بلاطات متجهة)؛ فارغ: الخريطة المدمجة",
  "layer.tiles.apply": "تطبيق",
  "filter.sector": "القطاع",
  "filter.all": "الكل",
  "filter.window": "حُدّثت خلال",
  "filter.window.30s": "30 ث",
  "filter.window.2min": "2 د",
  "filter.window.all": "أي وقت",
  "health.sector": "القطاع",
  "health.threat": "التهديد",
  "health.incidents": "حوادث مفتوحة",
  "health.sensors": "مستشعرات عاملة",
  "health.sensors.help": "المستشعرات السليمة / كل المستشعرات؛ انقر على القطاع لعرض كل مستشعر وآخر نبضة له",
  "health.ok": "سليم",
  "health.degraded": "متدهور",
  "health.down": "معطّل",
  "health.tampered": "تم العبث به",
  "threat.low": "منخفض",
  "threat.elevated": "مرتفع",
  "threat.high": "عالٍ",
  "threat.help": "عالٍ: حادث مفتوح بأولوية 1، أو ثلاثة حوادث مفتوحة أو أكثر، أو مستشعر تم العبث به؛ مرتفع: أي حادث مفتوح آخر، أو مستشعر معطّل؛ منخفض: غير ذلك",
  "sensor.radar": "رادار",
  "sensor.camera": "كاميرا",
  "sensor.ugs": "مستشعر أرضي",
  "sensor.line": "مستشعر خطي",
  "replay.title": "إعادة العرض",
  "replay.live": "مباشر",
  "replay.badge": "إعادة",
  "replay.loading": "جارٍ التحميل…",
  "replay.failed": "فشلت إعادة العرض",
  "replay.help": "اسحب إلى وقت من الساعات الأخيرة ثم اترك: الصورة في ذلك الوقت، مُعاد رسمها من سجل الأحداث",
  // -- end of the map side --
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

// -- the alert queue and the incident panel: words for names that come from the API --
/** The word for `key` if the dictionary has one (a rule, an outcome), else `fallback`. */
export function tOr(key: string, fallback: string): string {
  return key in en ? t(key as Key) : fallback;
}
