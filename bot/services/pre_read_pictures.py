"""The pre-read's heat map: drawn and uploaded after the ack (the pre-read is always posted from
a background job or the outbox sweep), shown by file id, and replaced when the pre-read is.

The picture is a nicety: every failure here (drawing, the upload, Slack refusing the image
block) leaves the pre-read posted or updated without it, and the next posting tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.errors import SlackError
from bot.services.ports import Gateway, Renderer, SlackImage
from bot.services.summary import Summary

log = logging.getLogger(__name__)

FILENAME = "pre-read-ratings.png"  # no candidate name: the file outlives the loop's purge
# Slack finishes an upload asynchronously, and an image block naming a file it is still
# processing is refused (invalid_blocks). One more try after this pause, then none.
PROCESSING_PAUSE_SECONDS = 2.0

Send = Callable[[SlackImage | None], str]  # post or update the pre-read with this picture; its ts


class PreReadPictures:
    def __init__(self, slack: Gateway, render: Renderer, sleep: Callable[[float], None] = time.sleep):
        self.slack = slack
        self.render = render
        self.sleep = sleep

    def publish(self, summary: Summary, old_file: str | None, send: Send) -> tuple[str, str | None]:
        """Upload a new picture, post or update the pre-read with it, then delete the one it
        replaces. Returns the message's ts and the file now shown (None: no picture)."""
        picture = self.upload(summary)
        try:
            ts = send(picture)
        except SlackError as exc:
            if picture is None:
                raise
            ts, picture = self._without(picture, exc, send)
        shown = picture.file_id if picture else None
        if old_file and old_file != shown:
            self.discard(old_file)
        return ts, shown

    def _without(self, picture: SlackImage, error: SlackError, send: Send) -> tuple[str, SlackImage | None]:
        """Slack refused the message with the picture: once more after a pause if it was the image
        block, then without it. Any other failure is the message's own: it is raised."""
        if error.code != "invalid_blocks":
            self.discard(picture.file_id)
            raise error
        self.sleep(PROCESSING_PAUSE_SECONDS)
        try:
            return send(picture), picture
        except SlackError as again:
            self.discard(picture.file_id)
            if again.code != "invalid_blocks":
                raise
        log.warning("slack refused the pre-read's picture; posted without it")
        return send(None), None

    def upload(self, summary: Summary) -> SlackImage | None:
        """Draw and upload the heat map; None when nothing is rated yet or the upload failed."""
        if not any(row.count for row in summary.matrix):
            return None
        try:
            picture = self.render.pre_read_picture(summary, self._names(summary))
        except Exception as exc:  # a drawing bug must not stop the pre-read; its message may quote labels
            log.error("pre-read picture not drawn: %s", type(exc).__name__)
            return None
        try:
            file_id = self.slack.upload_image(FILENAME, picture.png, picture.title, picture.alt_text)
        except SlackError as exc:
            log.warning("pre-read picture not uploaded (%s); the pre-read goes without it", exc.code)
            return None
        return SlackImage(file_id, picture.alt_text, picture.title)

    def discard(self, file_id: str) -> None:
        """Delete a picture no message shows any more. Failing leaves a file only the bot can see."""
        try:
            self.slack.delete_file(file_id)
        except SlackError as exc:
            log.warning("an old pre-read picture was not deleted: %s", exc.code)

    def _names(self, summary: Summary) -> dict[str, str]:
        """Interviewers' display names for the columns; the user id where the lookup fails."""
        names = {}
        for user in dict.fromkeys(who for row in summary.matrix for who, _ in row.ratings):
            try:
                names[user] = self.slack.user_info(user).display or user
            except SlackError as exc:
                log.info("no name for a heat map column: %s", exc.code)
                names[user] = user
        return names
