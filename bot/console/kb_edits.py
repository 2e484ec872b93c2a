"""What the knowledge pages do to drafts and entries, each change written to the audit trail with it.

Web-free: the pages translate forms and roles, this module changes things. A
draft is saved whatever state it is in (a consultant's draft has one language);
the loader's rules (`kb check`'s) are shown beside each field and only publishing
requires a clean base. Publishing writes the file, bumps the base's version
(every instance reloads) and reloads this instance at once, so the console's
own search answers with the new base on the next request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

from bot.console import audit
from bot.console.deps import Console
from bot.curation import service
from bot.curation.changes import NOTHING, summarise
from bot.curation.entry_form import EntryForm, by_field, from_mapping, to_mapping
from bot.curation.publish import entry_path, file_digest, read_entry, review_in_base
from bot.curation.store import DRAFT, REJECTED, Draft, SqlDraftStore, to_yaml
from bot.ops.masking import mask
from handlers.curation import NewDraft
from handlers.faq import new_entry
from knowledge import Problem
from knowledge.loader import answer_length
from knowledge.model import LANGS

GAP_EXAMPLES = 20  # at most this many example texts from one gap


def target(entry_id: str) -> str:
    """The audit trail's name for an entry: its history is every change under this name."""
    return f"entry:{entry_id}"


def _mapping(body: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _as_edited(body: str) -> dict[str, Any]:
    """An entry as the editor writes it (answers without a final newline, sources without empty
    parts), so a diff names what the curator changed, not how the file was laid out."""
    return to_mapping(from_mapping(_mapping(body)))


@dataclass(frozen=True)
class Review:
    """A draft as the editor shows it: its fields, the validator's findings per field, answer lengths."""

    form: EntryForm
    problems: dict[str, list[Problem]]  # editor field ("" for the entry as a whole) -> findings
    lengths: dict[str, int]  # lang -> the answer's length as a messenger shows it

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for found in self.problems.values() for p in found)


class KbEdits:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.drafts = SqlDraftStore(console.engine)

    def _today(self) -> dt.date:
        return self.console.clock().date()

    async def _record(self, who: str, action: str, entry_id: str, details: str) -> None:
        async with self.console.engine.begin() as conn:
            await audit.record(conn, who, action, target(entry_id), details, self.console.clock())

    def review(self, draft: Draft, form: EntryForm | None = None) -> Review:
        """The draft's fields and what `kb check` would say of it in the base."""
        settings = self.console.settings
        form = form or from_mapping(_mapping(draft.body))
        body = to_yaml(to_mapping(form))
        _, problems = review_in_base(settings.knowledge_dir, body, self.console.matcher().base,
                                     settings.kb_max_age_days, draft.revises, draft.revises_digest)
        own = str(entry_path(settings.knowledge_dir, form.get("id").strip() or "-"))
        lengths = {lang: answer_length(form.get(f"answer_{lang}"), lang) for lang in LANGS}
        return Review(form, by_field(problems, own), lengths)

    async def from_gap(self, who: str, lang: str, examples: list[str]) -> tuple[int, str]:
        """A new draft whose phrasings are a gap's examples, personal data masked again here."""
        texts = list(dict.fromkeys(mask(t).strip() for t in examples if t.strip()))[:GAP_EXAMPLES]
        entry = new_entry(self.console.matcher(), lang, texts, "", self._today())  # no answer yet
        number, entry_id = await self.drafts.create(NewDraft(None, lang, who, entry))
        await self._record(who, "draft.create", entry_id, f"draft {number}: from a gap of {len(texts)} questions")
        return number, entry_id

    async def revise(self, who: str, entry_id: str) -> int | None:
        """The draft editing a published entry: the one already open, else a new one from its file."""
        path = entry_path(self.console.settings.knowledge_dir, entry_id)
        if not path.exists():
            return None
        current = await self.drafts.open_revision(entry_id)
        if current is not None:
            return current.id
        number = await self.drafts.revise(entry_id, path.read_text(encoding="utf-8"), file_digest(path), who)
        await self._record(who, "draft.create", entry_id, f"draft {number}: edit of the published entry")
        return number

    async def save(self, who: str, draft: Draft, form: EntryForm) -> Draft | None:
        """Store the edited fields (None when the draft was decided meanwhile); the change is audited."""
        body = to_yaml(to_mapping(form))
        data, _ = read_entry(body, "draft")
        entry_id = str(data["id"]) if data is not None else draft.entry_id
        if body == draft.body:
            return draft
        if not await self.drafts.update_body(draft.id, body, entry_id):
            return None
        changed = summarise(_as_edited(draft.body), _as_edited(body))
        if changed != NOTHING:  # else only the file's layout moved (a consultant's draft written anew)
            await self._record(who, "draft.save", entry_id, f"draft {draft.id}: {changed}")
        return await self.drafts.get(draft.id)

    async def publish(self, who: str, draft: Draft) -> service.Published | list[Problem]:
        """Validate and write the entry, make every instance load it; this one at once."""
        settings = self.console.settings
        before = entry_path(settings.knowledge_dir, draft.entry_id)
        old = _as_edited(before.read_text(encoding="utf-8")) if draft.revises and before.exists() else {}
        outcome = await service.publish(settings, self.console.engine, draft)
        if isinstance(outcome, list):
            return outcome
        await self._record(who, "entry.publish", draft.entry_id, f"draft {draft.id}, base version "
                           f"{outcome.version}: {summarise(old, _as_edited(draft.body))}")
        if self.console.reloader is not None:
            await self.console.reloader.check()
        return outcome

    async def reject(self, who: str, draft: Draft, reason: str) -> bool:
        if draft.status != DRAFT or not await self.drafts.decide(draft.id, REJECTED, reason):
            return False
        await self._record(who, "draft.reject", draft.entry_id, f"draft {draft.id}: {reason}")
        return True
