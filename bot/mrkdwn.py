"""The one rule for putting a person's words into Slack: in mrkdwn and in a message's `text`.

Slack reads `<…>` as markup (a mention such as `<@U1>` or `<!channel>`, a link, a date) and
`&` as the start of an entity. So `&`, `<` and `>` in anything a person typed are escaped,
and nothing else is: the mentions, dates and links hirebot builds itself must still work.
Block Kit `plain_text` is not parsed, so it is never escaped (it would show `&amp;`).

Services and builders both use this module; it knows nothing of Slack's SDK.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

URL_MAX = 2000  # what the database keeps
COMMAND = "/hire"  # the slash command, as manifest.json declares it


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def command(subcommand: str) -> str:
    """A subcommand as a person would type it, in code style."""
    return f"`{COMMAND} {subcommand}`"


def escape(text: str) -> str:
    """Text a person typed, made inert: it can no longer mention, link or format a date."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def url_problem(url: str) -> str | None:
    """Why `url` can't be shown as a link, or None for a real https URL.

    `|`, `<` and `>` would end Slack's `<url|label>` early, and whitespace or control
    characters hide what the link is; the scheme is https only, because a résumé is personal.
    """
    if len(url) > URL_MAX:
        return f"Keep the link under {URL_MAX} characters."
    if any(ch in "|<>" or ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return "Paste just the https:// link: no spaces, and none of | < >."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "That is not a link. Paste the full address, starting with https://"
    if parts.scheme == "http":
        return "Use the https:// address: plain http:// links are not accepted."
    if parts.scheme != "https" or not parts.hostname:
        return "Use a full link starting with https://"
    return None


def link(url: str | None, label: str) -> str:
    """`<url|label>` for a real https URL; anything else is shown as escaped text, never as markup."""
    if not url:
        return escape(label)
    if url_problem(url) is None:
        return f"<{escape(url)}|{escape(label)}>"
    return f"{escape(label)}: {escape(url)}"
