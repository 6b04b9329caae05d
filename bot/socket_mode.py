"""Socket Mode: Bolt's built-in handler, with the same shape checks HTTP requests get in bot.web."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.payload_check import envelope_problem

logger = logging.getLogger(__name__)


class CheckedSocketModeHandler(SocketModeHandler):
    """Refuses envelopes whose payload Bolt would crash on, and acknowledges them all the same.

    Slack redelivers an envelope that is not acknowledged, so a malformed one is acked (empty) and logged
    rather than handed to Bolt, where the KeyError would leave it unacknowledged.
    """

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        problem = envelope_problem(req.type, req.payload)
        if problem is not None:
            logger.warning("malformed Socket Mode envelope refused: %s", problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        super().handle(client, req)
