"""Response generator that fills hotline placeholders ({trafficking_call}) from hotlines.yml.

It is Rasa's own templated generator with extra template variables, loaded by endpoints.yml
(``nlg: type: bot.rasa_plugins.hotline_nlg.HotlineNLG``). It runs in the Rasa server, so even the
danger replies, which must go out when the action server is down, carry the current numbers.
Hotline values win over slot values of the same name, so a teen can never change a number.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.hotlines import template_values


class HotlineNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__(domain.responses if domain else {})

    @staticmethod
    def _response_variables(filled_slots: Dict[Text, Any], kwargs: Dict[Text, Any]) -> Dict[Text, Any]:
        variables = dict(filled_slots or {})
        variables.update(kwargs)
        variables.update(template_values())
        return variables
