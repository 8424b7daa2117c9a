"""Labelled name data for the checkpoint benchmarks, made independently of the matcher.

The generator (people as phonemes, written by the conventions people use) is
`borderwatch.twin.names`, which the twin's crossing posts use too; `REAL_WORLD` is a separate,
hand-written set of real people's names as the press and lists have printed them (Gaddafi,
Qadhafi, Kadhafi, Kazzafi, القذافي ...), none produced by that generator.
"""

from __future__ import annotations

from borderwatch.twin.names import FEMALE, Person, make_person, render

__all__ = ["REAL_WORLD", "Person", "make_person", "render", "sex_of"]


def sex_of(person: Person) -> str:
    """The sex a document gives the person ("M" or "F"): the generator draws women's given
    names from its own pool."""
    return "F" if person.given in FEMALE else "M"


# Real people's names as printed by the press, governments and sanctions lists; the first form
# is listed, the others are the variants to find. Written by hand, not by the generator.
REAL_WORLD: list[list[str]] = [
    [
        "معمر القذافي",
        "Muammar Gaddafi",
        "Muammar al-Qadhafi",
        "Moammar Kadhafi",
        "Mouammar Kadhafi",
        "Muammar Qaddafi",
        "Moamar Gadafi",
        "Mu'ammar al-Qadhdhafi",
        "Moammar Khadafy",
        "Muammar Kazzafi",
    ],
    [
        "Zine El Abidine Ben Ali",
        "زين العابدين بن علي",
        "Zine el-Abidine Ben Ali",
        "Zayn al-Abidin bin Ali",
        "Zine Elabidine Benali",
    ],
    [
        "عبد الحكيم بلحاج",
        "Abdelhakim Belhadj",
        "Abdul Hakim Belhaj",
        "Abd al-Hakim Bilhajj",
        "Abdel Hakim Bel Hadj",
    ],
    ["Khalifa Haftar", "خليفة حفتر", "Khalifa Hifter", "Khalifa Heftar", "Khalifah Hiftar"],
    [
        "عبد الله السنوسي",
        "Abdullah al-Senussi",
        "Abdallah Snoussi",
        "Abdellah Sanussi",
        "Abd Allah al-Sanusi",
        "Abdullah Sanousi",
    ],
    [
        "Rached Ghannouchi",
        "راشد الغنوشي",
        "Rashid al-Ghannushi",
        "Rachid Ghanouchi",
        "Rashed Ghannoushi",
    ],
    [
        "عبد الباسط المقرحي",
        "Abdelbaset al-Megrahi",
        "Abdel Basset Ali al-Megrahi",
        "Abd al-Basit al-Maqrahi",
        "Abdulbaset Megrahi",
    ],
    ["Moussa Koussa", "موسى كوسا", "Musa Kusa", "Mousa Kousa"],
    [
        "سيف الإسلام القذافي",
        "Saif al-Islam Gaddafi",
        "Seif el-Islam Kadhafi",
        "Saif al-Islam Qadhafi",
        "Seif al-Islam al-Qadhafi",
    ],
    [
        "Mohamed Bouazizi",
        "محمد البوعزيزي",
        "Muhammad al-Bu'azizi",
        "Mohammed Bouazizi",
        "Mohamed Bouazzizi",
    ],
    ["يوسف الشاهد", "Youssef Chahed", "Yusuf al-Shahid", "Youcef Chahed", "Yousef Shahed"],
    ["Hamadi Jebali", "حمادي الجبالي", "Hammadi Jbali", "Hamadi al-Jabali", "Hammadi Djebali"],
    [
        "الباجي قائد السبسي",
        "Beji Caid Essebsi",
        "Béji Caïd Essebsi",
        "al-Baji Qa'id al-Sibsi",
        "Beji Kaid Sebsi",
    ],
    [
        "Moncef Marzouki",
        "منصف المرزوقي",
        "Munsif al-Marzuqi",
        "Moncef Al Marzouki",
        "Mounsef Marzougui",
    ],
    [
        "عبد القادر بن سالم",
        "Abdelkader Ben Salem",
        "Abd al-Qadir bin Salim",
        "Abdulkadir Bensalem",
        "Abd El Kader Ben Salem",
    ],
    [
        "Noureddine Taboubi",
        "نور الدين الطبوبي",
        "Nour Eddine Tabboubi",
        "Nur al-Din al-Tabubi",
        "Noureddine Ettaboubi",
    ],
    [
        "عبد الرحيم الزواري",
        "Abderrahim Zouari",
        "Abd al-Rahim al-Zawari",
        "Abdurrahim Zwari",
        "Abdel Rahim Ezzouari",
    ],
    ["Chokri Belaid", "شكري بلعيد", "Shukri Bel'id", "Choukri Belaïd", "Shokri Belaid"],
    [
        "محمد البراهمي",
        "Mohamed Brahmi",
        "Muhammad al-Barahmi",
        "Mohammed Brahmi",
        "Mohamed Ibrahmi",
    ],
    ["Ahmed Ben Bella", "أحمد بن بلة", "Ahmad bin Balla", "Ahmed Benbella"],
    ["عائشة القذافي", "Aisha Gaddafi", "Aicha Kadhafi", "Ayesha al-Qadhafi", "A'isha Qaddafi"],
    [
        "Salah Eddine Mesmari",
        "صلاح الدين المسماري",
        "Salah al-Din al-Mismari",
        "Salaheddine Mesmari",
        "Salah Addin Almasmari",
    ],
    ["فتحي باشاغا", "Fathi Bashagha", "Fethi Bachagha", "Fathi Bashaga", "Fathy Bashagha"],
    [
        "Abdul Hamid Dbeibah",
        "عبد الحميد الدبيبة",
        "Abdelhamid Dbeiba",
        "Abd al-Hamid al-Dabiba",
        "Abdulhamid Dbaiba",
    ],
    ["عقيلة صالح عيسى", "Aguila Saleh Issa", "Aguila Saleh", "Aqila Salih Issa", "Agila Saleh"],
    [
        "Abu Bakr Younis Jabr",
        "أبو بكر يونس جابر",
        "Aboubakr Younes Jaber",
        "Abou Bakr Yunus Jabir",
        "Boubaker Younes Jaber",
    ],
    [
        "مصطفى عبد الجليل",
        "Mustafa Abdul Jalil",
        "Moustafa Abdeljelil",
        "Mostefa Abdeljalil",
        "Mustapha Abd al-Jalil",
    ],
    ["Mahmoud Jibril", "محمود جبريل", "Mahmud Jebril", "Mahmoud Djibril", "Mahmood Jibreel"],
    ["علي زيدان", "Ali Zeidan", "Ali Zaydan", "Aly Zidane", "Ali Zidan"],
    ["Khaled Cherif", "خالد الشريف", "Khalid al-Sharif", "Khaled Chrif", "Khaled Ech-Cherif"],
    ["الهادي البكوش", "Hedi Baccouche", "al-Hadi al-Bakkush", "Hadi Bakkouch", "Hédi Baccouche"],
    ["Hamma Hammami", "حمة الهمامي", "Hama al-Hammami", "Hamma Hamami"],
    ["سعاد عبد الرحيم", "Souad Abderrahim", "Suad Abd al-Rahim", "Souad Abdelrahim"],
    [
        "Ezzeddine Abdeddaim",
        "عز الدين عبد الدائم",
        "Izz al-Din Abd al-Da'im",
        "Ezzedine Abdel Daim",
    ],
    [
        "عبد الرحمن السويحلي",
        "Abdulrahman Swehli",
        "Abderrahmane Souihli",
        "Abd al-Rahman al-Suwayhili",
        "Abdurrahman Sewehli",
    ],
    ["Ali Larayedh", "علي العريض", "Ali al-Arayyid", "Ali Laarayedh", "Ali Larayed"],
]
