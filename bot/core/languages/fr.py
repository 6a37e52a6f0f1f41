"""French words. STOP is also the word French carriers use for opting out of text messages.

Commands avoid words a person could send as an answer: "arrêté" (arrested) and its common
misspelling "arrêter" are not STOP words. Multi-word entries avoid words other languages use
too ("de", "a", "mes", "se"), because every part of them marks a message as French.
"""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="fr",
    commands={
        "stop": frozenset(
            {"stop", "arrêt", "stopper", "désabonner", "désinscrire", "désabonnement"}
        ),
        "start": frozenset({"commencer", "démarrer", "réactiver", "réabonner"}),
        "help": frozenset({"aide", "aidez-moi", "aide-moi"}),
        "back": frozenset({"retour", "revenir", "retourner", "précédent", "précédente"}),
        "restart": frozenset({"recommencer", "tout recommencer", "redémarrer"}),
        "language": frozenset({"langue", "langues", "langage", "changer langue"}),
        "delete": frozenset(
            {"effacer", "supprimer", "effacer tout", "tout effacer", "supprimer tout"}
        ),
    },
    yes=frozenset(
        {"oui", "o", "ouais", "ouai", "ouii", "ui", "wi", "oui oui", "bien sûr", "d'accord"}
        | {"daccord", "j'accepte", "exact", "c'est ça", "vrai"}
    ),
    no=frozenset(
        {"non", "nan", "nn", "non non", "non merci", "pas du tout", "jamais", "non jamais"}
        | {"faux", "je refuse", "pas d'accord"}
    ),
    skip=frozenset(
        {"passer", "je passe", "je préfère ne pas dire", "préfère ne pas dire"}
        | {"je préfère ne pas répondre", "pas de réponse", "sans réponse", "je ne veux pas dire"}
    ),
    approximately=frozenset({"en"})
    | frozenset(
        {"environ", "vers", "à peu près", "autour de", "presque", "plus ou moins", "dans les"}
        | {"peut-être", "genre", "approximativement"}
    ),
    number_units=frozenset({"ans", "an", "année", "années"}),
    greetings=frozenset(
        {"bonjour", "bonsoir", "coucou", "bjr", "bsr", "bonjour madame", "bonjour monsieur"}
        | {"bonsoir madame", "bonsoir monsieur"}
    ),
    common_words=frozenset(
        {"je", "suis", "nous", "vous", "avec", "pour", "dans", "est", "sont", "pas", "aussi"}
        | {"besoin", "aider", "expulsé", "expulsée", "expulsés", "renvoyé", "fils", "fille"}
        | {"femme", "époux", "épouse", "frère", "soeur", "père", "mère", "avocat", "avocate"}
        | {"merci", "svp", "stp", "plaît", "quoi", "pourquoi", "veux", "voudrais", "peux"}
        | {"états", "unis", "il", "elle", "ils", "été", "une", "des", "aux", "cette"}
        | {"famille", "enfant", "enfants", "votre", "notre", "leur", "était", "depuis", "chez"}
    ),
    language_names=frozenset(
        {"français", "francais", "fransais", "french", "francés", "langue française"}
    ),
    countries={
        "MX": ("Mexik", "Mexic", "Mexiq"),
        "GT": ("Gwatemala", "Guatemal"),
        "HN": ("Hondouras", "Onduras"),
        "SV": ("El Salvador", "Salvadore"),
        "NI": ("Nicaragwa", "Nicaraga"),
        "CR": ("Costa Rika", "Kosta Rika"),
        "PA": ("République du Panama", "Panamma"),
        "CO": ("Colombi", "Columbie", "Colonbie"),
        "EC": ("Equatteur", "République de l'Équateur"),
        "PE": ("Perrou",),
        "VE": ("Venezuella", "Vénézuella"),
        "DO": ("Rép. dominicaine", "Rep dom", "Dominicaine"),
        "CU": ("Kuba", "Île de Cuba"),
        "HT": ("Aïti", "Hayti", "Haity", "République d'Haïti"),
        "JM": ("Jamaïc", "Jamaik", "Jamaïk"),
        "BR": ("Brezil", "Brésile"),
        "VN": ("Vietname", "République socialiste du Viêt Nam"),
        "KH": ("Kampuchéa", "Cambodje", "Kambodge"),
        "LA": ("RDP Lao", "République démocratique populaire lao"),
        "CN": ("Chine populaire", "République populaire de Chine", "RPC"),
        "US": (
            "Etat-Unis",
            "Etats-Uni",
            "Etat Uni",
            "Etats-Unis d'Amérique",
            "Amérique",
            "States",
            "USA",
        ),
        "CD": ("RDC", "RD Congo", "République démocratique du Congo"),
        "CG": ("République du Congo",),
        "CI": ("Côte d'Ivoir", "Cote divoir"),
        "GN": ("Guinée Conakry",),
    },
    us_states={
        "CA": ("Californie", "Califonie", "Calfornie"),
        "FL": ("Floride", "Florid"),
        "GA": ("Géorgie",),
        "HI": ("Hawaï",),
        "LA": ("Louisiane", "Louisianne"),
        "NM": ("Nouveau-Mexique",),
        "NC": ("Caroline du Nord",),
        "SC": ("Caroline du Sud",),
        "ND": ("Dakota du Nord",),
        "SD": ("Dakota du Sud",),
        "PA": ("Pennsylvanie", "Pensylvanie", "Pennsilvanie"),
        "VA": ("Virginie",),
        "WV": ("Virginie-Occidentale", "Virginie de l'Ouest"),
        "NY": ("New York", "État de New York"),
        "NH": ("New Hampshire", "Nouveau-Hampshire"),
        "NJ": ("New Jersey", "Nouveau-Jersey"),
        "DC": ("District de Columbia", "Washington DC"),
        "PR": ("Porto Rico",),
        "VI": ("Îles Vierges des États-Unis", "Îles Vierges américaines"),
        "AS": ("Samoa américaines",),
        "MP": ("Îles Mariannes du Nord",),
    },
    unsure=frozenset(
        {
            "aucune idée",
            "je ne sais pas",
            "je ne suis pas sûr",
            "je ne suis pas sûre",
            "je sais pas",
            "pas sûr",
            "pas sûre",
            "sais pas",
        }
    ),
    ago_before=frozenset({"il y a", "y a", "ya"}),
    ago_after=frozenset(),
)
