"""How many SMS segments a text takes, which is what operators bill and what limits a message.

A text written only with the GSM 03.38 alphabet is sent in 7-bit characters: 160 in one message, 153
per part when it is split (the rest carries the join header); the extension characters (€, [, ] …)
take two. Any other character ("ê", "ô", a typographic apostrophe, an emoji) sends the whole text in
UCS-2: 70 UTF-16 units in one message, 67 per part.
"""

import math

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm(text: str) -> bool:
    return all(character in GSM_BASIC or character in GSM_EXTENSION for character in text)


def segment_count(text: str) -> int:
    if is_gsm(text):
        length = sum(2 if character in GSM_EXTENSION else 1 for character in text)
        single, part = GSM_SINGLE, GSM_PART
    else:
        # UCS-2 on the air is UTF-16: a character outside the Basic Multilingual Plane takes two units.
        length = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    return 1 if length <= single else math.ceil(length / part)
