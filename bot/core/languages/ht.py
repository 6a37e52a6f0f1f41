"""Haitian Creole (Kreyòl ayisyen) words. Commands shown in the texts are SISPANN, EDE,
RETOUNEN, REKOMANSE, LANG, EFASE, PASE, WI and NON; English STOP and HELP always work too.
Spellings follow the standard orthography, plus the French-influenced and unaccented ones
people type on a phone. Draft: no native speaker has reviewed these words yet."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="ht",
    commands={
        "stop": frozenset(
            {"sispann", "sispan", "kanpe", "sispann voye", "sispann mesaj yo", "pa voye ankò"}
        ),
        "start": frozenset({"kòmanse", "koumanse", "demare", "reabòne"}),
        "help": frozenset({"ede", "èd", "ede m", "ede mwen", "aide", "m bezwen èd"}),
        "back": frozenset({"retounen", "tounen", "retounen dèyè", "tounen dèyè", "routounen"}),
        "restart": frozenset({"rekòmanse", "rekoumanse", "rekòmanse ankò", "rekòmanse tout"}),
        "language": frozenset({"lang", "lang yo", "chanje lang", "langaj", "lang la"}),
        "delete": frozenset(
            {"efase", "efase tout", "efase repons mwen", "efase repons yo", "efase done mwen"}
        ),
    },
    yes=frozenset(
        {"wi", "wii", "ui", "oui", "wi wi", "wi se sa", "se sa", "se vre", "wi se vre"}
        | {"dakò", "wi dakò", "wi m dakò", "wi mwen dakò", "oke", "wi mesye", "wi madam"}
    ),
    no=frozenset(
        {"non", "nonn", "non non", "non mèsi", "pa janm", "jamè", "non pa janm", "pa vre"}
        | {"se pa vre", "m pa dakò", "mwen pa dakò", "non m pa dakò", "non se pa sa"}
    ),
    skip=frozenset(
        {"pase", "m pito pa di", "mwen pito pa di", "m pa vle di", "mwen pa vle di"}
        | {"pa vle di", "sote", "m prefere pa di"}
    ),
    approximately=frozenset({"an", "nan lane"})
    | frozenset({"anviwon", "apeprè", "bò", "petèt", "pwobableman", "nan"}),
    number_units=frozenset({"an", "zan", "ane", "lane", "ans", "an konsa", "lane konsa", "konsa"}),
    greetings=frozenset(
        {"bonjou", "bonswa", "bonjou mesye", "bonjou madam", "sak pase", "sa k pase"}
        | {"sakpase", "kouman ou ye", "kijan ou ye", "onè", "bonjou tout moun", "bonswa tout moun"}
    ),
    common_words=frozenset(
        {"mwen", "nou", "pou", "ak", "gen", "genyen", "bezwen", "ede", "èd", "depòte"}
        | {"depòtasyon", "pitit", "gason", "madanm", "manman", "frè", "avoka", "tanpri"}
        | {"souple", "silvouplè", "vle", "konnen", "kijan", "kouman", "kisa", "kounye"}
        | {"poukisa", "paske", "anpil", "mèsi", "lakay", "peyi", "fanmi", "moun", "ap"}
        | {"yon", "toujou", "jodi", "imigrasyon", "prizon", "ayisyen", "bagay", "lajan"}
        | {"pral", "kite", "menm", "anyen", "sèlman", "kapab", "ankò", "etazini", "jwenn"}
        | {"sitwayen", "papye", "tribinal"}
    ),
    language_names=frozenset(
        {"kreyòl", "kreyòl ayisyen", "ayisyen", "kreyol aysyen", "kreol"}
        | {"haitian", "haitian creole", "creole", "criollo", "criollo haitiano"}
        | {"creole haitiano", "créole haïtien", "crioulo haitiano"}
    ),
    countries={
        "MX": ("Meksik", "Mèksik", "Meksiko", "Meksike"),
        "GT": ("Gwatemala", "Gwatemal", "Watemala"),
        "HN": ("Ondiras", "Onduras", "Ondouras"),
        "SV": ("Salvadò", "El Salvadò"),
        "NI": ("Nikaragwa", "Nikaragua"),
        "CR": ("Kosta Rika", "Kostarika"),
        "PA": ("Panamá",),
        "CO": ("Kolonbi", "Kolombi", "Kolonbya"),
        "EC": ("Ekwatè", "Ekwadò"),
        "PE": ("Pewou", "Perou"),
        "VE": ("Venezyela", "Venezwela", "Venezyèla"),
        "DO": (
            "Dominikani",
            "Repiblik Dominikèn",
            "Dominikèn",
            "Sendomeng",
            "Sen Domeng",
            "Panyòl",
            "Sendomin",
        ),
        "CU": ("Kiba", "Kuba"),
        "HT": ("Ayiti", "Aiti", "Ayti", "Dayiti"),
        "JM": ("Jamayik", "Jamaik", "Jamayk"),
        "BR": ("Brezil", "Brazil", "Brezi"),
        "VN": ("Vyetnam", "Vyet Nam", "Vietnam"),
        "KH": ("Kanbòj", "Kanbodj", "Kamboj"),
        "LA": ("Lawòs", "Lawos"),
        "CN": ("Lachin", "Chin", "Chinn"),
        "US": (
            "Etazini",
            "Ozetazini",
            "Lezetazini",
            "Zetazini",
            "Etazinni",
            "Lamerik",
            "Amerik",
            "Eta Zini",
        ),
        "BS": ("Baamas", "Bahama", "Nasò"),
        "TC": ("Tik", "Zile Tik", "Tik e Kaykòs"),
        "CA": ("Kanada",),
        "FR": ("Lafrans", "Frans"),
        "PR": ("Pòtoriko", "Pòto Riko", "Porto Rico"),
    },
    us_states={
        "CA": ("Kalifòni", "Kalifoni", "Californie"),
        "FL": ("Florid", "Flòrid", "Floride"),
        "NY": ("Nouyòk", "Nou Yòk", "Nyouyòk", "État de New York"),
        "MA": ("Masachousèt", "Masachisèt", "Massachousèt"),
        "NJ": ("Nouvèl Jèsi", "Nouvo Jèsi", "Nyou Djèzi", "Jèsi", "Djèzi"),
        "PA": ("Pennsilvani", "Pensilvani", "Pennsylvanie"),
        "GA": ("Jòji", "Jeòji", "Jorji", "Géorgie"),
        "CT": ("Konektikòt", "Konetikòt"),
        "MD": ("Marilann", "Marilan"),
        "VA": ("Vijini", "Virginie"),
        "WV": ("Vijini Lwès", "Virginie-Occidentale"),
        "NC": ("Karolin di Nò", "Karolin Nò", "Caroline du Nord"),
        "SC": ("Karolin di Sid", "Karolin Sid", "Caroline du Sud"),
        "ND": ("Dakota di Nò", "Dakota du Nord"),
        "SD": ("Dakota di Sid", "Dakota du Sud"),
        "TX": ("Teksas",),
        "IL": ("Ilinwa", "Ilinoy"),
        "OH": ("Ohayo",),
        "MI": ("Michigann",),
        "LA": ("Lwizyann", "Louisiane"),
        "DE": ("Delawè",),
        "RI": ("Rod Aylann", "Wòd Aylann"),
        "NM": ("Nouvo Meksik", "Nouveau-Mexique"),
        "NH": ("Nouvo Anpchi", "New Hampshire"),
        "DC": ("Wachintonn DC", "Distrik Kolonbi", "District de Columbia"),
        "WA": ("Eta Wachintonn", "État de Washington"),
        "HI": ("Awayi", "Hawaï"),
        "MN": ("Minezota",),
        "MO": ("Mizouri",),
        "TN": ("Tenesi",),
        "KY": ("Kentiki",),
        "IN": ("Indyana",),
        "OK": ("Oklawoma",),
        "OR": ("Oregonn",),
        "CO": ("Kolorado",),
        "UT": ("Outa",),
        "AZ": ("Arizonn",),
        "AR": ("Akansas",),
        "IA": ("Ayowa",),
        "PR": ("Pòtoriko", "Pòto Riko", "Porto Rico"),
    },
    # Some Babel releases carry no Creole territory names: these lead, then French.
    countries_shown=True,
    name_fallbacks=("fr",),
    unsure=frozenset(
        {
            "m pa fin sèten",
            "m pa konnen",
            "m pa sèten",
            "mwen pa konnen",
            "mwen pa sèten",
            "pa konnen",
            "pa sèten",
        }
    ),
    ago_before=frozenset({"gen", "sa fè", "sa gen"}),
    ago_after=frozenset({"de sa", "desa", "sa gen"}),
)
