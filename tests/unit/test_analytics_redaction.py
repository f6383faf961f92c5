"""Transcripts shown to staff carry no phone, e-mail, handle, link or street address, in either language."""
import pytest

from bot.analytics.redaction import redact

CASES = [
    ("text me at 520-555-0100 after school", "520-555-0100", "[phone]"),
    ("my number is (602) 555 0199", "555 0199", "[phone]"),
    ("mi cel es +52 1 664 123 4567", "664", "[phone]"),
    ("escríbeme al 6641234567", "6641234567", "[phone]"),
    ("email me jay.r+jobs@gmail.com", "gmail", "[email]"),
    ("mándame un correo a primo_77@hotmail.com.mx", "primo_77", "[email]"),
    ("dm @quickcash.rides.tx for the job", "quickcash", "[handle]"),
    ("sígueme en @la_chamba_facil", "chamba", "[handle]"),
    ("apply here https://bit.ly/3xYz now", "bit.ly", "[url]"),
    ("mira tiktok.com/@jalesrapidos", "jalesrapidos", "[url]"),
    ("pick me up at 1234 N Oracle Rd tomorrow", "Oracle", "[address]"),
    ("I live on 45 Maple Street", "Maple", "[address]"),
    ("vivo en Calle Benito Juárez 123", "Juárez", "[address]"),
    ("nos vemos en Av. Revolución #45", "Revolución", "[address]"),
]


@pytest.mark.parametrize("text, secret, tag", CASES)
def test_identifying_details_are_replaced_by_a_tag(text, secret, tag):
    out = redact(text)
    assert secret not in out and tag in out, out


@pytest.mark.parametrize("text", [
    "they pay 1500 a trip, 2 racks a week",
    "is $800 for one drive legit?",
    "me ofrecen 2 mil por viaje en 2026",
    "I'm 16 and in 10th grade",
])
def test_money_ages_and_years_stay(text):
    assert redact(text) == text
