"""Spanish words. The command words are the ones the Spanish texts show in capitals (ALTO,
AYUDA, ATRÁS, REINICIAR, IDIOMA, BORRAR, PASAR, SÍ, NO), plus the other ways people say them.
Draft: no native speaker has reviewed these lists yet."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="es",
    commands={
        "stop": frozenset(
            {"alto", "parar", "detener", "cancelar", "basta", "no más mensajes"}
            | {"no quiero más mensajes", "darme de baja"}
        ),
        "start": frozenset({"empezar", "comenzar", "iniciar", "activar", "reanudar"}),
        "help": frozenset({"ayuda", "ayúdame", "ayudenme", "auxilio", "información"}),
        "back": frozenset({"atrás", "atraz", "volver", "regresar", "anterior"}),
        "restart": frozenset(
            {"reiniciar", "reinicio", "empezar de nuevo", "comenzar de nuevo"}
            | {"volver a empezar"}
        ),
        "language": frozenset(
            {"idioma", "idiomas", "lenguaje", "lengua", "cambiar idioma", "cambiar de idioma"}
        ),
        "delete": frozenset(
            {"borrar", "borrar mis datos", "borrar mis respuestas", "borrar todo"}
            | {"eliminar", "eliminar mis datos"}
        ),
    },
    yes=frozenset(
        {"sí", "s", "sii", "sip", "simón", "claro", "claro que sí", "así es", "correcto"}
        | {"de acuerdo", "estoy de acuerdo", "acepto", "sí acepto", "sí señor", "dale"}
    ),
    no=frozenset(
        {"no", "n", "nop", "nel", "nunca", "jamás", "para nada", "tampoco", "no gracias"}
        | {"no señor", "no acepto", "no estoy de acuerdo", "no tuvo", "no fue"}
    ),
    skip=frozenset(
        {"pasar", "paso", "saltar", "omitir", "prefiero no decir", "prefiero no decirlo"}
        | {"prefiero no contestar", "prefiero no responder"}
    ),
    approximately=frozenset({"el año", "en", "en el", "en el año"})
    | frozenset(
        {"unos", "unas", "como", "como unos", "cerca de", "aproximadamente", "aprox"}
        | {"más o menos", "alrededor de", "casi", "tal vez", "quizá", "quizás", "creo que"}
    ),
    number_units=frozenset(
        {"años", "año", "anios", "anio", "años de edad", "año de edad", "de edad"}
    ),
    greetings=frozenset(
        {"hola", "holi", "buenas", "buenos días", "buen día", "buenas tardes", "buenas noches"}
        | {"hola buenas", "hola buenos días", "qué tal", "hola qué tal", "saludos"}
    ),
    common_words=frozenset(
        {"el", "los", "las", "del", "una", "con", "pero", "muy", "hay", "fue", "soy", "estoy"}
        | {"tengo", "tiene", "quiero", "puedo", "necesito", "necesitamos", "ayuda", "ayudar"}
        | {"ayúdeme", "gracias", "usted", "ustedes", "nosotros", "ellos", "ella", "cuándo"}
        | {"dónde", "cuál", "ahora", "también", "mucho", "esto", "eso", "hace", "hablar"}
        | {"hijo", "hija", "hijos", "hermano", "hermana", "padre", "madre", "abogado"}
        | {"abogada", "deportaron", "deportación", "migración", "inmigración", "ayúdenme"}
    ),
    language_names=frozenset(
        {"español", "castellano", "spanish", "espanish", "espagnol", "panyòl", "espanhol"}
        | {"西班牙语"}
    ),
    countries={
        "MX": ("Méjico", "República Mexicana", "Mexiko", "Mejiko"),
        "GT": ("Guate", "Guatamala", "Guatemela", "Guatemal"),
        "HN": ("Hondura", "Onduras", "Ondura"),
        "SV": ("Salvador", "El Salbador", "Salbador"),
        "NI": ("Nica", "Nicaraga", "Nicaragüita"),
        "CR": ("Costarica", "Costa Rrica"),
        "PA": ("República de Panamá",),
        "CO": ("Columbia", "Colonbia", "República de Colombia"),
        "EC": ("Equador", "Ecuardor"),
        "PE": ("República del Perú",),
        "VE": ("Venezula", "Venesuela", "Venezuala", "Benezuela"),
        "DO": ("Dominicana", "Rep. Dominicana", "RD", "Santo Domingo", "Quisqueya"),
        "CU": ("República de Cuba", "Kuba"),
        "HT": ("Aití", "Ayiti", "Haity"),
        "JM": ("Jamaika", "Yamaica"),
        "BR": ("Brazil", "Brasill"),
        "VN": ("Viet Nam", "Vietnán", "Bietnam"),
        "KH": ("Cambodia", "Kampuchea", "Cambolla"),
        "LA": ("Lao", "Laus"),
        "CN": ("República Popular China", "Chyna"),
        "US": (
            "EEUU",
            "EE.UU.",
            "EE UU",
            "E.U.",
            "EUA",
            "USA",
            "Estados Unidos de América",
            "Estados Unidos de Norteamérica",
            "Norteamérica",
            "Estado Unidos",
            "Estados Unido",
            "Unión Americana",
            "Gringolandia",
        ),
    },
    us_states={
        "NM": ("Nuevo México", "Nuevo Méjico"),
        "NY": ("Nueva York", "Nueva Yol", "Nueva Yor"),
        "NJ": ("Nueva Jersey", "Nueva Yersey", "Nuevo Jersey"),
        "NH": ("Nuevo Hampshire", "Nueva Hampshire"),
        "NC": ("Carolina del Norte",),
        "SC": ("Carolina del Sur",),
        "ND": ("Dakota del Norte",),
        "SD": ("Dakota del Sur",),
        "PA": ("Pensilvania", "Pensylvania", "Pennsilvania"),
        "LA": ("Luisiana", "Lusiana"),
        "MO": ("Misuri", "Missouri"),
        "MS": ("Misisipi", "Misisipí"),
        "HI": ("Hawái", "Hawai"),
        "OR": ("Oregón",),
        "MI": ("Míchigan", "Michigán"),
        "WV": ("Virginia Occidental", "Virginia del Oeste"),
        "TX": ("Texas", "Tejas"),
        "MA": ("Massachusetts", "Masachusets", "Massachusets", "Masachusetts"),
        "CT": ("Connecticut", "Conecticut", "Coneticut"),
        "IL": ("Illinois", "Ilinois", "Ilinoi"),
        "TN": ("Tennessee", "Tenesí", "Tenessee"),
        "KY": ("Kentucky", "Kentuky", "Kentoky"),
        "MN": ("Minnesota", "Minesota"),
        "DC": ("Washington D.C.", "Distrito de Columbia"),
        "PR": ("Puerto Rico", "Borinquen", "Borinken"),
        "VI": ("Islas Vírgenes de EE.UU.", "Islas Vírgenes"),
        "AS": ("Samoa Americana",),
        "MP": ("Islas Marianas del Norte",),
    },
    unsure=frozenset(
        {
            "ni idea",
            "no estoy segura",
            "no estoy seguro",
            "no lo sé",
            "no sabemos",
            "no se",
            "no sé",
            "quién sabe",
        }
    ),
    ago_before=frozenset({"hace", "hace como", "hace unos", "hace unos como"}),
    ago_after=frozenset({"atrás", "para atrás"}),
)
