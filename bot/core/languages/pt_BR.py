"""Brazilian Portuguese words. The texts show PARAR, AJUDA, VOLTAR, REINICIAR, IDIOMA, APAGAR,
PULAR, SIM and NÃO; the other spellings are what people also type. "Pare" is left out of STOP:
in Haitian Creole it means "ready", and STOP words work in every conversation.
"""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="pt_BR",
    commands={
        "stop": frozenset(
            {"parar", "sair", "cancelar", "descadastrar", "parar mensagens"}
            | {"não quero mais mensagens"}
        ),
        "start": frozenset({"iniciar", "começar", "ativar", "voltar a receber"}),
        "help": frozenset({"ajuda", "ajude", "me ajuda", "me ajude", "socorro"}),
        "back": frozenset({"voltar", "volta", "anterior", "pergunta anterior"}),
        "restart": frozenset({"reiniciar", "recomeçar", "começar de novo", "do início"}),
        "language": frozenset(
            {"idioma", "idiomas", "língua", "linguagem", "mudar idioma", "trocar idioma"}
        ),
        "delete": frozenset(
            {"apagar", "apague", "excluir", "deletar", "apagar tudo", "apagar meus dados"}
        ),
    },
    yes=frozenset(
        {"sim", "s", "ss", "claro", "claro que sim", "isso", "isso mesmo", "certo"}
        | {"correto", "com certeza", "uhum", "aham", "concordo", "pode", "sim senhor"}
    ),
    no=frozenset(
        {"não", "n", "nn", "naum", "não não", "nunca", "negativo", "de jeito nenhum"}
        | {"claro que não", "não concordo", "não quero", "ninguém", "jamais", "não tenho"}
    ),
    skip=frozenset(
        {"pular", "pula", "passar", "próxima", "prefiro não dizer", "prefiro não responder"}
        | {"não quero dizer", "não quero responder"}
    ),
    # Stripped one word at a time from the front: "cerca de 20", "mais ou menos 20".
    approximately=frozenset({"em", "em torno de", "no ano de"})
    | frozenset(
        {"cerca de", "uns", "umas", "aproximadamente", "aprox", "quase", "talvez", "tipo"}
        | {"mais ou menos", "por volta de", "em torno de", "lá pelos", "lá pelo", "uns", "tipo"}
    ),
    number_units=frozenset({"anos", "ano", "anos de idade", "de idade", "aninhos", "anos aprox"}),
    greetings=frozenset(
        {"oi", "oii", "oie", "oi tudo bem", "olá tudo bem", "tudo bem", "tudo bom", "bom dia"}
        | {"boa tarde", "boa noite", "e aí", "eae"}
    ),
    common_words=frozenset(
        {"preciso", "precisa", "ajudar", "meu", "minha", "meus", "minhas", "você", "vc"}
        | {"não", "com", "uma", "filho", "filha", "filhos", "marido", "esposa", "pai", "mãe"}
        | {"irmão", "irmã", "sobrinho", "advogado", "advogada", "deportaram", "deportação"}
        | {"imigração", "estou", "estava", "estão", "foi", "fui", "tenho", "tinha", "quero"}
        | {"queria", "gostaria", "obrigado", "obrigada", "pfv", "muito", "também", "agora"}
        | {"onde", "quando", "ele", "ela", "pra", "ainda", "posso", "pessoa", "sua", "seu"}
    ),
    language_names=frozenset(
        {"português", "portuguese", "portugués", "portugais", "pòtigè", "brasileiro"}
        | {"português brasileiro", "brazilian portuguese", "portuges", "portugese"}
    ),
    countries={
        "MX": ("Estados Unidos Mexicanos", "Mécico", "Méchico"),
        "GT": ("Guatimala", "Guate", "Guatemála"),
        "HN": ("Onduras", "Hondura"),
        "SV": ("Elsalvador", "República de El Salvador"),
        "NI": ("Nicarágoa", "Nicaraguá"),
        "CR": ("Costarica", "Costa Rika"),
        "PA": ("República do Panamá", "Panamah"),
        "CO": ("Columbia", "Colonbia"),
        "EC": ("Equado", "Equadôr"),
        "PE": ("República do Peru", "Perú"),
        "VE": ("Venesuela", "Venezuéla"),
        "DO": ("Dominicana", "Rep Dominicana", "São Domingos"),
        "CU": ("Ilha de Cuba", "Kuba"),
        "HT": ("Aiti", "Haity", "Raiti"),
        "JM": ("Jamaika", "Jamáica"),
        "BR": ("Brasiu", "Brasio", "Brasi", "Brazio"),
        "VN": ("Vietname", "Vietnan"),
        "KH": ("Cambodja", "Kampuchea", "Cambója"),
        "LA": ("Laus", "República Democrática Popular do Laos"),
        "CN": ("Xina", "República Popular da China"),
        "US": (
            "EUA",
            "Estados Unidos da América",
            "América",
            "Estado Unidos",
            "Estados Unido",
            "Esteites",
            "Isteites",
        ),
        "GB": ("Inglaterra", "Grã-Bretanha"),
        "NL": ("Holanda",),
        "KR": ("Coreia", "Coréia"),
    },
    us_states={
        "AK": ("Alasca",),
        "CA": ("Califórnia", "Califónia", "Calefórnia"),
        "CT": ("Connecticut", "Conecticut", "Conecticute", "Conéticut", "Conectcut"),
        "DC": ("Distrito de Colúmbia", "Washington DC"),
        "FL": ("Flórida", "Frórida"),
        "GA": ("Geórgia",),
        "HI": ("Havaí",),
        "LA": ("Luisiana", "Luiziana"),
        "MA": (
            "Massachusetts",
            "Massachussets",
            "Massachusets",
            "Massachussetts",
            "Masachusets",
            "Massachusstes",
        ),
        "MO": ("Missúri",),
        "MS": ("Mississípi",),
        "NC": ("Carolina do Norte",),
        "ND": ("Dakota do Norte",),
        "NH": ("Nova Hampshire", "Novo Hampshire"),
        "NJ": ("Nova Jersey", "Nova Jérsei", "Nova Jersei", "Nova Gérsei"),
        "NM": ("Novo México",),
        "NY": ("Nova York", "Nova Iorque", "Nova Iork"),
        "PA": ("Pensilvânia", "Pensilvanya", "Pensilvâna"),
        "PR": ("Porto Rico",),
        "SC": ("Carolina do Sul",),
        "SD": ("Dakota do Sul",),
        "VA": ("Virgínia",),
        "VI": ("Ilhas Virgens Americanas",),
        "AS": ("Samoa Americana",),
        "MP": ("Ilhas Marianas do Norte",),
        "WV": ("Virgínia Ocidental",),
    },
    unsure=frozenset(
        {
            "nao sei",
            "nao tenho certeza",
            "não sabemos",
            "não sei",
            "não tenho certeza",
            "sei lá",
            "sei não",
        }
    ),
    ago_before=frozenset({"faz", "há", "uns"}),
    ago_after=frozenset({"atrás", "pra trás"}),
)
