"""The Spanish danger phrases widened for conjugations, clitics and narrative wording, and the idioms
beside them: every family added to es.yml has a danger case and an everyday case here (own wording)."""
import time

import pytest

from bot.danger import DangerRules, default_rules


@pytest.fixture(scope="module")
def rules() -> DangerRules:
    return default_rules()


@pytest.mark.parametrize(
    "text, danger_type",
    [
        # self-harm in conjugated and reflexive forms
        ("me voy a cortar otra vez, no aguanto", "self_harm"),
        ("anoche me corté las muñecas", "self_harm"),
        ("mejor me mato y ya", "self_harm"),
        ("ojalá me muriera mañana", "self_harm"),
        ("ya me cansé de vivir asi", "self_harm"),
        ("quiero acabar con todo de una vez", "self_harm"),
        ("me hago daño cuando nadie me ve", "self_harm"),
        ("me voy a aventar de un edificio", "self_harm"),
        ("quisiera dejar de existir", "self_harm"),
        # weapons offered, carried, pressed to the body, used to threaten
        ("el vato me quiere dar una pistola pa que la cargue", "weapon"),
        ("me ofrecieron un cuete para cuidarme en el camino", "weapon"),
        ("me pidieron que escondiera unas armas en mi cuarto", "weapon"),
        ("llegaron armados a la casa", "weapon"),
        ("me pegó el fierro en la frente", "weapon"),
        ("me amenazó con un machete", "weapon"),
        ("guardan cuernos en la casa de seguridad", "weapon"),
        ("se levantó la playera pa q viera la pistola", "weapon"),
        # a run under way in the teen's own words
        ("ya les dije q si, el domingo es mi primer viaje", "in_progress"),
        ("ya acepté, mañana paso por los pollitos", "in_progress"),
        ("hoy en la noche muevo la mercancia", "in_progress"),
        ("me toca cruzar a dos pollos por la mañana", "in_progress"),
        ("estoy cruzando gente ahorita", "in_progress"),
        ("tengo q pasar la garita con el paquete", "in_progress"),
        ("ya me subí a la camioneta con ellos, vamos pa houston", "in_progress"),
        ("la mochila q me dieron no sé qué trae", "in_progress"),
        ("ya mero llegamos al retén y traigo miedo", "in_progress"),
        # a friend missing or hurt after the job
        ("no sé nada de mi carnal desde el jueves", "friend_missing"),
        ("mi prima ya lleva dos dias desaparecida", "friend_missing"),
        ("secuestraron a mi compa", "friend_missing"),
        ("mi hermano se fue con esos batos y todavia no regresa", "friend_missing"),
        ("lo madrearon por perder la carga", "friend_missing"),
        ("encontraron a mi amigo golpeado", "friend_missing"),
        # threats with 'iban a', the family, snitching
        ("me dijeron q me iban a levantar", "threat"),
        ("el jefe me va a matar si no entrego la carga", "threat"),
        ("la jefa del jale me va a matar si pierdo el paquete", "threat"),
        ("si le digo a alguien van por mi jefita", "threat"),
        ("va a haber consecuencias para mis hermanos", "threat"),
        ("me llegan audios amenazándome", "threat"),
        ("dijeron que le harian daño a mi abuela", "threat"),
        # coercion: no choice, debts, force, papers held
        ("tengo una deuda con el patron por la troca", "coerced"),
        ("me están forzando a cruzar", "coerced"),
        ("me tienen jalando a la fuerza pa ellos", "coerced"),
        ("se quedaron con mi credencial hasta que haga otro jale", "coerced"),
        ("ya no me puedo salir, dicen", "coerced"),
        ("se perdió la carga y ahora dicen q la tengo que pagar", "coerced"),
        # watched
        ("me tomaron fotos llegando a mi casa", "watched"),
        ("el mismo carro pasa enfrente de mi casa", "watched"),
        ("saben todo lo q hago", "watched"),
        ("hay unos vatos afuera vigilando", "watched"),
        ("creo q andan siguiéndome", "watched"),
        ("me están rastreando", "watched"),
        ("mandaron a unos tipos a vigilarme", "watched"),
        ("me siento vigilada todo el tiempo", "watched"),
        ("siento q alguien me sigue cuando salgo", "watched"),
    ],
)
def test_widened_spanish_danger_is_caught(rules, text, danger_type):
    match = rules.match(text)
    assert match is not None and match.danger_type == danger_type, (text, match)


