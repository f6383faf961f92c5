"""A fake Telegram Bot API server on localhost: stands in only for Telegram's cloud.

The real Rasa server's Telegram channel calls it through python-telegram-bot exactly as it would
call api.telegram.org (its base URL is configurable). It records every call (method and
parameters) so tests can read the replies a teen would have seen, and answers with valid Bot API
JSON. A chat id listed in ``blocked`` gets Telegram's 403 "bot was blocked by the user".
"""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Señales test", "username": "senales_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeBotApi:
    def __init__(self, host: str = "127.0.0.1", token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: List[Dict] = []
        self.blocked: set = set()
        self._lock = threading.Lock()
        self._message_id = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/bot"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeBotApi":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def _params(handler: BaseHTTPRequestHandler) -> Dict:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        kind = handler.headers.get("Content-Type", "")
        if "json" in kind:
            return json.loads(raw or b"{}")
        params = dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for key, value in params.items():  # PTB sends nested values as JSON strings
            if value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlparse(handler.path).path
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return self._reply(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        method = path[len(prefix):]
        params = self._params(handler)
        with self._lock:
            self.calls.append({"method": method, "params": params, "at": time.time()})
        if method == "getMe":
            return self._reply(handler, 200, {"ok": True, "result": BOT_USER})
        if method == "sendMessage":
            chat_id = int(params.get("chat_id"))
            if chat_id in self.blocked:
                return self._reply(handler, 403, {"ok": False, "error_code": 403,
                                                  "description": "Forbidden: bot was blocked by the user"})
            with self._lock:
                self._message_id += 1
                message_id = self._message_id
            result = {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                      "chat": {"id": chat_id, "type": "private", "first_name": "Teen"}, "text": params.get("text", "")}
            if params.get("reply_markup"):
                result["reply_markup"] = params["reply_markup"]
            return self._reply(handler, 200, {"ok": True, "result": result})
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return self._reply(handler, 200, {"ok": True, "result": True})
        if method == "getWebhookInfo":
            return self._reply(handler, 200, {"ok": True, "result": {"url": "", "has_custom_certificate": False,
                                                                      "pending_update_count": 0}})
        return self._reply(handler, 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {method} not faked"})

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: Dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    # -- what tests read -------------------------------------------------------------------
    def calls_for(self, method: str, chat_id: Optional[int] = None, since: float = 0.0) -> List[Dict]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c["method"] == method and c["at"] >= since
                and (chat_id is None or str(c["params"].get("chat_id")) == str(chat_id))]

    def texts_to(self, chat_id: int, since: float = 0.0) -> List[str]:
        return [c["params"]["text"] for c in self.calls_for("sendMessage", chat_id, since)]
