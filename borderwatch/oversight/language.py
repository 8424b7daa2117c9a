"""The report's words in Arabic, French and English; direction, dates and numbers.

Arabic is set right to left (`dir="rtl"`; WeasyPrint and Pango shape the letters). Numbers
stay in Western digits in all three languages, as Tunisian administration writes them (the
Maghreb uses 0-9, not the Eastern Arabic ٠-٩), so a figure reads the same in every edition.
Dates are Gregorian with the month names each reader uses: French, English, and in Arabic
the Maghreb names (جانفي, فيفري, ... as in Tunisian official texts, not the Levantine
كانون الثاني nor the Egyptian يناير).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from borderwatch.errors import ConfigError

__all__ = ["LANGS", "Lang", "Words", "check_lang", "number", "words"]

Lang = Literal["ar", "fr", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)

_MONTHS: dict[Lang, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "ar": ("جانفي", "فيفري", "مارس", "أفريل", "ماي", "جوان", "جويلية", "أوت", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"),
}  # fmt: skip

_EN = {
    "title.daily": "Daily report",
    "title.weekly": "Weekly report",
    "title.monthly": "Monthly report",
    "period": "Period",
    "times_utc": "All times UTC.",
    "log_range": "Event log covered",
    "log_range.text": "events {events}, seq {first_seq} to {last_seq}, event time {first} to "
    "{last}; log read to seq {read_to}",
    "incidents": "Incidents",
    "incidents.total": "Incidents opened",
    "by_sector": "By sector",
    "by_class": "By class",
    "by_outcome": "By outcome",
    "sector": "Sector",
    "agency": "Agency",
    "count": "Count",
    "response": "Response chain",
    "response.def": "To acknowledge: opened to acknowledged. To assign: acknowledged to "
    "assigned. To reach the scene: assigned to the patrol's first report within 300 m. To "
    "resolve: opened to resolved. Median and 90th percentile by nearest rank, in minutes.",
    "step": "Step",
    "n": "n",
    "median": "Median (min)",
    "p90": "P90 (min)",
    "step.acknowledge": "to acknowledge",
    "step.assign": "to assign",
    "step.on_scene": "to reach the scene",
    "step.resolve": "to resolve",
    "coordination": "Coordination between agencies",
    "coordination.def": "An incident's steps in time order, each taken by an agency; a "
    "hand-over is a step taken by another agency than the step before, and lasts from that "
    "step to the next. Median and 90th percentile in minutes.",
    "cross_agency": "Incidents worked by more than one agency",
    "from": "From",
    "to": "To",
    "interdiction": "Interdiction effectiveness",
    "interdiction.def": "As in the US DHS border security metrics: known crossings "
    "interdicted or turned back over all known crossings, i.e. (apprehended + turned back) / "
    "(apprehended + turned back + got away), over the incidents of the period resolved so.",
    "interdiction.none": "no known crossings",
    "coverage": "Coverage and sensor availability",
    "coverage.def": "Coverage: share of the berm's 100 m stretches that at least one sensor "
    "can confirm. Availability: share of the period covered by the sensor's own reports of ok "
    "or degraded, each valid until the next or for three heartbeats; per sector, the mean "
    "over its sensors.",
    "stretches": "Stretches",
    "covered": "Covered",
    "sensors": "Sensors",
    "availability": "Availability",
    "load": "Alarm load per operator position",
    "position": "Position",
    "alerts": "Alerts",
    "per_window_avg": "Per 10 min (mean)",
    "per_window_max": "Per 10 min (max)",
    "flood_windows": "Floods",
    "nuisance": "Nuisance alarms by cause",
    "cause": "Cause",
    "checkpoints": "Checkpoints",
    "passages": "Passages",
    "lookout_hits": "Lookout hits",
    "decisions": "Decisions",
    "unavailable": "no records in this deployment",
    "released": "Information released to partners",
    "partner": "Partner",
    "items": "Items",
    "accountability": "Accountability",
    "people": "Actions per person and role",
    "person": "Person",
    "role": "Role",
    "actions": "Actions",
    "pseudonyms": "Names are shown as pseudonyms, as the deployment's law requires.",
    "unusual": "Unusual access",
    "unusual.none": "none found",
    "kind": "Kind",
    "unusual.bulk_views": "bulk record views",
    "unusual.screening_without_reason": "screening without a stated reason",
    "unusual.outside_sectors": "action outside the person's sectors",
    "chain": "Audit chain verification",
    "chain.intact": "intact",
    "chain.broken": "BROKEN",
    "chain.text": "{rows} audit rows, {checkpoints} signed checkpoints (last at seq {last})",
    "chain.unsigned": "signatures not checked (no public key)",
    "map": "Sensor availability along the border",
    "none": "none",
    "class.person": "person",
    "class.vehicle": "vehicle",
    "class.animal": "animal",
    "class.unknown": "unknown",
    "outcome.apprehended": "apprehended",
    "outcome.turned_back": "turned back",
    "outcome.got_away": "got away",
    "outcome.nuisance": "nuisance",
    "outcome.false_alarm": "false alarm",
    "outcome.open": "still open",
    "refused": "Operator actions refused by the picture",
}
_FR = {
    "title.daily": "Rapport quotidien",
    "title.weekly": "Rapport hebdomadaire",
    "title.monthly": "Rapport mensuel",
    "period": "Période",
    "times_utc": "Toutes les heures en UTC.",
    "log_range": "Journal des événements couvert",
    "log_range.text": "{events} événements, seq {first_seq} à {last_seq}, temps des "
    "événements {first} à {last} ; journal lu jusqu'à seq {read_to}",
    "incidents": "Incidents",
    "incidents.total": "Incidents ouverts",
    "by_sector": "Par secteur",
    "by_class": "Par classe",
    "by_outcome": "Par issue",
    "sector": "Secteur",
    "agency": "Agence",
    "count": "Nombre",
    "response": "Chaîne de réponse",
    "response.def": "Prise en compte : de l'ouverture à l'accusé. Affectation : de l'accusé à "
    "l'affectation. Arrivée sur place : de l'affectation au premier compte rendu de la "
    "patrouille à moins de 300 m. Résolution : de l'ouverture à la clôture. Médiane et 90e "
    "centile au rang le plus proche, en minutes.",
    "step": "Étape",
    "n": "n",
    "median": "Médiane (min)",
    "p90": "P90 (min)",
    "step.acknowledge": "prise en compte",
    "step.assign": "affectation",
    "step.on_scene": "arrivée sur place",
    "step.resolve": "résolution",
    "coordination": "Coordination entre agences",
    "coordination.def": "Les étapes d'un incident dans l'ordre, chacune prise par une agence ; "
    "une passation est une étape prise par une autre agence que l'étape précédente, et dure "
    "de cette étape à la suivante. Médiane et 90e centile en minutes.",
    "cross_agency": "Incidents traités par plus d'une agence",
    "from": "De",
    "to": "À",
    "interdiction": "Efficacité d'interception",
    "interdiction.def": "Comme dans les indicateurs frontaliers du DHS américain : passages "
    "connus interceptés ou refoulés sur l'ensemble des passages connus, soit (appréhendés + "
    "refoulés) / (appréhendés + refoulés + échappés), sur les incidents de la période clos "
    "ainsi.",
    "interdiction.none": "aucun passage connu",
    "coverage": "Couverture et disponibilité des capteurs",
    "coverage.def": "Couverture : part des tronçons de 100 m de la berme qu'au moins un "
    "capteur peut confirmer. Disponibilité : part de la période couverte par les rapports du "
    "capteur disant ok ou dégradé, chacun valable jusqu'au suivant ou trois battements au "
    "plus ; par secteur, la moyenne de ses capteurs.",
    "stretches": "Tronçons",
    "covered": "Couverts",
    "sensors": "Capteurs",
    "availability": "Disponibilité",
    "load": "Charge d'alarmes par poste d'opérateur",
    "position": "Poste",
    "alerts": "Alertes",
    "per_window_avg": "Par 10 min (moyenne)",
    "per_window_max": "Par 10 min (max)",
    "flood_windows": "Avalanches",
    "nuisance": "Alarmes de nuisance par cause",
    "cause": "Cause",
    "checkpoints": "Postes frontaliers",
    "passages": "Passages",
    "lookout_hits": "Signalements",
    "decisions": "Décisions",
    "unavailable": "aucun registre dans ce déploiement",
    "released": "Informations communiquées aux partenaires",
    "partner": "Partenaire",
    "items": "Éléments",
    "accountability": "Redevabilité",
    "people": "Actions par personne et rôle",
    "person": "Personne",
    "role": "Rôle",
    "actions": "Actions",
    "pseudonyms": "Les noms sont remplacés par des pseudonymes, comme la loi du déploiement "
    "l'exige.",
    "unusual": "Accès inhabituels",
    "unusual.none": "aucun",
    "kind": "Type",
    "unusual.bulk_views": "consultations en masse",
    "unusual.screening_without_reason": "criblage sans motif",
    "unusual.outside_sectors": "action hors des secteurs de la personne",
    "chain": "Vérification de la chaîne d'audit",
    "chain.intact": "intacte",
    "chain.broken": "ROMPUE",
    "chain.text": "{rows} lignes d'audit, {checkpoints} points signés (dernier à seq {last})",
    "chain.unsigned": "signatures non vérifiées (pas de clé publique)",
    "map": "Disponibilité des capteurs le long de la frontière",
    "none": "aucun",
    "class.person": "personne",
    "class.vehicle": "véhicule",
    "class.animal": "animal",
    "class.unknown": "inconnu",
    "outcome.apprehended": "appréhendés",
    "outcome.turned_back": "refoulés",
    "outcome.got_away": "échappés",
    "outcome.nuisance": "nuisance",
    "outcome.false_alarm": "fausse alarme",
    "outcome.open": "encore ouverts",
    "refused": "Actions d'opérateurs refusées par la situation",
}
_AR = {
    "title.daily": "تقرير يومي",
    "title.weekly": "تقرير أسبوعي",
    "title.monthly": "تقرير شهري",
    "period": "الفترة",
    "times_utc": "كل الأوقات بالتوقيت العالمي.",
    "log_range": "سجل الأحداث المشمول",
    "log_range.text": "عدد الأحداث {events}، من الرقم {first_seq} إلى {last_seq}، من {first} "
    "إلى {last}؛ قرئ السجل حتى الرقم {read_to}",
    "incidents": "الحوادث",
    "incidents.total": "الحوادث المفتوحة",
    "by_sector": "حسب القطاع",
    "by_class": "حسب الصنف",
    "by_outcome": "حسب النتيجة",
    "sector": "القطاع",
    "agency": "الجهاز",
    "count": "العدد",
    "response": "سلسلة الاستجابة",
    "response.def": "الإقرار: من فتح الحادثة إلى الإقرار بها. التكليف: من الإقرار إلى تكليف "
    "دورية. الوصول: من التكليف إلى أول تقرير للدورية على بعد أقل من 300 متر. الحل: من فتح "
    "الحادثة إلى إغلاقها. الوسيط والمئين التسعون بالرتبة الأقرب، بالدقائق.",
    "step": "المرحلة",
    "n": "العدد",
    "median": "الوسيط (دقيقة)",
    "p90": "المئين 90 (دقيقة)",
    "step.acknowledge": "الإقرار",
    "step.assign": "التكليف",
    "step.on_scene": "الوصول إلى المكان",
    "step.resolve": "الحل",
    "coordination": "التنسيق بين الأجهزة",
    "coordination.def": "مراحل الحادثة بالترتيب الزمني، يتولى كل مرحلة جهاز؛ التسليم مرحلة "
    "يتولاها جهاز غير جهاز المرحلة السابقة، ويدوم من تلك المرحلة إلى التالية. الوسيط والمئين "
    "التسعون بالدقائق.",
    "cross_agency": "الحوادث التي عالجها أكثر من جهاز",
    "from": "من",
    "to": "إلى",
    "interdiction": "فعالية الاعتراض",
    "interdiction.def": "كما في مؤشرات أمن الحدود لوزارة الأمن الداخلي الأمريكية: العبورات "
    "المعروفة التي اعترضت أو أرجعت على كل العبورات المعروفة، أي (الموقوفون + المرجعون) / "
    "(الموقوفون + المرجعون + الفارون)، على حوادث الفترة المغلقة كذلك.",
    "interdiction.none": "لا عبورات معروفة",
    "coverage": "التغطية وجاهزية أجهزة الاستشعار",
    "coverage.def": "التغطية: نسبة مقاطع الساتر الترابي (100 متر) التي يستطيع جهاز واحد على "
    "الأقل تأكيدها. الجاهزية: نسبة الفترة التي تغطيها تقارير الجهاز السليمة أو المتدهورة، "
    "كل تقرير صالح حتى التالي أو ثلاث نبضات على الأكثر؛ وللقطاع متوسط أجهزته.",
    "stretches": "المقاطع",
    "covered": "المغطاة",
    "sensors": "الأجهزة",
    "availability": "الجاهزية",
    "load": "عبء الإنذارات حسب موقع المشغل",
    "position": "الموقع",
    "alerts": "الإنذارات",
    "per_window_avg": "لكل 10 دقائق (المتوسط)",
    "per_window_max": "لكل 10 دقائق (الأقصى)",
    "flood_windows": "الفيضانات",
    "nuisance": "الإنذارات الكاذبة حسب السبب",
    "cause": "السبب",
    "checkpoints": "المعابر",
    "passages": "العبورات",
    "lookout_hits": "التطابقات مع قوائم المراقبة",
    "decisions": "القرارات",
    "unavailable": "لا سجلات في هذا النشر",
    "released": "المعلومات المسلمة للشركاء",
    "partner": "الشريك",
    "items": "العناصر",
    "accountability": "المساءلة",
    "people": "الأعمال حسب الشخص والدور",
    "person": "الشخص",
    "role": "الدور",
    "actions": "الأعمال",
    "pseudonyms": "تظهر الأسماء بأسماء مستعارة كما يقتضي القانون المطبق.",
    "unusual": "النفاذ غير المعتاد",
    "unusual.none": "لا شيء",
    "kind": "النوع",
    "unusual.bulk_views": "اطلاع جماعي على السجلات",
    "unusual.screening_without_reason": "تدقيق دون سبب مذكور",
    "unusual.outside_sectors": "عمل خارج قطاعات الشخص",
    "chain": "التحقق من سلسلة التدقيق",
    "chain.intact": "سليمة",
    "chain.broken": "مكسورة",
    "chain.text": "{rows} سطر تدقيق، {checkpoints} نقطة موقعة (آخرها عند الرقم {last})",
    "chain.unsigned": "لم يتم التحقق من التوقيعات (لا مفتاح عام)",
    "map": "جاهزية الأجهزة على طول الحدود",
    "none": "لا شيء",
    "class.person": "شخص",
    "class.vehicle": "مركبة",
    "class.animal": "حيوان",
    "class.unknown": "مجهول",
    "outcome.apprehended": "موقوفون",
    "outcome.turned_back": "مرجعون",
    "outcome.got_away": "فارون",
    "outcome.nuisance": "إزعاج",
    "outcome.false_alarm": "إنذار كاذب",
    "outcome.open": "ما زالت مفتوحة",
    "refused": "أعمال المشغلين المرفوضة",
}
_WORDS: dict[Lang, dict[str, str]] = {"en": _EN, "fr": _FR, "ar": _AR}


def check_lang(lang: str) -> Lang:
    """`lang` if it is ar, fr or en, else a `ConfigError` naming the choices."""
    for known in LANGS:
        if lang == known:
            return known
    raise ConfigError("--lang", f"unknown language {lang!r}; one of {', '.join(LANGS)}")


class Words:
    """One language's words, direction, dates and numbers."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.dir = "rtl" if lang == "ar" else "ltr"
        self._w = _WORDS[lang]

    def __call__(self, key: str, **values: object) -> str:
        """The text for `key`, with `values` filled in (the key itself if it has none)."""
        text = self._w.get(key, _EN.get(key, key))
        return text.format(**values) if values else text

    def date(self, iso: str) -> str:
        """An ISO date (YYYY-MM-DD) as the reader writes it: 6 December 2026."""
        d = dt.date.fromisoformat(iso)
        return f"{d.day} {_MONTHS[self.lang][d.month - 1]} {d.year}"

    def time(self, time_ns: int) -> str:
        """A UTC time as its date and HH:MM:SS."""
        t = dt.datetime.fromtimestamp(time_ns / 1e9, dt.UTC)
        return f"{self.date(t.date().isoformat())} {t:%H:%M:%S}"


def words(lang: str) -> Words:
    """The words of `lang` (checked)."""
    return Words(check_lang(lang))


def number(value: float | None, lang: str, digits: int = 1) -> str:
    """`value` with `digits` decimals (a comma in French); an en dash for none."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text