@pytest.mark.parametrize(
    "text",
    [
        # hyperbole and idioms
        "me muero de hambre", "este examen me mató", "mi mamá me va a matar cuando llegue tarde",
        "me quiero morir de la vergüenza", "me cae que me muero de risa", "pinche tarea me va a matar",
        "me quiero morir, mañana tengo examen de historia", "ya me quiero morir de tanta tarea",
        "me van a matar de risa estos", "mi amiga me va a matar por decirte", "me iban a levantar temprano pa misa",
        "si le digo a mi mamá que reprobé me va a matar", "ojalá me muriera de risa", "mejor me mato estudiando",
        "me voy a cortar el pelo", "me corté las piernas rasurándome", "quiero acabar con todo el pastel", "ya me cansé de vivir en este rancho",
        # games, toys, alarms, the table
        "se disparó la alarma del carro", "ese personaje trae una escopeta bien chida", "me regalaron una pistola de agua",
        "el mesero puso el cuchillo en la mesa", "el lego ya está armado",
        # family rides, errands and pickups
        "mi apá está afuera en la troca", "mis papás dijeron que van a ir por mi hermanita",
        "cruzamos la garita con la gente de la iglesia", "ya mero llegamos a la garita, hay mucha fila", "ya me subí al carro con ellos, vamos al cine",
        "tengo que entregar la mercancia en la tienda de mi tío", "el paquete de amazon llegó, no sé qué trae",
        "ya acepté el jale en la construcción, empiezo mañana", "ya les dije que sí a mis papás, el viaje es en julio",
        "levantaron a mi hermano temprano para ir a la escuela", "no sé nada de mi amigo desde la secundaria",
        # pets, parents, teachers, followers
        "el perro del vecino me sigue hasta la casa", "mis papás me están vigilando las calificaciones",
        "la maestra nos vigila en el examen", "mi hermanito anda siguiéndome", "mi ama tiene el life360 y sabe donde ando",
        "los rayados nos siguen ganando", "me sigue gustando esa canción", "me siento observada en clase cuando expongo",
        "los guardias hablan por radio en el mall",
        # topic questions and news
        "¿qué pasa si te agarran con la carga?", "¿qué pasa si me amenazan?", "¿cómo saber si me están vigilando?",
        "leí que a un chavo lo agarraron con pollos en el carro",
        # school, chores, debts to friends
        "si no voy a clase me va a ir mal en el examen", "no me dejan ir hasta que termine mi comida",
        "me presionan para que siga estudiando", "no me puedo salir del grupo de whats",
        "me están forzando a comer verduras", "mi familia corre peligro de perder la casa",
        "tengo una deuda con el banco", "si no pago la luz me la cortan", "me siento observado por mi gato",
        "quedamos en ir al rio, paso por ti con los pollos asados", "le ayudo a mi tía a llevar a los pollos al mercado",
        "me toca llevar la carga de leña a la casa de mi abuela", "voy a pasar gente al frente en la clase",
        "mi amigo no regresa el libro que le presté", "hay un carro estacionado afuera desde ayer, es del vecino",
        "estamos esperando la señal del wifi jaja", "a mi amigo lo tienen encerrado en su casa, está castigado",
        "ya me comprometí, el sábado llevo los pollos a la carne asada", "no tengo de otra, tengo que hacer el viaje con mis papás",
    ],
)
def test_spanish_everyday_speech_is_not_danger(rules, text):
    assert rules.match(text) is None, (text, rules.match(text))


def test_a_parent_idiom_does_not_hide_the_bosss_threat_over_the_load(rules):
    assert rules.is_idiom_only("mi mamá me va a matar cuando llegue tarde")
    assert not rules.is_idiom_only("el jefe me va a matar si no entrego la carga")
    assert rules.match("me muero de risa pero me dijeron q saben donde vivo").danger_type == "threat"


def test_long_spanish_text_stays_fast(rules):
    # bounded gaps only: repeated words that start many phrases never backtrack badly
    texts = [
        "mi amigo " * 1100, "jale, " * 1600, "la misma troca " * 650, "no no no me me dejan dejan salir " * 300,
        ("ya les dije que si, " * 500)[:10000], ("me siguen " * 1000),
    ]
    start = time.perf_counter()
    for text in texts:
        rules.match(text)
    assert (time.perf_counter() - start) / len(texts) < 1.0
