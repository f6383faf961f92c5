"""The danger safety net's phrase rules: catch plain danger, leave idioms alone."""
import pytest

from bot.danger import DANGER_TYPES, DangerRules, default_rules
from bot.danger.rules import prepare


@pytest.fixture(scope="module")
def rules() -> DangerRules:
    return default_rules()


@pytest.mark.parametrize(
    "text, danger_type",
    [
        ("they know where i live now", "threat"),
        ("dijeron q le van a hacer algo a mi jefa", "threat"),
        ("a truck keeps parking outside my house every night", "watched"),
        ("me están siguiendo desde la escuela", "watched"),
        ("they say i owe them for the gas", "coerced"),
        ("no me dejan salirme del jale", "coerced"),
        ("im on my way to the pickup spot rn", "in_progress"),
        ("estoy en la garita ahorita", "in_progress"),
        ("my cousin went on a run yesterday and hasnt come back", "friend_missing"),
        ("se llevaron a mi primo y nadie sabe donde esta", "friend_missing"),
        ("he pointed a gun at me", "weapon"),
        ("me apuntaron con un cuete", "weapon"),
        ("honestly i want to die", "self_harm"),
        ("YA NO QUIERO VIVIR", "self_harm"),
        # Narrative families added after reading the development set's misses (own wording).
        ("what is the most painless way to die", "self_harm"),
        ("estoy pensando en dormirme y no despertar", "self_harm"),
        ("the guy slashed my hand with a box cutter", "weapon"),
        ("me cortaron la pierna con una navaja", "weapon"),
        ("a white van has been idling across the street from my house since 9", "watched"),
        ("they put a backpack in my trunk and said drive to tucson and dont stop", "in_progress"),
        ("hay dos personas debajo del asiento", "in_progress"),
        ("they kept my phone and id until i finish 2 more trips", "coerced"),
        ("she said shed be back by friday. now its sunday", "friend_missing"),
        ("mi primo mando su ubicacion y ya no contesta", "friend_missing"),
        ("sometimes i think about wrecking my car on purpose", "self_harm"),
        ("ya pensé en estrellarme con la troca a propósito", "self_harm"),
        ("nomás quisiera q esto se termine pa siempre", "self_harm"),
        ("they followed me home from the bus stop", "watched"), ("me siguieron hasta mi casa", "watched"),
        ("somebody dropped my address and a pic of my house in a group chat", "threat"),
        ("me mandaron por snap una foto de mi mamá en la lavanderia", "threat"),
        ("mi hermano no contesta desde anoche", "friend_missing"),
        # Spanish with voseo, Central American words, northern slang and typos
        ("vos, el maje dice q le va a ir mal a mi nana si no voy", "threat"),
        ("me escribieron q ya tienen ubicada a mi jefita", "threat"),
        ("me stan siguiendo desde la tortilleria", "watched"),
        ("los halcones de la cuadra me tienen vigilado", "watched"),
        ("dicen q lo q debo se paga con jales", "coerced"),
        ("el patron dice q ya soy de la plaza", "coerced"),
        ("toy en el punto, ya llego la troca", "in_progress"),
        ("en la noche cruzamos el rio con el coyote", "in_progress"),
        ("el cipote de mi vecina no ha regresado del jale", "friend_missing"),
        ("mi compa no da señales desde el viernes", "friend_missing"),
        ("el bato saco la fusca y me dijo subete", "weapon"),
        ("me encañonaron saliendo de la tienda", "weapon"),
        ("kiero morirme ya", "self_harm"),
        ("pienso en aventarme del puente", "self_harm"),
        # English families widened with the word lists (own wording)
        ("the dude from telegram pulled up outside my job last night", "watched"),
        ("a silver truck keeps circling our block since i said no", "watched"),
        ("they dmed me a clip of my little sister leaving practice", "threat"),
        ("he said if i go to the cops my grandma is next", "threat"),
        ("the man kept my license and says i get it back after 3 more loads", "coerced"),
        ("my sis said shed be home by 10 but she still isnt and its 2am", "friend_missing"),
        ("he pressed a gun against my head in the parking lot", "weapon"),
        ("ive been thinking about jumping off the overpass", "self_harm"),
        # Spanish families added from a probe of teen phrasing (own wording)
        ("me andan amenazando por whats desde ayer", "threat"),
        ("dijeron q si no les llevo la feria el lunes van a ir por mi jefa", "threat"),
        ("una camioneta sin placas se para cada noche cerca de mi casa", "watched"),
        ("se quedaron con mi pasaporte hasta que haga otro viaje", "coerced"),
        ("ya sé demasiado y dicen que no me puedo salir", "coerced"),
        ("me subieron a la fuerza en una troca", "in_progress"),
        ("el pollero nos trae caminando por el desierto desde la tarde", "in_progress"),
        ("mi primo se fue con unos batos el sabado y no ha regresado", "friend_missing"),
        ("se escucharon balazos enfrente de mi casa", "weapon"),
        ("nadie me extrañaria si desaparezco", "self_harm"),
        ("ya no quiero seguir con vida", "self_harm"),
        # Development-set misses, as families (own wording)
        ("the driver kept a pistol on his lap the whole way", "weapon"),
        ("sus papás no lo localizan desde hace dos días", "friend_missing"),
    ],
)
def test_plain_danger_is_caught(rules, text, danger_type):
    match = rules.match(text)
    assert match is not None and match.danger_type == danger_type


