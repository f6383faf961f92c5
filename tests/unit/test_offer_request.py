"""A bare request to check an offer is told apart from an offer to judge."""
import pytest

from bot.offers.request import is_request_only


@pytest.mark.parametrize(
    "text",
    ["is this legit?", "can u check if a job offer is legit", "me checas una oferta?", "oye esto es real o es estafa",
     "someone sent me this on snap is it sketchy", ""],
)
def test_requests_without_an_offer(text):
    assert is_request_only(text)


@pytest.mark.parametrize(
    "text",
    ["need drivers tonight 1500 a trip hmu on telegram", "se buscan choferes para llevar paquetes a houston",
     "they want me to move packages from laredo for 2k cash", "Rosa's Tacos hiring cashiers $13/hr apply in store"],
)
def test_offers_are_not_requests(text):
    assert not is_request_only(text)
