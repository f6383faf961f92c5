"""English danger phrase families widened in bot/danger/rules/en.yml, and the everyday speech,
jokes and questions next to them that must stay quiet. Own wording throughout."""
import pytest

from bot.danger import DangerRules, default_rules


@pytest.fixture(scope="module")
def rules() -> DangerRules:
    return default_rules()


@pytest.mark.parametrize(
    "text, danger_type",
    [
        # threats: received, passed on, or with a refusal as the condition (either order)
        ("been getting death threats from that account all week", "threat"),
        ("if i call the police theyre gonna kill my whole family", "threat"),
        ("the dude said hed mess me up if i back out", "threat"),
        ("they told me i better watch my back from now on", "threat"),
        ("he said my parents wont be safe if i quit", "threat"),
        ("they said they would put a bullet in my brother", "threat"),
        ("somebody told me ill end up in a ditch like the last one", "threat"),
        ("they kno where my tia lives", "threat"),
        ("the recruiter said something really bad could happen to my mom", "threat"),
        ("answer us or hell come to my house tonight", "threat"),
        ("they warned me im a dead man if i talk", "threat"),
        # watched
        ("those dudes keep pulling up outside my school", "watched"),
        ("found an airtag stuck under my car", "watched"),
        ("some guys leaked my home address in a discord", "watched"),
        ("they texted that they saw me with my little sister at heb", "watched"),
        ("the guys know which bus my brother takes", "watched"),
        ("a truck keeps parking across from my house at night", "watched"),
        # coerced
        ("they took my passport and wont give it back", "coerced"),
        ("he says im in too deep to walk away now", "coerced"),
        ("they told me i dont have a choice anymore", "coerced"),
        ("they said i have to keep driving until its paid", "coerced"),
        ("the debt keeps going up every time i say no", "coerced"),
        ("they want me to recruit three more kids from my school or i pay", "coerced"),
        ("im their runner now whether i like it or not", "coerced"),
        # in progress
        ("rn im hauling a load up to san antonio", "in_progress"),
        ("im about to sneak past the checkpoint", "in_progress"),
        ("my brother is making me drive the pollitos tonight", "in_progress"),
        ("im waiting at the stash house for them", "in_progress"),
        ("migra is chasing us", "in_progress"),
        ("we got 4 migrants in the car", "in_progress"),
        ("there are two men hiding under the seats", "in_progress"),
        ("they want me to grab the bundles by the river", "in_progress"),
        # a friend gone or hurt after a job
        ("my homegirl went missing after a run to phoenix", "friend_missing"),
        ("my cousin got picked up by border patrol and no one knows where", "friend_missing"),
        ("they are holding my brother until he pays them", "friend_missing"),
        ("my bf got beat up by the guys he drives for", "friend_missing"),
        ("nobody can reach my best friend since the drop", "friend_missing"),
        ("my friend texted me sos and then his phone went off", "friend_missing"),
        # weapons
        ("they handed me a glock and told me to hold it", "weapon"),
        ("i noticed a pistol under the seat of his car", "weapon"),
        ("he snapped me a video with his gun", "weapon"),
        ("he pulled his hoodie up and showed the strap", "weapon"),
        ("she stabbed me in the back with a box cutter", "weapon"),
        # self harm
        ("i wish i was never born", "self_harm"),
        ("there is no point in living anymore", "self_harm"),
        ("i dont know if i want to be alive", "self_harm"),
        ("ive thought about ending it all", "self_harm"),
        ("my family would be better off if i was gone", "self_harm"),
        ("i just want to stop existing", "self_harm"),
        ("i want to die for real", "self_harm"),
        # an idiom never hides the danger beside it
        ("that cake looks to die for but honestly i want to die for real", "self_harm"),
        ("my boss will kill me if i dont deliver the load", "threat"),
        ("my dad is gonna kill me if i dont drive the load tonight", "threat"),
    ],
)
def test_widened_english_families_are_caught(rules, text, danger_type):
    match = rules.match(text)
    assert match is not None, text
    assert match.danger_type == danger_type, (text, match)


@pytest.mark.parametrize(
    "text",
    [
        # hyperbole about parents, bosses and chores, with an everyday condition after it
        "my mom will kill me if i dont go to church",
        "my dad is gonna kill me if i dont pay him back for the shoes",
        "my manager will kill me if im late again",
        "my boss is gonna kill me i spilled the fries",
        "my grandpa keeps pressuring me to drive so i get my license",
        "my tia is making me go to the quince",
        # jokes, games and betrayal
        "i want to die on this hill, cereal is soup",
        "i want to die this homework is so long",
        "he sniped me from across the map lol",
        "she totally stabbed me in the back by telling him",
        "i got threats in the fortnite chat",
        "ur gonna end up like the last guy who tried that trick shot",
        "youll end up in a ditch if you text and drive",
        # everyday loads, rides, checkpoints and packages
        "we got a load of laundry to fold",
        "i have loads of homework",
        "take a load off and sit",
        "we got pollos asados for dinner",
        "im driving people home from the party",
        "im picking up the package at the post office",
        "im carrying my team in ranked",
        "about to go through the checkpoint with my grandma",
        "i said yes to the job at target and now im nervous",
        "my mom dropped me off at the meeting spot for the field trip",
        # family and friends on ordinary days
        "my family is gonna pay for my college",
        "my brother is missing his homework again",
        "my sister disappeared with my charger",
        "nobody can find him, hes the best at hide and seek",
        "my friend got caught vaping at school",
        "my cousin was held back a grade",
        "the same guys are always at my bus stop, theyre in my grade",
        "they know what time i get off because they work with me",
        "my mom tracks my location on life360",
        "i put an airtag in my backpack in case i lose it",
        "my uncle keeps a rifle in his truck for hunting",
        "he sent me a pic of his new gun skin",
        # venting that is not self-harm
        "im thinking about ending it with her",
        "i wish i was born in the 2000s",
        "idk if i wanna live in dallas for college",
        "im tired of living with my sister",
        "no point in going to class, theres a sub",
        "theres no reason to live in this town lol",
        "everyone would be better off without me on the team lol",
        "im thinking about dying my hair pink",
        # questions about the topic
        "what if they threaten my family",
        "what if someone is following me",
        "what happens if you get caught driving a load",
        "can minors get charged for smuggling people",
        "they showed a stash house on the news",
    ],
)
def test_english_everyday_speech_is_not_danger(rules, text):
    assert rules.match(text) is None, (text, rules.match(text))


def test_a_parent_idiom_with_an_errand_is_idiom_only_but_not_with_a_load(rules):
    assert rules.is_idiom_only("my mom will kill me if i dont go to church")
    assert not rules.is_idiom_only("my mom will kill me if i dont go drive the load")
    assert rules.is_idiom_only("my manager is gonna kill me if im late")
