"""What the conversation needs to know of the chat app it is speaking through, and nothing more.

The conversation (engine/chat/conversation.py and the handlers it calls) is the same for every
chat app; a ChatChannel names the app in replies ("Tài khoản Telegram này ..."), says how a
command is typed ("/viec" on Telegram, "viec" on Zalo), gives the help and how-to-link texts, and
finds a person's contact on it. Each adapter builds its BotEnv with its own channel
(engine/chat/telegram/words.py, engine/chat/zalo/words.py).

Reply text is marked text: `<b>`, `<i>` and `<code>` around HTML-escaped words are the only
marks. Telegram shows them as they are (its HTML); Zalo reads plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.models import Person


@dataclass(frozen=True)
class ChatChannel:
    """One chat app as the conversation sees it."""

    name: str               # the Person contact field and the channel events record: telegram | zalo
    label: str              # the app's name in replies
    prefix: str             # what a command word starts with: "/" or ""
    help: str               # the commands, as marked text
    not_linked: str         # what a chat nobody linked is told
    choices: bool = True    # offers buttons (Telegram) rather than typed answers
    thing: str = "nút"      # what the person acted with, in refusals: "nút" (button) or "lệnh" (command)

    def cmd(self, word: str) -> str:
        """How a command is typed here: "/boqua" or "boqua"."""
        return f"{self.prefix}{word}"

    def contact(self, person: Person) -> str | None:
        """The person's chat on this app, unless it is broken."""
        chat = getattr(person, self.name, None)
        return None if not chat or getattr(person, f"{self.name}_broken", None) else str(chat)
