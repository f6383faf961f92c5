"""The job-offer analyzer (bot/offers): verdicts, evidence, money, robustness, CLI.

All offer texts here are written for these tests (none come from the
benchmark corpus, which stays a blind test set).
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bot.offers import OfferAnalyzer, analyze_offer
from bot.offers.money import parse_amounts
from bot.offers.normalize import fold, normalize

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["asked_to_drive_people_or_packages", "asked_to_pay_first", "asked_to_move_app"]


@pytest.fixture(scope="module")
def analyzer():
    # validate_patterns makes spaCy check every rule pattern, so a typo in a
    # rule file fails here rather than silently never matching.
    return OfferAnalyzer(validate_patterns=True)


def assert_exact_evidence(text, result):
    for flag in result.flags + result.protective:
        if flag.evidence == "" and flag.start == flag.end == 0:
            continue  # a flag from an answered question quotes nothing
        assert text[flag.start:flag.end] == flag.evidence, flag
        assert flag.evidence.strip(), flag
        assert flag.explanation.strip(), flag


# -- evidence -----------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "Necesito chóferes pa llevar unos pollitos a Houston 🚗💨 2 mil dólares por viaje, bórrale al chat",
        "EZ MONEYYYY 💰💰 drive ppl from Eagle Pass up to Dallas, $1.8k a head, no questions asked",
        "Tráeme la merca cruzando la garita 🤫 Trabajo fáaacil y rápido, nadie pregunta",
        "Nooo cap 💸 quick cash, keep it quiet and delete the chat after, we lend u the car",
        "Se solicita cajera\u0301 en Farmacia San Pablo, $12 la hora, entrevista en la sucursal",
    ],
)
def test_evidence_is_the_exact_original_substring(analyzer, text):
    result = analyzer.analyze(text)
    assert result.flags or result.protective
    assert_exact_evidence(text, result)


def test_evidence_keeps_accents_and_repeated_letters(analyzer):
    text = "Trabajo fáaaacil 💰 dinero fáaacil"
    result = analyzer.analyze(text, language="es")
    evidences = [f.evidence for f in result.flags]
    assert "dinero fáaacil" in evidences
    assert "💰" in evidences
    assert_exact_evidence(text, result)


# -- verdicts ------------------------------------------------------------

def test_english_smuggling_lure_is_high(analyzer):
    text = ("Need 2 drivers this weekend 🚗 pick up some people near the border and bring them to Austin. "
            "$1,800 per person, cash. Message me on Telegram")
    result = analyzer.analyze(text)
    assert result.risk == "high"
    assert result.language == "en"
    assert {"drive_people_or_packages", "high_pay_per_trip", "border_or_checkpoint",
            "private_app_or_delete_chats"} <= set(result.codes)
    assert_exact_evidence(text, result)


def test_spanish_smuggling_lure_is_high(analyzer):
    text = "Se ocupan chavos pa mover pollitos de Reynosa a Houston, 2 mil dólares por viaje. Borra el chat."
    result = analyzer.analyze(text)
    assert result.risk == "high"
    assert result.language == "es"
    assert {"code_words", "drive_people_or_packages", "high_pay_per_trip", "border_or_checkpoint",
            "private_app_or_delete_chats"} <= set(result.codes)
    assert_exact_evidence(text, result)


@pytest.mark.parametrize(
    "text, language",
    [
        ("Kids don't get charged, so it's chill for you to drive for us", "en"),
        ("the cops won't chase a car with a teenager driving, trust", "en"),
        ("A los morros no les hacen nada si los paran, tú tranquilo", "es"),
        ("La policía no te persigue si eres menor de edad", "es"),
    ],
)
def test_minors_not_charged_alone_is_high(analyzer, text, language):
    result = analyzer.analyze(text, language=language)
    assert "minors_not_charged" in result.codes
    assert result.risk == "high"


@pytest.mark.parametrize(
    "text",
    [
        "Receive payments into your bank account and forward them to our partner. You keep 10%.",
        "We mail you a check, you deposit it and wire back the difference",
        "To start you just need to buy three Google Play gift cards and text us the numbers",
        "Recibe paquetes en tu casa y reenvíalos a otra dirección, te pagamos por caja",
        "Para empezar paga una cuota de inscripción de $30",
    ],
)
def test_money_mule_and_job_scams_are_high(analyzer, text):
    result = analyzer.analyze(text)
    assert "money_mule_or_scam" in result.codes
    assert result.risk == "high"


def test_legit_pizza_delivery_is_low(analyzer):
    text = "Delivery driver at Tony's Pizza, $15/hr + tips, valid licence and insurance, apply in store"
    result = analyzer.analyze(text)
    assert result.risk == "low"
    assert not result.flags
    protective = {p.code for p in result.protective}
    assert {"named_business", "normal_hourly_pay", "licence_and_insurance", "apply_in_person_or_site"} <= protective
    assert all(p.weight < 0 for p in result.protective)
    assert_exact_evidence(text, result)


def test_legit_grocery_delivery_with_driving_words_is_low(analyzer):
    text = ("Now hiring weekend delivery drivers at Green Valley Market. You drive our van, $14/hour plus tips. "
            "Must be 18 with a clean driving record. Apply online or stop by the customer service desk.")
    assert analyzer.analyze(text).risk == "low"


def test_legit_spanish_cashier_is_low(analyzer):
    text = ("Se solicita cajera para Tienda La Palma, $12 la hora, medio tiempo. "
            "Entrevista en la tienda con el gerente. Aplica en persona.")
    result = analyzer.analyze(text)
    assert result.language == "es"
    assert result.risk == "low"
    assert "normal_hourly_pay" in {p.code for p in result.protective}


def test_own_car_only_counts_next_to_cash_runs(analyzer):
    legit = analyzer.analyze("Tutor for 5th graders, $16/hr, must have your own car to reach students' homes")
    assert "own_car_required_for_cash_runs" not in legit.codes
    lure = analyzer.analyze("must have your own car, $1,200 per run, easy money")
    assert "own_car_required_for_cash_runs" in lure.codes
    assert lure.risk == "high"


def test_some_flags_give_medium(analyzer):
    result = analyzer.analyze("Looking for people to work this week, no experience, huge money 💰💰 hmu on whatsapp")
    assert result.risk == "medium"


# -- money -----------------------------------------------------------------

@pytest.mark.parametrize(
    "text, usd, period",
    [
        ("$2k", 2000, None),
        ("2k", 2000, None),
        ("2 racks", 2000, None),
        ("2 mil varos", 2000, None),
        ("$15/hr", 15, "hour"),
        ("$17.50 an hour", 17.5, "hour"),
        ("$1,500 per trip", 1500, "trip"),
        ("1.500 por persona", 1500, "unit"),
        ("pago por persona $1500", 1500, "unit"),
        ("a grand a day", 1000, "day"),
        ("mil dólares cada uno", 1000, "unit"),
        ("$1000 - $6000 per drop", 6000, "trip"),
        ("3 mil pesos por viaje", 165, "trip"),
    ],
)
def test_money_amounts_and_periods(text, usd, period):
    amounts = parse_amounts(text)
    assert len(amounts) == 1, amounts
    assert amounts[0].usd == pytest.approx(usd)
    assert amounts[0].period == period


@pytest.mark.parametrize("text", ["call me at 555-0199", "ages 16-19", "open 7 days, 9am-5pm", "keep 90% of it"])
def test_numbers_that_are_not_money_are_ignored(text):
    assert parse_amounts(text) == []


def test_pay_per_trip_is_flagged_and_hourly_is_protective(analyzer):
    per_trip = analyzer.analyze("we pay 2 racks a trip", language="en")
    assert "high_pay_per_trip" in per_trip.codes
    assert per_trip.flags[0].evidence == "2 racks a trip"
    hourly = analyzer.analyze("Library helper, $15/hr, weekends", language="en")
    assert "normal_hourly_pay" in {p.code for p in hourly.protective}
    assert "high_pay_per_trip" not in hourly.codes


# -- normalisation -----------------------------------------------------------

def test_accents_and_repeated_letters_are_normalised():
    assert normalize("fáaacil").text == "facil"
    assert normalize("sooooo").text == "so"
    assert normalize("NOOOO").text == "NO"
    assert normalize("neeeed", known_words={"need"}).text == "need"
    assert fold("Fácil Ñandú") == "facil nandu"
    assert normalize("Ganá 💵 ya").text == "Gana   ya"  # emoji separate words
    kept = normalize("Ganá💵ya", keep_emoji=["💵"]).text  # money emoji stay, as tokens
    assert kept.split() == ["Gana", "💵", "ya"]


def test_normalised_offsets_map_back_to_original():
    text = "¡Dinero fáaaacil!! 🙂 cásh"
    norm = normalize(text)
    start = norm.text.index("facil")
    s, e = norm.to_original(start, start + len("facil"))
    assert text[s:e] == "fáaaacil"


def test_other_emoji_separate_words(analyzer):
    result = analyzer.analyze("easy🔥money", language="en")
    assert "easy_money" in result.codes
    assert result.flags[0].evidence == "easy🔥money"


# -- thin text and answers ---------------------------------------------------

def test_thin_text_asks_questions(analyzer):
    result = analyzer.analyze("hey want a job?")
    assert result.too_thin
    assert result.questions == QUESTIONS
    assert result.risk == "low"


def test_answers_rescore_to_high(analyzer):
    text = "got a job for u, interested?"
    answers = {"asked_to_drive_people_or_packages": True, "asked_to_move_app": True, "asked_to_pay_first": False}
    result = analyzer.analyze(text, answers=answers)
    assert result.risk == "high"
    assert not result.too_thin
    added = [f for f in result.flags if f.code == "drive_people_or_packages"]
    assert added and added[0].evidence == "" and added[0].explanation
    assert "private_app_or_delete_chats" in result.codes


def test_paying_first_answer_alone_is_high(analyzer):
    result = analyzer.analyze("tengo chamba para ti", language="es", answers={"asked_to_pay_first": True})
    assert result.risk == "high"
    assert result.flags[0].explanation.startswith("Dijiste")


def test_no_answers_keep_it_thin(analyzer):
    result = analyzer.analyze("hey want a job?", answers={q: False for q in QUESTIONS})
    assert result.too_thin and result.risk == "low" and result.questions == []


# -- bad input ---------------------------------------------------------------

def _random_text():
    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(3000)).decode("utf-8", errors="surrogateescape")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "💰" * 50,
        "🙂🙂🙂🚗🚗",
        "https://example.com/apply?ref=abc",
        "\x00\x00hello\x00",
        "\ud800\udfff lone surrogates \udc80",
        "a" * 20000,
        ("drive people $2k per trip " * 1000),
    ],
)
def test_odd_input_never_raises(analyzer, text):
    result = analyzer.analyze(text)
    assert result.risk in {"high", "medium", "low"}
    assert result.language in {"en", "es"}
    json.dumps(result.to_dict(), ensure_ascii=False)
    assert_exact_evidence(text, result)


def test_random_bytes_never_raise(analyzer):
    text = _random_text()
    result = analyzer.analyze(text)
    assert result.risk in {"high", "medium", "low"}
    assert_exact_evidence(text, result)


def test_long_text_is_truncated_and_says_so(analyzer):
    text = "Cashier at Joe's Market, $12/hr. " + "x " * 10000 + "police won't chase you"
    result = analyzer.analyze(text)
    assert result.truncated and result.analyzed_chars == 5000
    assert "minors_not_charged" not in result.codes  # beyond the analysed part


@pytest.mark.parametrize("bad", [None, b"bytes", 42, ["list"]])
def test_non_string_raises_type_error(analyzer, bad):
    with pytest.raises(TypeError):
        analyzer.analyze(bad)
    with pytest.raises(TypeError):
        analyze_offer(bad)


def test_unknown_language_is_detected_instead(analyzer):
    assert analyzer.analyze("Se buscan choferes para hoy", language="fr").language == "es"
    assert analyzer.analyze("Se buscan choferes para hoy", language="en").language == "en"


def test_module_level_analyze_offer_reuses_one_instance():
    from bot.offers import default_analyzer

    first = analyze_offer("Drivers needed, $3k per trip, checkpoint route")
    assert first.risk == "high"
    assert default_analyzer() is default_analyzer()


# -- CLI ---------------------------------------------------------------------

def run_cli(*args, stdin=None):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "bot.offers", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)


def test_cli_argument_and_forced_language():
    proc = run_cli("--lang", "es", "Necesito choferes hoy, 3 mil dólares por viaje, pasar la garita")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["risk"] == "high" and data["language"] == "es"
    assert all({"code", "evidence", "explanation"} <= set(f) for f in data["flags"])
    assert "dólares" in proc.stdout  # ensure_ascii=False


def test_cli_stdin():
    proc = run_cli(stdin="Delivery driver at Tony's Pizza, $15/hr + tips, apply in store\n")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["risk"] == "low" and data["language"] == "en"


def test_cli_jsonl_with_bad_lines():
    lines = [
        json.dumps({"id": "a", "text": "Quick cash 💸 drive packages to the border tonight"}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": 5}),
        json.dumps(["no", "object"]),
        "",
        json.dumps({"id": "b", "text": "Se busca cajero, $12 la hora, aplica en persona", "language": "es"}),
    ]
    proc = run_cli("--jsonl", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 5
    assert out[0]["id"] == "a" and out[0]["risk"] == "high"
    assert all("error" in row for row in out[1:4])
    assert out[4]["id"] == "b" and out[4]["risk"] == "low" and out[4]["language"] == "es"


def test_cli_help():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "--jsonl" in proc.stdout and "--lang" in proc.stdout


def test_spanish_offer_in_an_english_chat_is_matched_in_spanish_and_explained_in_english():
    from bot.offers import analyze_offer

    offer = "se buscan choferes pa llevar pollitos a houston, pago x viaje, hoy mismo"
    result = analyze_offer(offer, explain_in="en")
    assert result.language == "es" and result.risk == "high"
    spanish = analyze_offer(offer, explain_in="es")
    assert [f.code for f in result.flags] == [f.code for f in spanish.flags]
    assert result.flags[0].explanation != spanish.flags[0].explanation
    assert all(f.evidence and f.evidence in offer for f in result.flags if f.evidence)


def test_pruned_lemma_table_cache_is_used_and_keyed_by_vocabulary(tmp_path, monkeypatch):
    from bot.offers import pipeline

    monkeypatch.setenv("SENALES_CACHE_DIR", str(tmp_path))
    fresh = pipeline.pruned_lookups("es", {"manejar", "pagar"}).get_table("lemma_lookup")
    files = list(tmp_path.glob("offer-lemmas-es-*.json"))
    assert len(files) == 1
    cached = pipeline.pruned_lookups("es", {"manejar", "pagar"}).get_table("lemma_lookup")
    assert dict(cached.items()) == dict(fresh.items()) and cached.get("manejo") == "manejar"
    pipeline.pruned_lookups("es", {"manejar"})  # another vocabulary: another file, never a stale table
    assert len(list(tmp_path.glob("offer-lemmas-es-*.json"))) == 2
