"""SMS segment counts, derived by hand from the GSM 03.38 and concatenation rules."""

from __future__ import annotations

import pytest

from bot.core.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Segments,
    fold_accents,
    grapheme_clusters,
    is_gsm7,
    segments,
    smart_fold,
)

EMOJI = "\U0001f600"  # 😀, outside the Basic Multilingual Plane: a surrogate pair


@pytest.mark.parametrize(
    ("text", "units", "count"),
    [
        pytest.param("", 0, 1, id="empty is still one message"),
        pytest.param("a" * 160, 160, 1, id="160 fits one"),
        pytest.param("a" * 161, 161, 2, id="161 concatenates"),
        pytest.param("a" * 306, 306, 2, id="2 x 153"),
        pytest.param("a" * 307, 307, 3, id="2 x 153 + 1"),
        pytest.param("€" * 80, 160, 1, id="80 extension chars are 160 septets"),
        # 76 euros fill 152 septets of part 1; the 77th would split its escape pair.
        pytest.param("€" * 81, 162, 2, id="81 extension chars"),
        # Part 1: 152 'a'; the euro would take septets 153-154, so it opens part 2 (2 + 10).
        pytest.param("a" * 152 + "€" + "a" * 10, 164, 2, id="euro moves to part 2"),
        # Part 1: 152 'a'; part 2: euro + 151 'a' = 153; the last 'a' needs part 3,
        # although 306 septets would fit two parts if the pair could be split.
        pytest.param("a" * 152 + "€" + "a" * 152, 306, 3, id="pushed pair costs a part"),
        pytest.param("a" * 153 + "€" + "a" * 151, 306, 2, id="pair at start of part 2"),
        pytest.param("\f^{}\\[~]|€", 20, 1, id="whole extension table"),
        pytest.param("é" * 160, 160, 1, id="é is GSM-7"),
        pytest.param("ñ" * 161, 161, 2, id="ñ is GSM-7"),
        pytest.param("Ç\r\n", 3, 1, id="capital C cedilla, CR and LF"),
        pytest.param("Mwen pa konprann. Tanpri reponn ak nimewo a.", 44, 1, id="Haitian Creole"),
        pytest.param("¿Qué hay? ¡Ya!", 14, 1, id="Spanish marks and é"),
        pytest.param("\u0394\u03a9", 2, 1, id="Greek capitals, not math look-alikes"),
    ],
)
def test_gsm7_segments(text: str, units: int, count: int) -> None:
    assert segments(text) == Segments("GSM-7", units, count)
    assert is_gsm7(text)


@pytest.mark.parametrize(
    ("text", "units", "count"),
    [
        pytest.param("á" * 70, 70, 1, id="70 fits one"),
        pytest.param("á" * 71, 71, 2, id="71 concatenates"),
        pytest.param("á" * 134, 134, 2, id="2 x 67"),
        pytest.param("á" * 135, 135, 3, id="2 x 67 + 1"),
        pytest.param(EMOJI, 2, 1, id="an emoji is two units"),
        pytest.param(EMOJI * 34 + "a", 69, 1, id="34 emoji and a letter"),
        pytest.param(EMOJI * 35, 70, 1, id="35 emoji fill one"),
        # Part 1 holds 33 emoji (66 units); the 34th would split its pair, so part 2 has 3.
        pytest.param(EMOJI * 36, 72, 2, id="36 emoji"),
        # 33 + 33 + 1: 134 units would fit two parts only if a pair could straddle.
        pytest.param(EMOJI * 67, 134, 3, id="67 emoji need three parts"),
        pytest.param("a" + EMOJI * 66, 133, 2, id="odd start keeps pairs whole"),
        pytest.param("aa" + EMOJI * 66, 134, 3, id="even start pushes a pair"),
        pytest.param("€á", 2, 1, id="extension chars cost one unit in UCS-2"),
        pytest.param("Tiếng Việt", 10, 1, id="Vietnamese"),
        pytest.param("សួស្តី", 6, 1, id="Khmer, six code points"),
        pytest.param("你好", 2, 1, id="Chinese"),
    ],
)
def test_ucs2_segments(text: str, units: int, count: int) -> None:
    result = segments(text)
    assert (result.encoding, result.units, result.count) == ("UCS-2", units, count)
    assert not is_gsm7(text)


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("Olá", ("á",)),
        ("ação", ("ç", "ã")),
        ("être", ("ê",)),
        ("Não põe", ("ã", "õ")),
        ("Tiếng Việt", ("ế", "ệ")),
        ("Ok 👍", ("👍",)),
        ("ç", ("ç",)),
        ("\u0394 \u2206", ("\u2206",)),  # Greek delta, not increment
        ("\u03a9 \u2126", ("\u2126",)),  # Greek omega, not the ohm sign
        ("e\u0301", ("\u0301",)),  # a decomposed é: the combining accent is not GSM-7
        ("`", ("`",)),
        ("áãêçõâ á", ("á", "ã", "ê", "ç", "õ")),  # distinct, in order, only the first five
    ],
)
def test_ucs2_characters_name_the_culprits(text: str, offending: tuple[str, ...]) -> None:
    assert segments(text).ucs2_characters == offending