@pytest.mark.parametrize(
    "text",
    [
        "my dad is gonna kill me when he sees the car lol", "this chem homework is killing me", "lmaooo im deceased",
        "me muero de sueño en clase", "mi apá me va a matar si llego tarde otra vez", "este partido me está matando",
        "te voy a matar si no me invitas al cine jaja",
        "what happens if someone threatens you?", "q hago si me siguen escribiendo", "my phone is gonna die",
        "i cant find her number", "he is watching a movie", "",
        "how to die in minecraft hardcore", "my nose is bleeding lol", "my coach says hes gonna kill us if we lose friday",
        "that was so embarrassing i wanna die", "she shot me down again", "me quiero morir de la pena jaja",
        "i drive slow on purpose so my sister is late lol", "choqué el carro sin querer, no fue a propósito",
        "we crashed at my cousins place last night",
        # a follow on social media, a request for a photo (a red flag, not danger), a sister asleep
        "she followed me back!!", "he finally followed me on snap 😳", "my lil cousin loves watching me play minecraft",
        "me siguió una influencer en insta!! 😱", "this guy wants my id and a pic of my house before he tells me the job",
        "un perfil me pide fotos de mi casa, es confiable?", "le marqué a mi hermana y no contesta, seguro está dormida",
        # Spanish everyday speech next to the newer patterns: waking up, signing up, cheating, haircuts,
        # parents, studying hard, a school team, farm chickens, a meeting point, cousins, hunting
        "mi mamá me va a levantar temprano pa ir a misa", "me volví a cortar el fleco jaja", "yo me apunto pa la carne asada",
        "le puso el cuerno a su novia", "mis papás me van a matar si ven mi boleta", "me van a matar en mi casa si llego tarde",
        "quiero morirme de la vergüenza jaja", "mi amiga dice q se va a matar estudiando", "los halcones de la prepa ganaron el viernes",
        "mi abuela cria pollos y ayer fuimos a recogerlos", "estamos en el punto de encuentro del paseo",
        "me vienen siguiendo mis primos en bici", "mi abuelo tiene una escopeta pa cazar", "q pasa si la policia te persigue?",
        # English hyperbole, games, chores and errands next to the widened rules
        "ima strangle my little sister she used all my shampoo", "my grandpas gonna skin me if i scratch his truck",
        "the enemy bots followed me into the base", "he sniped me from the roof in warzone, shot me in the head lol",
        "my cousin made me do the dishes again", "my parents wont let me go to the homecoming dance",
        "i owe my bestie 8 bucks for chipotle", "omw to pick up our food from the taco place",
        "my friend hasnt answered all day, prob at her tias", "my tios truck is parked outside my house",
        "that anime episode had guns everywhere", "the chef pulled out a knife to slice the brisket",
        "she threatened to unadd me lol", "im in the car rn going to the mall",
        # Spanish hyperbole and everyday chat next to the newer patterns (own wording)
        "el profe nos va a matar con tanta tarea", "mis jefes me van a matar cuando vean la boleta",
        "mi novia me va a matar, se me olvidó su cumple", "ese disparo al ángulo fue golazo",
        "en warzone me dieron un balazo en la cabeza", "mi perrita me sigue a todos lados",
        "me siguieron un chingo de cuentas nuevas", "mi mamá no me deja salir entre semana",
        "le debo diez varos a mi compa", "nadie salió herido, solo fue el susto",
        "qué oso, me quiero morir", "ya no puedo más con la tarea de química",
        "no quiero vivir en esta ciudad de grande", "mi tía me amenazó con decirle a mi mamá",
        "me obligaron a bailar en la quince", "el guardia del mall trae pistola",
        "se me perdió mi hermanito en la tienda pero luego lo encontramos", "vamos cruzando el río en la lancha del paseo",
        "no encuentro mi cargador desde hace dos dias",
    ],
)
def test_idioms_and_questions_are_not_danger(rules, text):
    assert rules.match(text) is None


def test_idiom_only_is_recognised_but_danger_beside_an_idiom_is_not_hidden(rules):
    assert rules.is_idiom_only("me muero de risa con ese video")
    assert not rules.is_idiom_only("my mom is gonna kill me but also they know where i live")
    assert rules.match("my mom is gonna kill me but also they know where i live").danger_type == "threat"


def test_most_urgent_type_wins(rules):
    assert rules.match("they know where i live and i want to die").danger_type == "self_harm"


def test_normalisation_handles_accents_repeats_and_apostrophes():
    assert prepare("Ya nooo quiero VIVÍR") == "ya noo quiero vivir"
    assert prepare("I don’t want to live") == "i dont want to live"


def test_every_type_has_rules_in_both_languages(rules):
    for danger_type in DANGER_TYPES:
        languages = {language for language, _, _ in rules._rules[danger_type]}
        assert languages == {"en", "es"}, danger_type


@pytest.mark.parametrize("text", ["\x00\x01", "\udcff" * 10, "a" * 20000, "🙂" * 3000, None, 42])
def test_garbage_never_raises(rules, text):
    rules.match(text)
    rules.is_idiom_only(text)


def test_a_word_list_is_written_out_and_a_quantifier_is_left_alone():
    from bot.danger.rules import expand_word_lists

    pattern = expand_word_lists("a (mi|tu) {family}( \\w+){0,4} hoy", {"family": ["mama", "jefa"]}, "es.yml")
    assert pattern == "a (mi|tu) (?:mama|jefa)( \\w+){0,4} hoy"


def test_an_unknown_word_list_names_the_file_and_the_phrase():
    from bot.danger.rules import expand_word_lists

    with pytest.raises(ValueError, match=r"es.yml: phrase .*\{famly\}"):
        expand_word_lists("a mi {famly}", {"family": ["mama"]}, "es.yml")
