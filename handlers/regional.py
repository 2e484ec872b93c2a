"""The regional desk: a user's request reaches their own civic centre.

Escalation goes to the consultants' group of the user's centre; a centre
without a group gives its contacts and hours, and the ticket goes to the
national group when there is one. Nobody ends at "contact the centre directly"
without being told which centre and how.
"""

from __future__ import annotations

import datetime as dt

from handlers import centre_card, escalation, render
from handlers.centres import CentreDirectory
from handlers.i18n import Gettext
from handlers.ports import DeskStore, UserRecord
from handlers.team import Team
from handlers.types import Inbound, InboundKind, Reply
from knowledge import Entry

CENTRE_TOPIC = "civic-centre.find"


async def region_of(store: DeskStore, directory: CentreDirectory, user: UserRecord, inbound: Inbound) -> str | None:
    """The region a typed message names, else the user's; a first named region is remembered."""
    named = directory.regions.find(inbound.text) if inbound.kind is InboundKind.TEXT else None
    if named is not None and user.region is None:
        await store.set_region(user.id, named)
    return named or user.region


async def escalate(
    team: Team | None,
    directory: CentreDirectory,
    user: UserRecord,
    lang: str,
    inbound: Inbound,
    region_id: str | None,
    now: dt.datetime,
    _: Gettext,
) -> list[Reply]:
    """A ticket to the region's centre (or the national group), with its contacts where it has no group."""
    centre = directory.centre_of(region_id)
    if team is None or directory.group(centre.id) is None:
        about = (
            centre_card.card(directory, centre, now, lang, _)
            if centre.has_contacts
            else centre_card.no_contacts(directory, region_id, lang, _)
        )
        return [
            render.consultant_offer(_("Consultants cannot take questions through this desk yet.") + "\n\n" + about, _)
        ]
    replies = await escalation.escalate(team, user, lang, inbound, centre.id)
    # A broken group's answer gives the contacts already.
    if not directory.has_own_group(centre.id) and centre.has_contacts and not await team.workspace_problem(centre.id):
        replies.append(
            Reply(
                _("You can also reach your region's civic centre directly:")
                + "\n\n"
                + centre_card.card(directory, centre, now, lang, _)
            )
        )
    return replies


def centre_answer(
    directory: CentreDirectory,
    entry: Entry | None,
    region_id: str,
    lang: str,
    _: Gettext,
    amounts: render.Amounts,
    now: dt.datetime,
    question_id: int | None,
) -> Reply:
    """`civic-centre.find` for the user's region: their centre's card, or the gap and the general answer."""
    centre = directory.centre_of(region_id)
    change = _("Another region? Send /region or the word «region».")
    if centre.has_contacts:
        text = f"{centre_card.card(directory, centre, now, lang, _)}\n\n{change}"
    elif entry is not None:  # the general answer already points to the akimat
        gap = centre_card.gap(directory, region_id, lang, _)
        text = f"{gap}\n\n{render.entry_text(entry, lang, _, amounts)}\n\n{change}"
    else:
        text = f"{centre_card.no_contacts(directory, region_id, lang, _)}\n\n{change}"
    if question_id is None:
        return render.consultant_offer(text, _)
    return Reply(text, render.feedback(question_id, _))