def test_gsm7_text_names_no_culprits() -> None:
    assert segments("Ça va? 10€").ucs2_characters == ()


def test_alphabet_matches_gsm_03_38() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes minus the escape
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION
    assert "\x1b" not in GSM7_BASIC
    assert set("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r") <= GSM7_BASIC
    assert set("áíóúãõâêôçÀÈ`") & GSM7_BASIC == set()


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Don’t worry, we’re here", "Don't worry, we're here"),
        ("‘a’ ‚b‛", "'a' 'b'"),
        ("“a” „b‟", '"a" "b"'),
        ("a–b—c‒d―e‐f‑g", "a-b-c-d-e-f-g"),
        ("Wait…", "Wait..."),
        ("a\u00a0b\u2009c\u202fd\u2003e", "a b c d e"),
        ("co\u00adop", "coop"),
        ("\ufeffa\u200bb\u2060c", "abc"),
        ("a\u200db\u200c\u200dc", "abc"),  # joiners between GSM-7 letters do nothing visible
        ("e\u0301", "é"),  # composed, so it becomes the GSM-7 é
        ("\u2126 \u212b", "\u03a9 \u00c5"),  # NFC: ohm and angstrom signs become Ω and Å
        # Kept: accents GSM-7 lacks, emoji joiners, Persian non-joiners, the ideographic space.
        ("Olá, ação, être", "Olá, ação, être"),
        ("\U0001f469\u200d\u2695\ufe0f", "\U0001f469\u200d\u2695\ufe0f"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("你好\u3000世界", "你好\u3000世界"),
        ("", ""),
    ],
)
def test_smart_fold(text: str, folded: str) -> None:
    assert smart_fold(text) == folded
    assert smart_fold(folded) == folded


def test_curly_apostrophe_costs_ucs2_until_folded() -> None:
    text = "Don’t worry, we’re here to help."
    assert segments(text) == Segments("UCS-2", 32, 1, ("’",))
    assert segments(smart_fold(text)) == Segments("GSM-7", 32, 1)


def test_folding_a_long_message_saves_segments() -> None:
    # 150 characters with one curly apostrophe: three UCS-2 parts (67 + 67 + 16), or one GSM-7.
    text = "It’s " + "a" * 145
    assert segments(text).count == 3
    assert segments(smart_fold(text)) == Segments("GSM-7", 150, 1)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("¿Cuántos años tenía?", "¿Cuantos años tenia?", id="es keeps ñ and ¿"),
        pytest.param("Não, você está aí", "Nao, voce esta ai", id="pt tildes and circumflexes"),
        pytest.param("Ça coûte où? Être là", "Ça coute où? Etre là", id="fr keeps Ç, ù, à"),
        pytest.param("Tôi cần giúp đỡ", "Toi can giup do", id="vi tones and đ"),
        pytest.param("Mwen bezwen èd, pòv", "Mwen bezwen èd, pòv", id="ht is GSM-7 already"),
        pytest.param("l’œuvre — «oui»", 'l\'oeuvre - "oui"', id="typography and ligatures"),
        pytest.param("ខ្ញុំ 你好", "ខ្ញុំ 你好", id="no Latin base letter: kept"),
    ],
)
def test_fold_accents_keeps_gsm7_letters_and_drops_other_accents(text: str, folded: str) -> None:
    assert fold_accents(text) == folded


def test_folding_turns_a_ucs2_spanish_message_into_gsm7() -> None:
    text = "¿En qué año fue deportado por última vez? Una fecha aproximada está bien."
    assert segments(text).encoding == "UCS-2"
    assert segments(fold_accents(text)) == Segments("GSM-7", len(text), 1)


# A grapheme cluster is what a reader sees as one character. Twilio's segment calculator packs
# whole clusters into the 67 UTF-16 units of each part of a concatenated UCS-2 message, so a
# cluster that would straddle a boundary opens the next part. Each text below puts a boundary
# (after unit 67) inside one cluster; the counts are worked out by hand in the comments, and
# `naive` is what splitting at every 67th unit (surrogate pairs kept) would give.
KHMER_SYLLABLE = "ស្តី"  # sa, coeng, ta (written below sa), vowel sign ii: 4 units, one syllable
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽: two surrogate pairs, 4 units
CAMBODIA = "\U0001f1f0\U0001f1ed"  # 🇰🇭: two regional indicators, 4 units
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: 2 + 1 + 2 + 1 + 2 = 8 units
HEALTH_WORKER = "\U0001f469\u200d\u2695\ufe0f"  # 👩‍⚕️: 2 + 1 + 1 + 1 = 5 units


@pytest.mark.parametrize(
    ("text", "units", "count", "naive"),
    [
        # Units 1-66 are single consonants; the syllable would take 67-70, so part 1 stops at
        # 66 and part 2 holds the syllable and 63 consonants (67); the last one opens part 3.
        pytest.param("ក" * 66 + KHMER_SYLLABLE + "ក" * 64, 134, 3, 2, id="Khmer syllable"),
        # The boundary falls between the coeng and the subscript it introduces (66-67 | 68-69):
        # part 1 stops at 65, part 2 is the syllable and 63 consonants, part 3 the last two.
        pytest.param(
            "ក" * 65 + KHMER_SYLLABLE + "ក" * 65, 134, 3, 2, id="Khmer subscript after coeng"
        ),
        # Ka and the spacing vowel sign aa (U+17B6) at 67-68: 66 | 2 + 65 = 67 | 1.
        pytest.param("ក" * 66 + "កា" + "ក" * 66, 134, 3, 2, id="Khmer spacing vowel sign"),
        # The thumb (66-67) would fit part 1, its skin tone (68-69) not: 65 | 4 + 63 | 2.
        pytest.param("a" * 65 + THUMBS_UP_MEDIUM + "a" * 65, 134, 3, 2, id="emoji and modifier"),
        pytest.param("a" * 65 + CAMBODIA + "a" * 65, 134, 3, 2, id="flag"),
        # Two flags in a row are two clusters: 65 | 4 + 4 + 59 = 67 | 2.
        pytest.param(
            "a" * 65 + CAMBODIA + "\U0001f1fa\U0001f1f8" + "a" * 61, 134, 3, 2, id="two flags"
        ),
        # The family takes 62-69, its second joiner 67: 61 | 8 + 59 = 67 | 6.
        pytest.param("a" * 61 + FAMILY + "a" * 65, 134, 3, 2, id="ZWJ sequence"),
        # The health worker takes 64-68: 63 | 5 + 62 = 67 | 4.
        pytest.param("a" * 63 + HEALTH_WORKER + "a" * 66, 134, 3, 2, id="ZWJ and selector"),
        # A decomposed ế (e, circumflex, acute) at 67-69: 66 | 3 + 64 = 67 | 1.
        pytest.param("a" * 66 + "e\u0302\u0301" + "a" * 65, 134, 3, 2, id="combining marks"),
        # The keycap 1️⃣ (digit, VS16, enclosing keycap) at 66-68: 65 | 3 + 64 = 67 | 2.
        pytest.param("a" * 65 + "1\ufe0f\u20e3" + "a" * 66, 134, 3, 2, id="keycap"),
    ],
)
def test_a_cluster_is_never_split_between_parts(
    text: str, units: int, count: int, naive: int
) -> None:
    assert len(text.encode("utf-16-le")) // 2 == units
    assert naive == -(-units // 67) and count == naive + 1  # the straddle costs one part
    result = segments(text)
    assert (result.encoding, result.units, result.count) == ("UCS-2", units, count)


@pytest.mark.parametrize(
    ("text", "units", "count"),
    [
        # Single messages hold 70 units whatever the clusters: 14 syllables of 5 units.
        pytest.param("ខ្ញុំ" * 14, 70, 1, id="70 units of Khmer"),
        pytest.param("ខ្ញុំ" * 14 + "ក", 71, 2, id="71 units of Khmer"),
        pytest.param(THUMBS_UP_MEDIUM * 17 + "áá", 70, 1, id="70 units of emoji"),
        pytest.param(THUMBS_UP_MEDIUM * 17 + "ááá", 71, 2, id="71 units of emoji"),
        # A cluster ending exactly at unit 67 fits: 63 + 4 | 4.
        pytest.param("a" * 63 + CAMBODIA + CAMBODIA, 71, 2, id="flag ends part 1"),
        # Chinese has a cluster per character, so only the unit count matters: 67 + 67 (+ 1).
        pytest.param("你" * 134, 134, 2, id="134 Chinese characters"),
        pytest.param("你" * 135, 135, 3, id="135 Chinese characters"),
        # A cluster longer than a part cannot stay whole: a and 80 accents, 67 | 14.
        pytest.param("a" + "\u0301" * 80, 81, 2, id="cluster longer than a part"),
    ],
)
def test_ucs2_part_boundaries_with_clusters(text: str, units: int, count: int) -> None:
    result = segments(text)
    assert (result.encoding, result.units, result.count) == ("UCS-2", units, count)


@pytest.mark.parametrize(
    ("text", "clusters"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("សួស្តី", ["សួ", "ស្តី"], id="Khmer hello: two syllables"),
        pytest.param("ខ្ញុំ", ["ខ្ញុំ"], id="Khmer I: subscript and two signs"),
        pytest.param("ស្ត្រី", ["ស្ត្រី"], id="Khmer woman: two subscripts"),
        pytest.param("កា", ["កា"], id="Khmer spacing vowel sign"),
        pytest.param("Tie\u0302\u0301ng", ["T", "i", "e\u0302\u0301", "n", "g"], id="Vietnamese"),
        pytest.param("你好", ["你", "好"], id="Chinese"),
        pytest.param(
            "\U0001f44d\U0001f3fd\U0001f44d", [THUMBS_UP_MEDIUM, "\U0001f44d"], id="tone"
        ),
        pytest.param(FAMILY + HEALTH_WORKER, [FAMILY, HEALTH_WORKER], id="ZWJ sequences"),
        pytest.param(
            CAMBODIA + "\U0001f1fa\U0001f1f8\U0001f1f2",
            [CAMBODIA, "\U0001f1fa\U0001f1f8", "\U0001f1f2"],
            id="flags pair up",
        ),
        pytest.param("\u263a\ufe0f1\ufe0f\u20e3", ["\u263a\ufe0f", "1\ufe0f\u20e3"], id="VS16"),
        pytest.param(
            "\u1100\u1161\u11a8\uac00\u11a8",
            ["\u1100\u1161\u11a8", "\uac00\u11a8"],
            id="Hangul jamo and syllables",
        ),
        pytest.param("a\r\nb\n\n", ["a", "\r\n", "b", "\n", "\n"], id="CR LF is one"),
        pytest.param("\u0301a", ["\u0301", "a"], id="a lone mark is its own"),
        pytest.param("a\u200db", ["a\u200d", "b"], id="ZWJ joins emoji only"),
        pytest.param("क्षि", ["क्षि"], id="Devanagari conjunct"),
        pytest.param("ไทยำ", ["ไ", "ท", "ยำ"], id="Thai sara am is a spacing mark"),
        pytest.param("\u0600\u0661", ["\u0600\u0661"], id="Arabic number sign prepends"),
    ],
)
def test_grapheme_clusters(text: str, clusters: list[str]) -> None:
    assert grapheme_clusters(text) == clusters
